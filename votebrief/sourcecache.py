"""What each content file held and what YAML read from it, kept between exports.

Reading the YAML is most of a briefing's parse; validating what it read is a sixth of it.
So ``flask freeze`` keeps each file's values and field lines under the digest of its
bytes, and an export after an edit reads the YAML of the edited file alone. Validation
still runs on every file, against the current site.yaml, so a cached read can never let
a briefing through that the models would now refuse.

It keeps each file's bytes too, under the file's identity: device, inode, size, and the
times of its last change to content (mtime) and to anything at all (ctime), as git's
index does. A file whose identity is unchanged is not read again (opening, reading and
hashing 2,000 files took 60 ms of an export after a one-file edit). No program can write
a file without moving its ctime, and a file changed within two seconds of being read is
not kept: a clock's tick could otherwise hide a second write.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import yaml

from votebrief.errors import Loc
from votebrief.model import without_page_only
from votebrief.source import RACY_NS, SourceFile, decode, read_source

FILE = "sources.sqlite3"


class _DataOnly(pickle.Unpickler):
    """Plain values only: an entry that names a class is refused, never imported or called."""

    def find_class(self, module: str, name: str) -> type:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


class _KeptLines(Mapping[Loc, int]):
    """A kept file's field lines, unpickled when first asked for.

    Only messages about a field need its line, and few files have any: unpickling the lines
    of 2,000 files took 20 ms of every export's start, most of a cached read.
    """

    __slots__ = ("_blob", "_lines")

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._lines: dict[Loc, int] | None = None

    def _loaded(self) -> dict[Loc, int]:
        if self._lines is None:
            try:
                self._lines = _DataOnly(io.BytesIO(self._blob)).load()
            except Exception:  # damaged since it was read: a message then names line 1 rather than fail
                self._lines = {}
            self._blob = b""
        return self._lines

    def __getitem__(self, loc: Loc) -> int:
        return self._loaded()[loc]

    def __contains__(self, loc: object) -> bool:
        return loc in self._loaded()

    def __iter__(self) -> Iterator[Loc]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


class SourceCache:
    """``read_source`` with its results kept in ``folder``, keyed by the file's digest and the code version.

    One SQLite row a file: after an edit, saving writes that file's row alone.
    """

    def __init__(self, folder: Path, code_version: str) -> None:
        self.path = folder / FILE
        # Python and PyYAML take part too: a different one may read the same bytes differently.
        self.version = f"{code_version}|{sys.version_info[:2]}|{yaml.__version__}"
        self.stored, self.files = self._load()
        self.new: dict[str, bytes] = {}
        #: Files read this time, by path: (identity, digest, bytes), to keep for the next export.
        self.new_files: dict[str, tuple[str, str, bytes]] = {}
        #: Paths whose kept bytes were used this time.
        self.reused: set[str] = set()
        #: How many files were read from the cache rather than parsed as YAML.
        self.hits = 0

    def _load(self) -> tuple[dict[str, bytes], dict[str, tuple[str, str, bytes]]]:
        if not self.path.is_file():
            return {}, {}
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=60)) as db:
                rows = db.execute("SELECT key, value FROM sources WHERE version = ?", (self.version,)).fetchall()
                files = db.execute("SELECT path, identity, digest, raw FROM files").fetchall()
        except sqlite3.Error:  # damaged, foreign or older: it is only a cache, so start afresh
            return {}, {}
        return dict(rows), {path: (identity, found, raw) for path, identity, found, raw in files}

    def known(self, path: str, info: os.stat_result) -> tuple[bytes, str] | None:
        """The bytes and digest of the file at ``path``, when it is exactly as an earlier export read it."""
        found = self.files.get(path)
        if found is None or found[0] != _identity(info):
            return None
        self.reused.add(path)
        return found[2], found[1]

    def read_file(self, path: str, info: os.stat_result, raw: bytes, found: str) -> None:
        """Note the bytes just read from ``path`` (``info`` its stat before reading, ``found`` their digest)."""
        if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) >= RACY_NS:
            self.new_files[path] = (_identity(info), found, raw)

    def read(self, raw: bytes, path: str, key: str, *, for_lists: bool = False) -> SourceFile:
        """The file read from ``raw``, whose digest is ``key``.

        ``for_lists``: the values without what only the briefing's own page shows, when kept.
        """
        found = self._entry(key)
        if found is not None:
            self.hits += 1
            data_json, lists_json, lines_blob, first_line, body_length = found
            lines = _KeptLines(lines_blob)
            # The body is not kept (the cache stays a tenth of the size) but cut from the text
            # again: it is the text's end, as long as when these bytes were first read. Splitting
            # the text afresh took twice as long (0.08 s for 2,000 files).
            text, _ = decode(raw, path)
            body = text[len(text) - body_length :]
            if for_lists and lists_json != data_json:
                return SourceFile(None, lines, body, first_line, data_json=lists_json, for_lists=True)
            return SourceFile(None, lines, body, first_line, data_json=data_json)
        source = read_source(raw, path)
        # Warnings name the file's path; the few files that have them are simply read again.
        if not source.warnings:
            lines = pickle.dumps(source.lines, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                # The values YAML read are JSON's kinds of values (text, numbers, booleans, null,
                # lists, mappings). Validating that JSON is as exact and saves unpickling them.
                data_json = json.dumps(source.data, ensure_ascii=False, allow_nan=False)
                # What the lists can show: validating it alone takes half the time.
                lists = without_page_only(source.data)
                lists_json = json.dumps(lists, ensure_ascii=False) if lists != source.data else data_json
            except ValueError:  # a value JSON cannot hold: read the file's YAML again next time
                return source
            entry = (data_json, lists_json, lines, source.first_line, len(source.body))
            self.new[key] = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        return source

    def _entry(self, key: str) -> tuple | None:
        blob = self.stored.get(key) or self.new.get(key)
        if blob is None:
            return None
        try:
            data, lists, lines, first_line, body_length = _DataOnly(io.BytesIO(blob)).load()
        except Exception:  # a damaged row (or one of an older layout) is read again from the file
            return None
        if not isinstance(data, str) or not isinstance(lists, str) or not isinstance(lines, bytes):
            return None
        return data, lists, lines, first_line, body_length

    def save(self, keep: Iterable[str]) -> None:
        """Write the new entries and drop those of files not in ``keep`` (gone or changed).

        Kept bytes go for every file not read this time (gone, or read again)."""
        wanted = set(keep)
        stale = [key for key in self.stored if key not in wanted]
        fresh = [(key, self.version, blob) for key, blob in self.new.items() if key in wanted]
        gone = [path for path in self.files if path not in self.reused and path not in self.new_files]
        files = [(path, *record) for path, record in self.new_files.items()]
        if not fresh and not stale and not gone and not files:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(self.path, timeout=60)) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS sources (key TEXT PRIMARY KEY, version TEXT, value BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, identity TEXT, digest TEXT, raw BLOB)")
            db.executemany("INSERT OR REPLACE INTO sources (key, version, value) VALUES (?, ?, ?)", fresh)
            db.executemany("DELETE FROM sources WHERE key = ?", ((key,) for key in stale))
            db.execute("DELETE FROM sources WHERE version != ?", (self.version,))
            db.executemany("DELETE FROM files WHERE path = ?", ((path,) for path in gone))
            db.executemany("INSERT OR REPLACE INTO files (path, identity, digest, raw) VALUES (?, ?, ?, ?)", files)
        for key in stale:
            del self.stored[key]
        self.stored.update((key, blob) for key, _, blob in fresh)
        self.new.clear()
        for path in gone:
            del self.files[path]
        self.files.update(self.new_files)
        self.reused.update(self.new_files)
        self.new_files.clear()


def _identity(info: os.stat_result) -> str:
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
