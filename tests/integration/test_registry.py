"""Registry scanning against a real registry (Debian docker-registry) on 127.0.0.1."""
from __future__ import annotations

import base64
import re
import json
import os
from pathlib import Path

import pytest

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry import auth
from kubectl_imagewatch.reflector.registry.client import RegistryClient, Transport
from tests.conftest import run_cli, write_manifests

pytestmark = pytest.mark.integration
TAGS = ["1.0.0", "1.1.0", "1.2.0-rc.1", "2.0.0", "latest", "sha256-abc.sig"]



def test_anonymous_list_and_digest(registry) -> None:  # type: ignore[no-untyped-def]
    d = registry.push("team/app", TAGS)
    with RegistryClient(f"{registry.host}/team/app", transport=Transport(insecure=True)) as c:
        assert sorted(c.list_tags()) == sorted(TAGS)
        assert c.digest("2.0.0") == d
        assert c.stats.requests == 2


@pytest.mark.parametrize("client_n,server_n,pages", [(250, 0, 4), (1000, 100, 10), (5000, 0, 1)])
def test_pagination_follows_link(registry, proxy_factory, client_n: int, server_n: int, pages: int) -> None:  # type: ignore[no-untyped-def]
    tags = [f"1.0.{i}" for i in range(1000)]
    registry.push_fast("team/big", tags)
    proxy = proxy_factory(registry.port, server_n)
    with RegistryClient(f"{proxy.host}/team/big", transport=Transport(insecure=True)) as c:
        got = c.list_tags(page_size=client_n)
        assert sorted(got) == sorted(tags) and len(got) == 1000
        assert c.stats.pages == pages and c.stats.requests == pages


