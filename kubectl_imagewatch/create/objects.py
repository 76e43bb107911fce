"""Objects for `create image repository|policy|update`, printed the way `flux create ... --export` does.

The Flux CLI marshals with sigs.k8s.io/yaml: only fields set by flags, keys sorted at every level,
go-yaml v2 scalar styles (plain; single quotes where plain is not allowed; double quotes for
strings that would read as another type), durations in Go form (1m0s), a leading `---` line.
Flux's own flag bugs are not copied: conflicting --select-* flags and unchecked ranges are errors.
"""
from __future__ import annotations

from typing import Any, Optional

from kubectl_imagewatch.golang import duration as goduration
from kubectl_imagewatch.errors import UsageError
from kubectl_imagewatch.manifests.scalars import needs_quotes, resolve


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if s == "" or resolve(s)[0] != "str":
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if needs_quotes(s) or s[0] in "!&*%@`":
        return "'" + s.replace("'", "''") + "'"
    return s


def to_yaml(obj: Any, indent: int = 0) -> str:
    pad = " " * indent
    lines = []
    if isinstance(obj, dict):
        for k in sorted(obj):
            v = obj[k]
            if isinstance(v, dict) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 2))
            elif isinstance(v, list) and v:
                lines.append(f"{pad}{k}:")
                for item in v:
                    if isinstance(item, dict):
                        sub = to_yaml(item, indent + 2).splitlines()
                        lines.append(f"{pad}- {sub[0].strip()}")
                        lines.extend(sub[1:])
                    else:
                        lines.append(f"{pad}- {_scalar(item)}")
            elif isinstance(v, dict):
                lines.append(f"{pad}{k}: {{}}")
            elif isinstance(v, list):
                lines.append(f"{pad}{k}: []")
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
    return "\n".join(lines)


def export(obj: dict) -> str:
    return "---\n" + to_yaml(obj) + "\n"


def _duration(flag: str, v: Optional[str]) -> Optional[str]:
    if v is None:
        return None
    try:
        return goduration.normalize(v)
    except goduration.DurationError as e:
        raise UsageError(f"invalid argument {v!r} for {flag}: {e}") from None


def _meta(name: str, namespace: str, labels: dict) -> dict:
    md: dict = {"name": name, "namespace": namespace}
    if labels:
        md["labels"] = labels
    return md


def _api(version: str) -> str:
    from kubectl_imagewatch.flux import releases

    known = releases.versions_since("2.0")
    if version not in known:
        raise UsageError(f"--api-version must be {', '.join(known[:-1])} or {known[-1]}, not {version!r}")
    return f"image.toolkit.fluxcd.io/{version}"


def repository(name: str, namespace: str, image: str, interval: str, secret_ref: Optional[str] = None,
               cert_ref: Optional[str] = None, provider: Optional[str] = None, exclusion_list: tuple = (),
               insecure: bool = False, timeout: Optional[str] = None, labels: Optional[dict] = None,
               api_version: str = "v1") -> dict:
    from kubectl_imagewatch.flux.imageref import repository_problem

    if not image:
        raise UsageError("--image is required")
    why = repository_problem(image)
    if why:
        raise UsageError(f"invalid --image: {why}")
    spec: dict = {"image": image, "interval": _duration("--interval", interval)}
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    if cert_ref:
        spec["certSecretRef"] = {"name": cert_ref}
    if provider:
        spec["provider"] = provider
    if exclusion_list:
        spec["exclusionList"] = list(exclusion_list)
    if insecure:
        spec["insecure"] = True
    if timeout:
        spec["timeout"] = _duration("--timeout", timeout)
    return {"apiVersion": _api(api_version), "kind": "ImageRepository",
            "metadata": _meta(name, namespace, labels or {}), "spec": spec}


