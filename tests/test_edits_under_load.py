"""Edits under load: the real gunicorn keeps serving complete pages while content files churn.

Two workers each check the disk every 0.2 s while client threads request pages without
pause and the test rewrites, truncates, deletes and re-creates briefings, in place and
by atomic rename. Every response must be a whole page of a version that was written as
valid (each version carries its own marker), never a 5xx; and after the last write every
worker serves the final version within a second.
"""

from __future__ import annotations

import collections
import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import KENYA, write
from servers import gunicorn

from votebrief.loader import ContentStore

CHECK_INTERVAL = 0.2
CHURN_SECONDS = 8.0
CLIENT_THREADS = 4
#: Each edited briefing, with an ISO code of its own so that no two collide.
EDITED = {"alpha": "FR", "beta": "DE", "gamma": "IT"}
MARKER = re.compile(r"version-([a-z]+)-(\d+)-end")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def version_text(slug: str, iso: str, n: int) -> str:
    """A valid briefing whose every visible part names its version once, at the end of the body."""
    body = KENYA.replace("Kenya's politics in a paragraph.", f"Version {n} of this briefing: version-{slug}-{n}-end")
    return body.replace("Kenya", slug.capitalize()).replace("iso: KE", f"iso: {iso}")


@dataclass
class Tally:
    """What the clients saw; shared between threads under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)

    def record(self, status: int, failure: str | None = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if failure:
                self.failures.append(failure)


class Writer:
    """Rewrites the edited briefings in every way an editor, git or a deploy tool might."""

    def __init__(self, folder: Path, seed: int) -> None:
        self.folder = folder
        self.random = random.Random(seed)
        self.version = dict.fromkeys(EDITED, 0)
        #: Every (slug, version) ever written whole and valid: the only ones a page may show.
        self.valid: set[tuple[str, int]] = set()
        self.operations: collections.Counter = collections.Counter()
        self.lock = threading.Lock()

    def next_version(self, slug: str) -> str:
        self.version[slug] += 1
        with self.lock:
            self.valid.add((slug, self.version[slug]))
        return version_text(slug, EDITED[slug], self.version[slug])

    def step(self) -> None:
        slug = self.random.choice(list(EDITED))
        path = self.folder / f"{slug}.md"
        operation = self.random.choice(
            ["in-place", "in-place", "atomic-rename", "atomic-rename", "truncate", "half-written", "delete-recreate",
             "invalid"]
        )  # fmt: skip
        self.operations[operation] += 1
        if operation == "in-place":
            path.write_text(self.next_version(slug))  # open(O_TRUNC) then write: a reader may see it empty
        elif operation == "atomic-rename":
            temp = self.folder / f".{slug}.md.tmp"  # dot files are not content
            temp.write_text(self.next_version(slug))
            os.replace(temp, path)
        elif operation == "truncate":
            path.write_text("")
        elif operation == "half-written":
            text = version_text(slug, EDITED[slug], 999_999)
            path.write_text(text[: text.index("summary:")])  # cut inside the front-matter
        elif operation == "delete-recreate":
            path.unlink(missing_ok=True)
            time.sleep(self.random.uniform(0, CHECK_INTERVAL))
            path.write_text(self.next_version(slug))
        else:
            path.write_text(version_text(slug, EDITED[slug], 888_888).replace("iso:", "iso: [", 1))

    def finish(self) -> dict[str, int]:
        """Leave every edited file whole and valid; return the final version of each."""
        for slug in EDITED:
            (self.folder / f"{slug}.md").write_text(self.next_version(slug))
        return dict(self.version)


def check_page(url: str, status: int, html: str, writer: Writer) -> str | None:
    """Why this response is wrong, or None when it is a whole page of a version that was written."""
    if status >= 500:
        return f"{url}: {status}"
    briefing = re.fullmatch(r"/countries/([a-z-]+)/", url)
    slug = briefing.group(1) if briefing else None
    if status == 404 and slug in EDITED:
        return None  # deleted, or being re-created
    if status != 200:
        return f"{url}: unexpected {status}"
    if not html.rstrip().endswith("</html>"):
        return f"{url}: incomplete page ({len(html)} characters)"
    if slug in EDITED:
        found = {(s, int(n)) for s, n in MARKER.findall(html)}
        with writer.lock:
            known = found <= writer.valid
        if len(found) != 1 or not known:
            return f"{url}: markers {sorted(found)}"
    return None


def client(base: str, urls: list[str], writer: Writer, tally: Tally, stop: threading.Event) -> None:
    rng = random.Random()
    while not stop.is_set():
        url = rng.choice(urls)
        try:
            status, html = fetch(base + url)
        except OSError as error:
            tally.record(0, f"{url}: {error!r}")
            continue
        tally.record(status, check_page(url, status, html, writer))


@pytest.mark.server
def test_pages_stay_whole_and_new_versions_show_while_files_churn_under_load(content, tmp_path):
    folder = content / "countries"
    writer = Writer(folder, seed=2026)
    for slug in EDITED:
        write(folder / f"{slug}.md", writer.next_version(slug))
    urls = [
        *(f"/countries/{slug}/" for slug in [*EDITED, "kenya"]),
        "/",
        "/countries/",
        "/elections/",
        "/search?q=version",
    ]
    tally, stop = Tally(), threading.Event()
    log = tmp_path / "gunicorn.log"

    with gunicorn(content, log=log, VOTEBRIEF_CHECK_INTERVAL=str(CHECK_INTERVAL)) as base:
        threads = [
            threading.Thread(target=client, args=(base, urls, writer, tally, stop)) for _ in range(CLIENT_THREADS)
        ]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while time.monotonic() - started < CHURN_SECONDS:
            writer.step()
            time.sleep(writer.random.uniform(0, 0.02))
        final = writer.finish()
        last_write = time.monotonic()

        # The first moment a page shows its final version, then: within a second, every worker does.
        first_seen: dict[str, float] = {}
        while len(first_seen) < len(final) and time.monotonic() - last_write < 1.0:
            for slug, n in final.items():
                if slug not in first_seen and f"version-{slug}-{n}-end" in fetch(f"{base}/countries/{slug}/")[1]:
                    first_seen[slug] = time.monotonic() - last_write
        time.sleep(max(0.0, last_write + 1.0 - time.monotonic()))
        stale = [
            slug
            for slug, n in final.items()
            for _ in range(20)  # two workers: twenty requests reach both
            if f"version-{slug}-{n}-end" not in fetch(f"{base}/countries/{slug}/")[1]
        ]
        stop.set()
        for thread in threads:
            thread.join()
        served = sum(tally.statuses.values())
        elapsed = time.monotonic() - started

    server_errors = [line for line in log.read_text().splitlines() if "Traceback" in line or "unhandled" in line]
    print(
        f"\nedits under load: {served} requests in {elapsed:.1f} s ({served / elapsed:.0f}/s) by {CLIENT_THREADS} "
        f"clients; status counts {dict(sorted(tally.statuses.items()))}; "
        f"{sum(writer.operations.values())} file operations {dict(sorted(writer.operations.items()))}; "
        f"{len(writer.valid)} valid versions written; {len(tally.failures)} bad responses; "
        f"{len(server_errors)} server tracebacks; final version first seen after "
        f"{', '.join(f'{s} {t * 1000:.0f} ms' for s, t in sorted(first_seen.items()))}"
    )
    assert tally.failures == [], tally.failures[:10]
    assert server_errors == []
    assert not [s for s in tally.statuses if s >= 500]
    assert served > 500, "the clients hardly ran: the test proves little"
    assert set(first_seen) == set(final), f"final versions not seen within 1 s: {set(final) - set(first_seen)}"
    assert stale == [], f"a worker still served an old version 1 s after the last write: {sorted(set(stale))}"


def test_a_same_size_rewrite_within_the_timestamp_granularity_is_still_picked_up(content):
    # Two saves inside one tick of the file system clock leave mtime and size unchanged;
    # only the bytes tell them apart, so a recently changed file is read again.
    store = ContentStore(content, check_interval=0)
    path = content / "countries" / "kenya.md"
    stat = path.stat()
    assert store.snapshot().briefings["kenya"].body.strip().endswith("politics in a paragraph.")
    path.write_text(KENYA.replace("in a paragraph.", "in a sentence.."))
    assert path.stat().st_size == stat.st_size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert store.snapshot().briefings["kenya"].body.strip().endswith("politics in a sentence..")
    count = store.parse_count
    store.snapshot()
    assert store.parse_count == count, "re-reading an unchanged racy file must not parse it again"
