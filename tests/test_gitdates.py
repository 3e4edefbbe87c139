"""Honest "Updated" dates: the front-matter's, else the file's last commit in git, never its mtime."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import KENYA, SITE_YAML, TODAY, write

from app import create_app

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

UNDATED = KENYA.replace("updated: 2026-11-20\n", "")


def git(repo: Path, *args: str, date: str = "2026-03-04T10:00:00+00:00") -> str:
    # Isolated from the machine's git config (signing, hooks, templates) and any hook's GIT_DIR.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Author",
        "GIT_AUTHOR_EMAIL": "author@example.org",
        "GIT_COMMITTER_NAME": "Author",
        "GIT_COMMITTER_EMAIL": "author@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def commit_all(repo: Path, date: str) -> None:
    git(repo, "add", "-A", date=date)
    git(repo, "commit", "-q", "-m", f"content as of {date}", date=date)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A site checkout: content/ inside a git repository with one commit, on March 4, 2026."""
    root = tmp_path / "site"
    write(root / "content" / "site.yaml", SITE_YAML)
    write(root / "content" / "countries" / "kenya.md", UNDATED)
    git(root, "init", "-q")
    commit_all(root, "2026-03-04T10:00:00+00:00")
    return root


def make_app(content: Path):
    return create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})


def test_a_briefing_without_updated_is_dated_by_its_last_commit(repo):
    app = make_app(repo / "content")
    kenya = app.extensions["votebrief.store"].snapshot().briefings["kenya"]
    assert kenya.meta.updated is None
    assert kenya.updated_on == dt.date(2026, 3, 4)
    html = app.test_client().get("/countries/kenya/").get_data(as_text=True)
    assert 'Updated <time datetime="2026-03-04">March 4, 2026</time>' in html


def test_the_front_matter_updated_wins_and_git_never_runs(repo):
    write(repo / "content" / "countries" / "kenya.md", KENYA)
    commit_all(repo, "2026-05-05T10:00:00+00:00")
    app = make_app(repo / "content")
    store = app.extensions["votebrief.store"]
    assert store.snapshot().briefings["kenya"].updated_on == dt.date(2026, 11, 20)
    assert store.git_dates.git_runs == 0


def test_git_runs_once_per_file_version_not_per_request(repo):
    app = make_app(repo / "content")
    store, client = app.extensions["votebrief.store"], app.test_client()
    for _ in range(3):
        assert client.get("/countries/kenya/").status_code == 200
        client.get("/")
    # One question about the checkout, one about the file.
    assert store.git_dates.git_runs == 2

    path = repo / "content" / "countries" / "kenya.md"
    os.utime(path, ns=(path.stat().st_mtime_ns + 5_000_000_000,) * 2)  # touched, bytes unchanged
    client.get("/countries/kenya/")
    assert store.git_dates.git_runs == 2

    write(path, UNDATED.replace("Kenya's politics", "Kenya's politics, revised,"))
    commit_all(repo, "2026-06-07T10:00:00+00:00")
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert "June 7, 2026" in html
    assert store.git_dates.git_runs == 3


def test_the_recently_updated_list_uses_the_git_date(repo):
    html = make_app(repo / "content").test_client().get("/").get_data(as_text=True)
    assert "updated March 4, 2026" in html


def test_outside_a_git_checkout_there_is_no_date_and_never_the_mtime(content, briefing_file):
    briefing_file("kenya", UNDATED)
    app = make_app(content)
    assert app.extensions["votebrief.store"].snapshot().briefings["kenya"].updated_on is None
    html = app.test_client().get("/countries/kenya/").get_data(as_text=True)
    assert "Updated" not in html


def test_a_file_never_committed_has_no_date(repo):
    write(repo / "content" / "countries" / "ghana.md", UNDATED.replace("iso: KE", "iso: GH"))
    app = make_app(repo / "content")
    assert app.extensions["votebrief.store"].snapshot().briefings["ghana"].updated_on is None


def test_a_shallow_clone_gives_no_date_and_a_warning(repo, tmp_path, caplog):
    write(repo / "content" / "countries" / "kenya.md", UNDATED + "\nMore.\n")
    commit_all(repo, "2026-08-01T10:00:00+00:00")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(clone))
    with caplog.at_level(logging.WARNING, logger="votebrief.gitdates"):
        app = make_app(clone / "content")
        result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert (
        "content/countries/kenya.md:2: updated: warning: is missing, and the git history here is shallow "
        "(a shallow clone), so the file's last commit date cannot be trusted; "
        'add "updated: YYYY-MM-DD" or fetch the full history (git fetch --unshallow)'
    ) in result.output
    assert "shallow git clone" in caplog.text
    assert app.extensions["votebrief.store"].snapshot().briefings["kenya"].updated_on is None
