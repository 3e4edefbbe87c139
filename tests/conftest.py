"""Fixtures: a small content folder written inline into tmp_path, and an app pinned to a date."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from app import create_app

TODAY = dt.date(2026, 11, 24)

SITE_YAML = """\
name: TestBrief
tagline: Test briefings
description: Briefings used by the tests.
disclaimer: Links are not endorsements.
regions:
  - {name: Africa, slug: africa}
  - {name: Europe, slug: europe}
  - {name: Eurasia, slug: eurasia}
"""

KENYA = """\
---
country: Kenya
iso: KE
region: Africa
summary: Kenya holds a general election in August 2027.
facts:
  freedom_house: {status: Partly Free, score: 49, year: 2026}
  government: Presidential republic
  population: 55.8 million
elections:
  - kind: general
    date: 2027-08-10
    status: scheduled
  - kind: general
    date: 2022-08-09
    status: held
news:
  - author: Jane Doe
    outlet: The Standard
    date: 2025-10-20
    title: An older story
    url: https://example.org/older
  - outlet: Capital FM
    date: 2026-02-02
    title: A newer story
updated: 2026-11-20
---
## Political Context

Kenya's politics in a paragraph.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write(root / "site.yaml", SITE_YAML)
    write(root / "countries" / "kenya.md", KENYA)
    write(root / "pages" / "about.md", "---\ntitle: About\nnav: 1\n---\nAbout us.\n")
    return root


@pytest.fixture
def briefing_file(content: Path) -> Callable[[str, str], Path]:
    """Write a briefing into the fixture content folder."""

    def make(slug: str, text: str) -> Path:
        return write(content / "countries" / f"{slug}.md", text)

    return make


@pytest.fixture
def app(content: Path):
    return create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 0})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def shipped_app():
    """The app over the shipped content/ folder, pinned to the test date."""
    return create_app({"TESTING": True, "TODAY": TODAY, "CHECK_INTERVAL": 0})


@pytest.fixture(autouse=True)
def _export_cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`flask freeze` keeps rendered bodies in the project's instance/ folder; tests keep theirs apart."""
    monkeypatch.setenv("VOTEBRIEF_EXPORT_CACHE_DIR", str(tmp_path / "export-cache"))
