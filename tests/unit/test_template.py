"""Go text/template + sprig: renders pinned against Go's output (case table)."""
from __future__ import annotations

import pytest

from kubectl_imagewatch.golang import template
from kubectl_imagewatch.automation import message
from kubectl_imagewatch.automation.message import build
from kubectl_imagewatch.automation.result import Change, LatestRef

WIRE = [  # the Go oracle's form (tests/oracle); the library takes Change values
    {"file": "apps/deploy.yaml", "object": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo",
                                             "namespace": "podinfo"},
     "oldValue": "ghcr.io/x/podinfo:5.0.0", "newValue": "ghcr.io/x/podinfo:5.0.3", "setter": "flux-system:podinfo"},
    {"file": "apps/kustomization.yaml", "object": {"apiVersion": "", "kind": "Kustomization", "name": "", "namespace": ""},
     "oldValue": "5.0.0", "newValue": "5.0.3", "setter": "flux-system:podinfo:tag"},
]
CHANGES = [Change.from_json(c) for c in WIRE]
REFS = {"flux-system:podinfo": LatestRef("ghcr.io/x/podinfo", "5.0.3")}

CASES = [
    ("{{ .AutomationObject }}", "flux-system/auto"),
    ("{{ .AutomationObject.Name }}/{{ .AutomationObject.Namespace }}", "auto/flux-system"),
    ("{{ range $f, $_ := .Changed.FileChanges }}{{ $f }};{{ end }}", "apps/deploy.yaml;apps/kustomization.yaml;"),
    ("{{ range .Changed.Changes }}{{ .OldValue }}>{{ .NewValue }} {{ end }}",
     "ghcr.io/x/podinfo:5.0.0>ghcr.io/x/podinfo:5.0.3 5.0.0>5.0.3 "),
    ("{{ range $id, $c := .Changed.Objects }}{{ $id.Kind }}:{{ $id.Name }}|{{ end }}", "Kustomization:|Deployment:podinfo|"),
    ("{{ range $id, $c := .Changed.Objects }}{{ $id }}{{ end }}",
     "{{{ Kustomization} { }}}{{{apps/v1 Deployment} {podinfo podinfo}}}"),
    ("{{ (index .Changed.Changes 0) }}", "{ghcr.io/x/podinfo:5.0.0 ghcr.io/x/podinfo:5.0.3 flux-system:podinfo}"),
    ("{{ .Values.cluster }}|{{ .Values.nope }}|{{ index .Values \"nope\" }}|", "prod|<no value>||"),
    ("a  {{- \" b \" -}}  c", "a b c"),
    ("{{/* comment */}}x{{- /* trimmed */ -}} y", "xy"),
    ("{{ if eq 1 2 }}a{{ else if eq 1 1 }}b{{ else }}c{{ end }}", "b"),
    ("{{ with .Values.cluster }}[{{ . }}]{{ end }}{{ with .Values.nope }}x{{ else }}none{{ end }}", "[prod]none"),
    ("{{ $x := 1 }}{{ range $i := list 1 2 3 }}{{ $x = $i }}{{ end }}{{ $x }}", "3"),
    ("{{ range $i, $e := list \"a\" \"b\" }}{{ if eq $i 1 }}{{ break }}{{ end }}{{ $e }}{{ end }}", "a"),
    ("{{ range 3 }}{{ . }}{{ end }}", "012"),
    ("{{ print 1 2 \"a\" \"b\" 3 }}", "1 2ab3"),
    ("{{ println 1 \"a\" }}", "1 a\n"),
    ("{{ printf \"%s=%d %q %v %5s|%-4s|%03d\" \"a\" 7 \"q\" true \"r\" \"l\" 5 }}", 'a=7 "q" true     r|l   |005'),
    ("{{ printf \"%d\" \"x\" }}", "%!d(string=x)"),
    ("{{ len .Changed.Changes }} {{ len \"héllo\" }}", "2 6"),
    ("{{ and 1 0 2 }} {{ or 0 \"\" \"x\" }} {{ not 0 }}", "0 x true"),
    ("{{ \"Hello\" | upper | printf \"%s!\" }}", "HELLO!"),
    ("{{ trunc 5 \"abcdefgh\" }} {{ trunc -3 \"abcdefgh\" }} {{ trimPrefix \"v\" \"v1.2\" }}", "abcde fgh 1.2"),
    ("{{ default \"d\" \"\" }} {{ default \"d\" \"x\" }} {{ empty list }} {{ coalesce \"\" 0 \"z\" }}", "d x true z"),
    ("{{ ternary \"y\" \"n\" true }} {{ list 1 2 | toJson }} {{ dict \"a\" 1 | toJson }}", 'y [1,2] {"a":1}'),
    ("{{ \"a,b,c\" | splitList \",\" | join \"-\" }} {{ sortAlpha (list \"b\" \"a\") }}", "a-b-c [a b]"),
    ("{{ indent 2 \"a\\nb\" }}|{{ nindent 2 \"c\" }}", "  a\n  b|\n  c"),
    ("{{ regexReplaceAll \"([0-9]+)\" \"v12-34\" \"<${1}>\" }} {{ regexMatch \"^v\\\\d\" \"v1\" }}", "v<12>-<34> true"),
    ("{{ sha256sum \"a\" | trunc 10 }} {{ b64enc \"hi\" }} {{ base \"a/b/c.yaml\" }} {{ ext \"c.yaml\" }}",
     "ca978112ca aGk= c.yaml .yaml"),
    ("{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" \"arg\" }}{{ block \"y\" 2 }}<{{ . }}>{{ end }}", "[arg]<2>"),
    ("{{ contains \"5.0.3\" (index .Changed.Changes 0).NewValue }}", "true"),
    ("{{ 1.5 }} {{ 1e6 }} {{ 0x10 }} {{ 'a' }}", "1.5 1e+06 16 97"),
]


