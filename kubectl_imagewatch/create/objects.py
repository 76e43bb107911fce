"""Objects for `create image repository|policy|update`, printed the way `flux create ... --export` does.

The Flux CLI marshals with sigs.k8s.io/yaml: only fields set by flags, keys sorted at every level,
go-yaml v2 scalar styles (plain; single quotes where plain is not allowed; double quotes for
strings that would read as another type), durations in Go form (1m0s), a leading `---` line.
Flux's own flag bugs are not copied: conflicting --select-* flags and unchecked ranges are errors.
"""
from __future__ import annotations

import re
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
    if s == "" or "\n" in s or resolve(s)[0] != "str" or not _printable(s):
        return _double_quoted(s)
    if needs_quotes(s) or s[0] in "!&*%@`":
        return "'" + s.replace("'", "''") + "'"
    return s


def _printable(s: str) -> bool:
    """libyaml's printable set (tab, CR and other controls are not): such strings are double-quoted."""
    return all(c == "\n" or " " <= c <= "~" or c == "\x85" or ("\xa0" <= c <= "\ufffd" and not "\ud800" <= c <= "\udfff")
               or c >= "\U00010000" for c in s) and "\ufeff" not in s


_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r", "\x1b": "e",
            '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P"}


def _double_quoted(s: str) -> str:
    out = []
    for c in s:
        if c in _ESCAPES:
            out.append("\\" + _ESCAPES[c])
        elif " " <= c <= "~" or (c >= "\xa0" and _printable(c)):
            out.append(c)
        elif ord(c) <= 0xFF:
            out.append(f"\\x{ord(c):02X}")
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(f"\\U{ord(c):08X}")
    return '"' + "".join(out) + '"'


def _literal(s: str, pad: str) -> Optional[list[str]]:
    """A multi-line string as go-yaml's emitter writes it: a literal block (`|`, `|-`, `|+`, with an
    indentation indicator when the first line starts with a space), so it reads back byte for byte and
    a `---` line inside stays text; None when libyaml would double-quote it instead."""
    if "\n" not in s or not _printable(s) or s.endswith(" ") or " \n" in s:
        return None
    chomp = "-" if not s.endswith("\n") else ("+" if s.endswith("\n\n") or s == "\n" else "")
    header = "|" + ("2" if s[:1] in (" ", "\n") else "") + chomp
    body = s[:-1] if s.endswith("\n") else s
    return [header] + [pad + "  " + ln if ln else "" for ln in body.split("\n")]


def _value(pad: str, head: str, v: Any) -> list[str]:
    """`head value` lines for a scalar (head is `key:` or `-`)."""
    block = _literal(v, pad) if isinstance(v, str) else None
    if block is not None:
        return [f"{pad}{head} {block[0]}"] + block[1:]
    return [f"{pad}{head} {_scalar(v)}"]


def to_yaml(obj: Any, indent: int = 0) -> str:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(obj, dict):
        for k in sorted(obj):
            v = obj[k]
            key = _scalar(k) if isinstance(k, str) and "\n" not in k else _double_quoted(str(k))
            if isinstance(v, dict) and v:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(v, indent + 2))
            elif isinstance(v, list) and v:
                lines.append(f"{pad}{key}:")
                for item in v:
                    if isinstance(item, dict):
                        sub = to_yaml(item, indent + 2).splitlines()
                        lines.append(f"{pad}- {sub[0].strip()}")
                        lines.extend(sub[1:])
                    else:
                        lines.extend(_value(pad, "-", item))
            elif isinstance(v, dict):
                lines.append(f"{pad}{key}: {{}}")
            elif isinstance(v, list):
                lines.append(f"{pad}{key}: []")
            else:
                lines.extend(_value(pad, key + ":", v))
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


_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_NAME_RULE = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character")


def _check_meta(name: str, namespace: str, labels: dict) -> None:
    """Kubernetes' grammar for names, namespaces and labels (apimachinery validation), so a value can
    never carry YAML structure (a newline, `: `, `---`) into the exported document."""
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise UsageError(f"invalid name {name!r}: a lowercase RFC 1123 subdomain must consist of lower case "
                         "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
    if len(namespace) > 63 or not _DNS_LABEL.match(namespace):
        raise UsageError(f"invalid namespace {namespace!r}: a lowercase RFC 1123 label must consist of lower case "
                         "alphanumeric characters or '-', and must start and end with an alphanumeric character")
    for key, value in labels.items():
        prefix, slash, part = str(key).rpartition("/")
        if (slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix))) or \
                len(part) > 63 or not _LABEL_NAME.match(part):
            raise UsageError(f"invalid label key {key!r}: name part {_NAME_RULE} (at most 63 characters), "
                             "with an optional DNS subdomain prefix and '/'")
        if len(str(value)) > 63 or (value != "" and not _LABEL_NAME.match(str(value))):
            raise UsageError(f"invalid label value {value!r} for {key!r}: a valid label value must be 63 characters "
                             f"or less and be empty or {_NAME_RULE[5:]}")


def _meta(name: str, namespace: str, labels: dict) -> dict:
    _check_meta(name, namespace, labels)
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

    from kubectl_imagewatch.automation.write import write_atomic

    old = b""
    if os.path.exists(path):
        with open(path, "rb") as f:
            old = f.read()
    if old and not old.endswith(b"\n"):
        old += b"\n"
    write_atomic(path, old + text.encode())
