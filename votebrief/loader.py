"""The content store: every content file parsed once, re-read only when it changes.

A file's parse is reused while its mtime and size are unchanged. A file that stops
parsing keeps serving its last good version while its problems are reported. Every
change yields a new immutable Snapshot whose fingerprint is derived from file
contents, so caches keyed by it need no invalidation, across processes too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from votebrief.errors import ContentError, ContentFileError, Severity
from votebrief.model import Briefing, Page, Region, SiteConfig
from votebrief.parse import digest, parse_briefing, parse_page, parse_site_config

log = logging.getLogger("votebrief.content")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
T = TypeVar("T")

#: Used only until content/site.yaml has parsed once; regions then come from the briefings.
FALLBACK_SITE = SiteConfig(
    name="VoteBrief",
    tagline="Election briefings",
    description="Briefings on upcoming national elections.",
    disclaimer="Links to outside articles are not endorsements.",
    regions=[Region(name="Unassigned", slug="unassigned")],
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """All content as of one moment: immutable, so a request sees one consistent version."""

    site: SiteConfig
    briefings: Mapping[str, Briefing]
    pages: Mapping[str, Page]
    problems: tuple[ContentError, ...]
    fingerprint: str


@dataclass(slots=True)
class _Entry(Generic[T]):
    stat: tuple[int, int] | None = None
    good: T | None = None
    problems: list[ContentError] = field(default_factory=list)


class ContentStore:
    """Loads content/ lazily and keeps it fresh; thread-safe."""

    def __init__(self, root: Path | str, *, check_interval: float = 1.0, max_bytes: int = 1_000_000) -> None:
        self.root = Path(root)
        self.check_interval = check_interval
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._site: _Entry[SiteConfig] = _Entry()
        self._briefings: dict[str, _Entry[Briefing]] = {}
        self._pages: dict[str, _Entry[Page]] = {}
        self._snapshot: Snapshot | None = None
        self._checked = float("-inf")
        #: Counts files parsed, so tests can prove an unchanged file is not read again.
        self.parse_count = 0

    def snapshot(self) -> Snapshot:
        """The current content, re-checking the disk at most once per check interval."""
        if self._snapshot is not None and time.monotonic() - self._checked < self.check_interval:
            return self._snapshot
        with self._lock:
            if self._snapshot is None or time.monotonic() - self._checked >= self.check_interval:
                self._refresh()
                self._checked = time.monotonic()
        assert self._snapshot is not None
        return self._snapshot

    def _refresh(self) -> None:
        changed = self._snapshot is None
        site_changed = self._update(self._site, self.root / "site.yaml", parse_site_config, required=True)
        changed |= site_changed
        regions = [r.name for r in self._site.good.regions] if self._site.good else []
        changed |= self._update_folder(
            self._briefings,
            "countries",
            lambda raw, path, slug: parse_briefing(raw, path, slug, regions),
            force=site_changed,
        )
        changed |= self._update_folder(self._pages, "pages", parse_page)
        if changed:
            self._snapshot = self._build()

    def _update_folder(
        self,
        entries: dict[str, _Entry],
        folder: str,
        parse: Callable[[bytes, str, str], object],
        *,
        force: bool = False,
    ) -> bool:
        changed = False
        found = {}
        directory = self.root / folder
        try:
            with os.scandir(directory) as scan:
                for item in scan:
                    if item.name.endswith(".md") and not item.name.startswith("."):
                        found[item.name[:-3]] = Path(item.path)
        except FileNotFoundError:
            pass
        for slug in entries.keys() - found.keys():
            del entries[slug]
            changed = True
        for slug, path in sorted(found.items()):
            entry = entries.setdefault(slug, _Entry())
            if force:
                entry.stat = None
            changed |= self._update(entry, path, lambda raw, p, s=slug: parse(raw, p, s), slug=slug)
        return changed

    def _update(
        self, entry: _Entry, path: Path, parse: Callable, *, slug: str | None = None, required: bool = False
    ) -> bool:
        """Re-read one file if its mtime or size changed; True when what it serves changed."""
        shown = self._shown(path)
        try:
            stat = path.stat()
        except FileNotFoundError:
            if required and entry.stat != (0, 0):
                entry.stat = (0, 0)
                entry.problems = [ContentError(shown, 1, "file", "is missing")]
                return True
            return False
        key = (stat.st_mtime_ns, stat.st_size)
        if key == entry.stat:
            return False
        problems = self._check_file(path, shown, slug, stat.st_size)
        raw = b""
        if not problems:
            raw = path.read_bytes()
            after = path.stat()
            if (after.st_mtime_ns, after.st_size) != key:
                # Written while we read it: leave the entry alone and look again next check.
                return False
        entry.stat = key
        before = entry.good
        if not problems:
            self.parse_count += 1
            try:
                entry.good = parse(raw, shown)
                entry.problems = list(getattr(entry.good, "warnings", ()))
            except ContentFileError as exc:
                problems = exc.problems
        if problems:
            entry.problems = problems
            for problem in problems:
                log.warning("%s%s", problem, " (serving the last good version)" if entry.good else "")
        return entry.good is not before or bool(problems)

    def _check_file(self, path: Path, shown: str, slug: str | None, size: int) -> list[ContentError]:
        if slug is not None and not SLUG.match(slug):
            return [ContentError(shown, 1, "file", "name must be lowercase letters, digits and hyphens, ending .md")]
        if path.is_symlink():
            try:
                path.resolve(strict=True).relative_to(self.root.resolve())
            except (ValueError, OSError):
                return [ContentError(shown, 1, "file", "is a symlink to a file outside the content folder")]
        if size > self.max_bytes:
            return [ContentError(shown, 1, "file", f"is {size:,} bytes, over the limit of {self.max_bytes:,}")]
        return []

    def _shown(self, path: Path) -> str:
        try:
            return str(Path(self.root.name) / path.relative_to(self.root))
        except ValueError:
            return str(path)

    def _build(self) -> Snapshot:
        problems = list(self._site.problems)
        briefings: dict[str, Briefing] = {}
        owners: dict[str, str] = {}
        for slug, entry in sorted(self._briefings.items()):
            problems += entry.problems
            if entry.good is None:
                continue
            iso = entry.good.meta.iso
            if iso in owners:
                problems.append(
                    ContentError(
                        entry.good.path,
                        entry.good.line_of("iso"),
                        "iso",
                        f'"{iso}" is already used by {briefings[owners[iso]].path}',
                    )
                )
                continue
            owners[iso] = slug
            briefings[slug] = entry.good
        pages = {}
        for slug, page_entry in sorted(self._pages.items()):
            problems += page_entry.problems
            if page_entry.good is not None:
                pages[slug] = page_entry.good
        site = self._site.good or FALLBACK_SITE
        parts = [site.model_dump_json()]
        parts += [f"b:{slug}:{b.digest}" for slug, b in briefings.items()]
        parts += [f"p:{slug}:{p.digest}" for slug, p in pages.items()]
        fingerprint = hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()
        return Snapshot(site, briefings, pages, tuple(problems), fingerprint)

    def errors(self) -> list[ContentError]:
        return [p for p in self.snapshot().problems if p.severity is Severity.ERROR]


__all__ = ["ContentStore", "Snapshot", "digest"]
