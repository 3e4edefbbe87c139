"""`flask freeze --watch`: an export kept current as the content changes, byte for byte what
a one-off export of the same content writes, with the last good version of a broken file
kept and its problem printed, until a signal stops it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import TODAY
from test_export import EDITS, _export, _files, _replace, _with_ghana, url_to_file

from app import create_app
from votebrief import loader, sourcecache
from votebrief.export import ExportError, export_incrementally
from votebrief.watch import StopSignals, watch
from votebrief.web.rendercache import RenderCache

ROOT = Path(__file__).resolve().parent.parent


def _app(content: Path, **config):
    return create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0, **config})


def _steps(*steps: Callable[[], None]) -> Callable[[float], bool]:
    """A ``wait`` for watch(): each look at the content first runs the next step; then it stops."""
    pending = list(steps)

    def wait(seconds: float) -> bool:
        if not pending:
            return False
        pending.pop(0)()
        return True

    return wait


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


@pytest.mark.parametrize("edit", ["body", "the summary", "a new election", "a new briefing", "a deleted briefing",
                                  "a draft", "site.yaml", "a page", "a rating on the map"])  # fmt: skip
def test_each_edit_is_exported_as_a_one_off_export_would_write_it(tmp_path, content, briefing_file, edit, capsys):
    _with_ghana(content, briefing_file)
    build, cache = tmp_path / "build", tmp_path / "cache"
    checked = []

    def same_as_a_fresh_export() -> None:
        fresh = tmp_path / f"fresh-{len(checked)}"
        _export(content, fresh)
        assert _files(build) == _files(fresh)
        checked.append(fresh)

    watch(_app(content), build, _steps(same_as_a_fresh_export, lambda: EDITS[edit](content), same_as_a_fresh_export),
          cache_dir=cache, interval=0)  # fmt: skip
    assert len(checked) == 2
    exports = [line for line in _lines(capsys.readouterr().out) if line.startswith("Exported ")]
    assert len(exports) == 2, exports  # one export a change, none while nothing changes


def test_an_edit_renders_only_what_it_changes_and_says_how_long_it_took(tmp_path, content, briefing_file, capsys):
    _with_ghana(content, briefing_file)
    body = lambda: _replace(content / "countries" / "kenya.md", "politics in a paragraph", "politics, edited")  # noqa: E731
    watch(_app(content), tmp_path / "build", _steps(body), cache_dir=tmp_path / "cache", interval=0)
    first, second = [line for line in _lines(capsys.readouterr().out) if line.startswith("Exported ")]
    assert " 0 unchanged" in first
    assert ": 5 rendered," in second and second.endswith(" s")  # Kenya's page, calendar, JSON and two feeds


def test_a_broken_file_keeps_its_last_good_version_and_its_problem_is_printed_until_mended(
    tmp_path, content, briefing_file, capsys
):
    ghana = _with_ghana(content, briefing_file)
    good = ghana.read_text()
    build = tmp_path / "build"
    before: dict[str, bytes] = {}

    def remember() -> None:
        before.update(_files(build))

    def unchanged() -> None:
        assert _files(build) == before

    def new_broken_file() -> None:
        briefing_file("togo", "---\ncountry: Togo\n")

    watch(
        _app(content),
        build,
        _steps(remember, lambda: ghana.write_text(good.replace("iso: GH", "iso: [GH")), unchanged, new_broken_file,
               unchanged, lambda: ghana.write_text(good), lambda: (content / "countries" / "togo.md").unlink()),
        cache_dir=tmp_path / "cache",
        interval=0,
    )  # fmt: skip
    err = _lines(capsys.readouterr().err)
    broken = next(line for line in err if line.startswith("content/countries/ghana.md:"))
    assert ": front-matter: " in broken and broken.endswith("(the export keeps its last good version)")
    assert any(
        line.startswith("content/countries/togo.md:") and line.endswith("(left out of the export)") for line in err
    )
    assert err[-1] == "No content errors."
    assert _files(build) == before


def test_the_day_turning_exports_again(tmp_path, content, briefing_file, capsys):
    """Kenya's August 2027 election passes between the two days."""
    _with_ghana(content, briefing_file)
    app = _app(content, TODAY=dt.date(2027, 8, 9))
    build, fresh = tmp_path / "build", tmp_path / "fresh"

    def next_days() -> None:
        app.config["TODAY"] = dt.date(2027, 8, 11)

    watch(app, build, _steps(next_days), interval=0)
    export_incrementally(_app(content, TODAY=dt.date(2027, 8, 11)), fresh)
    assert _files(build) == _files(fresh)
    assert len([line for line in _lines(capsys.readouterr().out) if line.startswith("Exported ")]) == 2


def test_a_failed_export_is_reported_and_tried_again_at_the_next_change(
    tmp_path, content, briefing_file, monkeypatch, capsys
):
    from votebrief import watch as watching

    _with_ghana(content, briefing_file)
    real = watching.export_incrementally
    calls = []

    def full_disk_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(watching, "export_incrementally", full_disk_once)
    ghana = content / "countries" / "ghana.md"
    build = tmp_path / "build"
    watch(
        _app(content),
        build,
        _steps(
            lambda: _replace(ghana, "holds a", "holds one"), lambda: None, lambda: _replace(ghana, "one", "a second")
        ),
        interval=0,
    )
    assert len(calls) == 3  # not tried again while nothing changed
    captured = capsys.readouterr()
    assert (
        "error: the export failed; trying again at the next change: [Errno 28] No space left on device" in captured.err
    )
    assert "holds a second general" in url_to_file(build, "/countries/ghana/").read_text()


