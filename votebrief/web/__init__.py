"""The web layer: thin blueprints over the content store and the view data."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from votebrief.loader import ContentStore
from votebrief.web import errors, headers, pagecache, site


def init_app(app: Flask) -> None:
    content_dir = Path(app.config["CONTENT_DIR"])
    if not content_dir.is_absolute():
        content_dir = Path(app.root_path) / content_dir
    app.extensions["votebrief.store"] = ContentStore(
        content_dir, check_interval=float(app.config["CHECK_INTERVAL"]), max_bytes=int(app.config["MAX_FILE_BYTES"])
    )
    pagecache.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    app.register_blueprint(site.bp)
