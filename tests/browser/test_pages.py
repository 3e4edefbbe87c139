"""Every page type in a real browser: clean loads, working navigation, filters, search and share
links, a layout that holds at 360 px, and screenshots of each page at desktop and phone widths."""

from urllib.parse import quote

import pytest

from browser.conftest import DESKTOP, PAGES, PHONE

pytestmark = pytest.mark.browser

HEADINGS_IN_ORDER = """() => {
  const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]));
  return {levels, skips: levels.filter((level, i) => i > 0 && level > levels[i - 1] + 1).length};
}"""


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_loads_cleanly_and_is_screenshotted(open_tab, name, width):
    tab = open_tab(width)
    response = tab.goto(PAGES[name])
    assert response.status == (404 if name == "not-found" else 200)
    tab.screenshot(name)
    tab.assert_clean()
    stylesheet_applied = "getComputedStyle(document.querySelector('.masthead')).borderTopStyle === 'solid'"
    assert tab.page.evaluate(stylesheet_applied), "the stylesheet loaded"
    headings = tab.page.evaluate(HEADINGS_IN_ORDER)
    assert headings["levels"][0] == 1 and headings["levels"].count(1) == 1, headings
    assert headings["skips"] == 0, f"a heading level is skipped: {headings['levels']}"
    assert tab.page.locator("main#main").count() == 1
    assert tab.page.locator("header.masthead nav").count() == 1 and tab.page.locator("footer").count() == 1
    scroll_width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name} scrolls sideways at {width} px ({scroll_width} px wide)"


def test_the_navigation_links_work(open_tab):
    tab = open_tab()
    tab.goto("/")
    nav = tab.page.get_by_role("navigation", name="Main")
    for link, path, heading in [
        ("Calendar", "/elections/", "Election calendar"),
        ("Countries", "/countries/", "Countries"),
        ("Search", "/search", "Search the briefings"),
        ("About", "/about/", "About VoteBrief"),
        ("Our approach", "/approach/", "Our approach"),
    ]:
        nav.get_by_role("link", name=link, exact=True).click()
        tab.page.wait_for_url(tab.base + path)
        assert tab.page.locator("h1").inner_text() == heading
        assert nav.get_by_role("link", name=link, exact=True).get_attribute("aria-current") == "page"
    tab.page.get_by_role("link", name="VoteBrief", exact=True).click()
    tab.page.wait_for_url(tab.base + "/")
    tab.assert_clean()


def test_the_calendar_filters_work_by_clicking(open_tab):
    tab = open_tab(PHONE)
    tab.goto("/elections/")
    everything = tab.page.locator("main .election").count()
    tab.page.locator("form.filters select[name=region]").select_option(label="Europe")
    tab.page.get_by_role("button", name="Filter").click()
    tab.page.wait_for_url("**/elections/?region=europe*")
    chip = tab.page.get_by_role("link", name="Remove filter Region: Europe")
    assert chip.is_visible()
    countries = set(tab.page.locator("main .election-country").all_inner_texts())
    assert countries and countries <= {"Estonia", "Finland", "France", "Spain", "Switzerland"}
    assert tab.page.locator("main .election").count() < everything
    chip.click()
    tab.page.wait_for_url(tab.base + "/elections/")
    assert tab.page.get_by_role("link", name="Remove filter Region: Europe").count() == 0
    assert tab.page.locator("main .election").count() == everything
    tab.assert_clean()


def test_search_works_by_typing(open_tab):
    tab = open_tab(PHONE)
    tab.goto("/")
    tab.page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    box = tab.page.get_by_label("Country, election, party or topic")
    box.type("Mazhilis")
    box.press("Enter")
    tab.page.wait_for_url("**/search?q=Mazhilis")
    hit = tab.page.locator("ol.hits").get_by_role("link", name="Kazakhstan")
    hit.click()
    tab.page.wait_for_url(tab.base + "/countries/kazakhstan/")
    tab.assert_clean()


def test_the_share_links_carry_the_pages_url(open_tab):
    tab = open_tab()
    tab.goto("/countries/kazakhstan/")
    url = tab.page.url
    assert tab.page.locator('link[rel="canonical"]').get_attribute("href") == url
    hrefs = tab.page.locator(".share-links a").evaluate_all("links => links.map(a => a.href)")
    assert len(hrefs) >= 4
    for href in hrefs:
        assert quote(url, safe="") in href, href


def test_the_skip_link_comes_first_and_shows_when_focused(open_tab):
    tab = open_tab(PHONE)
    tab.goto("/countries/kazakhstan/")
    tab.page.keyboard.press("Tab")
    skip = tab.page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("a => a === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    outline = skip.evaluate("a => getComputedStyle(a).outlineStyle + ' ' + getComputedStyle(a).boxShadow")
    assert outline != "none none", "focus is visible"
    tab.page.keyboard.press("Enter")
    # Following an in-page link updates the address a moment after the key press.
    tab.page.wait_for_function("location.hash === '#main'", timeout=5000)
    assert tab.page.url.endswith("#main")


def test_the_seat_chart_draws_beside_its_table(open_tab):
    tab = open_tab()
    tab.goto(PAGES["briefing-results"])
    chart = tab.page.locator(".seat-chart svg.hemicycle")
    table = tab.page.locator(".seat-chart table")
    chart_box, table_box = chart.bounding_box(), table.bounding_box()
    assert chart_box and chart_box["width"] > 200 and chart_box["height"] > 100
    assert table_box and table_box["x"] > chart_box["x"], "at desktop width the table sits beside the chart"
    # Every seat is painted: a path per party, each drawn in the author's or the palette's colour.
    strokes = chart.locator("path").evaluate_all("ps => ps.map(p => getComputedStyle(p).stroke)")
    assert strokes[0] == "rgb(31, 119, 180)" and len(set(strokes)) == 4
    tab.assert_clean()