def test_the_first_export_failing_ends_the_watch(tmp_path, content):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.tex").write_text("years of work")
    with pytest.raises(ExportError, match="not empty"):
        watch(_app(content), tmp_path / "precious", _steps(), interval=0)


def test_a_watch_leaves_the_kept_yaml_reads_for_a_one_off_export(tmp_path, content, briefing_file, monkeypatch):
    """Its first export keeps every file's YAML read, as a one-off export does; its later ones,
    which read only the files that changed, must not make the kept reads of the others look gone."""
    _with_ghana(content, briefing_file)
    # The files were written just now: let the cache keep them, and the loader not read them again.
    monkeypatch.setattr(sourcecache, "RACY_NS", 0)
    monkeypatch.setattr(loader, "RACY_NS", 0)
    build, cache = tmp_path / "build", tmp_path / "cache"
    edit = lambda: _replace(content / "countries" / "kenya.md", "holds a general", "will hold a general")  # noqa: E731
    watch(_app(content), build, _steps(edit, lambda: None), cache_dir=cache, interval=0)
    with contextlib.closing(sqlite3.connect(cache / sourcecache.FILE)) as db:
        kept = {path for (path,) in db.execute("SELECT path FROM files")}
    assert str(content / "countries" / "ghana.md") in kept  # its bytes, as the first export read them
    read = []
    real = sourcecache.read_source
    monkeypatch.setattr(sourcecache, "read_source", lambda raw, path: read.append(path) or real(raw, path))
    export_incrementally(_app(content), tmp_path / "elsewhere", cache_dir=cache)  # every file parsed
    assert read == ["content/countries/kenya.md"]  # Ghana's YAML read is still kept


def test_the_resident_cache_learns_the_pieces_the_workers_saved_and_forgets_pruned_ones(tmp_path):
    parent = RenderCache(tmp_path, "code-1")
    for name in "acde":
        parent.fragment(f"row-{name}", lambda name=name: f"<li>{name}</li>")
    parent.flush()
    parent.load()
    worker = RenderCache(tmp_path, "code-1")  # as a forked worker: its own connection
    worker.fragment("row-b", lambda: "<li>b</li>")
    worker.flush()
    parent.start_export()
    assert parent.get("row-a") == "<li>a</li>" and parent.get("row-b") is None
    parent.absorb(worker.used)
    assert parent.get("row-b") == "<li>b</li>"
    assert parent.fragment("row-b", lambda: "rendered again") == "<li>b</li>"
    parent.absorb(["no such key"])  # harmless
    parent.prune(1, set(worker.used))  # five pieces kept, one used: past the keep factor
    assert parent.get("row-a") is None and parent.get("row-b") == "<li>b</li>"


@pytest.fixture
def signals_restored() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_a_signal_while_waiting_stops_at_once(signals_restored):
    stop = StopSignals()
    stop.install()
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    assert stop.wait(30) is False
    assert time.monotonic() - started < 10


def test_a_signal_during_an_export_stops_after_it_and_a_second_one_at_once(signals_restored):
    stop = StopSignals()
    stop.install()
    signal.raise_signal(signal.SIGINT)  # while exporting: noted, nothing interrupted
    assert stop.requested
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
    assert stop.wait(30) is False


class Watcher:
    """The real `flask freeze --watch` in its own process, its output read line by line."""

    def __init__(self, content: Path, build: Path, cache: Path) -> None:
        env = {**os.environ, "VOTEBRIEF_CONTENT_DIR": str(content), "VOTEBRIEF_TODAY": TODAY.isoformat(),
               "VOTEBRIEF_EXPORT_CACHE_DIR": str(cache)}  # fmt: skip
        env.pop("PYTHONUNBUFFERED", None)  # as most machines run it: each line must still come at once
        command = [sys.executable, "-m", "flask", "--app", "app", "freeze", "--dest", str(build), "--watch",
                   "--interval", "0.05"]  # fmt: skip
        # Unbuffered on this side: a line read ahead into a buffer would hide from select().
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
        )
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)

    def next_line(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while self.selector.select(max(0.0, deadline - time.monotonic())):
            return self.process.stdout.readline().decode()
        raise AssertionError("the watch printed nothing in time")

    def stop(self, signum: int) -> tuple[int, str]:
        self.process.send_signal(signum)
        self.selector.close()
        try:
            _, err = self.process.communicate(timeout=60)
        finally:
            self.process.kill()
        return self.process.returncode, err.decode()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_command_exports_each_change_until_stopped(tmp_path, content, briefing_file, signum):
    _with_ghana(content, briefing_file)
    build = tmp_path / "build"
    watcher = Watcher(content, build, tmp_path / "cache")
    assert watcher.next_line().startswith("Exported ")
    _replace(content / "countries" / "kenya.md", "politics in a paragraph", "politics, edited")
    assert ": 5 rendered," in watcher.next_line()
    assert "politics, edited" in url_to_file(build, "/countries/kenya/").read_text()
    code, err = watcher.stop(signum)
    assert code == 0, err
    assert err.startswith("Watching ") and err.endswith("Stopped.\n")


def test_interval_without_watch_is_refused(runner, tmp_path):
    result = runner.invoke(args=["freeze", "--dest", str(tmp_path / "build"), "--interval", "1"])
    assert result.exit_code == 2 and "--interval needs --watch" in result.output
