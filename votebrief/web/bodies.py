"""Rendered Markdown bodies for the static export, kept by what they are made from.

A briefing's body appears in its page, its JSON and up to a few feeds; the export renders
it once. With a folder, bodies outlive the export, so the next one renders only bodies
that changed, even when a feed or a page around them must be rendered again. The key is
the Markdown text and the code version, so a stale entry can never be found.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


class BodyCache:
    """HTML by Markdown text: in memory for this process, and on disk when given a folder."""

    def __init__(self, folder: Path | None, code_version: str) -> None:
        self.folder = folder
        self.code_version = code_version
        self.memo: dict[str, str] = {}
        self.rendered = 0

    def html(self, markdown: str, render: Callable[[], str]) -> str:
        key = hashlib.blake2b(f"{self.code_version}\n{markdown}".encode(), digest_size=16).hexdigest()
        found = self.memo.get(key)
        if found is not None:
            return found
        file = self.folder / key[:2] / f"{key}.html" if self.folder else None
        if file is not None:
            try:
                found = self.memo[key] = file.read_text(encoding="utf-8")
                return found
            except FileNotFoundError:
                pass
        html = self.memo[key] = render()
        self.rendered += 1
        if file is not None:
            _write_atomically(file, html)
        return html


def _write_atomically(file: Path, text: str) -> None:
    # Workers render in parallel and an export may be stopped: a reader sees a whole file or none.
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, file)
