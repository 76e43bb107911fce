"""Registry credentials, from where users already keep them; never printed.

Sources, in order: an explicit docker config (a `kubernetes.io/dockerconfigjson` Secret named by
`spec.secretRef`, from the scanned manifests or the cluster), then `$DOCKER_CONFIG/config.json` or
`~/.docker/config.json` (`auths`, `credHelpers`, `credsStore` through `docker-credential-*`), then
anonymous. `provider: aws|azure|gcp` use the cloud SDKs of the optional extras.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import subprocess
from typing import Optional

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.manifests.model import secret_value
from kubectl_imagewatch.flux.imageref import DOCKER_HUB


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    source: str  # where they came from, safe to print

    def __repr__(self) -> str:  # never leak the secret through a repr/log line
        return f"Credentials(source={self.source!r})"


def _host_key(key: str) -> str:
    k = re.sub(r"^https?://", "", key).split("/")[0]
    return DOCKER_HUB if k in ("docker.io", "registry-1.docker.io", "index.docker.io") else k


def from_config(cfg: dict, host: str, source: str, helpers_allowed: bool = True) -> Optional[Credentials]:
    """Credentials for host from a docker config.json document. Credential helpers are programs:
    they run only from the user's own docker config, never from a Secret in the scanned manifests
    (Flux's controllers run none either)."""
    if not isinstance(cfg, dict):
        raise OperationError(f"{source}: the docker config is not a JSON object")
    if not helpers_allowed:
        cfg = {k: v for k, v in cfg.items() if k not in ("credHelpers", "credsStore")}
    helpers = cfg.get("credHelpers") or {}
    auths = cfg.get("auths") or {}
    if not isinstance(helpers, dict) or not isinstance(auths, dict):
        raise OperationError(f"{source}: 'auths' and 'credHelpers' must be JSON objects")
    for key, helper in helpers.items():
        if _host_key(key) == host:
            return _helper(str(helper), key, source)
    for key, entry in auths.items():
        if _host_key(str(key)) != host or not isinstance(entry, dict):
            continue
        if entry.get("auth"):
            try:
                user, _, pw = base64.b64decode(str(entry["auth"])).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise OperationError(f"{source}: the 'auth' entry for {key} is not base64 user:password") from None
            return Credentials(user, pw, source)
        if entry.get("username"):
            return Credentials(str(entry["username"]), str(entry.get("password") or ""), source)
        if entry.get("identitytoken"):
            return Credentials("<token>", str(entry["identitytoken"]), source)
    if cfg.get("credsStore"):
        return _helper(str(cfg["credsStore"]), "https://index.docker.io/v1/" if host == DOCKER_HUB else host,
                       source, missing_ok=True)
    return None


def _helper(name: str, server: str, source: str, missing_ok: bool = False) -> Optional[Credentials]:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", name):  # a name looked up on PATH, never a path
        raise OperationError(f"{source}: credential helper name {name[:64]!r} is not a plain name")
    exe = f"docker-credential-{name}"
    try:
        p = subprocess.run([exe, "get"], input=server.encode(), capture_output=True, timeout=30)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise OperationError(f"{source} names credential helper {exe}, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise OperationError(f"credential helper {exe} timed out") from None
    except OSError as e:
        raise OperationError(f"credential helper {exe} cannot run: {e.strerror}") from None
    if p.returncode != 0:
        if missing_ok:
            return None
        raise OperationError(f"credential helper {exe} failed for {server}")
    try:
        d = json.loads(p.stdout)
        return Credentials(str(d.get("Username") or ""), str(d.get("Secret") or ""), f"{source} via {exe}")
    except (ValueError, AttributeError, RecursionError):
        raise OperationError(f"credential helper {exe} printed no JSON") from None


def docker_config_path() -> str:
    return os.path.join(os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker"), "config.json")


def from_docker_config(host: str) -> Optional[Credentials]:
    path = docker_config_path()
    try:
        with open(path) as f:
            cfg = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as e:
        raise OperationError(f"cannot read {path}: {e}") from None
    return from_config(cfg, host, path)


def from_secret(secret: dict, host: str, name: str) -> Optional[Credentials]:
    """A kubernetes.io/dockerconfigjson (or dockercfg) Secret's credentials for host."""
    value = secret_value(secret, ".dockerconfigjson") or secret_value(secret, ".dockercfg")
    if value is None:
        raise OperationError(f"Secret {name} has no .dockerconfigjson key")
    try:
        cfg = json.loads(value.decode())
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise OperationError(f"Secret {name}: .dockerconfigjson is not JSON") from None
    if not isinstance(cfg, dict):
        raise OperationError(f"Secret {name}: .dockerconfigjson is not a JSON object")
    if "auths" not in cfg:
        cfg = {"auths": cfg}  # legacy .dockercfg
    try:
        return from_config(cfg, host, f"Secret {name}", helpers_allowed=False)
    except (AttributeError, TypeError, ValueError):  # e.g. "auths": [1], "auth": 5
        raise OperationError(f"Secret {name}: .dockerconfigjson is malformed (see the docker config.json format)") \
            from None


def from_provider(provider: str, host: str) -> Credentials:
    """Cloud registries: short-lived credentials from the provider's SDK (optional extras)."""
    if provider == "aws":
        try:
            import boto3  # type: ignore[import-not-found]
        except ImportError:
            raise OperationError("provider aws needs the [aws] extra: pip install 'kubectl-imagewatch[aws]'") from None
        m = re.match(r"^(\d+)\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com", host)
        if not m:
            raise OperationError(f"provider aws: {host} is not an ECR registry host")
        tok = boto3.client("ecr", region_name=m.group(2)).get_authorization_token()
        user, _, pw = base64.b64decode(tok["authorizationData"][0]["authorizationToken"]).decode().partition(":")
        return Credentials(user, pw, "provider aws (ECR token)")
    if provider == "gcp":
        try:
            import google.auth  # type: ignore[import-not-found]
            import google.auth.transport.requests  # type: ignore[import-not-found]
        except ImportError:
            raise OperationError("provider gcp needs the [gcp] extra: pip install 'kubectl-imagewatch[gcp]'") from None
        creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        creds.refresh(google.auth.transport.requests.Request())
        return Credentials("oauth2accesstoken", creds.token, "provider gcp (access token)")
    if provider == "azure":
        try:
            from azure.identity import DefaultAzureCredential  # type: ignore[import-not-found]
        except ImportError:
            raise OperationError("provider azure needs the [azure] extra: pip install 'kubectl-imagewatch[azure]'") from None
        tok = DefaultAzureCredential().get_token("https://management.azure.com/.default")
        return Credentials("00000000-0000-0000-0000-000000000000", tok.token, "provider azure (AAD token)")
    raise OperationError(f"unknown provider {provider!r}")


def resolve(host: str, provider: Optional[str] = None, secret: Optional[dict] = None,
            secret_name: Optional[str] = None) -> Optional[Credentials]:
    if provider and provider != "generic":
        try:
            return from_provider(provider, host)
        except OperationError:
            raise
        except Exception as e:  # cloud SDKs raise their own exception classes (network, auth, config)
            raise OperationError(f"provider {provider}: no credentials for {host}: {type(e).__name__}") from None
    if secret is not None:
        return from_secret(secret, host, secret_name or "secretRef")
    return from_docker_config(host)
