"""Go `regexp` semantics on top of RE2 (google-re2): compile, match anywhere, ExpandString.

Flux compiles filterTags and exclusionList patterns with Go's regexp, which is RE2. Python's `re`
or `regex` accept lookarounds, backreferences and possessive quantifiers that Go rejects, and
their `\\d`/`$` mean other things; RE2 gives Go's answers. Errors are reworded the way Go prints
them (`error parsing regexp: <code>: `<text>``). This is the only module that imports re2.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Iterator, Optional


class PatternError(ValueError):
    """A pattern Go's regexp.Compile rejects; str() is Go's message."""


# RE2 message prefix -> Go regexp/syntax ErrorCode text
_GO_CODES = [
    ("missing ): ", "missing closing )"),
    ("unexpected ): ", "unexpected )"),
    ("missing ]: ", "missing closing ]"),
    ("invalid perl operator: ", "invalid or unsupported Perl syntax"),
    ("bad repetition operator: ", "invalid nested repetition operator"),
    ("invalid repetition size: ", "invalid repeat count"),
    ("missing argument to repetition operator: ", "missing argument to repetition operator"),
    ("invalid escape sequence: ", "invalid escape sequence"),
    ("trailing \\: ", "trailing backslash at end of expression"),
    ("invalid character class range: ", "invalid character class range"),
    ("invalid character class: ", "invalid character class"),
    ("invalid named capture group: ", "invalid named capture"),
    ("duplicate capture group name: ", "duplicate capture group name"),  # Go: invalid named capture
    ("invalid UTF-8: ", "invalid UTF-8"),
    ("pattern too large - compile failed", "expression too large"),
]

_NAMED = re.compile(r"\(\?P?<([^>]*)>")


def _go_message(pattern: str, err: str) -> str:
    for prefix, code in _GO_CODES:
        if err.startswith(prefix):
            frag = err[len(prefix):]
            if code == "duplicate capture group name":
                return f"error parsing regexp: invalid named capture: `(?P<{frag}>`"
            return f"error parsing regexp: {code}: `{frag}`"
    return f"error parsing regexp: {err}: `{pattern}`"


def _precheck(pattern: str) -> None:
    """Constructs C++ RE2 accepts but Go rejects."""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            if pattern[i + 1] == "C":
                raise PatternError("error parsing regexp: invalid escape sequence: `\\C`")
            i += 2
            continue
        i += 1
    for m in _NAMED.finditer(pattern):
        name = m.group(1)
        if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise PatternError(f"error parsing regexp: invalid named capture: `{m.group(0)}`")


class GoRegexp:
    """A compiled pattern; matching is on str (tags are ASCII, matched as UTF-8 bytes)."""

    def __init__(self, pattern: str) -> None:
        import re2  # lazy: keeps `validate` on files without patterns fast

        self.pattern = pattern
        _precheck(pattern)
        opts = re2.Options()
        opts.log_errors = False  # RE2 would print to stderr; the user sees our message instead
        opts.max_mem = 64 << 20
        try:
            self._re = re2.compile(pattern.encode("utf-8"), opts)
        except re2.error as e:  # type: ignore[attr-defined]
            msg = e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else str(e)
            raise PatternError(_go_message(pattern, msg)) from None
        except Exception as e:  # re2 raises TypeError/ValueError on some inputs
            raise PatternError(f"error parsing regexp: {e}") from None
        if len(pattern) >= 1000:  # RE2 allows deeper trees than Go
            from kubectl_imagewatch.golang.nesting import MAX_HEIGHT, height

            if height(pattern) > MAX_HEIGHT:
                raise PatternError(f"error parsing regexp: expression nests too deeply: `{pattern}`")
        self._match = self._re._regexp.Match  # the C++ call itself: the wrapper costs 5x per tag
        self._unanchored = re2._Anchor.UNANCHORED
        index = self._re.groupindex
        self.names: dict[str, int] = {(k.decode() if isinstance(k, bytes) else k): v for k, v in index.items()}
        self.groups: int = self._re.groups
        # Go's SubexpNames: index -> name ("" for unnamed)
        self.subexp_names = [""] * (self.groups + 1)
        for n, i in self.names.items():
            self.subexp_names[i] = n

    def search(self, s: str) -> Optional["Spans"]:
        """Leftmost-first match anywhere (Go FindStringSubmatchIndex) as byte spans, or None."""
        b = _utf8(s)
        spans = self._match(self._unanchored, b, 0, len(b))
        if spans[0][0] < 0:
            return None
        return Spans(b, spans)

    def matches(self, s: str) -> bool:
        b = _utf8(s)
        return self._match(self._unanchored, b, 0, len(b))[0][0] >= 0

    def finditer(self, s: str, n: int = -1) -> Iterator["Spans"]:
        """Go's FindAll (regexp.allMatches): successive leftmost-first matches, at most n (n < 0: all).

        After an empty match the search moves on one rune; an empty match that abuts the previous
        match is skipped — so `a*` over "baaab" yields "", "aaa", "" as in Go, not a fourth "".
        """
        b = _utf8(s)
        end, pos, prev_end, found = len(b), 0, -1, 0
        inside = set() if b.isascii() else _inside_runes(b)
        while (n < 0 or found < n) and pos <= end:
            spans = self._match(self._unanchored, b, pos, end)
            start, stop = spans[0]
            if start < 0:
                break
            if start in inside:  # RE2 works on bytes; Go only tries rune boundaries
                pos = start + 1
                while pos in inside:
                    pos += 1
                continue
            accept = True
            if stop == pos:  # an empty match here
                accept = start != prev_end
                pos += _rune_width(b, pos) if pos < end else 1
            else:
                pos = stop
            prev_end = stop
            if accept:
                found += 1
                yield Spans(b, spans)

    def replace_all(self, s: str, repl: str, literal: bool = False) -> str:
        """Go's ReplaceAllString / ReplaceAllLiteralString.

        Go's replaceAll loop advances and skips exactly as allMatches does (an empty match right
        after a match is not replaced), so it is written on top of finditer.
        """
        parts = None if literal else self.compile_template(repl)
        out: list[bytes] = []
        last = 0
        b = b""
        for m in self.finditer(s):
            b = m.b
            start, stop = m.span()
            out.append(b[last:start])
            out.append(_utf8(repl if parts is None else self.expand(parts, s, m)))
            last = stop
        if not out:
            return s
        out.append(b[last:])
        return b"".join(out).decode("utf-8", "surrogatepass")

    def split(self, s: str, n: int) -> list[str]:
        """Go's Regexp.Split(s, n): n == 0 -> none, n < 0 -> all substrings."""
        if n == 0:
            return []
        if self.pattern and not s:
            return [""]
        b = _utf8(s)
        out: list[str] = []
        beg = end = 0
        for m in self.finditer(s, n):
            if n > 0 and len(out) == n - 1:
                break
            end = m.start()
            if m.end() != 0:
                out.append(b[beg:end].decode("utf-8", "surrogatepass"))
            beg = m.end()
        if end != len(b):
            out.append(b[beg:].decode("utf-8", "surrogatepass"))
        return out

    def compile_template(self, template: str) -> list:
        """Pre-parse an Expand template into literals (str) and group indexes (int; -1 = nothing)."""
        parts: list = []
        t = template
        while t:
            before, sep, after = t.partition("$")
            if not sep:
                break
            if before:
                parts.append(before)
            t = after
            if t.startswith("$"):
                parts.append("$")
                t = t[1:]
                continue
            name, num, rest, ok = _extract(t)
            if not ok:
                parts.append("$")
                continue
            t = rest
            idx = -1
            if num >= 0:
                idx = num if num <= self.groups else -1
            else:
                for i, n in enumerate(self.subexp_names):
                    if n == name and i > 0:
                        idx = i
                        break
            parts.append(idx)
        if t:
            parts.append(t)
        return parts

    def expand(self, template: Any, src: str, m: Any) -> str:
        """Go Regexp.ExpandString: $name, ${name}, $1, $$; unknown or unmatched groups -> ""."""
        parts = self.compile_template(template) if isinstance(template, str) else template
        out: list[str] = []
        for p in parts:
            if p.__class__ is str:
                out.append(p)
            elif p >= 0:
                g = m.group(p)
                if g is not None:
                    out.append(g.decode("utf-8", "surrogatepass"))
        return "".join(out)


