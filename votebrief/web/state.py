"""The request's view of the world: the content snapshot, today's date and the current moment."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from votebrief.loader import ContentStore, Snapshot
from votebrief.settings import today


def store() -> ContentStore:
    return current_app.extensions["votebrief.store"]


def snapshot() -> Snapshot:
    return store().snapshot()


def current_today() -> dt.date:
    return today(current_app)


def current_now() -> dt.datetime:
    pinned = current_app.config["TODAY"]
    if pinned:
        return dt.datetime.combine(pinned, dt.time(12), tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)
