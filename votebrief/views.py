"""View data: what each page shows, computed from a content Snapshot and today's date.

Knows nothing of HTTP or templates; the web layer turns these values into pages and JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from votebrief.dates import Timing
from votebrief.loader import Snapshot
from votebrief.model import Briefing, Election, Region

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ElectionEntry:
    """One election of one country, placed in time relative to today."""

    briefing: Briefing
    election: Election
    timing: Timing
    #: Its place in the briefing's list of elections.
    index: int = 0
    # Entries are made once a day per briefing (see ``entries``) and sorted and keyed in
    # every list: both worked out once.
    _order: tuple = field(init=False, repr=False, compare=False)
    _cache_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        b = self.briefing
        object.__setattr__(self, "_order", (*self.election.when.sort_key(), b.meta.country, self.election.label))
        object.__setattr__(self, "_cache_key", f"{b.slug}|{b.front_digest}|{self.index}|{self.timing.value}")

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
        return self.election.display_date

    @property
    def cache_key(self) -> str:
        """All that decides how this entry shows, for caches of rendered pieces (votebrief.web.rendercache).

        The front-matter's digest, not the file's: an edit of the body alone leaves the
        election as it was.
        """
        return self._cache_key

    def sort_key(self) -> tuple:
        return self._order


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


@dataclass(frozen=True, slots=True)
class Card:
    """A briefing as the country and region lists show it: its name and its next election."""

    briefing: Briefing
    next: ElectionEntry | None

    @property
    def cache_key(self) -> str:
        """All that decides how the card shows (see ``ElectionEntry.cache_key``)."""
        return f"{self.briefing.slug}|{self.briefing.front_digest}|{self.next.cache_key if self.next else ''}"


def card(briefing: Briefing, today: dt.date) -> Card:
    return Card(briefing, next_election(briefing, today))


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
    """The briefings a reader may see at ``now``, A–Z by country."""
    return list(_public(snapshot, now))


def _public(snapshot: Snapshot, now: dt.datetime) -> tuple[Briefing, ...]:
    # Every list asks for these: sorted once per snapshot. Only scheduled publications
    # depend on the moment, and they are filtered again on each call.
    found = snapshot.briefings.derived.get("public")
    if found is None:
        drafts_out = (b for b in snapshot.briefings.values() if not b.meta.draft)
        ready = sorted(drafts_out, key=lambda b: b.meta.country.casefold())
        found = snapshot.briefings.derived["public"] = (tuple(ready), any(b.meta.publish_at for b in ready))
    ready, scheduled = found
    return tuple(b for b in ready if b.is_public(now)) if scheduled else ready


def _kept(snapshot: Snapshot, name: str, public: tuple[Briefing, ...], day: dt.date | None, work: Callable[[], T]) -> T:
    """``work()``, kept on the snapshot while the public briefings (the same tuple) and the day stay the same."""
    kept = snapshot.briefings.derived.get(name)
    if kept is None or kept[0] is not public or kept[1] != day:
        kept = snapshot.briefings.derived[name] = (public, day, work())
    return kept[2]


def years_with_elections(snapshot: Snapshot, now: dt.datetime) -> list[int]:
    """The years of the elections in the briefings public at ``now``."""
    public = _public(snapshot, now)

    def years() -> list[int]:
        return sorted({e.when.first.year for b in public for e in b.meta.elections})

    return list(_kept(snapshot, "years", public, None, years))


def upcoming_elections(briefings: Iterable[Briefing], today: dt.date) -> list[ElectionEntry]:
    return [e for e in sorted_entries(briefings, today) if e.timing is Timing.UPCOMING]


def sorted_entries(briefings: Iterable[Briefing], today: dt.date) -> list[ElectionEntry]:
    """Every election of ``briefings``, placed relative to ``today``, in calendar order."""
    return sorted((e for b in briefings for e in entries(b, today)), key=ElectionEntry.sort_key)


def site_entries(snapshot: Snapshot, now: dt.datetime, today: dt.date) -> tuple[ElectionEntry, ...]:
    """``sorted_entries`` of the briefings public at ``now``: the calendar, its years, the
    home page and the API all start from these, sorted once per snapshot and day."""
    public = _public(snapshot, now)
    return _kept(snapshot, "entries", public, today, lambda: tuple(sorted_entries(public, today)))


def site_upcoming(snapshot: Snapshot, now: dt.datetime, today: dt.date) -> list[ElectionEntry]:
    """The upcoming elections of the briefings public at ``now``, in calendar order."""
    return [e for e in site_entries(snapshot, now, today) if e.timing is Timing.UPCOMING]


def region_of(snapshot: Snapshot, briefing: Briefing) -> Region | None:
    return next((r for r in snapshot.site.regions if r.name == briefing.meta.region), None)


def recently_updated(briefings: Iterable[Briefing], limit: int = 6) -> list[Briefing]:
    dated = [b for b in briefings if b.updated_on]
    return sorted(dated, key=lambda b: (b.updated_on, b.meta.country), reverse=True)[:limit]
