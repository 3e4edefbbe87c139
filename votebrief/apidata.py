"""The JSON API's shapes: pydantic models of what /api/v1 returns, and their construction from content.

The same models serialise the responses and generate the OpenAPI document's schemas, so
the document cannot drift from the responses. Every field is always present (null when
unknown), and dates carry their precision and status as data beside the display text.
Knows nothing of HTTP: links are built from the site URL it is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from votebrief.calendar import Filters
from votebrief.dates import DateRange, Precision, Status, Timing
from votebrief.loader import Snapshot
from votebrief.model import Briefing, ElectionKind, FreedomHouse, FreedomStatus, Link, Region
from votebrief.urls import (
    briefing_api_path,
    briefing_calendar_path,
    briefing_path,
    region_feed_path,
    region_path,
)
from votebrief.views import ElectionEntry, briefing_view, entries, region_of

#: A date as precise as it is known: YYYY, YYYY-MM or YYYY-MM-DD.
PartialIso = Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", examples=["2027-08-10", "2027-06", "2027"])]


class ApiModel(BaseModel):
    # extra="forbid" puts additionalProperties: false in the schema, so a validator
    # (schemathesis in the tests) catches a field that the document does not declare.
    # defer_build: each model's validator and serialiser are built when first used, not at
    # import (13 ms every process would pay, and `flask freeze` then serialises few of them).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class DateValue(ApiModel):
    """When an election is: the author's date as data, plus the words the site shows."""

    text: str = Field(description='As the site shows it, status words included: "June 2027 (due)".')
    precision: Precision = Field(description="How precisely the (first) date is known.")
    start: PartialIso | None = Field(
        description="The date, or a range's first day; null when only a deadline is known."
    )
    end: PartialIso | None = Field(description="Same as start, or a range's last day; null when only a deadline.")
    by: PartialIso | None = Field(description="The legal deadline, when one is given.")
    earliest: dt.date = Field(description="The first day the vote can fall on.")
    latest: dt.date = Field(description="The last day the vote can fall on.")


class Seat(ApiModel):
    party: str
    seats: int
    color: str | None


class Results(ApiModel):
    turnout: float | None
    registered_voters: int | None
    seats: list[Seat]


class Election(ApiModel):
    kind: ElectionKind
    label: str = Field(description='The election as named on the site: "Snap Presidential Election".')
    title: str | None
    snap: bool
    round: int | None
    if_needed: bool
    status: Status
    timing: Timing = Field(description="Computed from today: upcoming, past, or overdue (date passed, not updated).")
    date: DateValue
    note: str | None
    results: Results | None


class FreedomHouseRating(ApiModel):
    status: FreedomStatus
    slug: str = Field(description="The value the elections endpoint's freedom filter takes.")
    score: int | None
    year: int | None
    note: str | None


class RegionRef(ApiModel):
    name: str
    slug: str | None = Field(description="Null only while content/site.yaml cannot be read.")


class BriefingRef(ApiModel):
    slug: str
    country: str
    iso: str
    region: RegionRef
    freedom_house: FreedomHouseRating | None
    url: str = Field(description="The briefing page.")
    api_url: str


class BriefingSummary(BriefingRef):
    title: str
    summary: str
    updated: dt.date | None
    next_election: Election | None
    calendar_url: str = Field(description="The country's iCalendar subscription.")


class Image(ApiModel):
    file: str
    alt: str
    caption: str | None
    credit: str | None
    license: str | None
    url: str | None = Field(description="Null when the image file is not published.")


class Citation(ApiModel):
    title: str
    outlet: str
    author: str | None
    date: PartialIso | None
    url: str | None
    language: str | None


class BriefingDetail(BriefingSummary):
    today: dt.date = Field(description="The day the timings were computed for.")
    government: str | None
    population: str | None
    image: Image | None
    elections: list[Election] = Field(description="Every election in the briefing, in date order.")
    news: list[Citation] = Field(description="Curated links, newest first. Links are not endorsements.")
    sources: list[Citation]
    html: str = Field(description="The briefing's body rendered to sanitised HTML.")


