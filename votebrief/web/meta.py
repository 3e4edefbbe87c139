"""Structured data for link previews and search engines: the schema.org JSON-LD of a briefing.

templates/_meta.html prints it (with Open Graph and Twitter card tags) inside a
``<script type="application/ld+json">`` data block, which the CSP allows because a browser
never executes it; ``tojson`` escapes ``<``, ``>`` and ``&`` so no value can close the block.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from votebrief.dates import DateRange, Precision, Status
from votebrief.views import BriefingView, ElectionEntry
from votebrief.web.state import snapshot

SCHEMA = "https://schema.org"
#: Every other status is EventScheduled: an annulled vote did take place on its day.
EVENT_STATUS = {
    Status.POSTPONED: f"{SCHEMA}/EventPostponed",
    Status.CANCELLED: f"{SCHEMA}/EventCancelled",
}


def init_app(app: Flask) -> None:
    app.add_template_global(briefing_jsonld)


def briefing_jsonld(view: BriefingView, url: str, image: str | None = None) -> dict[str, Any]:
    """An Article for the briefing and an Event for each of its elections known to the day."""
    meta = view.briefing.meta
    site = snapshot().site
    article: dict[str, Any] = {
        "@type": "Article",
        "@id": f"{url}#article",
        "headline": view.title,
        "description": meta.summary,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": "en",
        "about": {"@type": "Country", "name": meta.country, "identifier": meta.iso},
        "publisher": {"@type": "Organization", "name": site.name},
    }
    # There is no creation date in the front-matter: the publication moment if one is set,
    # else the last update, is the best honest answer.
    updated = view.briefing.updated_on
    published = meta.publish_at.date() if meta.publish_at else updated
    if published:
        article["datePublished"] = published.isoformat()
    if updated:
        article["dateModified"] = updated.isoformat()
    if image:
        article["image"] = image
    # view.past holds every election that is not upcoming, overdue ones included.
    events = [election_event(e, url) for e in (*view.upcoming, *view.past) if _exact(e)]
    return {"@context": SCHEMA, "@graph": [article, *events]}


def _exact(entry: ElectionEntry) -> bool:
    when = entry.election.when
    return when.when is not None and when.precision is Precision.DAY


def election_event(entry: ElectionEntry, url: str) -> dict[str, Any]:
    e = entry.election
    when = e.when.when
    start = when.start if isinstance(when, DateRange) else when
    end = when.end if isinstance(when, DateRange) else when
    event: dict[str, Any] = {
        "@type": "Event",
        "name": f"{entry.country}: {e.label}",
        "startDate": start.isoformat(),  # type: ignore[union-attr]
        "endDate": end.isoformat(),  # type: ignore[union-attr]
        "eventStatus": EVENT_STATUS.get(e.status, f"{SCHEMA}/EventScheduled"),
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "location": {"@type": "Country", "name": entry.country, "identifier": entry.briefing.meta.iso},
        "description": entry.date_text,
        "url": url,
    }
    return event
