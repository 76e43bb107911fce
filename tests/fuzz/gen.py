"""Seeded generators for structured inputs: Go commit templates, registry tag lists, ImagePolicy specs,
tags files. Seeds come from the project's own tables (policy cases, template tests) and the review's
hostile shapes; everything is bounded in size."""
from __future__ import annotations

import ast
import json
import random
from pathlib import Path
from typing import Any

from tests.fuzz import mutate

ROOT = Path(__file__).resolve().parents[2]


def _load_policy_cases() -> list[dict]:
    out = []
    for name in ("policy-cases.json", "policy-cases-random.json"):
        p = ROOT / "tests" / "cases" / "policy" / name
        if p.exists():
            out += json.loads(p.read_text())
    return out


def _template_literals() -> list[str]:
    """Every string constant holding `{{` in the template tests: the suite's own template corpus."""
    out: list[str] = []
    for rel in ("tests/unit/test_template.py", "tests/unit/test_hostile_inputs.py",
                "tests/oracle/test_template_oracle.py"):
        p = ROOT / rel
        if not p.exists():
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "{{" in node.value:
                if len(node.value) < 4000:
                    out.append(node.value)
    return sorted(set(out))


POLICY_CASES = _load_policy_cases()
TEMPLATE_SEEDS = _template_literals() + mutate.TEMPLATES

# ---- tags ------------------------------------------------------------------------------------------

HOSTILE_TAGS = ["", " ", "latest", "v", "1", "01.2.3", "1.2.3.4", "1.0.0-", "1.0.0+", "1.0.0-rc.01",
                "9" * 400 + ".0.0", "1." + "0" * 300 + ".0", "\ud800", "2.0.0\x1b]0;owned\x07",
                "3.0.0\nImagePolicy flux-system/app\n  latest: evil/app:6.6.6", "1.0.0\r", "\t1.0.0",
                "é.1.0", "1.0.0-" + "a." * 100 + "b", "z" * 5000, "-1", "1e999", "NaN", "0x10", "+1.0.0",
                "v1.0.0-rc.1+build.5", "sha256-" + "0" * 64 + ".sig", "main-abc1234-1700000000", "RELEASE.2024"]


def tag(rng: random.Random) -> str:
    k = rng.randrange(10)
    if k == 0:
        return rng.choice(HOSTILE_TAGS)
    if k < 4:
        parts = [str(rng.choice([0, 1, 2, 9, 10, 11, 99, rng.randrange(10**6)])) for _ in range(rng.choice([1, 2, 3, 3, 3, 4]))]
        t = rng.choice(["", "", "v", "V"]) + ".".join(parts)
        if rng.random() < 0.3:
            t += "-" + rng.choice(["rc.1", "alpha", "beta.2", "0", "SNAPSHOT", "rc1", "x.Y.0"])
        if rng.random() < 0.1:
            t += "+" + rng.choice(["build.1", "sha.abc", "001"])
        return t
    if k < 6:
        return f"{rng.choice(['main', 'dev', 'release'])}-{rng.randrange(16**7):07x}-{rng.randrange(1_600_000_000, 1_800_000_000)}"
    if k < 8:
        return str(rng.choice([rng.randrange(10**4), rng.randrange(10**12), rng.random() * 100]))
    if POLICY_CASES:
        return rng.choice(rng.choice(POLICY_CASES).get("tags") or ["1.0.0"])
    return "1.0.0"


def tags(rng: random.Random) -> list[str]:
    if POLICY_CASES and rng.random() < 0.4:
        base = list(rng.choice(POLICY_CASES).get("tags") or [])
    else:
        base = []
    n = rng.choice([0, 1, 2, 5, 10, 30, 100, 1000 if rng.random() < 0.2 else 3])
    return base + [tag(rng) for _ in range(n)]


# ---- policies --------------------------------------------------------------------------------------

