"""Hostile registries (fuzz-security review 2, defects 1, 6, 7, 19, 28): credentials stay with the
registry, every answer is validated and bounded, a scan ends at spec.timeout, the cache is not a
way to write files. The real registry (Debian docker-registry) sits behind the paging proxy, whose
`rewrite` hook turns it hostile; `Recorder` is the other host that must never hear from us."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry import auth
from kubectl_imagewatch.reflector.registry.client import RegistryClient, Transport
from tests.conftest import run_cli, write_manifests
from tests.integration.servers import PageProxy, Recorder, Registry

pytestmark = pytest.mark.integration
TAGS = ["1.0.0", "1.1.0", "2.0.0"]


def tags_answer(change: Callable[[int, list, bytes], tuple[int, list, bytes]]) -> Any:
    """A rewrite hook applying `change` to tag-list answers only."""
    def rewrite(path: str, status: int, headers: list, body: bytes) -> tuple[int, list, bytes]:
        return change(status, headers, body) if "/tags/list" in path and status == 200 else (status, headers, body)
    return rewrite


def link_to(url: str) -> Any:
    return tags_answer(lambda s, h, b: (s, h + [("Link", f'<{url}>; rel="next"')], b))


@pytest.fixture
def other() -> Any:
    r = Recorder()
    yield r
    r.stop()


# --- 1. credentials only to the registry; tags only from it

def test_link_to_another_host_gets_no_basic_credentials_and_no_say(basic_registry, proxy_factory, other,
                                                                    tmp_path: Path) -> None:
    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    proxy = proxy_factory(basic_registry.port, rewrite=link_to(f"http://{other.host}/v2/team/app/tags/list?last=2.0.0"))
    cfg = json.dumps({"auths": {proxy.host: {"username": "alice", "password": "s3cret"}}})
    m = write_manifests(tmp_path / "m.yaml", {"image": f"{proxy.host}/team/app", "insecure": True,
                                              "secretRef": {"name": "regcred"}}, {"regcred": {".dockerconfigjson": cfg}})
    r = run_cli("simulate", str(m), env={"DOCKER_CONFIG": str(tmp_path / "none")})
    assert r.code == 1, r.out + r.err
    assert "pagination leads to" in r.out and other.host in r.out and "Traceback" not in r.err
    assert other.seen == []  # not contacted at all: no credentials, no tags from it
    assert "s3cret" not in r.out + r.err


def test_link_to_another_host_gets_no_bearer_token(token_front, other) -> None:  # type: ignore[no-untyped-def]
    reg, issuer, front = token_front
    import httpx

    tok = httpx.get(issuer.realm, params={"service": "test-registry", "scope": "repository:team/app:pull,push"},
                    auth=("carol", "pw3")).json()["token"]
    reg.push("team/app", TAGS, headers={"Authorization": f"Bearer {tok}"})
    front.rewrite = link_to(f"http://{other.host}/v2/team/app/tags/list?last=2.0.0")
    with RegistryClient(f"{front.host}/team/app", auth.Credentials("carol", "pw3", "cfg"), Transport(insecure=True)) as c:
        with pytest.raises(OperationError, match="pagination leads to .*refused"):
            c.list_tags()
    assert other.seen == []


def test_same_host_link_is_followed_with_credentials(basic_registry, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    proxy = proxy_factory(basic_registry.port, 1)
    with RegistryClient(f"{proxy.host}/team/app", auth.Credentials("alice", "s3cret", "cfg"), Transport(insecure=True)) as c:
        assert sorted(c.list_tags()) == TAGS
    assert len([x for x in proxy.log if "tags/list" in x]) >= 3


def test_redirect_to_another_host_is_followed_without_credentials(basic_registry, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    """registry.k8s.io answers every request with a redirect to its upstream registry: followed, as
    go-containerregistry does, but the credentials stay with the registry."""
    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    upstream = Recorder(lambda path: (200, [("Content-Type", "application/json")],
                                      json.dumps({"name": "team/app", "tags": ["7.0.0"]}).encode()))
    try:
        proxy = proxy_factory(basic_registry.port, rewrite=tags_answer(
            lambda s, h, b: (307, [("Location", f"http://{upstream.host}/v2/team/app/tags/list")], b"")))
        with RegistryClient(f"{proxy.host}/team/app", auth.Credentials("alice", "s3cret", "cfg"),
                            Transport(insecure=True)) as c:
            assert c.list_tags() == ["7.0.0"]
        assert upstream.seen and all(a is None for _, a in upstream.seen)
    finally:
        upstream.stop()


def test_redirect_target_asking_for_credentials_gets_none(basic_registry, proxy_factory, other) -> None:  # type: ignore[no-untyped-def]
    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    proxy = proxy_factory(basic_registry.port, rewrite=tags_answer(
        lambda s, h, b: (302, [("Location", f"http://{other.host}/v2/team/app/tags/list")], b"")))
    with RegistryClient(f"{proxy.host}/team/app", auth.Credentials("alice", "s3cret", "cfg"), Transport(insecure=True)) as c:
        with pytest.raises(OperationError, match="sent only to the registry itself"):
            c.list_tags()
    assert other.seen and all(a is None for _, a in other.seen)


def test_token_realm_on_another_loopback_port_is_refused(token_registry) -> None:  # type: ignore[no-untyped-def]
    reg, issuer = token_registry  # realm http://127.0.0.1:<issuer port>/token, registry on another port
    with RegistryClient(f"{reg.host}/team/app", auth.Credentials("carol", "pw3", "cfg"), Transport(insecure=True)) as c:
        with pytest.raises(OperationError) as e:
            c.list_tags()
    assert "token service" in str(e.value) and "loopback" in str(e.value) and "pw3" not in str(e.value)
    assert issuer.requests == 0  # the credentials never left for it


def test_token_realm_downgrade_to_http_is_refused(tmp_path: Path, other) -> None:
    from tests.integration.servers import free_port

    port = free_port()  # realm on the registry's own host:port, but plain http for an https registry
    reg = Registry(tmp_path, tls=True, auth="token", token_realm=f"http://127.0.0.1:{port}/token",
                   signer=tmp_path / "cert.pem", port=port)
    try:
        with RegistryClient(f"{reg.host}/team/app", auth.Credentials("u", "pw-xyz", "cfg"),
                            Transport(ca_pem=reg.ca.read_bytes() if reg.ca else None)) as c:
            with pytest.raises(OperationError, match="plain http for an https registry"):
                c.list_tags()
    finally:
        reg.stop()


# --- 6. hostile answers: a clear error naming the image, never a traceback

HOSTILE_PAGES = [
    ("tags not a list", b'{"tags": "1.0.0"}', [], "malformed tag list"),
    ("a tag is a number", b'{"tags": ["1.0.0", 5]}', [], "a tag is a JSON int"),
    ("a tag is null", b'{"tags": [null]}', [], "a tag is a JSON NoneType"),
    ("nested 100000 deep", b'{"tags": ' + b"[" * 100000 + b"]" * 100000 + b"}", [], "not JSON"),
    ("not UTF-8", b'{"tags": ["\xff\xfe"]}', [], "not UTF-8"),
    ("truncated", b'{"tags": ["1.0', [], "not JSON"),
    ("a 1,000-character tag", json.dumps({"tags": ["x" * 1000]}).encode(), [], "1,000 characters"),
    ("a 40 MB page", b'{"tags": ["' + b"1" * (40 << 20) + b'"]}', [], "allowed"),
    ("Link with a bad port", b'{"tags": ["1.0.0"]}', [("Link", "<http://[::1>; rel=\"next\"")], "bad Link header"),
    ("Link of 100,000 characters", b'{"tags": ["1.0.0"]}', [("Link", "</v2/" + "a" * 100000 + ">; rel=\"next\"")],
     "bad Link header"),
    ("Link without <", b'{"tags": ["1.0.0"]}', [("Link", "/v2/team/app/tags/list?last=1; rel=next")], "bad Link header"),
]


@pytest.mark.parametrize("name,body,headers,message", HOSTILE_PAGES, ids=[c[0] for c in HOSTILE_PAGES])
def test_hostile_tag_page_is_a_clear_error(registry, proxy_factory, name: str, body: bytes, headers: list,
                                           message: str) -> None:
    registry.push("team/app", TAGS)
    proxy = proxy_factory(registry.port, rewrite=tags_answer(lambda s, h, b: (s, h + headers, body)))
    with RegistryClient(f"{proxy.host}/team/app", transport=Transport(insecure=True, retries=0)) as c:
        with pytest.raises(OperationError) as e:
            c.list_tags()
    assert message in str(e.value) and str(e.value).startswith(f"{proxy.host}/team/app: ")


HOSTILE_TOKENS = [
    ("a JSON list", b'["x"]', "not an object"),
    ("expires_in a string", b'{"token": "t", "expires_in": "abc"}', "malformed expires_in"),
    ("token a number", b'{"token": 5}', "no token"),
    ("token with a newline", b'{"token": "a\\nb"}', "cannot go in a header"),
    ("not JSON", b"<html>", "no JSON"),
    ("a 2 MB answer", b'{"token": "' + b"a" * (2 << 20) + b'"}', "allowed"),
]


@pytest.mark.parametrize("name,body,message", HOSTILE_TOKENS, ids=[c[0] for c in HOSTILE_TOKENS])
def test_hostile_token_answer_is_a_clear_error(token_front, name: str, body: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    reg, issuer, front = token_front
    front.rewrite = lambda path, s, h, b: (200, [("Content-Type", "application/json")], body) \
        if path.startswith("/token") else (s, h, b)
    with RegistryClient(f"{front.host}/team/app", transport=Transport(insecure=True, retries=0)) as c:
        with pytest.raises(OperationError, match=message):
            c.list_tags()


def test_raw_tags_do_not_reach_the_terminal(registry, proxy_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    registry.push("team/app", TAGS)
    evil = ["3.0.0\nImagePolicy flux-system/app\n  latest: evil/app:6.6.6", "2.0.0\x1b]0;owned\x07", "\ud800"]
    proxy = proxy_factory(registry.port, rewrite=tags_answer(
        lambda s, h, b: (s, h, json.dumps({"tags": json.loads(b)["tags"] + evil}).encode())))
    m = write_manifests(tmp_path / "m.yaml", {"image": f"{proxy.host}/team/app", "insecure": True},
                        policy={"policy": {"alphabetical": {"order": "asc"}}})
    r = run_cli("simulate", str(m), "--all")
    assert r.code == 0, r.out + r.err
    assert "\x1b" not in r.out and "\x07" not in r.out and "Traceback" not in r.err
    assert [ln for ln in r.out.splitlines() if ln.startswith("ImagePolicy")] == [
        f"ImagePolicy flux-system/app (ImageRepository flux-system/app, {proxy.host}/team/app)"]
    assert "\\x1b]0;owned\\x07" in r.out and "\\ud800" in r.out


# --- 7. one deadline per scan

def _timed(proxy: PageProxy, timeout: float = 2.0) -> tuple[float, str]:
    t = time.monotonic()
    with RegistryClient(f"{proxy.host}/team/app", transport=Transport(insecure=True, timeout=timeout)) as c:
        with pytest.raises(OperationError) as e:
            c.list_tags()
    return time.monotonic() - t, str(e.value)


def test_slowloris_body_ends_at_the_deadline(registry, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    registry.push("team/app", TAGS)
    took, msg = _timed(proxy_factory(registry.port, drip=0.3))  # ~60 bytes: 18 s at this pace
    assert "timeout of 2s" in msg and took < 3.5


def test_retry_after_beyond_the_deadline_is_not_waited_for(registry, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    registry.push("team/app", TAGS)
    took, msg = _timed(proxy_factory(registry.port, faults=[(429, [("Retry-After", "300")])]))
    assert "Retry-After" in msg and "timeout of 2s" in msg and took < 1.0


def test_endless_link_pages_end_at_the_deadline(registry, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    registry.push("team/app", TAGS)
    n = iter(range(10**9))
    proxy = proxy_factory(registry.port, rewrite=tags_answer(
        lambda s, h, b: (s, h + [("Link", f'</v2/team/app/tags/list?page={next(n)}>; rel="next"')], b)))
    took, msg = _timed(proxy)
    assert "timeout of 2s" in msg and took < 3.5 and len(proxy.log) > 10


# --- 19. the scan cache is no way to write elsewhere

def test_cache_dir_does_not_write_through_planted_symlinks(registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    registry.push("team/app", TAGS)
    image = f"{registry.host}/team/app"
    cache = tmp_path / "cache"
    cache.mkdir()
    name = hashlib.sha256(image.encode()).hexdigest()[:32]
    victim, victim2 = tmp_path / "victim.txt", tmp_path / "victim2.txt"
    victim.write_text("precious\n")
    victim2.write_text(json.dumps({"image": image, "time": time.time(), "tags": ["9.9.9"]}))
    os.symlink(victim, cache / f"{name}.json.tmp")
    os.symlink(victim2, cache / f"{name}.json")  # a planted entry is not read through a link either
    m = write_manifests(tmp_path / "m.yaml", {"image": image, "insecure": True})
    r = run_cli("simulate", str(m), "-o", "json", "--cache-dir", str(cache))
    assert r.code == 0, r.out + r.err
    assert r.json()["policies"][0]["result"]["tag"] == "2.0.0"
    assert victim.read_text() == "precious\n"
    assert json.loads(victim2.read_text())["tags"] == ["9.9.9"]
    entry = cache / f"{name}.json"
    assert not entry.is_symlink() and sorted(json.loads(entry.read_text())["tags"]) == TAGS
