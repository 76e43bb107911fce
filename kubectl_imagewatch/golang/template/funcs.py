"""Functions a Flux commit template can call: Go's builtins and sprig's hermetic set.

Flux registers text/template's builtins plus `sprig.HermeticTxtFuncMap()` (sprig v3.3 minus the
functions that read time, randomness, the environment or the network). Most-used sprig
functions are implemented here; a name Flux has but this tool does not is an explicit
"unsupported" error, never a wrong answer. A name Flux does not have fails like Flux: not defined.
"""
from __future__ import annotations

import base64
import hashlib
import html as _html
import json
import os.path
import re
import urllib.parse
import zlib
from typing import Any, Callable

from kubectl_imagewatch.golang.template.builders import BUILDERS
from kubectl_imagewatch.golang.template.budget import MAX_ITEMS, need
from kubectl_imagewatch.golang.template.parser import CallError, TemplateError
from kubectl_imagewatch.golang.template.regexfuncs import REGEX_FUNCS
from kubectl_imagewatch.golang.template.values import deep_equal
from kubectl_imagewatch.golang.template.values import MISSING, GoStruct, StrMap, fmt_v, sort_keys, sprint, sprintln, truth, type_name

SPRIG_ALL = set("""hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate
htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth trunc trim upper
lower title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace initials randAlphaNum randAlpha
randAscii randNumeric swapcase shuffle snakecase camelcase kebabcase wrap wrapWith contains hasPrefix hasSuffix
quote squote cat indent nindent replace plural sha1sum sha256sum adler32sum toString atoi int64 int float64 seq
toDecimal split splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf
mulf biggest max min maxf minf ceil floor round join sortAlpha default empty coalesce all any compact mustCompact
fromJson toJson toPrettyJson toRawJson mustFromJson mustToJson mustToPrettyJson mustToRawJson ternary deepCopy
mustDeepCopy typeOf typeIs typeIsLike kindOf kindIs deepEqual env expandenv getHostByName base dir clean ext isAbs
osBase osClean osDir osExt osIsAbs b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys
pick omit merge mergeOverwrite mustMerge mustMergeOverwrite values append push mustAppend mustPush prepend
mustPrepend first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse uniq mustUniq
without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt htpasswd genPrivateKey
derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert genSelfSignedCertWithKey genSignedCert
genSignedCertWithKey encryptAES decryptAES randBytes uuidv4 semver semverCompare fail regexMatch mustRegexMatch
regexFindAll mustRegexFindAll regexFind mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin""".split())
NON_HERMETIC = set("""date date_in_zone date_modify now htmlDate htmlDateInZone dateInZone dateModify randAlphaNum
randAlpha randAscii randNumeric randBytes uuidv4 env expandenv getHostByName""".split())
BUILTINS = set("and call html index slice js len not or print printf println urlquery eq ge gt le lt ne".split())
FLUX_FUNCS = (SPRIG_ALL - NON_HERMETIC) | BUILTINS


def _s(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is MISSING:
        return ""
    return fmt_v(v)


def _need_str(v: Any, name: str) -> str:
    if not isinstance(v, str):
        raise TemplateError(f"wrong type for value; expected string; got {type_name(v)}")
    return v


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _basic_eq(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple, dict)) or isinstance(b, (list, tuple, dict)):  # Go: not Comparable
        raise CallError("invalid type for comparison")
    if _is_num(a) and _is_num(b):
        if isinstance(a, float) != isinstance(b, float):
            raise TemplateError("incompatible types for comparison")
        return a == b
    if type(a) is not type(b) and not (a is None or b is None):
        raise TemplateError("incompatible types for comparison")
    return a == b


def eq(a: Any, *bs: Any) -> bool:
    if not bs:
        raise TemplateError("missing argument for comparison")
    return any(_basic_eq(a, b) for b in bs)


def _lt(a: Any, b: Any) -> bool:
    if _is_num(a) and _is_num(b) and isinstance(a, float) == isinstance(b, float):
        return a < b
    if isinstance(a, str) and isinstance(b, str):
        return a.encode() < b.encode()
    raise TemplateError("incompatible types for comparison")


def index(item: Any, *keys: Any) -> Any:
    v = item
    for k in keys:
        if isinstance(v, dict):
            if k in v:
                v = v[k]
            else:
                vals = list(v.values())
                v = "" if vals and all(isinstance(x, str) for x in vals) else ("" if not vals else None)
        elif isinstance(v, (list, str)):
            if not isinstance(k, int) or not 0 <= k < len(v):
                raise CallError(f"index out of range: {k}")
            v = v[k] if isinstance(v, list) else ord(v[k])
        elif v is None or v is MISSING:
            raise CallError("index of untyped nil")
        else:
            raise CallError(f"can't index item of type {type_name(v)}")
    return v