def policy_spec(rng: random.Random) -> dict:
    """An ImagePolicy spec (without imageRepositoryRef): a case's policy, a random one, or a mutation."""
    if POLICY_CASES and rng.random() < 0.4:
        spec = json.loads(json.dumps(rng.choice(POLICY_CASES)["policy"]))
        if "policy" not in spec:
            spec = {"policy": spec}
    else:
        kind = rng.choice(["semver", "alphabetical", "numerical", "semver", "bogus"])
        if kind == "semver":
            pol: Any = {"range": rng.choice(mutate.RANGES)}
        elif kind == "bogus":
            pol = mutate.pick(rng, mutate.TYPE_CONFUSION)
        else:
            pol = {"order": rng.choice(mutate.FIELDS["order"])}
        spec = {"policy": {kind: pol}}
        if rng.random() < 0.5:
            spec["filterTags"] = {"pattern": rng.choice(mutate.PATTERNS)}
            if rng.random() < 0.6:
                spec["filterTags"]["extract"] = rng.choice(mutate.EXTRACTS)
        if rng.random() < 0.15:
            spec["digestReflectionPolicy"] = rng.choice(mutate.FIELDS["digestReflectionPolicy"])
            if rng.random() < 0.5:
                spec["interval"] = rng.choice(mutate.DURATIONS)
    if rng.random() < 0.2:
        spec = mutate.mutate_tree(rng, [spec])[0]
    return spec if isinstance(spec, dict) else {"policy": spec}


# ---- templates -------------------------------------------------------------------------------------

FIELDS = [".", ".Changed", ".Changed.Changes", ".Changed.FileChanges", ".Changed.ImageResult", ".AutomationObject",
          ".AutomationObject.Name", ".AutomationObject.Namespace", ".Updated", ".Updated.Images", ".Updated.Files",
          ".Updated.Objects", ".Values", ".Nope", ".Changed.Changes.X", "$", "$x", "$i", "$e", ".OldValue",
          ".NewValue", ".Setter", ".Name", ".Identifier", ".Repository", ".Registry"]
LITERALS = ['"x"', '"1.0.0"', '""', "`raw`", "0", "1", "-1", "3", "40", "1000000", "9223372036854775807",
            "9223372036854775808", "1.5", "1e3", "0x1F", "'a'", "true", "false", "nil", '"\\u00e9"', '"(a+)+$"',
            '"a*"', '"%d %s %v %q %x %5.2f %-10s %T %%"', '"%0999999999d"', '"[\\\\d]+"', '"\\\\"', '","']


def _funcs() -> list[str]:
    try:
        from kubectl_imagewatch.golang.template.funcs import FUNCS

        return sorted(FUNCS) + ["nosuchfunc", "env", "include", "tpl"]
    except ImportError:
        return ["printf", "len", "index", "upper", "repeat", "until", "seq", "regexSplit"]


FUNC_NAMES = _funcs()


def _operand(rng: random.Random, depth: int) -> str:
    k = rng.random()
    if k < 0.35:
        return rng.choice(FIELDS)
    if k < 0.7 or depth > 2:
        return rng.choice(LITERALS)
    return "(" + _pipeline(rng, depth + 1) + ")"


def _pipeline(rng: random.Random, depth: int = 0) -> str:
    cmds = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if rng.random() < 0.6:
            cmds.append(" ".join([rng.choice(FUNC_NAMES)] + [_operand(rng, depth) for _ in range(rng.randrange(4))]))
        else:
            cmds.append(_operand(rng, depth))
    p = " | ".join(cmds)
    if rng.random() < 0.15:
        p = rng.choice(["$x := ", "$x = ", "$i, $e := "]) + p
    return p


def _action(rng: random.Random, depth: int) -> str:
    lt, rt = rng.choice(["{{", "{{", "{{- "]), rng.choice(["}}", "}}", " -}}"])
    k = rng.random()
    if k < 0.5 or depth > 3:
        return f"{lt} {_pipeline(rng)} {rt}"
    body = "".join(_node(rng, depth + 1) for _ in range(rng.randrange(3)))
    word = rng.choice(["range", "if", "with", "range", "block \"b\"", "define \"d\""])
    if word.startswith("define"):
        return f"{lt}{word}{rt}{body}{{{{end}}}}{{{{template \"d\" .}}}}"
    mid = f"{{{{else}}}}{_node(rng, depth + 1)}" if rng.random() < 0.3 else ""
    if word == "range" and rng.random() < 0.2:
        mid += "{{break}}" if rng.random() < 0.5 else "{{continue}}"
    return f"{lt}{word} {_pipeline(rng)}{rt}{body}{mid}{{{{end}}}}"


