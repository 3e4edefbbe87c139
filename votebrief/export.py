"""``flask freeze``: the whole public site written out as static files for any static host or CDN.

Frozen-Flask requests every URL that ``votebrief.urls.public_urls`` yields (plus the static
files) through the app and writes each response to a file named as a plain host expects:
``/countries/kenya/`` becomes ``countries/kenya/index.html``, ``/feed.atom`` stays
``feed.atom``. Only that generator drives the export, so the export, the sitemap and the
crawl test agree on what exists.

A second export into the same folder renders only what changed. Each output has a key
made of what it is drawn from; a manifest keeps the keys:

- a briefing's page, calendar and JSON: that file's bytes, the site settings, the day;
- every other output (lists, calendars, feeds, the sitemap): the *site key* (what every
  briefing's front-matter can show outside its own page, site.yaml, the pages, the day,
  scheduled publications that have passed) plus the bytes of each briefing whose
  Markdown body it showed, which the export records while it renders (only feeds show
  bodies).

The manifest keeps, for each file, what its front-matter can show, under the
front-matter's bytes: only a file whose front-matter changed is parsed to find the site
key. So an edit of a body, or of fields shown on the briefing's page only, needs no parse
of the 1,999 other files: the URL list and the lists stay as they are, and only the
outputs made from that file are rendered again. ``EXPORT_CACHE_DIR`` keeps rendered
bodies and the pieces lists are made of (votebrief.web.rendercache) and what YAML read
from each file (votebrief.sourcecache), so what must be rendered again is put together
from what has not changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import importlib
import importlib.metadata
import json
import logging
import multiprocessing
import os
import shutil
import stat
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
import pydantic
import yaml
from flask import Flask, current_app, g, request, request_finished, request_started
from flask.cli import with_appcontext
from flask_frozen import Freezer, MissingURLGeneratorWarning
from jinja2 import FileSystemBytecodeCache

from votebrief import views
from votebrief.errors import ContentFileError, Severity
from votebrief.freezeclient import ExportClient
from votebrief.loader import BriefingSource, Snapshot
from votebrief.model import SHOWN_ON_ITS_PAGE_ONLY, Briefing
from votebrief.source import split_source
from votebrief.sourcecache import SourceCache
from votebrief.urls import briefing_api_path, briefing_calendar_path, briefing_path, public_urls
from votebrief.web import rendercache
from votebrief.web.pagecache import current_version, published_epoch
from votebrief.web.rendercache import RenderCache
from votebrief.web.site import rendered_body
from votebrief.web.state import current_now, current_today, snapshot

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

#: Left in every export, so a later export into the same folder knows it may replace its files.
MARKER = ".votebrief-export"
NOT_FOUND_PAGE = "404.html"
#: Below this many outputs, forking workers (about 10 ms each) costs more than it saves.
PARALLEL_MIN_URLS = 8
MANIFEST_VERSION = 3


class ExportError(click.ClickException):
    """An export that would do harm, such as emptying a folder it did not write."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    urls: list[str]
    #: The outputs rendered this time; the others were up to date.
    rendered: list[str]
    removed: int
    #: Content errors that left a file out of the export.
    errors: int = 0
    #: What the export was made of: the content's fingerprint, the day and how many scheduled
    #: publications had passed (pagecache.current_version). ``flask freeze --watch`` exports
    #: again when the current one differs.
    version: tuple[str, dt.date, int] | None = None

    @property
    def written(self) -> int:
        return len(self.rendered)

    def summary(self, dest: Path) -> str:
        """The line `flask freeze` prints when the export is written."""
        return (
            f"Exported {len(self.urls)} URLs to {dest.resolve()}: {self.written} rendered, "
            f"{len(self.urls) - self.written} unchanged, {self.removed} removed"
        )


def export_site(app: Flask, dest: Path, today: dt.date | None = None, jobs: int | None = None) -> list[str]:
    """Write every public URL and static file under ``dest``; return the URLs, sorted.

    ``today`` pins the date that decides what is upcoming, so the same content exports the same files.
    """
    return export_incrementally(app, dest, today, jobs).urls


