"""The static export: `flask freeze` writes every public URL as a file a plain host serves
correctly, the shipped content's export has no broken internal link, and drafts stay out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import icalendar
import pytest
from conftest import KENYA, TODAY
from headless import HIDDEN, add_briefings

from app import create_app
from votebrief.export import MARKER
from votebrief.urls import public_urls
from votebrief.web.state import snapshot

SITE = "http://127.0.0.1:8000"


def freeze(runner, dest: Path, *args: str) -> str:
    result = runner.invoke(args=["freeze", "--dest", str(dest), *args])
    assert result.exit_code == 0, result.output
    return result.output


def url_to_file(build: Path, path: str) -> Path:
    """Where a static host looks for a URL: a folder URL is its index.html."""
    return build / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))


def exported_urls(build: Path) -> set[str]:
    urls = set()
    for file in build.rglob("*"):
        if file.is_file() and file.name not in {MARKER, "404.html"}:
            relative = "/" + file.relative_to(build).as_posix()
            urls.add(relative.removesuffix("index.html"))
    return urls


class Links(HTMLParser):
    """Every <a href> and <link href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"a", "link"}:
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def internal_targets(page_url: str, html: str) -> set[str]:
    parser = Links()
    parser.feed(html)
    parser.close()
    targets = set()
    for href in parser.hrefs:
        url = urlsplit(urljoin(SITE + page_url, href))
        if f"{url.scheme}://{url.netloc}" == SITE:
            targets.add(url.path)
    return targets


def ok(client, url: str) -> bool:
    response = client.get(url)
    response.close()
    return response.status_code == 200


@pytest.fixture(scope="module")
def shipped_build(tmp_path_factory) -> Path:
    """The shipped content, exported once for the tests that only read the result."""
    app = create_app({"TESTING": True, "CHECK_INTERVAL": 0})  # not pinned: --today must do it
    build = tmp_path_factory.mktemp("export") / "build"
    freeze(app.test_cli_runner(), build, "--today", TODAY.isoformat())
    return build


def test_the_export_of_the_shipped_content_has_no_broken_internal_link(shipped_build, shipped_app):
    exported = exported_urls(shipped_build)
    client = shipped_app.test_client()
    checked = 0
    for page in sorted(u for u in exported if u.endswith("/")):
        html = url_to_file(shipped_build, page).read_text(encoding="utf-8")
        for target in internal_targets(page, html):
            # A link the export cannot hold (search needs a server) must at least work on the app.
            assert target in exported or ok(client, target), f"{page} links to {target}"
            checked += 1
    assert checked > 500


