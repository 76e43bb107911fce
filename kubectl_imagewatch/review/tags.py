"""One tag source for both sides of a diff: a tags file read once, or each registry scanned once.

A winner may only move because the manifests moved, never because the registry answered twice
differently (or a tags file on stdin could be read only once). The tags file provider depends
on no inventory, so both sides share it; a live scan needs each side's inventory (Secrets), so
each side gets its own scanner behind a cache keyed by everything that decides what a scan
returns: the repository's namespace and its spec without the fields applied after the scan.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from kubectl_imagewatch.reflector.tags import TagProvider

_AFTER_SCAN = ("exclusionList", "interval", "suspend", "accessFrom")  # applied to the tags, not the scan


def _key(repo: Any) -> str:
    spec = {k: v for k, v in repo.spec.items() if k not in _AFTER_SCAN}
    return json.dumps([repo.namespace, spec], sort_keys=True, default=str)


class SharedTags:
    """`factory(inv)` gives each side its TagProvider (api.SimulateOptions.tags)."""

    def __init__(self, tags_file: Optional[str], cache_dir: Optional[str] = None) -> None:
        self.tags_file, self.cache_dir = tags_file, cache_dir
        self._file: Optional[TagProvider] = None
        self.tags: dict[str, tuple] = {}
        self.digests: dict[tuple[str, str], tuple] = {}

    def factory(self, inv: Any) -> TagProvider:
        from kubectl_imagewatch import api

        if self.tags_file:
            if self._file is None:
                self._file = api.tag_provider(self.tags_file, self.cache_dir, inv)  # type: ignore[assignment]
            assert self._file is not None
            return self._file
        return _Cached(self, api.tag_provider(None, self.cache_dir, inv))  # type: ignore[arg-type]


class _Cached(TagProvider):
    def __init__(self, shared: SharedTags, inner: TagProvider) -> None:
        self.shared, self.inner = shared, inner

    def prefetch(self, repos: list) -> None:
        todo = [r for r in repos if _key(r) not in self.shared.tags]
        if todo:
            self.inner.prefetch(todo)

    def tags(self, repo: Any) -> tuple:
        k = _key(repo)
        if k not in self.shared.tags:
            self.shared.tags[k] = self.inner.tags(repo)
        return self.shared.tags[k]

    def digest(self, repo: Any, tag: str, known: Optional[str]) -> tuple:
        k = (_key(repo), tag)
        if k not in self.shared.digests:
            self.shared.digests[k] = self.inner.digest(repo, tag, known)
        return self.shared.digests[k]
