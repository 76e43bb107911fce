#!/usr/bin/env python3
"""Build the krew archive (the `kubectl-imagewatch` launcher + LICENSE, a .tar.gz) and write plugin.yaml
with its real sha256, ready for a release.

krew has no Python runtime, so the archive holds a small POSIX-sh launcher that runs the Python package
(installed with pipx or pip, as the manifest's caveats say). The archive is reproducible: fixed member
order, modes, owners and times, gzip without a name or timestamp, so the same sources give the same
sha256 on any machine.

  python3 scripts/build_krew.py                        # dist/kubectl-imagewatch-v<version>.tar.gz + plugin.yaml
  python3 scripts/build_krew.py --out DIR --manifest FILE --base-url URL
  kubectl krew install --manifest=plugin.yaml --archive=dist/kubectl-imagewatch-v<version>.tar.gz   # local test
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPO_URL = "https://github.com/kubectl-imagewatch/kubectl-imagewatch"

LAUNCHER = """#!/bin/sh
# kubectl-imagewatch launcher installed by krew: runs the kubectl-imagewatch Python package.
# The package comes from pipx (preferred) or pip; set IMAGEWATCH_PYTHON to use another interpreter.
for py in "$IMAGEWATCH_PYTHON" \\
          "${PIPX_HOME:-$HOME/.local/share/pipx}/venvs/kubectl-imagewatch/bin/python" \\
          "$HOME/.local/pipx/venvs/kubectl-imagewatch/bin/python" \\
          python3; do
  [ -n "$py" ] || continue
  command -v "$py" >/dev/null 2>&1 || [ -x "$py" ] || continue
  if "$py" -c 'import kubectl_imagewatch' >/dev/null 2>&1; then
    exec "$py" -m kubectl_imagewatch "$@"
  fi
done
echo "kubectl-imagewatch: the Python package is not installed. Install it with:" >&2
echo "  pipx install 'git+@REPO@@@VERSION@'   (Python 3.10+)" >&2
exit 2
"""


def version() -> str:
    with open(os.path.join(ROOT, "kubectl_imagewatch", "__init__.py"), encoding="utf-8") as f:
        m = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
    if not m:
        sys.exit("no __version__ in kubectl_imagewatch/__init__.py")
    return m.group(1)


def launcher(tag: str) -> bytes:
    return LAUNCHER.replace("@REPO@", REPO_URL).replace("@VERSION@", tag).encode()


def archive(tag: str) -> bytes:
    """The .tar.gz bytes: kubectl-imagewatch (0755) and LICENSE (0644), reproducibly."""
    with open(os.path.join(ROOT, "LICENSE"), "rb") as f:
        license_text = f.read()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data, mode in (("kubectl-imagewatch", launcher(tag), 0o755), ("LICENSE", license_text, 0o644)):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def manifest(text: str, tag: str, uri: str, sha: str) -> str:
    """plugin.yaml with this release's version, archive URL and sha256 (everything else as written)."""
    text, n1 = re.subn(r"(?m)^(  version: ).*$", rf"\g<1>{tag}", text)
    text, n2 = re.subn(r"(?m)^(    uri: ).*$", rf"\g<1>{uri}", text)
    text, n3 = re.subn(r'(?m)^(    sha256: ).*$', rf'\g<1>"{sha}"', text)
    text = re.sub(r"pipx install \S+", f"pipx install 'git+{REPO_URL}@{tag}'", text)
    if (n1, n2, n3) != (1, 1, 1):
        sys.exit("plugin.yaml: expected one spec.version, one uri and one sha256 line")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "dist"), help="directory for the archive (default: dist/)")
    ap.add_argument("--manifest", default=os.path.join(ROOT, "plugin.yaml"), help="plugin.yaml to update in place")
    ap.add_argument("--base-url", default=f"{REPO_URL}/releases/download",
                    help="release download URL; the archive is at BASE/vX.Y.Z/NAME")
    args = ap.parse_args(argv)
    tag = "v" + version()
    name = f"kubectl-imagewatch-{tag}.tar.gz"
    data = archive(tag)
    sha = hashlib.sha256(data).hexdigest()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, name)
    with open(path, "wb") as f:
        f.write(data)
    with open(args.manifest, encoding="utf-8") as f:
        text = f.read()
    new = manifest(text, tag, f"{args.base_url.rstrip('/')}/{tag}/{name}", sha)
    tmp = args.manifest + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, args.manifest)
    print(f"{path}  sha256 {sha}\n{args.manifest} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