def absolute_links(file: Path) -> set[str]:
    """The site's own absolute URLs in a JSON, Atom or iCalendar file, read with its parser."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith(SITE + "/"):
            found.add(value)

    if file.suffix == ".json" and file.name != "openapi.json":
        walk(json.loads(file.read_text()))
    elif file.suffix == ".atom":
        feed = feedparser.parse(file.read_bytes())
        found |= {link.href for item in (feed.feed, *feed.entries) for link in item.links}
    elif file.suffix == ".ics":
        calendar = icalendar.Calendar.from_ical(file.read_bytes())
        found |= {str(c[prop]) for c in calendar.walk() for prop in ("URL", "SOURCE") if prop in c}
    return {urlsplit(url).path for url in found if url.startswith(SITE + "/")}


def test_the_links_in_feeds_calendars_and_json_point_into_the_export(shipped_build):
    exported = exported_urls(shipped_build)
    checked = 0
    for file in shipped_build.rglob("*"):
        for target in absolute_links(file):
            assert target in exported, f"{file.relative_to(shipped_build)} links to {target}"
            checked += 1
    assert checked > 200


def test_the_export_holds_exactly_the_public_urls_and_the_static_files(shipped_build, shipped_app):
    with shipped_app.test_request_context():
        expected = {u.path for u in public_urls(snapshot(), dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC))}
        static = {f"{shipped_app.static_url_path}/{name}" for name in ("site.css", "favicon.svg")}
    assert exported_urls(shipped_build) == expected | static
    assert (shipped_build / "404.html").read_text().count("Page not found") >= 1


def test_every_exported_url_is_what_the_app_serves(shipped_build, shipped_app):
    client = shipped_app.test_client()
    for url in sorted(exported_urls(shipped_build)):
        response = client.get(url)
        body = response.data
        response.close()  # static files are served from open file handles
        assert response.status_code == 200, url
        assert url_to_file(shipped_build, url).read_bytes() == body, url


def test_exported_files_have_names_a_static_host_serves_with_the_right_type(shipped_build):
    assert (shipped_build / "index.html").read_text().startswith("<!doctype html>")
    assert (shipped_build / "countries" / "kenya" / "index.html").is_file()
    assert not feedparser.parse((shipped_build / "feed.atom").read_bytes()).bozo
    assert not feedparser.parse((shipped_build / "regions" / "europe" / "feed.atom").read_bytes()).bozo
    calendar = icalendar.Calendar.from_ical((shipped_build / "elections.ics").read_bytes())
    assert calendar.walk("VEVENT")
    icalendar.Calendar.from_ical((shipped_build / "countries" / "kenya.ics").read_bytes())
    kenya = json.loads((shipped_build / "api" / "v1" / "briefings" / "kenya.json").read_text())
    assert kenya["country"] == "Kenya" and kenya["today"] == "2026-11-24"
    assert json.loads((shipped_build / "api" / "v1" / "openapi.json").read_text())["openapi"] == "3.1.0"
    assert (shipped_build / "sitemap.xml").read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "Sitemap: " in (shipped_build / "robots.txt").read_text()


@pytest.fixture
def world(content):
    add_briefings(content)
    return content


def test_drafts_are_nowhere_in_the_export(runner, world, tmp_path):
    build = tmp_path / "build"
    freeze(runner, build)
    for file in build.rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8", errors="replace")
            for slug, country in HIDDEN.items():
                assert slug not in text and country not in text, file
    assert not (build / "countries" / "gabon").exists()


def test_today_pins_what_is_upcoming(runner, world, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    freeze(runner, before, "--today", "2027-08-09")
    freeze(runner, after, "--today", "2027-08-11")
    assert "Kenya: General Elections" in (before / "elections.ics").read_text()
    assert "Kenya: General Elections" not in (after / "elections.ics").read_text()
    assert json.loads((after / "api" / "v1" / "elections.json").read_text())["today"] == "2027-08-11"


def test_a_new_export_replaces_an_old_one_and_drops_deleted_briefings(runner, world, tmp_path):
    build = tmp_path / "build"
    freeze(runner, build)
    assert (build / "countries" / "spain" / "index.html").is_file()
    (world / "countries" / "spain.md").unlink()
    output = freeze(runner, build)
    assert "Exported" in output
    assert not (build / "countries" / "spain").exists() and not (build / "countries" / "spain.ics").exists()
    assert (build / "countries" / "kenya" / "index.html").is_file() and (build / "404.html").is_file()


def test_the_export_refuses_to_empty_a_folder_it_did_not_write(runner, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = runner.invoke(args=["freeze", "--dest", str(precious)])
    assert result.exit_code == 1 and "holds no earlier export" in result.output
    assert (precious / "thesis.tex").read_text() == "years of work"
    project = runner.invoke(args=["freeze", "--dest", str(Path(__file__).parent.parent)])
    assert project.exit_code == 1 and "holds the project itself" in project.output


def _export(content: Path, build: Path, **kwargs):
    from votebrief.export import export_incrementally

    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    return export_incrementally(app, build, **kwargs)


def _files(build: Path) -> dict[str, bytes]:
    return {
        f.relative_to(build).as_posix(): f.read_bytes() for f in build.rglob("*") if f.is_file() and f.name != MARKER
    }


def _with_ghana(content: Path, briefing_file) -> Path:
    kenya = (content / "countries" / "kenya.md").read_text()
    return briefing_file(
        "ghana", kenya.replace("Kenya", "Ghana").replace("iso: KE", "iso: GH").replace("2026-11-20", "2026-03-01")
    )


def test_a_second_export_renders_only_the_edited_briefing_and_the_feeds_that_show_its_body(
    tmp_path, content, briefing_file
):
    _with_ghana(content, briefing_file)
    build = tmp_path / "build"
    first = _export(content, build)
    assert first.rendered == first.urls
    ghana_page = url_to_file(build, "/countries/ghana/")
    untouched = ghana_page.stat().st_mtime_ns

    again = _export(content, build)
    assert again.rendered == [] and again.removed == 0

    kenya = content / "countries" / "kenya.md"
    kenya.write_text(kenya.read_text().replace("politics in a paragraph", "an edited paragraph"))
    third = _export(content, build)
    # The body alone changed: no list changes, and only the feeds carrying Kenya's text are rendered.
    assert third.rendered == sorted(
        [
            "/countries/kenya/",
            "/countries/kenya.ics",
            "/api/v1/briefings/kenya.json",
            "/feed.atom",
            "/regions/africa/feed.atom",
        ]
    )
    assert "an edited paragraph" in url_to_file(build, "/countries/kenya/").read_text()
    assert "an edited paragraph" in url_to_file(build, "/feed.atom").read_text()
    assert ghana_page.stat().st_mtime_ns == untouched


def test_a_body_edit_renders_the_feeds_again_from_their_entries_without_parsing_the_other_files(
    tmp_path, content, briefing_file, monkeypatch
):
    from votebrief.export import export_incrementally
    from votebrief.web import feeds

    monkeypatch.setattr(feeds, "FEED_SIZE", 2)  # Kenya and Ghana, the two newest
    _with_ghana(content, briefing_file)
    kenya = (content / "countries" / "kenya.md").read_text()
    for slug, iso, day in [("togo", "TG", "05"), ("benin", "BJ", "06"), ("niger", "NE", "07")]:
        briefing_file(
            slug,
            kenya.replace("Kenya", slug.title())
            .replace("iso: KE", f"iso: {iso}")
            .replace("updated: 2026-11-20", f"updated: 2026-01-{day}"),
        )
    build, fresh = tmp_path / "build", tmp_path / "fresh"
    _export(content, build)
    _replace(content / "countries" / "kenya.md", "politics in a paragraph", "politics, edited")
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    report = export_incrementally(app, build, jobs=1)
    assert "/feed.atom" in report.rendered and "/regions/africa/feed.atom" in report.rendered
    # site.yaml, the About page, Kenya, and Ghana for the feeds: not the three other briefings
    assert app.extensions["votebrief.store"].parse_count == 4
    _export(content, fresh)
    assert _files(build) == _files(fresh)


def test_a_front_matter_edit_renders_the_briefing_and_every_site_wide_output(tmp_path, content, briefing_file):
    _with_ghana(content, briefing_file)
    build = tmp_path / "build"
    first = _export(content, build)
    kenya = content / "countries" / "kenya.md"
    # The summary shows in the feeds, the calendars and the API's list.
    kenya.write_text(kenya.read_text().replace("Kenya holds a general election", "Kenya holds its general election"))
    second = _export(content, build)
    site_wide = [u for u in first.urls if "ghana" not in u and "kenya" not in u]
    assert second.rendered == sorted(
        [*site_wide, "/countries/kenya/", "/countries/kenya.ics", "/api/v1/briefings/kenya.json"]
    )


#: An edit of each field in SHOWN_ON_ITS_PAGE_ONLY, made so that any list showing the field would change.
PAGE_ONLY_EDITS = {
    ("image",): ("updated: 2026-11-20", "updated: 2026-11-20\nimage: {file: nairobi.jpg, alt: Nairobi by night}"),
    ("news",): ("title: A newer story", "title: A newer story, edited"),
    ("sources",): ("updated: 2026-11-20", "updated: 2026-11-20\nsources:\n  - {outlet: IEBC, title: Calendar}"),
    ("facts", "government"): ("government: Presidential republic", "government: Republic (edited)"),
    ("facts", "population"): ("population: 55.8 million", "population: 56.4 million"),
}


def _paths(fields: dict, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name, inner in fields.items():
        found |= _paths(inner, (*prefix, name)) if isinstance(inner, dict) else {(*prefix, name)}
    return found


def test_every_field_shown_on_its_page_only_is_tested_below():
    from votebrief.model import SHOWN_ON_ITS_PAGE_ONLY

    assert _paths(SHOWN_ON_ITS_PAGE_ONLY) == set(PAGE_ONLY_EDITS)


@pytest.mark.parametrize("field", PAGE_ONLY_EDITS, ids=".".join)
def test_an_edit_shown_on_the_page_only_leaves_every_site_wide_output_alone(tmp_path, content, briefing_file, field):
    _with_ghana(content, briefing_file)
    build, fresh, cache = tmp_path / "build", tmp_path / "fresh", tmp_path / "cache"
    _export(content, build, cache_dir=cache)
    _replace(content / "countries" / "kenya.md", *PAGE_ONLY_EDITS[field])
    again = _export(content, build, cache_dir=cache)
    # Kenya's own outputs, and the feeds that carry its body (keyed by its bytes): no list.
    assert again.rendered == sorted(
        [
            "/countries/kenya/",
            "/countries/kenya.ics",
            "/api/v1/briefings/kenya.json",
            "/feed.atom",
            "/regions/africa/feed.atom",
        ]
    )
    # Had a list shown the field, the fresh export would differ from the one that kept it.
    _export(content, fresh)
    assert _files(build) == _files(fresh)


EDITS = {
    "body": lambda c: _replace(c / "countries" / "kenya.md", "politics in a paragraph", "politics, edited"),
    "front-matter": lambda c: _replace(c / "countries" / "kenya.md", "updated: 2026-11-20", "updated: 2026-11-23"),
    "the summary": lambda c: _replace(c / "countries" / "ghana.md", "holds a general", "will hold a general"),
    "a new election": lambda c: _replace(
        c / "countries" / "ghana.md",
        "elections:\n",
        "elections:\n  - kind: presidential\n    date: 2028-12\n    status: due\n",
    ),
    "a new briefing": lambda c: (c / "countries" / "estonia.md").write_text(
        (c / "countries" / "kenya.md")
        .read_text()
        .replace("Kenya", "Estonia")
        .replace("iso: KE", "iso: EE")
        .replace("region: Africa", "region: Europe")
    ),
    "a deleted briefing": lambda c: (c / "countries" / "ghana.md").unlink(),
    "a broken briefing": lambda c: _replace(c / "countries" / "ghana.md", "iso: GH", "iso: [GH"),
    "a body that is not UTF-8": lambda c: (c / "countries" / "ghana.md").write_bytes(
        (c / "countries" / "ghana.md").read_bytes() + b"\n\xff\xfe caf\xe9\n"
    ),
    "a draft": lambda c: _replace(c / "countries" / "ghana.md", "region: Africa", "region: Africa\ndraft: true"),
    "site.yaml": lambda c: _replace(c / "site.yaml", "Test briefings", "Briefings for tests"),
    "a page": lambda c: _replace(c / "pages" / "about.md", "About us.", "About this site."),
    # Each of these changes one input of a piece kept whole (a map, a calendar's own lines,
    # a feed, the sitemap, the API document), and nothing else that a list shows.
    "a rating on the map": lambda c: _replace(c / "countries" / "ghana.md", "status: Partly Free", "status: Free"),
    "an election with no day yet": lambda c: _replace(
        c / "countries" / "ghana.md", "elections:\n", "elections:\n  - kind: senate\n    date: 2029\n    status: due\n"
    ),
    "a feed entry's title": lambda c: _replace(c / "countries" / "kenya.md", "date: 2027-08-10", "date: 2027-08-11"),
    "a date the sitemap gives": lambda c: _replace(
        c / "countries" / "ghana.md", "updated: 2026-03-01", "updated: 2026-03-02"
    ),
    "the first briefing A-Z": lambda c: (c / "countries" / "angola.md").write_text(
        (c / "countries" / "ghana.md").read_text().replace("Ghana", "Angola").replace("iso: GH", "iso: AO")
    ),
}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("edit", EDITS)
def test_an_incremental_export_is_byte_for_byte_a_fresh_one(tmp_path, content, briefing_file, edit):
    _with_ghana(content, briefing_file)
    build, fresh, cache = tmp_path / "build", tmp_path / "fresh", tmp_path / "cache"
    # The incremental side keeps its rendered pieces and YAML reads between exports, as
    # `flask freeze` does; the fresh side has no cache at all.
    _export(content, build, cache_dir=cache)
    EDITS[edit](content)
    _export(content, build, cache_dir=cache)
    _export(content, fresh)
    assert _files(build) == _files(fresh)


def test_what_changes_with_the_day_is_rendered_again(tmp_path, content, briefing_file):
    """Kenya's election passes between the two days: its rows and events must not come from the cache."""
    from votebrief.export import export_incrementally

    _with_ghana(content, briefing_file)
    build, fresh, cache = tmp_path / "build", tmp_path / "fresh", tmp_path / "cache"
    _export(content, build, cache_dir=cache, today=dt.date(2027, 8, 9))
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "CHECK_INTERVAL": 0})
    export_incrementally(app, build, dt.date(2027, 8, 11), cache_dir=cache)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "CHECK_INTERVAL": 0})
    export_incrementally(app, fresh, dt.date(2027, 8, 11))
    assert _files(build) == _files(fresh)
    assert "Kenya: General Elections" not in (build / "elections.ics").read_text()


