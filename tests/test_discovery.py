"""Home, calendar, year archive, countries, regions and search, from fixture content pinned to a date."""

import datetime as dt

import pytest
from conftest import KENYA

from votebrief.calendar import FilterError, Filters, calendar_entries, group_by_month, parse_filters
from votebrief.model import ElectionKind, FreedomStatus
from votebrief.parse import parse_briefing
from votebrief.views import sorted_entries

TODAY = dt.date(2026, 11, 24)


def briefing(slug: str, country: str, iso: str, region: str, elections: str, fh: str = "Free", body: str = ""):
    text = f"""---
country: {country}
iso: {iso}
region: {region}
summary: {country} votes.
facts:
  freedom_house: {fh}
elections:
{elections}
updated: 2026-11-01
---
{body}
"""
    return parse_briefing(text.encode(), f"content/countries/{slug}.md", slug, ["Africa", "Europe", "Eurasia"])


def election(kind: str, date: str, status: str = "scheduled", extra: str = "") -> str:
    return f"  - kind: {kind}\n    date: {date}\n    status: {status}\n{extra}"


@pytest.fixture
def world():
    from conftest import SITE_YAML

    from votebrief.parse import parse_site_config

    site = parse_site_config(SITE_YAML.encode(), "content/site.yaml")
    briefings = [
        briefing("finland", "Finland", "FI", "Europe", election("legislative", "2027-06", "due")),
        briefing("france", "France", "FR", "Europe", election("presidential", "2027-06-30")),
        briefing("estonia", "Estonia", "EE", "Europe", election("legislative", "2027-06-01")),
        briefing("turkey", "Turkey", "TR", "Eurasia", election("general", "2027", "due"), fh="Not Free"),
        briefing("kenya", "Kenya", "KE", "Africa", election("general", "2027-08-10"), fh="Partly Free"),
        briefing("ghana", "Ghana", "GH", "Africa", election("general", "2024-12-07", "held")),
    ]
    return site, briefings


def labels(groups):
    return [(g.label, [e.country for e in g.elections]) for g in groups]


def test_calendar_groups_by_month_with_month_only_dates_after_exact_ones(world):
    site, briefings = world
    groups = group_by_month(calendar_entries(sorted_entries(briefings, TODAY), Filters(), site))
    assert labels(groups) == [
        ("June 2027", ["Estonia", "France", "Finland"]),
        ("August 2027", ["Kenya"]),
        ("2027, date not set", ["Turkey"]),
    ]


def test_the_calendar_lists_only_upcoming_elections(world):
    site, briefings = world
    countries = [e.country for e in calendar_entries(sorted_entries(briefings, TODAY), Filters(), site)]
    assert "Ghana" not in countries


def test_a_year_page_includes_past_elections_as_an_archive(world):
    site, briefings = world
    found = calendar_entries(sorted_entries(briefings, TODAY), Filters(), site, year=2024)
    assert [(e.country, e.date_text) for e in found] == [("Ghana", "December 7, 2024")]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(region="europe"), ["Estonia", "France", "Finland"]),
        (Filters(kind=ElectionKind.GENERAL), ["Kenya", "Turkey"]),
        (Filters(freedom=FreedomStatus.NOT_FREE), ["Turkey"]),
        (Filters(year=2027, region="africa"), ["Kenya"]),
        (Filters(region="europe", kind=ElectionKind.PRESIDENTIAL), ["France"]),
        (Filters(region="eurasia", freedom=FreedomStatus.FREE), []),
    ],
)
def test_each_filter_and_their_combinations(world, filters, expected):
    site, briefings = world
    assert [e.country for e in calendar_entries(sorted_entries(briefings, TODAY), filters, site)] == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"region": ["mars"]}, '"mars" is not a region; use one of: africa, europe, eurasia'),
        ({"kind": ["coronation"]}, '"coronation" is not a valid kind'),
        ({"freedom": ["Free"]}, '"Free" is not a valid freedom; use one of: free, partly-free, not-free'),
        ({"year": ["20x7"]}, '"20x7" is not a year'),
        ({"year": ["99999"]}, '"99999" is not a year'),
        ({"region": ["africa", "europe"]}, '"region" was given 2 times; give it once'),
        ({"kind": ["x" * 500]}, '"kind" is too long'),
    ],
)
def test_bad_filter_values_are_refused_with_a_reason(world, args, message):
    site, _ = world
    with pytest.raises(FilterError) as caught:
        parse_filters(args, site)
    assert str(caught.value).startswith(message)


def test_unknown_parameters_and_empty_values_are_ignored(world):
    site, _ = world
    assert parse_filters({"utm_source": ["x"], "region": [""]}, site) == Filters()


# Through the app, on fixture content.


@pytest.fixture
def more(briefing_file):
    briefing_file(
        "cote-divoire",
        KENYA.replace("Kenya", "Côte d'Ivoire").replace("iso: KE", "iso: CI").replace("2027-08-10", "2027-10"),
    )
    briefing_file(
        "turkey",
        KENYA.replace("Kenya", "Türkiye")
        .replace("iso: KE", "iso: TR")
        .replace("region: Africa", "region: Eurasia")
        .replace("status: Partly Free", "status: Not Free"),
    )


def test_home_shows_the_next_elections_soonest_first_and_a_map(client, more):
    html = client.get("/").get_data(as_text=True)
    upcoming = html.split('id="next-elections"')[1]
    assert upcoming.index("Kenya") < upcoming.index("Côte d&#39;Ivoire")
    assert '<figure class="world-map">' in html
    assert 'href="/countries/kenya/"' in html