class BriefingList(ApiModel):
    count: int
    briefings: list[BriefingSummary]


class CalendarElection(Election):
    briefing: BriefingRef


class ElectionFilters(ApiModel):
    region: str | None
    kind: ElectionKind | None
    freedom: str | None
    year: int | None


class ElectionList(ApiModel):
    today: dt.date
    filters: ElectionFilters
    count: int
    elections: list[CalendarElection] = Field(description="Upcoming elections passing the filters, in date order.")


class RegionSummary(ApiModel):
    name: str
    slug: str
    description: str | None
    briefings: int = Field(description="How many public briefings the region has.")
    url: str
    feed_url: str


class RegionList(ApiModel):
    count: int
    regions: list[RegionSummary]


class ErrorDetail(ApiModel):
    status: int
    message: str


class ApiError(ApiModel):
    error: ErrorDetail


#: The models whose schemas the OpenAPI document declares (the rest are reached by $ref).
RESPONSE_MODELS: tuple[type[ApiModel], ...] = (BriefingList, BriefingDetail, ElectionList, RegionList, ApiError)


def component_schemas() -> dict[str, Any]:
    """JSON Schemas (2020-12, as OpenAPI 3.1 uses) of every response model, referenced as components."""
    _, top = models_json_schema(
        [(m, "serialization") for m in RESPONSE_MODELS], ref_template="#/components/schemas/{model}"
    )
    return top["$defs"]


@dataclass(frozen=True, slots=True)
class Links:
    """Absolute URLs for the API's link fields."""

    site_url: str
    #: The public URL of an image in static/images/, or None when the file is missing.
    image_url: Callable[[str], str | None]

    def __call__(self, path: str) -> str:
        return self.site_url + path


def date_value(entry: ElectionEntry) -> DateValue:
    when = entry.election.when
    if isinstance(when.when, DateRange):
        start, end = when.when.start.isoformat(), when.when.end.isoformat()
    elif when.when is not None:
        start = end = when.when.isoformat()
    else:
        start = end = None
    return DateValue(
        text=entry.date_text,
        precision=when.precision,
        start=start,
        end=end,
        by=when.by.isoformat() if when.by else None,
        earliest=when.earliest(),
        latest=when.latest(),
    )


def _election_fields(entry: ElectionEntry) -> dict[str, Any]:
    e = entry.election
    results = None
    if e.results is not None:
        seats = [Seat(party=s.party, seats=s.seats, color=s.color) for s in e.results.seats]
        turnout = float(e.results.turnout) if e.results.turnout is not None else None
        results = Results(turnout=turnout, registered_voters=e.results.registered_voters, seats=seats)
    return {
        "kind": e.kind,
        "label": e.label,
        "title": e.title,
        "snap": e.snap,
        "round": e.round,
        "if_needed": e.if_needed,
        "status": e.status,
        "timing": entry.timing,
        "date": date_value(entry),
        "note": e.note,
        "results": results,
    }


def election(entry: ElectionEntry) -> Election:
    return Election(**_election_fields(entry))


def freedom_house(fh: FreedomHouse | None) -> FreedomHouseRating | None:
    if fh is None:
        return None
    return FreedomHouseRating(status=fh.status, slug=fh.status.slug, score=fh.score, year=fh.year, note=fh.note)


def _region_ref(snapshot: Snapshot, briefing: Briefing) -> RegionRef:
    region = region_of(snapshot, briefing)
    return RegionRef(name=briefing.meta.region, slug=region.slug if region else None)


def _ref_fields(snapshot: Snapshot, briefing: Briefing, links: Links) -> dict[str, Any]:
    meta = briefing.meta
    return {
        "slug": briefing.slug,
        "country": meta.country,
        "iso": meta.iso,
        "region": _region_ref(snapshot, briefing),
        "freedom_house": freedom_house(meta.facts.freedom_house),
        "url": links(briefing_path(briefing.slug)),
        "api_url": links(briefing_api_path(briefing.slug)),
    }


