"""Malformed Secrets in the scanned manifests: a clear error naming the Secret, never a crash."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.manifests.model import secret_value
from kubectl_imagewatch.reflector.registry.auth import from_secret
from tests.conftest import invoke

META = {"metadata": {"name": "regcred", "namespace": "flux-system"}}


@pytest.mark.parametrize("secret,key,want", [
    ({"data": "not-a-mapping"}, "x", "data is not a mapping"),
    ({"stringData": ["x"]}, "x", "stringData is not a mapping"),
    ({"data": {"x": 5}}, "x", "data key 'x' is not base64"),
    ({"data": {"x": "!!!"}}, "x", "data key 'x' is not base64"),
    ({"stringData": {"x": 5}}, "x", "stringData key 'x' is not a string"),
])
def test_secret_values(secret: dict, key: str, want: str) -> None:
    with pytest.raises(OperationError) as e:
        secret_value({**META, **secret}, key)
    assert str(e.value) == f"Secret flux-system/regcred is malformed: {want}"


def test_secret_values_ok() -> None:
    assert secret_value({"data": {"x": "aGk=\n"}, "stringData": {"y": "z"}}, "x") == b"hi"
    assert secret_value({"stringData": {"y": "z"}}, "y") == b"z"
    assert secret_value({"data": None}, "x") is None


@pytest.mark.parametrize("config", ["[1]", '{"auths": [1]}', '{"auths": {"ghcr.io": {"auth": 5}}}',
                                    "[" * 100000, "\ud800"])
def test_dockerconfigjson_shapes(config: str) -> None:
    with pytest.raises(OperationError) as e:
        from_secret({**META, "stringData": {".dockerconfigjson": config}}, "ghcr.io", "flux-system/regcred")
    assert "flux-system/regcred" in str(e.value)


@pytest.mark.parametrize("secret,field,want", [
    ({"data": "not-a-mapping"}, "secretRef", "data is not a mapping"),
    ({"stringData": {"ca.crt": "not a pem"}}, "certSecretRef", "ca.crt is not a PEM certificate"),
    ({"data": {"ca.crt": "/w=="}}, "certSecretRef", "ca.crt is not a PEM certificate"),
    ({"stringData": {"address": "::::"}}, "proxySecretRef", "is not a proxy URL"),
])
def test_simulate_reports_malformed_secrets(tmp_path: Path, secret: dict, field: str, want: str) -> None:
    docs = [{"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
             "metadata": {"name": "app", "namespace": "flux-system"},
             "spec": {"image": "127.0.0.1:1/app", "interval": "5m", field: {"name": "regcred"}}},
            {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
             "metadata": {"name": "app", "namespace": "flux-system"},
             "spec": {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}},
            {"apiVersion": "v1", "kind": "Secret", **META, **secret}]
    f = tmp_path / "flux.yaml"
    f.write_text("".join("---\n" + json.dumps(d) + "\n" for d in docs))
    r = invoke("simulate", str(f))
    assert r.code == 1, r.err
    assert want in r.out + r.err
