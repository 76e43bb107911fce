"""The repository configuration, `.imagewatch.yaml`: which files are reported, and how each check counts.

What yamllint's `.yamllint` and check-jsonschema's options give their users: found by walking up
from the paths given to the git root (or named with `validate --config`), globs relative to the
file's directory, a later rule winning over an earlier one:

    exclude: ["charts/**"]            # never reported (still read, so references into them resolve)
    disable: [IW409]                  # check ids or names
    severity: {IW404: error}          # error | warning | info
    rules:
      - paths: ["legacy/**"]
        disable: [IW404]
        severity: {IW011: info}

Read with the manifests' YAML loader (size-capped, bounded); anything wrong is an InputError that
names file:line:column and what is wrong (exit 2), never a guess.
"""
from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import os
from typing import Any, Iterable, Mapping, NoReturn, Optional, Sequence

from kubectl_imagewatch.findings import Finding, Severity

NAMES = (".imagewatch.yaml", ".imagewatch.yml")
KEYS = ("exclude", "disable", "severity", "rules")
RULE_KEYS = ("paths", "disable", "severity")
LEVELS = tuple(s.value for s in Severity)
MAX_LEVELS = 256  # directories walked up at most
MAX_ITEMS = 10_000  # globs, rules, ids: a config is small


class Glob:
    """A gitignore-like glob relative to the config's directory: `*`, `?`, `[...]` within one path
    segment, `**` for any number of segments; without a `/` it matches at any depth; a glob that
    matches a directory matches everything under it. Matching is a table over (glob segment, path
    segment): linear in both, whatever the pattern."""

    def __init__(self, text: str) -> None:
        self.text = text
        p = text.strip()
        anchored = p.startswith("/")
        p = p.lstrip("/")
        while p.startswith("./"):
            p = p[2:]
        p = p.rstrip("/")
        segs = [s for s in p.split("/") if s not in ("", ".")]
        if not anchored and len(segs) == 1:
            segs = ["**"] + segs
        if not segs or segs[-1] != "**":
            segs.append("**")  # a matching directory holds the file
        self.segs = [s for i, s in enumerate(segs) if not (s == "**" and i and segs[i - 1] == "**")]

    @staticmethod
    def problem(text: str) -> Optional[str]:
        p = text.strip().strip("/")
        if not p or p == ".":
            return "an empty glob matches nothing; write '**' for every file"
        if ".." in p.split("/"):
            return "globs are relative to the config file's directory and cannot leave it ('..')"
        return None

    def match(self, parts: Sequence[str]) -> bool:
        segs, n = self.segs, len(parts)
        ok = [False] * (n + 1)  # ok[j]: segs[i:] matches parts[j:], filled for i from the end
        ok[n] = True
        for seg in reversed(segs):
            if seg == "**":
                for j in range(n - 1, -1, -1):
                    ok[j] = ok[j] or ok[j + 1]
            else:
                ok = [j < n and ok[j + 1] and fnmatch.fnmatchcase(parts[j], seg) for j in range(n)] + [False]
        return ok[0]


@dataclasses.dataclass(frozen=True)
class Rule:
    globs: Optional[tuple[Glob, ...]]  # None: every file (the top level)
    disable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Config:
    path: Optional[str]  # the file, as shown
    base: str  # absolute directory the globs are relative to
    exclude: tuple[Glob, ...] = ()
    rules: tuple[Rule, ...] = ()
    _views: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def view(self, path: str) -> Optional[tuple[frozenset[str], dict[str, Severity]]]:
        """(disabled ids, severity overrides) for a finding's file; None when the file is excluded."""
        if path not in self._views:
            if len(self._views) > 100_000:
                self._views.clear()
            self._views[path] = self._view(path)
        return self._views[path]

    def _view(self, path: str) -> Optional[tuple[frozenset[str], dict[str, Severity]]]:
        parts: Optional[list[str]] = None
        if path != "<stdin>":
            rel = os.path.relpath(os.path.abspath(path), self.base)
            if rel != ".." and not rel.startswith(".." + os.sep):
                parts = rel.split(os.sep)
        if parts is not None and any(g.match(parts) for g in self.exclude):
            return None
        disabled: set[str] = set()
        severity: dict[str, Severity] = {}
        for r in self.rules:
            if r.globs is None or (parts is not None and any(g.match(parts) for g in r.globs)):
                disabled |= r.disable
                severity.update(r.severity)
        return frozenset(disabled), severity

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        out = []
        for f in findings:
            v = self.view(f.path)
            if v is None or f.check in v[0]:
                continue
            sev = v[1].get(f.check)
            out.append(f if sev is None or sev is f.severity else dataclasses.replace(f, severity=sev))
        return out


def find(paths: Sequence[str]) -> Optional[str]:
    """The nearest config file above the paths' common directory, not above the git root."""
    dirs = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths if p != "-"]
    try:
        d = os.path.commonpath(dirs) if dirs else os.getcwd()
    except ValueError:  # paths on different drives
        return None
    for _ in range(MAX_LEVELS):
        for name in NAMES:
            if os.path.isfile(os.path.join(d, name)):
                return os.path.join(d, name)
        parent = os.path.dirname(d)
        if os.path.lexists(os.path.join(d, ".git")) or parent == d:
            return None
        d = parent
    return None


def shown(path: str) -> str:
    rel = os.path.relpath(os.path.abspath(path))
    return path if rel.startswith("..") else rel