def test_pieces_rendered_for_one_site_address_are_not_reused_for_another(tmp_path, content, briefing_file):
    from votebrief.export import export_incrementally

    _with_ghana(content, briefing_file)
    cache = tmp_path / "cache"
    _export(content, tmp_path / "one", cache_dir=cache)
    config = {"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "SITE_URL": "https://votes.example"}
    export_incrementally(create_app(config), tmp_path / "two", cache_dir=cache)
    export_incrementally(create_app(config), tmp_path / "fresh")
    assert _files(tmp_path / "two") == _files(tmp_path / "fresh")
    assert "URL:https://votes.example/countries/kenya/" in (tmp_path / "two" / "elections.ics").read_text()


def test_rendered_bodies_and_fragments_are_kept_between_exports(tmp_path, content, briefing_file, monkeypatch):
    from votebrief.web import rendercache

    _with_ghana(content, briefing_file)
    cache = tmp_path / "cache"
    _export(content, tmp_path / "one", cache_dir=cache)
    with contextlib.closing(sqlite3.connect(cache / rendercache.DATABASE)) as db:
        assert db.execute("SELECT count(*) FROM bodies").fetchone() == (3,)  # Kenya, Ghana, the About page
        (fragments,) = db.execute("SELECT count(*) FROM fragments").fetchone()
    assert fragments > 0
    rendered = []
    original_html, original_fragment = rendercache.RenderCache.html, rendercache.RenderCache.fragment

    def counting_html(self, markdown, render):
        return original_html(self, markdown, lambda: rendered.append(markdown) or render())

    def counting_fragment(self, key, render):
        return original_fragment(self, key, lambda: rendered.append(key) or render())

    monkeypatch.setattr(rendercache.RenderCache, "html", counting_html)
    monkeypatch.setattr(rendercache.RenderCache, "fragment", counting_fragment)
    _export(content, tmp_path / "two", cache_dir=cache)
    # A new folder, every page rendered, and no body, calendar event, row or card rendered again.
    assert rendered == []
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_a_front_matter_edit_renders_the_rows_and_events_of_that_briefing_alone(tmp_path, content, briefing_file):
    from votebrief.web import rendercache

    _with_ghana(content, briefing_file)
    cache = tmp_path / "cache"
    _export(content, tmp_path / "build", cache_dir=cache)
    # A body edit of a briefing in the feeds renders the feeds alone: the pieces stay.
    _replace(content / "countries" / "kenya.md", "politics in a paragraph", "politics, edited")
    assert "/feed.atom" in _export(content, tmp_path / "build", cache_dir=cache).rendered
    _replace(content / "countries" / "ghana.md", "status: scheduled", "status: scheduled\n    note: Edited note.")
    missed: list[str] = []
    original = rendercache.RenderCache.set

    def recording(self, key, value):
        missed.append(key)
        return original(self, key, value)

    rendercache.RenderCache.set = recording
    try:
        _export(content, tmp_path / "build", cache_dir=cache, jobs=1)
    finally:
        rendercache.RenderCache.set = original
    assert missed and all("ghana|" in key and "kenya|" not in key for key in missed), missed
    assert "Edited note." in (tmp_path / "build" / "elections" / "index.html").read_text()


def test_pieces_kept_whole_are_not_rendered_again_for_an_edit_they_do_not_show(
    tmp_path, content, briefing_file, monkeypatch
):
    # A briefing in no feed (no `updated`, no git) whose summary changes: the feeds, the
    # sitemap, the maps, the calendars' own lines and the API document show nothing of it.
    from votebrief.web import api, feeds, site

    _with_ghana(content, briefing_file)
    kenya = (content / "countries" / "kenya.md").read_text()
    estonia = (
        kenya.replace("Kenya", "Estonia").replace("iso: KE", "iso: EE").replace("region: Africa", "region: Europe")
    )
    briefing_file("estonia", estonia.replace("updated: 2026-11-20\n", ""))
    build, cache = tmp_path / "build", tmp_path / "cache"
    _export(content, build, cache_dir=cache, jobs=1)
    drawn: list[str] = []
    for module, name in [(feeds, "_atom"), (feeds, "_sitemap"), (feeds, "_calendar_head"), (site, "render_world_map"),
                         (api, "openapi_document")]:  # fmt: skip
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _o=original, _n=name, **k: drawn.append(_n) or _o(*a, **k))
    _replace(content / "countries" / "estonia.md", "holds a general", "will hold a general")
    again = _export(content, build, cache_dir=cache, jobs=1)
    assert "/feed.atom" in again.rendered and "/sitemap.xml" in again.rendered and "/" in again.rendered
    assert drawn == []
    _replace(content / "countries" / "estonia.md", "date: 2027-08-10", "date: 2027-08-12")  # on the map, in the API
    _export(content, build, cache_dir=cache, jobs=1)
    assert sorted(set(drawn)) == ["render_world_map"]


