"""The YAML reads `flask freeze` keeps between exports: the same briefings as a fresh parse, never a stale one."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import KENYA, TODAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import document, dump, nearly_valid, schema_mapping

from app import create_app
from votebrief import loader, source, sourcecache
from votebrief.errors import ContentFileError
from votebrief.export import export_incrementally
from votebrief.parse import digest, parse_briefing
from votebrief.sourcecache import FILE, SourceCache

PATH = "content/countries/kenya.md"
REGIONS = ["Africa", "Europe"]


def test_a_cached_read_makes_the_same_briefing_as_a_fresh_parse(tmp_path):
    raw = KENYA.encode()
    fresh = parse_briefing(raw, PATH, "kenya", REGIONS)
    first = SourceCache(tmp_path, "code")
    parse_briefing(raw, PATH, "kenya", REGIONS, first)
    first.save([digest(raw)])
    second = SourceCache(tmp_path, "code")
    cached = parse_briefing(raw, PATH, "kenya", REGIONS, second)
    assert second.hits == 1
    assert cached == fresh  # meta, body, lines and first line alike


# Bodies made of what could confuse a split: fences, blank lines, CRLF line ends, nothing at all.
BODIES = st.lists(
    st.sampled_from(["---", "----", "\n", "\r\n", "text", " ", "é", "# Heading", "---\n---"]), max_size=12
).map("".join)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(body=BODIES, crlf=st.booleans())
def test_a_cached_read_has_the_body_a_fresh_read_has(tmp_path, body, crlf):
    text = "---\ncountry: Kenya\niso: KE\n---\n" + body
    raw = (text.replace("\n", "\r\n") if crlf else text).encode()
    try:
        fresh = source.read_source(raw, PATH)
    except ContentFileError:
        return  # a file that does not read is never kept
    first = SourceCache(tmp_path, "code")
    first.read(raw, PATH, digest(raw))
    first.save([digest(raw)])
    second = SourceCache(tmp_path, "code")
    cached = second.read(raw, PATH, digest(raw))
    assert second.hits == 1
    assert cached.data is None and json.loads(cached.data_json) == fresh.data
    assert (cached.body, cached.lines, cached.first_line) == (fresh.body, fresh.lines, fresh.first_line)


def test_a_cached_read_is_still_validated_against_the_current_site(tmp_path):
    raw = KENYA.encode()
    cache = SourceCache(tmp_path, "code")
    parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    with pytest.raises(ContentFileError) as caught:
        parse_briefing(raw, PATH, "kenya", ["Europe"], cache)  # Africa left site.yaml
    assert cache.hits == 1
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "region")]


def test_a_file_with_warnings_is_read_again_so_its_warnings_stay(tmp_path):
    raw = b"\xef\xbb\xbf" + KENYA.encode()
    cache = SourceCache(tmp_path, "code")
    parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    again = parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    assert cache.hits == 0
    assert [w.message for w in again.warnings] == ["starts with a byte-order mark; save as UTF-8 without BOM"]


def test_another_code_version_or_a_damaged_file_starts_afresh(tmp_path):
    raw = KENYA.encode()
    cache = SourceCache(tmp_path, "code-1")
    parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    cache.save([digest(raw)])
    assert SourceCache(tmp_path, "code-1").stored
    assert SourceCache(tmp_path, "code-2").stored == {}
    (tmp_path / FILE).write_bytes(b"not a database at all" * 100)
    assert SourceCache(tmp_path, "code-1").stored == {}


class Boom:
    def __reduce__(self):
        return (print, ("a cache entry must never run code",))


def _kept_kenya(tmp_path: Path, rewrite: Callable[[bytes], bytes]) -> bytes:
    """Kenya's file read and kept, then its kept entry replaced by ``rewrite(entry)``; its bytes."""
    raw = KENYA.encode()
    cache = SourceCache(tmp_path, "code")
    parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    cache.save([digest(raw)])
    with contextlib.closing(sqlite3.connect(tmp_path / FILE)) as db, db:
        (blob,) = db.execute("SELECT value FROM sources").fetchone()
        db.execute("UPDATE sources SET value = ?", (rewrite(blob),))
    return raw


def test_an_entry_that_names_code_is_refused_and_the_file_read_again(tmp_path, capsys):
    raw = _kept_kenya(tmp_path, lambda blob: pickle.dumps(Boom()))
    again = SourceCache(tmp_path, "code")
    assert parse_briefing(raw, PATH, "kenya", REGIONS, again) == parse_briefing(raw, PATH, "kenya", REGIONS)
    assert again.hits == 0
    assert capsys.readouterr().out == ""


def test_kept_lines_that_name_code_are_refused_too(tmp_path, capsys):
    # The lines are kept as a blob of their own, unpickled only when a message needs one.
    def damage(blob: bytes) -> bytes:
        data, lists, _, first_line, body_length = pickle.loads(blob)
        return pickle.dumps((data, lists, pickle.dumps(Boom()), first_line, body_length))

    raw = _kept_kenya(tmp_path, damage)
    again = SourceCache(tmp_path, "code")
    briefing = parse_briefing(raw, PATH, "kenya", REGIONS, again)
    assert again.hits == 1
    assert briefing.meta == parse_briefing(raw, PATH, "kenya", REGIONS).meta
    assert briefing.line_of("iso") == 1 and dict(briefing.lines) == {}
    assert capsys.readouterr().out == ""