def export_incrementally(
    app: Flask,
    dest: Path,
    today: dt.date | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    *,
    resident: bool = False,
) -> ExportReport:
    """Render only the outputs whose inputs changed since the last export into ``dest``, on all cores.

    ``cache_dir`` keeps rendered Markdown bodies between exports (None: within this one only).
    ``resident``: this process stays to export again (``flask freeze --watch``). Every briefing
    is then validated in full and kept by the store, whose later looks read only the files
    that changed, so the YAML reads kept in ``cache_dir`` serve its first export alone.
    """
    dest = dest.resolve()
    _check_destination(dest, Path(app.root_path))
    if today is not None:
        app.config["TODAY"] = today
    base_url = app.config["SITE_URL"] + "/"
    app.config.update(
        FREEZER_DESTINATION=str(dest),
        # Absolute and canonical URLs in the pages already use SITE_URL; requests made with it
        # as their base see the same host and scheme a reader will.
        FREEZER_BASE_URL=base_url,
        # This module removes what no longer exists itself: Frozen-Flask would delete every
        # file an incremental run does not write again.
        FREEZER_REMOVE_EXTRA_FILES=False,
    )
    store = app.extensions["votebrief.store"]
    store.warm_in_background = False  # no thread may hold a lock when the workers fork
    before = _read_manifest(dest)
    jobs = jobs or os.cpu_count() or 1
    if cache_dir is not None and not (resident and store.loaded):
        store.source_cache = SourceCache(cache_dir, app.extensions["votebrief.code_version"])
    # A first export into this folder reads and parses every file before its workers start.
    ahead = _BodiesAhead(app, cache_dir if not before and jobs > 1 else None)
    try:
        with _collector_paused(), store.pinned():
            return _export(app, dest, before, jobs, cache_dir, ahead, resident)
    finally:
        ahead.stop()
        store.source_cache = None  # the server that may share this store keeps no copy of every file
        store.drop_for_lists()


class _BodiesAhead:
    """While this process reads and parses every file, another renders Markdown bodies into the body cache.

    Before the workers can start, one core reads and parses 2,000 files for over a second
    while the other has nothing to do: a helper process renders bodies meanwhile (some 300),
    starting with the briefings the workers reach last, until ``stop``. A body is kept under
    its own text, so the workers find it whatever the file's state: one read from a file saved
    since is simply never asked for. Nothing happens without a cache folder.
    """

    def __init__(self, app: Flask, cache_dir: Path | None) -> None:
        self._helper: multiprocessing.process.BaseProcess | None = None
        store = app.extensions["votebrief.store"]
        folder = store.root / "countries"
        files = sorted(str(f) for f in folder.glob("*.md")) if cache_dir is not None and folder.is_dir() else []
        if len(files) < AHEAD_MIN_FILES:
            return
        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        args = (cache_dir, app.extensions["votebrief.code_version"], files[::-1], store.max_bytes, self._stop)
        self._helper = context.Process(target=_render_bodies, args=args, name="bodies-ahead")
        self._helper.start()

    def stop(self) -> None:
        if self._helper is not None:
            self._stop.set()
            self._helper.join()  # a body takes a few milliseconds: it is soon done, its last ones saved
            self._helper = None


#: Fewer files parse too quickly for a helper to be worth starting.
AHEAD_MIN_FILES = 200


def _render_bodies(cache_dir: Path, code_version: str, files: list[str], max_bytes: int, stop: Event) -> None:
    gc.enable()  # the parent pauses its collector (_collector_paused); rendering makes garbage
    cache = RenderCache(cache_dir, code_version)
    try:
        for count, path in enumerate(files, 1):
            if stop.is_set():
                break
            try:
                found = os.lstat(path)
                # As the loader does: a named pipe would block this process (and the export
                # waiting for it) for good, and a link may lead out of the content folder.
                if not stat.S_ISREG(found.st_mode) or found.st_size > max_bytes:
                    continue
                _, body, _ = split_source(Path(path).read_bytes(), path)
            except (OSError, ContentFileError):
                continue  # a file the parse will report, or one gone since
            cache.html(body, functools.partial(rendered_body, body))
            if count % 16 == 0:
                cache.flush()  # so what is rendered is saved however soon the parse ends
    finally:
        cache.flush()
        cache.close()


