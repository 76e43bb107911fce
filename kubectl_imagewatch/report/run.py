"""run output: one line per policy and automation, its warnings, commit message and dry-run diff."""
from __future__ import annotations

import json

from kubectl_imagewatch.report import ansi


def render_text(report: dict, color: bool = False) -> str:
    """The report `controller.runner.cycle` returns, for a person."""
    out: list[str] = []
    for p in report["policies"]:
        res = p["result"]
        out.append(f"policy {p['namespace']}/{p['name']}: " +
                   (f"{res['image']}" if res else f"FAILED ({p['error']['reason']}): {p['error']['message']}"))
    for a in report["automations"]:
        line = f"automation {a['automation']}: {a['outcome']}"
        if a["outcome"] in ("pushed", "dry-run"):
            line += f" {(a['commit'] or '')[:7]} to {a['branch']}"
        if a["error"]:
            line += f": {a['error']}"
        out.append(line)
        out.extend(f"  warning: {w}" for w in a["warnings"])
        if a["outcome"] in ("pushed", "dry-run") and a["message"]:
            out.append("  message:")
            out.extend(f"    {ln}" for ln in a["message"].splitlines())
        if a["outcome"] == "dry-run" and a["diff"]:
            out.append((ansi.diff(a["diff"]) if color else a["diff"]).rstrip("\n"))
    out.extend(f"suspended, skipped: {s}" for s in report["skipped"])
    if not (report["policies"] or report["automations"] or report["skipped"]):
        out.append("nothing to do: no ImagePolicy or ImageUpdateAutomation found")
    return "".join(line + "\n" for line in out)


def render_json(report: dict, color: bool = False) -> str:
    return json.dumps(report, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