_VERB = re.compile(r"%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])")


def printf(fmt: str, *args: Any) -> str:
    out, ai = [], 0
    pos = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%":
            out.append("%")
            continue
        if ai >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        a = args[ai]
        ai += 1
        if verb in "vs":
            s = fmt_v(a) if verb == "v" or isinstance(a, str) else (
                fmt_v(a) if isinstance(a, (list, dict, GoStruct)) else f"%!s({type_name(a)}={fmt_v(a)})")
            if prec is not None and prec != "*" and verb == "s":
                s = s[:int(prec)]
        elif verb == "q":
            s = json.dumps(_s(a), ensure_ascii=False) if isinstance(a, str) else f"%!q({type_name(a)}={fmt_v(a)})"
        elif verb == "d":
            s = str(a) if isinstance(a, int) and not isinstance(a, bool) else f"%!d({type_name(a)}={fmt_v(a)})"
        elif verb == "t":
            s = fmt_v(a) if isinstance(a, bool) else f"%!t({type_name(a)}={fmt_v(a)})"
        elif verb in "xX":
            if isinstance(a, str):
                s = a.encode().hex()
            elif isinstance(a, int):
                s = format(a, "x")
            else:
                s = f"%!{verb}({type_name(a)}={fmt_v(a)})"
            s = s.upper() if verb == "X" else s
        elif verb in "feEgG":
            if _is_num(a):
                p = need(int(prec), "printf precision") if prec not in (None, "*") else (6 if verb in "feE" else -1)
                s = format(float(a), f".{p}{verb}") if p >= 0 else fmt_v(float(a))
            else:
                s = f"%!{verb}({type_name(a)}={fmt_v(a)})"
        elif verb == "c":
            valid = isinstance(a, int) and 0 <= a <= 0x10FFFF and not 0xD800 <= a <= 0xDFFF
            s = (chr(a) if valid else "\ufffd") if isinstance(a, int) else f"%!c({type_name(a)}={fmt_v(a)})"
        else:
            s = f"%!{verb}({type_name(a)}={fmt_v(a)})"
        if width and width != "*":
            w = need(int(width), "printf width")
            s = s.ljust(w) if "-" in flags else (s.rjust(w, "0") if "0" in flags and verb in "dfxX" else s.rjust(w))
        out.append(s)
    out.append(fmt[pos:])
    if ai < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{type_name(a)}={fmt_v(a)}" for a in args[ai:]) + ")")
    return "".join(out)


def _length(v: Any) -> int:
    if isinstance(v, (str, list, dict, tuple)):
        return len(v.encode()) if isinstance(v, str) else len(v)
    raise CallError(f"len of type {type_name(v)}")


def _empty(v: Any) -> bool:
    return not truth(v)


def _default(d: Any, *given: Any) -> Any:
    if not given or _empty(given[0]):
        return d
    return given[0]


def _trunc(n: int, s: Any) -> str:
    s = _s(s)
    if n < 0 and -n < len(s):
        return s[len(s) + n:]
    if n >= 0 and len(s) > n:
        return s[:n]
    return s


def _list(*a: Any) -> list:
    return list(a)


def _dict(*a: Any) -> dict:
    d = {}
    for i in range(0, len(a), 2):
        d[_s(a[i])] = a[i + 1] if i + 1 < len(a) else ""
    return d


def _to_list(v: Any, name: str) -> list:
    if isinstance(v, (list, tuple)):
        return list(v)
    raise TemplateError(f"Cannot find {name} on type {type_name(v)}")


def _json_size(x: Any, memo: dict) -> int:
    """Values the encoding would hold, shared lists counted each time they are used (memoised by id)."""
    if not isinstance(x, (GoStruct, dict, list, tuple)):
        return 1
    if id(x) not in memo:
        memo[id(x)] = 0  # a value that holds itself (Go would recurse for ever) counts as small here
        items = x.fields.values() if isinstance(x, GoStruct) else x.values() if isinstance(x, dict) else x
        memo[id(x)] = 1 + sum(_json_size(i, memo) for i in items)
        if memo[id(x)] > MAX_ITEMS:
            raise CallError("value is too large to encode")
    return memo[id(x)]


