"""What YAML read from each content file, kept between exports by the bytes it was read from.

Reading the YAML is most of a briefing's parse; validating what it read is a sixth of it.
So ``flask freeze`` keeps each file's values and field lines under the digest of its
bytes, and an export after an edit reads the YAML of the edited file alone. Validation
still runs on every file, against the current site.yaml, so a cached read can never let
a briefing through that the models would now refuse.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import yaml

from votebrief.source import SourceFile, read_source, split_source

FILE = "sources.pickle"


class _DataOnly(pickle.Unpickler):
    """Plain values only: a cache file that names a class is refused, never imported or called."""

    def find_class(self, module: str, name: str) -> type:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


class SourceCache:
    """``read_source`` with its results kept in ``folder``, keyed by the file's digest and the code version."""

    def __init__(self, folder: Path, code_version: str) -> None:
        self.path = folder / FILE
        # Python and PyYAML take part too: a different one may read the same bytes differently.
        self.version = f"{code_version}|{sys.version_info[:2]}|{yaml.__version__}"
        self.entries = self._load()
        self.changed = False
        #: How many files were read from the cache rather than parsed as YAML.
        self.hits = 0

    def _load(self) -> dict[str, tuple]:
        # Hundreds of thousands of small objects and no cycles: the collector's passes over
        # them would double the time (0.13 s against 0.06 s for 2,000 briefings).
        collecting = gc.isenabled()
        gc.disable()
        try:
            with self.path.open("rb") as file:
                version, entries = _DataOnly(file).load()
        except Exception:  # missing, truncated or foreign: it is only a cache, so start afresh
            return {}
        finally:
            if collecting:
                gc.enable()
        return entries if version == self.version and isinstance(entries, dict) else {}

    def read(self, raw: bytes, path: str, key: str) -> SourceFile:
        """The file read from ``raw``, whose digest is ``key``."""
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            data, lines, first_line = found
            # The body is split off again rather than kept: that is quick, and the cache stays a
            # tenth of the size, which is what loading and saving it costs.
            _, body, _ = split_source(raw, path)
            return SourceFile(data, lines, body, first_line)
        source = read_source(raw, path)
        # Warnings name the file's path; the few files that have them are simply read again.
        if not source.warnings:
            self.entries[key] = (source.data, source.lines, source.first_line)
            self.changed = True
        return source

    def save(self, keep: Iterable[str]) -> None:
        """Write the entries of the files in ``keep`` (the others are gone or changed), if anything changed."""
        wanted = set(keep)
        entries = {key: value for key, value in self.entries.items() if key in wanted}
        if not self.changed and len(entries) == len(self.entries):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed over the old file: an export stopped midway leaves the old cache whole.
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".sources-")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump((self.version, entries), file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.entries, self.changed = entries, False
