"""Error pages that help the reader back, and never show a traceback outside debug."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("votebrief.web")

TITLES = {
    400: "Bad request",
    404: "Page not found",
    405: "Method not allowed",
    414: "Address too long",
    500: "Something went wrong",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _http_error(error: HTTPException):
    code = error.code or 500
    if request.path.startswith("/api/"):
        # The exception's own headers matter (Allow on a 405); its HTML Content-Type does not.
        kept = [(name, value) for name, value in error.get_headers() if name != "Content-Type"]
        return {"error": {"status": code, "message": error.description}}, code, kept
    body = render_template("error.html", code=code, title=TITLES.get(code, error.name), message=error.description)
    response = error.get_response()
    response.set_data(body)
    response.mimetype = "text/html"
    return response


def _unexpected(error: Exception):
    log.exception("unhandled error on %s", request.path)
    return _http_error(InternalServerError())
