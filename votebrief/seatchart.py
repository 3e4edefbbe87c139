"""Seat charts: an election's seats by party as a parliament hemicycle beside a table.

Its one job: turn :class:`votebrief.model.Results` into CSP-safe markup. The seat
positions come from the ``parliamentarch`` package (the geometry is the hard part);
the SVG is written here, because parliamentarch's own writer puts ``style=``
attributes on its groups and text, which the site's Content-Security-Policy forbids.
Colours therefore travel as SVG presentation attributes (``stroke="#..."``), which
CSP allows, and every string is escaped by MarkupSafe.

The table carries the same numbers as the drawing, so screen-reader users (and
anyone who wants exact figures) lose nothing; the drawing is labelled as an image
that points to it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup, escape
from parliamentarch.geometry import get_nrows_from_nseats, get_row_thickness, get_seats_centers

from votebrief.model import Results, Seat

if TYPE_CHECKING:
    from flask import Flask

#: Used in turn for parties without a `color`: the Okabe-Ito palette, told apart by
#: readers with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F")

#: Drawing units: the hemicycle is CANVAS tall and twice as wide, plus a margin all round.
CANVAS = 100.0
MARGIN = 2.0
#: A seat's radius as a share of its row's thickness, so neighbours do not touch.
SEAT_RADIUS_FACTOR = 0.8


#: Palette colours closer than this (Euclidean distance in RGB) to an author's colour are
#: skipped, so a party without a colour never looks like one that has one.
MIN_COLOR_DISTANCE = 60


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _close(a: str, b: str) -> bool:
    return sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) < MIN_COLOR_DISTANCE**2


def party_colors(seats: Sequence[Seat]) -> list[str]:
    """Each party's colour: its own when the author gave one, else the next distinct one from the palette."""
    chosen = [s.color for s in seats if s.color]
    spare = iter(c for c in PALETTE if not any(_close(c, taken) for taken in chosen))
    return [seat.color or next(spare, PALETTE[-1]) for seat in seats]


# A pure function of the chamber's size, and the costly part of a chart: worth keeping.
@functools.lru_cache(maxsize=256)
def seat_positions(total: int) -> tuple[tuple[float, float], ...]:
    """Seat centres in drawing units, left to right, for a hemicycle of ``total`` seats."""
    centers = get_seats_centers(total)
    # parliamentarch gives each centre an angle from the right-hand end; the largest
    # angle is the leftmost seat, and parties are seated from the left in list order.
    ordered = sorted(centers, key=centers.__getitem__, reverse=True)
    return tuple((MARGIN + CANVAS * x, MARGIN + CANVAS * (1 - y)) for x, y in ordered)


def _hemicycle(seats: Sequence[Seat], colors: Sequence[str], total: int) -> Markup:
    radius = SEAT_RADIUS_FACTOR * get_row_thickness(get_nrows_from_nseats(total)) * CANVAS
    positions = iter(seat_positions(total))
    groups: list[str] = []
    for seat, color in zip(seats, colors, strict=True):
        if not seat.seats:
            continue
        # One path per party, a zero-length segment per seat: with round caps each one
        # draws a dot, so a 600-seat chamber costs a few kilobytes, not one element a seat.
        dots = "".join(f"M{x:.2f} {y:.2f}h0" for x, y in (next(positions) for _ in range(seat.seats)))
        # f-strings with escape(), not Markup.format: the same escaping at a fifth of the cost.
        groups.append(
            f"<g><title>{escape(seat.party)}: {seat.seats} {'seat' if seat.seats == 1 else 'seats'}</title>"
            f'<path d="{dots}" stroke="{escape(color)}" stroke-width="{2 * radius:.2f}" '
            'stroke-linecap="round" fill="none"/></g>'
        )
    width, height = 2 * CANVAS + 2 * MARGIN, CANVAS + 2 * MARGIN
    return Markup(
        f'<svg class="hemicycle" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-label="Hemicycle of the {total} seats by party; the table gives the numbers.">{"".join(groups)}'
        f'<text class="seat-total" x="{width / 2:g}" y="{MARGIN + CANVAS * 0.96:g}" text-anchor="middle" '
        f'font-size="{CANVAS * 0.2:g}" font-weight="700">{total}</text></svg>'
    )


def _table(seats: Sequence[Seat], colors: Sequence[str], total: int) -> Markup:
    rows = "".join(
        '<tr><th scope="row"><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        f'<rect width="10" height="10" rx="2" fill="{escape(color)}"/></svg>{escape(seat.party)}</th>'
        f'<td class="num">{seat.seats}</td><td class="num">{100 * seat.seats / total:.1f}%</td></tr>'
        for seat, color in zip(seats, colors, strict=True)
    )
    return Markup(
        f'<table class="seat-table"><caption>Seats by party, of {total} ({total // 2 + 1} for a majority)</caption>'
        '<thead><tr><th scope="col">Party</th><th scope="col" class="num">Seats</th>'
        f'<th scope="col" class="num">Share</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def render_seat_chart(results: Results | None) -> Markup:
    """A hemicycle and a table of the seats won by each party; empty markup when no seats are given.

    Parties are seated from the left in the order the author lists them.
    """
    if results is None or results.total_seats == 0:
        return Markup("")
    seats, total = results.seats, results.total_seats
    colors = party_colors(seats)
    return Markup('<div class="seat-chart">{}{}</div>').format(
        _hemicycle(seats, colors, total), _table(seats, colors, total)
    )


def init_app(app: Flask) -> None:
    """Make ``seat_chart(results)`` available to every template."""
    app.add_template_global(render_seat_chart, "seat_chart")
