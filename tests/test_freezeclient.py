"""The export's client: the same requests and responses as Flask's test client, built for less."""

from __future__ import annotations

import io
import sys

import pytest
from conftest import TODAY
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from app import create_app
from votebrief.freezeclient import ExportClient

SITES = ["http://127.0.0.1:8000/", "https://example.org/votebrief/"]
PATHS = ["/", "/countries/kenya/", "/countries/kenya.ics", "/elections/2027/", "/api/v1/briefings/kenya.json"]


@pytest.mark.parametrize("base_url", SITES)
@pytest.mark.parametrize("path", PATHS)
def test_the_environment_is_the_one_the_test_client_builds(app, base_url, path, monkeypatch):
    client = ExportClient(app, app.response_class)
    client.environ_for(path, base_url)  # one environment is prepared, and copied from then on
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # as pytest does between tests
    built = EnvironBuilder(path, base_url=base_url, environ_base=client.environ_base).get_environ()
    made = client.environ_for(path, base_url)
    assert made.pop("wsgi.input").read() == built.pop("wsgi.input").read() == b""
    assert made == built


def test_two_requests_do_not_share_a_request_body(app):
    client = ExportClient(app, app.response_class)
    first = client.environ_for("/", SITES[0])
    second = client.environ_for("/", SITES[0])
    assert first["wsgi.input"] is not second["wsgi.input"]


@pytest.mark.parametrize("base_url", SITES)
def test_every_output_is_answered_as_the_test_client_answers_it(content, base_url):
    app = create_app(
        {"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0, "SITE_URL": base_url}
    )
    from votebrief.urls import public_urls
    from votebrief.web.state import current_now, snapshot

    with app.test_request_context(base_url=base_url):
        paths = [url.path for url in public_urls(snapshot(), current_now())]
    assert len(paths) > 10
    stock, lean = FlaskClient(app, app.response_class), ExportClient(app, app.response_class)
    for path in paths:
        expected = stock.get(path, base_url=base_url, follow_redirects=True)
        got = lean.get(path, base_url=base_url, follow_redirects=True)
        assert (got.status, got.headers.to_wsgi_list(), got.data) == (
            expected.status,
            expected.headers.to_wsgi_list(),
            expected.data,
        ), path


def test_anything_but_a_plain_get_goes_the_test_clients_way(client, app):
    lean = ExportClient(app, app.response_class)
    assert lean.get("/search?q=kenya").data == client.get("/search?q=kenya").data
    assert lean.get("/search", query_string={"q": "kenya"}).status_code == 200
    assert lean.post("/countries/kenya/").status_code == 405
    assert lean.get("/countries/kenya", follow_redirects=True).request.path == "/countries/kenya/"


def test_the_export_restores_the_apps_own_test_client(app, tmp_path):
    from votebrief.export import export_incrementally

    export_incrementally(app, tmp_path / "build", jobs=1)
    assert app.test_client_class is None or not issubclass(app.test_client_class, ExportClient)


def test_the_export_requests_every_output_with_it(app, tmp_path, monkeypatch):
    from votebrief.export import export_incrementally

    requested = []
    original = ExportClient.environ_for
    monkeypatch.setattr(
        ExportClient,
        "environ_for",
        lambda self, path, base_url: requested.append(path) or original(self, path, base_url),
    )
    report = export_incrementally(app, tmp_path / "build", jobs=1)
    assert set(report.urls) <= set(requested)  # and the static files, and the page for a missing URL
