"""The application factory, and the WSGI object gunicorn serves (``gunicorn app:app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from votebrief import cli, export, settings, web
from votebrief.web import assets

ROOT = Path(__file__).resolve().parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path=assets.static_url_path(ROOT / "static"),
    )
    settings.configure(app, test_config)
    web.init_app(app)
    cli.init_app(app)
    export.init_app(app)  # flask freeze
    return app


app = create_app()
