"""Seat charts: a hemicycle beside a table with the same numbers, with no inline styles."""

import re
import xml.etree.ElementTree as ET

from votebrief.model import Results
from votebrief.seatchart import PALETTE, party_colors, render_seat_chart

SVG = "{http://www.w3.org/2000/svg}"

MAZHILIS = Results(
    turnout=63.3,
    registered_voters=11_950_000,
    seats=[
        {"party": "Nur Otan", "seats": 76, "color": "#1f77b4"},
        {"party": "Ak Zhol", "seats": 12},
        {"party": "People's Party", "seats": 10},
        {"party": "Auyl", "seats": 9},
    ],
)

RESULTS_BRIEFING = """\
---
country: Kazakhstan
iso: KZ
region: Eurasia
summary: Kazakhstan's Mazhilis election.
elections:
  - kind: legislative
    date: 2027-01-10
    status: scheduled
  - kind: legislative
    date: 2021-01-10
    status: held
    results:
      turnout: 63.3
      registered_voters: 11950000
      seats:
        - {party: Nur Otan, seats: 76, color: "#1f77b4"}
        - {party: Ak Zhol, seats: 12}
        - {party: People's Party, seats: 10}
        - {party: "<b>Auyl</b>", seats: 9}
  - kind: presidential
    date: 2019-06-09
    status: held
    results:
      turnout: 77.5
updated: 2026-11-01
---
Body.
"""


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_no_seats_means_no_chart():
    assert render_seat_chart(None) == ""
    assert render_seat_chart(Results(turnout=50)) == ""
    assert render_seat_chart(Results(seats=[{"party": "A", "seats": 0}])) == ""


def test_the_hemicycle_draws_one_dot_per_seat_in_each_partys_colour():
    chart = parse(str(render_seat_chart(MAZHILIS)))
    svg = chart.find(f"{SVG}svg")
    assert svg is not None and svg.get("role") == "img" and "107 seats" in svg.get("aria-label", "")
    paths = svg.findall(f"{SVG}g/{SVG}path")
    dots = [len(re.findall(r"M[\d.]+ [\d.]+h0", p.get("d", ""))) for p in paths]
    assert dots == [76, 12, 10, 9]
    assert paths[0].get("stroke") == "#1f77b4"
    assert svg.find(f"{SVG}g").findtext(f"{SVG}title") == "Nur Otan: 76 seats"
    assert svg.findtext(f"{SVG}text") == "107"


def test_parties_are_seated_from_the_left_in_the_order_listed():
    svg = parse(str(render_seat_chart(MAZHILIS))).find(f"{SVG}svg")
    first_x = [float(p.get("d").split()[0][1:]) for p in svg.findall(f"{SVG}g/{SVG}path")]
    assert first_x[0] < 10, "the first party starts at the left end of the hemicycle"


def test_the_table_carries_the_same_numbers_for_screen_readers():
    table = parse(str(render_seat_chart(MAZHILIS))).find("table")
    assert table.findtext("caption") == "Seats by party, of 107 (54 for a majority)"
    rows = [[("".join(c.itertext())).strip() for c in tr] for tr in table.find("tbody")]
    assert rows == [
        ["Nur Otan", "76", "71.0%"],
        ["Ak Zhol", "12", "11.2%"],
        ["People's Party", "10", "9.3%"],
        ["Auyl", "9", "8.4%"],
    ]
    assert [th.get("scope") for th in table.iter("th")][:3] == ["col", "col", "col"]


def test_the_markup_is_csp_safe_with_colours_as_presentation_attributes():
    markup = str(render_seat_chart(MAZHILIS))
    assert "style=" not in markup and "<style" not in markup
    assert 'fill="#1f77b4"' in markup  # the table's swatch


def test_parties_without_a_colour_get_palette_colours_unlike_any_authors_colour():
    seats = Results(
        seats=[{"party": "A", "seats": 1, "color": PALETTE[0]}, {"party": "B", "seats": 1}, {"party": "C", "seats": 1}]
    ).seats
    assert party_colors(seats) == [PALETTE[0], PALETTE[1], PALETTE[2]]
    # A blue close to the palette's first blue: that blue is skipped, not handed to another party.
    seats = Results(seats=[{"party": "A", "seats": 1, "color": "#1f77b4"}, {"party": "B", "seats": 1}]).seats
    assert party_colors(seats) == ["#1f77b4", PALETTE[1]]


def test_a_large_chamber_stays_small():
    bundestag = Results(seats=[{"party": "A", "seats": 300}, {"party": "B", "seats": 330}])
    assert len(render_seat_chart(bundestag)) < 12_000


def test_party_names_are_escaped():
    chart = str(render_seat_chart(Results(seats=[{"party": "<script>x</script>", "seats": 3}])))
    assert "<script>" not in chart and "&lt;script&gt;" in chart


def test_the_briefing_shows_held_elections_with_results(client, briefing_file):
    briefing_file("kazakhstan", RESULTS_BRIEFING)
    html = client.get("/countries/kazakhstan/").get_data(as_text=True)
    results = html.split('id="results"')[1].split('id="curated-news"')[0]
    assert "Legislative Elections, January 10, 2021" in results
    assert "<dt>Registered voters</dt><dd>11,950,000</dd>" in results
    assert "<dt>Turnout</dt><dd>63.3%</dd>" in results
    assert results.count('class="seat-chart"') == 1, "only the election with seats gets a chart"
    assert "Presidential Election, June 9, 2019" in results and "77.5%" in results
    assert "&lt;b&gt;Auyl&lt;/b&gt;" in results


def test_a_briefing_without_results_has_no_results_section(client):
    assert 'id="results"' not in client.get("/countries/kenya/").get_data(as_text=True)
