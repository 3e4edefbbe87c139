"""Rendered Markdown bodies for the static export, kept by what they are made from.

A briefing's body appears in its page, its JSON and up to a few feeds; the export renders
it once. With a folder, bodies outlive the export in one SQLite file, so the next export
renders only bodies that changed, even when a feed or a page around them must be
rendered again. The key is the Markdown text and the code version, so a stale entry can
never be found. One file, not a file per body: creating 2,000 small files cost the
export more than a second.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

DATABASE = "bodies.sqlite3"
#: When the cache holds this many times more bodies than the site has, the oldest go.
KEEP_FACTOR = 3


class BodyCache:
    """HTML by Markdown text: in memory for this process, and in ``folder`` when given one.

    Safe across fork: each process opens its own connection. New bodies are written in one
    transaction by ``flush``.
    """

    def __init__(self, folder: Path | None, code_version: str) -> None:
        self.folder = folder
        self.code_version = code_version
        self.memo: dict[str, str] = {}
        self.pending: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def html(self, markdown: str, render: Callable[[], str]) -> str:
        key = hashlib.blake2b(f"{self.code_version}\n{markdown}".encode(), digest_size=16).hexdigest()
        found = self.memo.get(key)
        if found is not None:
            return found
        db = self._connection()
        row = db.execute("SELECT html FROM bodies WHERE key = ?", (key,)).fetchone() if db else None
        if row is not None:
            found = self.memo[key] = row[0]
            return found
        html = self.memo[key] = self.pending[key] = render()
        return html

    def flush(self) -> None:
        """Write the bodies rendered since the last flush."""
        db = self._connection()
        if db is not None and self.pending:
            with db:
                db.executemany("INSERT OR REPLACE INTO bodies (key, html) VALUES (?, ?)", self.pending.items())
        self.pending.clear()

    def prune(self, wanted: int) -> None:
        """Keep the cache bounded: past KEEP_FACTOR times ``wanted`` bodies, drop the oldest."""
        db = self._connection()
        if db is None:
            return
        (count,) = db.execute("SELECT count(*) FROM bodies").fetchone()
        if count > KEEP_FACTOR * wanted:
            with db:
                db.execute(
                    "DELETE FROM bodies WHERE rowid IN (SELECT rowid FROM bodies ORDER BY rowid LIMIT ?)",
                    (count - wanted,),
                )

    def _connection(self) -> sqlite3.Connection | None:
        if self.folder is None:
            return None
        if self._db is None or self._pid != os.getpid():
            # A connection must not cross a fork: a forked worker opens its own.
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.folder / DATABASE, timeout=60)
            self._db.execute("CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
            self._pid = os.getpid()
        return self._db

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None