def test_rows_are_rendered_once_per_key_and_options_in_an_export(tmp_path, content):
    from dataclasses import dataclass

    from flask import render_template_string

    from votebrief.web import rendercache

    @dataclass
    class Item:
        name: str
        cache_key: str

    calls: list[str] = []
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY})
    app.add_template_global(lambda name: calls.append(name) or name.upper(), "shout")
    page = (
        "{% macro row(item, loud=false) %}<li>{{ shout(item.name) if loud else item.name }}</li>{% endmacro %}"
        "<ul>{{ rows(row, items) }}</ul><ul>{{ rows(row, items, loud=true) }}</ul>"
    )
    items = [Item("a", "1"), Item("b<", "2")]
    expected = "<ul><li>a</li><li>b&lt;</li></ul><ul><li>A</li><li>B&lt;</li></ul>"
    with app.test_request_context():
        assert render_template_string(page, items=items) == expected  # outside an export: simply rendered
        app.extensions[rendercache.EXTENSION] = rendercache.RenderCache(tmp_path / "cache", "code-1")
        try:
            calls.clear()
            assert render_template_string(page, items=items) == expected
            assert calls == ["a", "b<"]  # the loud rows are other rows than the quiet ones
            calls.clear()
            assert render_template_string(page, items=[Item("a, renamed", "1"), *items[1:]]) == expected
            assert calls == []  # the key, not the item, says what a row shows
            changed = render_template_string(page, items=[Item("a", "1, edited"), *items[1:]])
            assert changed == expected and calls == ["a"]
        finally:
            del app.extensions[rendercache.EXTENSION]


