"""WCAG 2.2 AA by axe-core in a real browser: every page type, light and dark, phone and desktop."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from browser.conftest import DESKTOP, PAGES, PHONE

pytestmark = pytest.mark.browser

#: The WCAG A and AA rules up to 2.2, plus axe's best practices (landmarks, one h1, heading order).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}

axe = Axe()


def violations(page, impacts: tuple[str, ...]) -> list[str]:
    found = axe.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in found
        if v["impact"] in impacts
    ]


@pytest.mark.parametrize(("scheme", "width"), [("light", DESKTOP), ("dark", PHONE)])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_accessibility_violations(open_tab, name, scheme, width):
    tab = open_tab(width, color_scheme=scheme)
    tab.goto(PAGES[name])
    if scheme == "dark":
        tab.screenshot(f"{name}-dark")
    assert violations(tab.page, ("serious", "critical")) == []


@pytest.mark.parametrize("name", ["home", "calendar-filtered", "briefing", "briefing-results"])
def test_no_moderate_accessibility_violations_on_the_main_pages(open_tab, name):
    tab = open_tab()
    tab.goto(PAGES[name])
    assert violations(tab.page, ("moderate", "minor")) == []
