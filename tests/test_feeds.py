"""Feeds, calendars, the sitemap and link previews, each read back by the client that uses it:
feedparser for Atom, icalendar for .ics, an XML parser for the sitemap, html.parser and
json for the Open Graph tags and the JSON-LD.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import icalendar
import pytest
from headless import HIDDEN, add_briefings

from app import create_app
from votebrief.urls import UrlKind, public_urls
from votebrief.web.state import snapshot

SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _briefings(content):
    add_briefings(content)


def fetch(client, url: str, mimetype: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == mimetype, url
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    return response.data


# --- Atom ---------------------------------------------------------------------------------


def parse_feed(client, url: str) -> feedparser.FeedParserDict:
    feed = feedparser.parse(fetch(client, url, "application/atom+xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_feed_lists_briefings_newest_update_first(client):
    feed = parse_feed(client, "/feed.atom")
    assert feed.feed.title == "TestBrief: updated briefings"
    # Kazakhstan gives no `updated` date, so it has no update to announce.
    assert [e.link for e in feed.entries] == [f"{SITE}/countries/{s}/" for s in ("kenya", "france", "spain")]
    kenya = feed.entries[0]
    assert kenya.title == "Kenya General Elections: August 10, 2027"
    assert kenya.updated_parsed[:3] == (2026, 11, 20)
    assert kenya.id == f"{SITE}/countries/kenya/"
    assert kenya.summary == "Kenya holds a general election in August 2027."
    assert "<p>Kenya’s politics in a paragraph.</p>" in kenya.content[0].value  # rendered, smart quotes
    assert feed.feed.updated_parsed[:3] == (2026, 11, 20)
    assert any(link.rel == "self" and link.href == f"{SITE}/feed.atom" for link in feed.feed.links)


def test_a_region_feed_has_only_that_regions_briefings(client):
    feed = parse_feed(client, "/regions/europe/feed.atom")
    assert feed.feed.title == "TestBrief: Europe"
    assert [e.title.split(" ")[0] for e in feed.entries] == ["France", "Spain"]
    assert all(e.tags[0].term == "europe" for e in feed.entries)


def test_an_empty_region_still_has_a_valid_feed_and_an_unknown_one_is_404(client, content):
    for path in (content / "countries").glob("*.md"):
        path.unlink()
    feed = parse_feed(client, "/regions/africa/feed.atom")
    assert feed.entries == [] and feed.feed.updated_parsed[:3] == (2026, 11, 24)
    assert client.get("/regions/atlantis/feed.atom").status_code == 404


def test_drafts_are_in_no_feed(client):
    for url in ("/feed.atom", "/regions/africa/feed.atom"):
        text = client.get(url).get_data(as_text=True)
        assert all(slug not in text and country not in text for slug, country in HIDDEN.items())


# --- iCalendar ----------------------------------------------------------------------------


def parse_ics(client, url: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(fetch(client, url, "text/calendar"))


def events_by_summary(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_an_exact_date_is_an_all_day_event_linking_back_to_the_briefing(client):
    kenya = events_by_summary(parse_ics(client, "/elections.ics"))["Kenya: General Elections"]
    start, end = kenya.decoded("DTSTART"), kenya.decoded("DTEND")
    assert type(start) is dt.date and start == dt.date(2027, 8, 10)  # a date, not a date-time
    assert end == dt.date(2027, 8, 11)  # DTEND is exclusive: one whole day
    assert str(kenya["URL"]) == f"{SITE}/countries/kenya/"
    assert str(kenya["UID"]) == "kenya-general-2027-08-10-r1@votebrief"
    assert str(kenya["STATUS"]) == "CONFIRMED"


def test_a_range_spans_its_days_and_a_tentative_date_says_so(client):
    legislative = events_by_summary(parse_ics(client, "/elections.ics"))["France: Legislative Elections"]
    assert legislative.decoded("DTSTART") == dt.date(2027, 6, 13)
    assert legislative.decoded("DTEND") == dt.date(2027, 6, 21)
    assert str(legislative["STATUS"]) == "TENTATIVE"


def test_a_month_a_year_a_deadline_or_a_postponed_date_is_never_faked_as_a_day(client):
    calendar = parse_ics(client, "/elections.ics")
    assert sorted(events_by_summary(calendar)) == ["France: Legislative Elections", "Kenya: General Elections"]
    description = str(calendar["DESCRIPTION"])
    for line in (
        "- Spain: Local Elections, Set for January 15, 2027 — postponed",
        "- France: Presidential Election, April 2027 (due)",
        "- Spain: General Elections, By August 22, 2027 (due)",
        "- Kazakhstan: Presidential Election, 2029 (due)",
    ):
        assert line in description
    # The parser leaves X- properties as written; calendar apps read this one as TEXT.
    assert str(calendar["X-WR-CALDESC"]) == icalendar.vText(description).to_ical().decode()
    assert str(calendar["X-WR-CALNAME"]) == "TestBrief: upcoming elections"


def test_uids_are_stable_so_a_subscription_updates_instead_of_duplicating(client, content):
    first = {str(e["UID"]) for e in parse_ics(client, "/elections.ics").walk("VEVENT")}
    path = content / "countries" / "kenya.md"
    path.write_text(path.read_text().replace("Kenya's politics", "Kenya's politics, edited,"))
    again = {str(e["UID"]) for e in parse_ics(client, "/elections.ics").walk("VEVENT")}
    assert first == again == {"kenya-general-2027-08-10-r1@votebrief", "france-legislative-2027-06-13-r1@votebrief"}


def test_a_country_calendar_has_that_countrys_upcoming_elections(client):
    france = parse_ics(client, "/countries/france.ics")
    assert list(events_by_summary(france)) == ["France: Legislative Elections"]
    assert "France: Presidential Election, April 2027 (due)" in str(france["DESCRIPTION"])
    assert str(france["SOURCE"]) == f"{SITE}/countries/france.ics"
    kazakhstan = parse_ics(client, "/countries/kazakhstan.ics")
    assert events_by_summary(kazakhstan) == {}  # the overdue 2021 vote is not upcoming


def test_past_elections_drafts_and_unknown_countries_have_no_calendar_events(client):
    text = client.get("/elections.ics").get_data(as_text=True)
    assert "2022" not in text and all(c not in text for c in HIDDEN.values())
    for slug in (*HIDDEN, "atlantis"):
        assert client.get(f"/countries/{slug}.ics").status_code == 404


def test_the_calendar_follows_the_pinned_day(app, client):
    app.config["TODAY"] = dt.date(2027, 8, 11)
    assert "Kenya: General Elections" not in events_by_summary(parse_ics(client, "/elections.ics"))


# --- Sitemap and robots.txt ---------------------------------------------------------------

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def parse_sitemap(client) -> dict[str, str | None]:
    root = ET.fromstring(fetch(client, "/sitemap.xml", "application/xml"))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    found = {}
    for url in root.findall("s:url", NS):
        lastmod = url.find("s:lastmod", NS)
        found[url.find("s:loc", NS).text] = lastmod.text if lastmod is not None else None
    return found


def test_the_sitemap_lists_every_public_page_with_its_lastmod(app, client):
    sitemap = parse_sitemap(client)
    with app.test_request_context():
        pages = [
            u for u in public_urls(snapshot(), dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)) if u.kind is UrlKind.PAGE
        ]
    assert sorted(sitemap) == sorted(SITE + u.path for u in pages)
    assert sitemap[f"{SITE}/countries/kenya/"] == "2026-11-20"
    assert sitemap[f"{SITE}/regions/europe/"] == "2026-10-01"  # the newest of France and Spain
    assert sitemap[f"{SITE}/"] == "2026-11-20"
    assert sitemap[f"{SITE}/countries/kazakhstan/"] is None  # no date given: none invented
    for url in (f"{SITE}/elections/", f"{SITE}/elections/2021/", f"{SITE}/about/", f"{SITE}/regions/eurasia/"):
        assert url in sitemap
    assert f"{SITE}/regions/eurasia/" in sitemap and f"{SITE}/search" not in sitemap
    assert all(slug not in url for url in sitemap for slug in HIDDEN)


def test_robots_txt_points_at_the_sitemap(client):
    robots = fetch(client, "/robots.txt", "text/plain").decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in robots.splitlines()
    assert "Disallow: /search" in robots.splitlines()


def test_public_urls_come_from_the_site_url_setting(content):
    app = create_app(
        {"TESTING": True, "CONTENT_DIR": str(content), "CHECK_INTERVAL": 0, "SITE_URL": "https://votes.example/"}
    )
    client = app.test_client()
    assert "Sitemap: https://votes.example/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)
    assert "https://votes.example/countries/kenya/" in parse_sitemap_text(client.get("/sitemap.xml").data)
    head = Head.of(client.get("/countries/kenya/").get_data(as_text=True))
    assert head.links["canonical"] == ["https://votes.example/countries/kenya/"]
    assert head.meta["og:url"] == "https://votes.example/countries/kenya/"


def parse_sitemap_text(data: bytes) -> list[str]:
    return [loc.text for loc in ET.fromstring(data).iterfind(".//s:loc", NS)]


# --- Link previews and JSON-LD ------------------------------------------------------------


class Head(HTMLParser):
    """The <meta>, <link> and JSON-LD of a page, as a link-preview crawler reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, list[str]] = {}
        self.jsonld: list[object] = []
        self._in_jsonld = False

    @classmethod
    def of(cls, html: str) -> Head:
        head = cls()
        head.feed(html)
        head.close()
        return head

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        elif tag == "link":
            self.links.setdefault(a.get("rel", ""), []).append(a.get("href", ""))
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in_jsonld = True

    def handle_endtag(self, tag: str) -> None:
        self._in_jsonld = self._in_jsonld and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld.append(json.loads(data))


