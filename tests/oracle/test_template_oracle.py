"""Commit templates rendered by this tool vs Go's text/template + Debian's sprig (HermeticTxtFuncMap)
over the same Flux v1 data types. Skipped only when `go` is absent.

Exceptions: Debian's sprig is 3.2.3 (Flux: 3.3.0) — templates here avoid the few functions that
changed; `.Changed.Changes` and `.Changed.Objects` iterate Go maps in random order, so those
templates use single-change data or order-free output.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kubectl_imagewatch.golang import template
from kubectl_imagewatch.automation.message import build
from kubectl_imagewatch.automation.result import Change
from tests.unit.test_template import CASES as RENDER_CASES

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.oracle

ONE = [{"file": "apps/deploy.yaml", "object": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo",
                                                "namespace": "podinfo"},
        "oldValue": "ghcr.io/x/podinfo:5.0.0", "newValue": "ghcr.io/x/podinfo:5.0.3", "setter": "flux-system:podinfo"}]
TWO = ONE + [{"file": "apps/kustomization.yaml", "object": {"apiVersion": "", "kind": "Kustomization", "name": "",
                                                             "namespace": ""},
              "oldValue": "5.0.0", "newValue": "5.0.3", "setter": "flux-system:podinfo:tag"}]

CORPUS = [
    # Flux v1 docs "Files/Objects/Changes"
    ("Automated image update\n\nAutomation name: {{ .AutomationObject }}\n\nFiles:\n{{ range $filename, $_ := "
     ".Changed.FileChanges -}}\n- {{ $filename }}\n{{ end -}}\n\nObjects:\n{{ range $resource, $changes := "
     ".Changed.Objects -}}\n- {{ $resource.Kind }} {{ $resource.Name }}\n  Changes:\n{{- range $_, $change := $changes }}\n"
     "    - {{ $change.OldValue }} -> {{ $change.NewValue }}\n{{ end -}}\n{{ end -}}\n", ONE),
    ("{{ range .Changed.Changes -}}{{ if contains \"5.0.3\" .NewValue }}[skip ci] {{ end }}{{ lower .Setter }}\n{{ end }}", ONE),
    ("{{ printf \"%s\" (.Changed.Changes | toString | sha256sum | trunc 40) }}", ONE),
    ("chore: update images\n{{ range $f, $o := .Changed.FileChanges }}{{ range $id, $cs := $o }}{{ range $cs }}"
     "* {{ $f }} {{ $id.Kind }}/{{ $id.Name }}: {{ .OldValue }} -> {{ .NewValue }} ({{ .Setter }})\n{{ end }}{{ end }}{{ end }}", TWO),
    ("{{ range $f, $o := .Changed.FileChanges }}{{ $f | base }}:{{ range $id, $c := $o }}{{ $id }}{{ end }};{{ end }}", TWO),
    ("cluster={{ .Values.cluster }} missing={{ .Values.nope }} idx={{ index .Values \"nope\" }}", TWO),
    ("{{ default \"none\" .Values.nope }} {{ .Values | len }} {{ range $k, $v := .Values }}{{ $k }}={{ $v }},{{ end }}", TWO),
    ("{{ with .Changed.FileChanges }}{{ len . }} files{{ end }}{{ if not .Values }} no values{{ end }}", TWO),
    ("{{ $n := 0 }}{{ range $f, $_ := .Changed.FileChanges }}{{ $n = add $n 1 }}{{ end }}{{ $n }} {{ $n | printf \"%03d\" }}", TWO),
    ("{{ range $i, $c := .Changed.Changes }}{{ $i }}:{{ $c.Setter | trimPrefix \"flux-system:\" | upper }}{{ end }}", ONE),
    ("{{ (index .Changed.Changes 0).NewValue | splitList \":\" | last }} {{ regexReplaceAll \"[0-9]+\" \"v12.3\" \"N\" }}", ONE),
    ("{{ .Changed }}", ONE),
    ("{{ .Changed.Changes }} {{ print .AutomationObject.Name 1 2 }} {{ println \"x\" 3 }}", ONE),
    ("{{ list 1 \"a\" true | toJson }} {{ dict \"k\" \"v\" | toJson }} {{ 3 | mul 4 }} {{ 7 | mod 3 }}", ONE),
    ("{{- /* c */ -}} {{ \"  x \" | trim | quote }} {{ squote \"y\" }} {{ cat \"a\" \"b\" }} {{ nospace \"a b\" }}", ONE),
    ("{{ if and .Values.cluster (eq .Values.cluster \"prod\") }}PROD{{ else if .Values.cluster }}other{{ else }}none{{ end }}", ONE),
    ("{{ define \"c\" }}- {{ .OldValue }} => {{ .NewValue }}{{ end }}{{ range .Changed.Changes }}{{ template \"c\" . }}{{ end }}", ONE),
    ("{{ block \"b\" .AutomationObject }}<{{ .Namespace }}>{{ end }}", ONE),
    ("{{ .Nope }}", ONE),
    ("{{ range .Updated.Images }}{{ println . }}{{ end }}", ONE),
    ("{{ .Changed.ImageResult }}", ONE),
    ("{{ env \"HOME\" }}", ONE),
    ("{{ range .Changed.Changes }}", ONE),
    ("{{ contains \"x\" 1 }}", ONE),
    ("{{ index .Changed.Changes 3 }}", ONE),
    ("{{ printf \"%d %s %v %q %5s|%-3s|\" 3 \"s\" true \"q\" \"r\" \"l\" }} {{ printf \"%d\" \"x\" }}", ONE),
    ("{{ 1.5 }} {{ 1e6 }} {{ 0x1F }} {{ 'a' }} {{ -3 }} {{ 100000.0 }}", ONE),
    ("{{ len \"héllo\" }} {{ html \"<a href='x'>\" }} {{ urlquery \"a b&c\" }} {{ js \"it's <b>\" }}", ONE),
    ("{{ range $i := until 3 }}{{ $i }}{{ end }} {{ untilStep 0 10 3 | toJson }} {{ seq 3 }}", ONE),
    ("{{ \"a,b\" | split \",\" }} {{ (split \",\" \"a,b\")._1 }} {{ \"abc\" | repeat 2 }} {{ abbrev 5 \"hello world\" }}", ONE),
    ("{{ ternary \"y\" \"n\" (empty .Values) }} {{ coalesce .Values.a \"\" \"z\" }} {{ hasKey .Values \"cluster\" }}", ONE),
    ("{{ b64enc \"hi\" }} {{ b64dec \"aGk=\" }} {{ sha1sum \"a\" }} {{ adler32sum \"a\" }}", ONE),
    ("{{ base \"a/b.yaml\" }} {{ dir \"a/b.yaml\" }} {{ ext \"a/b.yaml\" }} {{ clean \"a/../b\" }} {{ isAbs \"/x\" }}", ONE),
    ("{{ indent 2 \"a\\nb\" }}|{{ nindent 2 \"c\" }}|{{ replace \"a\" \"b\" \"aaa\" }}|{{ title \"hello world\" }}", ONE),
    ("{{ range $i, $e := list 1 2 3 4 }}{{ if eq $e 2 }}{{ continue }}{{ end }}{{ if eq $e 4 }}{{ break }}{{ end }}{{ $e }}{{ end }}", ONE),
    ("{{ first (list 1 2) }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }} {{ uniq (list 1 1 2) }} {{ reverse (list 1 2) }}", ONE),
    ("{{ sortAlpha (list \"b\" \"a\" \"C\") }} {{ join \"-\" (list \"a\" \"b\") }} {{ has 2 (list 1 2) }} {{ compact (list \"\" \"a\") }}", ONE),
    ("{{ regexMatch \"^v[0-9]\" \"v1\" }} {{ regexFind \"[0-9]+\" \"ab12cd34\" }} {{ regexFindAll \"[0-9]\" \"a1b2c3\" 2 }}", ONE),
    ("{{ int \"42\" }} {{ atoi \"7\" }} {{ add 1 2 3 }} {{ sub 5 2 }} {{ div 7 2 }} {{ max 1 5 3 }} {{ min 4 2 }}", ONE),
    ("{{ trunc 3 \"abcdef\" }} {{ trunc -2 \"abcdef\" }} {{ substr 1 3 \"abcdef\" }} {{ trimSuffix \".yaml\" \"x.yaml\" }}", ONE),
    ("{{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1 2 }} {{ ne 1 2 }} {{ eq 1 2 3 1 }} {{ not \"\" }}", ONE),
    ("{{ or 0 \"\" }} {{ and 1 \"x\" }} {{ or .Values.nope \"fallback\" }}", ONE),
    # one Go find-all behind sprig's regex functions
    ('{{ regexFindAll "a*" "baaab" -1 }} {{ regexReplaceAll "a*" "baaab" "<${0}>" }} {{ regexSplit "a*" "baaab" -1 }}', ONE),
    ('{{ regexSplit "b" "abcb" 2 }} {{ regexSplit "" "héllo" -1 }} {{ regexFind "a+" "baaab" }} {{ regexSplit "x" "" 0 }}', ONE),
    ('{{ regexReplaceAllLiteral "a+" "baaab" "${0}" }} {{ regexFindAll "\\b" "ab cd" -1 | len }} {{ regexQuoteMeta "a.b*" }}', ONE),
    ('{{ mustRegexFindAll "[0-9]+" .AutomationObject.Name 1 }} {{ mustRegexSplit ":" (index .Changed.Changes 0).Setter -1 }}', ONE),
]


@pytest.fixture(scope="module")
def go_render(tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.conftest import need

    go = shutil.which("go")
    need("go", go is not None, "apt-get install golang-go golang-github-masterminds-sprig-dev")
    out = tmp_path_factory.mktemp("tmpl-oracle") / "oracle"
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=str(out.parent / "cache"), GOFLAGS="")
    p = subprocess.run([go, "build", "-o", str(out), str(HERE / "template_oracle.go")], capture_output=True, text=True,
                       env=env)
    if p.returncode != 0:
        pytest.fail(f"template oracle build failed: {p.stderr}")
    proc = subprocess.Popen([str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def render(tmpl: str, changes: list, values: dict) -> dict:
        assert proc.stdin and proc.stdout
        proc.stdin.write(json.dumps({"template": tmpl, "namespace": "flux-system", "name": "apps", "values": values,
                                     "changes": changes}) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    yield render
    proc.kill()


def ours(tmpl: str, changes: list, values: dict) -> tuple[str, bool]:
    try:
        return template.render(tmpl, build("flux-system", "apps", [Change.from_json(c) for c in changes], values)), False
    except template.TemplateError:
        return "", True


@pytest.mark.parametrize("tmpl,changes", CORPUS, ids=[f"t{i:02d}" for i in range(len(CORPUS))])
@pytest.mark.parametrize("values", [{"cluster": "prod"}, {}], ids=["values", "novalues"])
def test_matches_go(go_render, tmpl: str, changes: list, values: dict) -> None:  # type: ignore[no-untyped-def]
    want = go_render(tmpl, changes, values)
    got, failed = ours(tmpl, changes, values)
    assert failed == bool(want.get("err")), (want, got)
    if not failed:
        assert got == want["out"]


@pytest.mark.parametrize("tmpl", [c[0] for c in RENDER_CASES], ids=[f"r{i:02d}" for i in range(len(RENDER_CASES))])
def test_unit_table_matches_go(go_render, tmpl: str) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.test_template import WIRE as CHANGES

    if "range 3" in tmpl:
        return  # ranging over an int needs Go 1.22 (Flux builds with 1.26; Debian's Go is 1.19)
    want = go_render(tmpl, CHANGES, {"cluster": "prod"})
    got, failed = ours(tmpl, CHANGES, {"cluster": "prod"})
    if "range .Changed.Changes" in tmpl or "(index .Changed.Changes 0)" in tmpl or "len .Changed.Changes" in tmpl:
        return  # Changes() order is Go map order: random in Flux too
    assert failed == bool(want.get("err")), (want, got)
    if not failed:
        assert got == want["out"]


ERROR_TEXTS = [
    '{{ regexSplit "(" "x" -1 }}',
    'x\n  {{ mustRegexMatch "(" "x" }}',
    '{{ regexFindAll "[" .AutomationObject.Name 2 }}',
    '{{ template "x" }}',
    'a{{ range $i := until 2 }}{{ template "y" . }}{{ end }}',
    "{{ index .Changed.Changes 3 }}",
    "line1\nline2 {{ len 3 }}",
    "{{ div 1 0 }}",
    '{{ "\\q" }}',
    "{{ 'ab' }}",
    "{{ 0x1p99999 }}",
    '{{ "\\U7fffffff" }}',
    '{{ "\\ud800" }}',
    '{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}',
    '{{ define "b" }}x\n {{ len 3 }}{{ end }}{{ template "b" .Values }}',
    '{{ define "c" }}{{ index . 5 }}{{ end }}{{ range .Changed.Changes }}{{ template "c" (list 1) }}{{ end }}',
]


@pytest.mark.parametrize("tmpl", ERROR_TEXTS, ids=[f"x{i:02d}" for i in range(len(ERROR_TEXTS))])
def test_error_texts_match_go(go_render, tmpl: str) -> None:  # type: ignore[no-untyped-def]
    """Parse errors as `template: NAME:LINE: ...`, execution errors with Go's LINE:COL and the node it blames."""
    want = go_render(tmpl, ONE, {})
    assert want.get("err"), want
    with pytest.raises(template.TemplateError) as e:
        template.render(tmpl, build("flux-system", "apps", [Change.from_json(c) for c in ONE], {}))
    assert str(e.value) == want["err"]