class _Reader:
    """Validates the parsed document, raising InputError at the offending key or value."""

    def __init__(self, doc: Any, where: str) -> None:
        self.doc, self.where = doc, where

    def fail(self, path: tuple, message: str, key: bool = False) -> NoReturn:
        from kubectl_imagewatch.errors import InputError

        line, col = self.doc.key_pos(path) if key else self.doc.pos(path)
        raise InputError(f"{self.where}:{line}:{col}: {message}")

    def keys(self, data: dict, path: tuple, allowed: tuple, what: str) -> None:
        for k in data:
            if k not in allowed:
                close = difflib.get_close_matches(str(k), allowed, n=1) if len(str(k)) <= 64 else []
                shown_key = repr(k) if len(str(k)) <= 64 else repr(str(k)[:64]) + "..."
                self.fail(path + (k,), f"unknown key {shown_key} in {what}" +
                          (f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(allowed)})"), key=True)

    @staticmethod
    def item(data: dict, key: str, path: tuple, i: int) -> tuple:
        """Where the i-th entry of a list value is (the value itself when it was a lone string)."""
        return path + (key, i) if isinstance(data.get(key), list) else path + (key,)

    def strings(self, data: dict, key: str, path: tuple) -> list[str]:
        v = data.get(key)
        if v is None:
            return []
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            self.fail(path + (key,), f"{key} must be a list of strings")
        for i, s in enumerate(items):
            if not isinstance(s, str):
                self.fail(self.item(data, key, path, i), f"{key} must be a list of strings")
        return items

    def ids(self, data: dict, key: str, path: tuple) -> frozenset[str]:
        from kubectl_imagewatch.checks import check_id, unknown_id

        out = set()
        items = self.strings(data, key, path)
        for i, name in enumerate(items):
            cid = check_id(name)
            if cid is None:
                self.fail(self.item(data, key, path, i), unknown_id(name))
            out.add(cid)
        return frozenset(out)

    def severity(self, data: dict, path: tuple) -> dict[str, Severity]:
        from kubectl_imagewatch.checks import check_id, unknown_id

        v = data.get("severity")
        if v is None:
            return {}
        if not isinstance(v, dict):
            self.fail(path + ("severity",), "severity must map check ids to error, warning or info")
        out: dict[str, Severity] = {}
        for name, level in v.items():
            cid = check_id(str(name))
            if cid is None:
                self.fail(path + ("severity", name), unknown_id(str(name)), key=True)
            if not isinstance(level, str) or level.lower() not in LEVELS:
                self.fail(path + ("severity", name), f"bad severity {level!r} for {cid}: use error, warning or info")
            out[cid] = Severity(level.lower())
        return out

    def globs(self, data: dict, key: str, path: tuple) -> tuple[Glob, ...]:
        items = self.strings(data, key, path)
        for i, g in enumerate(items):
            why = Glob.problem(g)
            if why:
                self.fail(self.item(data, key, path, i), f"{g!r}: {why}")
        return tuple(Glob(g) for g in items)

    def config(self, path: Optional[str], base: str) -> Config:
        data = self.doc.data if self.doc is not None else None
        if data is None:
            return Config(path, base)
        if not isinstance(data, dict):
            self.fail((), f"the config must be a mapping with keys {', '.join(KEYS)}")
        self.keys(data, (), KEYS, "the config")
        rules = [Rule(None, self.ids(data, "disable", ()), self.severity(data, ()))]
        raw = data.get("rules") or []
        if not isinstance(raw, list) or len(raw) > MAX_ITEMS:
            self.fail(("rules",), "rules must be a list of {paths, disable, severity}")
        for i, r in enumerate(raw):
            at = ("rules", i)
            if not isinstance(r, dict):
                self.fail(at, "a rule must be a mapping with keys paths, disable, severity")
            self.keys(r, at, RULE_KEYS, "a rule")
            if not r.get("paths"):
                self.fail(at, "a rule needs paths: the globs it applies to")
            rules.append(Rule(self.globs(r, "paths", at), self.ids(r, "disable", at), self.severity(r, at)))
        return Config(path, base, self.globs(data, "exclude", ()), tuple(rules))


def load(path: str) -> Config:
    """Read and validate one config file; InputError (exit 2) with file:line:col when it is wrong."""
    from kubectl_imagewatch.errors import InputError
    from kubectl_imagewatch.manifests import loader

    where = shown(path)
    if os.path.isdir(path):
        raise InputError(f"{where}: is a directory, not a config file")
    raw, err = loader.read_file(path, where)
    if err is not None or raw is None:
        raise InputError(f"{where}: {err.message if err else 'cannot read'}")
    if len(raw) > loader.MAX_FILE_BYTES:
        raise InputError(f"{where}: too large for a config file")
    text, err = loader.decode(raw, where)
    if err is not None or text is None:
        raise InputError(f"{where}:{err.line if err else 0}: {err.message if err else 'not UTF-8'}")
    docs, problems, _ = loader.parse_documents(text, where)
    if problems:
        p = problems[0]
        raise InputError(f"{where}:{p.line}:{p.column}: {p.message}")
    docs = [d for d in docs if d.data is not None]
    if len(docs) > 1:
        raise InputError(f"{where}:{docs[1].line}:1: one YAML document expected, found {len(docs)}")
    base = os.path.dirname(os.path.abspath(path))
    return _Reader(docs[0] if docs else None, where).config(where, base)
