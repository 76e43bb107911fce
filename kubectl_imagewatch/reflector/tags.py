"""Where tags come from: a tags file (FileTags) or the registries (RegistryTags).

Tags travel as one `dict[tag, digest-or-None]` from the provider through selection; a digest the
source already knows is carried, not fetched again. RegistryTags keeps one client per repository
from the scan to the digest (one token exchange, one connection), and closes them all at the end.
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, Callable, Optional

from kubectl_imagewatch.manifests.model import FluxObject

Tags = dict[str, Optional[str]]
SecretLookup = Callable[[str, str], Optional[dict]]
Progress = Callable[[int, int], None]


class TagProvider:
    """The interface simulate, update and run read tags through."""

    def tags(self, repo: FluxObject) -> tuple[Optional[Tags], Optional[str]]:
        """(tags, error) of the repository."""
        raise NotImplementedError

    def prefetch(self, repos: list[FluxObject]) -> None:
        """Start every scan at once (bounded concurrency); default: nothing to do."""

    def digest(self, repo: FluxObject, tag: str, known: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        """(digest, error) of image:tag for digestReflectionPolicy; default: what the tag source said."""
        return known, None

    def close(self) -> None:
        """Release connections; default: nothing held."""


class FileTags(TagProvider):
    """Tags (and digests) from a `--tags-file`."""

    def __init__(self, path: str) -> None:
        from kubectl_imagewatch.reflector import tagfile

        self.path = path
        self.source = tagfile.load(path)

    def tags(self, repo: FluxObject) -> tuple[Optional[Tags], Optional[str]]:
        image = str(repo.spec.get("image") or "")
        found = self.source.lookup(repo.namespace, repo.name, image)
        if found is not None:
            return found, None
        return None, (f"no tags for ImageRepository {repo.ref} ({image}) in {self.path}; "
                      f"add a key '{repo.ref}' or '{image}'" + self._near(repo.ref, image))

    def _near(self, ref: str, image: str) -> str:
        """The file's key that looks like a typo for this repository, else the keys it has."""
        import difflib

        keys = [k for k in self.source.entries if k != "*"]
        for want, cutoff in ((ref, 0.75), (image, 0.8)):
            close = difflib.get_close_matches(want, keys, n=1, cutoff=cutoff)
            if close:
                return f" (the file's key '{close[0]}' looks like a typo for '{want}')"
        shown = ", ".join(repr(k) for k in keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        return f" (the file's keys: {shown})" if keys else ""

    def digest(self, repo: FluxObject, tag: str, known: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        return known, (None if known else f"no digest for tag {tag} in {self.path} (use tag: digest)")


class RegistryTags(TagProvider):
    """Tags from the registries, scanned as image-reflector-controller does."""

    def __init__(self, secret_lookup: Optional[SecretLookup] = None, cache_dir: Optional[str] = None,
                 progress: Optional[Progress] = None) -> None:
        self.secret_lookup = secret_lookup
        self.cache_dir = cache_dir
        self.progress = progress
        self.scanned: dict[str, tuple[Optional[list[str]], Optional[str]]] = {}
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_all, self._clients)

    def _keep(self, ref: str, client: Any) -> None:
        with self._lock:
            old = self._clients.get(ref)
            self._clients[ref] = client
        if old is not None:
            old.close()

    def prefetch(self, repos: list[FluxObject]) -> None:
        from kubectl_imagewatch.reflector.registry import scan

        todo = [r for r in repos if r.ref not in self.scanned]
        if todo:
            self.scanned.update(scan.scan_many(todo, self.secret_lookup, self.cache_dir, self.progress, self._keep))

    def tags(self, repo: FluxObject) -> tuple[Optional[Tags], Optional[str]]:
        if repo.ref not in self.scanned:
            self.prefetch([repo])
        tags, err = self.scanned[repo.ref]
        return (dict.fromkeys(tags) if tags is not None else None), err

    def digest(self, repo: FluxObject, tag: str, known: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        from kubectl_imagewatch.errors import OperationError
        from kubectl_imagewatch.reflector.registry import scan

        if known:
            return known, None
        try:
            with self._lock:
                client = self._clients.get(repo.ref)
            if client is None:  # served from the cache: no client yet
                client = scan.client_for(repo, self.secret_lookup)
                self._keep(repo.ref, client)
            return client.digest(tag), None
        except OperationError as e:
            return None, str(e)

    def close(self) -> None:
        self._finalizer()


def _close_all(clients: dict) -> None:
    for c in list(clients.values()):
        c.close()
    clients.clear()


def provider(tags_file: Optional[str] = None, cache_dir: Optional[str] = None,
             secret_lookup: Optional[SecretLookup] = None, progress: Optional[Progress] = None) -> TagProvider:
    """FileTags when a tags file is given, else RegistryTags."""
    if tags_file:
        return FileTags(tags_file)
    return RegistryTags(secret_lookup, cache_dir, progress)
