"""A seeded, bounded mutation engine over the project's own inputs (examples/, tests/cases/).

Three layers, picked at random per input: grammar-aware (parse the YAML, replace a node with a
hostile value of another type, drop or add Flux fields, dump), line-level (values, markers,
suppression comments, indentation, anchors, separators) and byte-level (flips, inserts, encodings,
truncation). Everything is driven by one `random.Random(seed)`, so a seed names an input.
"""
from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
SEED_DIRS = [ROOT / "examples", ROOT / "tests" / "cases"]
SEED_SUFFIXES = (".yaml", ".yml", ".json")


def seed_files() -> list[tuple[str, bytes]]:
    """(relative path, bytes) of every manifest-like file the project ships as an example or case."""
    out = []
    for d in SEED_DIRS:
        for p in sorted(d.rglob("*")):
            if p.is_file() and not p.is_symlink() and (p.suffix in SEED_SUFFIXES or p.name == "Kustomization"):
                data = p.read_bytes()
                if len(data) <= 64 << 10:
                    out.append((str(p.relative_to(ROOT)), data))
    return out


# ---- values a hostile repository, registry or user may write -------------------------------------

HUGE_INT = "1" + "0" * 4400
SCALARS = [
    "", "~", "null", "true", "no", "yes", "on", "0", "-1", "0x1F", "1e999", "-.inf", ".nan", HUGE_INT,
    "9223372036854775808", "'\\ud800'", '"\\ud800"', '"\\udfff\\ud800"', '"\\x00\\x1b[31m\\x07"', '"\\u202e"',
    "\"a\\nb\"", "'--mirror'", "--receive-pack=touch /tmp/x", "../../..", "/etc/passwd", "a" * 5000,
    "*undefined_alias", "&anchor x", "!!binary aGVsbG8=", "!!python/object:os.system x", "!custom tag",
    "!!int x", "!!float y", "!!timestamp 2001-12-14", "!!null x", "? complex", "[", "]", "{", "}", "{a: [}",
    "'unterminated", '"unterminated', "| \n", "> \n", "@reserved", "`backtick", "%percent", "#notacomment",
    "ghcr.io/acme/app:1.0.0", "ghcr.io/acme/app@sha256:" + "a" * 64, "UPPER/Case:Tag", "host:99999/x",
    "[1, 2, {a: b}]", "{matchLabels: [x]}", "{path: 5}", "[x]", "{}", "[]", "- x", ": x", "x: y: z",
    "日本語", "é" * 300, "\t", "\\", "$imagepolicy", '{"$imagepolicy": "flux-system:podinfo"}',
]
DURATIONS = ["1m", "30s", "1h30m", "-1s", "0", "", "1", "5 m", "1.5h", ".5s", "1µs", "1us", "9999999999h",
             "1" + "0" * 4400 + "s", "1e9h", "P1D", "1d", "1h" * 200, "NaNs", "+1s", "1ns"]
RANGES = [">=1.0.0", ">=1.0.0 <2.0.0", "~1", "^1.2.x", "1.0.0 - 2.0.0", ">=1.0.0 || <0.5", "*", "x", ">= v1",
          "!", "", ">=1.0.0-0", "<=" + "9" * 400, ">=1.0.0," * 300, "=1", "1.x.x", "~> 1.2", "^0.0.1-rc.1",
          ">=" + ".".join(["1"] * 500)]
PATTERNS = ["^v(?P<version>[0-9]+\\.[0-9]+\\.[0-9]+)$", "^main-[a-f0-9]+-(?P<ts>[0-9]+)", ".*", "", "(", "[",
            "(?=x)", "(a)\\1", "a++", "(?P<v>.*)(?P<v>.*)", "(?<name>x)", "(" * 1000 + ")" * 1000,
            "(" * 999 + ")" * 999, "a{1001}", "a{2,1}", "\\p{Greek}+", "(?i)V(?P<version>.*)", "[[:alpha:]]+",
            "\\Q.*\\E", "(a*)*$", "x" * 3000, "\\", "(?P<version>" * 50 + ")" * 50, "\\C", "\\z", "(?U)a+"]
