"""Benchmark: the site under the real gunicorn against Flask's own limit, measured in one run.

Prints requests/s, p50/p99 latency and errors for each scenario, with its ratio to a
minimal Flask app returning the same bytes from memory (the baseline; the cached page and
the 304 are measured with it in three alternating rounds, the medians shown); the cold render
time per briefing; start-up time and memory per worker at 2,000 briefings; full and
one-file export times, against Hugo's build of the same corpus; and one-file exports
made while `flask freeze --watch` keeps the folder current.

    .venv/bin/python bench/bench.py            # about eight minutes
    .venv/bin/python bench/bench.py --seconds 3 --quick
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import server  # noqa: E402
from bench.corpus import generate  # noqa: E402
from bench.server import Server, free_port  # noqa: E402

PYTHON = sys.executable
TODAY = "2026-11-24"


def start(app: str, env: dict[str, str], *, probe: str = "/", workers: int = 2) -> Server:
    """gunicorn with this process's environment, today pinned and ``env`` on top."""
    return server.start({**os.environ, "VOTEBRIEF_TODAY": TODAY, **env}, app=app, probe=probe, workers=workers)


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(name: str, url: str, seconds: int, connections: int, headers: list[str] = ()) -> Result:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in match.groups())
    return Result(name, rps, p50, p99, errors)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), dict(response.headers)


def worker_rss_mb(master: int) -> list[float]:
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


def cold_render_ms(content: Path, count: int = 60, offset: int = 1) -> tuple[float, float, float]:
    """Median milliseconds to parse a briefing file, then to render its page with no page cache,
    and for stock Python-Markdown to convert the same bodies.

    The first two are timed apart, each file first parsed, then rendered: in a running worker
    the files are parsed once at start-up (in the background) and a cache miss only renders;
    after an edit, the edited file is parsed once, and its page then rendered. The third is
    the issue's own yardstick (about 4 ms a 14 KB briefing on its machine, with the target of
    6 ms for the whole render), measured here beside the render so that a slow hour of this
    shared machine shows in both.
    """
    import markdown

    from app import create_app
    from votebrief.render import EXTENSION_CONFIGS, EXTENSIONS
    from votebrief.web.state import snapshot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Flask-Caching's notice that NullCache caches nothing: the point
        app = create_app(
            {"CONTENT_DIR": str(content), "TODAY": TODAY, "CACHE_TYPE": "NullCache", "CHECK_INTERVAL": 3600}
        )
    app.extensions["votebrief.store"].warm_in_background = False  # no parsing thread may run while we time
    client = app.test_client()
    client.get("/countries/country-0000/")  # compile the templates once
    slugs = [f"country-{index:04d}" for index in range(offset, offset + count)]
    parse, render, stock = [], [], []
    with app.test_request_context():
        briefings = snapshot().briefings
        for slug in slugs:
            start = time.perf_counter()
            assert briefings.get(slug) is not None
            parse.append((time.perf_counter() - start) * 1000)
        bodies = [briefings[slug].body for slug in slugs]
    # The site's Markdown extensions, none of its speed-ups; one converter reused (cheaper than a new one a page).
    converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html")
    for slug, body in zip(slugs, bodies, strict=True):
        # Each page right after its body's stock conversion: the machine's speed, which moves
        # within seconds here, is then the same for the two.
        start = time.perf_counter()
        converter.reset().convert(body)
        stock.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        response = client.get(f"/countries/{slug}/")
        render.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(parse), statistics.median(render), statistics.median(stock)


def cold_render_rounds(content: Path, rounds: int = 3) -> list[tuple[float, float, float]]:
    """The cold render in rounds, each a fresh app over briefings not rendered before: the
    machine's noise shows as the spread between rounds."""
    return [cold_render_ms(content, offset=1 + 60 * index) for index in range(rounds)]


def _freeze(content: Path, dest: Path, cache: Path) -> float:
    env = {
        **os.environ,
        "VOTEBRIEF_CONTENT_DIR": str(content),
        "VOTEBRIEF_TODAY": TODAY,
        "VOTEBRIEF_EXPORT_CACHE_DIR": str(cache),
    }
    cmd = [PYTHON, "-m", "flask", "--app", "app", "freeze", "--dest", str(dest)]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _toggle(file: Path, old: str, new: str) -> None:
    """Make the edit ``old`` → ``new``, or undo it if it is made."""
    text = file.read_text()
    made = new in text
    assert made or old in text, (file, old)
    file.write_text(text.replace(new, old, 1) if made else text.replace(old, new, 1))


