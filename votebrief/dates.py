"""Election dates: parse the patterns authors write, say them in the site's words, order them.

Dates are known with different precision (a day, a month, a year, a span of days, a
deadline) and with different certainty (the status). Both are kept as data; every
phrase a reader sees is derived here, so the title, the fact box, the calendar, the
feeds and the API can never disagree.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum


class DateError(ValueError):
    """A date an author wrote that the site cannot read."""


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class Status(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    TENTATIVE = "tentative"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    ANNULLED = "annulled"
    HELD = "held"


#: Statuses that mean the vote has not happened yet.
OPEN_STATUSES = frozenset({Status.SCHEDULED, Status.DUE, Status.TENTATIVE, Status.POSTPONED})


class Timing(StrEnum):
    UPCOMING = "upcoming"
    PAST = "past"
    #: The date has passed but the file still says the vote is to come.
    OVERDUE = "overdue"


#: English month names, fixed: ``calendar.month_name`` follows the process locale (a library
#: that calls setlocale would turn the site's dates into another language) and asks strftime
#: for each name, which made it a tenth of the time of rendering a list of elections.
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")  # fmt: skip
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    # calendar.monthrange works out the weekday too, a third of the cost of validating a date.
    return 29 if month == 2 and calendar.isleap(year) else _DAYS[month]


_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
EXPECTED = "expected YYYY, YYYY-MM or YYYY-MM-DD"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar date known to the day, the month or only the year."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        if type(value) is str:
            return _parse_text(value)
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return cls(value.year, value.month, value.day)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise DateError(f"{value!r} is not a date ({EXPECTED})")
        return _parse_text(str(value))

    @classmethod
    def _from_text(cls, value: str) -> PartialDate:
        text = value.strip()
        match = _PATTERN.match(text)
        if not match:
            raise DateError(f'"{text}" is not a date ({EXPECTED})')
        year, month, day = (int(part) if part else None for part in match.groups())
        if month is not None and not 1 <= month <= 12:
            raise DateError(f'"{text}" is not a date: there is no month {month}')
        if day is not None:
            last = days_in_month(year, month)
            if not 1 <= day <= last:
                name = MONTH_NAMES[month]
                raise DateError(f'"{text}" is not a date: {name} {year} has {last} days')
        if year < 1800:
            raise DateError(f'"{text}" is too early: the site covers dates from 1800 on')
        return cls(year, month, day)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        month = self.month or 12
        day = self.day or days_in_month(self.year, month)
        return dt.date(self.year, month, day)

    def sort_key(self) -> tuple[int, int, int]:
        # A month-only date sorts after every exact date of its month, a year-only
        # date after every month of its year: "June 2027" is less precise, not earlier.
        return (self.year, self.month or 13, self.day or 32)

    def isoformat(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def display(self) -> str:
        if self.day is not None:
            return f"{MONTH_NAMES[self.month]} {self.day}, {self.year}"
        if self.month is not None:
            return f"{MONTH_NAMES[self.month]} {self.year}"
        return str(self.year)

    def __str__(self) -> str:
        return self.isoformat()


@dataclass(frozen=True, slots=True)
class DateRange:
    """Voting spread over several days (phases), both ends known to the day."""

    start: PartialDate
    end: PartialDate

    def __post_init__(self) -> None:
        for name, end in (("start", self.start), ("end", self.end)):
            if end.precision is not Precision.DAY:
                raise DateError(f"a range {name} must be a full date (YYYY-MM-DD), got {end}")
        if self.end.earliest() < self.start.earliest():
            raise DateError(f"the range ends ({self.end}) before it starts ({self.start})")

    def display(self) -> str:
        start, end = self.start, self.end
        if start == end:
            return start.display()
        if start.year != end.year:
            return f"{start.display()} – {end.display()}"
        if start.month != end.month:
            first = f"{MONTH_NAMES[start.month]} {start.day}"
            last = f"{MONTH_NAMES[end.month]} {end.day}"
            return f"{first} – {last}, {end.year}"
        return f"{MONTH_NAMES[start.month]} {start.day}–{end.day}, {end.year}"

    def isoformat(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class ElectionDate:
    """When an election is, as precisely as anyone knows: a date or range, a deadline, or both."""

    when: PartialDate | DateRange | None = None
    by: PartialDate | None = None

    def __post_init__(self) -> None:
        if self.when is None and self.by is None:
            raise DateError("an election needs a date or a deadline (by)")

    @property
    def first(self) -> PartialDate:
        """The earliest date the vote can be on, as the author wrote it."""
        if isinstance(self.when, DateRange):
            return self.when.start
        return self.when or self.by  # type: ignore[return-value]

    @property
    def precision(self) -> Precision:
        return self.first.precision if self.when is not None else self.by.precision  # type: ignore[union-attr]

    @property
    def is_deadline_only(self) -> bool:
        return self.when is None

    def earliest(self) -> dt.date:
        return self.first.earliest()

    def latest(self) -> dt.date:
        if isinstance(self.when, DateRange):
            return self.when.end.latest()
        if self.when is not None:
            return self.when.latest()
        return self.by.latest()  # type: ignore[union-attr]

    def sort_key(self) -> tuple[int, int, int]:
        return self.first.sort_key()

    def plain(self) -> str:
        """The date alone, with no status words: "January 10, 2021", "By January 21, 2021"."""
        if self.when is None:
            return f"By {self.by.display()}"  # type: ignore[union-attr]
        return self.when.display()

    def display(self, status: Status) -> str:
        """The date as the reader sees it, status included."""
        text = self.plain()
        match status:
            case Status.DUE:
                return f"{text} (due)"
            case Status.TENTATIVE:
                return f"{text} (tentative)"
            case Status.POSTPONED:
                return f"Set for {text} — postponed"
            case Status.CANCELLED | Status.ANNULLED:
                return f"{text} — {status.value}"
        return text

    def timing(self, status: Status, today: dt.date) -> Timing:
        """Whether the vote is still to come, computed from today and never hand-edited."""
        if status not in OPEN_STATUSES:
            return Timing.PAST
        if status is Status.POSTPONED or self.latest() >= today:
            # A postponed vote is still to come even when its old date has gone.
            return Timing.UPCOMING
        return Timing.OVERDUE

    def iso(self) -> str:
        return self.when.isoformat() if self.when is not None else ""


@functools.lru_cache(maxsize=4096)
def _parse_text(text: str) -> PartialDate:
    # 2,000 briefings hold 20,000 dates, most of them repeats: each text is checked once
    # (a PartialDate is immutable, so one can be shared).
    return PartialDate._from_text(text)


def parse_date_range(value: object) -> DateRange:
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise DateError('a date range needs exactly "start" and "end"')
    return DateRange(PartialDate.parse(value["start"]), PartialDate.parse(value["end"]))


def parse_when(value: object) -> PartialDate | DateRange:
    """Parse the ``date:`` field: a partial date or a ``{start, end}`` range."""
    if isinstance(value, dict):
        return parse_date_range(value)
    return PartialDate.parse(value)


def parse_day(value: object) -> dt.date:
    """Parse a full calendar date (YYYY-MM-DD), as used for ``updated``."""
    date = PartialDate.parse(value)
    if date.precision is not Precision.DAY:
        raise DateError(f'"{date}" is not a full date (expected YYYY-MM-DD)')
    return date.earliest()


def format_day(day: dt.date) -> str:
    return f"{MONTH_NAMES[day.month]} {day.day}, {day.year}"


def format_month(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month]} {year}"
