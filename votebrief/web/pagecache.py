"""Rendered pages in Flask-Caching, keyed by the content fingerprint, with ETags and 304s.

A key names the content version, the day and the request, so an edit simply makes new
keys: nothing is ever deleted, and workers or instances sharing a Redis cache agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_caching import Cache

from votebrief.web.state import current_today, snapshot

cache = Cache()


def init_app(app: Flask) -> None:
    app.config.setdefault("CACHE_THRESHOLD", 20_000)
    app.config.setdefault("CACHE_KEY_PREFIX", "votebrief:")
    cache.init_app(app)


def version_key() -> str:
    return f"{snapshot().fingerprint}:{current_today().isoformat()}"


def request_key() -> str:
    args = "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)))
    return f"{request.path}?{args}"


def cached_response(render: Callable[[], str], mimetype: str = "text/html") -> Response:
    """Serve a page from the cache, answering a matching If-None-Match with 304 before rendering."""
    key = f"page:{version_key()}:{request_key()}"
    etag = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        body = cache.get(key)
        if body is None:
            body = render()
            cache.set(key, body)
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    max_age = int(current_app.config["HTTP_MAX_AGE"])
    swr = int(current_app.config["STALE_WHILE_REVALIDATE"])
    response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={swr}"
    return response


def cached_fragment(key: str, render: Callable[[], str]) -> str:
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value)
    return value
