from __future__ import annotations

import pytest

from kubectl_imagewatch.flux import imageref as names
from kubectl_imagewatch.reflector.registry import auth


@pytest.mark.parametrize("image,want", [
    ("nginx", ("index.docker.io", "library/nginx")),
    ("docker.io/nginx", ("index.docker.io", "library/nginx")),
    ("bitnami/redis", ("index.docker.io", "bitnami/redis")),
    ("ghcr.io/org/app", ("ghcr.io", "org/app")),
    ("localhost/app", ("localhost", "app")),
    ("localhost:5000/team/app", ("localhost:5000", "team/app")),
    ("127.0.0.1:5001/a/b", ("127.0.0.1:5001", "a/b")),
])
def test_split(image: str, want: tuple) -> None:
    assert names.split(image) == want


@pytest.mark.parametrize("image", ["ghcr.io/Org/App", "https://ghcr.io/a", "ghcr.io/a//b"])
def test_rejected(image: str) -> None:
    with pytest.raises(names.ImageRefError):
        names.split(image)


def test_api_base() -> None:
    assert names.api_base("index.docker.io") == "https://registry-1.docker.io"
    assert names.api_base("127.0.0.1:5000", insecure=True) == "http://127.0.0.1:5000"


def test_docker_config_forms() -> None:
    import base64

    cfg = {"auths": {"https://index.docker.io/v1/": {"auth": base64.b64encode(b"u:p").decode()},
                     "ghcr.io": {"username": "g", "password": "q"}}}
    c = auth.from_config(cfg, "index.docker.io", "cfg")
    assert (c.username, c.password) == ("u", "p")
    assert "p" not in repr(c)
    c = auth.from_config(cfg, "ghcr.io", "cfg")
    assert (c.username, c.password) == ("g", "q")
    assert auth.from_config(cfg, "quay.io", "cfg") is None


@pytest.mark.parametrize("value,ok", [
    ("ghcr.io/acme/app:1.0.0", True), ("nginx:1.25", True), ("localhost:5000/a/b:v1", True),
    ("ghcr.io/acme/app:1.0@sha256:" + "a" * 64, True), ("ghcr.io/acme/app", False), ("Ghcr.io/A:1", False),
    ("app:", False), ("app:-x", False),
])
def test_is_reference(value: str, ok: bool) -> None:
    assert names.is_reference(value) is ok


@pytest.mark.parametrize("image,problem", [
    ("ghcr.io/acme/app", None), ("localhost:5000/app", None), ("https://ghcr.io/a", "URL scheme"),
    ("ghcr.io/a:1.0", "tag"), ("nginx:1", "tag"), ("ghcr.io/a@sha256:x", "digest"), ("ghcr.io/A", "characters"),
])
def test_repository_problem(image: str, problem: str) -> None:
    why = names.repository_problem(image)
    assert (why is None) if problem is None else (problem in (why or ""))


@pytest.mark.parametrize("value,repo", [
    ("ghcr.io/acme/app:1.0", "ghcr.io/acme/app"), ("localhost:5000/app:v1@sha256:ab", "localhost:5000/app"),
    ("localhost:5000/app", "localhost:5000/app"), ("nginx", "nginx"), ("", None),
])
def test_repository_of(value: str, repo: str) -> None:
    assert names.repository_of(value) == repo


def test_same_repository() -> None:
    assert names.same_repository("nginx", "docker.io/library/nginx")
    assert names.same_repository("dnlloyd/web", "docker.io/dnlloyd/web")
    assert not names.same_repository("myacr.azurecr.io/drupal", "other.azurecr.io/drupal")
