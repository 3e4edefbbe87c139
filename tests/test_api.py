"""The JSON API: its OpenAPI document is valid OpenAPI 3.1 (openapi-spec-validator), every
endpoint answers as the document says (schemathesis), and the data is the front-matter's,
with dates as data, the calendar's filters, drafts hidden and HTTP caching done properly.
"""

from __future__ import annotations

import pytest
import schemathesis
from headless import HIDDEN, add_briefings
from hypothesis import given, settings
from openapi_spec_validator import validate
from openapi_spec_validator.versions.shortcuts import get_spec_version
from schemathesis import GenerationMode

API = "/api/v1"


@pytest.fixture(autouse=True)
def _briefings(content):
    add_briefings(content)


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    return response.get_json()


# --- The document -------------------------------------------------------------------------


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = get_json(client, f"{API}/openapi.json")
    assert document["openapi"] == "3.1.0"
    assert get_spec_version(document).major == "3" and get_spec_version(document).minor == "1"
    validate(document)  # raises on any error in the document


def test_the_document_offers_the_calendars_filter_values_from_the_content(client):
    document = get_json(client, f"{API}/openapi.json")
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/elections.json"]["get"]["parameters"]}
    assert parameters["region"]["enum"] == ["africa", "europe", "eurasia"]
    assert parameters["freedom"]["enum"] == ["free", "partly-free", "not-free"]
    assert "presidential" in parameters["kind"]["enum"]
    assert parameters["year"]["type"] == "integer"


OPERATIONS = [
    "/api/v1/briefings.json",
    "/api/v1/briefings/{slug}.json",
    "/api/v1/elections.json",
    "/api/v1/regions.json",
]
WITH_PARAMETERS = ["/api/v1/briefings/{slug}.json", "/api/v1/elections.json"]


def test_the_document_describes_every_endpoint(app, client):
    document = get_json(client, f"{API}/openapi.json")
    assert sorted(document["paths"]) == sorted(OPERATIONS)
    routes = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and "openapi" not in r.rule}
    assert {r.replace("<slug>", "{slug}") for r in routes} == set(OPERATIONS)


#: Schemathesis's statuses for a refused invalid request, plus 414: a long enough invalid query
#: is refused for its length before its values are read, which is a refusal all the same.
REFUSALS = [*schemathesis.Config().projects.default.checks.negative_data_rejection.expected_statuses, "414"]
CONFIG = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}})


def run_schemathesis(app, path: str, mode: GenerationMode) -> None:
    # schemathesis.pytest.from_fixture would build the schema from the app fixture, but its
    # node-id rewriting fails under pytest 9; driving Hypothesis here keeps the fixture and
    # its tmp_path content, and runs the same checks (status codes, schemas, headers).
    operation = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app, config=CONFIG)[path]["GET"]

    # derandomize: the same examples on every run, so CI cannot fail on a lucky draw.
    @given(case=operation.as_strategy(mode))
    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    def check(case) -> None:
        # The in-process transport does not undo Content-Encoding as an HTTP client would.
        case.call_and_validate(headers={"Accept-Encoding": "identity"})

    check()


@pytest.mark.parametrize("path", OPERATIONS)
def test_every_endpoint_answers_valid_requests_as_the_document_says(app, path):
    run_schemathesis(app, path, GenerationMode.POSITIVE)


@pytest.mark.parametrize("path", WITH_PARAMETERS)
def test_every_endpoint_refuses_invalid_requests_as_the_document_says(app, path):
    run_schemathesis(app, path, GenerationMode.NEGATIVE)


# --- The data -----------------------------------------------------------------------------


def test_a_month_only_date_is_data_with_its_precision_and_status(client):
    france = get_json(client, f"{API}/briefings/france.json")
    presidential = next(e for e in france["elections"] if e["kind"] == "presidential")
    assert presidential["status"] == "due" and presidential["timing"] == "upcoming"
    assert presidential["date"] == {
        "text": "April 2027 (due)",
        "precision": "month",
        "start": "2027-04",
        "end": "2027-04",
        "by": None,
        "earliest": "2027-04-01",
        "latest": "2027-04-30",
    }