def test_the_calendar_of_every_election_is_one_icalendar_calendar_of_them_all(tmp_path, world):
    """The calendars are put together from events serialised one by one: the bytes must be icalendar's own."""
    from votebrief import views
    from votebrief.web import feeds

    app = create_app({"TESTING": True, "CONTENT_DIR": str(world), "TODAY": TODAY})
    with app.test_request_context():
        snap = snapshot()
        upcoming = views.upcoming_elections(list(snap.briefings.values()), TODAY)
        text = feeds.ical(upcoming, "All", "Every election.", "all", "/elections.ics", "/elections/")
        events = [feeds.election_event(e) for e in upcoming if feeds.on_known_days(e)]
    whole = icalendar.Calendar.from_ical(text)
    assert len(events) > 3
    # Read by icalendar and written again, the calendar comes out byte for byte the same.
    assert whole.to_ical().decode() == text
    assert [str(e["UID"]) for e in whole.walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_a_large_export_is_split_across_worker_processes(tmp_path, content, monkeypatch):
    from votebrief import export

    monkeypatch.setattr(export, "PARALLEL_MIN_URLS", 1)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    report = export.export_incrementally(app, tmp_path / "build", jobs=2)
    for path in report.urls:
        assert url_to_file(tmp_path / "build", path).is_file(), path


def test_work_units_put_calendars_together_then_site_wide_outputs_and_keep_each_briefing_together():
    from votebrief.export import _work_units

    outputs = {
        "/countries/kenya/": {"briefing": "kenya"},
        "/elections/": {"briefing": None},
        "/countries/ghana.ics": {"briefing": "ghana"},
        "/countries/kenya.ics": {"briefing": "kenya"},
        "/elections.ics": {"briefing": None},
        "/api/v1/briefings/kenya.json": {"briefing": "kenya"},
        "/feed.atom": {"briefing": None},
    }
    units = _work_units(list(outputs), outputs)
    assert units == [
        ["/countries/ghana.ics", "/countries/kenya.ics", "/elections.ics"],
        ["/elections/"],
        ["/feed.atom"],
        ["/countries/kenya/", "/api/v1/briefings/kenya.json"],
    ]
    assert _work_units(["/elections/"], outputs) == [["/elections/"]]


def test_each_event_is_built_once_in_a_parallel_export(tmp_path, content, briefing_file, monkeypatch):
    from votebrief import export
    from votebrief.web import feeds

    _with_ghana(content, briefing_file)
    monkeypatch.setattr(export, "PARALLEL_MIN_URLS", 1)
    built = tmp_path / "built"
    original = feeds.election_event

    def election_event(entry):
        with built.open("a") as record:  # written from the forked workers
            record.write(feeds.event_uid(entry) + "\n")
        return original(entry)

    monkeypatch.setattr(feeds, "election_event", election_event)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    export.export_incrementally(app, tmp_path / "build", jobs=2)
    uids = built.read_text().split()
    assert len(uids) >= 2 and len(uids) == len(set(uids))


def test_a_file_saved_during_an_export_does_not_mix_two_versions(tmp_path, content, monkeypatch):
    from votebrief import export

    kenya = content / "countries" / "kenya.md"
    render = export._freeze_some

    def save_midway(app, paths, with_static, known):
        kenya.write_text(kenya.read_text().replace("Kenya holds", "Kenya will hold"))
        return render(app, paths, with_static, known)

    monkeypatch.setattr(export, "_freeze_some", save_midway)
    build = tmp_path / "build"
    _export(content, build, jobs=1)
    assert "Kenya will hold" not in (build / "countries" / "kenya" / "index.html").read_text()
    assert "Kenya will hold" not in (build / "api" / "v1" / "briefings" / "kenya.json").read_text()
    monkeypatch.undo()
    assert "/countries/kenya/" in _export(content, build).rendered  # the next export takes the saved file
    assert "Kenya will hold" in (build / "countries" / "kenya" / "index.html").read_text()


def test_a_file_mended_since_the_last_export_comes_back_everywhere(tmp_path, content, briefing_file):
    ghana = _with_ghana(content, briefing_file)
    good = ghana.read_bytes()
    ghana.write_bytes(good + b"\n\xff not UTF-8\n")
    build, fresh = tmp_path / "build", tmp_path / "fresh"
    assert _export(content, build).errors == 1
    ghana.write_bytes(good)
    mended = _export(content, build)
    assert mended.errors == 0 and "/countries/ghana/" in mended.rendered
    _export(content, fresh)
    assert _files(build) == _files(fresh)


def test_the_body_cache_stays_bounded_and_keeps_the_newest(tmp_path):
    from votebrief.web.rendercache import RenderCache

    cache = RenderCache(tmp_path / "cache", "code-1")
    for n in range(10):
        cache.html(f"body {n}", lambda n=n: f"<p>body {n}</p>")
    cache.flush()
    cache.prune(wanted=2)
    fresh = RenderCache(tmp_path / "cache", "code-1")
    rendered = []
    for n in range(10):
        fresh.html(f"body {n}", lambda n=n: rendered.append(n) or f"<p>body {n}</p>")
    assert rendered == list(range(8))  # the two newest were kept
    other_code = RenderCache(tmp_path / "cache", "code-2")
    assert other_code.html("body 9", lambda: "<p>new code</p>") == "<p>new code</p>"


def test_fragments_no_export_used_are_dropped(tmp_path):
    from votebrief.web.rendercache import RenderCache

    cache = RenderCache(tmp_path / "cache", "code-1")
    for n in range(4):
        cache.fragment(f"row {n}", lambda n=n: f"<li>{n}</li>")
    cache.flush()
    later = RenderCache(tmp_path / "cache", "code-1")
    assert later.fragment("row 1", lambda: "rendered again") == "<li>1</li>"
    later.prune(wanted=10, used_fragments=later.used)
    kept = RenderCache(tmp_path / "cache", "code-1")
    assert kept.fragment("row 1", lambda: "rendered again") == "<li>1</li>"
    assert kept.fragment("row 2", lambda: "rendered again") == "rendered again"


def test_wholes_are_read_alone_kept_apart_from_the_rows_and_dropped_like_them(tmp_path, monkeypatch):
    from votebrief.web import rendercache
    from votebrief.web.rendercache import RenderCache

    monkeypatch.setattr(rendercache, "READ_ONE_BY_ONE", 0)  # rows loaded all at once from the start

    cache = RenderCache(tmp_path / "cache", "code-1")
    feed = "<feed>" + "x" * 10_000 + "</feed>"
    assert cache.whole("feed", lambda: feed) == feed
    cache.whole("old feed", lambda: "<feed/>")
    cache.fragment("row", lambda: "<li>row</li>")
    cache.fragment("another row", lambda: "<li>another</li>")
    cache.flush()
    later = RenderCache(tmp_path / "cache", "code-1")
    assert later.whole("feed", lambda: "rendered again") == feed
    assert later.fragment("row", lambda: "rendered again") == "<li>row</li>"
    assert feed not in later.fragments.values()  # the rows every list loads at once leave it out
    later.prune(wanted=10, used_fragments=later.used)  # 2 used of 4 kept: within the factor
    assert RenderCache(tmp_path / "cache", "code-1").whole("old feed", lambda: "rendered again") == "<feed/>"
    latest = RenderCache(tmp_path / "cache", "code-1")
    latest.whole("feed", lambda: "rendered again")
    latest.prune(wanted=10, used_fragments=latest.used)  # 1 used of 4: the others go
    kept = RenderCache(tmp_path / "cache", "code-1")
    assert kept.whole("feed", lambda: "rendered again") == feed
    assert kept.whole("old feed", lambda: "rendered again") == "rendered again"
    assert kept.fragment("row", lambda: "rendered again") == "rendered again"


def test_fragments_are_dropped_only_past_the_keep_factor(tmp_path):
    from votebrief.web.rendercache import KEEP_FACTOR, RenderCache

    cache = RenderCache(tmp_path / "cache", "code-1")
    rows = 2 * KEEP_FACTOR
    for n in range(rows):
        cache.fragment(f"row {n}", lambda n=n: f"<li>{n}</li>")
    cache.flush()
    later = RenderCache(tmp_path / "cache", "code-1")
    later.fragment("row 0", lambda: "rendered again")
    later.fragment("row 1", lambda: "rendered again")
    later.prune(wanted=10, used_fragments=later.used)  # 2 used, 6 stored: within the factor
    kept = RenderCache(tmp_path / "cache", "code-1")
    assert [kept.fragment(f"row {n}", lambda: "rendered again") for n in range(rows)] == [
        f"<li>{n}</li>" for n in range(rows)
    ]


@pytest.mark.parametrize("one_by_one", [0, 2, 64])
def test_fragments_are_found_whether_read_one_by_one_or_all_at_once(tmp_path, monkeypatch, one_by_one):
    from votebrief.web import rendercache

    monkeypatch.setattr(rendercache, "READ_ONE_BY_ONE", one_by_one)
    saved = rendercache.RenderCache(tmp_path / "cache", "code-1")
    for n in range(4):
        saved.fragment(f"row {n}", lambda n=n: f"<li>{n}</li>")
    saved.flush()
    cache = rendercache.RenderCache(tmp_path / "cache", "code-1")
    cache.set("new row", "<li>new</li>")  # set and not saved yet
    found = [cache.fragment(key, lambda: "rendered again") for key in ("row 0", "new row", "row 3", "row 9")]
    assert found == ["<li>0</li>", "<li>new</li>", "<li>3</li>", "rendered again"]
    cache.flush()  # saved: found again either way
    assert [cache.get(key) for key in ("new row", "row 9", "row 1")] == ["<li>new</li>", "rendered again", "<li>1</li>"]
    assert (cache.fragments is None) == (one_by_one >= 7)


def test_an_export_after_a_body_edit_reads_only_the_pieces_it_uses(tmp_path, content, briefing_file, monkeypatch):
    from votebrief.web.rendercache import RenderCache

    _with_ghana(content, briefing_file)
    cache = tmp_path / "cache"
    _export(content, tmp_path / "build", jobs=1, cache_dir=cache)
    kenya = content / "countries" / "kenya.md"
    kenya.write_text(kenya.read_text() + "\nOne more paragraph.\n")
    loaded = []
    original = RenderCache._fragments
    monkeypatch.setattr(RenderCache, "_fragments", lambda self: loaded.append(1) or original(self))
    report = _export(content, tmp_path / "build", jobs=1, cache_dir=cache)
    assert "/countries/kenya/" in report.rendered and "/elections/" not in report.rendered
    assert loaded == []
    _export(content, tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "build") == _files(tmp_path / "fresh")


def test_the_export_keeps_no_page_in_memory(tmp_path, content):
    from votebrief.export import export_incrementally

    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    export_incrementally(app, tmp_path / "build", jobs=1)
    hot = app.extensions["votebrief.hot"]
    assert hot.pages == {} and hot.entries == {} and hot.size == 0
    client = app.test_client()
    assert client.get("/countries/kenya/").status_code == 200
    assert hot.pages  # serving afterwards keeps pages as usual


def test_compiled_templates_are_kept_between_exports_and_not_left_to_the_server(tmp_path, content, monkeypatch):
    import jinja2

    from votebrief.export import export_incrementally

    cache = tmp_path / "cache"
    (cache / "templates-of-older-code").mkdir(parents=True)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    export_incrementally(app, tmp_path / "one", jobs=1, cache_dir=cache)
    (kept,) = cache.glob("templates-*")  # the older code's folder is gone
    assert any(kept.iterdir())
    assert app.jinja_env.bytecode_cache is None  # a server sharing the app compiles in memory, as before
    compiled = []
    original = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(a) or original(self, *a, **k)
    )
    _export(content, tmp_path / "two", jobs=1, cache_dir=cache)
    assert compiled == []
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_collector_runs_only_where_the_rendering_is(tmp_path, content, monkeypatch, jobs):
    """Parsing and planning in the exporting process walk no collector passes over the parsed
    content; rendering, here or in a worker, still collects its own garbage."""
    import gc

    from votebrief import export

    monkeypatch.setattr(export, "PARALLEL_MIN_URLS", 1)
    seen = tmp_path / "seen"
    rendering = []
    outside = []

    def note(phase: str, info: dict) -> None:
        if phase == "start" and not rendering:
            outside.append(info["generation"])

    original = export._freeze_some

    def freeze_some(*args, **kwargs):
        # Written to a file: with two jobs this runs in a forked worker.
        with seen.open("a") as record:
            record.write(f"{gc.isenabled()}\n")
        rendering.append(True)
        try:
            return original(*args, **kwargs)
        finally:
            rendering.pop()

    monkeypatch.setattr(export, "_freeze_some", freeze_some)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    gc.collect()
    gc.callbacks.append(note)
    try:
        export.export_incrementally(app, tmp_path / "build", jobs=jobs)
    finally:
        gc.callbacks.remove(note)
    assert outside == []
    assert seen.read_text().split() == ["True"] * jobs
    assert gc.isenabled() and gc.get_freeze_count() == 0  # as it was before the export