@contextlib.contextmanager
def _collecting_rendered() -> Iterator[None]:
    """Collect while rendering here, as a worker does: rendering leaves cyclic garbage
    (6,000 outputs: 380 MB left uncollected, 270 MB collected). What exists now is frozen
    out of the collector's reach, as it is for a worker."""
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.disable()
        gc.unfreeze()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in this process while it exports; the workers collect as usual.

    Parsing leaves hundreds of thousands of objects that live to the end of the export,
    and each collection walks them again: 0.15 to 0.25 s of the time before the workers
    start, and the parent makes next to no cyclic garbage of its own.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _export(
    app: Flask, dest: Path, before: dict, jobs: int, cache_dir: Path | None, ahead: _BodiesAhead, resident: bool
) -> ExportReport:
    base_url = app.config["FREEZER_BASE_URL"]
    store = app.extensions["votebrief.store"]
    with app.test_request_context(base_url=base_url):
        snap = snapshot()
        sources = snap.briefings.sources()
        context = _KeyContext(app, snap, sources)
        present: dict[str, bool] = {}  # output files found on disk, by path
        version = current_version()
        # Before anything is parsed: which briefings the lists alone will need. A resident
        # store keeps what it parses for the next export, which may show any of them.
        store.for_lists = frozenset() if resident else _for_lists_alone(app, snap, sources, before, context, present)
        listed = _listed_digests(snap, sources, before)
        raw = site_key(app, snap, sources, listed)
        if before.get("raw") == raw and _changed_files_parse(snap, sources, before):
            # What the lists show is the same everywhere and no file is newly broken or
            # mended: the same URLs, and the lists need no parse.
            outputs = {path: dict(output) for path, output in before["outputs"].items()}
            broken, errors = before["broken"], before["errors"]
            # An output made of the briefings it shows (a feed) shows the same ones: their
            # bodies are all that can have changed.
            known = {path: output["reads"] for path, output in outputs.items() if output.get("from_shown")}
        else:
            known = {}
            len(snap.briefings)  # parse everything once, before forking, so workers share it
            outputs = {u.path: {"briefing": u.briefing, "reads": []} for u in public_urls(snap, current_now())}
            broken = sorted(_hash(f"file:{slug}") for slug in sources if slug not in snap.briefings)
            errors = sum(p.severity is Severity.ERROR for p in snap.problems)
        # A file that fails to parse because of its body leaves the lists, though no front-matter changed.
        site = context.site = _hash("|".join([raw, *broken]))
        keys = {path: context.key(output) for path, output in outputs.items()}
        scope = rendercache.scope()
    ahead.stop()  # the workers start soon: two cores, two workers
    old = before.get("outputs", {})
    # A file deleted by hand is written again. Plain strings: 6,000 Path objects cost 0.1 s.
    root = str(dest)
    todo = [p for p in outputs if old.get(p, {}).get("key") != keys[p] or not _present(present, root, p)]
    if any(outputs[path]["briefing"] in store.for_lists for path in todo):
        raise ExportError("a briefing parsed for the lists alone would be rendered as itself; this is a bug")
    gone = [path for path in old if path not in outputs]
    for path in gone:
        _remove(dest, _file_for(dest, path))

    def meanwhile() -> None:
        # The parent's own share, done while the workers render.
        _remove_old_static(dest, app.static_url_path or "")
        _write_not_found_page(app, dest)
        source_cache = app.extensions["votebrief.store"].source_cache
        if source_cache is not None:
            source_cache.save(source.digest for source in sources.values())

    code_version = app.extensions["votebrief.code_version"]
    cache = app.extensions[rendercache.EXTENSION] = _render_cache(app, cache_dir, scope, resident)
    compiled, client = app.jinja_env.bytecode_cache, app.test_client_class
    if cache_dir is not None:
        app.jinja_env.bytecode_cache = _compiled_templates(cache_dir, code_version)
    app.test_client_class = ExportClient  # what Frozen-Flask requests each output with
    try:
        if resident:  # also after an export with nothing to do: the next edit finds it done
            _ready_for_workers(app, base_url, snap, cache)
        reports, used = _freeze(app, todo, outputs, known, jobs, meanwhile)
        # Together the site-wide outputs use nearly every fragment: after rendering them all,
        # the unused ones are stale. (A feed rendered alone uses none, and proves nothing.)
        rendered = set(todo)
        lists_rendered = all(path in rendered for path, output in outputs.items() if output["briefing"] is None)
        cache.prune(len(sources) + len(snap.pages), used if lists_rendered else None)
        if resident:
            cache.absorb(used)
    finally:
        app.jinja_env.bytecode_cache, app.test_client_class = compiled, client
        cache.close()
        del app.extensions[rendercache.EXTENSION]
    with app.test_request_context(base_url=base_url):
        for path, (slugs, from_shown) in reports.items():
            output = outputs.get(path)
            if output is not None and output["briefing"] is None:
                output["reads"] = slugs
                if from_shown:
                    output["from_shown"] = True
                else:
                    output.pop("from_shown", None)
                keys[path] = context.key(output)
    for path, output in outputs.items():
        output["key"] = keys[path]
    # Slugs hashed: the manifest is deployed with the site, and drafts must not show in it.
    files = {_hash(f"file:{slug}"): source.digest for slug, source in sources.items()}
    kept = {_hash(f"file:{slug}"): [sources[slug].front_digest, digest] for slug, digest in listed.items()}
    manifest = {
        "note": MANIFEST_NOTE,
        "version": MANIFEST_VERSION,
        "raw": raw,
        "site": site,
        "broken": broken,
        "validated": _validated(app, snap),
        "files": files,
        "listed": kept,
        "errors": errors,
        "outputs": outputs,
    }
    # No indent: only then does json use its C encoder (6,000 outputs: 10 ms against 100).
    (dest / MARKER).write_text(json.dumps(manifest, sort_keys=True, separators=(",", ":")))
    return ExportReport(sorted(outputs), sorted(todo), len(gone), errors, version)


