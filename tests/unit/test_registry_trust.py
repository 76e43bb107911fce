"""Registry trust and bounds without a network: which realms may get credentials, which Link
headers are followed, which answers are accepted, and the scan cache (fuzz-security review 2,
defects 1, 6, 19)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Optional

import pytest

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry import client, scan, wire

REALMS = [  # (realm, registry base, refused because ... or None)
    ("https://auth.docker.io/token", "https://registry-1.docker.io", None),
    ("https://ghcr.io/token", "https://ghcr.io", None),
    ("https://gitlab.example.com/jwt/auth", "https://registry.example.com", None),
    ("http://127.0.0.1:5000/token", "http://127.0.0.1:5000", None),  # the registry's own host:port
    ("http://localhost:5001/token", "http://localhost:5000", None),  # a name, not an IP literal
    ("https://10.1.2.3/service/token", "https://10.1.2.3", None),
    ("https://evil.example.net/token", "https://registry.example.com", "outside the registry's domain"),
    ("http://auth.docker.io/token", "https://registry-1.docker.io", "downgrade"),
    ("http://127.0.0.1:5001/token", "http://127.0.0.1:5000", "loopback"),
    ("http://169.254.169.254/latest", "http://169.254.169.254:5000", "link-local"),
    ("https://0.0.0.0:9999/token", "https://0.0.0.0:5000", "private, loopback"),
    ("https://127.0.0.1/token", "https://registry.example.com", "loopback"),
    ("https://[::ffff:127.0.0.1]:9/token", "https://[::ffff:127.0.0.1]:5000", "loopback"),
    ("https://[fe80::1]/token", "https://[fe80::1]:5000", "link-local"),
    ("file:///etc/passwd", "https://registry.example.com", "scheme 'file'"),
    ("ftp://registry.example.com/t", "https://registry.example.com", "scheme 'ftp'"),
    ("https://user:pw@auth.example.com/t", "https://registry.example.com", "user information"),
    ("https:///token", "https://registry.example.com", "no host"),
    ("https://[::1/token", "https://registry.example.com", "not a URL"),
]


@pytest.mark.parametrize("realm,registry,refused", REALMS)
def test_realm_rule(realm: str, registry: str, refused: Optional[str]) -> None:
    problem = wire.realm_problem(realm, registry)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem


LINKS = [  # (Link header, page URL, next URL or None, or an error fragment)
    ('</v2/a/tags/list?n=2&last=b>; rel="next"', "http://r:5000/v2/a/tags/list?n=2",
     "http://r:5000/v2/a/tags/list?n=2&last=b"),
    ("<https://quay.io/v2/a/tags/list?next_page=xyz>; rel=next", "https://quay.io/v2/a/tags/list",
     "https://quay.io/v2/a/tags/list?next_page=xyz"),
    ('</v2/a/tags/list?last=b>', "http://r/v2/a/tags/list", "http://r/v2/a/tags/list?last=b"),
    ('</v2/a/tags/list?p=1>; rel="prev"', "http://r/v2/a/tags/list", None),
    ('</p>; rel="prev", </n>; rel="next"', "http://r/x", "http://r/n"),
    ("/v2/a/tags/list; rel=next", "http://r/", ValueError),
    ("<http://[::1>; rel=next", "http://r/", ValueError),
    ("<http://r:99999/x>; rel=next", "http://r/", ValueError),
    ("<" + "a" * 10000 + ">", "http://r/", ValueError),
]


@pytest.mark.parametrize("link,page,want", LINKS)
def test_next_page(link: str, page: str, want: object) -> None:
    if want is ValueError:
        with pytest.raises(ValueError):
            wire.next_page(link, page)
    else:
        assert wire.next_page(link, page) == want


@pytest.mark.parametrize("body,error", [
    (b'{"tags": ["1.0.0", "v2"]}', None),
    (b'{"name": "a", "tags": null}', None),
    (b'[]', None),
    (b'{"tags": {"a": 1}}', "malformed tag list"),
    (b'{"tags": [1]}', "a tag is a JSON int"),
    (b'{"tags": [""]}', "0 characters"),
    (json.dumps({"tags": ["x" * 301]}).encode(), "301 characters"),
    (b'{"tags": ["\\ud800"]}', None),  # a lone surrogate is a string: shown escaped, never crashes output
    (b"[" * 50000 + b"]" * 50000, "not JSON"),
    (b'\xff', "not UTF-8"),
])
def test_tag_page_validation(body: bytes, error: Optional[str]) -> None:
    if error is None:
        assert isinstance(client._page_tags(body, "img"), list)
    else:
        with pytest.raises(OperationError, match=error):
            client._page_tags(body, "img")


@pytest.mark.parametrize("body,want", [
    (b'{"token": "abc", "expires_in": 300}', ("abc", 300.0)),
    (b'{"access_token": "abc"}', ("abc", 60.0)),
    (b'{"token": "abc", "expires_in": 99999999999}', ("abc", 86400.0)),
    (b'{"token": "abc", "expires_in": "abc"}', "malformed expires_in"),
    (b'{"token": "abc", "expires_in": 1.5}', "malformed expires_in"),
    (b'{"token": "abc", "expires_in": true}', "malformed expires_in"),
    (b'["x"]', "not an object"),
    (b'{"token": ["x"]}', "no token"),
    (b'{"token": "a b"}', "cannot go in a header"),
    (b'{"token": "a\\r\\nX-Evil: 1"}', "cannot go in a header"),
    (b"nope", "no JSON"),
])
def test_token_answer_validation(body: bytes, want: object) -> None:
    if isinstance(want, tuple):
        assert client._parse_token(body, "img") == want
    else:
        with pytest.raises(OperationError, match=str(want)):
            client._parse_token(body, "img")


def test_retry_after_forms() -> None:
    class R:
        def __init__(self, v: str) -> None:
            self.headers = {"retry-after": v}

    assert client._retry_after(R("2")) == 2.0
    assert client._retry_after(R("99999")) == 300.0
    assert client._retry_after(R("nan")) == 1.0
    assert client._retry_after(R("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0
    assert client._retry_after(R("Sat, 01 Jan 99999 00:00:00 GMT")) == 1.0


# --- the scan cache (defect 19)

def test_cache_save_replaces_planted_symlinks_and_never_writes_through_them(tmp_path: Path) -> None:
    image = "registry.example.com/team/app"
    path = scan._cache_file(str(tmp_path), image)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.symlink(victim, path + ".tmp")  # the old predictable temp name
    os.symlink(victim, path)
    scan.save_cached(path, image, ["1.0.0"])
    assert victim.read_text() == "precious"
    assert not os.path.islink(path) and scan.load_cached(path, image, 60) == ["1.0.0"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".iw-")] == []


def test_cache_load_refuses_links_fifos_and_malformed_entries(tmp_path: Path) -> None:
    image = "registry.example.com/team/app"
    path = scan._cache_file(str(tmp_path), image)
    good = {"image": image, "time": time.time(), "tags": ["1.0.0"]}
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps(good))
    os.symlink(target, path)
    assert scan.load_cached(path, image, 60) is None  # never read through a link
    os.unlink(path)
    os.mkfifo(path)
    assert scan.load_cached(path, image, 60) is None  # no hang on a FIFO
    os.unlink(path)
    for entry in ({**good, "image": "other/app"}, {**good, "tags": [5]}, {**good, "tags": ["x" * 400]},
                  {**good, "time": "now"}, [good], {**good, "time": time.time() - 120}):
        Path(path).write_text(json.dumps(entry))
        assert scan.load_cached(path, image, 60) is None, entry
    Path(path).write_text(json.dumps(good))
    assert scan.load_cached(path, image, 60) == ["1.0.0"]


# --- malformed Secrets are errors, not crashes

class Repo:
    namespace, name, ref = "flux-system", "app", "flux-system/app"

    def __init__(self, spec: dict) -> None:
        self.spec = spec


@pytest.mark.parametrize("secret,ref,error", [
    ({"data": "not-a-mapping"}, "secretRef", "data is not a mapping"),
    ({"stringData": {".dockerconfigjson": "[1]"}}, "secretRef", "not a JSON object"),
    ({"stringData": {".dockerconfigjson": '{"auths": [1]}'}}, "secretRef", "must be JSON objects"),
    ({"data": {".dockerconfigjson": 5}}, "secretRef", "is not base64"),
    ({"stringData": {"ca.crt": "not a pem"}}, "certSecretRef", "not a PEM certificate"),
    ({"stringData": {"address": "::::"}}, "proxySecretRef", "is not a proxy URL"),
    ({"data": {"address": "/w=="}}, "proxySecretRef", "not UTF-8"),
])
def test_malformed_secrets(secret: dict, ref: str, error: str) -> None:
    spec = {"image": "registry.example.com/team/app", ref: {"name": "s"}}
    with pytest.raises(OperationError, match=error):
        scan.client_for(Repo(spec), lambda ns, name: secret).close()


def test_registry_host_that_is_not_a_host_is_an_error() -> None:
    for image in ("a.b:99999/app", "[::1/app", "a.b:x/app"):
        with pytest.raises(OperationError, match="not a host"):
            client.RegistryClient(image)


def test_secrets_never_run_credential_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A credential helper is a program: a Secret in the scanned manifests cannot name one."""
    from kubectl_imagewatch.reflector.registry import auth

    ran = tmp_path / "ran"
    helper = tmp_path / "bin" / "docker-credential-evil"
    helper.parent.mkdir()
    helper.write_text(f"#!/bin/sh\ntouch {ran}\necho '{{\"Username\": \"u\", \"Secret\": \"p\"}}'\n")
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{helper.parent}:{os.environ['PATH']}")
    for cfg in ({"credHelpers": {"ghcr.io": "evil"}}, {"credsStore": "evil"}):
        sec = {"stringData": {".dockerconfigjson": json.dumps(cfg)}}
        assert auth.from_secret(sec, "ghcr.io", "flux-system/regcred") is None
    assert not ran.exists()
    assert auth.from_config({"credHelpers": {"ghcr.io": "evil"}}, "ghcr.io", "cfg") is not None  # the user's own
    assert ran.exists()
    with pytest.raises(OperationError, match="not a plain name"):
        auth.from_config({"credHelpers": {"ghcr.io": "x/../../evil"}}, "ghcr.io", "cfg")


@pytest.mark.parametrize("page,location,error", [
    ("https://r.example.com/v2/a/tags/list", "https://mirror.example.net/v2/a/tags/list", None),
    ("https://r.example.com/v2/a/tags/list", "/v2/b/tags/list", None),
    ("https://r.example.com/v2/a/tags/list", "http://r.example.com/v2/a/tags/list", "downgrade"),
    ("https://r.example.com/v2/a/tags/list", "file:///etc/passwd", "downgrade"),
    ("https://r.example.com/v2/a/tags/list", "http://[::1/x", "malformed"),
])
def test_redirect_targets(page: str, location: str, error: Optional[str]) -> None:
    class R:
        headers = {"location": location}

    c = client.RegistryClient("r.example.com/a")
    try:
        if error is None:
            assert c._redirect(R(), page, 0).endswith("tags/list")
        else:
            with pytest.raises(OperationError, match=error):
                c._redirect(R(), page, 0)
        with pytest.raises(OperationError, match="more than 5 redirects"):
            c._redirect(R(), page, 5)
    finally:
        c.close()
