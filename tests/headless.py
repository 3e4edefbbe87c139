"""Content for the tests of the headless outputs (API, feeds, calendars, sitemap, export).

Beside conftest's Kenya (an exact date, Africa, updated 2026-11-20): a month-only date and a
range (France), a deadline alone and a postponed vote (Spain), an overdue vote and a
year-only date with no ``updated`` (Kazakhstan), a draft (Gabon) and a briefing scheduled
for later publication (Ghana). Written with conftest's ``write``, small and obvious.
"""

from __future__ import annotations

from pathlib import Path

from conftest import write

FRANCE = """\
---
country: France
iso: FR
region: Europe
summary: France elects a president in April 2027.
facts:
  freedom_house: Free
elections:
  - kind: presidential
    date: 2027-04
    status: due
  - kind: legislative
    date: {start: 2027-06-13, end: 2027-06-20}
    status: tentative
updated: 2026-10-01
---
## Political Context

France in a paragraph.
"""

SPAIN = """\
---
country: Spain
iso: ES
region: Europe
summary: Spain votes by August 2027 at the latest.
facts:
  freedom_house: Free
elections:
  - kind: general
    by: 2027-08-22
    status: due
  - kind: local
    date: 2027-01-15
    status: postponed
updated: 2026-09-15
---
Spain in a paragraph.
"""

KAZAKHSTAN = """\
---
country: Kazakhstan
iso: KZ
region: Eurasia
summary: Kazakhstan's briefing predates its legislative vote.
facts:
  freedom_house: Not Free
elections:
  - kind: legislative
    date: 2021-01-10
    status: scheduled
  - kind: presidential
    date: 2029
    status: due
---
Kazakhstan in a paragraph.
"""

GABON_DRAFT = """\
---
country: Gabon
iso: GA
region: Africa
summary: A draft nobody may see yet.
facts:
  freedom_house: Not Free
elections:
  - kind: presidential
    date: 2027-03-01
    status: scheduled
updated: 2026-11-23
draft: true
---
Secret draft body.
"""

GHANA_LATER = """\
---
country: Ghana
iso: GH
region: Africa
summary: Published on New Year's Day.
elections:
  - kind: general
    date: 2028-12-07
    status: scheduled
updated: 2026-11-22
publish_at: 2027-01-01T09:00
---
Not yet.
"""

#: Slugs and country names that must never appear in any output before publication.
HIDDEN = {"gabon": "Gabon", "ghana": "Ghana"}


def add_briefings(content: Path) -> None:
    for slug, text in {
        "france": FRANCE,
        "spain": SPAIN,
        "kazakhstan": KAZAKHSTAN,
        "gabon": GABON_DRAFT,
        "ghana": GHANA_LATER,
    }.items():
        write(content / "countries" / f"{slug}.md", text)