#: Where a resident export keeps its RenderCache, with every kept fragment loaded, between exports.
RESIDENT_CACHE = "votebrief.resident_render_cache"
#: Imported by a worker when it first renders their kind of output (markdown, a calendar, a feed).
RENDERERS = ("votebrief.render", "icalendar", "feedgen.feed")


def _render_cache(app: Flask, cache_dir: Path | None, scope: str, resident: bool) -> RenderCache:
    """The cache of rendered pieces for this export: a new one, or a resident process's own."""
    code_version = app.extensions["votebrief.code_version"]
    if not resident:
        return RenderCache(cache_dir, code_version, scope)
    kept: RenderCache | None = app.extensions.get(RESIDENT_CACHE)
    if kept is None or (kept.folder, kept.code_version, kept.scope) != (cache_dir, code_version, scope):
        kept = app.extensions[RESIDENT_CACHE] = RenderCache(cache_dir, code_version, scope)
    kept.start_export()
    return kept


def _ready_for_workers(app: Flask, base_url: str, snap: Snapshot, cache: RenderCache) -> None:
    """Do here, once, what each worker would do on its first requests, for every later export's
    workers to inherit: place the elections relative to the day, load the kept pieces, load
    the compiled templates and import the renderers' libraries.

    Only a resident process gains: its briefings keep their placed elections and its cache
    its pieces from one export to the next, so after the first only what changed is done.
    """
    with app.test_request_context(base_url=base_url):
        now = current_now()
        views.site_entries(snap, now, current_today())
        views.years_with_elections(snap, now)
    cache.load()
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    for module in RENDERERS:
        importlib.import_module(module)


MANIFEST_NOTE = (
    "Written by `flask freeze`: what each output is made from, so the next export renders only what changed."
)


