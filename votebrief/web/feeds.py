"""Outputs for subscribers and crawlers: the Atom feeds, the iCalendar files, sitemap.xml and robots.txt.

Each is built by the library made for its format (feedgen, icalendar, ElementTree) from the
same view data as the pages, goes through the page cache (ETag, 304, Cache-Control), and
lists public briefings only.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from flask import Blueprint, abort, current_app, g

from votebrief import views
from votebrief.dates import DateRange, Precision, Status
from votebrief.loader import Snapshot
from votebrief.model import Briefing, Region
from votebrief.urls import (
    UrlKind,
    briefing_calendar_path,
    briefing_path,
    public_urls,
    region_feed_path,
    region_path,
)
from votebrief.web import rendercache
from votebrief.web.pagecache import cached_response
from votebrief.web.site import body_html, visible
from votebrief.web.state import current_now, current_today, snapshot

if TYPE_CHECKING:
    from icalendar import Event

bp = Blueprint("feeds", __name__)

#: The newest briefings a feed carries; readers only fetch what changed since their last poll.
FEED_SIZE = 50
#: How often subscribed calendars should refresh: dates move rarely, and never hourly.
CALENDAR_REFRESH = dt.timedelta(hours=12)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def site_url() -> str:
    return current_app.config["SITE_URL"]


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def find_region(snap: Snapshot, slug: str) -> Region:
    found = next((r for r in snap.site.regions if r.slug == slug), None)
    if found is None:
        abort(404)
    return found


# --- Atom ---------------------------------------------------------------------------------


def feed_briefings(snap: Snapshot) -> list[Briefing]:
    """The public briefings a feed picks its entries from.

    A feed is made of its entries alone. When an incremental export renders a feed again
    only because an entry's body changed, it names the entries the feed had
    (``g.votebrief_known_entries``, see votebrief.export): every front-matter is as it was,
    so the choice is too, and the other files need no parse.
    """
    now = current_now()
    known = g.get("votebrief_known_entries")
    if known is None:
        return views.public_briefings(snap, now)
    found = (snap.briefings.get(slug) for slug in known)
    return [b for b in found if b is not None and b.is_public(now)]


@bp.get("/feed.atom")
def feed():
    def render() -> str:
        snap = snapshot()
        briefings = feed_briefings(snap)
        title = f"{snap.site.name}: updated briefings"
        return atom_feed(snap, briefings, title, "/feed.atom", "/")

    return cached_response(render, "application/atom+xml", vary_args=())


@bp.get("/regions/<slug>/feed.atom")
def region_feed(slug: str):
    snap = snapshot()
    region = find_region(snap, slug)

    def render() -> str:
        briefings = [b for b in feed_briefings(snap) if b.meta.region == region.name]
        title = f"{snap.site.name}: {region.name}"
        return atom_feed(snap, briefings, title, region_feed_path(slug), region_path(slug))

    return cached_response(render, "application/atom+xml", vary_args=())


def updated_on(briefing: Briefing) -> dt.datetime | None:
    """When a briefing last changed: ``updated`` (else its last commit), else ``publish_at``."""
    if briefing.updated_on:
        return midnight(briefing.updated_on)
    return briefing.meta.publish_at


def atom_feed(snap: Snapshot, briefings: Iterable[Briefing], title: str, self_path: str, page_path: str) -> str:
    """Briefings newest update first. A briefing that gives no date has no update to announce, so it is left out."""
    base = site_url()
    dated = [(when, b) for b in briefings if (when := updated_on(b)) is not None]
    dated.sort(key=lambda pair: (-pair[0].timestamp(), pair[1].meta.country))
    dated = dated[:FEED_SIZE]
    today = current_today()
    g.votebrief_made_of_shown = True  # the export may render this again from its entries alone
    reads = g.get("votebrief_body_reads")
    if reads is not None:
        reads.update(b.slug for _, b in dated)  # as body_html would: the export keys the feed by these bodies
    site = snap.site
    # A feed with no entries still needs a date: the start of today keeps the output deterministic.
    updated = dated[0][0] if dated else midnight(today)
    head = FeedHead(
        base + self_path, title, site.description, base + page_path, site.name, base + "/", site.disclaimer, updated
    )
    entries = []
    for when, briefing in dated:
        meta, region = briefing.meta, views.region_of(snap, briefing)
        url, heading = base + briefing_path(briefing.slug), views.briefing_view(briefing, today).title
        term = region.slug if region else meta.region
        entries.append(FeedEntry(url, heading, when, meta.publish_at, meta.summary, term, meta.region, briefing))
    # The feed is made of these values and its entries' bodies, which the files' digests stand
    # for: an edit of a briefing the feed does not show leaves the export's kept copy in use.
    shown = [(*entry[:-1], entry.briefing.digest) for entry in entries]
    return rendercache.whole("atom", (head, shown), lambda: _atom(head, entries))


class FeedHead(NamedTuple):
    self_url: str
    title: str
    subtitle: str
    page_url: str
    author: str
    author_url: str
    rights: str
    updated: dt.datetime


class FeedEntry(NamedTuple):
    url: str
    title: str
    updated: dt.datetime
    published: dt.datetime | None
    summary: str
    category: str
    category_label: str
    briefing: Briefing


def _atom(head: FeedHead, entries: list[FeedEntry]) -> str:
    # Imported here: feedgen brings lxml (30 ms), which a process that writes no feed (a
    # server's first page, an export after an edit no feed shows) need not wait for.
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(head.self_url)
    fg.title(head.title)
    fg.subtitle(head.subtitle)
    fg.link(href=head.self_url, rel="self", type="application/atom+xml")
    fg.link(href=head.page_url, rel="alternate", type="text/html")
    fg.author({"name": head.author, "uri": head.author_url})
    fg.language("en")
    fg.rights(head.rights)
    fg.updated(head.updated)
    for item in entries:
        entry = fg.add_entry(order="append")
        entry.id(item.url)
        entry.title(item.title)
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.updated(item.updated)
        if item.published:
            entry.published(item.published)
        entry.summary(item.summary)
        entry.content(str(body_html(item.briefing)), type="html")
        entry.category(term=item.category, label=item.category_label)
    return fg.atom_str(pretty=True).decode()


# --- iCalendar ----------------------------------------------------------------------------


@bp.get("/elections.ics")
def elections_calendar():
    def render() -> str:
        snap, today = snapshot(), current_today()
        upcoming = views.site_upcoming(snap, current_now(), today)
        name = f"{snap.site.name}: upcoming elections"
        intro = f"Upcoming national elections in the {snap.site.name} briefings."
        return ical(upcoming, name, intro, "elections", "/elections.ics", "/elections/")

    return cached_response(render, "text/calendar", vary_args=())


@bp.get("/countries/<slug>.ics")
def country_calendar(slug: str):
    found = visible(slug)

    def render() -> str:
        upcoming = views.upcoming_elections([found], current_today())
        name = f"{found.meta.country}: elections ({snapshot().site.name})"
        intro = f"Upcoming elections in {found.meta.country}."
        return ical(upcoming, name, intro, f"{slug}-elections", briefing_calendar_path(slug), briefing_path(slug))

    return cached_response(render, "text/calendar", vary_args=())


def on_known_days(entry: views.ElectionEntry) -> bool:
    """True when the vote's day (or days) is known, so a calendar event would not be made up.

    A month, a year or a deadline alone is not a day; a postponed vote's date is the one it
    no longer takes place on.
    """
    when = entry.election.when
    return when.when is not None and when.precision is Precision.DAY and entry.election.status is not Status.POSTPONED


def event_uid(entry: views.ElectionEntry) -> str:
    # The same election keeps the same UID from one fetch to the next, so a subscribed
    # calendar updates the event in place instead of adding a copy.
    e = entry.election
    return f"{entry.slug}-{e.kind.value}-{e.when.first.isoformat()}-r{e.round or 1}@votebrief"


def election_event(entry: views.ElectionEntry) -> Event:
    from icalendar import Event  # on first use: icalendar takes 35 ms to import, paid by every start

    e, meta = entry.election, entry.briefing.meta
    url = site_url() + briefing_path(entry.slug)
    start = e.when.first.earliest()
    last = e.when.when.end.earliest() if isinstance(e.when.when, DateRange) else start
    stamp = midnight(entry.briefing.updated_on or current_today())
    details = [f"{e.label}: {entry.date_text}.", e.note, meta.summary, f"Briefing: {url}"]
    event = Event.new(
        uid=event_uid(entry),
        summary=f"{entry.country}: {e.label}",
        start=start,
        end=last + dt.timedelta(days=1),  # all-day DTEND is exclusive
        description="\n\n".join(d for d in details if d),
        location=entry.country,
        categories=["Election", e.kind.label],
        url=url,
        stamp=stamp,
        last_modified=stamp,
        status="CONFIRMED" if e.status is Status.SCHEDULED else "TENTATIVE",
        transparency="TRANSPARENT",  # an election day does not make the subscriber busy
    )
    return event


def ical(entries: list[views.ElectionEntry], name: str, intro: str, uid: str, self_path: str, page_path: str) -> str:
    """Exact-day elections as all-day events; the rest are named in the calendar's description, never faked."""
    undated = [e for e in entries if not on_known_days(e)]
    description = intro
    if undated:
        lines = "\n".join(f"- {e.country}: {e.label}, {e.date_text}" for e in undated)
        description += f"\n\nNo day set yet, so not shown as events:\n{lines}"
    head_parts = (snapshot().site.name, name, description, uid, site_url() + page_path, site_url() + self_path)
    # The calendar's own lines, kept by the export like its events: the description of the
    # calendar of every election names each undated one, and icalendar folds it a character
    # at a time (0.1 s for 2,000 briefings), though an edit rarely changes it.
    head = rendercache.whole("ical-head", head_parts, lambda: _calendar_head(*head_parts))
    events: dict[str, str] = {}
    for entry in filter(on_known_days, entries):
        event_id = event_uid(entry)
        # Two identical lines in a briefing would give one UID twice, which calendars refuse.
        if event_id not in events:
            events[event_id] = _event_text(entry)
    return head + "".join(events.values()) + CALENDAR_END