def newest_briefing(content: Path) -> Path:
    """The briefing with the latest ``updated``: the first entry of every feed it is in."""
    dated = [
        (re.search(r"^updated: (\S+)", f.read_text(), re.M).group(1), f) for f in (content / "countries").iterdir()
    ]
    return max(dated)[1]


def one_file_edits(content: Path) -> list[tuple[str, Path, str, str]]:
    """The four kinds of one-file edit the benchmark times: name, file, text before and after."""
    quiet, newest = content / "countries" / "country-0007.md", newest_briefing(content)
    return [
        ("body edit, briefing in no feed", quiet, "## Section 1:", "## Section 1 (edited):"),
        ("body edit, briefing in the feeds", newest, "## Section 1:", "## Section 1 (edited):"),
        ("front-matter edit shown on its page only", quiet, "government: Presidential", "government: Parliamentary"),
        ("front-matter edit shown in the lists", quiet, "\nsummary: ", "\nsummary: Edited. "),
    ]  # fmt: skip


def edit_times(content: Path, dest: Path, cache: Path, runs: int = 3) -> list[tuple[str, list[float]]]:
    """Each kind of one-file edit ``runs`` times, made and undone in turn, exported into ``dest``
    (a full export of ``content``), so each export has one file to catch up with."""
    times = []
    for name, file, old, new in one_file_edits(content):
        seconds = []
        for _ in range(runs):
            _toggle(file, old, new)
            seconds.append(_freeze(content, dest, cache))
        times.append((f"one file: {name}", seconds))
    return times


#: How often the watching export looks at the content in the benchmark (its default is 0.5 s).
WATCH_INTERVAL = 0.1


def watch_edit_times(
    content: Path, dest: Path, cache: Path, runs: int = 3
) -> tuple[list[tuple[str, list[float], list[float]]], float]:
    """Each kind of one-file edit ``runs`` times while `flask freeze --watch` keeps ``dest``
    current: the export's own time (as it prints it) and the time from the file's save to
    the watch's line saying the export is written (which adds the wait for its next look).
    Also the watching process's memory at the end, in MB."""
    env = {**os.environ, "VOTEBRIEF_CONTENT_DIR": str(content), "VOTEBRIEF_TODAY": TODAY,
           "VOTEBRIEF_EXPORT_CACHE_DIR": str(cache)}  # fmt: skip
    cmd = [PYTHON, "-m", "flask", "--app", "app", "freeze", "--dest", str(dest), "--watch",
           "--interval", str(WATCH_INTERVAL)]  # fmt: skip
    watcher = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    try:
        _exported(watcher)  # its first export: every file parsed, nothing or little to render
        times = []
        for name, file, old, new in one_file_edits(content):
            own, saved = [], []
            for _ in range(runs):
                time.sleep(0.5)  # a save some time after the last export, as an author makes it
                start = time.perf_counter()
                _toggle(file, old, new)
                line = _exported(watcher)
                saved.append(time.perf_counter() - start)
                own.append(float(re.search(r" in ([\d.]+) s$", line).group(1)))
            times.append((f"one file: {name}", own, saved))
        rss = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{watcher.pid}/status").read_text()).group(1)) / 1024
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.communicate(timeout=60)
    return times, rss


def _exported(watcher: subprocess.Popen, timeout: float = 300) -> str:
    """The watch's next line saying an export is written."""
    with selectors.DefaultSelector() as selector:
        selector.register(watcher.stdout, selectors.EVENT_READ)
        while selector.select(timeout):
            line = watcher.stdout.readline().decode().strip()
            if line.startswith("Exported "):
                return line
            if not line:
                break
    raise RuntimeError("the watching export ended or printed nothing in time")


