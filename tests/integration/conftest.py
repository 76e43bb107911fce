from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.integration.servers import PageProxy, Registry, TokenIssuer


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    r = Registry(tmp_path)
    yield r
    r.stop()


@pytest.fixture
def basic_registry(tmp_path: Path) -> Iterator[Registry]:
    r = Registry(tmp_path, auth="htpasswd", users={"alice": "s3cret"})
    yield r
    r.stop()


@pytest.fixture
def tls_registry(tmp_path: Path) -> Iterator[Registry]:
    r = Registry(tmp_path, tls=True)
    yield r
    r.stop()


@pytest.fixture
def token_registry(tmp_path: Path) -> Iterator[tuple[Registry, TokenIssuer]]:
    """A token-auth registry whose token service sits on a port of its own (like Docker Hub's
    auth.docker.io, but on loopback: a realm the client must refuse)."""
    issuer = TokenIssuer(tmp_path, {"carol": "pw3"})
    r = Registry(tmp_path, auth="token", token_realm=issuer.realm, signer=issuer.signer)
    yield r, issuer
    r.stop()
    issuer.stop()


@pytest.fixture
def token_front(tmp_path: Path) -> Iterator[tuple[Registry, TokenIssuer, PageProxy]]:
    """A token-auth registry served with its token service on one host:port (a paging proxy in
    front routes /token to the issuer): the layout Harbor and GitLab use."""
    issuer = TokenIssuer(tmp_path, {"carol": "pw3"})
    front = PageProxy(0, token_upstream=issuer.port)
    r = Registry(tmp_path, auth="token", token_realm=f"http://{front.host}/token", signer=issuer.signer)
    front.upstream = r.port
    yield r, issuer, front
    front.stop()
    r.stop()
    issuer.stop()


@pytest.fixture
def proxy_factory() -> Iterator:
    made: list = []

    def make(upstream: int, default_n: int = 0, faults: list | None = None, delay: float = 0.0,
             **kw: Any) -> PageProxy:
        p = PageProxy(upstream, default_n, faults, delay=delay, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()