def _node(rng: random.Random, depth: int = 0) -> str:
    k = rng.random()
    if k < 0.3:
        return rng.choice(["Update ", "\n", "- ", "images: ", " -> ", "{{/* c */}}", "é", "\t", "}}", "{", ""])
    return _action(rng, depth)


def template(rng: random.Random) -> str:
    k = rng.random()
    if k < 0.3:
        t = rng.choice(TEMPLATE_SEEDS)
    else:
        t = "".join(_node(rng) for _ in range(rng.randint(1, 6)))
    if rng.random() < 0.3:  # character-level damage
        b = list(t)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(b) + 1)
            op = rng.randrange(3)
            if op == 0 and b:
                del b[min(pos, len(b) - 1)]
            elif op == 1:
                b.insert(pos, rng.choice(["{{", "}}", "(", ")", '"', "`", "|", "$", ".", " ", "-", "\\", "\n", "'"]))
            else:
                b[pos:pos] = list(rng.choice(TEMPLATE_SEEDS)[:40])
        t = "".join(b)
    return t[:20000]


# ---- tags files ------------------------------------------------------------------------------------

def tags_file(rng: random.Random, keys: list[str], per_key: dict[str, list[str]]) -> bytes:
    """A tags file in one of the accepted shapes (JSON, YAML, tag -> digest, tags.txt, a bare list),
    sometimes damaged."""
    shape = rng.randrange(7)
    data: Any
    if shape == 0:
        data = {k: {t: rng.choice([None, "sha256:" + "%064x" % rng.getrandbits(256), "", "bogus", 5, ["x"]])
                    for t in per_key[k]} for k in keys}
    elif shape == 1:
        data = sorted({t for k in keys for t in per_key[k]})
    elif shape == 2:
        text = "\n".join(t for k in keys for t in per_key[k]) + "\n"
        return text.encode("utf-8", "surrogatepass")
    else:
        data = {k: per_key[k] for k in keys}
        if rng.random() < 0.3:
            data[rng.choice(keys + ["*", "ghcr.io/acme/app0"])] = mutate.pick(rng, mutate.TYPE_CONFUSION)
    if shape in (3, 4) or rng.random() < 0.3:
        import yaml

        try:
            out = yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass")
        except Exception:
            out = json.dumps(data).encode()
    else:
        out = json.dumps(data, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if rng.random() < 0.25:
        out = mutate.bytes_mutation(rng, out) if rng.random() < 0.5 else \
            mutate.lines_mutation(rng, out.decode("utf-8", "replace")).encode("utf-8", "surrogatepass")
    return out


HOSTILE_TAG_FILES = {
    "deep-json": lambda: ("[" * 100000 + "]" * 100000).encode(),
    "deep-yaml": lambda: ("- " + "[" * 2000 + "]" * 2000).encode(),
    "bigint-yaml": lambda: ("- 1" + "0" * 4300).encode(),
    "surrogate-json": lambda: b'{"flux-system/app0": ["1.0.0", "\\ud800"]}',
    "escapes-json": lambda: b'{"flux-system/app0": ["1.0.0", "2.0.0\\u001b]0;owned\\u0007", "3.0.0\\nx"]}',
    "non-string-tags": lambda: b'{"flux-system/app0": [5, null, {"a": 1}, true, 1.5]}',
    "one-huge-tag": lambda: ("\n".join(f"1.0.{i}" for i in range(20000)) + "\n" + "z" * 100000 + "\n").encode(),
    "yaml-key-list": lambda: b"? [a, b]\n: [1.0.0]\n",
    "yaml-alias-bomb": lambda: b"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                               b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                               b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                               b"'*': *f\n",
    "many-docs": lambda: b"---\n- 1.0.0\n---\n- 2.0.0\n",
    "not-utf8": lambda: b"\xff\xfe1.0.0\n",
    "empty": lambda: b"",
    "nul": lambda: b"1.0.0\x00\n2.0.0\n",
}