def page_urls(app) -> list[str]:
    with app.test_request_context():
        now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
        return [u.path for u in public_urls(snapshot(), now) if u.kind is UrlKind.PAGE]


def test_every_page_has_a_canonical_url_and_a_complete_link_preview(app, client):
    for url in page_urls(app):
        head = Head.of(client.get(url).get_data(as_text=True))
        assert head.links["canonical"] == [SITE + url], url
        assert head.meta["og:url"] == SITE + url, url
        for name in ("og:title", "og:description", "og:site_name", "twitter:title", "twitter:description"):
            assert head.meta[name].strip(), (url, name)
        assert head.meta["og:type"] == (
            "article" if url.startswith("/countries/") and url != "/countries/" else "website"
        )
        assert head.meta["twitter:card"] == "summary" and "og:image" not in head.meta, url


def test_pages_say_what_they_are_in_their_preview(client):
    kenya = Head.of(client.get("/countries/kenya/").get_data(as_text=True))
    assert kenya.meta["og:title"] == "Kenya General Elections: August 10, 2027"
    assert kenya.meta["og:description"] == "Kenya holds a general election in August 2027."
    assert f"{SITE}/countries/kenya.ics" not in kenya.links["alternate"]  # relative, as every internal link
    assert (
        "/countries/kenya.ics" in kenya.links["alternate"]
        and "/api/v1/briefings/kenya.json" in kenya.links["alternate"]
    )
    region = Head.of(client.get("/regions/europe/").get_data(as_text=True))
    assert region.meta["og:title"] == "Europe" and "/regions/europe/feed.atom" in region.links["alternate"]
    about = Head.of(client.get("/about/").get_data(as_text=True))
    assert about.meta["og:title"] == "About"