EXTRACTS = ["$version", "${version}", "$1", "${1}", "$", "$$", "${", "${version", "$ts", "${0}", "$1x",
            "$" * 200, "${" + "a" * 500 + "}", "prefix-$version-suffix", ""]
TEMPLATES = [
    "Update {{ range .Changed.Changes }}{{ .OldValue }} -> {{ .NewValue }} {{ end }}",
    "{{ .AutomationObject.Name }} {{ range $f, $c := .Changed.FileChanges }}{{ $f }}{{ end }}",
    "{{ range .Updated.Images }}{{ .Name }}:{{ .Identifier }}{{ end }}", "{{", "}}", "{{ end }}", "{{ .", "",
    '{{ regexSplit "(a+)+$" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab" -1 }}', "{{ range 100000000 }}{{ end }}",
    '{{ printf "%0999999999d" 1 }}', '{{ repeat 1000000000 "x" }}', "{{ seq 9223372036854775807 }}",
    '{{ "\\q" }}', "{{ 'ab' }}", "{{ 0x1p99999 }}", "{{ if 1 }}" * 300 + "{{ end }}" * 300,
    "{{ $l := list 1 }}{{ range until 40 }}{{ $l = concat $l $l }}{{ end }}", '{{ add "1e999" }}',
    '{{ float64 "inf" | int }}', "{{ template \"x\" }}", "{{ define \"x\" }}{{ template \"x\" }}{{ end }}"
    "{{ template \"x\" }}", "{{ .__class__ }}", "{{ env \"HOME\" }}", '{{ "\\ud800" }}', "{{ toJson . }}",
    "{{ index . \"__dict__\" }}", "{{ call .AutomationObject }}", "{{ range $i, $e := . }}{{ $i }}{{ end }}",
]
REFSPECS = ["refs/heads/main:refs/heads/main", "--mirror", "-o", "+main", ":", "main:", ":refs/heads/x",
            "refs/heads/*:refs/heads/*", "--receive-pack=touch x", "--", "a..b", "main\nother", ""]
PATHS = ["./", "./apps", "apps", "../..", "/etc", "a/../../x", "", ".", "./apps/podinfo/deployment.yaml",
         "~", "\x00", "a" * 300, "./" * 200, ".git", "./.git/hooks"]

# field -> generator of hostile-but-plausible values (the schema, reference and marker checks reach these)
FIELDS: dict[str, list[Any]] = {
    "interval": DURATIONS, "timeout": DURATIONS, "range": RANGES, "pattern": PATTERNS, "extract": EXTRACTS,
    "messageTemplate": TEMPLATES, "refspec": REFSPECS, "path": PATHS,
    "image": ["ghcr.io/acme/app", "ghcr.io/acme/app:1.0", "x", "", "HTTP://h/x", "a" * 300, "h:0/x", "[::1]:5000/x",
              "localhost:5000/a/b/c/d/e/f", "docker.io/library/nginx@sha256:" + "0" * 64, "a//b", "-x"],
    "order": ["asc", "desc", "ASC", "", "sideways"],
    "digestReflectionPolicy": ["Always", "IfNotPresent", "Never", "Sometimes", ""],
    "branch": ["main", "", "--force", "refs/heads/main", "a..b", "main~1", "x" * 300, "@{-1}"],
    "namespace": ["flux-system", "", "UPPER", "a" * 300, "kube-system", "-x", "a.b", "*"],
    "name": ["podinfo", "", "UPPER", "a" * 300, "-x", "a/b", "a:b", "$imagepolicy"],
    "provider": ["generic", "aws", "azure", "gcp", "oci", ""],
    "strategy": ["Setters", "setters", "Kustomize", ""],
    "accessFrom": [{"namespaceSelectors": [{"matchLabels": {"a": "b"}}]}, {"namespaceSelectors": "x"}, [], None],
    "exclusionList": [["^.*\\.sig$"], ["("], "x", [1, None, ["x"]], ["(" * 1000 + ")" * 1000]],
    "matchLabels": [{"a": "b"}, ["x"], "x", {"a": ["b"]}, {"": ""}, {"a" * 300: "b"}],
    "matchExpressions": [[{"key": "a", "operator": "In", "values": ["b"]}], [{"operator": "Bogus"}], "x", [1]],
    "secretRef": [{"name": "regcred"}, "regcred", {"name": ["x"]}, {}],
    "sourceRef": [{"kind": "GitRepository", "name": "flux-system"}, {"kind": "Bucket"}, "x", {"name": 5}],
    "resources": [["a.yaml", "../b"], True, 5, [None, {"a": "b"}, ["x"]], "x", ["/etc/passwd"], ["http://x/y"]],
    "bases": [["../base"], 5, None],
    "namePrefix": ["x-", 5], "images": [[{"name": "x", "newTag": "1"}], "x", [5]],
    "apiVersion": ["image.toolkit.fluxcd.io/v1", "image.toolkit.fluxcd.io/v1beta2", "image.toolkit.fluxcd.io/v1beta1",
                   "image.toolkit.fluxcd.io/v1alpha1", "image.toolkit.fluxcd.io/v9", "v1", "", 5, None],
    "kind": ["ImageRepository", "ImagePolicy", "ImageUpdateAutomation", "GitRepository", "Kustomization", "Secret",
             "List", "", 5, None],
}
TYPE_CONFUSION: list[Any] = [None, True, 0, -1, 1.5, "", "x", [], [None], {}, {"a": None}, [[[]]], HUGE_INT,
                            "\ud800", {"$imagepolicy": "x"}, ["x"] * 3]

