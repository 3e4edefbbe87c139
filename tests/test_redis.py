"""A shared Redis cache: two app instances serve one rendered page; a dead Redis slows, never breaks."""

import os
import shutil
import subprocess
import time

import pytest
import redis
from servers import free_port

from app import create_app
from votebrief import render
from votebrief.web import site
from votebrief.web.pagecache import cache

TODAY = "2026-11-24"


@pytest.fixture(scope="module")
def redis_url():
    """CI's redis-server (VOTEBRIEF_TEST_REDIS_URL) or one started here; never skipped."""
    given = os.environ.get("VOTEBRIEF_TEST_REDIS_URL")
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    assert binary, "redis-server is required for these tests (apt-get install redis-server)"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def make_app(content, url, prefix):
    return create_app(
        {
            "CONTENT_DIR": str(content),
            "TODAY": TODAY,
            "CHECK_INTERVAL": 0,
            "CACHE_REDIS_URL": url,
            "CACHE_KEY_PREFIX": prefix,
        }
    )


def test_a_page_rendered_by_one_instance_is_served_by_another(content, redis_url, monkeypatch):
    prefix = f"t{time.monotonic_ns()}:"
    first, second = make_app(content, redis_url, prefix), make_app(content, redis_url, prefix)
    assert first.config["CACHE_TYPE"] == "RedisCache"
    html = first.test_client().get("/countries/kenya/").data

    def no_rendering(*args, **kwargs):
        raise AssertionError("the second instance rendered instead of using the shared cache")

    monkeypatch.setattr(site, "render_template", no_rendering)
    monkeypatch.setattr(render, "render_markdown", no_rendering)
    assert second.test_client().get("/countries/kenya/").data == html
    with second.app_context():
        assert any(k.startswith(prefix.encode()) for k in cache.cache._write_client.keys("*"))


def test_an_edit_makes_new_keys_so_no_instance_serves_a_stale_page(content, redis_url):
    prefix = f"t{time.monotonic_ns()}:"
    first, second = make_app(content, redis_url, prefix), make_app(content, redis_url, prefix)
    assert b"politics in a paragraph" in first.test_client().get("/countries/kenya/").data
    path = content / "countries" / "kenya.md"
    path.write_text(path.read_text().replace("politics in a paragraph", "Edited politics"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert b"Edited politics" in second.test_client().get("/countries/kenya/").data


def test_a_dead_redis_still_serves_pages(content, caplog):
    app = make_app(content, f"redis://127.0.0.1:{free_port()}/0", "dead:")
    response = app.test_client().get("/countries/kenya/")
    assert response.status_code == 200
    assert "cache unavailable" in caplog.text
