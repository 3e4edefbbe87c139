"""``flask freeze``: the whole public site written out as static files for any static host or CDN.

Frozen-Flask requests every URL that ``votebrief.urls.public_urls`` yields (plus the static
files) through the app and writes each response to a file named as a plain host expects:
``/countries/kenya/`` becomes ``countries/kenya/index.html``, ``/feed.atom`` stays
``feed.atom``. Only that generator drives the export, so the export, the sitemap and the
crawl test agree on what exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_frozen import Freezer, MissingURLGeneratorWarning

from votebrief.errors import Severity
from votebrief.loader import Snapshot
from votebrief.urls import PublicUrl, public_urls
from votebrief.web.state import current_now, current_today, snapshot

#: Left in every export, so a later export into the same folder knows it may replace its files.
MARKER = ".votebrief-export"
NOT_FOUND_PAGE = "404.html"
#: Below this many outputs, forking workers (about 10 ms each) costs more than it saves.
PARALLEL_MIN_URLS = 8


class ExportError(click.ClickException):
    """An export that would do harm, such as emptying a folder it did not write."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    urls: list[str]
    written: int
    removed: int


def export_site(app: Flask, dest: Path, today: dt.date | None = None, jobs: int | None = None) -> list[str]:
    """Write every public URL and static file under ``dest``; return the URLs, sorted.

    ``today`` pins the date that decides what is upcoming, so the same content exports the same files.
    """
    return export_incrementally(app, dest, today, jobs).urls


def export_incrementally(app: Flask, dest: Path, today: dt.date | None = None, jobs: int | None = None) -> ExportReport:
    """Render only the outputs whose inputs changed since the last export into ``dest``, on all cores.

    Each output has a key: a briefing's own page, calendar and JSON are keyed by that file's
    digest; lists, feeds and the sitemap by the whole content's fingerprint. A manifest in the
    folder remembers the keys, so a one-file edit re-renders that briefing and the lists.
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
    with app.test_request_context(base_url=base_url):
        snap = snapshot()
        len(snap.briefings)  # parse everything once, before forking, so workers share it
        urls = list(public_urls(snap, current_now()))
        keys = output_keys(app, snap, urls)
    before = _read_manifest(dest)
    todo = [u.path for u in urls if before.get(u.path) != keys[u.path] or not _file_for(dest, u.path).exists()]
    gone = [path for path in before if path not in keys]
    for path in gone:
        _remove(dest, _file_for(dest, path))
    _freeze(app, todo, jobs or os.cpu_count() or 1)
    _remove_old_static(dest, app.static_url_path or "")
    _write_not_found_page(app, dest)
    (dest / MARKER).write_text(json.dumps({"note": MANIFEST_NOTE, "keys": keys}, indent=0, sort_keys=True))
    return ExportReport(sorted(u.path for u in urls), len(todo), len(gone))


MANIFEST_NOTE = "Written by `flask freeze`: the key of each output, so the next export re-renders only what changed."


def output_keys(app: Flask, snap: Snapshot, urls: list[PublicUrl]) -> dict[str, str]:
    """What each output is made from, as a short hash; equal keys mean an identical file."""
    code = app.extensions["votebrief.code_version"]
    day = current_today().isoformat()
    public = ",".join(sorted({u.briefing for u in urls if u.briefing}))
    site_part = f"{snap.site.model_dump_json()}|{[(p.slug, p.meta.title, p.meta.nav) for p in snap.pages.values()]}"
    common = f"{code}|{day}|{app.config['SITE_URL']}"
    whole = _hash(f"{common}|{snap.fingerprint}|{public}")
    keys = {}
    for url in urls:
        if url.briefing is None:
            keys[url.path] = whole
        else:
            briefing = snap.briefings[url.briefing]
            keys[url.path] = _hash(f"{common}|{site_part}|{briefing.digest}|{briefing.updated_on}")
    return keys


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def _file_for(dest: Path, path: str) -> Path:
    return dest / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))


def _remove(dest: Path, file: Path) -> None:
    """Delete an output of an earlier export, and the folders it leaves empty (countries/spain/)."""
    file.unlink(missing_ok=True)
    folder = file.parent
    while folder != dest and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _read_manifest(dest: Path) -> dict[str, str]:
    try:
        return dict(json.loads((dest / MARKER).read_text())["keys"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # no earlier export here, or one from before manifests: render everything


def _freeze(app: Flask, paths: list[str], jobs: int) -> None:
    """Render ``paths`` (and the static files) with Frozen-Flask, split across ``jobs`` forked workers."""
    if jobs <= 1 or len(paths) < PARALLEL_MIN_URLS:
        _freeze_some(app, paths, with_static=True)
        return
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_freeze_some, args=(app, paths[index::jobs], index == 0), name=f"freeze-{index}")
        for index in range(jobs)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    failed = [w.name for w in workers if w.exitcode != 0]
    if failed:
        raise ExportError(f"export worker(s) {', '.join(failed)} failed; see the errors above")


def _freeze_some(app: Flask, paths: list[str], with_static: bool) -> None:
    # No url_for logging and no argument-less rules: the one generator decides what is public
    # (so /search, which needs a server, is not exported as a page that cannot work).
    freezer = Freezer(app, with_static_files=with_static, with_no_argument_rules=False, log_url_for=False)

    @freezer.register_generator
    def chosen_paths():
        yield from paths

    with warnings.catch_warnings():
        # The generator yields paths, not endpoints, so Frozen-Flask cannot tell that every
        # endpoint was covered and would warn for each; tests/test_export.py crawls the result instead.
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        freezer.freeze()


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
@with_appcontext
def freeze_command(dest: Path, today: dt.datetime | None, jobs: int | None) -> None:
    """Write the whole public site (pages, feeds, calendars, API JSON, static files) as static files."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    report = export_incrementally(app, dest, today.date() if today else None, jobs)
    urls = report.urls
    with app.test_request_context():
        errors = [p for p in snapshot().problems if p.severity is Severity.ERROR]
    if errors:
        # A broken file is simply absent from the export (a fresh process has no last good
        # version of it); the author's command says what is wrong.
        click.echo(f"warning: {len(errors)} content error(s) left files out; run `flask content check`", err=True)
    click.echo(
        f"Exported {len(urls)} URLs to {dest.resolve()}: {report.written} rendered, "
        f"{len(urls) - report.written} unchanged, {report.removed} removed"
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(freeze_command)
