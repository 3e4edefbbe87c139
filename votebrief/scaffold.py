"""A new briefing's first draft: the country found from its name or code, a suggested region,
every field written out with a comment, and the check that no placeholder reaches readers.

``flask content new`` writes what ``new_briefing`` returns. The text passes ``flask content
check`` as it stands because it is a draft; its placeholders say TODO, and
``placeholder_problems`` turns any TODO left in a briefing that is not a draft into an
error, so a half-written file cannot be published by flipping ``draft`` alone.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
import yaml

from votebrief.dates import Status
from votebrief.errors import ContentError, Loc, field_name
from votebrief.model import Briefing, ElectionKind
from votebrief.source import AuthorLoader

#: UN M49 continents by ISO 3166-1 code (Antarctica has none).
M49: dict[str, str] = {
    "Africa": (
        "DZ EG LY MA SD TN EH "  # Northern Africa
        "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW "  # Eastern
        "AO CM CF TD CG CD GQ GA ST "  # Middle
        "BW SZ LS NA ZA "  # Southern
        "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"  # Western
    ),
    "Americas": (
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI "  # Caribbean
        "BZ CR SV GT HN MX NI PA "  # Central America
        "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE "  # South America
        "BM CA GL PM US"  # Northern America
    ),
    "Asia": (
        "KZ KG TJ TM UZ "  # Central Asia
        "CN HK MO KP JP MN KR TW "  # Eastern
        "BN KH ID LA MY MM PH SG TH TL VN "  # South-eastern
        "AF BD BT IN IR MV NP PK LK "  # Southern
        "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"  # Western
    ),
    "Europe": (
        "BY BG CZ HU PL MD RO RU SK UA "  # Eastern
        "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB "  # Northern
        "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK "  # Southern (with Kosovo)
        "AT BE FR DE LI LU MC NL CH"  # Western
    ),
    "Oceania": "AU CX CC HM NZ NF FJ NC PG SB VU GU KI MH FM NR MP PW UM AS CK PF NU PN WS TK TO TV WF",
}
#: The site's regions for each continent.
CONTINENT_REGIONS = {
    "Africa": "Africa",
    "Americas": "Americas",
    "Asia": "Asia-Pacific",
    "Europe": "Europe",
    "Oceania": "Asia-Pacific",
}
#: The former Soviet Union (but the Baltic states, in the EU) and Türkiye: the site's Eurasia.
EURASIA = frozenset(["AM", "AZ", "BY", "GE", "KG", "KZ", "MD", "RU", "TJ", "TM", "UA", "UZ", "TR"])

_CONTINENT_OF = {code: continent for continent, codes in M49.items() for code in codes.split()}

#: Names readers use where ISO's reads like a catalogue entry ("Congo, The Democratic Republic of the").
NAMES = {
    "BN": "Brunei",
    "CD": "Democratic Republic of the Congo",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "PS": "Palestine",
    "RU": "Russia",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
    "XK": "Kosovo",
}
#: Other names authors type, beyond ISO's names and codes.
ALIASES = {
    "burma": "MM",
    "cape verde": "CV",
    "czech republic": "CZ",
    "dr congo": "CD",
    "drc": "CD",
    "east timor": "TL",
    "great britain": "GB",
    "ivory coast": "CI",
    "kosovo": "XK",
    "macedonia": "MK",
    "swaziland": "SZ",
    "turkey": "TR",
    "uk": "GB",
    "xk": "XK",
}

PLACEHOLDER = re.compile(r"\bTODO\b")
FENCE = re.compile(r"^-{3,}\s*$")


class UnknownCountryError(LookupError):
    """The name or code matches no country; the message suggests the closest names."""


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    iso: str

    @property
    def slug(self) -> str:
        plain = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")

    @property
    def continent(self) -> str | None:
        return _CONTINENT_OF.get(self.iso)


def _name(record: Any) -> str:
    return NAMES.get(record.alpha_2) or getattr(record, "common_name", None) or record.name


def find_country(query: str) -> Country:
    """The country a name or ISO code (alpha-2, alpha-3 or numeric) means; UnknownCountryError if none."""
    wanted = query.strip()
    code = ALIASES.get(wanted.casefold()) or _names().get(_fold(wanted))
    if code == "XK":
        return Country(NAMES["XK"], "XK")
    try:
        record = pycountry.countries.lookup(code or wanted)
    except LookupError:
        raise UnknownCountryError(f'"{wanted}" is not a country name or ISO code{_suggest(wanted)}') from None
    return Country(_name(record), record.alpha_2)


def _fold(text: str) -> str:
    """Lower case without accents, so "cote d'ivoire" finds "Côte d'Ivoire"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold().strip()


