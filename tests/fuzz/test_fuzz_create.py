"""create image ... --export / --append-to with hypothesis-generated arguments.

Oracle: exit 0/1/2 and no traceback; on exit 0 the output is exactly one YAML document of the
requested kind whose name, namespace, labels and every given string value read back exactly as
given (no injected documents or keys, no folded templates); --append-to keeps the file's previous
documents byte for byte.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import event, given, strategies as st

from tests.fuzz import gen, harness
from tests.fuzz.conftest import examples

NASTY = ["", "-", "--", "---", "...", "a\nb", "app\nkind: Secret", "x: y", "# c", "&a", "*a", "!!str", "{", "[",
         "'", '"', "\\", "\t", "\r", "\x00", "\x1b[2J", "\u2028", "\ud800", "é", "a" * 300, "A", "a.b", "a-b", "1",
         "true", "null", "~", "0x1F", "1e3", "@", "`", "%", "|", ">", "?", ":", ", ", "=", "a=b", "a,b", "key=\nv"]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                 st.text(alphabet="abc-.:=,\n\t #'\"{}[]&*!|>%@`\\", max_size=30),
                 st.from_regex(r"[a-z0-9]([-a-z0-9.]{0,20}[a-z0-9])?", fullmatch=True))
dns = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,15}[a-z0-9])?", fullmatch=True)
name_ = st.one_of(dns, dns, dns, text)  # mostly valid, so the output path runs too
image_ = st.one_of(st.sampled_from(["ghcr.io/acme/app", "docker.io/library/nginx", "localhost:5000/a/b-c"]),
                   dns, text)
key_ = st.one_of(st.from_regex(r"([a-z0-9.]{1,10}/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,10}[a-zA-Z0-9])?", fullmatch=True),
                 st.from_regex(r"[a-z]{1,5}", fullmatch=True), text)
value_ = st.one_of(st.from_regex(r"[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,10}[a-zA-Z0-9])?", fullmatch=True),
                   st.sampled_from(["true", "1", "null", "~", "0x1F", "1e3", "y", "no"]), text)
labels = st.lists(st.tuples(key_, value_), max_size=3).map(lambda kv: ",".join(f"{k}={v}" for k, v in kv))
templates = st.one_of(text, st.sampled_from(gen.TEMPLATE_SEEDS), st.randoms(use_true_random=False).map(gen.template))


def read_back(out: str) -> list[Any]:
    """PyYAML's YAML 1.1 reading (as go-yaml v2 in kubectl), minus its `=` value type no Go parser has."""
    import yaml

    class Loader(yaml.SafeLoader):
        yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:value"]
                                   for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return list(yaml.load_all(out, Loader=Loader))


def check(o: harness.Outcome, kind: str, want: dict[str, str]) -> None:
    event(f"exit {o.code}" + (" " + o.err.strip().split(":")[1][:40] if o.code == 2 and ":" in o.err else ""))
    harness.assert_clean(o, "create")
    if o.code != 0:
        return
    docs = [d for d in read_back(o.out) if d is not None]
    assert len(docs) == 1, f"{len(docs)} documents\n{o.describe()}"
    doc = docs[0]
    assert doc["kind"] == kind, o.describe()
    flat = _strings(doc)
    for what, value in want.items():
        if value:  # an empty value means "not set"
            assert value in flat, f"{what} {value!r} does not read back (have {sorted(flat)[:20]})\n{o.describe()}"


def _strings(node: Any, out: set | None = None) -> set:
    out = set() if out is None else out
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(str(k))
            _strings(v, out)
    elif isinstance(node, list):
        for v in node:
            _strings(v, out)
    elif node is not None:
        out.add(node if isinstance(node, str) else str(node))
    return out


def _label_values(spec: str) -> dict[str, str]:
    return {f"label {k}": v for k, v in (p.split("=", 1) for p in spec.split(",") if "=" in p) if k and v}


def drawer(data: Any, fields: list[str]) -> Any:
    """Draw each field from its valid strategy, except one field (or none, or all) from hostile text."""
    bad = data.draw(st.sampled_from([None, None, "*"] + fields), label="hostile field")

    def draw(field: str, valid: Any) -> Any:
        return data.draw(text if bad in (field, "*") else valid, label=field)
    return draw


