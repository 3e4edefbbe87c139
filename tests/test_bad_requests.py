"""Bad requests get 400, 404, 405 or 414 as fits: never a 500, never a file from outside the content.

Through Flask's test client for the app's own answers, and as raw bytes to the real gunicorn
for what only a real server sees (unnormalised ``..`` segments, NUL bytes, odd methods).
"""

from __future__ import annotations

import builtins
import os
import socket
from pathlib import Path

import pytest
from servers import gunicorn

#: Text that would only appear if a file outside content/ leaked into a response.
LEAKS = ["root:x:0:0", "def create_app", "import ", "[tool.pytest", "SECRET"]

TRAVERSALS = [
    "/countries/..%2f..%2fetc%2fpasswd",
    "/countries/..%2f..%2fetc%2fpasswd/",
    "/countries/..%252f..%252fetc%252fpasswd/",  # double-encoded
    "/countries/%2e%2e%2f%2e%2e%2fapp.py/",
    "/countries/%252e%252e%252fapp.py/",
    "/countries/..%5c..%5capp.py/",  # backslashes
    "/countries/....//....//app.py/",
    "/countries/../../app.py",
    "/static/../app.py",
    "/static/..%2fapp.py",
    "/static/%2e%2e/app.py",
    "/static/..%252fapp.py",
    "/static/..%5capp.py",
    "/static//etc/passwd",
    "/..%2fapp.py",
    "/..%2fapp.py/",
    "/%2e%2e/app.py",
    "/%2e%2e%2fpyproject.toml/",
    "/regions/..%2f..%2fapp.py/",
    "/elections/..%2f..%2fapp.py/",
    "/app.py",
    "/pyproject.toml",
    "/content/countries/kenya.md",
    "/countries/kenya.md",
    "/countries/kenya/..%2f..%2fsite.yaml",
]

ODD_SLUGS = [
    "/countries/k%C3%A9nya/",  # unicode
    "/countries/%D0%BA%D0%B5%D0%BD%D0%B8%D1%8F/",
    "/countries/%F0%9F%97%B3/",  # an emoji
    "/countries/kenya%00/",  # NUL
    "/countries/%00/",
    "/countries/%00",
    "/countries/%ff%fe/",  # not UTF-8
    "/countries/%zz/",  # not percent-encoding
    "/countries/KENYA/",
    "/countries/kenya%20/",
    "/countries/.kenya/",
    "/countries/-/",
    "/countries/" + "a" * 1500 + "/",  # long, under the limit
    "/regions/%00/",
    "/regions/" + "é" * 300 + "/",
    "/elections/99999999999999999999/",
    "/elections/-1/",
    "/%00/",
    "/site/",  # content/site.yaml is not a page
]


