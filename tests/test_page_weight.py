"""Page weight: every HTML page over the shipped content stays within its byte budget.

A page's weight is its HTML (with any inline SVG: the world map, seat charts) plus every
stylesheet it links, before compression. The pages are found by crawling the site from
the home page, so a new page type is measured without being listed here. The budgets
are stated in the README ("Design and accessibility").
"""

from __future__ import annotations

import re
from collections import deque

import pytest
from conftest import TODAY

from app import create_app

#: HTML + CSS of one page, in bytes, before compression.
PAGE_BUDGET = 100_000
#: The one stylesheet every page loads.
CSS_BUDGET = 24_000

LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"')
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
#: Pages the crawl cannot reach by links alone.
EXTRA = ["/search?q=presidential", "/elections/?region=europe&kind=presidential", "/no-such-page/"]
MAX_PAGES = 300


@pytest.fixture(scope="module")
def weights() -> dict[str, tuple[int, int]]:
    """URL -> (HTML bytes, CSS bytes) for every HTML page reachable from the home page."""
    client = create_app({"TESTING": True, "TODAY": TODAY, "CHECK_INTERVAL": 0}).test_client()
    seen, queue, found = {"/", *EXTRA}, deque(["/", *EXTRA]), {}
    css_sizes: dict[str, int] = {}
    while queue and len(found) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code not in (200, 404):
            continue  # feeds, calendars, JSON and redirects: not pages a reader's browser lays out
        html = response.get_data(as_text=True)
        for href in STYLESHEET.findall(html):
            if href not in css_sizes:
                with client.get(href) as css:  # closes WhiteNoise's open file
                    css_sizes[href] = len(css.get_data())
        found[url] = (len(html.encode()), sum(css_sizes[h] for h in STYLESHEET.findall(html)))
        for href in LINK.findall(html.replace("&amp;", "&")):
            if href not in seen and not href.startswith("/static/"):
                seen.add(href)
                queue.append(href)
    return found


def test_the_crawl_reaches_every_page_type(weights):
    urls = set(weights)
    for expected in ["/", "/elections/", "/countries/", "/countries/kazakhstan/", "/regions/europe/", "/about/"]:
        assert expected in urls
    assert any(re.fullmatch(r"/elections/\d{4}/", u) for u in urls)
    assert all(css > 0 for _, css in weights.values()), "every page links the stylesheet"


def test_every_page_is_within_its_budget(weights):
    over = {url: html + css for url, (html, css) in weights.items() if html + css > PAGE_BUDGET}
    assert not over, f"pages over the {PAGE_BUDGET:,}-byte budget (HTML + CSS): {over}"


def test_the_stylesheet_is_within_its_budget(weights):
    assert max(css for _, css in weights.values()) <= CSS_BUDGET


def test_the_map_pages_are_measured_with_their_inline_svg(weights, shipped_app):
    html = shipped_app.test_client().get("/").get_data(as_text=True)
    assert "<svg" in html and weights["/"][0] > 30_000, "the home page carries the world map inline"