HUGO_CONFIG = 'baseURL = "http://127.0.0.1:8000/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term"]\n'
HUGO_SINGLE = (
    "<!doctype html><html><head><title>{{ .Params.country }}</title></head><body>"
    "<h1>{{ .Params.country }}</h1><p>{{ .Params.summary }}</p>{{ .Content }}</body></html>\n"
)
HUGO_LIST = (
    "<!doctype html><html><head><title>{{ .Title }}</title></head><body><ul>{{ range .Pages }}"
    '<li><a href="{{ .RelPermalink }}">{{ .Params.country }}</a> {{ .Params.summary }}</li>'
    "{{ end }}</ul></body></html>\n"
)
# The same three outputs a briefing gets from the export: its page, a JSON document
# carrying the rendered body, and an iCalendar file with an event per election.
HUGO_OUTPUTS = '[outputs]\npage = ["HTML", "JSON", "Calendar"]\n'
HUGO_JSON = (
    '{{ dict "country" .Params.country "summary" .Params.summary "elections" .Params.elections '
    '"news" .Params.news "body_html" .Content | jsonify }}\n'
)
HUGO_ICS = (
    "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//bench//EN\n{{ range $i, $e := .Params.elections }}BEGIN:VEVENT\n"
    "UID:{{ $.File.BaseFileName }}-{{ $i }}@bench\nSUMMARY:{{ $.Params.country }}: {{ $e.kind }} election\n"
    'DTSTART;VALUE=DATE:{{ replace (string $e.date) "-" "" }}\nEND:VEVENT\n{{ end }}END:VCALENDAR\n'
)


def hugo_site(content: Path, work: Path, *, same_outputs: bool = False) -> Path | None:
    """A Hugo site of the same briefings: their pages, a list and its RSS; with ``same_outputs``,
    also each briefing's JSON and iCalendar file, as the export writes. None without Hugo."""
    if shutil.which("hugo") is None:
        return None
    site = work / ("hugo-same-outputs" if same_outputs else "hugo")
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG + (HUGO_OUTPUTS if same_outputs else ""))
    (layouts / "single.html").write_text(HUGO_SINGLE)
    (layouts / "list.html").write_text(HUGO_LIST)
    if same_outputs:
        (layouts / "single.json").write_text(HUGO_JSON)
        (layouts / "single.ics").write_text(HUGO_ICS)
    shutil.copytree(content / "countries", site / "content" / "countries")
    return site


def hugo_build(site: Path, run: int) -> float:
    """One full Hugo build, into a folder of its own.

    Nothing is deleted until every build is timed: on ext4, creating thousands of files soon
    after thousands were deleted is slower (the inode allocator skips recently freed
    inodes), which would charge one build for the clean-up of the one before.
    """
    start = time.perf_counter()
    subprocess.run(["hugo", "--quiet", "--destination", f"public-{run}"], cwd=site, check=True, capture_output=True)
    return time.perf_counter() - start


def full_builds(content: Path, work: Path, runs: int = 3) -> dict[str, list[float]]:
    """``runs`` rounds of: a full export (new folder, new cache, as a Hugo build has), then Hugo's
    two builds. Taken in turn, a drift in the machine's speed touches both sides alike."""
    sites = {
        "hugo, pages only": hugo_site(content, work),
        "hugo, same outputs": hugo_site(content, work, same_outputs=True),
    }
    times: dict[str, list[float]] = {"export": []}
    for run in range(runs):
        times["export"].append(_freeze(content, work / f"site-{run}", work / f"cache-{run}"))
        for name, site in sites.items():
            if site is not None:
                times.setdefault(name, []).append(hugo_build(site, run))
    return times


def _spread(seconds: list[float]) -> str:
    return f"median of {len(seconds)} {statistics.median(seconds):.2f} s ({', '.join(f'{s:.2f}' for s in seconds)})"


BASELINE = "baseline: Flask, same bytes, memory"