def _names() -> dict[str, str]:
    """Every name a country goes by, folded, to its code."""
    names = {_fold(NAMES["XK"]): "XK"}
    for record in pycountry.countries:
        for name in (record.name, getattr(record, "common_name", None), getattr(record, "official_name", None)):
            if name:
                names[_fold(name)] = record.alpha_2
        names[_fold(_name(record))] = record.alpha_2
    return names


def _suggest(wanted: str) -> str:
    """' (did you mean "South Korea" or "North Korea"?)': the closest names, if any is close."""
    shown = {_fold(_name(c)): _name(c) for c in pycountry.countries} | {"kosovo": "Kosovo"}
    folded = _fold(wanted)
    # A word of the name ("korea") names its countries; else the names spelt most alike.
    close = sorted(shown[n] for n in shown if folded in n.replace(",", " ").split())[:3]
    if not close:
        scored = sorted(((difflib.SequenceMatcher(None, folded, n).ratio(), n) for n in shown), reverse=True)
        # Only names as close as the best: "kenia" suggests Kenya, not Armenia too.
        close = [shown[n] for score, n in scored[:3] if score >= max(0.6, scored[0][0] - 0.02)]
    return " (did you mean " + " or ".join(f'"{n}"' for n in close) + "?)" if close else ""


def suggest_region(country: Country, regions: Sequence[str]) -> tuple[str, str | None]:
    """The region to write, and a note when the suggestion is not one of the site's regions."""
    suggestion = "Eurasia" if country.iso in EURASIA else CONTINENT_REGIONS.get(country.continent or "")
    if suggestion in regions:
        return suggestion, None
    if suggestion is None:
        return regions[0], f"no region suggested for {country.name}; using the first region in content/site.yaml"
    return regions[0], f'suggested "{suggestion}" is not a region in content/site.yaml; using the first region'