MARKERS = [
    '# {"$imagepolicy": "flux-system:podinfo"}', '# {"$imagepolicy": "flux-system:podinfo:tag"}',
    '# {"$imagepolicy": "flux-system:podinfo:name"}', '# {"$imagepolicy": "flux-system:podinfo:digest"}',
    '# {"$imagepolicy": "podinfo"}', '# {"$imagepolicy": ""}', '# {"$imagepolicy": 5}', '# {"$imagepolicy": null}',
    '# {"$imagepolicy": "a:b:c:d"}', '# {"$imagepolicy": "a:\\ud800"}', '# {"$imagepolicy": "x:y"} trailing',
    '# {"$imagepolicy": "flux-system:podinfo"} # imagewatch: disable', '# {$imagepolicy: flux-system:podinfo}',
    '# {"$imagepolicy": "flux-system:podinfo", "$imagepolicy": "x:y"}', '# {"$imagepolicy":',
    '# ' + "[" * 1000 + "]" * 1000 + ' $imagepolicy', '# {"$imagepolicy": "' + "a" * 5000 + ':b"}',
    '# {"$imagepolicy": "flux-system:podinfo"}' + "\x1b[2J", "# $imagepolicy", '# {"$imagepolicy": ["a:b"]}',
    '# {"$imagepolicy": "' + ":" * 300 + '"}', '# {"$imagepolicy": "flux-system:podinfo\\u0000"}',
]
DIRECTIVES = ["# imagewatch: disable", "# imagewatch: disable=IW404", "# imagewatch: disable-file",
              "# imagewatch: disable=", "# imagewatch: disable=IW999,,", "# imagewatch: disabel=IW404",
              "# imagewatch: disable-file=" + ",".join(["IW404"] * 500), "# imagewatch: disable=" + "x" * 5000]


def pick(rng: random.Random, seq: list) -> Any:
    """rng.choice, but a fresh copy: the pools hold lists and dicts the mutations edit in place."""
    return copy.deepcopy(rng.choice(seq))


def rand_value(rng: random.Random, depth: int = 0) -> Any:
    """A random YAML value of any type (bounded size and depth)."""
    k = rng.randrange(8 if depth < 3 else 4)
    if k == 0:
        return pick(rng, TYPE_CONFUSION)
    if k == 1:
        return rng.choice(SCALARS)
    if k == 2:
        f = rng.choice(list(FIELDS))
        return pick(rng, FIELDS[f])
    if k == 3:
        return rng.choice([rng.randint(-2**70, 2**70), rng.random() * 1e300, rng.choice(["a", "1.0.0", "v2"])])
    if k in (4, 5):
        return [rand_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(list(FIELDS) + ["spec", "metadata", "x"]): rand_value(rng, depth + 1)
            for _ in range(rng.randrange(4))}


