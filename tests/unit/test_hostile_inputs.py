"""Hostile inputs from the fuzzing review: each is a clean error (or Go's answer), never a crash or hang.

Tables: templates (parse errors, run-time errors, allocation bombs), Go find-all/replace/split,
YAML nesting, kustomization shapes, tags files, durations, marker JSON, lone surrogates.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kubectl_imagewatch.errors import InputError
from kubectl_imagewatch.golang import regexp, template
from kubectl_imagewatch.golang.duration import DurationError, parse as parse_duration
from kubectl_imagewatch.flux.markers import parse_comment
from kubectl_imagewatch.manifests import loader
from kubectl_imagewatch.reflector import tagfile

# (template, expected error text fragment) — Go's words where Go has them
TEMPLATE_ERRORS = [
    ('{{ "\\q" }}', "template: commit message:1: invalid syntax"),
    ("{{ 'ab' }}", "template: commit message:1: malformed character constant: 'ab'"),
    ("{{ 0x1p99999 }}", 'template: commit message:1: illegal number syntax: "0x1p99999"'),
    ('{{ "\\U7fffffff" }}', "template: commit message:1: invalid syntax"),
    ('{{ "\\ud800" }}', "template: commit message:1: invalid syntax"),
    ("{{ if 1 }}" * 300 + "{{ end }}" * 300, "nests more than"),  # the limit is 200 (3000: tests/slow)
    ("{{" + "(" * 300 + "1" + ")" * 300 + "}}", "nests more than"),
    ('{{ regexSplit "(" "x" -1 }}', 'template: commit message:1:3: executing "commit message" at '
     '<regexSplit "(" "x" -1>: error calling regexSplit: regexp: Compile(`(`): error parsing regexp: '
     'missing closing ): `(`'),
    ('{{ mustRegexFindAll "(" "x" -1 }}', "error calling mustRegexFindAll: error parsing regexp: missing closing ): `(`"),
    ('{{template "x"}}', 'template: commit message:1:11: executing "commit message" at <{{template "x"}}>: '
     'template "x" not defined'),
    ("ab {{ .A.B }}", 'template: commit message:1:8: executing "commit message" at <.A.B>: can\'t evaluate field B'),
    ("x\n  {{ index 1 2 }}", 'template: commit message:2:5: executing "commit message" at <index 1 2>: '
     "error calling index: can't index item of type int"),
    ("{{ div 1 0 }}", "error calling div: runtime error: integer divide by zero"),
    # allocation bombs: refused before allocating
    ("{{ range 100000000 }}{{ end }}", "template runs too long"),
    ("{{ range until 100000000 }}{{ end }}", "error calling until"),
    ('{{ printf "%0999999999d" 1 }}', "error calling printf"),
    ("{{ $l := list 1 }}{{ range until 40 }}{{ $l = concat $l $l }}{{ end }}", "error calling concat"),
    ('{{ repeat 1000000000 "xx" }}', "error calling repeat"),
    ('{{ repeat 9223372036854775808 "x" }}', "error calling repeat"),
    ("{{ seq 9223372036854775807 }}", "error calling seq"),
    ('{{ indent 1000000000 "x" }}', "error calling indent"),
    ('{{ replace "" "xxxxxxxxxx" (repeat 500000 "a") }}', "error calling replace"),
    ("{{ $l := list 1 }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ $l }}", "too large to print"),
    ("{{ $l := list 1 }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ toJson $l }}", "too large to encode"),
    ("{{ $l := list }}{{ range until 300000 }}{{ $l = append $l 1 }}{{ end }}", "the template built more than"),
    ("{{ uniq (until 1000000) }}", "error calling uniq"),
]


@pytest.mark.parametrize("src,want", TEMPLATE_ERRORS, ids=[f"e{i:02d}" for i in range(len(TEMPLATE_ERRORS))])
def test_template_errors_are_template_errors(src: str, want: str) -> None:
    with pytest.raises(template.TemplateError) as e:
        template.render(src, {"A": 1})
    assert want in str(e.value)


TEMPLATE_OUTPUTS = [
    ('{{ regexSplit "(a+)+$" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab" -1 }}',
     "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab]"),  # RE2: linear, no backtracking
    ('{{ regexFindAll "a*" "baaab" -1 }}', "[ aaa ]"),
    ('{{ regexReplaceAll "a*" "baaab" "<${0}>" }}', "<>b<aaa>b<>"),
    ('{{ regexSplit "a*" "baaab" -1 }}', "[b b]"),
    ('{{ regexSplit "a*" "baaab" 0 }}', "[]"),
    ('{{ regexMatch "(" "x" }}', "false"),
    ('{{ regexReplaceAllLiteral "a" "xa" "$1" }}', "x$1"),
    ('{{ add "1e999" }}', "0"),
    ("{{ $x := 2 }}{{ range until 40 }}{{ $x = mul $x $x }}{{ end }}{{ $x }}", "0"),  # int64 wraps
    ("{{ add 9223372036854775807 1 }}", "-9223372036854775808"),
    ("{{ mod -7 3 }}", "-1"),
    ('{{ splitn "," 1000000000000000000000 "x,y" }}', "map[_0:x _1:y]"),
    ("{{ seq 3 }} {{ seq 3 1 }} {{ seq 1 2 7 }}", "1 2 3 3 2 1 1 3 5 7"),
    ("{{ until -3 }} {{ untilStep 0 10 0 }}", "[0 -1 -2] []"),
    ("{{ range 0 }}x{{ else }}empty{{ end }}", "empty"),
]


@pytest.mark.parametrize("src,want", TEMPLATE_OUTPUTS, ids=[f"o{i:02d}" for i in range(len(TEMPLATE_OUTPUTS))])
def test_template_outputs(src: str, want: str) -> None:
    assert template.render(src, {}) == want


# Go: regexp.MustCompile(p).FindAllString(s, -1), ReplaceAllString(s, "<${0}>"), Split(s, -1)
FIND_ALL = [
    ("a*", "baaab", ["", "aaa", ""], "<>b<aaa>b<>", ["b", "b"]),
    ("", "héllo", ["", "", "", "", "", ""], "<>h<>é<>l<>l<>o<>", ["h", "é", "l", "l", "o"]),
    ("x*", "axbc", ["", "x", "", ""], "<>a<x>b<>c<>", ["a", "b", "c"]),
    ("b", "abcb", ["b", "b"], "a<b>c<b>", ["a", "c", ""]),
    ("\\b", "ab cd", ["", "", "", ""], "<>ab<> <>cd<>", ["ab", " ", "cd"]),
    ("[0-9]+", "", [], "", [""]),
]


@pytest.mark.parametrize("pattern,s,found,replaced,split", FIND_ALL)
def test_go_find_all(pattern: str, s: str, found: list, replaced: str, split: list) -> None:
    rx = regexp.compile(pattern)
    assert [m.text() for m in rx.finditer(s)] == found
    assert rx.replace_all(s, "<${0}>") == replaced
    assert rx.split(s, -1) == split


def test_may_nest_deeply_is_an_upper_bound() -> None:
    assert not loader.may_nest_deeply("a: [1, [2, [3]]]\n" * 1000)
    assert loader.may_nest_deeply("[" * 1000)
    assert loader.may_nest_deeply("- " * 1000 + "x")


@pytest.mark.parametrize("text", ["namespace: apps\nresources: true\n", "namespace: 5\nresources: [a.yaml]\n",
                                  "resources: " + "[" * 1000 + "]" * 1000 + "\n", "bases: {a: b}\n", "- x\n",
                                  "namespace: [x]\nresources: {a: 1}\n"])
def test_kustomization_shapes(tmp_path: Path, text: str) -> None:
    from kubectl_imagewatch.manifests.kustomize import namespaces

    (tmp_path / "kustomization.yaml").write_text(text)
    (tmp_path / "a.yaml").write_text("kind: ConfigMap\n")
    assert namespaces([str(tmp_path / "kustomization.yaml")]) == {}


TAG_FILES = [
    ("- 6.10\n- 1.20\n- 010\n- 1e3\n- '6.5.0'\n", {"*": ["6.10", "1.20", "010", "1e3", "6.5.0"]}),
    ('["6.10", 6.10, 1e3, 10]', {"*": ["6.10", "1e3", "10"]}),
    ("flux-system/app: [1.20, 1.3]\nghcr.io/x/y: {1.0: sha256:a, 2.0: null}\n",
     {"flux-system/app": ["1.20", "1.3"], "ghcr.io/x/y": ["1.0", "2.0"]}),
    ("- 1" + "0" * 4300 + "\n", {"*": ["1" + "0" * 4300]}),
    ("6.5.0\n6.6.1\n", {"*": ["6.5.0", "6.6.1"]}),
]


@pytest.mark.parametrize("text,want", TAG_FILES, ids=[f"t{i}" for i in range(len(TAG_FILES))])
def test_tags_files_keep_tags_as_written(text: str, want: dict) -> None:
    src = tagfile.parse(text, "tags")
    assert {k: list(v) for k, v in src.entries.items()} == want


@pytest.mark.parametrize("text,want", [
    ("[" * 100000 + "]" * 100000, "nests too deeply"),
    ("- " + "[" * 2000 + "]" * 2000, "nests too deeply"),
    ("flux-system/app: {tags: [6.5.0, 6.10.1]}\n", "key 'flux-system/app': tag 'tags' maps to a list"),
    ("flux-system/app: [{tag: 6.5.0}]\n", "key 'flux-system/app': item 1 is a mapping"),
    ("flux-system/app: [[a, b]]\n", "item 1 is a list"),
    ("flux-system/app: 6.5.0, 6.10.1\n", "key 'flux-system/app': expected a list of tags"),
    ('{"a": [true]}', "item 1 is the boolean true"),
    ('{"a": ["1.0.0", null]}', "key 'a': item 2 is null; expected a tag string"),
    ("a:\n- 1.0.0\n-\n", "key 'a': item 2 is null"),
    ("a: [x\n", "neither JSON nor YAML"),
])
def test_bad_tags_files(text: str, want: str) -> None:
    with pytest.raises(InputError) as e:
        tagfile.parse(text, "tags")
    assert want in str(e.value)


@pytest.mark.parametrize("text,want", [
    ("1" + "0" * 4300 + "s", 'time: invalid duration "1' + "0" * 4300 + 's"'),
    ("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'),
    ("0." + "1" * 5000 + "s", None),
    ("5", 'time: missing unit in duration "5"'),
    ("1x", 'time: unknown unit "x" in duration "1x"'),
    (".s", 'time: invalid duration ".s"'),
])
def test_durations_like_go(text: str, want: str | None) -> None:
    if want is None:
        assert parse_duration(text) == 111111111
        return
    with pytest.raises(DurationError) as e:
        parse_duration(text)
    assert str(e.value) == want


@pytest.mark.parametrize("comment", ["# " + "[" * 1000 + "]" * 1000 + " $imagepolicy",
                                     '# {"$imagepolicy": "a:b", "n": 1' + "0" * 5000 + "}"])
def test_marker_json_bounded(comment: str) -> None:
    setter, reason = parse_comment(comment)
    assert setter is None and reason


def test_shared_lists_compare_in_polynomial_time() -> None:
    build = "{{ $a := list 1 }}{{ $b := list 1 }}{{ range until 40 }}{{ $a = list $a $a }}{{ $b = list $b $b }}{{ end }}"
    assert template.render(build + "{{ deepEqual $a $b }} {{ has $a (list $b) }} {{ len (uniq (list $a $b)) }}", {}) \
        == "true true 1"
    with pytest.raises(template.TemplateError) as e:
        template.render(build + "{{ eq $a $b }}", {})
    assert "error calling eq: invalid type for comparison" in str(e.value)  # Go: slices are not comparable


_ATOMS = ["{{", "}}", "{{-", "-}}", " ", ".", ".Changed", ".Values.k", "$x", ":=", "=", "|", "(", ")", "range", "if", "else",
          "end", "with", "define", "template", "block", '"a"', "'x'", "1", "-1", "1e9", "0x10", "until", "seq", "repeat", "list",
          "dict", "printf", '"%d"', '"%v"', "len", "index", "slice", "regexFindAll", "regexSplit", '"a*"', "concat", "append",
          "toJson", "fromJson", "mul", "div", "nil", "true", "break", "continue", "$", ",", "\n", "/*", "*/", '"\\q"', "`raw`",
          "9223372036854775807", "uniq", "b64dec", "indent", "trunc", "substr", "eq", "and", "not", "call", "html"]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=25).map("".join))
def test_any_template_renders_or_is_a_template_error(src: str) -> None:
    """Generated templates: a string or a TemplateError, never another exception (the engine's contract)."""
    from kubectl_imagewatch.automation.message import build
    from tests.unit.test_template import CHANGES

    data = build("flux-system", "apps", CHANGES, {"k": "v"})
    try:
        assert isinstance(template.render(src, data), str)
    except template.TemplateError:
        pass


def test_template_output_has_no_lone_surrogates() -> None:
    assert template.render('{{ .A }} {{ printf "%c" 55296 }}', {"A": "a\ud800b"}) == "a\ufffdb \ufffd"
