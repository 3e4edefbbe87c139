"""Tests for votebrief.worldmap: the committed geometry and the rendered figure."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from votebrief.worldmap import MapCountry, load_world, render_world_map

SVG = "{http://www.w3.org/2000/svg}"

NEEDED = [
    *("KE", "NG", "GH", "FR", "FI", "EE", "CH", "ES"),
    *("AR", "US", "TW", "KR", "PH", "AU", "TR", "KZ"),
]

SAMPLE = [
    MapCountry(
        iso="KE",
        name="Kenya",
        href="/briefings/kenya-2027/",
        status="Partly Free",
        label="Kenya: General Elections, August 10, 2027",
    ),
    MapCountry(
        iso="FI",
        name="Finland",
        href="/briefings/finland-2027/",
        status="Free",
        label="Finland: Parliamentary Election, April 18, 2027",
    ),
    MapCountry(
        iso="KZ",
        name="Kazakhstan",
        href="/briefings/kazakhstan-2027/",
        status="Not Free",
        label="Kazakhstan: Parliamentary Election, 2027",
    ),
]


def parse_figure(markup: Markup) -> ET.Element:
    """Parse the rendered figure as XML (it is well-formed by construction)."""
    return ET.fromstring(str(markup))


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def links_by_href(svg: ET.Element) -> dict[str, ET.Element]:
    return {a.attrib["href"]: a for a in svg.iter(f"{SVG}a")}


def test_data_file_has_needed_countries() -> None:
    world = load_world()
    assert world["viewBox"] == "0 0 960 500"
    assert "Natural Earth" in world["source"]
    assert "public domain" in world["license"]
    missing = [iso for iso in NEEDED if iso not in world["countries"]]
    assert missing == []
    assert "AQ" not in world["countries"]  # Antarctica dropped
    assert "XK" in world["countries"]  # Kosovo has no numeric id in the source
    for iso, shape in world["countries"].items():
        assert re.fullmatch(r"[A-Z]{2}", iso)
        assert shape["name"]
        assert re.fullmatch(r"[Mlz0-9 .\-]+", shape["d"]), iso


def test_paths_stay_inside_viewbox() -> None:
    # Absolute moveTo coordinates must lie inside 0..960 x 0..500.
    for iso, shape in load_world()["countries"].items():
        for x, y in re.findall(r"M(-?[\d.]+)[ ]?(-?[\d.]+)", shape["d"]):
            assert 0 <= float(x) <= 960 and 0 <= float(y) <= 500, iso


def test_highlighted_countries_are_classed_links() -> None:
    svg = svg_of(parse_figure(render_world_map(SAMPLE)))
    links = links_by_href(svg)
    expected = {
        "/briefings/kenya-2027/": ("fh-partly-free", "Kenya: General Elections"),
        "/briefings/finland-2027/": ("fh-free", "Finland: Parliamentary"),
        "/briefings/kazakhstan-2027/": ("fh-not-free", "Kazakhstan: Parliamentary"),
    }
    assert set(links) == set(expected)
    for href, (css, label_start) in expected.items():
        link = links[href]
        title = link.find(f"{SVG}title")
        assert title is not None and title.text is not None
        assert title.text.startswith(label_start)
        paths = link.findall(f"{SVG}path")
        assert len(paths) == 1
        assert paths[0].attrib["class"] == css
        iso = next(c.iso for c in SAMPLE if c.href == href)
        assert paths[0].attrib["d"] == load_world()["countries"][iso]["d"]


def test_neutral_countries_are_land() -> None:
    svg = svg_of(parse_figure(render_world_map(SAMPLE)))
    linked = {id(p) for a in svg.iter(f"{SVG}a") for p in a.iter(f"{SVG}path")}
    neutral = [p for p in svg.iter(f"{SVG}path") if id(p) not in linked]
    world = load_world()["countries"]
    assert len(neutral) == len(world) - len(SAMPLE)
    assert all(p.attrib["class"] == "land" for p in neutral)
    us_d = world["US"]["d"]
    assert any(p.attrib["d"] == us_d for p in neutral)


def test_svg_accessibility_attributes() -> None:
    svg = svg_of(parse_figure(render_world_map(SAMPLE, title="Votes ahead")))
    assert svg.attrib["viewBox"] == "0 0 960 500"
    # Not "img": an image's children are presentational, so links inside it are an error (axe: nested-interactive).
    assert svg.attrib["role"] == "group"
    assert all(a.attrib["tabindex"] == "-1" and a.attrib["aria-hidden"] == "true" for a in svg.iter(f"{SVG}a"))
    ids = svg.attrib["aria-labelledby"].split()
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == "Votes ahead"
    assert title.attrib["id"] in ids


def test_no_inline_styles_or_fill() -> None:
    markup = str(render_world_map(SAMPLE))
    assert "style=" not in markup
    assert "fill=" not in markup
    for el in parse_figure(render_world_map(SAMPLE)).iter():
        assert "style" not in el.attrib
        assert "fill" not in el.attrib


def test_legend_and_text_alternative() -> None:
    figure = parse_figure(render_world_map(SAMPLE))
    assert figure.tag == "figure"
    assert figure.attrib["class"] == "world-map"
    legend = figure.find("ul[@class='map-legend']")
    assert legend is not None
    items = legend.findall("li")
    assert ["".join(li.itertext()).split(" (")[0] for li in items] == [
        "Free",
        "Partly Free",
        "Not Free",
    ]
    swatches = [li.find("span") for li in items]
    assert [s.attrib["class"] for s in swatches if s is not None] == [
        "swatch fh-free",
        "swatch fh-partly-free",
        "swatch fh-not-free",
    ]
    assert all(s is not None and s.attrib["aria-hidden"] == "true" for s in swatches)

    assert figure.find("figcaption") is not None
    assert list(figure)[-1].tag == "figcaption"  # first or last child of figure
    hidden = figure.find("ul[@class='visually-hidden map-countries']")
    assert hidden is not None
    links = [(a.attrib["href"], a.text) for a in hidden.iter("a")]
    assert links == [(c.href, c.label) for c in SAMPLE]


def test_text_is_escaped() -> None:
    evil = MapCountry(
        iso="FR",
        name="<script>alert(1)</script>",
        href='/briefings/x"onmouseover="alert(1)',
        status="Free",
        label="<script>alert(1)</script> & co",
    )
    markup = render_world_map([evil], title="<b>Title</b>")
    text = str(markup)
    assert "<script>" not in text
    assert "<b>" not in text
    assert "&lt;script&gt;" in text
    figure = parse_figure(markup)  # still well-formed
    svg = svg_of(figure)
    (link,) = list(svg.iter(f"{SVG}a"))
    assert link.attrib["href"] == '/briefings/x"onmouseover="alert(1)'
    assert "onmouseover" not in link.attrib
    title = link.find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert title.text.startswith("<script>alert(1)</script> & co")


def test_unknown_iso_listed_but_not_drawn() -> None:
    tiny = MapCountry(
        iso="TV",  # Tuvalu: not in the 1:110m data
        name="Tuvalu",
        href="/briefings/tuvalu-2028/",
        status="Free",
        label="Tuvalu: General Election, 2028",
    )
    figure = parse_figure(render_world_map([*SAMPLE, tiny]))
    assert "TV" not in load_world()["countries"]
    assert tiny.href not in links_by_href(svg_of(figure))
    hidden = figure.find("ul[@class='visually-hidden map-countries']")
    assert hidden is not None
    assert tiny.href in [a.attrib["href"] for a in hidden.iter("a")]


def test_lowercase_iso_and_repeated_country() -> None:
    second = MapCountry(
        iso="ke",
        name="Kenya",
        href="/briefings/kenya-2032/",
        status="Partly Free",
        label="Kenya: General Elections, 2032",
    )
    figure = parse_figure(render_world_map([*SAMPLE, second]))
    links = links_by_href(svg_of(figure))
    assert "/briefings/kenya-2032/" not in links  # one shape, first briefing
    title = links["/briefings/kenya-2027/"].find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert "Kenya: General Elections, 2032" in title.text
    hidden = figure.find("ul[@class='visually-hidden map-countries']")
    assert hidden is not None
    assert len(hidden.findall("li")) == 4


def test_invalid_status_rejected() -> None:
    with pytest.raises(ValueError, match="status"):
        MapCountry(iso="KE", name="Kenya", href="/", status="Free-ish", label="x")


def test_rendered_size() -> None:
    many = [
        MapCountry(
            iso=iso,
            name=iso,
            href=f"/briefings/{iso.lower()}/",
            status=["Free", "Partly Free", "Not Free"][i % 3],
            label=f"{iso}: Election",
        )
        for i, iso in enumerate(NEEDED)
    ]
    size = len(str(render_world_map(many)).encode())
    assert size < 60_000