def test_saving_keeps_the_files_still_there_and_writes_nothing_when_nothing_changed(tmp_path):
    cache = SourceCache(tmp_path, "code")
    one, two = KENYA.encode(), KENYA.replace("55.8 million", "56 million").encode()
    for raw in (one, two):
        parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    cache.save([digest(one), digest(two)])
    assert set(SourceCache(tmp_path, "code").stored) == {digest(one), digest(two)}
    cache.save([digest(one)])  # the second version was edited away
    assert set(SourceCache(tmp_path, "code").stored) == {digest(one)}
    written = (tmp_path / FILE).stat().st_mtime_ns
    reloaded = SourceCache(tmp_path, "code")
    parse_briefing(one, PATH, "kenya", REGIONS, reloaded)
    reloaded.save([digest(one)])
    assert reloaded.hits == 1
    assert (tmp_path / FILE).stat().st_mtime_ns == written


def test_an_export_after_an_edit_reads_the_yaml_of_the_edited_file_alone(tmp_path, content, briefing_file, monkeypatch):
    briefing_file("ghana", KENYA.replace("Kenya", "Ghana").replace("iso: KE", "iso: GH"))
    cache = tmp_path / "cache"

    def export() -> list[str]:
        read: list[str] = []
        compose = source._compose
        monkeypatch.setattr(source, "_compose", lambda block, path: read.append(path) or compose(block, path))
        app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
        export_incrementally(app, tmp_path / "build", jobs=1, cache_dir=cache)
        return sorted(p for p in read if "/countries/" in p)

    assert export() == ["content/countries/ghana.md", "content/countries/kenya.md"]
    kenya = content / "countries" / "kenya.md"
    kenya.write_text(kenya.read_text().replace("population: 55.8 million", "population: 56.4 million"))
    assert export() == ["content/countries/kenya.md"]
    fresh = tmp_path / "fresh"
    export_incrementally(create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY}), fresh)
    assert "56.4 million" in (fresh / "countries" / "kenya" / "index.html").read_text()
    assert (tmp_path / "build" / "countries" / "kenya" / "index.html").read_text() == (
        fresh / "countries" / "kenya" / "index.html"
    ).read_text()


def _outcome(raw: bytes, cache: SourceCache | None) -> object:
    try:
        briefing = parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    except ContentFileError as error:
        return [str(p) for p in error.problems]
    return briefing.meta, briefing.body, dict(briefing.lines), briefing.warnings


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(schema_mapping(), nearly_valid), body=st.text(max_size=40))
def test_validating_kept_values_gives_what_validating_a_fresh_read_gives(tmp_path, data, body):
    # Kept values are validated from JSON text; an int where a number is wanted, odd text,
    # nulls and out-of-range values must be accepted or refused exactly as a fresh read's are.
    raw = document(dump(data), body)
    first = SourceCache(tmp_path, "code")
    fresh = _outcome(raw, first)
    first.save([digest(raw)])
    kept = SourceCache(tmp_path, "code")
    assert _outcome(raw, kept) == fresh
    assert kept.hits == (digest(raw) in kept.stored)


def _export_opening(tmp_path: Path, content: Path, monkeypatch) -> list[str]:
    """Export into tmp_path/build, keeping what it read in tmp_path/cache; the briefing files it opened."""
    opened: list[str] = []

    def opening(path: str, *args: str):
        opened.append(str(path))
        return open(path, *args)

    monkeypatch.setattr(loader, "open", opening, raising=False)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    export_incrementally(app, tmp_path / "build", jobs=1, cache_dir=tmp_path / "cache")
    return sorted(Path(p).name for p in opened if "/countries/" in p)


def test_an_export_opens_only_the_files_changed_since_the_last_one(tmp_path, content, briefing_file, monkeypatch):
    monkeypatch.setattr(sourcecache, "RACY_NS", 0)  # the files were written just now
    briefing_file("ghana", KENYA.replace("Kenya", "Ghana").replace("iso: KE", "iso: GH"))
    assert _export_opening(tmp_path, content, monkeypatch) == ["ghana.md", "kenya.md"]
    assert _export_opening(tmp_path, content, monkeypatch) == []
    kenya = content / "countries" / "kenya.md"
    kenya.write_text(kenya.read_text().replace("55.8 million", "56.4 million"))
    assert _export_opening(tmp_path, content, monkeypatch) == ["kenya.md"]
    assert "56.4 million" in (tmp_path / "build" / "countries" / "kenya" / "index.html").read_text()


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_still_read(
    tmp_path, content, briefing_file, monkeypatch
):
    # Every write moves a file's ctime, which nothing but the clock can set.
    monkeypatch.setattr(sourcecache, "RACY_NS", 0)
    kenya = content / "countries" / "kenya.md"
    _export_opening(tmp_path, content, monkeypatch)
    before = kenya.stat()
    kenya.write_text(kenya.read_text().replace("55.8 million", "56.4 million"))
    os.utime(kenya, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (kenya.stat().st_size, kenya.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _export_opening(tmp_path, content, monkeypatch) == ["kenya.md"]
    assert "56.4 million" in (tmp_path / "build" / "countries" / "kenya" / "index.html").read_text()


def test_a_file_changed_just_before_an_export_is_read_again_by_the_next(tmp_path, content, monkeypatch):
    # Within two seconds of a write, a second write could leave the file's times as they were.
    assert _export_opening(tmp_path, content, monkeypatch) == ["kenya.md"]
    assert _export_opening(tmp_path, content, monkeypatch) == ["kenya.md"]
    kenya = content / "countries" / "kenya.md"
    old = time.time_ns() - 2 * sourcecache.RACY_NS
    os.utime(kenya, ns=(old, old))
    monkeypatch.setattr(sourcecache.time, "time_ns", lambda: kenya.stat().st_ctime_ns + sourcecache.RACY_NS)
    assert _export_opening(tmp_path, content, monkeypatch) == ["kenya.md"]
    assert _export_opening(tmp_path, content, monkeypatch) == []
