"""Settings as data: each has a name, a default and a help text, read from VOTEBRIEF_* variables.

Flask's prefixed-env convention: VOTEBRIEF_CHECK_INTERVAL=0 sets CHECK_INTERVAL to 0 (values
are read as JSON when they parse as JSON, as text otherwise). The README's settings table
is tested against this list, so a setting cannot exist undocumented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Flask

PREFIX = "VOTEBRIEF"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("CONTENT_DIR", "content", "Folder holding site.yaml, countries/ and pages/."),
    Setting("CHECK_INTERVAL", 1.0, "Seconds between checks of content files for changes; 0 checks on every request."),
    Setting(
        "TODAY", None, "Pin today's date (YYYY-MM-DD) for tests and reproducible exports; unset means the real date."
    ),
    Setting("SITE_URL", "http://127.0.0.1:8000", "Public base URL, used for canonical links, feeds and share links."),
    Setting("MAX_FILE_BYTES", 1_000_000, "Content files larger than this are refused with an error."),
    Setting("CACHE_TYPE", "SimpleCache", "Flask-Caching backend: SimpleCache, RedisCache or NullCache."),
    Setting(
        "CACHE_REDIS_URL", None, "Redis URL; when set, CACHE_TYPE defaults to RedisCache so all workers share pages."
    ),
    Setting(
        "CACHE_DEFAULT_TIMEOUT", 86_400, "Seconds a rendered page stays in the cache (keys change with content anyway)."
    ),
    Setting(
        "HOT_CACHE_BYTES",
        64_000_000,
        "Bytes of finished responses each worker keeps in memory to answer repeats before Flask runs.",
    ),
    Setting("HTTP_MAX_AGE", 60, "Cache-Control max-age, in seconds, for pages."),
    Setting(
        "STALE_WHILE_REVALIDATE",
        600,
        "Cache-Control stale-while-revalidate, in seconds, so a CDN can serve while it refreshes.",
    ),
    Setting(
        "PREVIEW_TOKEN", None, "Secret that lets ?preview=<token> show drafts; unset disables previews outside debug."
    ),
    Setting(
        "EXPORT_CACHE_DIR",
        "instance/export-cache",
        "Where `flask freeze` keeps what it rendered and read between exports (relative to the project); deletable.",
    ),
    Setting(
        "STALE_DAYS", 90, "A briefing not updated in this many days with an election within 90 days is reported stale."
    ),
)


def configure(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Defaults, then the environment, then the test config: the Flask tutorial's order."""
    app.config.from_mapping({s.name: s.default for s in SETTINGS})
    app.config.from_prefixed_env(PREFIX)
    if test_config:
        app.config.update(test_config)
    if app.config.get("CACHE_REDIS_URL") and app.config["CACHE_TYPE"] == "SimpleCache":
        app.config["CACHE_TYPE"] = "RedisCache"
    today = app.config["TODAY"]
    if isinstance(today, str):
        app.config["TODAY"] = dt.date.fromisoformat(today)
    app.config["SITE_URL"] = str(app.config["SITE_URL"]).rstrip("/")


def today(app: Flask) -> dt.date:
    return app.config["TODAY"] or dt.date.today()


def now(app: Flask) -> dt.datetime:
    """The current moment (UTC); with TODAY pinned, noon of that day, so exports are reproducible."""
    pinned = app.config["TODAY"]
    if pinned:
        return dt.datetime.combine(pinned, dt.time(12), tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)
