"""The content model: what a briefing, an election, a curated link and the site settings may say.

Each model is the declared schema for one part of the front-matter. Unknown fields are
errors, and each field has one coercion (dates go through ``votebrief.dates``), so a bad
value becomes a precise, per-field message rather than a crash further down.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from typing import Annotated, Any

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from votebrief.dates import (
    DateRange,
    ElectionDate,
    PartialDate,
    Status,
    Timing,
    parse_day,
    parse_when,
)


class Strict(BaseModel):
    # Scalars are strict (StrictStr, StrictInt, StrictBool): "yes" is not a boolean and 12 is
    # not text. Enums stay lax so that the words authors write become members.
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _http_url(value: str) -> str:
    value = value.strip()
    if not _HTTP_URL.match(value):
        raise ValueError(f'"{value}" is not a web address (expected http:// or https://)')
    return value


Text = Annotated[StrictStr, AfterValidator(_text)]
Url = Annotated[StrictStr, AfterValidator(_http_url)]
Day = Annotated[dt.date, BeforeValidator(parse_day), PlainSerializer(lambda d: d.isoformat())]
Partial = Annotated[PartialDate, BeforeValidator(PartialDate.parse), PlainSerializer(str)]
When = Annotated[
    PartialDate | DateRange,
    BeforeValidator(parse_when),
    PlainSerializer(lambda w: w.isoformat()),
]


class FreedomStatus(StrEnum):
    FREE = "Free"
    PARTLY_FREE = "Partly Free"
    NOT_FREE = "Not Free"

    @property
    def slug(self) -> str:
        return self.value.lower().replace(" ", "-")


class ElectionKind(StrEnum):
    PRESIDENTIAL = "presidential"
    LEGISLATIVE = "legislative"
    GENERAL = "general"
    REFERENDUM = "referendum"
    LOCAL = "local"
    REGIONAL = "regional"
    SENATE = "senate"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    ElectionKind.PRESIDENTIAL: "Presidential Election",
    ElectionKind.LEGISLATIVE: "Legislative Elections",
    ElectionKind.GENERAL: "General Elections",
    ElectionKind.REFERENDUM: "Referendum",
    ElectionKind.LOCAL: "Local Elections",
    ElectionKind.REGIONAL: "Regional Elections",
    ElectionKind.SENATE: "Senate Elections",
}


class Image(Strict):
    file: Text
    alt: Text
    caption: Text | None = None
    credit: Text | None = None
    license: Text | None = None

    @field_validator("file")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value.startswith("."):
            raise ValueError(f'"{value}" must be a file name in static/images/, without folders')
        return value


class FreedomHouse(Strict):
    status: FreedomStatus
    score: StrictInt | None = Field(default=None, ge=0, le=100)
    year: StrictInt | None = Field(default=None, ge=1973, le=2100)
    note: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _status_alone(cls, value: Any) -> Any:
        # The short form `freedom_house: Not Free` is what authors write most.
        return {"status": value} if isinstance(value, str) else value


class Facts(Strict):
    freedom_house: FreedomHouse | None = None
    government: Text | None = None
    population: Text | None = None


class Seat(Strict):
    party: Text
    seats: StrictInt = Field(ge=0)
    color: Annotated[StrictStr, Field(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None


class Results(Strict):
    turnout: StrictFloat | StrictInt | None = Field(default=None, ge=0, le=100)
    registered_voters: StrictInt | None = Field(default=None, ge=0)
    seats: list[Seat] = Field(default_factory=list)

    @property
    def total_seats(self) -> int:
        return sum(s.seats for s in self.seats)


class Election(Strict):
    kind: ElectionKind
    title: Text | None = None
    date: When | None = None
    by: Partial | None = None
    status: Status
    snap: StrictBool = False
    round: StrictInt | None = Field(default=None, ge=1, le=3)
    if_needed: StrictBool = False
    note: Text | None = None
    results: Results | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Election:
        if self.date is None and self.by is None:
            raise ValueError("needs a date or a deadline (by)")
        if self.results is not None and self.status is not Status.HELD:
            raise ValueError(f'has results but its status is "{self.status}" (results belong to a held election)')
        if self.date is not None and self.by is not None and self.when.earliest() > self.by.latest():
            raise ValueError(f"the date {self.date} falls after the deadline {self.by}")
        return self

    @cached_property  # lists read it many times per election, and the model is frozen
    def when(self) -> ElectionDate:
        return ElectionDate(self.date, self.by)

    @cached_property  # every list sorts and shows by it; the model is frozen
    def label(self) -> str:
        """How the election is named: "Snap Presidential Election", "Second round (if needed)"."""
        base = self.title or self.kind.label
        if self.snap:
            base = f"Snap {base}"
        if self.round == 2:
            base = f"{base}: Second round"
        elif self.round == 3:
            base = f"{base}: Third round"
        elif self.round == 1:
            base = f"{base}: First round"
        if self.if_needed:
            base = f"{base} (if needed)"
        return base

    @cached_property
    def display_date(self) -> str:
        """The date as readers see it: "By January 21, 2021", "June 2024 (due)"."""
        return self.when.display(self.status)

    def timing(self, today: dt.date) -> Timing:
        return self.when.timing(self.status, today)


class Link(Strict):
    """A curated link or a source, cited as "Author, Outlet (Month D, YYYY): Title"."""

    title: Text
    outlet: Text
    author: Text | None = None
    date: Partial | None = None
    url: Url | None = None
    language: Annotated[StrictStr, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] | None = None

    @property
    def byline(self) -> str:
        who = f"{self.author}, {self.outlet}" if self.author else self.outlet
        return f"{who} ({self.date.display()})" if self.date else who

    def sort_key(self) -> tuple[int, int, int]:
        return self.date.sort_key() if self.date else (0, 0, 0)


@cache
def subdivision_codes() -> frozenset[str]:
    """Every ISO 3166-2 code, from pycountry's own data file.

    pycountry builds an object for each of its 5,000 subdivisions on first lookup (40 ms,
    paid by every process that reads a briefing with such a code); their codes alone are
    a fifth of that.
    """
    database = pycountry.subdivisions
    try:
        with open(database.filename, "rb") as file:
            return frozenset(item["code"] for item in json.load(file)[database.root_key])
    except (OSError, ValueError, KeyError, TypeError):  # laid out otherwise: ask pycountry
        return frozenset(subdivision.code for subdivision in database)


def _iso_code(value: str) -> str:
    value = value.strip().upper()
    if "-" in value:
        # A briefing on a sub-national vote (a Scottish or Californian election) uses ISO 3166-2.
        if value not in subdivision_codes():
            raise ValueError(f'"{value}" is not an ISO 3166-2 subdivision code')
        return value
    # XK is the code in common use for Kosovo, which ISO 3166-1 has not assigned.
    if value != "XK" and pycountry.countries.get(alpha_2=value) is None:
        raise ValueError(f'"{value}" is not an ISO 3166-1 alpha-2 country code')
    return value


class FrontMatter(Strict):
    """The front-matter of a country briefing."""

    country: Text
    iso: Annotated[StrictStr, AfterValidator(_iso_code)]
    region: Text
    summary: Annotated[Text, Field(max_length=400)]
    title: Text | None = None
    image: Image | None = None
    facts: Facts = Field(default_factory=Facts)
    elections: list[Election] = Field(default_factory=list)
    news: list[Link] = Field(default_factory=list)
    sources: list[Link] = Field(default_factory=list)
    updated: Day | None = None
    draft: StrictBool = False
    publish_at: Annotated[dt.datetime, BeforeValidator(lambda v: _parse_moment(v))] | None = None

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str, info: ValidationInfo) -> str:
        regions = (info.context or {}).get("regions")
        if regions and value not in regions:
            from votebrief.errors import did_you_mean

            raise ValueError(f'"{value}" is not a region in content/site.yaml{did_you_mean(value, regions)}')
        return value


#: Front-matter that only a briefing's own outputs (its page, its JSON) show: never a list,
#: feed, calendar or the sitemap. An edit of these alone leaves every site-wide output as it
#: was, so the static export does not render them again (votebrief.export). A field belongs
#: here only if tests/test_export.py changes it and finds every site-wide output unchanged.
SHOWN_ON_ITS_PAGE_ONLY: dict[str, Any] = {
    "image": True,
    "news": True,
    "sources": True,
    "facts": {"government": True, "population": True},
}


def without_page_only(data: Any, shown: Mapping[str, Any] = SHOWN_ON_ITS_PAGE_ONLY) -> Any:
    """Front-matter values without the fields SHOWN_ON_ITS_PAGE_ONLY names (a copy; ``data`` is left as it is)."""
    if not isinstance(data, dict):
        return data
    kept = {}
    for name, value in data.items():
        part = shown.get(name)
        if part is True:
            continue
        kept[name] = without_page_only(value, part) if isinstance(part, Mapping) else value
    return kept


def _parse_moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f'"{value}" is not a moment (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)') from None
    else:
        raise ValueError(f"{value!r} is not a moment (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Region(Strict):
    name: Text
    slug: Annotated[StrictStr, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    description: Text | None = None


class SiteConfig(Strict):
    """content/site.yaml: the words and lists the whole site shares."""

    name: Text
    tagline: Text
    description: Text
    disclaimer: Text
    regions: list[Region] = Field(min_length=1)

    @field_validator("regions")
    @classmethod
    def _unique(cls, regions: list[Region]) -> list[Region]:
        for attr in ("name", "slug"):
            values = [getattr(r, attr) for r in regions]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"region {attr} repeated: {', '.join(dupes)}")
        return regions


class PageMeta(Strict):
    """The front-matter of a page in content/pages/ (about, approach, ...)."""

    title: Text
    summary: Text | None = None
    nav: StrictInt | None = None
    updated: Day | None = None


@dataclass(frozen=True, slots=True)
class Briefing:
    """A country briefing: validated front-matter, the Markdown body, and where it came from."""

    slug: str
    path: str
    meta: FrontMatter
    body: str
    body_line: int
    digest: str
    warnings: tuple[Any, ...] = field(default=())
    #: The file line of each front-matter field and list item, for messages about them.
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict)
    #: The file's last commit date, used when the front-matter has no ``updated`` (votebrief.gitdates).
    updated_from_git: dt.date | None = None
    #: The digest of the front-matter block alone (votebrief.parse.front_matter_digest).
    front_digest: str = ""
    #: Validated without what only its own page shows (SHOWN_ON_ITS_PAGE_ONLY), for an export's
    #: lists, which show none of it (votebrief.export): never rendered as the briefing itself.
    for_lists: bool = False
    #: Its elections placed relative to one day (votebrief.views.entries), worked out once for
    #: the many lists that need them. Not an argument, so dataclasses.replace starts afresh.
    day_entries: dict[dt.date, tuple[Any, ...]] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def updated_on(self) -> dt.date | None:
        """When the briefing was last updated: its ``updated`` field, else its last commit in git."""
        return self.meta.updated or self.updated_from_git

    def line_of(self, *loc: str | int) -> int:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def is_public(self, now: dt.datetime) -> bool:
        if self.meta.draft:
            return False
        return self.meta.publish_at is None or self.meta.publish_at <= now


@dataclass(frozen=True, slots=True)
class Page:
    slug: str
    path: str
    meta: PageMeta
    body: str
    digest: str