def _for_lists_alone(
    app: Flask,
    snap: Snapshot,
    sources: dict[str, BriefingSource],
    before: dict,
    context: _KeyContext,
    present: dict[str, bool],
) -> frozenset[str]:
    """The briefings this export may validate for its lists alone (Briefing.for_lists).

    The lists show nothing of what only a briefing's own page shows (tests prove it field by
    field), so a briefing whose own outputs are written and up to date need not have that
    validated again: half the validation of 2,000 briefings. Only a file that was valid as a
    whole at the last export, with the same bytes, code and regions, qualifies, since what is
    left out is not checked again. ``present`` learns which output files exist.
    """
    if not before or before.get("validated") != _validated(app, snap):
        return frozenset()
    files, broken, old = before["files"], set(before["broken"]), before["outputs"]
    root = app.config["FREEZER_DESTINATION"]
    found = []
    for slug, source in sources.items():
        name = _hash(f"file:{slug}")
        if files.get(name) != source.digest or name in broken:
            continue
        key = context.key({"briefing": slug})
        own = (briefing_path(slug), briefing_calendar_path(slug), briefing_api_path(slug))
        if all(old.get(path, {}).get("key") == key and _present(present, root, path) for path in own):
            found.append(slug)
    return frozenset(found)


def _present(present: dict[str, bool], root: str, path: str) -> bool:
    found = present.get(path)
    if found is None:
        found = present[path] = os.path.exists(_name_for(root, path))
    return found


def _validated(app: Flask, snap: Snapshot) -> str:
    """What decides whether a briefing's bytes validate: the code, the libraries that read
    and check them, and the regions in site.yaml."""
    regions = [region.name for region in snap.site.regions]
    return _hash(f"{app.extensions['votebrief.code_version']}|{pydantic.VERSION}|{yaml.__version__}|{regions}")


def _changed_files_parse(snap: Snapshot, sources: dict[str, BriefingSource], before: dict) -> bool:
    """Whether every file changed since the last export parses, as it did then.

    A body can break a file too (bytes that are not UTF-8, a file over the size limit),
    and mending it brings the briefing back: either way the lists and the errors change.
    """
    files, broken = before["files"], set(before["broken"])
    for slug, source in sources.items():
        key = _hash(f"file:{slug}")
        if files.get(key) != source.digest and (key in broken or snap.briefings.get(slug) is None):
            return False
    return True


def site_key(app: Flask, snap: Snapshot, sources: dict[str, BriefingSource], listed: dict[str, str]) -> str:
    """What every list, feed and calendar draws on: equal keys, equal lists.

    ``listed`` is what each briefing's front-matter can show in them (``_listed_digests``).
    """
    parts = [_common(app), _site_part(snap), f"published:{published_epoch(snap, current_now())}"]
    parts += [f"page:{slug}:{page.digest}" for slug, page in sorted(snap.pages.items())]
    for slug, source in sorted(sources.items()):
        parts.append(f"b:{slug}:{listed[slug]}:{_git_date(app, slug, source)}:{source.contested_mtime}")
    return _hash("|".join(parts))


def _listed_digests(snap: Snapshot, sources: dict[str, BriefingSource], before: dict) -> dict[str, str]:
    """For each briefing, a digest of the front-matter the site-wide outputs can show.

    That is all of it but the fields shown on its own page only (SHOWN_ON_ITS_PAGE_ONLY),
    so an edit of a briefing's facts, news or sources leaves the lists alone. A file whose
    front-matter is byte for byte as at the last export keeps the digest it had then;
    only the others are parsed. A file that does not parse counts by its bytes.
    """
    kept = before.get("listed", {})
    found: dict[str, str] = {}
    stale = []
    for slug, source in sources.items():
        front, listed = kept.get(_hash(f"file:{slug}"), (None, None))
        if front == source.front_digest:
            found[slug] = listed
        else:
            stale.append(slug)
    if len(stale) > len(sources) // 10:
        len(snap.briefings)  # many files to read: parse them all at once, the collector paused
    for slug in stale:
        briefing = snap.briefings.get(slug)
        found[slug] = _listed(briefing) if briefing is not None else sources[slug].front_digest
    return found


