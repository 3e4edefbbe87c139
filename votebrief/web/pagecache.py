"""Rendered pages in Flask-Caching, keyed by the content fingerprint, with ETags, 304s and gzip.

A key names the content version, the day and the request, so an edit simply makes new
keys: nothing is ever deleted, and workers or instances sharing a Redis cache agree.

In front of Flask sits ``HotPages``, a per-process map from the exact request (path,
query, gzip or not, scheme) to the finished response. A repeat request costs one dict
lookup and the store's throttled freshness check: no routing, no Markdown, YAML or Jinja.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gzip
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from flask_caching import Cache
from werkzeug.http import http_date, parse_etags

from votebrief import settings
from votebrief.loader import ContentStore, Snapshot
from votebrief.web import state
from votebrief.web.headers import security_headers
from votebrief.web.state import current_today, snapshot

# Pages only: the export keeps the rows of lists itself (votebrief.web.rendercache).
cache = Cache(with_jinja2_ext=False)
#: Present in app.extensions while `flask freeze` renders (votebrief.web.rendercache.EXTENSION).
EXPORTING = "votebrief.rendered"
log = logging.getLogger("votebrief.cache")

#: Bodies smaller than this are sent as they are: gzip would save too little to matter.
GZIP_MIN_BYTES = 1024
#: Level 5 makes a briefing page 0.7% larger than level 6 in two-thirds of the time (0.20 against 0.30 ms).
GZIP_LEVEL = 5


def init_app(app: Flask) -> None:
    app.config.setdefault("CACHE_THRESHOLD", 20_000)
    app.config.setdefault("CACHE_KEY_PREFIX", "votebrief:")
    cache.init_app(app)
    # Pages also change when the code or templates change: a deploy must not get 304s for old pages.
    roots = [Path(app.root_path) / "templates", Path(__file__).resolve().parent.parent]
    files = sorted(f for root in roots for f in root.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    app.extensions["votebrief.code_modified"] = max((f.stat().st_mtime for f in files), default=0.0)
    # Cache keys name the code and the assets too: a shared Redis cache outlives a deploy,
    # and a page rendered by older templates (or linking older asset URLs) must not be reused.
    code = hashlib.blake2b(digest_size=6)
    for f in files:
        code.update(f.read_bytes())
    code.update(str(app.static_url_path).encode())
    app.extensions["votebrief.code_version"] = code.hexdigest()
    hot = HotPages(
        app.wsgi_app,
        app.extensions["votebrief.store"],
        lambda: settings.today(app),
        app.config["HOT_CACHE_BYTES"],
        lambda: settings.now(app),
        enabled=lambda: not app.debug,
    )
    app.extensions["votebrief.hot"] = hot
    app.wsgi_app = hot  # type: ignore[method-assign]


@dataclass(frozen=True, slots=True)
class HotEntry:
    version: tuple[str, dt.date, int]
    etag: str
    last_modified: str
    headers: list[tuple[str, str]]
    headers_304: list[tuple[str, str]]
    body: bytes

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'


class HotPages:
    """WSGI middleware: answers repeat GET/HEAD requests for cached pages before Flask runs."""

    def __init__(
        self,
        app: Callable,
        store: ContentStore,
        today_fn: Callable[[], dt.date],
        max_bytes: int,
        now_fn: Callable[[], dt.datetime],
        *,
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.store = store
        self.today = today_fn
        self.now = now_fn
        self.max_bytes = int(max_bytes)
        self.entries: dict[tuple, HotEntry] = {}
        #: Rendered pages by cache key, when no shared cache is configured (see _hot_layer_suffices).
        #: Each is (plain, gzip): either may be None until a client asks for that form.
        self.pages: dict[str, tuple[bytes | None, bytes | None]] = {}
        self.size = 0
        self.version: tuple[str, dt.date, int] | None = None

    @staticmethod
    def key(environ: dict) -> tuple:
        accept = environ.get("HTTP_ACCEPT_ENCODING", "")
        # "gzip;q=0" refuses gzip; such rare headers simply miss the hot path.
        gzip_ok = "gzip" in accept and "q=" not in accept
        # ProxyFix runs first, so wsgi.url_scheme already says what the trusted proxy saw.
        return (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), gzip_ok, environ.get("wsgi.url_scheme"))

    def current_version(self) -> tuple[str, dt.date, int]:
        snap = self.store.snapshot()
        version = (snap.fingerprint, self.today(), published_epoch(snap, self.now()))
        if version != self.version:
            # Entries of an older version can never match again: drop them all at once.
            self._clear()
            self.version = version
        return version

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (method == "GET" or method == "HEAD") and self.entries and self.enabled():
            entry = self.entries.get(self.key(environ))
            if entry is not None and entry.version == self.current_version():
                if_none_match = environ.get("HTTP_IF_NONE_MATCH")
                if if_none_match is not None:
                    # A client sends back the very ETag it was given: compare before parsing the header.
                    if if_none_match == entry.quoted_etag or parse_etags(if_none_match).contains_weak(entry.etag):
                        start_response("304 Not Modified", entry.headers_304)
                        return []
                elif environ.get("HTTP_IF_MODIFIED_SINCE") == entry.last_modified:
                    start_response("304 Not Modified", entry.headers_304)
                    return []
                start_response("200 OK", entry.headers)
                return [] if method == "HEAD" else [entry.body]
        return self.app(environ, start_response)

    def keep_page(self, key: str, page: tuple[bytes | None, bytes | None], version: tuple[str, dt.date, int]) -> None:
        """Keep a rendered page (plain, gzip or both) under its cache key, within the byte budget."""
        size = len(page[0] or b"") + len(page[1] or b"")
        if self.max_bytes <= 0 or version != self.current_version():
            return
        previous = self.pages.get(key)
        if previous is not None:  # the same page again, now with its gzip form
            self.size -= len(previous[0] or b"") + len(previous[1] or b"")
        if self.size + size > self.max_bytes:
            self._clear()
        self.pages[key] = page
        self.size += size

    def _clear(self) -> None:
        self.entries.clear()
        self.pages.clear()
        self.size = 0

    def remember(self, environ: dict, entry: HotEntry) -> None:
        if self.max_bytes <= 0 or entry.version != self.current_version():
            return
        if self.size > self.max_bytes:
            self._clear()
        # The body is the very bytes object kept in ``pages`` (or the shared cache's copy):
        # counted once there, so only the headers add here.
        self.entries[self.key(environ)] = entry
        self.size += 512


def published_epoch(snap: Snapshot, moment: dt.datetime) -> int:
    """How many scheduled publications have happened: pages change when this does."""
    return bisect.bisect_right(snap.briefings.publish_moments, moment)


def current_version() -> tuple[str, dt.date, int]:
    snap = snapshot()
    return (snap.fingerprint, current_today(), published_epoch(snap, state.current_now()))


def version_key() -> str:
    fingerprint, day, epoch = current_version()
    return f"{fingerprint}:{day.isoformat()}:{epoch}:{current_app.extensions['votebrief.code_version']}"


def request_key(vary_args: Iterable[str]) -> str:
    """The path plus only the query parameters the page depends on, so junk parameters share a key."""
    names = set(vary_args)
    args = "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)) if k in names)
    return f"{request.path}?{args}"


def last_modified() -> dt.datetime:
    """The newest of: any content file, the code, and the start of today (dates move with the day)."""
    day = current_today()
    start_of_day = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    newest = max(snapshot().modified, current_app.extensions["votebrief.code_modified"], start_of_day)
    return dt.datetime.fromtimestamp(int(newest), dt.UTC)


def cached_response(render: Callable[[], str], mimetype: str = "text/html", vary_args: Iterable[str] = ()) -> Response:
    """Serve a page from the cache; answer a matching If-None-Match/If-Modified-Since with 304 before rendering.

    ``vary_args`` names the query parameters the page reads; the others do not make a new page.
    """
    key = f"page:{version_key()}:{request_key(vary_args)}"
    etag = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    modified = last_modified()
    max_age = int(current_app.config["HTTP_MAX_AGE"])
    swr = int(current_app.config["STALE_WHILE_REVALIDATE"])
    common = [
        ("Cache-Control", f"public, max-age={max_age}, stale-while-revalidate={swr}"),
        ("Last-Modified", http_date(modified)),
        ("Vary", "Accept-Encoding"),
        *security_headers(request.is_secure),
    ]
    if _not_modified(etag, modified):
        return Response(status=304, headers=[("ETag", f'"{etag}"'), *common])
    # In debug an author expects every reload to render afresh (and to see content problems).
    hot: HotPages = current_app.extensions["votebrief.hot"]
    local = _hot_layer_suffices()
    entry = None if current_app.debug else (hot.pages.get(key) if local else _get(key))
    fresh = entry is None
    body, zipped = (render().encode(), None) if entry is None else entry
    accepts_gzip = "gzip" in request.accept_encodings
    if accepts_gzip and zipped is None and body is not None and len(body) >= GZIP_MIN_BYTES:
        # Compressed when a client first accepts gzip, not at render time: the export and
        # clients that never ask for gzip do not pay for it (0.2 ms a briefing page). A page
        # first asked for by a gzip client (a browser) is kept compressed only: a quarter of the bytes.
        zipped = gzip.compress(body, GZIP_LEVEL, mtime=0)
        entry, fresh = ((None if fresh else body), zipped), True
    elif not accepts_gzip and body is None:
        body = gzip.decompress(zipped)  # the rarer client that refuses gzip
        entry, fresh = (body, zipped), True
    elif fresh:
        entry = (body, None)
    # The static export writes each page to a file once: keeping it in memory as well would
    # only cost (the hot layer filled and emptied over and over: a tenth of the system time).
    keep = not current_app.debug and EXPORTING not in current_app.extensions
    if fresh and keep:
        if local:
            hot.keep_page(key, entry, current_version())
        else:
            _set(key, entry)
    headers = [("Content-Type", f"{mimetype}; charset=utf-8" if mimetype.startswith("text/") else mimetype)]
    if accepts_gzip and zipped is not None:
        # Each content-coding is its own representation, so it gets its own strong ETag.
        body, etag = zipped, etag + "-gz"
        headers.append(("Content-Encoding", "gzip"))
    tag = ("ETag", f'"{etag}"')
    headers += [tag, ("Content-Length", str(len(body))), *common]
    if keep:
        version = current_version()
        hot.remember(request.environ, HotEntry(version, etag, http_date(modified), headers, [tag, *common], body))
    return Response(body, headers=headers)


def _hot_layer_suffices() -> bool:
    """With an in-process cache, the hot layer already keeps the finished page: a second copy
    in SimpleCache would only double each worker's memory. A shared cache (Redis) is still
    filled, since that is how the other workers and instances get the page."""
    hot: HotPages = current_app.extensions["votebrief.hot"]
    return hot.max_bytes > 0 and current_app.config["CACHE_TYPE"] in {"SimpleCache", "simple", "NullCache", "null"}


def _not_modified(etag: str, modified: dt.datetime) -> bool:
    # If-None-Match wins when both are sent (RFC 9110, 13.2.2).
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag) or request.if_none_match.contains_weak(etag + "-gz")
    since = request.if_modified_since
    return since is not None and modified <= since


def cached_fragment(key: str, render: Callable[[], str]) -> str:
    """A piece of a page (a rendered body) cached under ``key`` and the code version."""
    if _hot_layer_suffices():
        # In-process only: the finished pages are kept, and a body is rendered again only
        # when its page is; keeping the fragments too would cost more memory than it saves time.
        return render()
    key = f"{key}:{current_app.extensions['votebrief.code_version']}"
    value = _get(key)
    if value is None:
        value = render()
        _set(key, value)
    return value


# A shared cache (Redis) that is down must slow the site, not break it: render without it.
def _get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unavailable; rendering without it", exc_info=True)
        return None


def _set(key: str, value: Any) -> None:
    try:
        cache.set(key, value)
    except Exception:
        log.warning("cache unavailable; not storing %s", key, exc_info=True)