@pytest.mark.parametrize("src,want", CASES)
def test_render(src: str, want: str) -> None:
    data = build("flux-system", "auto", CHANGES, {"cluster": "prod"}, REFS)
    assert template.render(src, data) == want


@pytest.mark.parametrize("src,error", [
    ("{{ .Nope }}", "can't evaluate field Nope in type source.TemplateData"),
    ("{{ env \"HOME\" }}", 'function "env" not defined'),
    ("{{ now }}", 'function "now" not defined'),
    ("{{ range .Changed.Changes }}", "unexpected EOF"),
    ("{{ end }}", "unexpected {{end}}"),
    ("{{ semver \"1.0.0\" }}", "not supported by kubectl-imagewatch"),
    ("{{ contains \"a\" 1 }}", "wrong type for value; expected string; got int"),
    ("{{ eq 1 \"a\" }}", "incompatible types for comparison"),
    ("{{ index (list 1) 5 }}", "index out of range"),
])
def test_errors(src: str, error: str) -> None:
    data = build("flux-system", "auto", CHANGES, {}, REFS)
    with pytest.raises(template.TemplateError) as e:
        template.render(src, data)
    assert error in str(e.value)


def test_classic_template_per_release() -> None:
    classic = "{{range .Updated.Images}}{{println .}}{{end}}"
    assert message.render_commit_message(classic, "ns", "a", CHANGES, refs=REFS, release="2.6") == \
        "ghcr.io/x/podinfo:5.0.3\n"
    with pytest.raises(template.TemplateError, match="removed field .Updated"):
        message.render_commit_message(classic, "ns", "a", CHANGES, refs=REFS)
    with pytest.raises(template.TemplateError, match="ImageResult"):
        message.render_commit_message("{{ .Changed.ImageResult }}", "ns", "a", CHANGES, refs=REFS)
    assert message.render_commit_message("{{ .Changed.ImageResult.Images }}", "ns", "a", CHANGES, refs=REFS,
                                          release="2.6") == "[ghcr.io/x/podinfo:5.0.3]"


def test_default_message() -> None:
    assert message.render_commit_message("", "ns", "a", CHANGES) == "Update from image update automation"


def test_image_ref_methods_old_release() -> None:
    src = "{{ range .Updated.Images }}{{ .Registry }} {{ .Repository }} {{ .Identifier }} {{ .Policy }}{{ end }}"
    refs = {"flux-system:podinfo": LatestRef("nginx", "1.25")}
    assert message.render_commit_message(src, "ns", "a", CHANGES[:1], refs=refs, release="2.6") == \
        "index.docker.io library/nginx 1.25 flux-system/podinfo"


@pytest.mark.parametrize("src", ["{{ range .Updated.Images }}{{ .Name }}{{ end }}",
                                 "{{ range .Changed.ImageResult.Images }}{{ .Name }}{{ end }}",
                                 "{{ range $o, $refs := .Updated.Objects }}{{ range $refs }}{{ .Name }}{{ end }}{{ end }}"])
def test_image_ref_name_includes_the_tag(src: str) -> None:
    """go-containerregistry's Name() on the v0.40-v0.41 data shape: registry/repository:tag."""
    refs = {"flux-system:podinfo": LatestRef("ghcr.io/stefanprodan/podinfo", "6.7.1")}
    assert message.render_commit_message(src, "ns", "a", CHANGES[:1], refs=refs, release="2.6") == \
        "ghcr.io/stefanprodan/podinfo:6.7.1"
    hub = {"flux-system:podinfo": LatestRef("nginx", "1.25", "sha256:" + "a" * 64)}
    assert message.render_commit_message(src, "ns", "a", CHANGES[:1], refs=hub, release="2.6") == \
        "index.docker.io/library/nginx@sha256:" + "a" * 64
