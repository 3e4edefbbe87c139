"""When a briefing has no ``updated`` field, date it from its last commit in git.

The date a reader sees must be honest. A file's mtime is not: a fresh clone, a deploy or
a ``touch`` resets it. The last commit that changed the file is, so when the content
folder is inside a git checkout with history, ``git log -1 --format=%cs -- <file>`` gives
the date. Git runs once per version of a file (the answer is kept by the file's digest),
when the loader parses it, never per request.

A shallow clone (the default in CI checkouts and many PaaS builds) has no history: every
file would appear to change in the one commit it has. There the date is not used, and
the briefing carries a warning that ``flask content check`` reports.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import subprocess
import threading
from pathlib import Path

from votebrief.errors import ContentError, Severity
from votebrief.model import Briefing

log = logging.getLogger("votebrief.gitdates")

#: Seconds to wait for git; a hung git must not hang a worker.
GIT_TIMEOUT = 10

SHALLOW_MESSAGE = (
    "is missing, and the git history here is shallow (a shallow clone), so the file's last commit date "
    'cannot be trusted; add "updated: YYYY-MM-DD" or fetch the full history (git fetch --unshallow)'
)


class GitDates:
    """Last-commit dates of content files, each looked up once per file version; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dates: dict[tuple[Path, str], dt.date | None] = {}
        #: Per folder: None when not in a git checkout, else whether the clone is shallow.
        self._shallow: dict[Path, bool | None] = {}
        #: How many times git was run, so tests can prove it is not run per request.
        self.git_runs = 0

    def dated(self, briefing: Briefing, file: Path) -> Briefing:
        """The briefing with ``updated_from_git`` set when it has no ``updated`` of its own."""
        if briefing.meta.updated is not None:
            return briefing
        shallow = self._is_shallow(file.parent)
        if shallow is None:
            return briefing
        if shallow:
            warning = ContentError(briefing.path, 2, "updated", SHALLOW_MESSAGE, Severity.WARNING)
            return dataclasses.replace(briefing, warnings=(*briefing.warnings, warning))
        return dataclasses.replace(briefing, updated_from_git=self.last_commit_date(file, briefing.digest))

    def last_commit_date(self, file: Path, digest: str) -> dt.date | None:
        """The committer date of the last commit that changed ``file``; None when it was never committed."""
        key = (file, digest)
        with self._lock:
            if key in self._dates:
                return self._dates[key]
        output = self._git(file.parent, "log", "-1", "--format=%cs", "--", file.name)
        try:
            found = dt.date.fromisoformat(output.strip()) if output else None
        except ValueError:
            found = None
        with self._lock:
            self._dates[key] = found
        return found

    def _is_shallow(self, folder: Path) -> bool | None:
        with self._lock:
            if folder in self._shallow:
                return self._shallow[folder]
        output = self._git(folder, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
        answers = output.split() if output else []
        shallow = None if answers[:1] != ["true"] else answers[1:2] == ["true"]
        if shallow:
            log.warning(
                "%s is in a shallow git clone: briefings without an updated field show no date; "
                "fetch the full history (git fetch --unshallow) or add updated: YYYY-MM-DD",
                folder,
            )
        with self._lock:
            self._shallow[folder] = shallow
        return shallow

    def _git(self, folder: Path, *args: str) -> str | None:
        # Git hooks export GIT_DIR and friends; the repository wanted is the one holding the folder.
        env = {k: v for k, v in os.environ.items() if k not in {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"}}
        self.git_runs += 1
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args],
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT,
                env=env,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:  # no git installed, or it hung
            log.debug("git %s failed: %s", " ".join(args), exc)
            return None
        return done.stdout if done.returncode == 0 else None