def paired_rounds(
    baseline_url: str, scenarios: list[tuple[str, str, list[str]]], seconds: int, connections: int, rounds: int = 3
) -> tuple[dict[str, Result], dict[str, list[float]]]:
    """The baseline and each of ``scenarios`` (name, URL, headers) measured in turn, ``rounds`` times.

    A ratio compares two measurements seconds apart, so a drift in the machine's speed
    touches both alike (measured once each, minutes apart, the 304 ratio moved by 0.2
    between runs). Returns the median run of each, by requests/s, and each round's ratio
    to that round's baseline.
    """
    runs: dict[str, list[Result]] = {}
    for _ in range(rounds):
        for name, url, headers in [(BASELINE, baseline_url, []), *scenarios]:
            runs.setdefault(name, []).append(wrk(name, url, seconds, connections, headers))
    medians = {name: sorted(results, key=lambda r: r.rps)[len(results) // 2] for name, results in runs.items()}
    ratios = {
        name: [r.rps / b.rps for r, b in zip(results, runs[BASELINE], strict=True)]
        for name, results in runs.items()
        if name != BASELINE
    }
    return medians, ratios


def table(results: list[Result], baseline: Result, ratios: dict[str, list[float]]) -> str:
    """One line a scenario; a scenario measured in rounds shows the median of its rounds' ratios."""
    lines = [f"{'scenario':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs baseline':>12}"]
    for r in results:
        ratio = statistics.median(ratios[r.name]) if r.name in ratios else r.rps / baseline.rps
        lines.append(f"{r.name:34} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d} {ratio:11.2f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="skip the 2,000-briefing start-up and export runs")
    args = parser.parse_args()
    assert shutil.which("wrk"), "wrk is required: apt-get install wrk"
    work = Path(tempfile.mkdtemp(prefix="votebrief-bench-"))
    small = generate(work / "content-200", 200)
    size = sum(f.stat().st_size for f in (small / "countries").iterdir()) / 200 / 1024
    print(f"corpus: 200 briefings, {size:.1f} KB each")

    site = start("app:app", {"VOTEBRIEF_CONTENT_DIR": str(small), "VOTEBRIEF_CHECK_INTERVAL": "1"})
    page_url = site.base + "/countries/country-0042/"
    page, headers = fetch(page_url)
    (work / "page.html").write_bytes(page)
    print(f"briefing page: {len(page) / 1024:.1f} KB of HTML")
    baseline_server = start("bench.baseline:app", {"BASELINE_PAGE": str(work / "page.html")})
    s, c = args.seconds, args.connections
    # The two ratios with targets are measured in rounds with the baseline; the rest once.
    paired = [
        ("cached briefing page", page_url, []),
        ("304 revalidation (If-None-Match)", page_url, [f"If-None-Match: {headers['ETag']}"]),
    ]
    medians, ratios = paired_rounds(baseline_server.base + "/", paired, max(1, s // 2), c)
    baseline_server.stop()

    baseline = medians[BASELINE]
    results = list(medians.values())
    results.append(wrk("calendar with filters", site.base + "/elections/?region=europe&kind=general", s, c))
    results.append(wrk("search", site.base + "/search?q=commission+reform", s, c))
    api = site.base + "/api/v1/briefings/country-0042.json"
    try:
        fetch(api)
        results.append(wrk("API JSON (one briefing)", api, s, c))
    except OSError:
        print("(no API endpoint yet: skipped)")
    site.stop()

    no_hot = {"VOTEBRIEF_HOT_CACHE_BYTES": "0"}
    miss = start("app:app", {"VOTEBRIEF_CONTENT_DIR": str(small), "VOTEBRIEF_CACHE_TYPE": "NullCache", **no_hot})
    results.append(wrk("cache miss (NullCache: full render)", miss.base + "/countries/country-0042/", s, c))
    miss.stop()

    redis_bin = shutil.which("redis-server")
    if redis_bin:
        port = free_port()
        redis_proc = subprocess.Popen(
            [redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.3)
        shared = start(
            "app:app",
            {
                "VOTEBRIEF_CONTENT_DIR": str(small),
                "VOTEBRIEF_CACHE_REDIS_URL": f"redis://127.0.0.1:{port}/0",
                **no_hot,
            },
        )
        fetch(shared.base + "/countries/country-0042/")
        results.append(wrk("cached briefing, Redis (no hot layer)", shared.base + "/countries/country-0042/", s, c))
        shared.stop()
        redis_proc.terminate()
    print()
    print(table(results, baseline, ratios))
    rounds_text = "; ".join(f"{name}: {', '.join(f'{r:.2f}' for r in each)}" for name, each in ratios.items())
    print(f"(3 rounds of {max(1, s // 2)} s, baseline first in each; ratio in each round: {rounds_text})")
    print()
    rounds = cold_render_rounds(small)
    parse = statistics.median(p for p, _, _ in rounds)
    render = statistics.median(r for _, r, _ in rounds)
    stock = statistics.median(m for _, _, m in rounds)
    print(
        f"cache-miss render of a briefing page (Markdown, template; no page cache), median of 3 rounds: "
        f"{render:.2f} ms ({', '.join(f'{r:.2f}' for _, r, _ in rounds)})"
    )
    print(f"parsing its file (front-matter validated, body kept): {parse:.2f} ms; both: {parse + render:.2f} ms")
    print(
        f"stock Python-Markdown, same bodies and extensions, median of 3 rounds: {stock:.2f} ms; "
        f"the cache-miss render is {render / stock:.2f}x that (each round: "
        f"{', '.join(f'{r / m:.2f}' for _, r, m in rounds)}; the issue's 4 ms and 6 ms make 1.50x)"
    )

    if not args.quick:
        large = generate(work / "content-2000", 2000)
        big = start("app:app", {"VOTEBRIEF_CONTENT_DIR": str(large)}, probe="/countries/country-1234/")
        print(f"2,000 briefings: start to first response (a briefing): {big.ready - big.started:.2f} s")
        start_home = time.perf_counter()
        fetch(big.base + "/")
        print(f"2,000 briefings: then the home page, first render: {time.perf_counter() - start_home:.2f} s")
        # Warm every page in both workers as browsers ask for it (gzip, so each worker keeps
        # the page and its compressed form), then read each worker's memory.
        for _ in range(2):
            for index in range(2000):
                fetch(f"{big.base}/countries/country-{index:04d}/", {"Accept-Encoding": "gzip"})
        rss = worker_rss_mb(big.process.pid)
        print(f"2,000 briefings, every page cached: worker RSS {', '.join(f'{m:.0f} MB' for m in rss)}")
        big.stop()
        # Every build writes into a new folder, and nothing is deleted until all are timed (see hugo_build).
        builds = full_builds(large, work / "export")
        full = builds.pop("export")
        print(f"export of 2,000 briefings, full export (new folder and cache): {_spread(full)}")
        last = len(full) - 1  # the edits are exported into the last full export's folder
        dest, cache = work / "export" / f"site-{last}", work / "export" / f"cache-{last}"
        edits = edit_times(large, dest, cache)
        for name, seconds in edits:
            print(f"export of 2,000 briefings, {name}: {_spread(seconds)}")
        watched, rss = watch_edit_times(large, dest, cache)
        for name, own, saved in watched:
            print(f"flask freeze --watch, 2,000 briefings, {name}: the export {_spread(own)}; "
                  f"save to written {_spread(saved)}")  # fmt: skip
        print(f"flask freeze --watch, 2,000 briefings: the watching process's memory after these edits {rss:.0f} MB")
        if not builds:
            print("(hugo not installed: no comparison; apt-get install hugo)")
        labels = {
            "hugo, pages only": "hugo full build, pages only",
            "hugo, same outputs": "hugo full build, each page with its JSON and iCalendar file as the export writes",
        }
        for name, seconds in builds.items():
            rounds = ", ".join(f"{e / h:.1f}" for e, h in zip(full, seconds, strict=True))
            ratio = statistics.median(full) / statistics.median(seconds)
            print(f"{labels[name]}: {_spread(seconds)}; full export / hugo: {ratio:.1f}x (each round: {rounds})")
        if "hugo, pages only" in builds:
            # The issue set "under 1 s" where Hugo built these pages in about 1.2 s, and asks
            # that a one-file export beat Hugo's full build: this ratio carries across machines.
            hugo = statistics.median(builds["hugo, pages only"])
            shares = ", ".join(f"{name[len('one file: ') :]} {statistics.median(s) / hugo:.2f}x" for name, s in edits)
            print(f"one-off one-file exports / hugo full build (pages only), medians: {shares}"
                  " (the issue's 1 s and 1.2 s make 0.83x)")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