def _listed(briefing: Briefing) -> str:
    return _hash(briefing.meta.model_dump_json(exclude=SHOWN_ON_ITS_PAGE_ONLY))


class _KeyContext:
    """Computes output keys: a briefing's outputs follow its file; the others the site and the bodies they show.

    ``site`` is set once known (it needs every file parsed); a briefing's keys do not need it.
    """

    def __init__(self, app: Flask, snap: Snapshot, sources: dict[str, BriefingSource]) -> None:
        self.app, self.sources = app, sources
        self.site = ""
        self.briefing_part = f"{_common(app)}|{_site_part(snap)}"
        #: A briefing's three outputs share one key.
        self._briefing_keys: dict[str, str] = {}

    def key(self, output: dict) -> str:
        slug = output["briefing"]
        if slug is None:
            shown = [f"{s}:{self.sources[s].digest if s in self.sources else '-'}" for s in output["reads"]]
            return _hash("|".join([self.site, *shown]))
        found = self._briefing_keys.get(slug)
        if found is None:
            source = self.sources.get(slug)
            if source is None:
                return "gone"
            found = _hash(f"{self.briefing_part}|{source.digest}|{_git_date(self.app, slug, source)}")
            self._briefing_keys[slug] = found
        return found


def _common(app: Flask) -> str:
    return f"{app.extensions['votebrief.code_version']}|{current_today().isoformat()}|{app.config['SITE_URL']}"


def _site_part(snap: Snapshot) -> str:
    return f"{snap.site.model_dump_json()}|{[(p.slug, p.meta.title, p.meta.nav) for p in snap.pages.values()]}"


def _git_date(app: Flask, slug: str, source: BriefingSource) -> str:
    """A briefing without ``updated`` is dated by its last commit, which its bytes do not show."""
    if source.dated:
        return ""
    store = app.extensions["votebrief.store"]
    return str(store.git_dates.last_commit_date(store.root / "countries" / f"{slug}.md", source.digest))


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def _file_for(dest: Path, path: str) -> Path:
    return Path(_name_for(str(dest), path))


def _name_for(dest: str, path: str) -> str:
    return dest + path + ("index.html" if path.endswith("/") else "")


def _remove(dest: Path, file: Path) -> None:
    """Delete an output of an earlier export, and the folders it leaves empty (countries/spain/)."""
    file.unlink(missing_ok=True)
    folder = file.parent
    while folder != dest and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _read_manifest(dest: Path) -> dict:
    try:
        manifest = json.loads((dest / MARKER).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        return {}  # no earlier export here, or one from an older version of this module: render everything
    return manifest


#: For each rendered path: the slugs of the briefings whose bodies it showed, and whether
#: it is made of those briefings alone (a feed), so it can be rendered again from them.
Reports = dict[str, tuple[list[str], bool]]


def _freeze(
    app: Flask,
    paths: list[str],
    outputs: dict[str, dict],
    known: dict[str, list[str]],
    jobs: int,
    meanwhile: Callable[[], None],
) -> tuple[Reports, set[str]]:
    """Render ``paths`` (and the static files) with Frozen-Flask, split across ``jobs`` forked workers.

    ``known`` names, for outputs made of the briefings they show, which briefings those are;
    ``meanwhile`` is run in this process while the workers render.
    Returns what each output showed, and the cached fragments the rendering used.
    """
    if jobs <= 1 or len(paths) < PARALLEL_MIN_URLS:
        with _collecting_rendered():
            reports = _freeze_some(app, paths, True, known)
        meanwhile()
        return reports, app.extensions[rendercache.EXTENSION].used
    units = _work_units(paths, outputs)
    context = multiprocessing.get_context("fork")
    # Workers take the next unit when they finish one, so a worker that drew the slow
    # outputs (the calendar of every election takes a second) does not keep the other waiting.
    taken = context.Value("i", 0)

    def next_paths() -> Iterator[str]:
        while True:
            with taken.get_lock():
                index = taken.value
                taken.value += 1
            if index >= len(units):
                return
            yield from units[index]

    # The parsed content is shared with the workers copy-on-write: frozen, the collector
    # neither scans it again in each worker nor copies its pages by touching it.
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="votebrief-freeze-") as scratch:
        reports = [Path(scratch) / f"reads-{index}.json" for index in range(jobs)]
        workers = [
            context.Process(
                target=_freeze_share, args=(app, next_paths, index == 0, known, report), name=f"freeze-{index}"
            )
            for index, report in enumerate(reports)
        ]
        for worker in workers:
            worker.start()
        gc.unfreeze()
        meanwhile()
        for worker in workers:
            worker.join()
        failed = [w.name for w in workers if w.exitcode != 0]
        if failed:
            raise ExportError(f"export worker(s) {', '.join(failed)} failed; see the errors above")
        found: Reports = {}
        used: set[str] = set()
        for report in reports:
            written = json.loads(report.read_text())
            for path, (slugs, from_shown) in written["outputs"].items():
                found[path] = (slugs, from_shown)
            used.update(written["fragments"])
    return found, used


