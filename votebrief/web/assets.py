"""Static files under a content-hashed URL, served by WhiteNoise as immutable.

The URL prefix carries a hash of every file in static/, so a browser or CDN may keep an
asset forever: any change to any asset yields new URLs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

from votebrief.web.headers import security_headers

ONE_YEAR = 365 * 24 * 3600


def static_version(folder: Path) -> str:
    digest = hashlib.blake2b(digest_size=5)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def static_url_path(folder: Path) -> str:
    return f"/static/{static_version(folder)}"


def init_app(app: Flask) -> None:
    assert app.static_folder and app.static_url_path
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=app.static_folder,
        prefix=app.static_url_path,
        max_age=ONE_YEAR,
        immutable_file_test=lambda path, url: True,
        add_headers_function=_secure_static,
    )


def _secure_static(headers, path: str, url: str) -> None:
    # WhiteNoise answers before Flask, so Flask's after_request never sees these responses.
    for name, value in security_headers(secure=False):
        headers[name] = value
