"""Render the world map of upcoming elections as inline, CSP-safe SVG markup.

Its one job: turn a list of :class:`MapCountry` into a ``<figure>`` holding an
SVG world map (countries coloured by Freedom House status through CSS classes,
each highlighted country linking to its briefing), an HTML legend and a text
alternative. Geometry comes from ``data/world-110m.json``, made once from
Natural Earth (public domain) by ``tools/worldmap/build.mjs``.

No inline ``style``/``fill`` attributes are emitted: the stylesheet colours
``.world-map .land``, ``.fh-free``, ``.fh-partly-free`` and ``.fh-not-free``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from markupsafe import Markup, escape

DATA_FILE = Path(__file__).parent / "data" / "world-110m.json"

STATUS_CLASSES: dict[str, str] = {
    "Free": "fh-free",
    "Partly Free": "fh-partly-free",
    "Not Free": "fh-not-free",
}

DEFAULT_TITLE = "Upcoming elections by Freedom House status"


@dataclass(frozen=True)
class MapCountry:
    """One country to highlight on the map."""

    iso: str  # ISO 3166-1 alpha-2, e.g. "KE"
    name: str
    href: str  # link to the briefing
    status: str  # "Free" | "Partly Free" | "Not Free"
    label: str  # e.g. "Kenya: General Elections, August 10, 2027"

    def __post_init__(self) -> None:
        if self.status not in STATUS_CLASSES:
            allowed = ", ".join(STATUS_CLASSES)
            raise ValueError(f"MapCountry {self.iso!r}: status {self.status!r} is not one of {allowed}")


class _Shape(TypedDict):
    name: str
    d: str


class _World(TypedDict):
    viewBox: str
    source: str
    license: str
    countries: dict[str, _Shape]


@functools.cache
def load_world() -> _World:
    """Return the projected country outlines (read from disk once)."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        world: _World = json.load(fh)
    return world


def _dom_id(title: str, countries: Sequence[MapCountry]) -> str:
    """A stable id prefix, so two maps on one page don't clash."""
    key = "\x1f".join([title, *(f"{c.iso}\x1e{c.href}" for c in countries)])
    return "world-map-" + hashlib.blake2s(key.encode(), digest_size=4).hexdigest()


def _group_by_iso(countries: Sequence[MapCountry]) -> dict[str, list[MapCountry]]:
    """Highlighted countries by upper-case ISO code, keeping the caller's order."""
    groups: dict[str, list[MapCountry]] = {}
    for country in countries:
        groups.setdefault(country.iso.strip().upper(), []).append(country)
    return groups


def _svg(
    world: _World,
    groups: dict[str, list[MapCountry]],
    *,
    title: str,
    dom_id: str,
    drawn: int,
) -> Markup:
    parts: list[Markup] = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{}" role="group" aria-labelledby="{}-title {}-desc">'
        ).format(world["viewBox"], dom_id, dom_id),
        Markup('<title id="{}-title">{}</title>').format(dom_id, title),
        Markup('<desc id="{}-desc">{}</desc>').format(
            dom_id,
            f"World map; {drawn} countries with an upcoming election are "
            "coloured by Freedom House status, the rest are grey.",
        ),
    ]
    highlighted: list[Markup] = []
    for iso, shape in world["countries"].items():
        entries = groups.get(iso)
        if not entries:
            parts.append(Markup('<path class="land" d="{}"/>').format(shape["d"]))
            continue
        first = entries[0]
        # Several elections in one country: one shape, every label in the
        # tooltip, linking to the earliest-listed briefing.
        tooltip = "\n".join(f"{e.label} ({e.status})" for e in entries)
        # A shortcut for the mouse only: keyboard and screen-reader users get the same
        # links once, from the text list, instead of every country twice.
        highlighted.append(
            Markup(
                '<a href="{}" class="map-country" tabindex="-1" aria-hidden="true">'
                '<title>{}</title><path class="{}" d="{}"/></a>'
            ).format(first.href, tooltip, STATUS_CLASSES[first.status], shape["d"])
        )
    # Highlighted shapes last, so their outlines sit on top of neighbours'.
    parts.extend(highlighted)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _legend(countries: Sequence[MapCountry]) -> Markup:
    items = [
        Markup('<li><span class="swatch {}" aria-hidden="true"></span>{} <span class="count">({})</span></li>').format(
            css, status, sum(1 for c in countries if c.status == status)
        )
        for status, css in STATUS_CLASSES.items()
    ]
    return Markup('<ul class="map-legend">{}</ul>').format(Markup("").join(items))


def _text_list(countries: Sequence[MapCountry]) -> Markup:
    # f-strings with escape(), not Markup.format: the same text at a fifth of the cost, and
    # the calendar's map lists every upcoming election.
    items = "".join(
        f'<li><a href="{escape(c.href)}">{escape(c.label)}</a> ({escape(c.status)})</li>' for c in countries
    )
    return Markup(f'<ul class="visually-hidden map-countries">{items}</ul>')


def render_world_map(countries: Sequence[MapCountry], *, title: str = DEFAULT_TITLE) -> Markup:
    """Return a ``<figure class="world-map">`` with the map, legend and text list.

    Countries whose ISO code has no shape at this scale (too small, or unknown)
    are not drawn but are still listed in the text alternative.
    """
    world = load_world()
    groups = _group_by_iso(countries)
    drawn = sum(1 for iso in groups if iso in world["countries"])
    dom_id = _dom_id(title, countries)
    n = len(countries)
    caption = Markup(
        "<figcaption>{}. {} Grey: no upcoming election listed."
        ' <span class="map-source">Map: Natural Earth.</span></figcaption>'
    ).format(
        title,
        f"{n} upcoming election{'s' if n != 1 else ''}, coloured by the country's "
        "Freedom House status; select a country to open its briefing.",
    )
    return Markup('<figure class="world-map">{}{}{}{}</figure>').format(
        _svg(world, groups, title=title, dom_id=dom_id, drawn=drawn),
        _legend(countries),
        _text_list(countries),
        caption,
    )
