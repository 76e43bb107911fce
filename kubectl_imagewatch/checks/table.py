"""The table of checks: every finding `validate` can produce has a stable id listed here.

Ids are never reused. Each row names the family (a module of this package) that yields it, and its
severity, the only one a finding of that id carries (a repository config may override it);
`checks.run` dispatches on the family column. docs/checks.md is generated from this table and the
examples in tests/cases/checks (scripts/gen_docs.py).
"""
from __future__ import annotations

import dataclasses

from kubectl_imagewatch.findings import Severity


@dataclasses.dataclass(frozen=True)
class Check:
    id: str
    slug: str
    severity: Severity
    family: str
    summary: str
    superseded_by: tuple[str, ...] = ()  # ids whose finding at the same position reports the same problem


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

CHECKS: dict[str, Check] = {c.id: c for c in [
    Check("IW001", "yaml-syntax", E, "loader", "The file does not parse as YAML (or is too large/deep after aliases)."),
    Check("IW002", "encoding", E, "loader", "The file is not valid UTF-8."),
    Check("IW003", "duplicate-key", E, "loader", "A mapping repeats a key; kubectl refuses it."),
    Check("IW004", "unreadable", W, "loader", "A file was skipped: a broken symlink, not a regular file, binary or too large."),
    Check("IW005", "read-error", E, "loader", "A file could not be read (missing, permission denied, I/O error)."),
    Check("IW006", "suppression-comment", W, "suppress", "An `# imagewatch:` comment is not a directive this tool knows: it suppresses nothing."),
    Check("IW007", "not-flux-input", I, "loader", "A file Flux never parses as written (in a Helm chart, or a Go template without markers) was not checked."),
    Check("IW010", "unknown-api-version", E, "versions", "No Flux release ever served this apiVersion for the kind."),
    Check("IW011", "retired-api-version", W, "versions", "Current Flux no longer serves this apiVersion."),
    Check("IW012", "missing-name", E, "versions", "metadata.name is missing."),
    Check("IW013", "duplicate-object", W, "references", "Two manifests define the same kind, namespace and name."),
    Check("IW101", "unknown-field", E, "schema", "A field the CRD schema does not define (the API server drops or rejects it)."),
    Check("IW102", "required-field", E, "schema", "A field the CRD schema requires is missing."),
    Check("IW103", "wrong-type", E, "schema", "A value has the wrong type for the CRD schema."),
    Check("IW104", "not-in-enum", E, "schema", "A value is not one of the CRD's allowed values."),
    Check("IW105", "pattern-mismatch", E, "schema", "A value does not match the CRD's pattern (e.g. a Go duration)."),
    Check("IW106", "schema-other", E, "schema", "Another CRD schema rule (maxItems, minLength, ...) is violated."),
    Check("IW107", "cel-rule", E, "schema", "A CRD CEL rule (x-kubernetes-validations) fails."),
    Check("IW108", "cel-not-evaluated", I, "schema", "A CRD CEL rule could not be evaluated offline (install the [cel] extra)."),
    Check("IW201", "invalid-pattern", E, "policies", "filterTags.pattern does not compile under Go's RE2 rules."),
    Check("IW202", "extract-unknown-group", E, "policies", "filterTags.extract names a group the pattern does not define."),
    Check("IW203", "extract-without-pattern", E, "policies", "filterTags.extract is set without a pattern."),
    Check("IW204", "invalid-range", E, "policies", "policy.semver.range does not parse under Masterminds/semver v3."),
    Check("IW205", "policy-choice", E, "policies", "Not exactly one of semver, alphabetical, numerical is set."),
    Check("IW206", "extract-ambiguous-group", W, "policies", "`$1x` in extract is the group named `1x`, not group 1 then x."),
    Check("IW207", "invalid-exclusion", E, "repositories", "An exclusionList entry does not compile under Go's RE2 rules."),
    Check("IW208", "invalid-duration", E, "repositories", "interval/timeout is not a Go duration Flux can use.",
          superseded_by=("IW105",)),
    Check("IW209", "invalid-image", E, "repositories", "spec.image has a tag, digest, scheme or upper case; Flux stalls."),
    Check("IW210", "digest-interval", E, "policies", "digestReflectionPolicy Always needs spec.interval (controller stalls)."),
    Check("IW211", "unfiltered-order-policy", W, "policies", "A numerical or alphabetical policy without filterTags.pattern: every tag competes."),
    Check("IW212", "empty-range", E, "policies", "policy.semver.range can match no version (its lower bound is above its upper bound)."),
    Check("IW301", "repository-ref", E, "references", "imageRepositoryRef does not resolve to an ImageRepository in the set."),
    Check("IW302", "cross-namespace-ref", E, "references", "A cross-namespace imageRepositoryRef is not allowed by the repository's accessFrom."),
    Check("IW303", "source-ref", I, "references", "sourceRef names a GitRepository that is not in the scanned set."),
    Check("IW304", "update-path", W, "automations", "update.path is absolute or climbs above the repository root; Flux drops the leading '/' or '..' (securejoin)."),
    Check("IW305", "template-syntax", E, "automations", "git.commit.messageTemplate does not parse as a Go template."),
    Check("IW306", "template-removed-field", E, "automations", "The template uses .Updated or .Changed.ImageResult, removed in Flux 2.7."),
    Check("IW307", "template-unknown", E, "automations", "The template uses a field or function Flux does not provide."),
    Check("IW308", "policy-selector", E, "automations", "policySelector is not a valid label selector."),
    Check("IW309", "git-spec", E, "automations", "spec.git (checkout/commit/push) cannot work as written."),
    Check("IW310", "access-from-labels", I, "references", "A cross-namespace imageRepositoryRef relies on namespace labels the manifests do not show."),
    Check("IW311", "policy-selector-matches-none", W, "references", "policySelector matches none of the ImagePolicies in the automation's namespace."),
    Check("IW312", "template-removed-field-upgrade", W, "automations", "A pre-v1 automation's template uses a field removed in Flux 2.7: it breaks on upgrade."),
    Check("IW313", "git-ref", E, "automations", "push.refspec is not [+]<src>:<dst>, or a refspec or branch name starts with '-' or is not a git ref."),
    Check("IW401", "marker-syntax", E, "markers", "A comment mentions $imagepolicy but Flux cannot read it as a marker."),
    Check("IW402", "marker-value", E, "markers", "The marker value is not <namespace>:<name>[:tag|:name|:digest]."),
    Check("IW403", "marker-unknown-policy", E, "markers", "The marker names an ImagePolicy that is not in the scanned set."),
    Check("IW404", "marker-not-selected", W, "markers", "The policy exists but the automation does not use it (namespace or policySelector)."),
    Check("IW405", "marker-position", E, "markers", "The marker is not on a scalar value, so Flux ignores it."),
    Check("IW406", "marker-unread-file", W, "markers", "The marker is in a file Flux does not read or cannot parse."),
    Check("IW407", "marker-digest", W, "markers", "A :digest marker whose policy reflects no digest: Flux writes an empty value."),
    Check("IW409", "marker-outside-automations", I, "markers", "The marker is in a file no automation's update.path covers."),
    Check("IW408", "marker-shape", W, "markers", "The marked value does not look like what the marker writes (e.g. a tag marker on image:tag)."),
    Check("IW410", "marker-namespace-unknown", I, "markers", "The marker's policy is in the scanned files without a namespace, so whether it is the one named depends on where it is applied."),
]}
