"""The data image-automation-controller hands a commit template, per controller release.

v1.0+ (Flux 2.7+): AutomationObject, Changed (update.Result: FileChanges, Changes(), Objects()),
Values. v0.38-v0.41 (Flux 2.3-2.6): also Updated (the old Result: Files, Images(), Objects()) and
Changed.ImageResult; Values from v0.40 (Flux 2.5). <= v0.37: AutomationObject and Updated only.
"""
from __future__ import annotations

from typing import Any, Optional

from kubectl_imagewatch.automation.result import Change, LatestRef, ObjectId
from kubectl_imagewatch.flux.imageref import normalise
from kubectl_imagewatch.flux.releases import template_fields
from kubectl_imagewatch.golang.template import FUNCS, ExecError, TemplateError, execute, parse
from kubectl_imagewatch.golang.template.values import GoStruct, StrMap

DEFAULT_MESSAGE = "Update from image update automation"


def object_id(o: ObjectId) -> GoStruct:
    tm = GoStruct("yaml.TypeMeta", {"APIVersion": o.api_version, "Kind": o.kind})
    nm = GoStruct("yaml.NameMeta", {"Name": o.name, "Namespace": o.namespace})
    ri = GoStruct("yaml.ResourceIdentifier", {"TypeMeta": tm, "NameMeta": nm}, embedded=("TypeMeta", "NameMeta"))
    return GoStruct("update.ObjectIdentifier", {"ResourceIdentifier": ri}, embedded=("ResourceIdentifier",))


def change(c: Change) -> GoStruct:
    return GoStruct("update.Change", {"OldValue": c.old, "NewValue": c.new, "Setter": c.setter})


def _result_v1(changes: list[Change]) -> GoStruct:
    files: dict = {}
    for c in changes:
        files.setdefault(c.file, {}).setdefault(object_id(c.object), []).append(change(c))

    def all_changes() -> list:
        seen, out = set(), []
        for f in sorted(files):
            for oid in sorted(files[f]):
                for ch in files[f][oid]:
                    k = ch.key()
                    if k not in seen:
                        seen.add(k)
                        out.append(ch)
        return out

    def objects() -> dict:
        out: dict = {}
        for f in sorted(files):
            for oid, chs in files[f].items():
                out.setdefault(oid, []).extend(chs)
        return out

    return GoStruct("update.Result", {"FileChanges": files}, methods={"Changes": all_changes, "Objects": objects})


def image_ref(policy_key: str, ref: LatestRef) -> GoStruct:
    name, tag, digest = ref.image, ref.tag, ref.digest or ""
    full = ref.full
    host, path = normalise(name)
    ns, _, pname = policy_key.partition(":")
    # go-containerregistry's Name(): the repository with its tag (a name.Tag), or with the digest
    # when the reference carries one (ParseReference then yields a name.Digest)
    qualified = f"{host}/{path}" + (f"@{digest}" if digest else f":{tag}")
    return GoStruct("update.imageRef", {"ref": full}, stringer=lambda: full, methods={
        "Identifier": lambda: digest or tag, "Repository": lambda: path, "Registry": lambda: host,
        "Name": lambda: qualified, "Policy": lambda: f"{ns}/{pname}", "String": lambda: full})


def _result_old(changes: list[Change], refs: dict[str, LatestRef]) -> GoStruct:
    files: dict = {}
    for c in changes:
        pol = c.policy
        if pol not in refs:
            continue
        objs = files.setdefault(c.file, {})
        lst = objs.setdefault(object_id(c.object), [])
        ir = image_ref(pol, refs[pol])
        if ir not in lst:
            lst.append(ir)
    fr = {f: GoStruct("update.FileResult", {"Objects": o}) for f, o in files.items()}

    def images() -> list:
        out = []
        for f in sorted(files):
            for oid in sorted(files[f]):
                for ir in files[f][oid]:
                    if ir not in out:
                        out.append(ir)
        return out

    def objects() -> dict:
        out: dict = {}
        for f in sorted(files):
            out.update(files[f])
        return out

    return GoStruct("update.Result", {"Files": fr}, methods={"Images": images, "Objects": objects})


def build(namespace: str, name: str, changes: list[Change], values: Optional[dict] = None,
          refs: Optional[dict[str, LatestRef]] = None, release: Optional[str] = None) -> GoStruct:
    """TemplateData for `changes` (their file, object, old and new value, setter)."""
    have = template_fields(release)
    auto = GoStruct("types.NamespacedName", {"Namespace": namespace, "Name": name},
                    stringer=lambda: f"{namespace}/{name}")
    if "Updated" not in have:
        return GoStruct("source.TemplateData", {"AutomationObject": auto, "Changed": _result_v1(changes),
                                                "Values": StrMap(values or {})})
    old = _result_old(changes, refs or {})
    if "Changed" not in have:
        return GoStruct("source.TemplateData", {"AutomationObject": auto, "Updated": old})
    v1 = _result_v1(changes)
    v2 = GoStruct("update.ResultV2", {"ImageResult": old, "FileChanges": v1.fields["FileChanges"]},
                  methods=v1.methods)
    fields: dict[str, Any] = {"AutomationObject": auto, "Updated": old, "Changed": v2}
    if "Values" in have:
        fields["Values"] = StrMap(values or {})
    return GoStruct("source.TemplateData", fields)


class RemovedTemplateFieldError(TemplateError):
    pass




def render_commit_message(template: Optional[str], namespace: str, name: str, changes: list[Change],
                          values: Optional[dict] = None, refs: Optional[dict[str, LatestRef]] = None,
                          release: Optional[str] = None) -> str:
    """The message Flux would commit, or raise TemplateError with Flux's wording."""
    if not template:
        return DEFAULT_MESSAGE
    data = build(namespace, name, changes, values, refs, release)
    try:
        tree = parse(template)
    except TemplateError as e:
        raise TemplateError(f"unable to create commit message template from spec: {e}") from None
    try:
        return execute(tree, data, FUNCS)
    except ExecError as e:
        msg = str(e)
        if "can't evaluate field Updated in type source.TemplateData" in msg:
            raise RemovedTemplateFieldError(
                "template uses the removed field .Updated (Flux 2.7+ stalls the automation with "
                "RemovedTemplateField); use .Changed instead") from None
        if "can't evaluate field ImageResult" in msg:
            raise RemovedTemplateFieldError(
                "template uses the removed field .Changed.ImageResult; use .Changed.FileChanges or "
                ".Changed.Objects") from None
        raise TemplateError(f"failed to run template from spec: {msg}") from None
