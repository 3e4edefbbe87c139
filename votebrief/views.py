"""View data: what each page shows, computed from a content Snapshot and today's date.

Knows nothing of HTTP or templates; the web layer turns these values into pages and JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from votebrief.dates import Timing
from votebrief.loader import Snapshot
from votebrief.model import Briefing, Election, Region


@dataclass(frozen=True, slots=True)
class ElectionEntry:
    """One election of one country, placed in time relative to today."""

    briefing: Briefing
    election: Election
    timing: Timing
    #: Its place in the briefing's list of elections.
    index: int = 0

    @property
    def country(self) -> str:
        return self.briefing.meta.country

    @property
    def slug(self) -> str:
        return self.briefing.slug

    @property
    def label(self) -> str:
        return self.election.label

    @property
    def date_text(self) -> str:
        if self.timing is Timing.OVERDUE:
            return f"{self.election.when.plain()} — date passed, awaiting update"
        return self.election.display_date()

    @property
    def cache_key(self) -> str:
        """All that decides how this entry shows, for caches of rendered pieces (votebrief.web.rendercache).

        The front-matter's digest, not the file's: an edit of the body alone leaves the
        election as it was.
        """
        return f"{self.briefing.slug}|{self.briefing.front_digest}|{self.index}|{self.timing.value}"

    def sort_key(self) -> tuple:
        return (*self.election.when.sort_key(), self.country, self.label)


@dataclass(frozen=True, slots=True)
class BriefingView:
    briefing: Briefing
    title: str
    upcoming: list[ElectionEntry]
    past: list[ElectionEntry]
    overdue: list[ElectionEntry]

    @property
    def next(self) -> ElectionEntry | None:
        return self.upcoming[0] if self.upcoming else None


def entries(briefing: Briefing, today: dt.date) -> tuple[ElectionEntry, ...]:
    """The briefing's elections in date order, each placed relative to ``today``."""
    known = briefing.day_entries.get(today)
    if known is None:
        found = [ElectionEntry(briefing, e, e.timing(today), i) for i, e in enumerate(briefing.meta.elections)]
        known = tuple(sorted(found, key=ElectionEntry.sort_key))
        briefing.day_entries.clear()  # a server runs for days: keep the current one only
        briefing.day_entries[today] = known
    return known


def next_election(briefing: Briefing, today: dt.date) -> ElectionEntry | None:
    """The briefing's next upcoming election (``briefing_view(...).next``, without the rest of the view)."""
    return next((e for e in entries(briefing, today) if e.timing is Timing.UPCOMING), None)


def briefing_view(briefing: Briefing, today: dt.date) -> BriefingView:
    all_entries = entries(briefing, today)
    upcoming = [e for e in all_entries if e.timing is Timing.UPCOMING]
    overdue = [e for e in all_entries if e.timing is Timing.OVERDUE]
    # Past elections read newest first; overdue ones are listed with them, marked.
    past = sorted((e for e in all_entries if e.timing is not Timing.UPCOMING), key=ElectionEntry.sort_key, reverse=True)
    return BriefingView(briefing, briefing_title(briefing, upcoming, overdue, past), upcoming, past, overdue)


def briefing_title(
    briefing: Briefing, upcoming: list[ElectionEntry], overdue: list[ElectionEntry], past: list[ElectionEntry]
) -> str:
    """ "Kazakhstan Legislative Elections: January 10, 2021", from the election the briefing is about."""
    meta = briefing.meta
    if meta.title:
        return meta.title
    # The election a briefing is about: the next one; else the one it was written
    # ahead of (now overdue); else the latest held.
    focus = (upcoming or overdue or past or [None])[0]
    if focus is None:
        return f"{meta.country}: Election Briefing"
    return f"{meta.country} {focus.label}: {focus.election.when.plain()}"


def public_briefings(snapshot: Snapshot, now: dt.datetime) -> list[Briefing]:
    return sorted((b for b in snapshot.briefings.values() if b.is_public(now)), key=lambda b: b.meta.country.casefold())


def upcoming_elections(briefings: Iterable[Briefing], today: dt.date) -> list[ElectionEntry]:
    found = [e for b in briefings for e in entries(b, today) if e.timing is Timing.UPCOMING]
    return sorted(found, key=ElectionEntry.sort_key)


def region_of(snapshot: Snapshot, briefing: Briefing) -> Region | None:
    return next((r for r in snapshot.site.regions if r.name == briefing.meta.region), None)


def recently_updated(briefings: Iterable[Briefing], limit: int = 6) -> list[Briefing]:
    dated = [b for b in briefings if b.updated_on]
    return sorted(dated, key=lambda b: (b.updated_on, b.meta.country), reverse=True)[:limit]