def _to_json(v: Any, indent: Any = None) -> str:
    _json_size(v, {})

    def conv(x: Any) -> Any:
        if isinstance(x, GoStruct):
            return {k: conv(val) for k, val in x.fields.items()}
        if isinstance(x, dict):
            return {fmt_v(k): conv(x[k]) for k in sort_keys(x)}
        if isinstance(x, (list, tuple)):
            return [conv(i) for i in x]
        if x is MISSING:
            return None
        return x
    return json.dumps(conv(v), indent=indent, separators=(",", ":") if indent is None else None, ensure_ascii=False)


def _slice(v: Any, *idx: Any) -> Any:
    if isinstance(v, str):
        raise TemplateError("slice: list should be type of slice or array but string found")
    lst = _to_list(v, "slice")
    if not idx:
        return lst
    if len(idx) == 1:
        return lst[idx[0]:]
    return lst[idx[0]:idx[1]]


def _split(sep: str, s: str) -> dict:
    return {f"_{i}": p for i, p in enumerate(_s(s).split(sep))}


def _title(s: Any) -> str:
    return re.sub(r"(^|[\s])([a-z])", lambda m: m.group(1) + m.group(2).upper(), _s(s))


def _unsupported(name: str) -> Callable:
    def fn(*a: Any) -> Any:
        raise TemplateError(f"sprig function {name!r} is available in Flux but not supported by kubectl-imagewatch")
    return fn


def _dict_arg(d: Any) -> dict:
    """sprig's dict functions take map[string]interface{}; Go refuses anything else."""
    if not isinstance(d, dict) or isinstance(d, StrMap):
        raise TemplateError(f"wrong type for value; expected map[string]interface {{}}; got {type_name(d)}")
    return d


def _fail(msg: str) -> Any:
    raise TemplateError(msg)


