from __future__ import annotations

import pytest

from kubectl_imagewatch.reflector.registry import auth, names


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
    with pytest.raises(names.NameError_):
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