def test_bodies_rendered_ahead_are_the_ones_the_pages_then_use(tmp_path, content, briefing_file, monkeypatch):
    import multiprocessing

    from votebrief import export, render, source

    _with_ghana(content, briefing_file)
    cache = tmp_path / "cache"
    files = sorted(str(f) for f in (content / "countries").glob("*.md"))
    export._render_bodies(cache, _code_version(content), files, 1_000_000, multiprocessing.Event())
    rendered = []
    original = render.render_markdown
    monkeypatch.setattr(render, "render_markdown", lambda text: rendered.append(text) or original(text))
    _export(content, tmp_path / "ahead", jobs=1, cache_dir=cache)
    bodies = {source.split_source(Path(f).read_bytes(), f)[1] for f in files}
    assert len(bodies) == 2 and bodies.isdisjoint(rendered)  # only the About page's body was rendered
    _export(content, tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "ahead") == _files(tmp_path / "fresh")


def test_a_helper_told_to_stop_renders_no_more(tmp_path, content):
    import multiprocessing

    from votebrief import export, source
    from votebrief.web.rendercache import RenderCache

    kenya = content / "countries" / "kenya.md"
    body = source.split_source(kenya.read_bytes(), str(kenya))[1]
    export._render_bodies(tmp_path / "going", "code", [str(kenya)], 1_000_000, multiprocessing.Event())
    assert RenderCache(tmp_path / "going", "code").html(body, lambda: "rendered now") != "rendered now"
    stop = multiprocessing.Event()
    stop.set()
    export._render_bodies(tmp_path / "stopped", "code", [str(kenya)], 1_000_000, stop)
    assert RenderCache(tmp_path / "stopped", "code").html(body, lambda: "rendered now") == "rendered now"


