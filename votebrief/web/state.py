"""The request's view of the world: the content snapshot, today's date and the current moment."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from votebrief import settings
from votebrief.loader import ContentStore, Snapshot


def store() -> ContentStore:
    return current_app.extensions["votebrief.store"]


def snapshot() -> Snapshot:
    return store().snapshot()


def current_today() -> dt.date:
    return settings.today(current_app)


def current_now() -> dt.datetime:
    return settings.now(current_app)