def test_a_range_a_deadline_and_an_overdue_vote_keep_their_shape(client):
    france = get_json(client, f"{API}/briefings/france.json")
    legislative = next(e for e in france["elections"] if e["kind"] == "legislative")
    assert legislative["date"]["start"] == "2027-06-13" and legislative["date"]["end"] == "2027-06-20"
    assert legislative["date"]["precision"] == "day" and legislative["status"] == "tentative"

    spain = get_json(client, f"{API}/briefings/spain.json")
    general = next(e for e in spain["elections"] if e["kind"] == "general")
    assert general["date"]["start"] is None and general["date"]["by"] == "2027-08-22"
    assert general["date"]["text"] == "By August 22, 2027 (due)"

    kazakhstan = get_json(client, f"{API}/briefings/kazakhstan.json")
    overdue = next(e for e in kazakhstan["elections"] if e["kind"] == "legislative")
    assert overdue["timing"] == "overdue" and overdue["status"] == "scheduled"
    assert overdue["date"]["text"] == "January 10, 2021 — date passed, awaiting update"
    assert kazakhstan["today"] == "2026-11-24"


def test_a_briefing_has_its_facts_links_and_rendered_body(client):
    kenya = get_json(client, f"{API}/briefings/kenya.json")
    assert kenya["country"] == "Kenya" and kenya["iso"] == "KE"
    assert kenya["region"] == {"name": "Africa", "slug": "africa"}
    assert kenya["freedom_house"] == {
        "status": "Partly Free",
        "slug": "partly-free",
        "score": 49,
        "year": 2026,
        "note": None,
    }
    assert kenya["government"] == "Presidential republic" and kenya["population"] == "55.8 million"
    assert kenya["title"] == "Kenya General Elections: August 10, 2027"
    assert kenya["updated"] == "2026-11-20"
    assert [n["title"] for n in kenya["news"]] == ["A newer story", "An older story"]  # newest first
    assert '<h2 id="political-context">Political Context</h2>' in kenya["html"]
    assert kenya["url"] == "http://127.0.0.1:8000/countries/kenya/"
    assert kenya["calendar_url"] == "http://127.0.0.1:8000/countries/kenya.ics"
    assert kenya["next_election"]["date"]["start"] == "2027-08-10"


def test_field_names_are_stable(client):
    # Renaming a field breaks every client: this list changes only with a new API version.
    listing = get_json(client, f"{API}/briefings.json")
    assert list(listing) == ["count", "briefings"]
    assert list(listing["briefings"][0]) == [
        *("slug", "country", "iso", "region", "freedom_house", "url", "api_url"),
        *("title", "summary", "updated", "next_election", "calendar_url"),
    ]
    election = get_json(client, f"{API}/briefings/kenya.json")["elections"][0]
    assert list(election) == [
        *("kind", "label", "title", "snap", "round", "if_needed", "status", "timing", "date", "note", "results")
    ]
    assert list(get_json(client, f"{API}/elections.json")) == ["today", "filters", "count", "elections"]


def test_briefings_are_listed_a_to_z_without_drafts(client):
    listing = get_json(client, f"{API}/briefings.json")
    assert [b["slug"] for b in listing["briefings"]] == ["france", "kazakhstan", "kenya", "spain"]
    assert listing["count"] == 4


def test_drafts_and_unpublished_briefings_are_not_found(client):
    for slug in HIDDEN:
        error = get_json(client, f"{API}/briefings/{slug}.json", 404)
        assert error == {"error": {"status": 404, "message": f'There is no briefing "{slug}".'}}
    everything = "".join(
        client.get(f"{API}/{name}.json").get_data(as_text=True) for name in ("briefings", "elections", "regions")
    )
    for slug, country in HIDDEN.items():
        assert slug not in everything and country not in everything
    africa = next(r for r in get_json(client, f"{API}/regions.json")["regions"] if r["slug"] == "africa")
    assert africa["briefings"] == 1


def labels(client, query: str = "") -> list[str]:
    return [
        f"{e['briefing']['country']}: {e['label']}"
        for e in get_json(client, f"{API}/elections.json{query}")["elections"]
    ]