def _work_units(paths: list[str], outputs: dict[str, dict]) -> list[list[str]]:
    """The outputs grouped so each briefing's go to one worker, which renders its body once.

    The calendars go to one worker together: the calendar of every election and the
    briefings' calendars are made of the same events, so each event is then built once.
    (Spread over two workers, half the 4,000 events of 2,000 briefings were built twice,
    0.7 s of work; icalendar takes a third of a millisecond an event.)

    The calendars and the site-wide outputs come first: they are the slowest, and dealt out
    last they would leave one worker finishing alone.
    """
    calendars: list[str] = []
    groups: dict[str | None, list[str]] = {}
    for path in paths:
        if path.endswith(".ics"):
            calendars.append(path)
        else:
            groups.setdefault(outputs[path]["briefing"], []).append(path)
    site_wide = [[path] for path in groups.pop(None, [])]
    return ([calendars] if calendars else []) + site_wide + list(groups.values())


def _freeze_share(
    app: Flask, paths: Callable[[], Iterable[str]], with_static: bool, known: dict[str, list[str]], report: Path
) -> None:
    # The parent pauses the collector (_collector_paused); what it parsed is frozen out of
    # the collector's reach, so collecting here walks this worker's own objects alone.
    gc.enable()
    outputs = _freeze_some(app, paths(), with_static, known)
    used = sorted(app.extensions[rendercache.EXTENSION].used)
    report.write_text(json.dumps({"outputs": outputs, "fragments": used}))


def _freeze_some(app: Flask, paths: Iterable[str], with_static: bool, known: dict[str, list[str]]) -> Reports:
    # No url_for logging and no argument-less rules: the one generator decides what is public
    # (so /search, which needs a server, is not exported as a page that cannot work).
    freezer = Freezer(app, with_static_files=with_static, with_no_argument_rules=False, log_url_for=False)

    @freezer.register_generator
    def chosen_paths():
        yield from paths

    reports: Reports = {}

    def started(sender: Flask, **extra: object) -> None:
        g.votebrief_body_reads = set()
        if request.path in known:
            g.votebrief_known_entries = known[request.path]

    def finished(sender: Flask, response: object, **extra: object) -> None:
        reports[request.path] = (sorted(g.get("votebrief_body_reads", ())), g.get("votebrief_made_of_shown", False))

    with (
        warnings.catch_warnings(),
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
    ):
        # The generator yields paths, not endpoints, so Frozen-Flask cannot tell that every
        # endpoint was covered and would warn for each; tests/test_export.py crawls the result instead.
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        freezer.freeze()
    app.extensions[rendercache.EXTENSION].flush()
    return reports