def test_calendar_page_shows_months_filters_and_removable_chips(client, more):
    html = client.get("/elections/?region=eurasia&utm_source=news").get_data(as_text=True)
    assert "Region: Eurasia" in html
    assert 'href="/elections/"' in html  # removing the only filter leads back to the full calendar
    assert "Türkiye" in html and "Kenya</a>" not in html
    assert '<h2 id="2027-08">August 2027</h2>' in html


def test_an_empty_filter_result_says_so(client, more):
    html = client.get("/elections/?region=europe").get_data(as_text=True)
    assert "No elections match these filters." in html


@pytest.mark.parametrize(
    "query",
    ["region=mars", "kind=coronation", "year=abc", "region=africa&region=europe", "freedom=" + "x" * 300],
)
def test_bad_calendar_queries_get_400_not_500(client, query):
    response = client.get(f"/elections/?{query}")
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)


def test_year_pages_cover_any_year_and_refuse_absurd_ones(client, more):
    assert "August 9, 2022" in client.get("/elections/2022/").get_data(as_text=True)
    assert "No elections are listed for this period." in client.get("/elections/1990/").get_data(as_text=True)
    assert client.get("/elections/99999/").status_code == 404


def test_countries_are_grouped_by_region_a_to_z_with_their_next_election(client, more):
    html = client.get("/countries/").get_data(as_text=True)
    africa = html.split('id="r-africa"')[1].split('id="r-eurasia"')[0]
    assert africa.index("Côte d&#39;Ivoire") < africa.index("Kenya")
    assert "General Elections, August 10, 2027" in africa


def test_region_page_lists_its_briefings_and_elections(client, more):
    html = client.get("/regions/eurasia/").get_data(as_text=True)
    assert "Türkiye" in html and "Kenya" not in html
    assert client.get("/regions/atlantis/").status_code == 404


def test_search_is_diacritics_insensitive(client, more):
    html = client.get("/search?q=Cote+d%27Ivoire").get_data(as_text=True)
    assert 'href="/countries/cote-divoire/"' in html
    assert 'href="/countries/turkey/"' in client.get("/search?q=turkiye").get_data(as_text=True)


def test_search_ranks_the_country_name_above_a_passing_mention(client, briefing_file):
    briefing_file(
        "ghana",
        KENYA.replace("Kenya", "Ghana").replace("iso: KE", "iso: GH") + "\nGhana watches Kenya's neighbours.\n",
    )
    html = client.get("/search?q=kenya").get_data(as_text=True)
    assert html.index('href="/countries/kenya/"') < html.index('href="/countries/ghana/"')


def test_search_highlights_matches_and_escapes_the_rest(client, briefing_file):
    briefing_file(
        "ghana", KENYA.replace("iso: KE", "iso: GH").replace("Kenya's politics", "<b>Bold</b> Ghanaian politics")
    )
    html = client.get("/search?q=ghanaian").get_data(as_text=True)
    assert "<mark>Ghanaian</mark>" in html
    assert "<b>Bold</b>" not in html


def test_search_finds_election_kinds_and_curated_link_titles(client):
    assert 'href="/countries/kenya/"' in client.get("/search?q=newer+story").get_data(as_text=True)
    assert 'href="/countries/kenya/"' in client.get("/search?q=general").get_data(as_text=True)


@pytest.mark.parametrize("query", ['"', "NEAR(", "*", "kenya OR", "a:b", "^", "x" * 150])
def test_odd_search_strings_never_fail(client, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_overlong_or_repeated_search_queries_get_400(client):
    assert client.get("/search", query_string={"q": "x" * 201}).status_code == 400
    assert client.get("/search?q=a&q=b").status_code == 400


def test_no_match_says_so(client):
    assert "No briefing matches" in client.get("/search?q=zzzzqqq").get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/elections/",
        "/elections/2027/",
        "/elections/2021/",
        "/countries/",
        "/regions/africa/",
        "/about/",
        "/approach/",
    ],
)
def test_every_page_renders_from_the_shipped_content(shipped_app, url):
    assert shipped_app.test_client().get(url).status_code == 200


def test_the_shipped_content_has_fifteen_briefings_across_five_regions_mostly_upcoming(shipped_app):
    from votebrief import views

    with shipped_app.app_context():
        snap = shipped_app.extensions["votebrief.store"].snapshot()
        briefings = views.public_briefings(snap, dt.datetime(2026, 11, 24, tzinfo=dt.UTC))
        with_upcoming = [b for b in briefings if views.briefing_view(b, TODAY).upcoming]
    assert len(briefings) >= 15
    assert len({b.meta.region for b in briefings}) >= 5
    assert len(with_upcoming) > len(briefings) / 2


def test_the_calendar_of_one_snapshot_follows_the_day(app):
    from votebrief import views
    from votebrief.dates import Timing
    from votebrief.web.state import snapshot

    now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    with app.test_request_context():
        snap = snapshot()
        before = views.site_entries(snap, now, dt.date(2027, 8, 9))
        after = views.site_entries(snap, now, dt.date(2027, 8, 11))
        assert views.site_entries(snap, now, dt.date(2027, 8, 11)) is after  # worked out once for the day
    assert [e.timing for e in before if e.election.when.first.year == 2027] == [Timing.UPCOMING]
    assert [e.timing for e in after if e.election.when.first.year == 2027] == [Timing.OVERDUE]
    assert [e.sort_key() for e in after] == sorted(e.sort_key() for e in after)