def test_an_error_page_has_no_canonical_url(client):
    head = Head.of(client.get("/countries/atlantis/").get_data(as_text=True))
    assert "canonical" not in head.links and "og:url" not in head.meta
    assert head.meta["og:title"] == "Page not found"


def test_the_preview_image_is_the_briefings_photo_only_when_the_file_exists(app, client, tmp_path: Path, briefing_file):
    briefing_file("estonia", ESTONIA)
    html = client.get("/countries/estonia/").get_data(as_text=True)
    assert "og:image" not in Head.of(html).meta  # named in the front-matter, but no file

    static = tmp_path / "static"
    (static / "images").mkdir(parents=True)
    (static / "images" / "voter.jpg").write_bytes(b"\xff\xd8\xff")
    app.static_folder = str(static)
    briefing_file("estonia", ESTONIA.replace("Body.", "Body, with its photo."))  # a new version, a new page
    head = Head.of(client.get("/countries/estonia/").get_data(as_text=True))
    assert head.meta["og:image"].startswith(SITE + "/static/") and head.meta["og:image"].endswith("/images/voter.jpg")
    assert head.meta["og:image:alt"] == "A voter in Tallinn" and head.meta["twitter:card"] == "summary_large_image"
    article = head.jsonld[0]["@graph"][0]
    assert article["image"] == head.meta["og:image"]


