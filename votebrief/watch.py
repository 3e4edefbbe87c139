"""``flask freeze --watch``: a static export kept current while the content changes, until stopped.

The process stays, so Python, the libraries and every parsed briefing are loaded once, and
an edit costs only what it changes (the export itself is incremental: votebrief.export).
It looks at the content as the server does (votebrief.loader: each file's mtime and size
at every check) and exports again when what the export is made of changes: a content
file, the day (which decides what is upcoming) or the number of scheduled publications
that have passed. Templates and code are read once; a change to them needs a restart.

A file that stops parsing keeps its last good version in the export while its problems
are printed, as a server keeps serving it; a file that never parsed in this process is
left out, as a one-off export leaves it out.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import click
from flask import Flask

from votebrief.errors import Severity
from votebrief.export import export_incrementally
from votebrief.loader import Snapshot
from votebrief.web.pagecache import current_version
from votebrief.web.state import snapshot

#: Seconds between looks at the content: each stats every content file (about 30 ms for
#: 2,000 files on a two-core machine), so shorter costs more of a core while nothing changes.
DEFAULT_INTERVAL = 0.5


def watch(
    app: Flask,
    dest: Path,
    wait: Callable[[float], bool],
    *,
    today: dt.date | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    interval: float = DEFAULT_INTERVAL,
) -> None:
    """Export into ``dest``, then again whenever the content, the day or the published set
    changes, until ``wait(interval)`` returns False. The content's problems are printed
    whenever they change.

    The first export's errors (a folder it may not write, say) end the watch; a later
    export that fails is reported and tried again at the next change.
    """
    store = app.extensions["votebrief.store"]
    store.check_interval = interval
    # The problems are printed below with what the export does about each; the loader's own
    # warnings would print each one a second time.
    loader_log = logging.getLogger("votebrief.content")
    quiet, loader_log.disabled = loader_log.disabled, True
    seen: Snapshot | None = None
    shown: list[str] = []
    try:
        # The first export looks at the content itself, so that it reads it with the YAML
        # reads kept by earlier exports (votebrief.sourcecache), as a one-off export does.
        made_of = _export(app, dest, today, jobs, cache_dir, first=True)
        while True:
            with app.app_context():
                snap = snapshot()  # looked at after the export, which has parsed every file
            if snap is not seen:
                seen, shown = snap, _show_problems(snap, shown)
            if not wait(interval):
                return
            with app.app_context():
                now = current_version()
            if now != made_of:
                made_of = _export(app, dest, today, jobs, cache_dir, first=False) or now
    finally:
        loader_log.disabled = quiet


def _export(
    app: Flask, dest: Path, today: dt.date | None, jobs: int | None, cache_dir: Path | None, *, first: bool
) -> tuple[str, dt.date, int] | None:
    """Export once and say so; return what the export was made of (None if it failed)."""
    started = time.perf_counter()
    try:
        report = export_incrementally(app, dest, today, jobs, cache_dir, resident=True)
    except (click.ClickException, OSError) as error:
        if first:
            raise
        reason = error.format_message() if isinstance(error, click.ClickException) else str(error)
        click.echo(f"error: the export failed; trying again at the next change: {reason}", err=True)
        return None
    click.echo(f"{report.summary(dest)} in {time.perf_counter() - started:.2f} s")
    return report.version


def _show_problems(snap: Snapshot, shown: list[str]) -> list[str]:
    """Print the content's problems if they differ from those last printed; return the lines now shown."""
    kept = {b.path for b in snap.briefings.values()} | {page.path for page in snap.pages.values()}
    lines = []
    for problem in sorted(snap.problems, key=lambda p: (p.path, p.line, p.field)):
        if problem.severity is not Severity.ERROR:
            lines.append(str(problem))
        elif problem.path in kept:
            lines.append(f"{problem} (the export keeps its last good version)")
        else:
            lines.append(f"{problem} (left out of the export)")
    if lines != shown:
        for line in lines or ["No content errors."]:
            click.echo(line, err=True)
    return lines


class StopSignals:
    """Ctrl-C (SIGINT) or SIGTERM asks the watch to stop: at once while it waits, and after
    the export under way while it exports, so the folder is never left half-written. A
    second signal during an export stops at once.

    Forked export workers inherit the handlers: a Ctrl-C at the terminal, which reaches
    every process of the group, lets them finish their share too.
    """

    def __init__(self) -> None:
        self.requested = False
        self._waiting = False

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._waiting or self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False once a stop was asked for."""
        if self.requested:
            return False
        self._waiting = True
        try:
            time.sleep(seconds)
        except KeyboardInterrupt:
            self.requested = True
        finally:
            self._waiting = False
        return not self.requested