def _utf8(s: str) -> bytes:
    """UTF-8, with lone surrogates (from JSON escapes) kept as the invalid bytes Go would see."""
    return s.encode("utf-8", "surrogatepass")


def _rune_width(b: bytes, pos: int) -> int:
    """Bytes of the rune at pos as Go's utf8.DecodeRune counts them (1 for an invalid byte)."""
    for width in (1, 2, 3, 4):
        try:
            b[pos:pos + width].decode("utf-8")
            return width
        except UnicodeDecodeError as e:
            if e.reason != "unexpected end of data":
                return 1
    return 1


def _inside_runes(b: bytes) -> set[int]:
    """Byte offsets that fall inside a multi-byte rune (where Go's matcher never stops)."""
    inside: set[int] = set()
    pos = 0
    while pos < len(b):
        width = _rune_width(b, pos)
        inside.update(range(pos + 1, pos + width))
        pos += width
    return inside


class Spans:
    """A match: the subject bytes and (start, end) per group, (-1, -1) when a group did not take part."""

    __slots__ = ("b", "spans")

    def __init__(self, b: bytes, spans: list) -> None:
        self.b, self.spans = b, spans

    def group(self, i: int = 0) -> Optional[bytes]:
        st, en = self.spans[i]
        return None if st < 0 else self.b[st:en]

    def text(self, i: int = 0) -> str:
        """The group as str ("" when it did not take part)."""
        g = self.group(i)
        return "" if g is None else g.decode("utf-8", "surrogatepass")

    def span(self, i: int = 0) -> tuple[int, int]:
        return self.spans[i]

    def start(self, i: int = 0) -> int:
        return self.spans[i][0]

    def end(self, i: int = 0) -> int:
        return self.spans[i][1]


def _is_word_rune(ch: str) -> bool:
    if ch == "_":
        return True
    cat = unicodedata.category(ch)
    return cat.startswith("L") or cat == "Nd"


def _extract(s: str) -> tuple[str, int, str, bool]:
    if not s:
        return "", -1, s, False
    brace = s[0] == "{"
    if brace:
        s = s[1:]
    i = 0
    while i < len(s) and _is_word_rune(s[i]):
        i += 1
    if i == 0:
        return "", -1, s, False
    name = s[:i]
    if brace:
        if i >= len(s) or s[i] != "}":
            return "", -1, s, False
        i += 1
    num = 0
    for ch in name:
        if not ("0" <= ch <= "9") or num >= 100_000_000:
            num = -1
            break
        num = num * 10 + ord(ch) - 48
    if name[0] == "0" and len(name) > 1:
        num = -1
    return name, num, s[i:], True


@functools.lru_cache(maxsize=512)
def compile(pattern: str) -> GoRegexp:  # noqa: A001 - mirrors regexp.Compile
    return GoRegexp(pattern)


def check(pattern: str) -> Optional[str]:
    """None when Go would compile the pattern, else Go's error message."""
    try:
        compile(pattern)
    except PatternError as e:
        return str(e)
    return None