# ---- grammar-aware mutation ------------------------------------------------------------------------

def _paths(node: Any, prefix: tuple = (), out: list | None = None, depth: int = 0) -> list:
    out = [] if out is None else out
    if depth > 12 or len(out) > 400:
        return out
    if isinstance(node, dict):
        for k, v in node.items():
            out.append(prefix + (k,))
            _paths(v, prefix + (k,), out, depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append(prefix + (i,))
            _paths(v, prefix + (i,), out, depth + 1)
    return out


def _get(node: Any, path: tuple) -> Any:
    for p in path:
        node = node[p]
    return node


def mutate_tree(rng: random.Random, docs: list) -> list:
    """Change 1-4 places in parsed documents: a value of another type, a Flux field's hostile value, a
    dropped key, an added field, a swapped subtree."""
    for _ in range(rng.randint(1, 4)):
        if not docs:
            docs.append({})
        i = rng.randrange(len(docs))
        paths = _paths(docs[i])
        if not paths:
            docs[i] = {"apiVersion": rng.choice(FIELDS["apiVersion"]), "kind": rng.choice(FIELDS["kind"]),
                       "spec": rand_value(rng)}
            continue
        path = rng.choice(paths)
        parent, key = _get(docs[i], path[:-1]), path[-1]
        op = rng.randrange(6)
        if op == 0 and isinstance(key, str) and key in FIELDS:
            parent[key] = pick(rng, FIELDS[key])
        elif op == 1:
            parent[key] = rand_value(rng)
        elif op == 2:
            del parent[key]
        elif op == 3 and isinstance(parent, dict):
            f = rng.choice(list(FIELDS))
            parent[f] = pick(rng, FIELDS[f])
        elif op == 4:
            other = rng.choice(paths)
            try:
                parent[key] = json.loads(json.dumps(_get(docs[i], other)))
            except (TypeError, ValueError, RecursionError):
                parent[key] = None
        else:
            parent[key] = pick(rng, TYPE_CONFUSION)
    return docs


def grammar(rng: random.Random, text: str) -> str | None:
    """Parse, mutate the data, dump it back (None when the seed does not parse)."""
    import yaml

    try:
        docs = [d for d in yaml.safe_load_all(text)]
    except Exception:
        return None
    docs = mutate_tree(rng, docs)
    try:
        if rng.random() < 0.3:
            return "".join("---\n" + json.dumps(d, ensure_ascii=rng.random() < 0.5) + "\n" for d in docs)
        return yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False, default_flow_style=rng.random() < 0.2)
    except Exception:
        return None


# ---- line-level mutation ---------------------------------------------------------------------------

_VALUE = re.compile(r"^(\s*(?:- )?[^#\s][^:#]*:\s)(.+?)(\s+#.*)?$")


def _line_op(rng: random.Random, lines: list[str]) -> None:
    if not lines:
        lines.append("")
    i = rng.randrange(len(lines))
    op = rng.randrange(13)
    m = _VALUE.match(lines[i])
    if op == 0 and m:  # a hostile value where a value was
        key = m.group(1).strip(" -:")
        pool = FIELDS.get(key)
        val = rng.choice(pool) if pool and rng.random() < 0.6 else rng.choice(SCALARS)
        if not isinstance(val, str):
            val = json.dumps(val)
        lines[i] = m.group(1) + (json.dumps(val) if rng.random() < 0.3 else val) + (m.group(3) or "")
    elif op == 1:  # a marker on a value line
        lines[i] = lines[i].split(" #")[0] + " " + rng.choice(MARKERS)
    elif op == 2:
        lines.insert(i, re.match(r"\s*", lines[i]).group(0) + rng.choice(DIRECTIVES))  # type: ignore[union-attr]
    elif op == 3:
        del lines[i]
    elif op == 4:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif op == 5:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 6:  # indentation
        lines[i] = " " * rng.choice([0, 1, 2, 3, 4, 8, 40]) + lines[i].lstrip(" ") if rng.random() < 0.8 \
            else "\t" + lines[i]
    elif op == 7:  # anchors and aliases
        lines[i] = lines[i].replace(": ", ": &a" + str(rng.randrange(3)) + " ", 1) if rng.random() < 0.5 \
            else re.sub(r": .*", ": *a" + str(rng.randrange(3)), lines[i], count=1)
    elif op == 8:
        lines.insert(i, rng.choice(["---", "...", "--- !!map", "%YAML 1.1", "%TAG ! tag:x,2000:", "--- |", "- ",
                                    "? ", "<<: *a0", "<<: {a: b}", "#", "\ufeff"]))
    elif op == 9 and m:  # flow collection instead of the value
        lines[i] = m.group(1) + rng.choice(["{", "["]) + m.group(2) + rng.choice(["}", "]", ""]) + (m.group(3) or "")
    elif op == 10:  # a document of another file's kind
        lines.insert(i, f"kind: {rng.choice(FIELDS['kind'])}")
    elif op == 11:  # long line
        lines[i] = lines[i] + " " + "x" * rng.choice([100, 5000, 70000])
    else:
        lines[i] = lines[i].upper() if rng.random() < 0.3 else lines[i][: rng.randrange(len(lines[i]) + 1)]