def _summary_fields(snapshot: Snapshot, briefing: Briefing, today: dt.date, links: Links) -> dict[str, Any]:
    view = briefing_view(briefing, today)
    return {
        **_ref_fields(snapshot, briefing, links),
        "title": view.title,
        "summary": briefing.meta.summary,
        "updated": briefing.updated_on,
        "next_election": election(view.next) if view.next else None,
        "calendar_url": links(briefing_calendar_path(briefing.slug)),
    }


def citation(link: Link) -> Citation:
    return Citation(
        title=link.title,
        outlet=link.outlet,
        author=link.author,
        date=link.date.isoformat() if link.date else None,
        url=link.url,
        language=link.language,
    )


def briefing_summary(snapshot: Snapshot, briefing: Briefing, today: dt.date, links: Links) -> BriefingSummary:
    return BriefingSummary(**_summary_fields(snapshot, briefing, today, links))


#: Serialises one item of a list, given what to call to make it (a cache may answer instead).
ItemJson = Callable[[Any, Callable[[], str]], str]


def _each(item: Any, serialise: Callable[[], str]) -> str:
    return serialise()


def briefing_list_json(
    snapshot: Snapshot, briefings: list[Briefing], today: dt.date, links: Links, item: ItemJson = _each
) -> str:
    """The BriefingList of ``briefings`` as JSON, each briefing serialised through ``item``."""
    summaries = [item(b, lambda b=b: briefing_summary(snapshot, b, today, links).model_dump_json()) for b in briefings]
    return _with_items(BriefingList(count=len(summaries), briefings=[]), summaries)


def _with_items(empty: ApiModel, items: list[str]) -> str:
    # The list is the model's last field: its JSON ends "[]}", where the items go.
    text = empty.model_dump_json()
    assert text.endswith("[]}")
    return f"{text[:-3]}[{','.join(items)}]}}"


def briefing_detail(snapshot: Snapshot, briefing: Briefing, today: dt.date, links: Links, html: str) -> BriefingDetail:
    meta = briefing.meta
    image = None
    if meta.image is not None:
        i = meta.image
        image = Image(
            file=i.file, alt=i.alt, caption=i.caption, credit=i.credit, license=i.license, url=links.image_url(i.file)
        )
    return BriefingDetail(
        **_summary_fields(snapshot, briefing, today, links),
        today=today,
        government=meta.facts.government,
        population=meta.facts.population,
        image=image,
        elections=[election(e) for e in entries(briefing, today)],
        news=[citation(n) for n in sorted(meta.news, key=Link.sort_key, reverse=True)],
        sources=[citation(s) for s in meta.sources],
        html=html,
    )


def calendar_election(snapshot: Snapshot, entry: ElectionEntry, links: Links) -> CalendarElection:
    briefing = BriefingRef(**_ref_fields(snapshot, entry.briefing, links))
    return CalendarElection(**_election_fields(entry), briefing=briefing)


def election_list_json(
    snapshot: Snapshot,
    found: list[ElectionEntry],
    filters: Filters,
    today: dt.date,
    links: Links,
    item: ItemJson = _each,
) -> str:
    """The ElectionList of ``found`` as JSON, each election serialised through ``item``."""
    elections = [item(e, lambda e=e: calendar_election(snapshot, e, links).model_dump_json()) for e in found]
    empty = ElectionList(today=today, filters=_filters(filters), count=len(elections), elections=[])
    return _with_items(empty, elections)


def _filters(filters: Filters) -> ElectionFilters:
    return ElectionFilters(
        region=filters.region,
        kind=filters.kind,
        freedom=filters.freedom.slug if filters.freedom else None,
        year=filters.year,
    )


def region_list(regions: Iterable[Region], briefings: list[Briefing], links: Links) -> RegionList:
    found = [
        RegionSummary(
            name=r.name,
            slug=r.slug,
            description=r.description,
            briefings=sum(1 for b in briefings if b.meta.region == r.name),
            url=links(region_path(r.slug)),
            feed_url=links(region_feed_path(r.slug)),
        )
        for r in regions
    ]
    return RegionList(count=len(found), regions=found)
