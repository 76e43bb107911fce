"""Reading manifests: discover files, screen bytes, parse YAML keeping positions.

Everything that reads a repository goes through here. Bad input never raises: unreadable,
binary, oversized, non-UTF-8 or unparseable files become Findings. Files are screened on their
bytes before parsing, so cost follows the Flux files, not the repository size. Parsing uses
ruamel.yaml's composer (node marks give line/column); plain scalars resolve as Kubernetes reads
them (YAML 1.1, see yamlscalar). Alias expansion is bounded (no "billion laughs").
"""
from __future__ import annotations

import dataclasses
import io
import os
import re
import stat
import sys
from typing import Any, Iterable, Iterator, Optional

from kubectl_imagewatch.checks.base import finding
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests import screen
from kubectl_imagewatch.manifests.aliases import expanded_size
from kubectl_imagewatch.manifests.scalars import resolve

MAX_FILE_BYTES = 8 << 20
MAX_NODES = 200_000  # per document, aliases counted every time they are expanded
MAX_DEPTH = 200  # nesting of collections in one document (the API server's limit is lower still)
MAX_SCAN_DEPTH = 400  # a byte scan above this sends the text to the pure parser, never to libyaml
FLUX_TOKENS = (b"toolkit.fluxcd.io",)
MARKER_TOKEN = b'"$imagepolicy"'
YAML_SUFFIXES = (".yaml", ".yml")

Path = tuple  # JSON path: keys and indexes

@dataclasses.dataclass
class Document:
    path: str
    index: int
    data: Any
    positions: dict  # JSON path -> (line, col), 1-based; key positions under ("@key",) + path
    line: int

    def pos(self, path: Iterable = ()) -> tuple[int, int]:
        """Closest known position of a JSON path (falls back to the parent)."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (self.line, 1))

    def key_pos(self, path: Iterable) -> tuple[int, int]:
        p = tuple(path)
        return self.positions.get(("@key",) + p) or self.pos(p)


@dataclasses.dataclass
class SourceFile:
    path: str  # as shown to the user
    text: Optional[str]
    raw: bytes


class TooComplex(Exception):
    pass


class _Builder:
    """ruamel node graph -> plain data with positions, YAML 1.1 plain-scalar resolution."""

    def __init__(self, text: str = "", line0: int = 0) -> None:
        self.text = text
        self.line0 = line0  # the text's first line in its file (a document cut from a stream)
        self.count = 0
        self.positions: dict = {}
        self.duplicates: list[tuple[tuple, int, int]] = []

    def build(self, node: Any, path: tuple = (), depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise TooComplex("document too large or too deeply nested after alias expansion")
        mark = node.start_mark
        self.positions.setdefault(path, (mark.line + 1 + self.line0, mark.column + 1))
        kind = node.id
        if kind == "scalar":
            return scalar_value(node, self.text)
        if kind == "sequence":
            return [self.build(v, path + (i,), depth + 1) for i, v in enumerate(node.value)]
        out: dict = {}
        explicit: set = set()
        for k, v in node.value:
            if k.id != "scalar":
                key: Any = str(self.build(k, path + ("<key>",), depth + 1))
            else:
                key = k.value
                if k.value == "<<" and not k.style:
                    merged = self.build(v, path, depth + 1)
                    for item in merged if isinstance(merged, list) else [merged]:
                        if isinstance(item, dict):
                            for mk, mv in item.items():
                                out.setdefault(mk, mv)
                    continue
            key = str(key) if not isinstance(key, str) else key
            kp = path + (key,)
            if key in explicit:
                self.duplicates.append((kp, k.start_mark.line + 1 + self.line0, k.start_mark.column + 1))
            explicit.add(key)
            self.positions[("@key",) + kp] = (k.start_mark.line + 1 + self.line0, k.start_mark.column + 1)
            out[key] = self.build(v, kp, depth + 1)
        return out


def scalar_value(node: Any, text: str = "") -> Any:
    if node.style:  # quoted or block: always a string unless tagged otherwise
        return node.value
    if str(node.tag).endswith(":str") and _is_explicit(node, text):
        return node.value
    kind, val = resolve(node.value)
    return val if kind not in ("timestamp", "merge") else node.value


def _is_explicit(node: Any, text: str) -> bool:
    """An explicit tag (`!!str 2`) sits in the source before the value, after any anchor."""
    i = node.start_mark.index
    if text[i:i + 1] == "&":
        while i < len(text) and text[i] not in " \t\r\n":
            i += 1
        while i < len(text) and text[i] in " \t":
            i += 1
    return text[i:i + 1] == "!"


def read_file(path: str, display: Optional[str] = None) -> tuple[Optional[bytes], Optional[Finding]]:
    """Read bytes safely: no FIFOs/devices, size-capped; a Finding explains any refusal."""
    raw, err, _ = read_file_stat(path, display)
    return raw, err


def read_file_stat(path: str, display: Optional[str] = None) -> tuple[Optional[bytes], Optional[Finding],
                                                                         Optional[os.stat_result]]:
    """read_file, also giving the file's stat taken before reading it (for the screen cache)."""
    shown = display or path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return None, finding("IW004", shown, 0, 0, "broken symlink, skipped",
                                 "remove the link or point it at an existing file"), None
        return None, finding("IW005", shown, 0, 0, "no such file or directory", ""), None
    except OSError as e:
        return None, finding("IW005", shown, 0, 0, f"cannot read: {e.strerror}", ""), None
    if not stat.S_ISREG(st.st_mode):
        return None, finding("IW004", shown, 0, 0, "not a regular file, skipped", ""), None
    if st.st_size > MAX_FILE_BYTES:
        return None, finding("IW004", shown, 0, 0,
                             f"file is {st.st_size >> 20} MiB, over the {MAX_FILE_BYTES >> 20} MiB limit; skipped",
                             "Kubernetes manifests this large are not applied by Flux either"), None
    try:
        with open(path, "rb") as f:
            raw = f.read(st.st_size + 1)  # not read(MAX + 1): that allocates 8 MiB for every small file
            if len(raw) > st.st_size:  # it grew since stat: read on, to the limit
                raw += f.read(MAX_FILE_BYTES + 1 - len(raw))
            return raw, None, st
    except OSError as e:
        return None, finding("IW005", shown, 0, 0, f"cannot read: {e.strerror}", ""), None


