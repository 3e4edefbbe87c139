"""The YAML reads `flask freeze` keeps between exports: the same briefings as a fresh parse, never a stale one."""

from __future__ import annotations

import pickle

import pytest
from conftest import KENYA, TODAY

from app import create_app
from votebrief import source
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
    assert SourceCache(tmp_path, "code-1").entries
    assert SourceCache(tmp_path, "code-2").entries == {}
    (tmp_path / FILE).write_bytes((tmp_path / FILE).read_bytes()[:100])
    assert SourceCache(tmp_path, "code-1").entries == {}


class Boom:
    def __reduce__(self):
        return (print, ("a cache file must never run code",))


def test_a_cache_file_that_names_code_is_refused(tmp_path, capsys):
    cache = SourceCache(tmp_path, "code")
    (tmp_path / FILE).write_bytes(pickle.dumps((cache.version, {"key": Boom()})))
    assert SourceCache(tmp_path, "code").entries == {}
    assert capsys.readouterr().out == ""


def test_saving_keeps_the_files_still_there_and_skips_an_unchanged_cache(tmp_path):
    cache = SourceCache(tmp_path, "code")
    one, two = KENYA.encode(), KENYA.replace("55.8 million", "56 million").encode()
    for raw in (one, two):
        parse_briefing(raw, PATH, "kenya", REGIONS, cache)
    cache.save([digest(one)])
    assert set(SourceCache(tmp_path, "code").entries) == {digest(one)}
    written = (tmp_path / FILE).stat().st_mtime_ns
    reloaded = SourceCache(tmp_path, "code")
    reloaded.save([digest(one)])
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
