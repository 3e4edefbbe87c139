"""Fuzzing: generated front-matter, YAML, bytes and Markdown through the parser and the whole app.

The only outcomes allowed are a page (200) or a content error: ContentFileError from the
parser, and through the app a 404 for the briefing with its problem reported, while every
other page keeps serving. Never an unhandled exception, never a 500.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import KENYA, SITE_YAML, TODAY, write
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from votebrief.dates import Status
from votebrief.errors import ContentFileError
from votebrief.model import Briefing, ElectionKind, FreedomStatus, FrontMatter
from votebrief.parse import fields_by_location, parse_briefing

PATH = "content/countries/fuzz.md"
REGIONS = ["Africa", "Europe", "Eurasia"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Where each model sits in the front-matter, and the field names it declares.
SCHEMA = fields_by_location(FrontMatter)

# Scalars of every type YAML can carry, and strings that are nearly what a field wants.
date_like = st.one_of(
    st.integers(0, 10_000).map(str),
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 9999), st.integers(0, 13)),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(str),
    st.sampled_from(["2027-02-30", "2024-02-29", "0000", "9999-12-31", "0001-01-01", "2027-1-5", " 2027 ", "2027-W01"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    date_like,
    st.sampled_from(
        [*REGIONS, "KE", "NO", "XK", "GB-SCT", *[s.value for s in Status], *[k.value for k in ElectionKind]]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


@st.composite
def schema_mapping(draw: st.DrawFn, loc: tuple[str, ...] = ()) -> dict[str, Any]:
    """A mapping made of the schema's own field names (and a stray one), each with a random-typed value."""
    names = draw(st.lists(st.sampled_from(SCHEMA[loc]), unique=True, max_size=len(SCHEMA[loc])))
    data: dict[str, Any] = {}
    for name in names:
        child = (*loc, name)
        if child in SCHEMA:
            data[name] = draw(st.one_of(schema_mapping(child), st.lists(schema_mapping(child), max_size=3), values))
        else:
            data[name] = draw(values)
    if draw(st.booleans()):
        data[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return data


election = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([k.value for k in ElectionKind]),
        "status": st.sampled_from([s.value for s in Status]),
    },
    optional={
        "date": st.one_of(date_like, st.fixed_dictionaries({"start": date_like, "end": date_like})),
        "by": date_like,
        "snap": st.booleans(),
        "round": st.integers(0, 4),
        "if_needed": st.booleans(),
        "title": st.text(max_size=20),
        "note": st.text(max_size=40),
        "results": st.fixed_dictionaries(
            {},
            optional={
                "turnout": st.floats(-1, 101),
                "registered_voters": st.integers(-1, 10**10),
                "seats": st.lists(
                    st.fixed_dictionaries({"party": st.text(min_size=1, max_size=10), "seats": st.integers(-1, 500)}),
                    max_size=4,
                ),
            },
        ),
    },
)
link = st.fixed_dictionaries(
    {"title": st.text(min_size=1, max_size=30), "outlet": st.text(min_size=1, max_size=15)},
    optional={
        "author": st.text(max_size=15),
        "date": date_like,
        "url": st.sampled_from(["https://example.org/a", "x"]),
    },
)
# Nearly valid briefings: the shape is right and the values are odd, so many of them render
# and put strange dates, statuses and texts through the views, the calendar and the map.
nearly_valid = st.fixed_dictionaries(
    {
        "country": st.text(min_size=1, max_size=30),
        "iso": st.sampled_from(["GH", "FR", "NO", "XK", "US", "GB-SCT", "QQ", "gh"]),
        "region": st.sampled_from([*REGIONS, "Atlantis"]),
        "summary": st.text(min_size=1, max_size=60),
    },
    optional={
        "title": st.text(max_size=30),
        "facts": st.fixed_dictionaries(
            {},
            optional={
                "freedom_house": st.one_of(
                    st.sampled_from([f.value for f in FreedomStatus]),
                    st.fixed_dictionaries(
                        {"status": st.sampled_from([f.value for f in FreedomStatus])},
                        optional={"score": st.integers(-5, 105), "year": st.integers(1900, 2200)},
                    ),
                ),
                "government": st.text(min_size=1, max_size=20),
                "population": st.text(min_size=1, max_size=20),
            },
        ),
        "elections": st.lists(election, max_size=4),
        "news": st.lists(link, max_size=3),
        "updated": date_like,
        "draft": st.booleans(),
        "publish_at": st.one_of(date_like, st.text(max_size=20)),
    },
)
# YAML built from its own syntax, so that more of it gets past the scanner: tags, anchors,
# aliases, flow and block collections, complex keys, block scalars, documents and directives.
YAML_TOKENS = [
    "country", "iso", "region", "summary", "elections", "kind", "date", "status", "news", "facts", "x",
    ": ", ":", "\n", "\n  ", "\n    ", "- ", "[", "]", "{", "}", ", ", "'", '"', "#", "? ", "|", ">-", "&a ", "*a",
    "!!str ", "!!int ", "!!float ", "!!binary ", "!!timestamp ", "!!set ", "!!omap ", "!!python/object:os.system ",
    "!local ", "%YAML 1.1\n", "---\n", "...\n", "2027-02-30", "2027-06", "NO", "yes", "~", "null", ".inf", "0x1F",
    "012", "20:00", "1e3", "\t", "\\", "\u00e9", "\x00", "\ufeff",
]  # fmt: skip
yaml_syntax = st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join)
markdown_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("#*_`[]()!<>|-:{}.\\\"'~=^+\n \t&;/")), st.characters(codec="utf-8", max_codepoint=0x2FFF)
    ),
    max_size=300,
)


