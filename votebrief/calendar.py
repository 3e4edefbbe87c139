"""The election calendar: filters from query parameters, and elections grouped month by month.

A month-only date is listed under its month after the exact dates of that month; a
year-only date goes in its own "2027, date not set" group after December.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from votebrief.dates import Timing, format_month
from votebrief.model import ElectionKind, FreedomStatus, SiteConfig
from votebrief.views import ElectionEntry

MAX_PARAM_LENGTH = 64
FILTER_NAMES = ("region", "kind", "freedom", "year")
MIN_YEAR, MAX_YEAR = 1800, 2200


class FilterError(ValueError):
    """A query parameter the calendar cannot honour; the page answers 400 with this message."""


@dataclass(frozen=True, slots=True)
class Filters:
    region: str | None = None
    kind: ElectionKind | None = None
    freedom: FreedomStatus | None = None
    year: int | None = None

    def active(self, site: SiteConfig) -> list[tuple[str, str, str]]:
        """(parameter, label, value) for each filter in use, to show and to remove."""
        shown = []
        if self.region:
            name = next((r.name for r in site.regions if r.slug == self.region), self.region)
            shown.append(("region", "Region", name))
        if self.kind:
            shown.append(("kind", "Kind", self.kind.value.capitalize()))
        if self.freedom:
            shown.append(("freedom", "Freedom House", self.freedom.value))
        if self.year:
            shown.append(("year", "Year", str(self.year)))
        return shown

    def as_params(self) -> dict[str, str]:
        params = {
            "region": self.region,
            "kind": self.kind.value if self.kind else None,
            "freedom": self.freedom.slug if self.freedom else None,
            "year": str(self.year) if self.year else None,
        }
        return {k: v for k, v in params.items() if v}

    def without(self, name: str) -> dict[str, str]:
        return replace(self, **{name: None}).as_params()

    def accepts(self, entry: ElectionEntry, region_names: Mapping[str, str]) -> bool:
        meta = entry.briefing.meta
        if self.region and meta.region != region_names.get(self.region):
            return False
        if self.kind and entry.election.kind is not self.kind:
            return False
        fh = meta.facts.freedom_house
        if self.freedom and (fh is None or fh.status is not self.freedom):
            return False
        return not (self.year and entry.election.when.first.year != self.year)


def parse_filters(args: Mapping[str, Sequence[str]], site: SiteConfig) -> Filters:
    """Read the calendar's filters; other parameters (utm_*, ...) are ignored, bad values refused."""
    values: dict[str, str] = {}
    for name in FILTER_NAMES:
        given = [v for v in args.get(name, []) if v != ""]
        if len(given) > 1:
            raise FilterError(f'"{name}" was given {len(given)} times; give it once')
        if given:
            if len(given[0]) > MAX_PARAM_LENGTH:
                raise FilterError(f'"{name}" is too long')
            values[name] = given[0]
    region = values.get("region")
    if region is not None and region not in {r.slug for r in site.regions}:
        choices = ", ".join(r.slug for r in site.regions)
        raise FilterError(f'"{region}" is not a region; use one of: {choices}')
    return Filters(
        region=region,
        kind=_choice(values.get("kind"), "kind", {k.value: k for k in ElectionKind}),
        freedom=_choice(values.get("freedom"), "freedom", {f.slug: f for f in FreedomStatus}),
        year=_year(values.get("year")),
    )


def _choice(value: str | None, name: str, table: dict) -> object:
    if value is None:
        return None
    if value not in table:
        raise FilterError(f'"{value}" is not a valid {name}; use one of: {", ".join(table)}')
    return table[value]


def _year(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not MIN_YEAR <= int(value) <= MAX_YEAR:
        raise FilterError(f'"{value}" is not a year')
    return int(value)


@dataclass(frozen=True, slots=True)
class MonthGroup:
    year: int
    month: int | None  # None: the year is known, the month is not
    elections: list[ElectionEntry]

    @property
    def label(self) -> str:
        return format_month(self.year, self.month) if self.month else f"{self.year}, date not set"

    @property
    def anchor(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}-unset"


def group_by_month(found: Iterable[ElectionEntry]) -> list[MonthGroup]:
    groups: dict[tuple[int, int], list[ElectionEntry]] = {}
    for entry in sorted(found, key=ElectionEntry.sort_key):
        first = entry.election.when.first
        groups.setdefault((first.year, first.month or 13), []).append(entry)
    return [MonthGroup(y, None if m == 13 else m, items) for (y, m), items in sorted(groups.items())]


def calendar_entries(
    in_order: Iterable[ElectionEntry], filters: Filters, site: SiteConfig, *, year: int | None = None
) -> list[ElectionEntry]:
    """Of elections in calendar order (views.sorted_entries), the upcoming ones (or, for a
    year page, every one of that year) that pass the filters."""
    names = {r.slug: r.name for r in site.regions}
    found = []
    for entry in in_order:
        if year is None and entry.timing is not Timing.UPCOMING:
            continue
        if year is not None and entry.election.when.first.year != year:
            continue
        if filters.accepts(entry, names):
            found.append(entry)
    return found
