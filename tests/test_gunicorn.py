"""The real gunicorn serves the app as the Procfile starts it, and picks up edits without a restart."""

import time

import pytest
from servers import get, gunicorn

pytestmark = pytest.mark.server


@pytest.fixture
def server(content):
    with gunicorn(content, VOTEBRIEF_CHECK_INTERVAL="0.2") as base:
        yield base


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
