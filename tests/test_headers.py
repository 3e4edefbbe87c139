"""Security headers on every response, a CSP that needs no inline code, proxy trust of one hop,
and error pages that never show a traceback outside debug."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from conftest import KENYA, TODAY
from flask import Flask, request

from app import create_app
from votebrief import views

HSTS = "Strict-Transport-Security"


def page_urls(app: Flask) -> Iterator[str]:
    """Every public page URL: each GET route, with each value its arguments take in the content.

    Routes are read from the URL map, so a page type added later is covered without a change
    here; a route whose arguments this function cannot fill is still requested by its other tests.
    """
    with app.app_context():
        snap = app.extensions["votebrief.store"].snapshot()
        values = {
            "site.briefing": [{"slug": s} for s in snap.briefings],
            "site.region": [{"slug": r.slug} for r in snap.site.regions],
            "site.page": [{"slug": s} for s in snap.pages],
            "site.calendar_year": [{"year": TODAY.year - 1}, {"year": TODAY.year}, {"year": TODAY.year + 1}],
        }
        with app.test_request_context():
            from flask import url_for

            for rule in app.url_map.iter_rules():
                if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
                    continue
                if not rule.arguments:
                    yield url_for(rule.endpoint)
                for args in values.get(rule.endpoint, []):
                    yield url_for(rule.endpoint, **args)
    yield "/search?q=election"
    yield "/elections/?region=africa&kind=general"


#: Error pages, each reached the way a reader would reach it.
ERROR_REQUESTS = [
    ("GET", "/countries/nowhere/", 404),
    ("GET", "/elections/?region=nowhere", 400),
    ("POST", "/", 405),
    ("GET", "/?" + "a" * 3000, 414),
]


@pytest.fixture(scope="module")
def shipped() -> Flask:
    return create_app({"TESTING": True, "TODAY": TODAY, "CHECK_INTERVAL": 3600})


def every_response(app: Flask) -> Iterator[tuple[str, object]]:
    client = app.test_client()
    for url in page_urls(app):
        yield url, client.get(url)
    for method, url, _ in ERROR_REQUESTS:
        yield f"{method} {url[:40]}", client.open(url, method=method)


def test_the_crawl_covers_every_page_type(shipped):
    urls = list(page_urls(shipped))
    for expected in ["/", "/countries/", "/countries/kenya/", "/regions/africa/", "/elections/", "/about/", "/search"]:
        assert expected in urls
    assert len(urls) > 25


def test_every_page_and_error_page_carries_the_security_headers(shipped):
    for url, response in every_response(shipped):
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
        assert headers.get("X-Content-Type-Options") == "nosniff", url
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", url
        assert headers.get("X-Frame-Options") == "DENY", url
        assert HSTS not in headers, f"{url}: HSTS over plain HTTP"


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: style attributes, <style>, inline <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if "style" in names:
            self.blocked.append(f"<{tag} style=...>")
        if any(name.startswith("on") for name in names):
            self.blocked.append(f"<{tag} on...=>")
        if tag == "style":
            self.blocked.append("<style>")
        if tag == "script" and "src" not in names and dict(attrs).get("type") != "application/ld+json":
            self.blocked.append("<script> without src")
        for name, value in attrs:
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.blocked.append(f"<{tag} {name}=javascript:>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.blocked


def test_no_page_needs_inline_styles_or_scripts(shipped):
    checked = 0
    for url, response in every_response(shipped):
        if response.mimetype == "text/html":
            assert inline_code(response.get_data(as_text=True)) == [], url
            checked += 1
    assert checked > 25


def test_the_debug_problem_banner_needs_no_inline_code_either(app, client, content):
    app.debug = True
    path = content / "countries" / "kenya.md"
    client.get("/countries/kenya/")
    path.write_text(KENYA.replace("2027-08-10", "2027-02-30") + "\n")
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert "content-problems" in html
    assert inline_code(html) == []


@pytest.mark.parametrize(
    ("proto", "hsts"),
    [
        ("https", True),
        ("http", False),
        (None, False),
        ("http, https", True),  # the trusted router appended https: its word counts
        ("https, http", False),  # a client claimed https, the router saw http
    ],
)
def test_hsts_follows_the_scheme_the_trusted_proxy_reports(client, proto, hsts):
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    response = client.get("/countries/kenya/", headers=headers)
    assert response.status_code == 200
    assert (HSTS in response.headers) is hsts
    if hsts:
        assert response.headers[HSTS] == "max-age=31536000; includeSubDomains"


def test_hsts_is_not_lost_or_leaked_by_the_page_cache(client):
    # The same page is served from the cache over both schemes: each gets its own headers.
    for proto, hsts in [("http", False), ("https", True), ("http", False), ("https", True)]:
        for url in ["/", "/countries/kenya/", "/countries/nowhere/"]:
            response = client.get(url, headers={"X-Forwarded-Proto": proto})
            assert (HSTS in response.headers) is hsts, (proto, url)


@pytest.fixture
def whoami(app: Flask):
    """A route that reports what the app believes about the client, added for the test only."""

    @app.get("/_test/whoami")
    def _whoami():
        return {"ip": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app.test_client()


@pytest.mark.parametrize(
    ("forwarded_for", "ip"),
    [
        ("203.0.113.9", "203.0.113.9"),
        # A client forges a chain; the router appends the address it saw. Only that last hop counts.
        ("6.6.6.6, 203.0.113.9", "203.0.113.9"),
        ("127.0.0.1, 10.0.0.1, 203.0.113.9", "203.0.113.9"),
    ],
)
def test_the_client_ip_is_taken_from_one_proxy_hop_only(whoami, forwarded_for, ip):
    seen = whoami.get("/_test/whoami", headers={"X-Forwarded-For": forwarded_for}).get_json()
    assert seen["ip"] == ip


def test_without_forwarded_headers_the_socket_address_is_used(whoami):
    seen = whoami.get("/_test/whoami", environ_base={"REMOTE_ADDR": "192.0.2.7"}).get_json()
    assert seen == {"ip": "192.0.2.7", "scheme": "http", "host": "localhost"}


def test_a_spoofed_forwarded_host_changes_no_link_in_the_page(client):
    html = client.get("/countries/kenya/", headers={"X-Forwarded-Host": "evil.example, also.evil"}).get_data(
        as_text=True
    )
    assert "evil.example" not in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/countries/kenya/">' in html


@pytest.fixture(params=[True, False], ids=["testing", "production"])
def failing_app(request, content, monkeypatch) -> Flask:
    """An app whose home page raises, in test mode and configured as in production."""
    app = create_app({"TESTING": request.param, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})

    def explode(*args, **kwargs):
        raise RuntimeError("secret detail: password=hunter2")

    monkeypatch.setattr(views, "site_upcoming", explode)
    return app


def test_an_unexpected_error_gives_a_plain_500_page_without_a_traceback(failing_app, caplog):
    response = failing_app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    for leak in ["Traceback", "RuntimeError", "hunter2", 'File "', "site.py", "line "]:
        assert leak not in html
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert inline_code(html) == []
    # Operators still get the whole story in the log.
    assert any(r.exc_info and "hunter2" in str(r.exc_info[1]) for r in caplog.records)


def test_a_500_is_not_cached(failing_app, monkeypatch):
    client = failing_app.test_client()
    assert client.get("/").status_code == 500
    monkeypatch.undo()
    assert client.get("/").status_code == 200


def test_404_pages_do_not_echo_the_requested_path(client):
    html = client.get("/countries/%3Cscript%3Ealert(1)%3C%2Fscript%3E/").get_data(as_text=True)
    assert "<script>alert" not in html
    assert not re.search(r"alert\(1\)", html)
