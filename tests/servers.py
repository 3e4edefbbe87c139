"""Servers the tests start for real: gunicorn as the Procfile runs it, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-24"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = port or free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VOTEBRIEF_")}
    environ |= {"PORT": str(port), "WEB_CONCURRENCY": "2", "VOTEBRIEF_TODAY": TODAY, **env}
    if content is not None:
        environ["VOTEBRIEF_CONTENT_DIR"] = str(content)
    cmd = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "app:app"]
    errors = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                get(base + "/", timeout=2)
                break  # any HTTP answer means a worker is up
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    detail = log.read_text() if log else f"exit code {process.poll()}"
                    raise RuntimeError(f"gunicorn did not start on {base}: {detail}") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        if log:
            errors.close()