def policy(name: str, namespace: str, image_ref: str, select_semver: Optional[str] = None,
           select_alpha: Optional[str] = None, select_numeric: Optional[str] = None,
           filter_regex: Optional[str] = None, filter_extract: Optional[str] = None,
           reflect_digest: Optional[str] = None, interval: Optional[str] = None,
           image_ref_namespace: Optional[str] = None, labels: Optional[dict] = None,
           api_version: str = "v1") -> dict:
    chosen = [f for f, v in (("--select-semver", select_semver), ("--select-alpha", select_alpha),
                             ("--select-numeric", select_numeric)) if v is not None]
    if len(chosen) != 1:
        raise UsageError("exactly one of --select-semver, --select-alpha, --select-numeric is required"
                         + (f" (got {', '.join(chosen)})" if chosen else ""))
    if not image_ref:
        raise UsageError("--image-ref is required")
    ref: dict = {"name": image_ref}
    if image_ref_namespace:
        ref["namespace"] = image_ref_namespace
    spec: dict = {"imageRepositoryRef": ref}
    if select_semver is not None:
        spec["policy"] = {"semver": {"range": select_semver}}
    elif select_alpha is not None:
        if select_alpha not in ("asc", "desc"):
            raise UsageError(f"--select-alpha must be asc or desc, not {select_alpha!r}")
        spec["policy"] = {"alphabetical": {"order": select_alpha}}
    else:
        if select_numeric not in ("asc", "desc"):
            raise UsageError(f"--select-numeric must be asc or desc, not {select_numeric!r}")
        spec["policy"] = {"numerical": {"order": select_numeric}}
    if filter_extract and not filter_regex:
        raise UsageError("cannot specify --filter-extract without specifying --filter-regex")
    if filter_regex:
        spec["filterTags"] = {"pattern": filter_regex}
        if filter_extract:
            spec["filterTags"]["extract"] = filter_extract
    if reflect_digest:
        if reflect_digest not in ("Always", "IfNotPresent", "Never"):
            raise UsageError("--reflect-digest must be one of Always, IfNotPresent, Never")
        spec["digestReflectionPolicy"] = reflect_digest
    if interval:
        if reflect_digest != "Always":
            raise UsageError("--interval is only allowed with --reflect-digest=Always")
        spec["interval"] = _duration("--interval", interval)
    return {"apiVersion": _api(api_version), "kind": "ImagePolicy",
            "metadata": _meta(name, namespace, labels or {}), "spec": spec}


def update(name: str, namespace: str, git_repo_ref: str, interval: str, checkout_branch: str,
           author_name: str, author_email: str, git_repo_namespace: Optional[str] = None,
           git_repo_path: Optional[str] = None, push_branch: Optional[str] = None,
           commit_template: Optional[str] = None, signing_key_secret: Optional[str] = None,
           signing_key_type: Optional[str] = None, labels: Optional[dict] = None,
           api_version: str = "v1") -> dict:
    for flag, val in (("--git-repo-ref", git_repo_ref), ("--checkout-branch", checkout_branch),
                      ("--author-name", author_name), ("--author-email", author_email)):
        if not val:
            raise UsageError(f"{flag} is required")
    src: dict = {"kind": "GitRepository", "name": git_repo_ref}
    if git_repo_namespace:
        src["namespace"] = git_repo_namespace
    commit: dict = {"author": {"name": author_name, "email": author_email}}
    if commit_template:
        commit["messageTemplate"] = commit_template
    if signing_key_secret:
        commit["signingKey"] = {"secretRef": {"name": signing_key_secret}}
        if signing_key_type:
            commit["signingKey"]["type"] = signing_key_type
    git: dict = {"checkout": {"ref": {"branch": checkout_branch}}, "commit": commit}
    if push_branch:
        git["push"] = {"branch": push_branch}
    spec: dict = {"interval": _duration("--interval", interval), "sourceRef": src, "git": git}
    if git_repo_path:
        spec["update"] = {"path": git_repo_path, "strategy": "Setters"}
    return {"apiVersion": _api(api_version), "kind": "ImageUpdateAutomation",
            "metadata": _meta(name, namespace, labels or {}), "spec": spec}


def check(obj: dict) -> list:
    """Validation findings (errors only) for a generated object: the checks of one object (its
    neighbours live in the cluster, so references and markers are not resolved)."""
    from kubectl_imagewatch import checks
    from kubectl_imagewatch.checks.base import Context
    from kubectl_imagewatch.manifests import loader
    from kubectl_imagewatch.manifests.inventory import Inventory
    from kubectl_imagewatch.manifests.model import objects_in

    docs, findings, _ = loader.parse_documents(export(obj), "<create>")
    inv = Inventory(findings=findings)
    for d in docs:
        inv.objects.extend(objects_in(d))
    report = checks.run(Context(inv, repo_root=None), checks.Scope(cross_object=False))
    return [f for f in report.sorted() if f.severity.value == "error"]


def append_to(path: str, text: str) -> None:
    """Append a document, keeping the file's existing documents (atomic rewrite)."""
    import os

    from kubectl_imagewatch.automation.setters import write_atomic

    old = b""
    if os.path.exists(path):
        with open(path, "rb") as f:
            old = f.read()
    if old and not old.endswith(b"\n"):
        old += b"\n"
    write_atomic(path, old + text.encode())