def lines_mutation(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 6)):
        _line_op(rng, lines)
    return "\n".join(lines)


# ---- byte-level mutation ---------------------------------------------------------------------------

def bytes_mutation(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(9)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(pos, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2:
            del b[pos:pos + rng.randint(1, 64)]
        elif op == 3:
            b[pos:pos] = rng.choice([b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\x85", b"\u2028",
                                     "\u2028".encode(), b"\xed\xa0\x80", b"\xc0\xaf", b"\t", b"\x1b[0m", b"\x0c"])
        elif op == 4:
            b = bytearray(data.decode("utf-8", "replace").encode(rng.choice(["utf-16", "utf-32", "latin-1"]),
                                                                      "replace"))
        elif op == 5:
            b = b.replace(b"\n", b"\r\n") if rng.random() < 0.5 else b.replace(b"\n", b"\r")
        elif op == 6:
            del b[pos:]
        elif op == 7:
            b[pos:pos] = rng.choice([b"{{", b"}}", b"${", b"$imagepolicy", b"toolkit.fluxcd.io", b"&a *a", b"!!"])
        else:
            b[pos:pos] = b[rng.randrange(len(b) + 1):][:rng.randint(1, 200)]
    return bytes(b)


def splice(rng: random.Random, a: bytes, b: bytes) -> bytes:
    return a[: rng.randrange(len(a) + 1)] + b[rng.randrange(len(b) + 1):]


def mutate(rng: random.Random, data: bytes, other: bytes = b"") -> bytes:
    """One mutated input from a seed file (and another seed to splice with)."""
    text = data.decode("utf-8", "replace")
    k = rng.random()
    if k < 0.35:
        out = grammar(rng, text)
        if out is not None:
            return out.encode("utf-8", "surrogatepass")
    if k < 0.75:
        return lines_mutation(rng, text).encode("utf-8", "surrogatepass")
    if k < 0.93:
        return bytes_mutation(rng, data)
    return splice(rng, data, other or data)


# ---- deliberately hostile shapes (the review's defects, reproducible by name) ---------------------

def _deep(open_: str, close: str, n: int, head: str = "kind: x.toolkit.fluxcd.io\nspec: ") -> bytes:
    return (head + open_ * n + close * n + "\n").encode()


def _bomb(levels: int, width: int) -> bytes:
    lines = ["a0: &a0 [x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return ("kind: ImagePolicy\napiVersion: image.toolkit.fluxcd.io/v1\n" + "\n".join(lines) + "\n").encode()


def _doc(kind: str, spec: str, api: str = "image.toolkit.fluxcd.io/v1", name: str = "x") -> str:
    return f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n{spec}"


HOSTILE_FILES: dict[str, Callable[[], bytes]] = {
    "flow-brackets-50000": lambda: _deep("[", "]", 50000),
    "flow-maps-40000": lambda: _deep("{a: ", "}", 40000),
    "block-seq-3000": lambda: ("kind: x.toolkit.fluxcd.io\nspec:\n" + "".join("  " * i + "-\n" for i in range(3000))
                               ).encode(),
    "marker-file-brackets-50000": lambda: _deep("[", "]", 50000, head='# "$imagepolicy"\nspec: '),
    "marker-json-1000": lambda: ('image: x:1 # ' + "[" * 1000 + "]" * 1000 + ' $imagepolicy\n').encode(),
    "marker-surrogate": lambda: b'image: x:1 # {"$imagepolicy": "a:\\ud800"}\n',
    "alias-bomb": lambda: _bomb(12, 9),
    "billion-laughs-keys": lambda: b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                                   b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                                   b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: {*e: *e}\nkind: ImagePolicy\n",
    "duration-4400-digits": lambda: _doc("ImageRepository", f"  image: x\n  interval: 1{'0' * 4400}s\n").encode(),
    "automation-path-list": lambda: _doc("ImageUpdateAutomation", "  update: {path: [x]}\n").encode(),
    "automation-path-int": lambda: _doc("ImageUpdateAutomation", "  update: {path: 5}\n").encode(),
    "selector-list": lambda: _doc("ImageUpdateAutomation", "  policySelector: {matchLabels: [x]}\n").encode(),
    "refspec-mirror": lambda: _doc("ImageUpdateAutomation",
                                   "  sourceRef: {kind: GitRepository, name: r}\n  git:\n    push:\n"
                                   "      branch: main\n      refspec: --mirror\n").encode(),
    "pattern-2000-groups": lambda: _doc("ImagePolicy", "  imageRepositoryRef: {name: x}\n  filterTags:\n"
                                        f"    pattern: '{'(' * 2000}{')' * 2000}'\n"
                                        "  policy: {alphabetical: {order: asc}}\n").encode(),
    "template-parse-bombs": lambda: "".join(
        "---\n" + _doc("ImageUpdateAutomation", "  git:\n    commit:\n      messageTemplate: " + json.dumps(t) + "\n",
                       name=f"t{i}") for i, t in enumerate(TEMPLATES)).encode(),
    "malformed-secrets": lambda: (
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s1, namespace: flux-system}\ndata: not-a-mapping\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s2, namespace: flux-system}\n"
        "type: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: '[1]', ca.crt: not a pem}\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s3, namespace: flux-system}\n"
        "data: {.dockerconfigjson: 5, proxy: '::::'}\n---\n"
        + _doc("ImageRepository", "  image: 127.0.0.1:1/app\n  secretRef: {name: s1}\n  certSecretRef: {name: s2}\n"
               "  proxySecretRef: {name: s3}\n")).encode(),
    "lone-surrogates": lambda: _doc("ImagePolicy", '  imageRepositoryRef: {name: "\\ud800"}\n'
                                    '  policy: {semver: {range: "\\udfff"}}\n', name='"\\ud800"').encode(),
    "terminal-escapes": lambda: _doc("ImageRepository", '  image: "ghcr.io/x\\e]0;owned\\a\\e[2J"\n').encode(),
    "nul-bytes": lambda: b"kind: ImagePolicy\x00\nspec: {a: \x00}\n",
    "utf16": lambda: _doc("ImagePolicy", "  x: y\n").encode("utf-16"),
    "many-documents": lambda: ("---\n" * 20000 + _doc("ImagePolicy", "  x: y\n")).encode(),
    "long-line": lambda: ("kind: ImagePolicy\nspec: {a: " + "x" * 2_000_000 + "}\n").encode(),
    "many-keys": lambda: ("kind: ImagePolicy\nspec:\n" + "".join(f"  k{i}: {i}\n" for i in range(60000))).encode(),
    "kustomization-resources-true": lambda: b"namespace: apps\nresources: true\n",
    "kustomization-deep": lambda: ("resources: " + "[" * 1000 + "]" * 1000 + "\n").encode(),
    "kustomization-odd": lambda: b"namespace: [x]\nresources: [null, 5, {a: b}, [x], ../../../../etc]\nbases: 7\n"
                                 b"images: x\ncomponents: {a: b}\n",
}
SLOW_HOSTILE = {"flow-brackets-50000", "marker-file-brackets-50000", "kustomization-deep", "alias-bomb", "many-documents"}