def decode(raw: bytes, shown: str) -> tuple[Optional[str], Optional[Finding]]:
    if b"\0" in raw:
        return None, finding("IW004", shown, 0, 0, "binary file (NUL bytes), skipped", "")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, finding("IW002", shown, line, 1, "file is not valid UTF-8",
                             "Kubernetes and Flux read YAML as UTF-8; re-encode the file")


def flux_reads(name: str) -> bool:
    """Flux's file filter (filereader.go): extension exactly .yaml/.yml, or the base name Kustomization."""
    return name.endswith(YAML_SUFFIXES) or os.path.basename(name) == "Kustomization"


def discover(paths: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Yield (path, explicit) for the files Flux reads under the given paths (directories recurse,
    skipping .git); files named on the command line are taken whatever their name."""
    for p in paths:
        if p == "-":
            yield p, True
            continue
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d != ".git")
                for name in sorted(files):
                    if flux_reads(name):
                        yield os.path.join(root, name), False
        else:
            yield p, True


_FAST: Any = None


def may_nest_deeply(text: str, limit: int = MAX_SCAN_DEPTH) -> bool:
    """Cheap upper bound on YAML nesting: True when the text could nest deeper than `limit`.

    libyaml composes recursively in C, so ~40,000 nested brackets overflow the C stack (SIGSEGV)
    before Python can catch anything. This scan over-counts (brackets in strings and comments
    count too), which only costs a slower but safe parse. Flow depth is the bracket depth; block
    depth cannot exceed twice the indentation-and-indicator prefix of a line (`- - ? a: `) plus one.
    """
    if len(text) < limit:
        return False
    depth = 0
    for m in _BRACKETS.finditer(text) if text.count("[") + text.count("{") > limit else ():
        if m.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return any((len(m.group()) - 1) * 2 + 1 > limit for m in _BLOCK_PREFIX.finditer("\n" + text))


_BRACKETS = re.compile(r"[\[\]{}]")
_BLOCK_PREFIX = re.compile(r"\n[ \t?:-]{%d,}" % (MAX_SCAN_DEPTH // 2 - 1))  # line starts (`^` with re.M is 5x slower)


class TooDeep(TooComplex):
    def __init__(self, line: int) -> None:
        super().__init__("document nests too deeply")
        self.line = line


def _deep_line(text: str) -> Optional[int]:
    """The line where a collection nests deeper than MAX_DEPTH, from libyaml's event parser (C and
    iterative, unlike its composer), or None. Raises YAMLError where libyaml cannot parse."""
    import _ruamel_yaml
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    parser = _ruamel_yaml.CParser(io.StringIO(text))
    depth = 0
    while True:
        event = parser.get_event()
        if event is None:
            return None
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH + 1:
                return int(event.start_mark.line) + 1
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _fast_nodes(text: str) -> Optional[list]:
    """All documents through libyaml (ruamel.yaml.clib, ~10x faster), or None to use the pure parser.

    libyaml is stricter than go-yaml v3 in places (e.g. `a:b` plain scalars inside flow collections),
    so any error here falls back to ruamel's pure parser, whose verdict counts.
    """
    global _FAST
    if _FAST is None:
        from ruamel.yaml import YAML

        try:
            import _ruamel_yaml  # noqa: F401

            _FAST = YAML(typ="safe", pure=False)
        except ImportError:
            _FAST = False
    if _FAST is False:
        return None
    from ruamel.yaml.error import YAMLError

    try:
        if may_nest_deeply(text):  # libyaml's composer recurses in C: ~40,000 levels overflow the stack
            line = _deep_line(text)
            if line is not None:
                raise TooDeep(line)
        return list(_FAST.compose_all(io.StringIO(text)))
    except (YAMLError, ValueError, RecursionError):
        return None


def _pure_yaml() -> Any:
    """ruamel's pure-Python parser, its composer stopped past MAX_DEPTH (TooDeep).

    Letting it recurse until Python's RecursionError on 50,000 brackets takes seconds; stopping at
    the depth no document may exceed anyway makes it instant, and its scanner (yamlscan) does
    O(1) work per token however deep the flow collections nest.
    """
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer, ReusedAnchorWarning

    warnings.filterwarnings("ignore", category=ReusedAnchorWarning)  # a redefined anchor is valid YAML

    class Bounded(Composer):  # type: ignore[misc]
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH + 1:
                    raise TooDeep(self.parser.peek_event().start_mark.line + 1)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    from kubectl_imagewatch.manifests.yamlscan import LinearScanner

    yaml = YAML(typ="rt", pure=True)
    yaml.Composer = Bounded
    yaml.Scanner = LinearScanner
    return yaml


def parse_documents(text: str, shown: str,
                    kinds: Optional[frozenset] = None) -> tuple[list[Document], list[Finding], Any]:
    """Compose every YAML document; returns documents, findings and the raw node list.

    With `kinds`, a document whose top-level kind the byte screen reads (screen.split_documents) as a
    kind not in `kinds` is not composed, and the node list is empty: line numbers and document
    indexes stay those of the whole file. A file with nothing to leave out is composed whole (one
    parser, not one per document)."""
    docs: list[Document] = []
    findings: list[Finding] = []
    nodes: list[Any] = []
    pieces = screen.split_documents(text) if kinds is not None else None
    if pieces is None or kinds is None or not any(k is not None and k not in kinds for _, _, k in pieces):
        _compose(text, shown, 0, None, docs, findings, nodes)
        return docs, findings, nodes
    for index, (line0, piece, kind) in enumerate(pieces):
        if kind is not None and kind not in kinds:
            continue
        if not _compose(piece, shown, line0, index, docs, findings, []):
            break  # like the whole stream: nothing after a syntax error is read
    return docs, findings, []


def _compose(text: str, shown: str, line0: int, index: Optional[int], docs: list[Document],
             findings: list[Finding], nodes: list[Any]) -> bool:
    """Compose the documents of `text` (which starts at line `line0` of the file; `index`: its
    document's index when it is one document of a split stream); False on a YAML syntax error."""
    from ruamel.yaml.error import YAMLError

    deep_hint = f"Kubernetes objects nest far less than {MAX_DEPTH} levels deep"
    try:
        fast = _fast_nodes(text)
    except TooDeep as e:
        findings.append(finding("IW001", shown, e.line + line0, 1, str(e), deep_hint))
        return False
    yaml = _pure_yaml() if fast is None else None
    docs_iter: Any = fast if yaml is None else None
    try:
        for i, node in enumerate(docs_iter if yaml is None else yaml.compose_all(io.StringIO(text))):
            nodes.append(node)
            if node is None:
                continue
            line = node.start_mark.line + 1 + line0
            b = _Builder(text, line0)
            try:
                if expanded_size(node, MAX_NODES, MAX_DEPTH, False) is None:
                    raise TooComplex("document too large or too deeply nested after alias expansion")
                data = b.build(node)
            except TooComplex as e:
                findings.append(finding("IW001", shown, line, 1, str(e),
                                        "reduce YAML aliases; the API server refuses such documents too"))
                continue
            except RecursionError:
                findings.append(finding("IW001", shown, line, 1, "document nests too deeply", ""))
                continue
            for kp, kline, col in b.duplicates:
                findings.append(finding("IW003", shown, kline, col,
                                        f"duplicate key {'.'.join(map(str, kp))}",
                                        "kubectl refuses documents with duplicate keys; keep one"))
            docs.append(Document(shown, i if index is None else index, data, b.positions, line))
    except YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line, col = (mark.line + 1 + line0, mark.column + 1) if mark is not None else (0, 0)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        helm = "{{" in text
        findings.append(finding("IW001", shown, line, col, f"YAML syntax error: {problem}",
                                "this looks like a Helm/Go template, which is not YAML; exclude it"
                                if helm else "fix the YAML syntax"))
        return False
    except TooDeep as e:
        findings.append(finding("IW001", shown, e.line + line0, 1, str(e), deep_hint))
        return False
    except RecursionError:
        findings.append(finding("IW001", shown, 0, 0, "document nests too deeply", ""))
        return False
    return True


def load_plain(text: str, as_written: bool = False, max_nodes: int = MAX_NODES) -> list[Any]:
    """Every document as plain data, for files that are not manifests (tags files, kustomization.yaml).

    Scalars resolve as YAML 1.1 does, or with `as_written` stay the text the author wrote (`1.20`
    stays "1.20"; only null is None). Nesting and alias expansion are bounded like manifests:
    raises TooComplex, or ruamel's YAMLError for a syntax error.
    """
    count = [0]

    def build(node: Any, depth: int) -> Any:
        count[0] += 1
        if count[0] > max_nodes or depth > MAX_DEPTH:
            raise TooComplex("too large or too deeply nested (aliases count each time they are used)")
        if node.id == "scalar":
            if as_written:
                return None if not node.style and node.value in ("", "~", "null", "Null", "NULL") else node.value
            return scalar_value(node, text)
        if node.id == "sequence":
            return [build(v, depth + 1) for v in node.value]
        out: dict = {}
        for k, v in node.value:
            key = build(k, depth + 1)
            out[key if isinstance(key, str) else str(key)] = build(v, depth + 1)
        return out

    nodes = _fast_nodes(text)
    try:
        if nodes is None:
            nodes = list(_pure_yaml().compose_all(io.StringIO(text)))
        total = 0
        for n in nodes:
            size = 0 if n is None else expanded_size(n, max_nodes - total, MAX_DEPTH, True)
            if size is None:
                raise TooComplex("too large or too deeply nested (aliases count each time they are used)")
            total += size
        return [None if n is None else build(n, 0) for n in nodes]
    except RecursionError:
        raise TooComplex("nests too deeply") from None


def read_stdin() -> bytes:
    return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