def _yaml_text(text: str) -> str:
    # Plain is easiest to read; where YAML would read it differently, double-quoted JSON (valid YAML).
    if " #" not in text and yaml.load(text, AuthorLoader) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def new_briefing(country: Country, region: str, regions: Sequence[str], today: dt.date, note: str | None) -> str:
    """The text of a new draft briefing: every field present and commented, passing the check as is."""
    kinds = ", ".join(k.value for k in ElectionKind)
    statuses = ", ".join(s.value for s in Status)
    region_comment = note or "one of: " + ", ".join(regions) + " (content/site.yaml)"
    year = today.year + 1
    return f"""\
---
# yaml-language-server: $schema=../../schema/briefing.schema.json
# Written by `flask content new`. Every field is here, with a comment; docs/authoring.md
# explains each one. Replace each TODO, run `flask --app app content check`, and set
# draft: false when the briefing is ready for readers.
country: {_yaml_text(country.name)}  # the name readers know
iso: "{country.iso}"  # ISO 3166-1 alpha-2 code, in capitals and quotes
region: {_yaml_text(region)}  # {region_comment}
summary: "TODO: one or two sentences (at most 400 characters) for cards, feeds and link previews."
title:  # optional: a title of your own; left empty, it is made from the next election
image:  # optional photo: put the file in static/images/, then remove the "# " from the lines below
#   file: {country.slug}-voters.jpg  # a file name in static/images/, no folders
#   alt: What the photo shows, for readers who cannot see it
#   caption: A caption under the photo.
#   credit: Wikimedia/Photographer Name  # shown as "Photo credit: Wikimedia/Photographer Name (CC BY-SA 4.0)"
#   license: CC BY-SA 4.0
facts:
  freedom_house:  # Free, Partly Free or Not Free; or {{status: Not Free, score: 23, year: {today.year}}}
  government:  # e.g. Presidential republic
  population:  # as written, e.g. 55.8 million
elections:  # one entry per vote, upcoming or past; copy an entry (from "- kind") to add one
  - kind: general  # {kinds}
    title:  # optional: a name of your own instead of "General Elections"
    date: {year}  # YYYY-MM-DD, YYYY-MM, YYYY, or {{start: YYYY-MM-DD, end: YYYY-MM-DD}}
    by:  # optional legal deadline, YYYY-MM-DD: shown as "By January 21, {year}"
    status: due  # {statuses}
    snap: false  # true for an early (snap) election
    round:  # optional: 1, 2 or 3 for one round of a multi-round vote
    if_needed: false  # true for a round held only if no one wins outright
    note: "TODO: check kind, date and status; then one line of context."
    results:  # held elections only: remove the "# " from the lines below
    #   turnout: 63.3
    #   registered_voters: 11950000
    #   seats: [{{party: Party Name, seats: 76}}]
news:  # curated news and analysis, newest first; copy an entry (from "- author") to add one
  - author:  # optional
    outlet: "TODO: the publication"
    date:  # YYYY-MM-DD, as published
    title: "TODO: the headline as published"
    url:  # only when known: without it the citation is shown unlinked
    language:  # optional, when not English: e.g. fr
sources: []  # where the dates and facts come from, with the same fields as news
updated: {today.isoformat()}  # YYYY-MM-DD: set it to the day you review the briefing
draft: true  # true keeps the briefing off the site (preview only); false publishes it
publish_at:  # optional, UTC: with draft: false, hidden until then, e.g. {year}-01-01T09:00
---
## Political Context

TODO: the system, who holds power, how free the vote is.

## What Is at Stake

TODO: the election this briefing is about.

## Geopolitical Context

TODO: the country's place in its region and the world.
"""


def placeholder_problems(briefings: Iterable[Briefing], root: Path) -> list[ContentError]:
    """A TODO left in a briefing that is not a draft is an error: readers would see it.

    ``root`` is the content folder, whose name begins each briefing's path.
    """
    problems = []
    for briefing in briefings:
        if briefing.meta.draft:
            continue
        for loc, text in _texts(briefing.meta.model_dump(mode="python"), ()):
            if PLACEHOLDER.search(text):
                problems.append(_placeholder(briefing, briefing.line_of(*loc), field_name(loc)))
        if PLACEHOLDER.search(briefing.body):
            lines = _body_lines_with_todo(root.parent / briefing.path)
            problems += [_placeholder(briefing, line, "body") for line in lines]
    return problems


def _body_lines_with_todo(path: Path) -> list[int]:
    # Counted in the file itself: the front-matter parser drops blank lines after the
    # closing '---', so the body alone cannot say on which file line it starts.
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    fences = [i for i, line in enumerate(lines) if FENCE.match(line)][:2]
    start = fences[1] + 1 if len(fences) == 2 else 0
    return [number for number, line in enumerate(lines[start:], start + 1) if PLACEHOLDER.search(line)]


def _placeholder(briefing: Briefing, line: int, field: str) -> ContentError:
    message = 'still says "TODO" (a placeholder from flask content new): write the real text, or set draft: true'
    return ContentError(briefing.path, line, field, message)


def _texts(value: object, loc: Loc) -> Iterable[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*loc, index))
