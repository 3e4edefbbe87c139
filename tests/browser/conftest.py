"""One gunicorn over the shipped content and one Chromium, shared by every browser test.

Both are package-scoped: started once for tests/browser/ and stopped when its last test
ends. Chromium is Debian's (/usr/bin/chromium): Playwright's own browser downloads are
not used. A missing Chromium fails the tests instead of skipping them, so CI cannot
pass without really running them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import SITE_YAML, write
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, Route, sync_playwright
from servers import ROOT, free_port, gunicorn
from test_seatchart import RESULTS_BRIEFING

from app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "screenshots"
TODAY = "2026-11-24"
DESKTOP, PHONE = 1280, 360
HEIGHTS = {DESKTOP: 900, PHONE: 780}

#: One URL of each page type, over the shipped content.
PAGES = {
    "home": "/",
    "calendar": "/elections/",
    "calendar-filtered": "/elections/?region=europe&kind=presidential",
    "year": "/elections/2027/",
    "countries": "/countries/",
    "region": "/regions/europe/",
    "briefing": "/countries/kazakhstan/",
    "about": "/about/",
    "search": "/search?q=presidential",
    "not-found": "/no-such-page/",
    # The shipped content has no seat results yet: this briefing comes from fixture content.
    "briefing-results": "/countries/results-example/",
}


@pytest.fixture(scope="package")
def site() -> Iterator[str]:
    """The base URL of the real gunicorn serving the shipped content, pinned to TODAY."""
    port = free_port()
    # SITE_URL is the address the browser uses, so canonical and share links point back here.
    with gunicorn(None, port=port, VOTEBRIEF_SITE_URL=f"http://127.0.0.1:{port}") as base:
        yield base


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install chromium); "
            "they fail rather than skip so that CI really runs them."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A page in its own browser context, recording everything that went wrong while it loaded."""

    page: Page
    base: str
    width: int
    problems: list[str] = field(default_factory=list)
    #: URLs whose failure is the point of the test (the 404 page's own document).
    expected_failures: set[str] = field(default_factory=set)

    def goto(self, path: str) -> Response:
        if path == "/no-such-page/":
            self.expected_failures.add(self.base + path)
        response = self.page.goto(self.base + path)
        assert response is not None, f"no response for {path}"
        return response

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.width}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    # Event handlers: Playwright calls these while the page loads.
    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and message.location.get("url") not in self.expected_failures:
            self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def _request(self, request: Request) -> None:
        # No third-party requests: fonts, scripts and trackers included.
        if not request.url.startswith((self.base + "/", "data:")):
            self.problems.append(f"third-party request: {request.url}")

    def _failed(self, request: Request) -> None:
        # Chromium aborts what is still loading when the test navigates on (often the
        # favicon); a resource that really fails shows up as an HTTP status or another error.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and response.url not in self.expected_failures:
            self.problems.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture(scope="package")
def results_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """A briefing with seat results, rendered by the app over fixture content: (HTML, headers)."""
    content = tmp_path_factory.mktemp("results") / "content"
    write(content / "site.yaml", SITE_YAML)
    write(content / "countries" / "kazakhstan.md", RESULTS_BRIEFING)
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})
    response = app.test_client().get("/countries/kazakhstan/")
    assert response.status_code == 200
    # Its stylesheet URL carries the same static hash as the server's, so the real CSS loads;
    # the CSP header goes along, so an inline style would show up as a console error.
    headers = {k: v for k, v in response.headers.items() if k in ("Content-Type", "Content-Security-Policy")}
    return response.get_data(as_text=True), headers


@pytest.fixture
def open_tab(browser: Browser, site: str, results_page: tuple[str, dict[str, str]]) -> Iterator[Callable[..., Tab]]:
    """Open pages at a given width (and colour scheme); every context is closed afterwards."""
    contexts = []

    def open_(width: int = DESKTOP, color_scheme: str = "light") -> Tab:
        context = browser.new_context(
            viewport={"width": width, "height": HEIGHTS.get(width, 900)}, color_scheme=color_scheme
        )
        contexts.append(context)
        tab = Tab(context.new_page(), site, width)
        html, headers = results_page

        def fulfil(route: Route) -> None:
            route.fulfill(status=200, body=html, headers=headers)

        tab.page.route(site + PAGES["briefing-results"], fulfil)
        tab.page.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
        tab.page.on("console", tab._console)
        tab.page.on("request", tab._request)
        tab.page.on("requestfailed", tab._failed)
        tab.page.on("response", tab._response)
        return tab

    yield open_
    for context in contexts:
        context.close()
