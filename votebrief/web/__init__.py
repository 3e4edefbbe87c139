"""The web layer: thin blueprints over the content store and the view data."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, current_app

from votebrief import seatchart
from votebrief.loader import ContentStore
from votebrief.web import api, assets, errors, feeds, headers, meta, pagecache, rendercache, site


def init_app(app: Flask) -> None:
    content_dir = Path(app.config["CONTENT_DIR"])
    if not content_dir.is_absolute():
        content_dir = Path(app.root_path) / content_dir
    app.extensions["votebrief.store"] = ContentStore(
        content_dir,
        check_interval=float(app.config["CHECK_INTERVAL"]),
        max_bytes=int(app.config["MAX_FILE_BYTES"]),
        warm_in_background=not app.testing,
    )
    app.after_request(_warm_after_first_response)
    pagecache.init_app(app)
    rendercache.init_app(app)  # rows() in templates, kept by the export
    headers.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    meta.init_app(app)  # briefing_jsonld(view, url, image) in templates
    seatchart.init_app(app)  # seat_chart(results) in templates


def _warm_after_first_response(response: Response) -> Response:
    store: ContentStore = current_app.extensions["votebrief.store"]
    if store.warm_in_background and not store.warm_started:
        response.call_on_close(store.warm)
    return response
