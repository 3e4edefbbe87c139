"""HTTP caching: ETags, 304s, Last-Modified, gzip, the hot layer in front of Flask, immutable assets."""

import gzip
import os
import re

import pytest

from votebrief.web import pagecache, site


def bump(path, text=None):
    if text is not None:
        path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_a_second_request_is_answered_before_flask_runs(app, client, monkeypatch):
    first = client.get("/countries/kenya/")
    monkeypatch.setattr(app, "full_dispatch_request", lambda: pytest.fail("Flask ran for a cached page"))
    second = client.get("/countries/kenya/")
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_the_hot_layer_answers_if_none_match_with_304(app, client, monkeypatch):
    etag = client.get("/countries/kenya/").headers["ETag"]
    monkeypatch.setattr(app, "full_dispatch_request", lambda: pytest.fail("Flask ran for a 304"))
    response = client.get("/countries/kenya/", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_if_modified_since_gets_304_and_an_older_date_gets_the_page(client):
    last_modified = client.get("/countries/kenya/").headers["Last-Modified"]
    assert client.get("/countries/kenya/", headers={"If-Modified-Since": last_modified}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get("/countries/kenya/", headers={"If-Modified-Since": old}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(client):
    last_modified = client.get("/countries/kenya/").headers["Last-Modified"]
    headers = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    assert client.get("/countries/kenya/", headers=headers).status_code == 200


def test_an_edit_changes_the_etag_and_last_modified_and_clears_the_hot_layer(client, content):
    first = client.get("/countries/kenya/")
    path = content / "countries" / "kenya.md"
    bump(path, path.read_text().replace("politics in a paragraph", "an edited paragraph"))
    again = client.get("/countries/kenya/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert b"an edited paragraph" in again.data
    assert again.headers["ETag"] != first.headers["ETag"]


def test_an_edit_saved_during_a_render_is_served_by_the_next_request(client, content, monkeypatch):
    """A worker's first render can take longer than a check interval: the page it renders from
    the old content must not be kept as the new version's page (the gunicorn test caught one)."""
    path = content / "countries" / "kenya.md"
    render = site.rendered_body

    def render_then_save_an_edit(markdown):
        html = render(markdown)
        if "politics in a paragraph" in markdown:
            path.write_text(path.read_text().replace("politics in a paragraph", "an edited paragraph"))
        return html

    monkeypatch.setattr(site, "rendered_body", render_then_save_an_edit)
    during = client.get("/countries/kenya/")
    monkeypatch.setattr(site, "rendered_body", render)
    after = client.get("/countries/kenya/")
    assert b"politics in a paragraph" in during.data  # one version throughout the request
    assert b"an edited paragraph" in after.data
    assert after.headers["ETag"] != during.headers["ETag"]
    assert after.headers["Last-Modified"] >= during.headers["Last-Modified"]


def test_pages_are_gzipped_for_clients_that_accept_it_with_their_own_etag(client):
    plain = client.get("/countries/kenya/")
    zipped = client.get("/countries/kenya/", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Accept-Encoding" in zipped.headers["Vary"]
    again = client.get(
        "/countries/kenya/", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_page_is_compressed_once_and_only_when_a_client_accepts_gzip(app, client, monkeypatch):
    hot = app.extensions["votebrief.hot"]
    plain = client.get("/countries/kenya/")
    assert [zipped for _, zipped in hot.pages.values()] == [None]
    compressions = []
    compress = gzip.compress
    monkeypatch.setattr(pagecache.gzip, "compress", lambda *a, **k: compressions.append(1) or compress(*a, **k))
    for _ in range(2):
        zipped = client.get("/countries/kenya/", headers={"Accept-Encoding": "gzip"})
        assert gzip.decompress(zipped.data) == plain.data
    assert len(compressions) == 1
    assert hot.size == sum(len(body or b"") + len(zipped or b"") for body, zipped in hot.pages.values()) + 512 * len(
        hot.entries
    )


def test_a_page_first_asked_for_with_gzip_is_kept_compressed_only(app, client):
    hot = app.extensions["votebrief.hot"]
    zipped = client.get("/countries/kenya/", headers={"Accept-Encoding": "gzip"})
    assert [body for body, _ in hot.pages.values()] == [None]
    plain = client.get("/countries/kenya/")
    assert plain.headers.get("Content-Encoding") is None and gzip.decompress(zipped.data) == plain.data
    assert client.get("/countries/kenya/", headers={"Accept-Encoding": "gzip"}).data == zipped.data


def test_head_gets_headers_without_a_body_from_both_paths(client):
    for _ in range(2):  # the first answer comes from Flask, the second from the hot layer
        response = client.head("/countries/kenya/")
        assert response.status_code == 200
        assert response.data == b""
        assert int(response.headers["Content-Length"]) > 1000


def test_cache_control_allows_a_cdn_to_serve_stale_while_revalidating(client):
    assert client.get("/").headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=600"


def test_unknown_query_parameters_share_the_cache_entry_of_the_page(client, monkeypatch):
    client.get("/elections/?region=africa")
    calls = []
    real = site.render_template
    monkeypatch.setattr(site, "render_template", lambda *a, **k: calls.append(a) or real(*a, **k))
    client.get("/elections/?region=africa&utm_source=newsletter")
    client.get("/elections/?utm_campaign=x&region=africa")
    assert calls == []


def test_debug_mode_renders_every_time(app, client, monkeypatch):
    app.debug = True
    client.get("/countries/kenya/")
    calls = []
    real = site.render_template
    monkeypatch.setattr(site, "render_template", lambda *a, **k: calls.append(a) or real(*a, **k))
    client.get("/countries/kenya/")
    assert len(calls) == 1


def test_static_files_have_content_hashed_urls_and_are_immutable(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/[0-9a-f]{10}/site\.css)"', html).group(1)
    response = client.get(css)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    response.close()


def test_the_hot_layer_keeps_http_and_https_apart(client):
    plain = client.get("/countries/kenya/")
    secure = client.get("/countries/kenya/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers
    assert "Strict-Transport-Security" in secure.headers
    assert "Strict-Transport-Security" not in client.get("/countries/kenya/").headers


def test_static_files_carry_the_security_headers_too(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/[0-9a-f]{10}/site\.css)"', html).group(1)
    response = client.get(css)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    response.close()
