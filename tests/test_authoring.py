"""`flask content new`, `schema` and `stale`, and the TODO guard in `check`, through Flask's CLI runner."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pycountry
import pytest
from conftest import KENYA, TODAY

from app import create_app
from votebrief.editor_schema import HELP, _translate, briefing_schema
from votebrief.model import Election, Facts, FreedomHouse, FrontMatter, Image, Link, Results, Seat
from votebrief.scaffold import M49, Country, find_country, suggest_region
from votebrief.source import read_source

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/briefing.schema.json"
SITE_REGIONS = ["Africa", "Americas", "Asia-Pacific", "Europe", "Eurasia"]


def stdout_lines(result) -> list[str]:
    return result.stdout.splitlines()


# --- flask content new ---------------------------------------------------------------------


def test_new_writes_a_draft_briefing_that_passes_the_check(runner, content):
    result = runner.invoke(args=["content", "new", "Ghana"])
    assert result.exit_code == 0, result.output
    assert "Wrote content/countries/ghana.md: a draft briefing on Ghana (GH), region Africa." in result.output
    text = (content / "countries" / "ghana.md").read_text()
    assert text.splitlines()[:2] == ["---", SCHEMA_LINE]
    for line in ("country: Ghana", 'iso: "GH"', "region: Africa", "draft: true", "updated: 2026-11-24"):
        assert any(row.startswith(line) for row in text.splitlines()), line
    check = runner.invoke(args=["content", "check"])
    assert check.exit_code == 0, check.output
    assert "0 error(s), 0 warning(s)" in check.output


@pytest.mark.parametrize("model", [FrontMatter, Election, Link, Image, Facts, Results])
def test_new_writes_every_field_of_the_schema(runner, content, model):
    runner.invoke(args=["content", "new", "Ghana"])
    text = (content / "countries" / "ghana.md").read_text()
    for name in model.model_fields:
        assert re.search(rf"^[ #-]*{name}:", text, re.MULTILINE), f"{model.__name__}.{name} is not in the scaffold"


@pytest.mark.parametrize(
    ("query", "slug", "line"),
    [("GH", "ghana", "country: Ghana"), ("KAZ", "kazakhstan", "region: Eurasia"), ("tr", "turkiye", "region: Eurasia")],
)
def test_new_takes_an_iso_code_too(runner, content, query, slug, line):
    result = runner.invoke(args=["content", "new", query])
    assert result.exit_code == 0, result.output
    assert line in (content / "countries" / f"{slug}.md").read_text()


def test_new_uses_the_first_region_when_the_suggestion_is_not_in_site_yaml(runner, content):
    result = runner.invoke(args=["content", "new", "Argentina"])
    assert result.exit_code == 0, result.output
    assert 'Note: suggested "Americas" is not a region in content/site.yaml; using the first region.' in result.output
    text = (content / "countries" / "argentina.md").read_text()
    assert 'region: Africa  # suggested "Americas" is not a region in content/site.yaml; using the first region' in text
    assert runner.invoke(args=["content", "check"]).exit_code == 0


def test_new_refuses_to_overwrite_a_file(runner, content):
    before = (content / "countries" / "kenya.md").read_text()
    result = runner.invoke(args=["content", "new", "Kenya"])
    assert result.exit_code == 1
    assert (
        "Error: content/countries/kenya.md already exists; edit it, or choose another file name with --slug"
        in result.output
    )
    assert (content / "countries" / "kenya.md").read_text() == before


def test_new_refuses_a_file_name_the_site_would_not_load(runner, content):
    result = runner.invoke(args=["content", "new", "Ghana", "--slug", "Ghana 2026"])
    assert result.exit_code == 1
    assert 'Error: "Ghana 2026" cannot be a file name: use lowercase letters, digits and hyphens' in result.output


def test_new_refuses_a_second_briefing_for_one_country(runner, content):
    result = runner.invoke(args=["content", "new", "KE", "--slug", "kenya-2027"])
    assert result.exit_code == 1
    assert "Error: Kenya (KE) already has a briefing: content/countries/kenya.md" in result.output
    assert not (content / "countries" / "kenya-2027.md").exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("Kenia", 'Error: "Kenia" is not a country name or ISO code (did you mean "Kenya"?)'),
        ("Korea", 'Error: "Korea" is not a country name or ISO code (did you mean "North Korea" or "South Korea"?)'),
        ("Qwxz", 'Error: "Qwxz" is not a country name or ISO code\n'),
    ],
)
def test_new_with_an_unknown_country_exits_one_and_suggests(runner, content, query, message):
    result = runner.invoke(args=["content", "new", query])
    assert result.exit_code == 1
    assert message in result.output
    assert sorted(p.name for p in (content / "countries").iterdir()) == ["kenya.md"]


@pytest.mark.parametrize(
    ("query", "name", "iso"),
    [
        ("cote d'ivoire", "Côte d'Ivoire", "CI"),
        ("Turkey", "Türkiye", "TR"),
        ("Kosovo", "Kosovo", "XK"),
        ("KOR", "South Korea", "KR"),
        ("Russian Federation", "Russia", "RU"),
    ],
)
def test_countries_are_found_by_the_names_authors_type(query, name, iso):
    assert find_country(query) == Country(name, iso)


@pytest.mark.parametrize(
    ("iso", "region"),
    [
        ("KE", "Africa"),
        ("BR", "Americas"),
        ("JP", "Asia-Pacific"),
        ("AU", "Asia-Pacific"),
        ("DE", "Europe"),
        ("EE", "Europe"),  # the Baltic states are in the EU
        ("UA", "Eurasia"),
        ("UZ", "Eurasia"),
        ("GE", "Eurasia"),
        ("TR", "Eurasia"),
    ],
)
def test_the_suggested_region_follows_the_un_continents_with_eurasia_apart(iso, region):
    assert suggest_region(Country("X", iso), SITE_REGIONS) == (region, None)


def test_every_country_but_antarctica_has_a_continent():
    missing = {c.alpha_2 for c in pycountry.countries} - {code for codes in M49.values() for code in codes.split()}
    assert missing == {"AQ"}


def test_publishing_a_new_briefing_with_todo_left_is_an_error(runner, content):
    runner.invoke(args=["content", "new", "Ghana"])
    path = content / "countries" / "ghana.md"
    path.write_text(path.read_text().replace("draft: true", "draft: false"))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    todo = 'still says "TODO" (a placeholder from flask content new): write the real text, or set draft: true'
    lines = path.read_text().splitlines()
    for field, text in [
        ("summary", 'summary: "TODO'),
        ("elections[0].note", '    note: "TODO'),
        ("news[0].outlet", '    outlet: "TODO'),
        ("news[0].title", '    title: "TODO'),
        ("body", "TODO: the system"),
    ]:
        number = next(i for i, line in enumerate(lines, 1) if line.startswith(text))
        assert f"content/countries/ghana.md:{number}: {field}: {todo}" in result.output


# --- flask content schema ------------------------------------------------------------------


def test_the_committed_schema_is_what_the_command_generates(shipped_app, tmp_path):
    out = tmp_path / "schema.json"
    result = shipped_app.test_cli_runner().invoke(args=["content", "schema", "--output", str(out)])
    assert result.exit_code == 0, result.output
    committed = ROOT / "schema" / "briefing.schema.json"
    assert out.read_text() == committed.read_text(), "run: flask --app app content schema"


def test_the_schema_can_be_written_to_standard_output(runner):
    result = runner.invoke(args=["content", "schema", "--output", "-"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["properties"]["region"]["enum"] == ["Africa", "Europe", "Eurasia"]


def test_every_shipped_briefing_names_the_schema_on_its_first_front_matter_line():
    for path in sorted((ROOT / "content" / "countries").glob("*.md")):
        assert path.read_text().splitlines()[:2] == ["---", SCHEMA_LINE], path.name


def test_the_schema_is_valid_draft_7_and_forbids_unknown_fields():
    schema = briefing_schema(SITE_REGIONS)
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    for name in ("Election", "Link", "Image", "Facts", "Results", "Seat"):
        assert schema["definitions"][name]["additionalProperties"] is False, name


@pytest.mark.parametrize("model", [FrontMatter, Election, Link, Image, Facts, FreedomHouse, Results, Seat])
def test_every_field_has_help_for_the_editor(model):
    assert set(HELP[model.__name__]) == set(model.model_fields)


def test_a_validator_with_no_json_schema_rule_stops_the_generation():
    with pytest.raises(TypeError, match="no JSON Schema rule for the validator"):
        _translate(lambda value: value, {"type": "string"}, (), {})


BASE = """\
country: Kazakhstan
iso: KZ
region: Eurasia
summary: Kazakhstan elects its lower house.
elections:
  - kind: legislative
    date: 2027-01-10
    status: scheduled
