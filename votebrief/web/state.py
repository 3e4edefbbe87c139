"""The request's view of the world: the content snapshot, today's date and the current moment.

Each is looked up once per request and kept in its WSGI environ: a page, its cache key and
its ETag must all describe one version of the content. Looked up afresh on each call, a
check of the disk partway through a slow render (a worker's first, compiling templates)
could find an edit, and the page rendered from the old content would be kept under the
new version's key, and served as current until the next edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_request_context, request

from votebrief import settings
from votebrief.loader import ContentStore, Snapshot

T = TypeVar("T")


def store() -> ContentStore:
    return current_app.extensions["votebrief.store"]


def snapshot() -> Snapshot:
    return _once_per_request("votebrief.snapshot", lambda: store().snapshot())


def current_today() -> dt.date:
    return _once_per_request("votebrief.today", lambda: settings.today(current_app))


def current_now() -> dt.datetime:
    return _once_per_request("votebrief.now", lambda: settings.now(current_app))


def _once_per_request(name: str, look: Callable[[], T]) -> T:
    if not has_request_context():
        return look()  # a CLI command or the watch's look between exports: no request to keep consistent
    environ = request.environ
    found = environ.get(name)
    if found is None:
        found = environ[name] = look()
    return found
