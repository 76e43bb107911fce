"""JSON Schemas of the Flux kinds (generated from the CRDs into schemas/) and their CEL rules.

The only module that imports jsonschema. `pattern` is evaluated with Go's RE2 semantics (the API
server is Go: `$` is end of text), errors carry the JSON path so the loader's position map turns
them into file:line:column.
"""
from __future__ import annotations

import functools
import json
import os
from typing import Any, Iterator

from kubectl_imagewatch.checks import cel
from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.golang import regexp as goregex
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import FluxObject


def _schema_dir() -> str:
    try:
        from importlib import resources

        p = resources.files("kubectl_imagewatch.schemas")
        if p.joinpath("index.json").is_file():
            return str(p)
    except (ImportError, ModuleNotFoundError, TypeError):
        pass
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(os.path.dirname(package), "schemas")  # a source checkout: schemas/ beside the package


@functools.lru_cache(maxsize=1)
def index() -> dict:
    with open(os.path.join(_schema_dir(), "index.json")) as f:
        return json.load(f)


def known(api_version: str, kind: str) -> bool:
    return f"{api_version}/{kind}" in index()


@functools.lru_cache(maxsize=16)
def _validator(api_version: str, kind: str) -> Any:
    import jsonschema
    from jsonschema import validators

    entry = index()[f"{api_version}/{kind}"]
    with open(os.path.join(_schema_dir(), entry["file"])) as f:
        schema = json.load(f)

    def go_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(instance, str) and not goregex.compile(pattern).matches(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    base = jsonschema.Draft7Validator
    cls = validators.extend(base, {"pattern": go_pattern})
    return cls(schema), schema


_IDS = {"additionalProperties": "IW101", "required": "IW102", "type": "IW103", "enum": "IW104",
        "pattern": "IW105"}


def _closest(name: str, known: list[str]) -> str:
    """The schema's property a misspelt field most likely means (case first: filtertags -> filterTags)."""
    import difflib

    same = [k for k in known if k.lower() == name.lower()]
    if same:
        return same[0]
    lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.75)
    return lower[close[0]] if close else ""


def _hint(err: Any, path: tuple) -> str:
    v = err.validator
    if v == "additionalProperties":
        known = list(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(known)) if isinstance(err.instance, dict) else []
        guesses = [g for g in (_closest(str(x), known) for x in extra) if g]
        if guesses:
            return (f"did you mean {', '.join(guesses)}? (field names are case-sensitive; the API server drops "
                    "unknown fields)")
        return "remove the field or check its spelling and indentation; the API server drops unknown fields"
    if v == "required":
        return "add the missing field"
    if v == "enum":
        return "use one of: " + ", ".join(map(str, err.validator_value))
    if v == "pattern" and path and path[-1] in ("interval", "timeout"):
        return "use a Go duration such as 1m, 5m30s, 1h (units ms, s, m, h)"
    if v == "type":
        return f"expected {err.validator_value}; quote values that YAML would read as another type"
    return ""


def _message(err: Any, path: tuple) -> str:
    where = ".".join(str(p) for p in path) or "object"
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return f"unknown field {where + '.' if path else ''}{', '.join(extra)}"
    if err.validator == "required":
        missing = [r for r in err.validator_value if r not in (err.instance or {})]
        return f"{where}: missing required field {', '.join(missing)}"
    return f"{where}: {err.message}"


def check(obj: FluxObject, ctx: Context) -> list[Finding]:
    """Schema + CEL findings for one object; [] when the apiVersion has no schema (checked elsewhere)."""
    if not known(obj.api_version, obj.kind):
        return []
    validator, schema = _validator(obj.api_version, obj.kind)
    data = {k: v for k, v in obj.data.items() if k != "status"}
    out: list[Finding] = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            line, col = obj.key_pos(*path, extra[0]) if extra else obj.pos(*path)
        else:
            line, col = obj.pos(*path)
        out.append(ctx.file(obj.doc.path, line, col, _IDS.get(err.validator, "IW106"), _message(err, path),
                            _hint(err, path)))
    out.extend(_cel(obj, ctx, schema.get("properties", {}), data, ()))
    return out


def _cel(obj: FluxObject, ctx: Context, props: dict, data: Any, path: tuple) -> Iterator[Finding]:
    if not isinstance(data, dict):
        return
    for key, sub in props.items():
        if key not in data:
            continue
        for rule in sub.get("x-kubernetes-validations", []) or []:
            ok = cel.evaluate(rule["rule"], data[key])
            if ok is False:
                yield ctx.at(obj, path + (key,), "IW107", rule.get("message") or f"failed rule: {rule['rule']}",
                             f"the API server rejects this (CEL rule: {rule['rule']})")
            elif ok is None:
                yield ctx.at(obj, path + (key,), "IW108", f"CEL rule not evaluated: {rule['rule']}",
                             "install the [cel] extra")
        if isinstance(sub.get("properties"), dict):
            yield from _cel(obj, ctx, sub["properties"], data[key], path + (key,))
