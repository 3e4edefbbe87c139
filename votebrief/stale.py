"""The staleness report: what in each briefing has fallen behind events, as of a given today.

Four things go stale in a briefing that nobody is watching: an election whose date
passed while the file still says it is to come; a briefing not reviewed for a long time
while its next vote draws near; curated links that all predate the last vote; and held
elections with no results. ``flask content stale`` prints each as ``path:line: field:
message``, so an editor can open the file at the line and fix it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from votebrief.dates import Status, Timing, format_day
from votebrief.model import Briefing, Results

#: How near an election must be for an old briefing to count as stale.
HORIZON_DAYS = 90


class Staleness(StrEnum):
    OVERDUE = "overdue"
    NOT_UPDATED = "not-updated"
    OLD_NEWS = "old-news"
    NO_RESULTS = "no-results"


@dataclass(frozen=True, slots=True)
class StaleItem:
    path: str
    line: int
    field: str
    message: str
    kind: Staleness

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stale_items(briefings: Iterable[Briefing], today: dt.date, stale_days: int) -> list[StaleItem]:
    """Everything stale in these briefings as of ``today``, in file and line order."""
    found: list[StaleItem] = []
    for briefing in briefings:
        found += overdue_elections(briefing, today)
        found += not_updated(briefing, today, stale_days)
        found += old_news(briefing, today)
        found += missing_results(briefing)
    return sorted(found, key=lambda item: (item.path, item.line, item.field))


def overdue_elections(briefing: Briefing, today: dt.date) -> list[StaleItem]:
    items = []
    for index, election in enumerate(briefing.meta.elections):
        if election.timing(today) is Timing.OVERDUE:
            message = (
                f'still says "{election.status}" but the date of the {election.label} ({election.when.plain()}) '
                "has passed: set the status to held, postponed, cancelled or annulled, or correct the date"
            )
            line = briefing.line_of("elections", index, "status")
            items.append(StaleItem(briefing.path, line, f"elections[{index}].status", message, Staleness.OVERDUE))
    return items


def not_updated(briefing: Briefing, today: dt.date, stale_days: int) -> list[StaleItem]:
    """A briefing not reviewed in ``stale_days`` whose next election is within the horizon."""
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    soon = sorted(
        (e for e in briefing.meta.elections if e.timing(today) is Timing.UPCOMING and e.when.earliest() <= horizon),
        key=lambda e: e.when.sort_key(),
    )
    updated = briefing.updated_on
    if not soon or (updated is not None and (today - updated).days <= stale_days):
        return []
    election = soon[0]
    coming = f"the {election.label} ({election.display_date}) is within {HORIZON_DAYS} days"
    if updated is None:
        message = f'has no updated date and {coming}: review the briefing and add "updated: YYYY-MM-DD"'
    else:
        age = (today - updated).days
        message = (
            f"last updated {format_day(updated)}, {age} days ago (the limit is {stale_days}), and {coming}: "
            "review the briefing and set updated to the day you do"
        )
    line = briefing.lines.get(("updated",), 2)
    return [StaleItem(briefing.path, line, "updated", message, Staleness.NOT_UPDATED)]


def old_news(briefing: Briefing, today: dt.date) -> list[StaleItem]:
    """Curated links that all predate the last held election: the vote itself has no coverage."""
    held = [e for e in briefing.meta.elections if e.status is Status.HELD and e.when.earliest() <= today]
    dated = [n.date for n in briefing.meta.news if n.date is not None]
    if not held or not dated:
        return []
    last = max(held, key=lambda e: e.when.latest())
    newest = max(dated, key=lambda d: d.sort_key())
    if newest.latest() >= last.when.earliest():
        return []
    message = (
        f"the newest curated link ({newest.display()}) predates the last held election, the {last.label} of "
        f"{last.when.plain()}: add coverage of the vote and its outcome"
    )
    return [StaleItem(briefing.path, briefing.line_of("news"), "news", message, Staleness.OLD_NEWS)]


def missing_results(briefing: Briefing) -> list[StaleItem]:
    items = []
    for index, election in enumerate(briefing.meta.elections):
        if election.status is Status.HELD and _empty(election.results):
            message = (
                f"the status is held but there are no results for the {election.label} of "
                f"{election.when.plain()}: add turnout, registered_voters or seats"
            )
            line = briefing.line_of("elections", index, "results")
            items.append(StaleItem(briefing.path, line, f"elections[{index}].results", message, Staleness.NO_RESULTS))
    return items


def _empty(results: Results | None) -> bool:
    return results is None or (results.turnout is None and results.registered_voters is None and not results.seats)