def assert_safe(status: int, body: str, allowed: set[int]) -> None:
    assert status in allowed, status
    for leak in LEAKS:
        assert leak not in body


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file beside the content folder that no request may reach."""
    path = tmp_path / "secret.md"
    path.write_text("SECRET\n")
    return path


@pytest.mark.parametrize("url", TRAVERSALS)
def test_path_traversal_finds_nothing(client, url, secret):
    response = client.get(url)
    assert_safe(response.status_code, response.get_data(as_text=True), {404, 308})
    if response.status_code == 308:  # a missing trailing slash: the target must 404 too
        target = client.get(response.headers["Location"])
        assert_safe(target.status_code, target.get_data(as_text=True), {404})


@pytest.mark.parametrize("url", ODD_SLUGS)
def test_odd_slugs_are_not_found(client, url):
    response = client.get(url, follow_redirects=True)
    assert_safe(response.status_code, response.get_data(as_text=True), {404})
    assert "Page not found" in response.get_data(as_text=True)


def test_slugs_are_looked_up_in_the_index_never_joined_into_a_path(app, client, monkeypatch, tmp_path):
    client.get("/countries/nowhere/")  # loads the content and the templates
    app.extensions["votebrief.store"].check_interval = 3600  # no re-check of the disk during the requests
    touched: list[str] = []

    def spy(real):
        def wrapper(path, *args, **kwargs):
            touched.append(os.fspath(path) if isinstance(path, str | bytes | os.PathLike) else repr(path))
            return real(path, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(builtins, "open", spy(builtins.open))
    monkeypatch.setattr(os, "stat", spy(os.stat))
    monkeypatch.setattr(os, "open", spy(os.open))
    monkeypatch.setattr(os, "scandir", spy(os.scandir))
    for url in ["/countries/..%2f..%2fsecret/", "/countries/secret/", "/countries/ghana/", "/regions/secret/"]:
        assert client.get(url).status_code == 404
    assert not [p for p in touched if "secret" in str(p) or "ghana" in str(p)], touched
    # The spies do see the disk: a re-check of the content reads the folder again.
    app.extensions["votebrief.store"].check_interval = 0
    client.get("/countries/ghana/")
    assert [p for p in touched if str(p).endswith("countries")]


@pytest.mark.parametrize(
    "url",
    [
        "/countries/" + "a" * 3000 + "/",
        "/?" + "x=1&" * 1000,
        "/search?q=" + "a" * 3000,
        "/elections/?region=" + "%41" * 1000,
    ],
)
def test_very_long_urls_and_query_strings_get_414(client, url):
    response = client.get(url)
    assert_safe(response.status_code, response.get_data(as_text=True), {414})
    assert "Address too long" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/", "/countries/", "/countries/kenya/", "/regions/africa/", "/elections/", "/about/", "/search?q=kenya"]
)
def test_unknown_query_parameters_are_ignored(client, url):
    plain = client.get(url)
    junk = "&" if "?" in url else "?"
    odd = client.get(url + junk + "utm_source=x&%00=%00&a[]=1&__proto__=1&q2=%ff")
    assert plain.status_code == odd.status_code == 200
    assert odd.get_data() == plain.get_data()


@pytest.mark.parametrize(
    "url", ["/search?q=%00", "/search?q=%ff%fe", "/search?q=%22%3E%3Cscript%3E", "/elections/?region=%00"]
)
def test_odd_query_values_are_a_page_or_a_400(client, url):
    response = client.get(url)
    assert_safe(response.status_code, response.get_data(as_text=True), {200, 400})


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE"])
@pytest.mark.parametrize("url", ["/", "/countries/kenya/", "/countries/", "/elections/", "/search?q=x", "/about/"])
def test_wrong_methods_get_405_with_the_allowed_ones(client, method, url):
    response = client.open(url, method=method, data=b"x=1")
    assert_safe(response.status_code, response.get_data(as_text=True), {405})
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("url", ["/", "/countries/kenya/", "/countries/", "/elections/", "/search?q=kenya", "/about/"])
def test_head_gives_the_get_headers_and_no_body(client, url):
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers["ETag"] == got.headers["ETag"]


def test_head_of_a_missing_page_is_404_without_a_body(client):
    response = client.head("/countries/nowhere/")
    assert response.status_code == 404 and response.data == b""


# The real server: what reaches the app only when the bytes are not tidied by a client library.

RAW_REQUESTS = [
    (b"GET /static/../app.py HTTP/1.1", {404}),
    (b"GET /../app.py HTTP/1.1", {404}),
    (b"GET /countries/../../etc/passwd HTTP/1.1", {404}),
    (b"GET /countries/%2e%2e/%2e%2e/app.py HTTP/1.1", {404}),
    (b"GET /static/..%2f..%2fapp.py HTTP/1.1", {404}),
    (b"GET //etc/passwd HTTP/1.1", {404}),
    (b"GET /countries/kenya\x00/ HTTP/1.1", {400}),
    (b"GET /countries/k\xc3\xa9nya/ HTTP/1.1", {400, 404}),  # raw non-ASCII in the request line
    (b"GET /countries/k\xff/ HTTP/1.1", {400, 404}),
    (b"GET /countries/%zz/ HTTP/1.1", {404}),
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1", {400, 414}),
    (b"GET /?" + b"a=1&" * 1000 + b" HTTP/1.1", {400, 414}),
    (b"GET * HTTP/1.1", {400, 404}),
    (b"BREW /countries/kenya/ HTTP/1.1", {400, 405}),
    (b"get /countries/kenya/ HTTP/1.1", {400, 405}),
    (b"DELETE /countries/kenya/ HTTP/1.1", {405}),
    (b"GET /countries/kenya/ HTTP/9.9", {400, 505}),
    (b"GET /countries/kenya/", {400}),  # no version
]


def raw_request(base: str, request_line: bytes) -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status_line = data.split(b"\r\n", 1)[0].split()
    return int(status_line[1]), data


@pytest.mark.server
def test_the_real_server_answers_raw_bad_requests_without_a_5xx_or_a_leak(content, tmp_path, secret):
    log = tmp_path / "gunicorn.log"
    with gunicorn(content, log=log) as base:
        results = [(line, *raw_request(base, line)) for line, _ in RAW_REQUESTS]
        head_status, head = raw_request(base, b"HEAD /countries/kenya/ HTTP/1.1")
    for (line, allowed), (_, status, data) in zip(RAW_REQUESTS, results, strict=True):
        assert status in allowed, (line[:60], status)
        for leak in LEAKS:
            assert leak.encode() not in data, line[:60]
    assert head_status == 200 and head.endswith(b"\r\n\r\n"), "HEAD must send headers and no body"
    assert "Traceback" not in log.read_text()