ESTONIA = """\
---
country: Estonia
iso: EE
region: Europe
summary: "Estonia </script><script>alert(1)</script> votes."
image: {file: voter.jpg, alt: A voter in Tallinn}
elections:
  - kind: legislative
    date: 2027-03-07
    status: scheduled
updated: 2026-11-01
publish_at: 2026-10-30T08:00
---
Body.
"""


def test_a_briefing_is_an_article_with_an_event_for_each_election_known_to_the_day(client):
    head = Head.of(client.get("/countries/france/").get_data(as_text=True))
    (graph,) = head.jsonld
    assert graph["@context"] == "https://schema.org"
    article, *events = graph["@graph"]
    assert article["@type"] == "Article" and article["headline"] == "France Presidential Election: April 2027"
    assert article["datePublished"] == article["dateModified"] == "2026-10-01"
    assert article["url"] == f"{SITE}/countries/france/"
    # The April 2027 presidential vote is known only to the month: no Event for it.
    (event,) = events
    assert event["@type"] == "Event" and event["name"] == "France: Legislative Elections"
    assert (event["startDate"], event["endDate"]) == ("2027-06-13", "2027-06-20")
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["location"] == {"@type": "Country", "name": "France", "identifier": "FR"}


def test_json_ld_dates_and_statuses(client, briefing_file):
    briefing_file("estonia", ESTONIA)
    (graph,) = Head.of(client.get("/countries/estonia/").get_data(as_text=True)).jsonld
    article = graph["@graph"][0]
    assert article["datePublished"] == "2026-10-30" and article["dateModified"] == "2026-11-01"
    spain = Head.of(client.get("/countries/spain/").get_data(as_text=True)).jsonld[0]["@graph"]
    (postponed,) = spain[1:]
    assert postponed["eventStatus"] == "https://schema.org/EventPostponed"


def test_json_ld_cannot_close_its_script_element(client, briefing_file):
    briefing_file("estonia", ESTONIA)
    html = client.get("/countries/estonia/").get_data(as_text=True)
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
    (graph,) = Head.of(html).jsonld
    assert graph["@graph"][0]["description"] == "Estonia </script><script>alert(1)</script> votes."


def test_the_feed_and_calendar_libraries_load_only_when_a_feed_or_calendar_is_made():
    """Every worker start and every export pays for what `import app` loads (lxml and icalendar: 65 ms)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    probe = "import sys, app; print(sorted(m for m in ('feedgen', 'icalendar') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["[]"]