def _calendar_head(site_name: str, name: str, description: str, uid: str, page_url: str, self_url: str) -> str:
    """The calendar's lines before its events, as icalendar writes them."""
    from icalendar import Calendar, vDuration, vText  # see election_event

    cal = Calendar.new(
        prodid=f"-//{site_name}//Election calendar//EN",
        name=name,
        description=description,
        method="PUBLISH",
        uid=f"{uid}@votebrief",
        url=page_url,
        source=self_url,
    )
    # icalendar types the X-WR-* copies as unknown values, which it neither escapes nor folds:
    # as TEXT they survive a newline or a comma.
    cal["X-WR-CALNAME"], cal["X-WR-CALDESC"] = vText(name), vText(description)
    cal.add("REFRESH-INTERVAL", vDuration(CALENDAR_REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(CALENDAR_REFRESH))  # the same hint, for Outlook and Google
    # icalendar writes a calendar's components after its own properties, before its last
    # line; each event is serialised alone so the export can keep it (tests check the bytes
    # are those of one Calendar holding every event).
    text = cal.to_ical().decode()
    assert text.endswith(CALENDAR_END)
    return text[: -len(CALENDAR_END)]


CALENDAR_END = "END:VCALENDAR\r\n"


def _event_text(entry: views.ElectionEntry) -> str:
    # The stamp is the briefing's update day, or today when it has none.
    key = f"event|{entry.cache_key}|{entry.briefing.updated_on or current_today()}"
    return rendercache.fragment(key, lambda: election_event(entry).to_ical().decode())


# --- Crawlers -----------------------------------------------------------------------------


@bp.get("/sitemap.xml")
def sitemap():
    def render() -> str:
        base = site_url()
        shown = [
            (base + url.path, url.lastmod) for url in public_urls(snapshot(), current_now()) if url.kind is UrlKind.PAGE
        ]
        # Kept by the export under what it lists: an edit that moves no page and dates none leaves it as it was.
        return rendercache.whole("sitemap", shown, lambda: _sitemap(shown))

    return cached_response(render, "application/xml", vary_args=())


def _sitemap(pages: list[tuple[str, dt.date | None]]) -> str:
    urlset = ET.Element("urlset", xmlns=SITEMAP_NS)
    for loc, lastmod in pages:
        item = ET.SubElement(urlset, "url")
        ET.SubElement(item, "loc").text = loc
        if lastmod:
            ET.SubElement(item, "lastmod").text = lastmod.isoformat()
    ET.indent(urlset)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(urlset, encoding="unicode") + "\n"


@bp.get("/robots.txt")
def robots():
    # Search result pages are an endless space of near-duplicates: crawlers should skip them.
    body = f"User-agent: *\nDisallow: /search\n\nSitemap: {site_url()}/sitemap.xml\n"
    return cached_response(lambda: body, "text/plain", vary_args=())
