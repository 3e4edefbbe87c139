"""Servers the tests start for real: gunicorn as the Procfile runs it, on a free loopback port."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.server import ROOT, free_port, running

__all__ = ["ROOT", "TODAY", "free_port", "get", "gunicorn"]

TODAY = "2026-11-24"


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    """Status and text of a GET; an HTTP error is an answer too, not an exception."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def gunicorn(content: Path | None, *, log: Path | None = None, port: int | None = None, **env: str) -> Iterator[str]:
    """Start gunicorn (two workers, today pinned) and yield its base URL once a worker answers.

    ``content`` None serves the shipped content; VOTEBRIEF_* variables of the test run are
    not passed on, so the server sees exactly the settings given here.
    """
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VOTEBRIEF_")}
    environ |= {"VOTEBRIEF_TODAY": TODAY, **env}
    if content is not None:
        environ["VOTEBRIEF_CONTENT_DIR"] = str(content)
    with running(environ, log=log, port=port, timeout=20) as server:
        yield server.base