FUNCS: dict[str, Callable[..., Any]] = {
    # text/template builtins
    "and": lambda *a: a[-1], "or": lambda *a: a[-1], "not": lambda v: not truth(v),
    "len": _length, "index": index, "slice": _slice,
    "print": sprint, "println": sprintln, "printf": printf,
    "html": lambda *a: _html.escape(sprint(*a)).replace("&#x27;", "&#39;"),
    "js": lambda *a: json.dumps(sprint(*a))[1:-1].replace("'", "\\'").replace("<", "\\u003C").replace(">", "\\u003E"),
    "urlquery": lambda *a: urllib.parse.quote_plus(sprint(*a)),
    "call": lambda f, *a: f(*a),
    "eq": eq, "ne": lambda a, b: not _basic_eq(a, b), "lt": _lt, "le": lambda a, b: _lt(a, b) or _basic_eq(a, b),
    "gt": lambda a, b: _lt(b, a), "ge": lambda a, b: _lt(b, a) or _basic_eq(a, b),
    # sprig strings
    "trim": lambda s: _s(s).strip(), "trimAll": lambda c, s: _s(s).strip(c), "trimall": lambda c, s: _s(s).strip(c),
    "trimPrefix": lambda p, s: _s(s)[len(p):] if _s(s).startswith(p) else _s(s),
    "trimSuffix": lambda p, s: _s(s)[:-len(p)] if p and _s(s).endswith(p) else _s(s),
    "upper": lambda s: _s(s).upper(), "lower": lambda s: _s(s).lower(), "title": _title,
    "untitle": lambda s: re.sub(r"(^|\s)([A-Z])", lambda m: m.group(1) + m.group(2).lower(), _s(s)),
    "substr": lambda a, b, s: _s(s)[a:b] if b >= 0 else _s(s)[a:],
    "nospace": lambda s: re.sub(r"\s", "", _s(s)), "trunc": _trunc,
    "abbrev": lambda w, s: _s(s) if len(_s(s)) <= w else _s(s)[:max(w - 3, 0)] + "...",
    "initials": lambda s: "".join(w[0] for w in _s(s).split()),
    "contains": lambda sub, s: _need_str(sub, "contains") in _need_str(s, "contains"),
    "hasPrefix": lambda p, s: _s(s).startswith(p), "hasSuffix": lambda p, s: _s(s).endswith(p),
    "quote": lambda *a: " ".join(json.dumps(_s(x), ensure_ascii=False) for x in a if x is not None),
    "squote": lambda *a: " ".join(f"'{_s(x)}'" for x in a if x is not None),
    "cat": lambda *a: " ".join(_s(x) for x in a if x is not None),
    "plural": lambda one, many, n: one if n == 1 else many,
    "wrap": lambda n, s: _s(s),
    "toString": _s, "toStrings": lambda v: [_s(x) for x in _to_list(v, "toStrings")],
    "join": lambda sep, v: sep.join(_s(x) for x in (v if isinstance(v, (list, tuple)) else [v])),
    "split": _split, "splitList": lambda sep, s: _s(s).split(sep),
    "sortAlpha": lambda v: sorted(_s(x) for x in _to_list(v, "sortAlpha")),
    "snakecase": lambda s: re.sub(r"(?<!^)(?=[A-Z])", "_", _s(s)).lower().replace("-", "_"),
    "kebabcase": lambda s: re.sub(r"(?<!^)(?=[A-Z])", "-", _s(s)).lower().replace("_", "-"),
    "camelcase": lambda s: "".join(w[:1].upper() + w[1:] for w in re.split(r"[_\s-]+", _s(s))),
    "swapcase": lambda s: _s(s).swapcase(),
    # defaults and logic
    "default": _default, "empty": _empty, "ternary": lambda a, b, c: a if truth(c) else b,
    "coalesce": lambda *a: next((x for x in a if truth(x)), None),
    "all": lambda *a: all(truth(x) for x in a), "any": lambda *a: any(truth(x) for x in a),
    "fail": _fail,
    # lists and dicts
    "list": _list, "tuple": _list, "dict": _dict,
    "get": lambda d, k: _dict_arg(d).get(k, ""),
    "set": lambda d, k, v: _dict_arg(d).update({k: v}) or d, "unset": lambda d, k: (_dict_arg(d).pop(k, None), d)[1],
    "hasKey": lambda d, k: k in _dict_arg(d),
    "keys": lambda *ds: [k for d in ds for k in _dict_arg(d)], "values": lambda d: list(_dict_arg(d).values()),
    "pick": lambda d, *ks: {k: d[k] for k in ks if k in _dict_arg(d)},
    "omit": lambda d, *ks: {k: v for k, v in _dict_arg(d).items() if k not in ks},
    "first": lambda v: (_to_list(v, "first") or [None])[0], "last": lambda v: (_to_list(v, "last") or [None])[-1],
    "rest": lambda v: _to_list(v, "rest")[1:], "initial": lambda v: _to_list(v, "initial")[:-1],
    "compact": lambda v: [x for x in _to_list(v, "compact") if truth(x)],
    "reverse": lambda v: _to_list(v, "reverse")[::-1],
    "has": lambda x, v: any(deep_equal(x, i) for i in _to_list(v, "has")),
    # numbers
    "float64": lambda v: float(_s(v)) if not _is_num(v) else float(v),
    # encodings and hashes
    "b64enc": lambda s: base64.b64encode(_s(s).encode()).decode(),
    "b64dec": lambda s: base64.b64decode(_s(s).encode()).decode("utf-8", "replace"),
    "b32enc": lambda s: base64.b32encode(_s(s).encode()).decode(),
    "b32dec": lambda s: base64.b32decode(_s(s).encode()).decode("utf-8", "replace"),
    "sha1sum": lambda s: hashlib.sha1(_s(s).encode()).hexdigest(),
    "sha256sum": lambda s: hashlib.sha256(_s(s).encode()).hexdigest(),
    "adler32sum": lambda s: str(zlib.adler32(_s(s).encode())),
    "toJson": _to_json, "toRawJson": _to_json, "toPrettyJson": lambda v: _to_json(v, 2),
    "fromJson": lambda s: json.loads(_s(s)) if _s(s) else {},
    # paths
    "base": lambda s: os.path.basename(_s(s).rstrip("/")) or ("/" if _s(s).startswith("/") else "."),
    "dir": lambda s: os.path.dirname(_s(s)) or ".", "ext": lambda s: os.path.splitext(_s(s))[1],
    "clean": lambda s: os.path.normpath(_s(s)) if _s(s) else ".", "isAbs": lambda s: _s(s).startswith("/"),
    "typeOf": type_name, "kindOf": lambda v: {"string": "string", "bool": "bool",
                                             "float64": "float64"}.get(type_name(v), "struct" if isinstance(v, GoStruct) else
                                                                    "slice" if isinstance(v, list) else "map"),
    "deepEqual": deep_equal,
}

FUNCS.update(REGEX_FUNCS)
FUNCS.update(BUILDERS)
for _name in FLUX_FUNCS:
    FUNCS.setdefault(_name, _unsupported(_name))
for _name in list(FUNCS):
    if _name not in FLUX_FUNCS:
        del FUNCS[_name]
