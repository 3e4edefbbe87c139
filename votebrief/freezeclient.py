"""The client ``flask freeze`` requests its outputs with: Flask's test client, less what tests need.

Frozen-Flask asks the app for every URL through ``app.test_client()``. For each request the
test client builds a WSGI environment from scratch, looks up and stores cookies and keeps
contexts for assertions: 0.12 ms a request that an export has no use for, 0.7 s of work
for the 6,000 outputs of 2,000 briefings. This client copies one environment made for the
site's address and sets the path; anything but a plain GET goes the test client's way.
"""

from __future__ import annotations

import io
import re
import sys
from functools import lru_cache
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, TestResponse, run_wsgi_app
from werkzeug.wrappers import Request

# The paths the export writes: no query, no escapes, nothing a WSGI environment would encode.
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_PLAIN_OPTIONS = {"base_url", "follow_redirects", "method"}


class ExportClient(FlaskClient):
    """A test client whose GET of a plain path costs half as much; the responses are the same."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        path = args[0] if len(args) == 1 else None
        plain = (
            isinstance(path, str)
            and _PLAIN_PATH.fullmatch(path) is not None
            and kwargs.keys() <= _PLAIN_OPTIONS
            and kwargs.get("method", "GET") == "GET"
        )
        if not plain:
            return super().open(*args, **kwargs)
        environ = self.environ_for(path, kwargs.get("base_url"))
        app_iter, status, headers = run_wsgi_app(self.application, environ, buffered=True)
        response = self.response_wrapper(app_iter, status, headers, Request(environ))
        if kwargs.get("follow_redirects") and response.status_code in {301, 302, 303, 307, 308}:
            response.close()
            return super().open(*args, **kwargs)  # the test client follows redirects
        response.json_module = self.application.json  # type: ignore[assignment]
        return response

    def environ_for(self, path: str, base_url: str | None) -> dict[str, Any]:
        """The environment the test client would build for a GET of ``path``."""
        environ = dict(_environ_template(base_url, tuple(sorted(self.environ_base.items()))))
        environ["PATH_INFO"] = environ["REQUEST_URI"] = environ["RAW_URI"] = path
        # Fresh each time, as the test client's: a body stream is read once, and stderr may be
        # replaced meanwhile (pytest does, for each test).
        environ["wsgi.input"], environ["wsgi.errors"] = io.BytesIO(), sys.stderr
        return environ


# Frozen-Flask makes a client for every URL: the template outlives them.
@lru_cache(maxsize=8)
def _environ_template(base_url: str | None, environ_base: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return EnvironBuilder("/", base_url=base_url, environ_base=dict(environ_base)).get_environ()
