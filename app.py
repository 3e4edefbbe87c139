"""The application factory, and the WSGI object gunicorn serves (``gunicorn app:app``)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from votebrief import cli, settings, web


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder="templates", static_folder="static")
    settings.configure(app, test_config)
    web.init_app(app)
    cli.init_app(app)
    return app


app = create_app()