@examples(100)
@given(data=st.data())
def test_create_repository(data: Any) -> None:
    draw = drawer(data, ["name", "ns", "image", "label", "excl", "timeout"])
    name, ns, image = draw("name", dns), draw("ns", dns), draw("image", image_)
    label = data.draw(labels) if draw("label", st.booleans()) is True else ""
    excl = [draw("excl", st.sampled_from(gen.mutate.PATTERNS[:6])) for _ in range(data.draw(st.integers(0, 2)))]
    timeout = draw("timeout", st.sampled_from(["", "30s", "1m30s"]))
    args = ["create", "image", "repository", name, "--image", image, "-n", ns, "--export"]
    if label:
        args += ["--label", label]
    for e in excl:
        args += ["--exclusion-list", e]
    if timeout:
        args += ["--timeout", timeout]
    o = harness.run(args, tempfile.gettempdir())
    check(o, "ImageRepository", {"name": name, "image": image, **{f"exclusion {e}": e for e in excl},
                                 **_label_values(label)})


@examples(100)
@given(data=st.data())
def test_create_policy(data: Any) -> None:
    draw = drawer(data, ["name", "ref", "select", "regex", "extract"])
    name, ref = draw("name", dns), draw("ref", dns)
    choice = data.draw(st.sampled_from(["semver", "alpha", "numeric"]))
    select = draw("select", st.sampled_from(gen.mutate.RANGES[:8]) if choice == "semver" else
                  st.sampled_from(["asc", "desc"]))
    regex = draw("regex", st.sampled_from(["", "^v(?P<version>.*)$", "^[0-9]+$"]))
    extract = draw("extract", st.sampled_from(["", "$version", "${1}"])) if regex else ""
    label = data.draw(labels)
    args = ["create", "image", "policy", name, "--image-ref", ref, "--export", f"--select-{choice}", select]
    if regex:
        args += ["--filter-regex", regex]
    if extract:
        args += ["--filter-extract", extract]
    if label:
        args += ["--label", label]
    o = harness.run(args, tempfile.gettempdir())
    want = {"name": name, "ref": ref, **_label_values(label)}
    if regex:
        want["pattern"] = regex
    check(o, "ImagePolicy", want)


@examples(100)
@given(data=st.data())
def test_create_update(data: Any) -> None:
    draw = drawer(data, ["name", "branch", "path", "author"])
    name, branch = draw("name", dns), draw("branch", dns)
    path = draw("path", st.sampled_from(["", "./apps", "clusters/prod"]))
    author = draw("author", st.sampled_from(["bot", "Flux Bot", "é"]))
    template = data.draw(templates, label="template")
    label, append = data.draw(labels), data.draw(st.booleans())
    args = ["create", "image", "update", name, "--git-repo-ref", "fleet", "--checkout-branch", branch,
            "--author-name", author, "--author-email", "bot@example.com", "--commit-template", template]
    if path:
        args += ["--git-repo-path", path]
    if label:
        args += ["--label", label]
    want = {"name": name, "template": template, "author": author, "branch": branch, **_label_values(label)}
    if not append:
        o = harness.run(args + ["--export"], tempfile.gettempdir())
        check(o, "ImageUpdateAutomation", want)
        return
    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / "out.yaml"
        before = b"# keep me\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n"
        target.write_bytes(before)
        o = harness.run(args + ["--append-to", str(target)], d)
        event(f"exit {o.code}")
        harness.assert_clean(o, "create --append-to")
        after = target.read_bytes()
        assert after.startswith(before), f"--append-to changed what was there\n{o.describe()}"
        if o.code == 0:
            docs = [x for x in read_back(after.decode()) if x is not None]
            assert [x["kind"] for x in docs] == ["ConfigMap", "ImageUpdateAutomation"], (docs, o.describe())
            flat = _strings(docs[1])
            for what, value in want.items():
                assert not value or value in flat, f"{what} {value!r} does not read back\n{o.describe()}"
        else:
            assert after == before, f"exit {o.code} but the file changed\n{o.describe()}"
