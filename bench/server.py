"""The real gunicorn on a free loopback port, started as the Procfile starts it.

One launcher for the benchmark, the load run and the tests that need a real server.
Each caller decides the environment the server sees (the tests keep their own VOTEBRIEF_*
settings out of it; the benchmark passes its own on).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    #: time.perf_counter() when gunicorn was launched, and when the probe was first answered.
    started: float
    ready: float
    errors: IO[bytes] | None = None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)
        if self.errors is not None:
            self.errors.close()


def start(
    env: Mapping[str, str],
    *,
    app: str = "app:app",
    workers: int = 2,
    probe: str = "/",
    log: Path | None = None,
    port: int | None = None,
    timeout: float = 60,
) -> Server:
    """Start gunicorn with ``gunicorn.conf.py`` and return once ``probe`` gets any HTTP answer.

    ``env`` is the whole environment of the server. The access log is dropped (at thousands
    of requests a second it is noise); errors go to ``log`` when given.
    """
    port = port or free_port()
    environ = {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    cmd = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", app]
    errors = log.open("wb") if log else None
    started = time.perf_counter()
    process = subprocess.Popen(
        cmd, cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=errors or subprocess.DEVNULL
    )
    server = Server(process, f"http://127.0.0.1:{port}", started, started, errors)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(server.base + probe, timeout=30) as response:
                response.read()
            break
        except urllib.error.HTTPError:
            break  # an error page is an answer too: a worker is up
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                detail = log.read_text() if log else f"exit code {process.poll()}"
                raise RuntimeError(f"gunicorn ({app}) did not start on {server.base}: {detail}") from None
            time.sleep(0.02)
    server.ready = time.perf_counter()
    return server


@contextmanager
def running(env: Mapping[str, str], **options: object) -> Iterator[Server]:
    """``start`` as a context: the server is stopped however the block ends."""
    server = start(env, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