def test_elections_are_the_calendars_upcoming_elections_in_date_order(client):
    assert labels(client) == [
        "Spain: Local Elections",  # postponed: still to come
        "France: Presidential Election",  # April 2027 sorts after every exact April date
        "France: Legislative Elections",
        "Kenya: General Elections",
        "Spain: General Elections",
        "Kazakhstan: Presidential Election",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "?region=europe",
            [
                "Spain: Local Elections",
                "France: Presidential Election",
                "France: Legislative Elections",
                "Spain: General Elections",
            ],
        ),
        ("?kind=presidential", ["France: Presidential Election", "Kazakhstan: Presidential Election"]),
        ("?freedom=not-free", ["Kazakhstan: Presidential Election"]),
        ("?freedom=partly-free&region=africa", ["Kenya: General Elections"]),
        ("?year=2029", ["Kazakhstan: Presidential Election"]),
        ("?year=2026", []),
        ("?utm_source=newsletter&kind=general", ["Kenya: General Elections", "Spain: General Elections"]),
    ],
)
def test_elections_filter_exactly_like_the_calendar(client, query, expected):
    assert labels(client, query) == expected
    calendar = client.get(f"/elections/{query}").get_data(as_text=True)
    for label in expected:
        assert label.split(": ", 1)[1] in calendar


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?region=atlantis", '"atlantis" is not a region; use one of: africa, europe, eurasia'),
        ("?kind=coronation", '"coronation" is not a valid kind'),
        ("?freedom=Free", '"Free" is not a valid freedom'),
        ("?year=next", '"next" is not a year'),
        ("?year=99999", '"99999" is not a year'),
        ("?kind=local&kind=general", '"kind" was given 2 times; give it once'),
        ("?region=", '"region" is empty; give a value or leave the parameter out'),
    ],
)
def test_unknown_filter_values_are_a_400_json_error(client, query, message):
    error = get_json(client, f"{API}/elections.json{query}", 400)
    assert error["error"]["status"] == 400 and message in error["error"]["message"]


def test_the_filters_in_force_are_echoed(client):
    listing = get_json(client, f"{API}/elections.json?region=europe&freedom=free&year=2027&kind=local")
    assert listing["filters"] == {"region": "europe", "kind": "local", "freedom": "free", "year": 2027}
    assert listing["count"] == 1


def test_regions_list_every_region_with_its_links(client):
    regions = get_json(client, f"{API}/regions.json")["regions"]
    assert [(r["slug"], r["briefings"]) for r in regions] == [("africa", 1), ("europe", 2), ("eurasia", 1)]
    assert regions[1]["feed_url"] == "http://127.0.0.1:8000/regions/europe/feed.atom"


@pytest.mark.parametrize(
    "path", ["briefings.json", "briefings/kenya.json", "elections.json?kind=general", "regions.json", "openapi.json"]
)
def test_responses_carry_cache_control_and_an_etag_that_gives_304(client, path):
    response = client.get(f"{API}/{path}")
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    etag = response.headers["ETag"]
    again = client.get(f"{API}/{path}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_a_content_edit_changes_the_etag(client, content):
    before = client.get(f"{API}/briefings/kenya.json").headers["ETag"]
    path = content / "countries" / "kenya.md"
    path.write_text(path.read_text().replace("55.8 million", "56 million"))
    after = client.get(f"{API}/briefings/kenya.json")
    assert after.headers["ETag"] != before and after.get_json()["population"] == "56 million"


def test_a_wrong_method_is_a_405_json_error_that_says_what_is_allowed(client):
    response = client.post(f"{API}/briefings.json")
    assert response.status_code == 405 and response.mimetype == "application/json"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert response.get_json()["error"]["status"] == 405


def test_the_lists_put_together_item_by_item_are_the_models_own_json(app):
    """The export keeps each item's JSON and joins them: the bytes must be the whole model's."""
    import datetime as dt

    from votebrief import apidata, views
    from votebrief.calendar import calendar_entries, parse_filters
    from votebrief.web.api import links
    from votebrief.web.state import snapshot

    with app.test_request_context():
        snap, today = snapshot(), dt.date(2026, 11, 24)
        public = views.public_briefings(snap, dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC))
        filters = parse_filters({}, snap.site)
        found = calendar_entries(views.sorted_entries(public, today), filters, snap.site)
        assert len(found) > 3 and len(public) > 3
        elections = [apidata.calendar_election(snap, e, links()) for e in found]
        no_filters = apidata.ElectionFilters(region=None, kind=None, freedom=None, year=None)
        model = apidata.ElectionList(today=today, filters=no_filters, count=len(found), elections=elections)
        assert apidata.election_list_json(snap, found, filters, today, links()) == model.model_dump_json()
        summaries = [apidata.briefing_summary(snap, b, today, links()) for b in public]
        model = apidata.BriefingList(count=len(public), briefings=summaries)
        assert apidata.briefing_list_json(snap, public, today, links()) == model.model_dump_json()
        assert apidata.briefing_list_json(snap, [], today, links()) == '{"count":0,"briefings":[]}'
