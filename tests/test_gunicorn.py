"""The real gunicorn serves the app as the Procfile starts it, and picks up edits without a restart."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def server(content):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "VOTEBRIEF_CONTENT_DIR": str(content),
        "VOTEBRIEF_TODAY": "2026-11-24",
        "VOTEBRIEF_CHECK_INTERVAL": "0.2",
    }
    cmd = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "app:app"]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            get(base + "/")
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_gunicorn_serves_the_briefing_and_picks_up_an_edit(server, content):
    status, html = get(server + "/countries/kenya/")
    assert status == 200 and "Kenya General Elections: August 10, 2027" in html
    path = content / "countries" / "kenya.md"
    path.write_text(path.read_text().replace("Kenya's politics in a paragraph.", "An edited paragraph."))
    deadline = time.monotonic() + 5
    seen = set()
    while time.monotonic() < deadline and len(seen) < 2:
        # Two workers: each must see the edit on its own, with no signal between them.
        for _ in range(4):
            status, html = get(server + "/countries/kenya/")
            assert status == 200
            if "An edited paragraph." in html:
                seen.add(True)
        if seen:
            break
        time.sleep(0.1)
    assert seen, "the edit never showed"
    # Then every worker serves it: six answers in a row, within a few check intervals
    # (generous, as CI machines are shared; tests/test_edits_under_load.py bounds it tighter).
    deadline = time.monotonic() + 3
    streak = 0
    while streak < 6 and time.monotonic() < deadline:
        streak = streak + 1 if "An edited paragraph." in get(server + "/countries/kenya/")[1] else 0
        time.sleep(0.05)
    assert streak >= 6, "a worker kept serving the old version"


def test_gunicorn_answers_unknown_pages_with_404(server):
    assert get(server + "/countries/atlantis/")[0] == 404