def document(front_matter: str, body: str) -> bytes:
    return f"---\n{front_matter}---\n{body}".encode()


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def parse(raw: bytes) -> Briefing | None:
    """Parse a file; a ContentFileError is an allowed outcome, anything else fails the test."""
    try:
        return parse_briefing(raw, PATH, "fuzz", REGIONS)
    except ContentFileError as error:
        assert error.problems and all(p.path == PATH and p.line >= 1 for p in error.problems)
        return None


@FUZZ
@given(schema_mapping(), markdown_text)
def test_front_matter_built_from_the_schema_parses_or_reports(data, body):
    parse(document(dump(data), body))


@FUZZ
@given(nearly_valid, markdown_text)
def test_nearly_valid_front_matter_parses_or_reports(data, body):
    parse(document(dump(data), body))


@FUZZ
@given(st.one_of(st.text(max_size=200), yaml_syntax))
def test_any_yaml_text_parses_or_reports(text):
    parse(document(text + "\n", "Body\n"))


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_report(raw):
    parse(raw)
    parse(b"---\n" + raw + b"\n---\nBody\n")


class Site:
    """One app over a content folder, reused across examples: each writes the fuzzed file anew."""

    def __init__(self, root: Path) -> None:
        self.content = root / "content"
        write(self.content / "site.yaml", SITE_YAML)
        write(self.content / "countries" / "kenya.md", KENYA)
        self.file = self.content / "countries" / "fuzz-0.md"
        self.app: Flask = create_app(
            {"TESTING": True, "CONTENT_DIR": str(self.content), "TODAY": TODAY, "CHECK_INTERVAL": 0}
        )
        self.client = self.app.test_client()
        self.writes = 0

    def serve(self, raw: bytes) -> int:
        """Write the file, request its page and the pages that list it; return the briefing's status.

        Each example is a new file (the last one deleted), so no last good version hides its errors.
        """
        self.file.unlink(missing_ok=True)
        self.writes += 1
        slug = f"fuzz-{self.writes}"
        self.file = self.file.with_name(f"{slug}.md")
        self.file.write_bytes(raw)
        response = self.client.get(f"/countries/{slug}/")
        assert response.status_code in {200, 404}, response.status_code
        if response.status_code == 404:
            with self.app.app_context():
                snap = self.app.extensions["votebrief.store"].snapshot()
            shown = f"content/countries/{slug}.md"
            reported = [p for p in snap.problems if p.path == shown]
            # A draft, or one with a publish_at still to come, is hidden without being an error.
            assert reported or (slug in snap.briefings and _hidden(raw, shown, slug)), "a 404 with no reported error"
        for url in ["/", "/countries/", "/elections/", "/elections/2027/", "/regions/africa/", "/search?q=a"]:
            other = self.client.get(url)
            assert other.status_code == 200, (url, other.status_code)
            assert other.get_data(as_text=True).rstrip().endswith("</html>")
        return response.status_code


def _hidden(raw: bytes, path: str, slug: str) -> bool:
    briefing = parse_briefing(raw, path, slug, REGIONS)
    return not briefing.is_public(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(tmp_path_factory.mktemp("fuzz"))


@FUZZ
@given(data=st.one_of(nearly_valid, schema_mapping()), body=markdown_text)
def test_the_app_serves_a_page_or_reports_an_error_for_any_front_matter(site, data, body):
    site.serve(document(dump(data), body))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.one_of(
        st.binary(max_size=300), st.one_of(st.text(max_size=200), yaml_syntax).map(lambda t: document(t + "\n", "x"))
    )
)
def test_the_app_survives_any_bytes_and_yaml_text(site, raw):
    site.serve(raw)


def test_the_fuzzed_app_did_render_pages_as_well_as_errors(site):
    # Without valid examples the fuzzing above would only prove that errors are reported.
    statuses = {site.serve(document(dump(data), "Body.\n")) for data in [_valid(), {**_valid(), "iso": "QQ"}]}
    assert statuses == {200, 404}


def _valid() -> dict[str, Any]:
    return {
        "country": "Fuzzland",
        "iso": "GH",
        "region": "Africa",
        "summary": "S.",
        "elections": [{"kind": "general", "date": "2027-03", "status": "due"}],
    }