"""
# Each case changes BASE; the schema and the site's validator must agree on every one.
AGREE_VALID = {
    "the base file": {},
    "NO is Norway, as text": {"iso: KZ": "iso: NO"},
    "a quoted code": {"iso: KZ": 'iso: "KZ"'},
    "a year alone": {"date: 2027-01-10": "date: 2027"},
    "a month": {"date: 2027-01-10": "date: 2027-01"},
    "a range": {"date: 2027-01-10": "date: {start: 2027-01-10, end: 2027-01-12}"},
    "a deadline alone": {"date: 2027-01-10": "by: 2027-01-21"},
    "freedom house in short": {"elections:": "facts:\n  freedom_house: Not Free\nelections:"},
    "freedom house in full": {"elections:": "facts:\n  freedom_house: {status: Not Free, score: 23}\nelections:"},
    "results of a held vote": {
        "status: scheduled": "status: held\n    results: {turnout: 63.3, seats: [{party: Nur Otan, seats: 76}]}"
    },
    "empty optional fields": {"elections:": "title:\nimage:\nupdated:\npublish_at:\nelections:"},
    "a link without URL": {"elections:": "news:\n  - {outlet: BBC, title: A story, date: 2026-11}\nelections:"},
    "a link with URL": {"elections:": "news:\n  - {outlet: BBC, title: A, url: 'https://bbc.co.uk/x'}\nelections:"},
    "a publish moment": {"elections:": "publish_at: 2027-01-01T09:00\nelections:"},
    "an image": {"elections:": "image: {file: voter.jpg, alt: A voter, license: CC BY-SA 3.0}\nelections:"},
}
AGREE_INVALID = {
    "an unknown field": {"elections:": "colour: red\nelections:"},
    "an unknown election field": {"status: scheduled": "status: scheduled\n    stauts: held"},
    "a status not in the list": {"status: scheduled": "status: planned"},
    "a status in capitals": {"status: scheduled": "status: Scheduled"},
    "a kind not in the list": {"kind: legislative": "kind: parliamentary"},
    "a freedom house word not in the list": {"elections:": "facts:\n  freedom_house: Mostly Free\nelections:"},
    "month 13": {"date: 2027-01-10": "date: 2027-13-01"},
    "day 32": {"date: 2027-01-10": "date: 2027-01-32"},
    "a date in words": {"date: 2027-01-10": "date: January 2027"},
    "an implausible year": {"date: 2027-01-10": "date: 1799"},
    "a range without an end": {"date: 2027-01-10": "date: {start: 2027-01-10}"},
    "a range of months": {"date: 2027-01-10": "date: {start: 2027-01, end: 2027-02}"},
    "iso as a boolean": {"iso: KZ": "iso: false"},
    "iso not a country": {"iso: KZ": "iso: ZZ"},
    "a region not in site.yaml": {"region: Eurasia": "region: Central Asia"},
    "an empty summary": {"summary: Kazakhstan elects its lower house.": 'summary: " "'},
    "a summary over 400 characters": {"summary: Kazakhstan elects its lower house.": "summary: " + "x" * 401},
    "a missing country": {"country: Kazakhstan\n": ""},
    "neither date nor deadline": {"    date: 2027-01-10\n": ""},
    "results before the vote": {"status: scheduled": "status: scheduled\n    results: {turnout: 50}"},
    "draft as yes": {"elections:": "draft: yes\nelections:"},
    "round 4": {"status: scheduled": "status: scheduled\n    round: 4"},
    "turnout over 100": {"status: scheduled": "status: held\n    results: {turnout: 101}"},
    "a URL without http": {"elections:": "news:\n  - {outlet: BBC, title: A, url: www.bbc.co.uk}\nelections:"},
    "an image in a folder": {"elections:": "image: {file: images/voter.jpg, alt: A voter}\nelections:"},
    "updated to the month": {"elections:": "updated: 2026-11\nelections:"},
    "publish_at in words": {"elections:": "publish_at: tomorrow\nelections:"},
    "a seat colour by name": {
        "status: scheduled": "status: held\n    results: {seats: [{party: A, seats: 1, color: red}]}"
    },
}
# Where the schema cannot follow the site, by design; docs/authoring.md and the module say so.
SCHEMA_LOOSER = {
    "February 30": {"date: 2027-01-10": "date: 2027-02-30"},
    "April 31": {"date: 2027-01-10": "date: 2027-04-31"},
    "a deadline before the date": {"date: 2027-01-10": "date: 2027-01-10\n    by: 2026-12-31"},
    "a range that ends before it starts": {"date: 2027-01-10": "date: {start: 2027-01-12, end: 2027-01-10}"},
    "a whole number written with a point": {"status: scheduled": "status: scheduled\n    round: 2.0"},
}
SCHEMA_STRICTER = {"a code in lower case": {"iso: KZ": "iso: kz"}}


def front_matter(changes: dict[str, str]) -> dict:
    text = BASE
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return read_source(f"---\n{text}---\n".encode(), "x.md").data


def site_accepts(data: dict) -> bool:
    try:
        FrontMatter.model_validate(data, context={"regions": SITE_REGIONS})
    except ValueError:
        return False
    return True


def schema_accepts(data: dict) -> bool:
    return jsonschema.Draft7Validator(briefing_schema(SITE_REGIONS)).is_valid(data)


@pytest.mark.parametrize("case", list(AGREE_VALID))
def test_schema_and_site_both_accept(case):
    data = front_matter(AGREE_VALID[case])
    assert site_accepts(data)
    assert schema_accepts(data)


@pytest.mark.parametrize("case", list(AGREE_INVALID))
def test_schema_and_site_both_refuse(case):
    data = front_matter(AGREE_INVALID[case])
    assert not site_accepts(data)
    assert not schema_accepts(data)


@pytest.mark.parametrize("case", list(SCHEMA_LOOSER))
def test_the_schema_misses_only_what_it_documents(case):
    data = front_matter(SCHEMA_LOOSER[case])
    assert schema_accepts(data)
    assert not site_accepts(data)


@pytest.mark.parametrize("case", list(SCHEMA_STRICTER))
def test_the_schema_asks_for_the_canonical_form(case):
    data = front_matter(SCHEMA_STRICTER[case])
    assert site_accepts(data)
    assert not schema_accepts(data)


def test_the_shipped_briefings_pass_the_committed_schema():
    schema = json.loads((ROOT / "schema" / "briefing.schema.json").read_text())
    for path in sorted((ROOT / "content" / "countries").glob("*.md")):
        data = read_source(path.read_bytes(), path.name).data
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(data)]
        assert errors == [], path.name


# --- flask content stale -------------------------------------------------------------------

FRESH = KENYA.replace(
    "    status: held\n",
    "    status: held\n    results: {turnout: 65.4}\n",
)


def test_nothing_stale_exits_zero(runner, briefing_file):
    briefing_file("kenya", FRESH)
    result = runner.invoke(args=["content", "stale"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 stale item(s) in 0 of 1 briefing(s) as of 2026-11-24 (--days 90)" in result.output


def test_an_election_whose_date_passed_while_still_scheduled(runner, briefing_file):
    path = briefing_file("kenya", FRESH.replace("2027-08-10", "2026-10-01"))
    result = runner.invoke(args=["content", "stale"])
    assert result.exit_code == 1
    line = path.read_text().splitlines().index("    status: scheduled") + 1
    assert stdout_lines(result) == [
        f'content/countries/kenya.md:{line}: elections[0].status: still says "scheduled" but the date of the '
        "General Elections (October 1, 2026) has passed: set the status to held, postponed, cancelled or "
        "annulled, or correct the date"
    ]


def test_an_old_briefing_with_an_election_within_90_days(runner, briefing_file):
    text = FRESH.replace("2027-08-10", "2027-01-15").replace("updated: 2026-11-20", "updated: 2026-03-01")
    path = briefing_file("kenya", text)
    result = runner.invoke(args=["content", "stale"])
    assert result.exit_code == 1
    line = path.read_text().splitlines().index("updated: 2026-03-01") + 1
    assert stdout_lines(result) == [
        f"content/countries/kenya.md:{line}: updated: last updated March 1, 2026, 268 days ago (the limit is 90), "
        "and the General Elections (January 15, 2027) is within 90 days: review the briefing and set updated to "
        "the day you do"
    ]
    assert runner.invoke(args=["content", "stale", "--days", "300"]).exit_code == 0


def test_the_days_default_comes_from_the_stale_days_setting(content, briefing_file):
    text = FRESH.replace("2027-08-10", "2027-01-15").replace("updated: 2026-11-20", "updated: 2026-03-01")
    briefing_file("kenya", text)
    for days, code in [(90, 1), (365, 0)]:
        app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "STALE_DAYS": days})
        assert app.test_cli_runner().invoke(args=["content", "stale"]).exit_code == code, days


def test_an_old_briefing_with_no_election_near_is_not_stale(runner, briefing_file):
    briefing_file("kenya", FRESH.replace("updated: 2026-11-20", "updated: 2024-01-01"))
    assert runner.invoke(args=["content", "stale"]).exit_code == 0


def test_curated_links_all_older_than_the_last_held_election(runner, briefing_file):
    text = FRESH.replace("2022-08-09", "2026-08-09")
    path = briefing_file("kenya", text)
    result = runner.invoke(args=["content", "stale"])
    assert result.exit_code == 1
    line = path.read_text().splitlines().index("news:") + 1
    assert stdout_lines(result) == [
        f"content/countries/kenya.md:{line}: news: the newest curated link (February 2, 2026) predates the last "
        "held election, the General Elections of August 9, 2026: add coverage of the vote and its outcome"
    ]


def test_a_held_election_without_results(runner, briefing_file):
    path = briefing_file("kenya", KENYA)
    result = runner.invoke(args=["content", "stale", "--format", "json"])
    assert result.exit_code == 1
    entries = [i for i, line in enumerate(path.read_text().splitlines(), 1) if line == "  - kind: general"]
    line = entries[1]
    assert json.loads(result.stdout) == [
        {
            "path": "content/countries/kenya.md",
            "line": line,
            "field": "elections[1].results",
            "message": "the status is held but there are no results for the General Elections of August 9, 2022: "
            "add turnout, registered_voters or seats",
            "kind": "no-results",
        }
    ]


def test_json_with_nothing_stale_is_an_empty_list(runner, briefing_file):
    briefing_file("kenya", FRESH)
    result = runner.invoke(args=["content", "stale", "--format", "json"])
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_stale_uses_the_configured_today(content, briefing_file):
    briefing_file("kenya", FRESH)
    later = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": "2027-09-01"})
    result = later.test_cli_runner().invoke(args=["content", "stale", "--format", "json"])
    assert result.exit_code == 1
    assert [item["kind"] for item in json.loads(result.stdout)] == ["overdue"]


def test_stale_names_files_it_could_not_judge(runner, briefing_file):
    briefing_file("kenya", FRESH)
    briefing_file("ghana", "---\ncountry: Ghana\n---\n")
    result = runner.invoke(args=["content", "stale"])
    assert result.exit_code == 0
    assert "Not judged, with errors: content/countries/ghana.md (run flask content check)" in result.output


def test_every_stale_kind_at_once_in_file_and_line_order(runner, briefing_file):
    text = textwrap.dedent(
        """\
        ---
        country: Ghana
        iso: GH
        region: Africa
        summary: Ghana.
        elections:
          - kind: general
            date: 2026-12-07
            status: scheduled
          - kind: referendum
            date: 2026-09
            status: due
          - kind: general
            date: 2024-12-07
            status: held
        news:
          - {outlet: Citi FM, date: 2024-11-01, title: Before the vote}
        updated: 2025-01-01
        ---
        """
    )
    briefing_file("ghana", text)
    briefing_file("kenya", FRESH)
    result = runner.invoke(args=["content", "stale", "--format", "json"])
    found = [(item["line"], item["field"], item["kind"]) for item in json.loads(result.stdout)]
    assert found == [
        (12, "elections[1].status", "overdue"),
        (13, "elections[2].results", "no-results"),
        (16, "news", "old-news"),
        (18, "updated", "not-updated"),
    ]


def test_a_todo_in_a_published_body_is_reported_on_its_file_line(runner, briefing_file):
    text = KENYA.replace("---\n## Political Context", "---\n\n\n## Political Context") + "\nTODO: finish this.\n"
    path = briefing_file("kenya", text)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    line = path.read_text().splitlines().index("TODO: finish this.") + 1
    assert f"content/countries/kenya.md:{line}: body: still says" in result.output


def test_a_draft_may_keep_its_todos(runner, briefing_file):
    briefing_file("kenya", KENYA.replace("updated:", "draft: true\nupdated:") + "\nTODO: finish this.\n")
    assert runner.invoke(args=["content", "check"]).exit_code == 0


# --- docs/authoring.md ---------------------------------------------------------------------

GUIDE = ROOT / "docs" / "authoring.md"
# The guide's five common errors, each made by one edit to a file from `content new Kenya`.
COMMON_ERRORS = [
    ('    title: "TODO: the headline as published"', "    title: Ruto vs Odinga: the rematch"),
    ("    date: 2027  #", "    date: 2027-02-30  #"),
    ("    status: due  #", "    status: Scheduled  #"),
    ("region: Africa  #", "region: East Africa  #"),
    ("updated: 2026-11-24", "upated: 2026-11-24"),
]


@pytest.fixture
def shipped_regions(content):
    (content / "site.yaml").write_text((ROOT / "content" / "site.yaml").read_text())
    (content / "countries" / "kenya.md").unlink()
    return content


@pytest.mark.parametrize(("old", "new"), COMMON_ERRORS)
def test_the_guide_quotes_each_common_error_exactly(runner, shipped_regions, old, new):
    assert runner.invoke(args=["content", "new", "Kenya"]).exit_code == 0
    path = shipped_regions / "countries" / "kenya.md"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    [message] = stdout_lines(result)
    assert f"```text\n{message}\n```" in GUIDE.read_text()


def test_the_guide_complete_example_passes_the_check(runner, shipped_regions):
    example = GUIDE.read_text().split("A complete example:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    (shipped_regions / "countries" / "kazakhstan.md").write_text(example)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_the_readme_links_the_guide():
    assert "(docs/authoring.md)" in (ROOT / "README.md").read_text()


def test_schema_writes_schema_briefing_schema_json_by_default(app, tmp_path):
    app.root_path = str(tmp_path)  # where the committed file would be, here a scratch folder
    result = app.test_cli_runner().invoke(args=["content", "schema"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "schema" / "briefing.schema.json"
    assert f"Wrote {written}" in result.output
    assert json.loads(written.read_text())["title"] == "VoteBrief briefing front-matter"
