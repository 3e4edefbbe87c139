"""What the static export has rendered, kept by what it was made from: bodies and fragments.

A briefing's body appears in its page, its JSON and up to a few feeds; an election appears
as a row in the calendar, its year, its region and the home page, and as an event in two
iCalendar files. The export renders each once. With a folder, they outlive the export in
one SQLite file, so an export after an edit renders only what the edit changed, even when
every list around them must be written again. Keys name everything a piece is made from
and the code version, so a stale entry can never be found. One file, not a file per
piece: creating 2,000 small files cost the export more than a second.

Only the export keeps pieces: a server keeps whole pages (votebrief.web.pagecache), and
thousands of fragments per worker would cost more memory than they save time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app, request
from markupsafe import Markup

from votebrief.web import pagecache

DATABASE = "rendered.sqlite3"
#: When the cache holds this many times more bodies than the site has, the oldest go.
KEEP_FACTOR = 3
#: Fragments read one at a time before the rest are loaded at once.
READ_ONE_BY_ONE = 64
#: Keys asked for in one query (SQLite allows 32,766 parameters; fewer keep each query quick).
ABSORB_BATCH = 500
EXTENSION = pagecache.EXPORTING

if TYPE_CHECKING:
    from jinja2.runtime import Macro


class Row(Protocol):
    @property
    def cache_key(self) -> str: ...


class RenderCache:
    """HTML by what it is made from: in memory for this process, and in ``folder`` when given one.

    Safe across fork: each process opens its own connection. New entries are written in one
    transaction by ``flush``.
    """

    def __init__(self, folder: Path | None, code_version: str, scope: str = "") -> None:
        """``scope`` is what every fragment depends on beyond its key: where the site lives."""
        self.folder = folder
        self.code_version = code_version
        self.scope = scope
        self.memo: dict[str, str] = {}
        self.pending: dict[str, str] = {}
        self.fragments: dict[str, str] | None = None
        self.pending_fragments: dict[str, str] = {}
        self.pending_wholes: dict[str, str] = {}
        #: The fragment keys this process used, so the parent can drop the ones no export needs.
        self.used: set[str] = set()
        #: Fragments read from the file one at a time, before all of them are loaded at once.
        self.single_reads = 0
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def start_export(self) -> None:
        """Begin another export with this cache (a resident process's): nothing used yet, no body in memory."""
        self.used = set()
        self.memo.clear()  # bodies are read from the file again, so a long watch does not grow

    def load(self) -> None:
        """Read every kept fragment now, for forked workers to inherit rather than each read them."""
        self._fragments()

    def absorb(self, keys: Iterable[str]) -> None:
        """Read those of ``keys`` that other processes (the export's workers) saved since ``load``."""
        db = self._connection()
        if self.fragments is None or db is None:
            return
        missing = [key for key in keys if key not in self.fragments]
        for start in range(0, len(missing), ABSORB_BATCH):
            batch = missing[start : start + ABSORB_BATCH]
            marks = ",".join("?" * len(batch))
            self.fragments.update(db.execute(f"SELECT key, html FROM fragments WHERE key IN ({marks})", batch))

    def html(self, markdown: str, render: Callable[[], str]) -> str:
        """A Markdown body's HTML, rendered by ``render`` only if no export has rendered this text."""
        key = self._hash(markdown)
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

    def fragment(self, key: str, render: Callable[[], str]) -> str:
        """A piece of an output, named by ``key`` (which must name all it is made from)."""
        found = self.get(key)
        if found is None:
            found = render()
            self.set(key, found)
        return found

    def get(self, key: str) -> str | None:
        hashed = self._hash(f"{self.scope}|{key}")
        self.used.add(hashed)
        if self.fragments is None and self.single_reads < READ_ONE_BY_ONE:
            # A few outputs (after a body edit: a page, its calendar and JSON) want a few
            # pieces: reading those alone spares loading all of them (40 ms for 2,000 briefings).
            self.single_reads += 1
            found = self.pending_fragments.get(hashed)
            if found is None and (db := self._connection()) is not None:
                row = db.execute("SELECT html FROM fragments WHERE key = ?", (hashed,)).fetchone()
                found = row[0] if row else None
            return found
        return self._fragments().get(hashed)

    def set(self, key: str, value: str) -> None:
        hashed = self._hash(f"{self.scope}|{key}")
        self.pending_fragments[hashed] = str(value)
        if self.fragments is not None:
            self.fragments[hashed] = self.pending_fragments[hashed]

    def whole(self, key: str, render: Callable[[], str]) -> str:
        """A large piece named by ``key``, made of a whole list (a feed, the sitemap, a map): read
        alone, never with the fragments every list loads at once (six feeds with their bodies
        weigh more than all the rows of all the lists)."""
        hashed = self._hash(f"{self.scope}|{key}")
        self.used.add(hashed)
        found = self.pending_wholes.get(hashed)
        if found is None and (db := self._connection()) is not None:
            row = db.execute("SELECT html FROM wholes WHERE key = ?", (hashed,)).fetchone()
            found = row[0] if row else None
        if found is None:
            found = self.pending_wholes[hashed] = str(render())
        return found

    def _fragments(self) -> dict[str, str]:
        if self.fragments is None:
            # Lists want pieces by the thousand (every row of every list): read them in one query.
            db = self._connection()
            self.fragments = dict(db.execute("SELECT key, html FROM fragments")) if db else {}
            self.fragments.update(self.pending_fragments)  # set meanwhile, not saved yet
        return self.fragments

    def _hash(self, text: str) -> str:
        return hashlib.blake2b(f"{self.code_version}\n{text}".encode(), digest_size=16).hexdigest()

    def flush(self) -> None:
        """Write what was rendered since the last flush."""
        db = self._connection()
        if db is not None and (self.pending or self.pending_fragments or self.pending_wholes):
            with db:
                db.executemany("INSERT OR REPLACE INTO bodies (key, html) VALUES (?, ?)", self.pending.items())
                db.executemany(
                    "INSERT OR REPLACE INTO fragments (key, html) VALUES (?, ?)", self.pending_fragments.items()
                )
                db.executemany("INSERT OR REPLACE INTO wholes (key, html) VALUES (?, ?)", self.pending_wholes.items())
        self.pending.clear()
        self.pending_fragments.clear()
        self.pending_wholes.clear()

    def prune(self, wanted: int, used_fragments: Iterable[str] | None = None) -> None:
        """Keep the cache bounded.

        Past KEEP_FACTOR times ``wanted`` bodies, the oldest go. ``used_fragments`` is given
        when the export rendered the lists (which use nearly every fragment); past KEEP_FACTOR
        times as many fragments, only those are kept: the others belong to versions of the
        content that are gone. (Pruning at every export cost each one 35 ms for 2,000 briefings.)
        """
        db = self._connection()
        if db is None:
            return
        (count,) = db.execute("SELECT count(*) FROM bodies").fetchone()
        (pieces,) = db.execute("SELECT (SELECT count(*) FROM fragments) + (SELECT count(*) FROM wholes)").fetchone()
        with db:
            if count > KEEP_FACTOR * wanted:
                db.execute(
                    "DELETE FROM bodies WHERE rowid IN (SELECT rowid FROM bodies ORDER BY rowid LIMIT ?)",
                    (count - wanted,),
                )
            if used_fragments is not None and pieces > KEEP_FACTOR * len(used_fragments):
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                db.execute("DELETE FROM used")
                db.executemany("INSERT OR IGNORE INTO used (key) VALUES (?)", ((key,) for key in used_fragments))
                db.execute("DELETE FROM fragments WHERE key NOT IN (SELECT key FROM used)")
                db.execute("DELETE FROM wholes WHERE key NOT IN (SELECT key FROM used)")
                if self.fragments is not None:  # a resident process's copy follows the file
                    self.fragments = {key: html for key, html in self.fragments.items() if key in used_fragments}

    def _connection(self) -> sqlite3.Connection | None:
        if self.folder is None:
            return None
        if self._db is None or self._pid != os.getpid():
            # A connection must not cross a fork: a forked worker opens its own.
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.folder / DATABASE, timeout=60)
            self._db.execute("CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS fragments (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS wholes (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
            self._pid = os.getpid()
        return self._db

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None


def fragment(key: str, render: Callable[[], str]) -> str:
    """``render()``, kept by the export's cache under ``key``; outside an export, simply rendered."""
    cache: RenderCache | None = current_app.extensions.get(EXTENSION)
    return render() if cache is None else cache.fragment(key, render)


def whole(kind: str, made_of: object, render: Callable[[], str]) -> str:
    """``render()``, kept by the export's cache as one large piece (RenderCache.whole) under
    ``kind`` and the repr of ``made_of``, the values it is drawn from. Outside an export it is
    simply rendered: no key is spelled out for values that can run to thousands of items."""
    cache: RenderCache | None = current_app.extensions.get(EXTENSION)
    return render() if cache is None else cache.whole(f"{kind}|{made_of!r}", render)


def scope() -> str:
    """Where the site lives, which links in a fragment depend on and the content does not say."""
    return f"{current_app.config['SITE_URL']}|{request.script_root}"


def rows(macro: Macro, items: Iterable[Row], **options: object) -> Markup:
    """``macro(item, **options)`` for each item, joined: the rows of a list, as templates write them.

    In an export each row is kept by the item's ``cache_key``, which names all the row is
    made from, so an election's row is rendered once for the calendar, its year, its region
    and the home page. One call a list, not a template tag a row: a list of 4,000 rows spent
    more on the tag's machinery than on joining the rows it kept.
    """
    cache: RenderCache | None = current_app.extensions.get(EXTENSION)
    if cache is None:
        return Markup("").join(macro(item, **options) for item in items)
    kind = "|".join([macro.name, *(f"{name}={value}" for name, value in sorted(options.items()))])
    return Markup(
        "".join(
            cache.fragment(f"row|{kind}|{item.cache_key}", lambda item=item: macro(item, **options)) for item in items
        )
    )


def init_app(app: Flask) -> None:
    app.add_template_global(rows)