def test_the_helper_renders_ahead_for_a_first_parallel_export_only(tmp_path, content, briefing_file, monkeypatch):
    from votebrief import export

    _with_ghana(content, briefing_file)
    monkeypatch.setattr(export, "AHEAD_MIN_FILES", 1)
    monkeypatch.setattr(export, "PARALLEL_MIN_URLS", 1)
    started = tmp_path / "started"
    original = export._render_bodies

    def render_bodies(cache_dir, code_version, files, max_bytes, stop):
        started.open("a").write(" ".join(Path(f).stem for f in files) + "\n")  # from the helper process
        original(cache_dir, code_version, files, max_bytes, stop)

    monkeypatch.setattr(export, "_render_bodies", render_bodies)
    cache = tmp_path / "cache"
    _export(content, tmp_path / "build", jobs=2, cache_dir=cache)
    assert started.read_text().splitlines() == ["kenya ghana"]  # the briefings the workers reach last first
    _export(content, tmp_path / "build", jobs=2, cache_dir=cache)  # an export to catch up: no helper
    _export(content, tmp_path / "serial", jobs=1, cache_dir=cache)  # one process asked for: none either
    _export(content, tmp_path / "uncached", jobs=2)  # nowhere to keep bodies: none either
    assert started.read_text().splitlines() == ["kenya ghana"]
    assert _files(tmp_path / "build") == _files(tmp_path / "serial") == _files(tmp_path / "uncached")


def _code_version(content: Path) -> str:
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    return app.extensions["votebrief.code_version"]


def test_the_helper_passes_over_what_the_loader_refuses_to_read(tmp_path, content):
    import multiprocessing
    import os

    from votebrief import export

    countries = content / "countries"
    os.mkfifo(countries / "pipe.md")  # reading it would wait for a writer forever
    (countries / "link.md").symlink_to(countries / "kenya.md")
    (countries / "huge.md").write_text(KENYA_LIKE_HUGE)
    files = [str(countries / name) for name in ("pipe.md", "link.md", "huge.md")]
    export._render_bodies(tmp_path / "cache", "code", files, 10_000, multiprocessing.Event())
    assert not (tmp_path / "cache" / "rendered.sqlite3").exists() or _bodies_kept(tmp_path / "cache") == 0


