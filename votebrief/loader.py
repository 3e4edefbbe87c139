"""The content store: every content file parsed once, re-read only when it changes.

A file's parse is reused while its mtime and size are unchanged. A file that stops
parsing keeps serving its last good version while its problems are reported. Every
change yields a new immutable Snapshot whose fingerprint is derived from file
contents, so caches keyed by it need no invalidation, across processes too.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import logging
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from votebrief.errors import ContentError, ContentFileError
from votebrief.gitdates import GitDates
from votebrief.model import Briefing, Page, Region, SiteConfig
from votebrief.parse import digest, front_matter_end, parse_briefing, parse_page, parse_site_config
from votebrief.source import RACY_NS
from votebrief.sourcecache import SourceCache

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
    briefings: LazyBriefings
    pages: Mapping[str, Page]
    #: Problems of site.yaml and the pages; the briefings' own come from ``briefings``.
    other_problems: tuple[ContentError, ...]
    fingerprint: str
    #: The newest modification time (Unix seconds) of any content file, for Last-Modified.
    modified: float = 0.0

    @property
    def problems(self) -> tuple[ContentError, ...]:
        return (*self.other_problems, *self.briefings.problems)


_RAW_ISO = re.compile(rb"""^iso:[ \t]*["']?([A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?)["']?[ \t]*(?:#.*)?$""", re.MULTILINE)


_RAW_PUBLISH_AT = re.compile(rb"""^publish_at:[ \t]*["']?([0-9T:+\- ]+?)["']?[ \t]*(?:#.*)?$""", re.MULTILINE)


def _has_updated(front: bytes) -> bool:
    """Whether a line starts "updated:" (a substring test: a line-anchored search tries every position)."""
    return front.startswith(b"updated:") or b"\nupdated:" in front


def _front(raw: bytes | None) -> bytes:
    # Only the front-matter holds fields: scanning a 14 KB body for them is wasted time.
    return raw[: front_matter_end(raw)] if raw else b""


@dataclass(frozen=True, slots=True)
class BriefingSource:
    """What a briefing's outputs are made from, known from its bytes without parsing them."""

    digest: str
    front_digest: str
    #: False when the front-matter has no ``updated`` field, so the date may come from git.
    dated: bool
    #: The file's modification time, when it decides which of two files keeps an ISO code.
    contested_mtime: int | None


def _raw_moment(front: bytes | None) -> dt.datetime | None:
    """A publish_at moment read straight from the front-matter's bytes (the file may not be parsed yet)."""
    if not front or b"publish_at:" not in front:
        return None  # most files: a substring test is a tenth of the search
    found = _RAW_PUBLISH_AT.findall(front)
    if len(found) != 1:
        return None
    try:
        moment = dt.datetime.fromisoformat(found[0].decode().strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _raw_iso(front: bytes | None) -> str | None:
    """The ISO code as written on its own line, or None when it is not plainly there."""
    front = front or b""
    line = front.find(b"\niso:") + 1
    if line and not front.startswith(b"iso:") and front.find(b"\niso:", line) < 0:
        # One line starts "iso:", the only place the pattern can match: match it there
        # rather than search every line (a fifth of the time, for every file at start-up).
        match = _RAW_ISO.match(front, line)
        return match[1].decode().upper() if match else None
    found = _RAW_ISO.findall(front)
    return found[0].decode().upper() if len(found) == 1 else None


@dataclass(frozen=True, slots=True)
class _Claim:
    """One briefing file as a snapshot saw it: parsed, or bytes still to parse."""

    entry: _Entry[Briefing]
    good: Briefing | None
    pending: bytes | None
    problems: tuple[ContentError, ...]
    mtime: int


class LazyBriefings(Mapping[str, Briefing]):
    """The briefings of a snapshot; files new since start-up are parsed when first needed.

    Looking up one slug parses that file alone, so the first request after start-up does
    not wait for thousands of files; listing them all parses the rest, then applies the
    rules that need every file (one ISO code, one briefing).
    """

    def __init__(self, store: ContentStore, claims: dict[str, _Claim]) -> None:
        self._store = store
        self._claims = claims
        #: The front-matter bytes of each file not parsed yet, found once.
        self._fronts = {slug: _front(claim.pending) for slug, claim in claims.items() if claim.pending is not None}
        # Which slugs may share an ISO code, found cheaply from the raw lines: only for
        # those must a lookup wait for every file, since the older file keeps the code.
        codes: dict[str | None, list[str]] = {}
        for slug, claim in claims.items():
            code = claim.good.meta.iso if claim.pending is None and claim.good else _raw_iso(self._fronts.get(slug))
            codes.setdefault(code, []).append(slug)
        self._contested = {slug for code, slugs in codes.items() if code is None or len(slugs) > 1 for slug in slugs}
        #: Every scheduled publication moment, sorted: caches key pages by how many have passed,
        #: so a briefing joins the lists at its moment, not when the content next changes.
        moments = (
            c.good.meta.publish_at if c.pending is None and c.good else _raw_moment(self._fronts.get(slug))
            for slug, c in claims.items()
        )
        self.publish_moments = tuple(sorted(m for m in moments if m is not None))
        self._parsed: dict[str, Briefing | None] = {}
        #: Front-matter digests found for ``sources``, so parsing does not hash those bytes again.
        self._front_digests: dict[str, str] = {}
        self._assembling = threading.Lock()
        self._final: dict[str, Briefing] | None = None
        self._problems: tuple[ContentError, ...] = ()
        self._sources: dict[str, BriefingSource] | None = None
        #: Values worked out from all these briefings (votebrief.views), kept for the many
        #: lists of one snapshot; a new snapshot starts with none.
        self.derived: dict[str, Any] = {}

    def _one(self, slug: str) -> Briefing | None:
        claim = self._claims.get(slug)
        if claim is None:
            return None
        if claim.pending is None:
            return claim.good
        if slug not in self._parsed:
            self._parsed[slug] = self._store._parse_pending(claim, self._front_digests.get(slug))
        return self._parsed[slug]

    def sources(self) -> dict[str, BriefingSource]:
        """Every briefing file of this snapshot, good or not, by slug: its digests, without parsing."""
        if self._sources is None:
            self._sources = {slug: self._source(slug, claim) for slug, claim in self._claims.items()}
        return self._sources

    def _source(self, slug: str, claim: _Claim) -> BriefingSource:
        mtime = claim.mtime if slug in self._contested else None
        good = claim.good if claim.pending is None else self._parsed.get(slug)
        if good is not None:
            return BriefingSource(good.digest, good.front_digest, good.meta.updated is not None, mtime)
        if claim.pending is not None and slug not in self._parsed:
            front = self._fronts[slug]
            whole = claim.entry.digest if claim.entry.pending is claim.pending else digest(claim.pending)
            front_digest = self._front_digests[slug] = digest(front)
            return BriefingSource(whole or "", front_digest, _has_updated(front), mtime)
        # A broken file is in no output, but fixing it must change the keys.
        return BriefingSource(claim.entry.digest or "", claim.entry.digest or "", True, mtime)

    def _all(self) -> dict[str, Briefing]:
        if self._final is None:
            # Its own lock, not the store's: a lookup of one briefing must not wait while
            # another thread parses all of them (each file's parse takes the store's lock briefly).
            with self._assembling:
                if self._final is None:
                    self._final, self._problems = self._assemble()
                    self.sources()  # cheap now that every file is parsed, and impossible once the claims go
                    # Every lookup now goes through _final: let the raw bytes go (15 KB a file).
                    self._claims = {}
                    self._parsed = {}
                    self._fronts = {}
                    self._front_digests = {}
        return self._final

    def _assemble(self) -> tuple[dict[str, Briefing], tuple[ContentError, ...]]:
        # Parsing makes hundreds of thousands of small objects and no garbage cycles; the
        # collector's passes over them would add half again to the time (0.73 s against 1.1 s
        # for 2,000 files).
        collecting = gc.isenabled()
        gc.disable()
        try:
            goods = {slug: self._one(slug) for slug in sorted(self._claims)}
        finally:
            if collecting:
                gc.enable()
        problems: list[ContentError] = []
        # Of two files with one ISO code, the older keeps its page and the newcomer is reported:
        # adding a duplicate must not take down a page that is serving. File times, not this
        # process's history, decide, so every worker agrees.
        owners: dict[str, Briefing] = {}
        for _, _, good in sorted((self._claims[s].mtime, s, g) for s, g in goods.items() if g is not None):
            owners.setdefault(good.meta.iso, good)
        final: dict[str, Briefing] = {}
        for slug, good in goods.items():
            claim = self._claims[slug]
            problems += claim.entry.problems if claim.pending is not None else claim.problems
            if good is None:
                continue
            iso = good.meta.iso
            if owners[iso] is not good:
                message = f'"{iso}" is already used by {owners[iso].path}'
                problems.append(ContentError(good.path, good.line_of("iso"), "iso", message))
                continue
            final[slug] = good
        return final, tuple(problems)

    @property
    def problems(self) -> tuple[ContentError, ...]:
        self._all()
        return self._problems

    def get(self, slug: str, default: Briefing | None = None) -> Briefing | None:  # type: ignore[override]
        if self._final is not None or slug in self._contested:
            return self._all().get(slug, default)
        found = self._one(slug)
        return default if found is None else found

    def __getitem__(self, slug: str) -> Briefing:
        found = self.get(slug)
        if found is None:
            raise KeyError(slug)
        return found

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and self.get(slug) is not None


@dataclass(slots=True)
class _Entry(Generic[T]):
    stat: tuple[int, int] | None = None
    good: T | None = None
    problems: list[ContentError] = field(default_factory=list)
    #: The digest of the bytes last parsed (good or not), so re-reading a racy file costs no parse.
    digest: str | None = None
    racy: bool = False
    #: Bytes read at start-up and not parsed yet (see LazyBriefings), with how to parse them.
    pending: bytes | None = None
    #: Called as ``parser(raw, shown, whole=..., front=...)`` with the digests already known.
    parser: Callable[..., T] | None = None
    shown: str = ""


class ContentStore:
    """Loads content/ lazily and keeps it fresh; thread-safe."""

    def __init__(
        self,
        root: Path | str,
        *,
        check_interval: float = 1.0,
        max_bytes: int = 1_000_000,
        warm_in_background: bool = False,
    ) -> None:
        self.root = Path(root)
        self.warm_in_background = warm_in_background
        self._warming: threading.Thread | None = None
        #: What YAML read from each file, kept between exports; None outside ``flask freeze``.
        self.source_cache: SourceCache | None = None
        #: Slugs an export may parse for its lists alone (Briefing.for_lists); see ``drop_for_lists``.
        self.for_lists: frozenset[str] = frozenset()
        self.check_interval = check_interval
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._site: _Entry[SiteConfig] = _Entry()
        self._briefings: dict[str, _Entry[Briefing]] = {}
        self._pages: dict[str, _Entry[Page]] = {}
        self._snapshot: Snapshot | None = None
        self._checked = float("-inf")
        self._dropping = False
        #: Counts files parsed, so tests can prove an unchanged file is not read again.
        self.parse_count = 0
        #: Dates briefings without an ``updated`` field from git, once per file version.
        self.git_dates = GitDates()

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

    @property
    def loaded(self) -> bool:
        """Whether the content has been looked at: later looks read only the files that changed."""
        return self._snapshot is not None

    @contextmanager
    def pinned(self) -> Iterator[Snapshot]:
        """The content as it is now, not checked again until the block ends.

        An export renders thousands of pages from one version of the content: a file saved
        meanwhile must not give half the pages the old version and half the new. Nor need
        each export worker look at every file again each check interval.
        """
        with self._lock:
            self._refresh()
            self._checked = time.monotonic()
            interval, self.check_interval = self.check_interval, float("inf")
        try:
            assert self._snapshot is not None
            yield self._snapshot
        finally:
            self.check_interval = interval

    def _refresh(self) -> None:
        if self._dropping:
            self._drop_parsed_for_lists()
        changed = self._snapshot is None
        site_changed = self._update(self._site, self.root / "site.yaml", parse_site_config, required=True)
        changed |= site_changed
        regions = [r.name for r in self._site.good.regions] if self._site.good else []
        changed |= self._update_folder(
            self._briefings,
            "countries",
            functools.partial(self._parse_briefing, regions),
            force=site_changed,
            lazy=True,
        )
        changed |= self._update_folder(self._pages, "pages", parse_page)
        if changed:
            self._snapshot = self._build()

    def drop_for_lists(self) -> None:
        """Forget every briefing parsed for an export's lists alone, so that nothing serves one.

        The next look at the content reads and parses their files in full. Not now: a
        `flask freeze` that ends here would spend 20 ms freeing them for nothing.
        """
        with self._lock:
            if not self.for_lists:
                return  # none was (a resident export's store): nothing to drop, no need to look again
            self.for_lists = frozenset()
            self._dropping = True
            self._checked = float("-inf")  # the next snapshot() looks at the content again

    def _drop_parsed_for_lists(self) -> None:
        self._dropping = False
        for entry in self._briefings.values():
            if entry.good is not None and entry.good.for_lists:
                entry.stat, entry.digest, entry.good, entry.problems = None, None, None, []
                self._snapshot = None

    def _parse_briefing(
        self, regions: list[str], raw: bytes, path: str, slug: str, whole: str | None = None, front: str | None = None
    ) -> Briefing:
        cache, lists_only = self.source_cache, slug in self.for_lists
        return self._dated(
            parse_briefing(raw, path, slug, regions, cache, whole=whole, front=front, for_lists=lists_only)
        )

    def _dated(self, briefing: Briefing) -> Briefing:
        if briefing.meta.updated is not None:
            return briefing  # most briefings: no path to build for git (2,000 Path objects, 8 ms)
        return self.git_dates.dated(briefing, self.root / "countries" / f"{briefing.slug}.md")

    def _update_folder(
        self,
        entries: dict[str, _Entry],
        folder: str,
        parse: Callable[[bytes, str, str], object],
        *,
        force: bool = False,
        lazy: bool = False,
    ) -> bool:
        changed = False
        found = {}
        directory = self.root / folder
        try:
            with os.scandir(directory) as scan:
                for item in scan:
                    if item.name.endswith(".md") and not item.name.startswith("."):
                        # Strings, not Path objects: made for every file at every check.
                        found[item.name[:-3]] = (item.path, os.path.join(self.root.name, folder, item.name))
        except FileNotFoundError:
            pass
        for slug in entries.keys() - found.keys():
            del entries[slug]
            changed = True
        for slug, (path, shown) in sorted(found.items()):
            entry = entries.setdefault(slug, _Entry())
            if force:
                entry.stat, entry.digest = None, None
            changed |= self._update(
                entry,
                path,
                lambda raw, p, s=slug, **known: parse(raw, p, s, **known),
                slug=slug,
                lazy=lazy,
                shown=shown,
            )
        return changed

    def _update(
        self,
        entry: _Entry,
        path: str | Path,
        parse: Callable,
        *,
        slug: str | None = None,
        required: bool = False,
        lazy: bool = False,
        shown: str | None = None,
    ) -> bool:
        """Re-read one file if its mtime or size changed; True when what it serves changed."""
        try:
            info = os.stat(path)
        except FileNotFoundError:
            if required and entry.stat != (0, 0):
                entry.stat = (0, 0)
                entry.problems = [ContentError(self._shown(path), 1, "file", "is missing")]
                return True
            return False
        key = (info.st_mtime_ns, info.st_size)
        if key == entry.stat and not entry.racy:
            return False
        shown = shown or self._shown(path)
        problems = self._check_file(path, shown, slug, info.st_size)
        raw, known = b"", None
        if not problems:
            # A file exactly as an earlier export read it (votebrief.sourcecache) is not read again.
            known = self.source_cache.known(str(path), info) if self.source_cache is not None else None
            if known is not None:
                raw = known[0]
            else:
                try:
                    with open(path, "rb") as file:
                        raw = file.read()
                        after = os.fstat(file.fileno())
                except FileNotFoundError:
                    return False  # deleted since we looked: the next check finds it gone
                except OSError as exc:  # a folder named *.md, no permission: the other files still serve
                    problems = [ContentError(shown, 1, "file", f"cannot be read: {exc.strerror or exc}")]
                else:
                    if (after.st_mtime_ns, after.st_size) != key:
                        # Written while we read it: leave the entry alone and look again next check.
                        return False
        entry.stat = key
        entry.racy = not problems and time.time_ns() - info.st_mtime_ns < RACY_NS
        new = None
        if not problems:
            new = known[1] if known is not None else digest(raw)
            if known is None and self.source_cache is not None:
                self.source_cache.read_file(str(path), info, raw, new)
            if new == entry.digest:
                return False
        if entry.pending is not None:
            # The file changed before its first version was ever parsed: parse that version
            # now (under its own digest, still in the entry), so that if the new one is
            # broken the old one still serves.
            self._parse_entry(entry)
        entry.digest = new
        if lazy and not problems and entry.good is None and not entry.problems:
            # Never served yet: keep the bytes and parse them when first needed.
            entry.pending, entry.parser, entry.shown = raw, parse, shown
            return True
        entry.pending = None
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

    def _check_file(self, path: str | Path, shown: str, slug: str | None, size: int) -> list[ContentError]:
        if slug is not None and not SLUG.match(slug):
            return [ContentError(shown, 1, "file", "name must be lowercase letters, digits and hyphens, ending .md")]
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            try:
                Path(path).resolve(strict=True).relative_to(self.root.resolve())
            except (ValueError, OSError):
                return [ContentError(shown, 1, "file", "is a symlink to a file outside the content folder")]
            mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            # A folder cannot be read, and reading a named pipe would block the worker forever.
            return [ContentError(shown, 1, "file", "is not a regular file")]
        if size > self.max_bytes:
            return [ContentError(shown, 1, "file", f"is {size:,} bytes, over the limit of {self.max_bytes:,}")]
        return []

    def _shown(self, path: str | Path) -> str:
        try:
            return str(Path(self.root.name) / Path(path).relative_to(self.root))
        except ValueError:
            return str(path)

    def _build(self) -> Snapshot:
        problems = list(self._site.problems)
        claims = {}
        for slug, entry in self._briefings.items():
            if entry.good is None and entry.pending is None and not entry.problems:
                continue
            mtime = entry.stat[0] if entry.stat else 0
            claims[slug] = _Claim(entry, entry.good, entry.pending, tuple(entry.problems), mtime)
        pages = {}
        for slug, page_entry in sorted(self._pages.items()):
            problems += page_entry.problems
            if page_entry.good is not None:
                pages[slug] = page_entry.good
        site = self._site.good or FALLBACK_SITE
        # The fingerprint hashes file contents (parsed or still pending), never this process's history.
        parts = [site.model_dump_json()]
        parts += [
            f"b:{slug}:{c.entry.digest if c.pending is not None else c.good.digest}"
            for slug, c in sorted(claims.items())
            if c.pending is not None or c.good is not None
        ]
        parts += [f"p:{slug}:{p.digest}" for slug, p in pages.items()]
        fingerprint = hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()
        stats = [self._site.stat, *(e.stat for e in self._briefings.values()), *(e.stat for e in self._pages.values())]
        modified = max((found[0] for found in stats if found), default=0) / 1e9
        return Snapshot(site, LazyBriefings(self, claims), pages, tuple(problems), fingerprint, modified)

    @property
    def warm_started(self) -> bool:
        return self._warming is not None

    def warm_soon(self, delay: float = 1.0) -> None:
        """Load the store and warm it after ``delay`` seconds (gunicorn calls this as a worker starts)."""

        def later() -> None:
            self.snapshot()
            self.warm()

        timer = threading.Timer(delay, later)
        timer.daemon = True
        timer.start()

    def warm(self) -> None:
        """Parse every briefing still pending, in a background thread (once per store).

        Called after the first response is sent: that response did not wait for the
        other files, and a list page soon after start-up finds them all ready.
        """
        if not self.warm_in_background or self._warming is not None:
            return
        snapshot = self._snapshot
        if snapshot is None:
            return
        self._warming = threading.Thread(target=lambda: len(snapshot.briefings), name="warm-content", daemon=True)
        self._warming.start()

    def _parse_entry(self, entry: _Entry, front: str | None = None) -> Briefing | None:
        """``front``: the digest of the front-matter of ``entry.pending``, when known."""
        assert entry.pending is not None and entry.parser is not None
        self.parse_count += 1
        try:
            entry.good = entry.parser(entry.pending, entry.shown, whole=entry.digest, front=front)
            entry.problems = list(getattr(entry.good, "warnings", ()))
        except ContentFileError as exc:
            entry.problems = exc.problems
            for problem in exc.problems:
                log.warning("%s", problem)
        entry.pending = None
        return entry.good

    def _parse_pending(self, claim: _Claim, front: str | None = None) -> Briefing | None:
        """Parse bytes a snapshot kept for later; the store's entry learns the result too.

        ``front``: the digest of the front-matter of ``claim.pending``, when known.
        """
        with self._lock:
            entry = claim.entry
            if entry.pending is claim.pending and entry.parser is not None:
                return self._parse_entry(entry, front)
            if entry.pending is None and entry.digest == digest(claim.pending):
                return entry.good  # parsed meanwhile through another snapshot
            # The file changed after this snapshot was taken: parse its old bytes for it alone.
            try:
                return entry.parser(claim.pending, entry.shown, whole=None, front=front) if entry.parser else None
            except ContentFileError:
                return None


__all__ = ["BriefingSource", "ContentStore", "Snapshot", "digest"]
