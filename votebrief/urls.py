"""Every public URL of the site, derived from one content snapshot and one day.

This single generator drives the static export (``flask freeze``), the sitemap and the
test that crawls the whole site, so the three can never disagree about what exists.
It knows the URL shapes but nothing of HTTP; drafts never appear.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from votebrief.loader import Snapshot
from votebrief.model import Briefing
from votebrief.views import public_briefings


class UrlKind(StrEnum):
    PAGE = "page"  # HTML for readers; the only kind listed in the sitemap
    FEED = "feed"  # Atom
    CALENDAR = "calendar"  # iCalendar
    API = "api"  # JSON
    CRAWLER = "crawler"  # sitemap.xml and robots.txt


@dataclass(frozen=True, slots=True)
class PublicUrl:
    path: str
    kind: UrlKind
    #: The day its content last changed, as far as the content says; None when unknown.
    lastmod: dt.date | None = None
    #: The one briefing this output is made from; None when it draws on the whole site.
    briefing: str | None = None


def briefing_path(slug: str) -> str:
    return f"/countries/{slug}/"


def briefing_calendar_path(slug: str) -> str:
    return f"/countries/{slug}.ics"


def briefing_api_path(slug: str) -> str:
    return f"/api/v1/briefings/{slug}.json"


def region_path(slug: str) -> str:
    return f"/regions/{slug}/"


def region_feed_path(slug: str) -> str:
    return f"/regions/{slug}/feed.atom"


def newest_update(briefings: Iterable[Briefing]) -> dt.date | None:
    return max((b.updated_on for b in briefings if b.updated_on), default=None)


def public_urls(snapshot: Snapshot, now: dt.datetime) -> Iterator[PublicUrl]:
    """Yield each public URL once: pages first, then feeds, calendars, the API and the crawler files.

    ``now`` decides which briefings are public. Listing pages take the newest update among the
    briefings they show as their lastmod.
    """
    briefings = public_briefings(snapshot, now)
    newest = newest_update(briefings)
    page, feed, ics, api = UrlKind.PAGE, UrlKind.FEED, UrlKind.CALENDAR, UrlKind.API

    yield PublicUrl("/", page, newest)
    yield PublicUrl("/countries/", page, newest)
    yield PublicUrl("/elections/", page, newest)
    by_year: dict[int, list[Briefing]] = {}
    for briefing in briefings:
        for year in {e.when.first.year for e in briefing.meta.elections}:
            by_year.setdefault(year, []).append(briefing)
    for year, in_year in sorted(by_year.items()):
        yield PublicUrl(f"/elections/{year}/", page, newest_update(in_year))
    for briefing in briefings:
        yield PublicUrl(briefing_path(briefing.slug), page, briefing.updated_on, briefing.slug)
    # Every region in site.yaml has a page and a feed, even before its first briefing: the API links to both.
    regions = [(r, [b for b in briefings if b.meta.region == r.name]) for r in snapshot.site.regions]
    for region, members in regions:
        yield PublicUrl(region_path(region.slug), page, newest_update(members))
    for slug, content_page in sorted(snapshot.pages.items()):
        yield PublicUrl(f"/{slug}/", page, content_page.meta.updated)

    yield PublicUrl("/feed.atom", feed, newest)
    for region, members in regions:
        yield PublicUrl(region_feed_path(region.slug), feed, newest_update(members))
    yield PublicUrl("/elections.ics", ics, newest)
    for briefing in briefings:
        yield PublicUrl(briefing_calendar_path(briefing.slug), ics, briefing.updated_on, briefing.slug)

    yield PublicUrl("/api/v1/openapi.json", api)
    yield PublicUrl("/api/v1/briefings.json", api, newest)
    for briefing in briefings:
        yield PublicUrl(briefing_api_path(briefing.slug), api, briefing.updated_on, briefing.slug)
    yield PublicUrl("/api/v1/elections.json", api, newest)
    yield PublicUrl("/api/v1/regions.json", api, newest)

    yield PublicUrl("/sitemap.xml", UrlKind.CRAWLER, newest)
    yield PublicUrl("/robots.txt", UrlKind.CRAWLER)