def _compiled_templates(cache_dir: Path, code_version: str) -> FileSystemBytecodeCache:
    """Jinja's compiled templates, kept between exports: each worker compiling every template
    it renders cost it 50 ms. Jinja checks each template's source; the folder names what else
    the compiled code depends on (the environment's set-up, Jinja itself), and old ones go."""
    name = f"templates-{code_version}-{importlib.metadata.version('Jinja2')}"
    for old in cache_dir.glob("templates-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    folder = cache_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder))


def _remove_old_static(dest: Path, static_url_path: str) -> None:
    """Assets live under a content-hashed folder; folders of earlier versions are dead weight."""
    current = static_url_path.rstrip("/").rsplit("/", 1)[-1]
    static = dest / "static"
    if static.is_dir():
        for folder in static.iterdir():
            if folder.is_dir() and folder.name != current:
                shutil.rmtree(folder)


def _check_destination(dest: Path, root: Path) -> None:
    if dest == root or dest in root.parents:
        raise ExportError(f"{dest} holds the project itself; export into a folder of its own (default: build)")
    if dest.is_file():
        raise ExportError(f"{dest} is a file, not a folder")
    # Frozen-Flask deletes whatever it did not write: never let it loose on someone's folder.
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise ExportError(f"{dest} is not empty and holds no earlier export; choose an empty or new folder")


def _write_not_found_page(app: Flask, dest: Path) -> None:
    """Static hosts and CDNs (Netlify, Cloudflare Pages, GitHub Pages, S3) serve 404.html for unknown paths."""
    response = app.test_client().get("/.well-known/votebrief-missing-page", base_url=app.config["FREEZER_BASE_URL"])
    (dest / NOT_FOUND_PAGE).write_bytes(response.get_data())


@click.command("freeze")
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder to write the site to.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Pin today's date (YYYY-MM-DD) for a reproducible export; default: VOTEBRIEF_TODAY or the real date.",
)
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes; default: one per core.")
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running: export again whenever the content changes, the day turns or a scheduled "
    "briefing is published. Ctrl-C stops it.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=None,
    help="With --watch: seconds between looks at the content files (default 0.5).",
)
@with_appcontext
def freeze_command(
    dest: Path, today: dt.datetime | None, jobs: int | None, watch: bool, interval: float | None
) -> None:
    """Write the whole public site (pages, feeds, calendars, API JSON, static files) as static files."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = Path(app.root_path) / app.config["EXPORT_CACHE_DIR"]
    day = today.date() if today else None
    if interval is not None and not watch:
        raise click.UsageError("--interval needs --watch")
    if watch:
        _watch(app, dest, day, jobs, cache, interval)
        return
    report = export_incrementally(app, dest, day, jobs, cache)
    if report.errors:
        # A broken file is simply absent from the export (a fresh process has no last good
        # version of it); the author's command says what is wrong.
        click.echo(f"warning: {report.errors} content error(s) left files out; run `flask content check`", err=True)
    click.echo(report.summary(dest))
    if not app.testing:
        _leave_now()


def _watch(
    app: Flask, dest: Path, today: dt.date | None, jobs: int | None, cache: Path, interval: float | None
) -> None:
    from votebrief import watch

    stop = watch.StopSignals()
    stop.install()
    click.echo(f"Watching {app.extensions['votebrief.store'].root} (Ctrl-C stops)", err=True)
    try:
        watch.watch(
            app, dest, stop.wait, today=today, jobs=jobs, cache_dir=cache, interval=interval or watch.DEFAULT_INTERVAL
        )
    except KeyboardInterrupt:
        # A second signal during an export: what it wrote is written again by the next export,
        # since the manifest that would have recorded it is written last.
        click.echo("Stopped during an export.", err=True)
        sys.exit(130)
    click.echo("Stopped.", err=True)
    if not app.testing:
        _leave_now()


def _leave_now() -> NoReturn:
    """End the command's process here, its work written and its output flushed, as mypy does.

    Python's exit would free the 2,000 parsed briefings object by object (25 ms of an
    export after a one-file edit) and first walk them with a last garbage collection (a
    third of a second) only to find nothing to free. Every file the export wrote is
    closed, its workers have been joined and its SQLite connections are closed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


def init_app(app: Flask) -> None:
    app.cli.add_command(freeze_command)