KENYA_LIKE_HUGE = "---\ncountry: Huge\n---\n" + "words " * 5_000


def _bodies_kept(cache: Path) -> int:
    with contextlib.closing(sqlite3.connect(cache / "rendered.sqlite3")) as db:
        return db.execute("SELECT count(*) FROM bodies").fetchone()[0]


def test_the_command_run_as_operators_run_it_writes_everything_and_says_so(tmp_path, content):
    # The real command ends its process as soon as its work is written (it skips Python's
    # teardown): its output, its files and its exit status must all be there.
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "VOTEBRIEF_CONTENT_DIR": str(content), "VOTEBRIEF_TODAY": TODAY.isoformat(),
           "VOTEBRIEF_EXPORT_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    env.pop("PYTHONUNBUFFERED", None)  # as most machines run it: the output waits in a buffer
    command = [sys.executable, "-m", "flask", "--app", "app", "freeze", "--dest", str(tmp_path / "site")]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Exported ") and done.stdout.endswith(" 0 removed\n")
    urls = exported_urls(tmp_path / "site")
    assert "/countries/kenya/" in urls and (tmp_path / "site" / MARKER).is_file()
    (tmp_path / "site" / "stray.txt").write_text("not ours")
    refused = subprocess.run([*command[:-1], str(tmp_path)], cwd=root, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "not empty" in refused.stderr


def _parsed_for_lists(monkeypatch) -> dict[str, bool]:
    """Each briefing the store parses from now on: whether it was validated for the lists alone."""
    from votebrief import loader

    parsed: dict[str, bool] = {}
    original = loader.ContentStore._parse_briefing

    def parse(self, regions, raw, path, slug, whole=None, front=None):
        parsed[slug] = slug in self.for_lists  # before the parse, which may refuse the file
        briefing = original(self, regions, raw, path, slug, whole, front)
        assert briefing.for_lists == parsed[slug]
        return briefing

    monkeypatch.setattr(loader.ContentStore, "_parse_briefing", parse)
    return parsed


def test_a_list_edit_validates_the_other_briefings_for_the_lists_alone(tmp_path, content, briefing_file, monkeypatch):
    _with_ghana(content, briefing_file)
    build, cache = tmp_path / "build", tmp_path / "cache"
    _export(content, build, cache_dir=cache, jobs=1)
    parsed = _parsed_for_lists(monkeypatch)
    _replace(content / "countries" / "ghana.md", "holds a general", "will hold a general")
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    from votebrief.export import export_incrementally

    export_incrementally(app, build, jobs=1, cache_dir=cache)
    # Kenya's own outputs are up to date: its news, sources and facts need no checking again.
    assert parsed == {"ghana": False, "kenya": True}
    _export(content, tmp_path / "fresh")
    assert _files(build) == _files(tmp_path / "fresh")
    # Nothing serves what was read for the lists: the same app reads Kenya in full again.
    parsed.clear()
    page = app.test_client().get("/countries/kenya/").get_data(as_text=True)
    assert "A newer story" in page and parsed == {"kenya": False}


def test_a_briefing_whose_own_outputs_must_be_written_again_is_validated_in_full(
    tmp_path, content, briefing_file, monkeypatch
):
    _with_ghana(content, briefing_file)
    build, cache = tmp_path / "build", tmp_path / "cache"
    _export(content, build, cache_dir=cache)
    url_to_file(build, "/api/v1/briefings/kenya.json").unlink()  # deleted by hand
    parsed = _parsed_for_lists(monkeypatch)
    _replace(content / "countries" / "ghana.md", "holds a general", "will hold a general")
    _export(content, build, cache_dir=cache)
    assert parsed == {"ghana": False, "kenya": False}
    _export(content, tmp_path / "fresh")
    assert _files(build) == _files(tmp_path / "fresh")


def test_other_validating_libraries_or_a_briefing_broken_last_time_get_a_validation_in_full(
    tmp_path, content, briefing_file, monkeypatch
):
    import pydantic

    _with_ghana(content, briefing_file)
    build, cache = tmp_path / "build", tmp_path / "cache"
    _export(content, build, cache_dir=cache)
    parsed = _parsed_for_lists(monkeypatch)
    monkeypatch.setattr(pydantic, "VERSION", "another")  # a library upgrade may validate otherwise
    _replace(content / "countries" / "ghana.md", "holds a general", "will hold a general")
    _export(content, build, cache_dir=cache)
    assert parsed == {"ghana": False, "kenya": False}
    # A news link that does not validate takes Kenya off the site. Unchanged since, it is
    # still checked in full: checked for the lists alone, it would be back in them.
    _replace(content / "countries" / "kenya.md", "date: 2025-10-20", "date: 2025-13-20")
    _export(content, build, cache_dir=cache)
    parsed.clear()
    _replace(content / "countries" / "ghana.md", "will hold a general", "holds a general")
    assert _export(content, build, cache_dir=cache).errors == 1
    assert parsed == {"ghana": False, "kenya": False}
    _export(content, tmp_path / "fresh")
    assert _files(build) == _files(tmp_path / "fresh")


def test_a_briefing_read_for_the_lists_alone_is_never_shown_as_itself():
    from dataclasses import replace as replaced

    from votebrief.parse import parse_briefing
    from votebrief.web.site import in_full

    briefing = parse_briefing(KENYA.encode(), "content/countries/kenya.md", "kenya", ["Africa"])
    assert in_full(briefing) is briefing
    with pytest.raises(RuntimeError, match="for the lists alone"):
        in_full(replaced(briefing, for_lists=True))