def test_basic_auth_from_docker_config(basic_registry, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    cfg = tmp_path / "dc"
    cfg.mkdir()
    (cfg / "config.json").write_text(json.dumps({"auths": {basic_registry.host: {
        "auth": base64.b64encode(b"alice:s3cret").decode()}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(cfg))
    creds = auth.resolve(basic_registry.host)
    with RegistryClient(f"{basic_registry.host}/team/app", creds, Transport(insecure=True)) as c:
        assert sorted(c.list_tags()) == sorted(TAGS)
    bad = auth.Credentials("alice", "wrong-password-xyz", "test config")
    with RegistryClient(f"{basic_registry.host}/team/app", bad, Transport(insecure=True)) as c:
        with pytest.raises(OperationError) as e:
            c.list_tags()
    assert "test config" in str(e.value) and "wrong-password-xyz" not in str(e.value)
    with RegistryClient(f"{basic_registry.host}/team/app", None, Transport(insecure=True)) as c:
        with pytest.raises(OperationError, match="anonymous"):
            c.list_tags()


def test_token_auth_reuses_tokens_per_scope(token_front) -> None:  # type: ignore[no-untyped-def]
    reg, issuer, front = token_front
    # push with credentials: get a push token first
    import httpx

    tok = httpx.get(issuer.realm, params={"service": "test-registry", "scope": "repository:team/app:pull,push"},
                    auth=("carol", "pw3")).json()["token"]
    reg.push("team/app", TAGS, headers={"Authorization": f"Bearer {tok}"})
    front.default_n = 2
    with RegistryClient(f"{front.host}/team/app", None, Transport(insecure=True)) as c:
        assert sorted(c.list_tags()) == sorted(TAGS)
        assert c.stats.token_requests == 1  # one token for all 3 pages
        assert c.stats.pages == 3
        assert c.digest("1.0.0").startswith("sha256:")
        assert c.stats.token_requests == 1
    with RegistryClient(f"{front.host}/team/app", auth.Credentials("carol", "pw3", "cfg"),
                        Transport(insecure=True)) as c:
        assert sorted(c.list_tags()) == sorted(TAGS)
    with RegistryClient(f"{front.host}/team/app", auth.Credentials("carol", "bad", "cfg"),
                        Transport(insecure=True)) as c:
        with pytest.raises(OperationError, match="token service refused"):
            c.list_tags()


def test_tls_with_ca_from_cert_secret(tls_registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tls_registry.push("team/app", TAGS)
    ca = tls_registry.ca.read_bytes()
    with RegistryClient(f"{tls_registry.host}/team/app", transport=Transport(ca_pem=ca)) as c:
        assert len(c.list_tags()) == len(TAGS)
    with RegistryClient(f"{tls_registry.host}/team/app", transport=Transport(retries=0)) as c:
        with pytest.raises(OperationError, match="cannot reach"):
            c.list_tags()
    manifests = write_manifests(tmp_path / "m.yaml", {"image": f"{tls_registry.host}/team/app",
                                                        "certSecretRef": {"name": "registry-ca"}},
                                {"registry-ca": {"ca.crt": ca}})
    r = run_cli("simulate", str(manifests))
    assert r.code == 0, r.out + r.err
    assert f"latest: {tls_registry.host}/team/app:2.0.0" in r.out


def test_faults_retry_429_and_5xx(registry, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    registry.push("team/app", TAGS)
    sleeps: list[float] = []
    proxy = proxy_factory(registry.port, 0, [(429, [("Retry-After", "2")]), (503, []), (502, [])])
    with RegistryClient(f"{proxy.host}/team/app", transport=Transport(insecure=True, sleep=sleeps.append)) as c:
        assert sorted(c.list_tags()) == sorted(TAGS)
    assert sleeps == [2.0, 1.0, 2.0]
    proxy2 = proxy_factory(registry.port, 0, [(500, [])] * 10)
    with RegistryClient(f"{proxy2.host}/team/app", transport=Transport(insecure=True, sleep=lambda s: None)) as c:
        with pytest.raises(OperationError, match="500 after 5 attempts"):
            c.list_tags()


def test_failure_midway_returns_no_partial_list(registry, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    registry.push_fast("team/app", [f"1.0.{i}" for i in range(10)])
    proxy = proxy_factory(registry.port, 3)
    with RegistryClient(f"{proxy.host}/team/app", transport=Transport(insecure=True, retries=0)) as c:
        c.list_tags()
        proxy.faults = []
        first = True

        orig = c._send

        def flaky(method, url, scope, *a):  # type: ignore[no-untyped-def]
            nonlocal first
            if "last=" in url and first:
                first = False
                proxy.faults.append((404, []))
            return orig(method, url, scope, *a)

        c._send = flaky  # type: ignore[method-assign]
        with pytest.raises(OperationError):
            c.list_tags()


def test_unknown_repository_404(registry) -> None:  # type: ignore[no-untyped-def]
    with RegistryClient(f"{registry.host}/team/none", transport=Transport(insecure=True)) as c:
        with pytest.raises(OperationError, match="not found"):
            c.list_tags()


def test_simulate_live_with_cache_and_digest(registry, tmp_path: Path, proxy_factory) -> None:  # type: ignore[no-untyped-def]
    digest = registry.push("team/app", TAGS)
    registry.push("team/other", ["v1", "v2"])
    proxy = proxy_factory(registry.port, 2)
    m = tmp_path / "m.yaml"
    docs = []
    for name in ("app", "other"):
        docs.append(f"""apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {{name: {name}, namespace: flux-system}}
spec: {{image: {proxy.host}/team/{name}, interval: 1h, insecure: true}}
""")
    docs.append("""apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: app, namespace: flux-system}
spec:
  imageRepositoryRef: {name: app}
  digestReflectionPolicy: IfNotPresent
  policy: {semver: {range: '>=1.0.0'}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: other, namespace: flux-system}
spec:
  imageRepositoryRef: {name: other}
  policy: {alphabetical: {order: asc}}
""")
    m.write_text("---\n".join(docs))
    cache = tmp_path / "cache"
    r = run_cli("simulate", str(m), "-o", "json", "--cache-dir", str(cache))
    assert r.code == 0, r.err
    res = {p["name"]: p["result"] for p in r.json()["policies"]}
    assert res["app"] == {"tag": "2.0.0", "image": f"{proxy.host}/team/app:2.0.0", "digest": digest}
    assert res["other"]["tag"] == "v2"
    n = len(proxy.log)
    r = run_cli("simulate", str(m), "-o", "json", "--cache-dir", str(cache))
    assert r.code == 0
    assert [x for x in proxy.log[n:] if "tags/list" in x] == []  # served from the cache


def test_scan_many_bounded_concurrency(registry) -> None:  # type: ignore[no-untyped-def]
    from kubectl_imagewatch.manifests.inventory import Inventory
    from kubectl_imagewatch.manifests.loader import Document
    from kubectl_imagewatch.manifests.model import FluxObject
    from kubectl_imagewatch.reflector.registry import scan

    repos = []
    for i in range(12):
        registry.push(f"team/r{i}", ["1.0.0", f"1.0.{i + 1}"])
        data = {"spec": {"image": f"{registry.host}/team/r{i}", "interval": "1h", "insecure": True}}
        repos.append(FluxObject(Document("x", i, data, {}, 1), (), "ImageRepository",
                                "image.toolkit.fluxcd.io/v1", f"r{i}", "flux-system", True))
    out = scan.scan_many(repos, Inventory().secret)
    assert all(out[f"flux-system/r{i}"][0] and f"1.0.{i + 1}" in out[f"flux-system/r{i}"][0] for i in range(12))


def test_proxy_secret_ref_and_credential_helper(basic_registry, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.servers import ForwardProxy

    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    helper = tmp_path / "bin" / "docker-credential-fake"
    helper.parent.mkdir()
    helper.write_text('#!/bin/sh\nread server\necho \'{"ServerURL": "\'$server\'", "Username": "alice", "Secret": "s3cret"}\'\n')
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{helper.parent}:{os.environ['PATH']}")
    dc = tmp_path / "dc"
    dc.mkdir()
    (dc / "config.json").write_text(json.dumps({"credHelpers": {basic_registry.host: "fake"}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(dc))
    proxy = ForwardProxy("pu:pp")
    try:
        m = write_manifests(tmp_path / "m.yaml", {"image": f"{basic_registry.host}/team/app", "insecure": True,
                                                  "proxySecretRef": {"name": "proxy"}},
                            {"proxy": {"address": proxy.url, "username": "pu", "password": "pp"}})
        r = run_cli("simulate", str(m), "-o", "json", env={"PATH": os.environ["PATH"], "DOCKER_CONFIG": str(dc)})
        assert r.code == 0, r.out + r.err
        assert r.json()["policies"][0]["result"]["tag"] == "2.0.0"
        assert any("/v2/team/app/tags/list" in x for x in proxy.log)
        assert "s3cret" not in r.out + r.err and "pp" not in r.err
    finally:
        proxy.stop()


def test_docker_config_secret_in_manifests(basic_registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    cfg = json.dumps({"auths": {basic_registry.host: {"username": "alice", "password": "s3cret"}}})
    m = write_manifests(tmp_path / "m.yaml", {"image": f"{basic_registry.host}/team/app", "insecure": True,
                                              "secretRef": {"name": "regcred"}},
                        {"regcred": {".dockerconfigjson": cfg}}, {"policy": {"alphabetical": {"order": "asc"}}})
    r = run_cli("simulate", str(m), "-o", "json", env={"DOCKER_CONFIG": str(tmp_path / "none")})
    assert r.code == 0, r.out + r.err
    assert r.json()["policies"][0]["result"]["tag"] == "latest"
    m.write_text(m.read_text().replace('"secretRef": {"name": "regcred"}', '"secretRef": {"name": "missing"}'))
    r = run_cli("simulate", str(m), "-o", "json", env={"DOCKER_CONFIG": str(tmp_path / "none")})
    assert r.code == 1
    assert "Secret flux-system/missing" in r.json()["policies"][0]["error"]["message"]


@pytest.mark.parametrize("provider,extra", [("aws", "[aws]"), ("gcp", "[gcp]"), ("azure", "[azure]")])
def test_provider_without_extra_is_a_clear_error(provider: str, extra: str) -> None:
    import importlib.util

    mod = {"aws": "boto3", "gcp": "google.auth", "azure": "azure.identity"}[provider]
    try:
        present = importlib.util.find_spec(mod) is not None
    except ModuleNotFoundError:
        present = False
    if present:
        pytest.skip(f"{mod} is installed")
    with pytest.raises(OperationError, match=re.escape(extra)):
        auth.resolve("123456789012.dkr.ecr.us-east-1.amazonaws.com", provider)


def test_mutual_tls_from_cert_secret(tmp_path: Path) -> None:
    from tests.integration.servers import Registry

    reg = Registry(tmp_path, mtls=True)
    try:
        reg.push("team/app", TAGS)
        pki = reg.pki
        with RegistryClient(f"{reg.host}/team/app", transport=Transport(
                ca_pem=pki["ca"].read_bytes(), cert_pem=pki["client_cert"].read_bytes(),
                key_pem=pki["client_key"].read_bytes())) as c:
            assert sorted(c.list_tags()) == sorted(TAGS)
        with RegistryClient(f"{reg.host}/team/app", transport=Transport(ca_pem=pki["ca"].read_bytes(), retries=0)) as c:
            with pytest.raises(OperationError):
                c.list_tags()  # no client certificate: the registry refuses the handshake
        m = write_manifests(tmp_path / "m.yaml", {"image": f"{reg.host}/team/app", "certSecretRef": {"name": "tls"}},
                            {"tls": {"ca.crt": pki["ca"].read_bytes(), "tls.crt": pki["client_cert"].read_bytes(),
                                     "tls.key": pki["client_key"].read_bytes()}})
        r = run_cli("simulate", str(m), "-o", "json")
        assert r.code == 0, r.out + r.err
        assert r.json()["policies"][0]["result"]["tag"] == "2.0.0"
    finally:
        reg.stop()


def test_https_registry_through_authenticated_proxy(tls_registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.servers import ForwardProxy

    tls_registry.push("team/app", TAGS)
    proxy = ForwardProxy("pu:pp")
    try:
        m = write_manifests(tmp_path / "m.yaml", {"image": f"{tls_registry.host}/team/app",
                                                  "proxySecretRef": {"name": "proxy"}, "certSecretRef": {"name": "ca"}},
                            {"proxy": {"address": proxy.url, "username": "pu", "password": "pp"},
                             "ca": {"ca.crt": tls_registry.ca.read_bytes()}})
        r = run_cli("simulate", str(m), "-o", "json")
        assert r.code == 0, r.out + r.err
        assert r.json()["policies"][0]["result"]["tag"] == "2.0.0"
        assert proxy.log and all(x.startswith("CONNECT 127.0.0.1:") for x in proxy.log)
    finally:
        proxy.stop()


def test_timeout_from_spec_is_honoured(registry, proxy_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import time

    from kubectl_imagewatch.reflector.registry import scan
    from kubectl_imagewatch.manifests import inventory

    registry.push("team/app", TAGS)
    slow = proxy_factory(registry.port, delay=3.0)
    m = write_manifests(tmp_path / "m.yaml", {"image": f"{slow.host}/team/app", "insecure": True, "timeout": "1s"})
    inv = inventory.build([str(m)])
    repo = inv.of_kind("ImageRepository")[0]
    client = scan.client_for(repo, inv.secret)
    assert client.t.timeout == 1.0
    client.t.retries = 0
    t = time.monotonic()
    with client:
        with pytest.raises(OperationError, match=r"timeout of 1s \(spec.timeout\)"):
            client.list_tags()
    assert time.monotonic() - t < 2.5


def test_registry_secret_read_from_the_cluster(basic_registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("kmock")
    from kubernetes import client as k8s, config

    from tests.integration import kube

    basic_registry.push("team/app", TAGS, auth=("alice", "s3cret"))
    box = kube.start(tmp_path)
    try:
        api_client = config.new_client_from_config(config_file=box["kubeconfig"])
        cfg = json.dumps({"auths": {basic_registry.host: {"username": "alice", "password": "s3cret"}}})
        k8s.CoreV1Api(api_client).create_namespaced_secret("flux-system", {
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": "regcred", "namespace": "flux-system"},
            "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}})
        objs = k8s.CustomObjectsApi(api_client)
        objs.create_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imagerepositories", {
            "apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
            "metadata": {"name": "app", "namespace": "flux-system"},
            "spec": {"image": f"{basic_registry.host}/team/app", "interval": "5m", "insecure": True,
                     "secretRef": {"name": "regcred"}}})
        objs.create_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imagepolicies", {
            "apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
            "metadata": {"name": "app", "namespace": "flux-system"},
            "spec": {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}})
        r = run_cli("run", "--from-cluster", "--kubeconfig", box["kubeconfig"], "-o", "json",
                    env={"DOCKER_CONFIG": str(tmp_path / "none")})
        assert r.code == 0, r.out + r.err
        assert r.json()["policies"][0]["result"]["tag"] == "2.0.0"
        assert "s3cret" not in r.out + r.err
    finally:
        kube.stop(box)
