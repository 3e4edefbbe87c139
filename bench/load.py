"""Load test: the real gunicorn (two workers) on the shipped content, driven by wrk over every page type.

Starts gunicorn as the Procfile does on a free loopback port, lists every public page
(each route of the app, with every briefing, region, page and election year in the
content, plus filtered calendars and searches; each checked to answer 200 first), then
runs wrk with 64 connections for 60 seconds, each connection walking the list. Reports
requests, errors (non-2xx/3xx responses and socket errors) and latency percentiles, and
fails (exit 1) on any error or a server traceback.

    .venv/bin/python bench/load.py                  # 60 s, 64 connections
    .venv/bin/python bench/load.py --seconds 10 --connections 16

Why wrk: it is a C event loop that keeps 64 connections busy from one core and measures
latency without coordinated-omission surprises at this scale, so the figures are the
server's, not a Python client's. The Lua script (bench/urls.lua) rotates the URLs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import running  # noqa: E402

LUA = Path(__file__).with_name("urls.lua")
#: Pages that take query parameters: the calendar's filters and searches.
QUERIES = [
    "/elections/?region=africa",
    "/elections/?kind=presidential",
    "/elections/?freedom=not-free&year=2027",
    "/search?q=election",
    "/search?q=parliament",
    "/search?q=zzzz",
]


def page_urls(content: Path) -> list[str]:
    """Every GET route of the app, filled with each value the content gives its arguments."""
    from flask import url_for

    from app import create_app
    from votebrief import views

    app = create_app({"CONTENT_DIR": str(content)})
    with app.app_context():
        snap = app.extensions["votebrief.store"].snapshot()
        briefings = list(snap.briefings)
        today = dt.date.today()
        years = sorted({e.election.when.first.year for b in snap.briefings.values() for e in views.entries(b, today)})
        fill = {
            "site.briefing": [{"slug": s} for s in briefings],
            "site.region": [{"slug": r.slug} for r in snap.site.regions],
            "site.page": [{"slug": s} for s in snap.pages],
            "site.calendar_year": [{"year": y} for y in years],
        }
        urls: list[str] = []
        with app.test_request_context():
            for rule in app.url_map.iter_rules():
                if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
                    continue
                if not rule.arguments:
                    urls.append(url_for(rule.endpoint))
                elif rule.endpoint in fill:
                    urls += [url_for(rule.endpoint, **args) for args in fill[rule.endpoint]]
                elif rule.arguments == {"slug"}:
                    # A route added since (a per-country feed, an API document): try the briefings.
                    urls += [url_for(rule.endpoint, slug=s) for s in briefings]
    client = app.test_client()
    return [url for url in dict.fromkeys([*urls, *QUERIES]) if client.get(url).status_code == 200]


def warm(base: str, urls: list[str]) -> None:
    """Request every page a few times so both workers have rendered it: the run measures serving."""
    for _ in range(4):
        for url in urls:
            urllib.request.urlopen(base + url, timeout=10).read()


def run_wrk(base: str, url_file: Path, seconds: int, connections: int, threads: int, gzip: bool) -> dict:
    cmd = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA), base,
        "--", str(url_file), "gzip" if gzip else "identity",
    ]  # fmt: skip
    output = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("JSON:"))
    return json.loads(line.removeprefix("JSON:"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the run (default 60)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content folder (default: shipped)")
    parser.add_argument("--no-gzip", action="store_true", help="do not send Accept-Encoding: gzip")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    urls = page_urls(args.content.resolve())
    with tempfile.TemporaryDirectory() as tmp:
        url_file, log = Path(tmp) / "urls.txt", Path(tmp) / "gunicorn.log"
        url_file.write_text("\n".join(urls) + "\n")
        env = {**os.environ, "VOTEBRIEF_CONTENT_DIR": str(args.content.resolve())}
        with running(env, workers=args.workers, log=log, timeout=20) as server:
            base = server.base
            warm(base, urls)
            print(f"{len(urls)} URLs, {args.connections} connections, {args.seconds} s, {args.workers} workers")
            result = run_wrk(base, url_file, args.seconds, args.connections, args.threads, not args.no_gzip)
            alive = urllib.request.urlopen(base + "/", timeout=10).status == 200
        tracebacks = log.read_text().count("Traceback")

    seconds = result["duration_us"] / 1e6
    socket_errors = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    print(
        f"requests: {result['requests']:,} ({result['requests'] / seconds:,.0f}/s, "
        f"{result['bytes'] / seconds / 1e6:.1f} MB/s)\n"
        f"errors: {result['status']} non-2xx/3xx, {socket_errors} socket "
        f"(connect {result['connect']}, read {result['read']}, write {result['write']}, timeout {result['timeout']})\n"
        f"latency: p50 {result['p50_us'] / 1000:.1f} ms, p90 {result['p90_us'] / 1000:.1f} ms, "
        f"p99 {result['p99_us'] / 1000:.1f} ms, max {result['max_us'] / 1000:.1f} ms\n"
        f"server: {tracebacks} tracebacks in the log; {'alive' if alive else 'NOT answering'} after the run"
    )
    return 0 if result["status"] == socket_errors == tracebacks == 0 and alive else 1


if __name__ == "__main__":
    sys.exit(main())
