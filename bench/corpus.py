"""A synthetic content folder of realistic briefings (about 14 KB each), for benchmarks only.

Each briefing has the front-matter of a real one (several elections, a dozen curated
links) and a Markdown body of headed sections, lists, links and a table. There are
fewer than 250 countries, so a 2,000-briefing site uses ISO 3166-2 subdivision codes
(as briefings on sub-national votes would), each code once.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ["Africa", "Americas", "Asia-Pacific", "Europe", "Eurasia"]
WORDS = [
    "election",
    "commission",
    "parliament",
    "president",
    "coalition",
    "opposition",
    "turnout",
    "ballot",
    "campaign",
    "reform",
    "constitution",
    "court",
    "observers",
    "districts",
    "seats",
    "party",
    "alliance",
    "runoff",
    "mandate",
    "assembly",
    "governor",
    "minister",
    "budget",
    "economy",
    "inflation",
    "protest",
    "security",
    "media",
    "freedom",
    "corruption",
    "candidates",
    "voters",
]


def sentence(rng: random.Random, n: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(12, 22)) for _ in range(rng.randint(4, 6)))


def body(rng: random.Random, target: int = 10_700) -> str:
    parts: list[str] = []
    section = 0
    while sum(len(p) for p in parts) < target:
        section += 1
        parts.append(f"## Section {section}: {sentence(rng, 4)[:-1]}")
        parts.append(paragraph(rng))
        parts.append(f"See [the commission's notice](https://example.org/notice/{section}) and *{sentence(rng, 5)}*")
        parts.append("\n".join(f"- {sentence(rng, 10)}" for _ in range(4)))
        if section % 3 == 0:
            rows = "\n".join(f"| {rng.choice(WORDS)} | {rng.randint(1, 200)} |" for _ in range(5))
            parts.append(f"| Party | Seats |\n|---|---|\n{rows}")
        parts.append(paragraph(rng))
    return "\n\n".join(parts) + "\n"


def briefing(index: int, rng: random.Random, country: str, iso: str) -> str:
    year = 2027 + index % 3
    news = "\n".join(
        f"  - author: Reporter {n}\n    outlet: Outlet {n}\n    date: 2026-{1 + n % 12:02d}-{1 + n:02d}\n"
        f"    title: {sentence(rng, 8)[:-1]}\n    url: https://example.org/news/{index}/{n}"
        for n in range(6)
    )
    return f"""---
country: {country}
iso: {iso}
region: {REGIONS[index % len(REGIONS)]}
summary: {sentence(rng, 24)}
facts:
  freedom_house: {{status: {["Free", "Partly Free", "Not Free"][index % 3]}, score: {index % 100}, year: 2026}}
  government: Presidential republic
  population: {1 + index % 90}.{index % 10} million
elections:
  - kind: general
    date: {year}-{1 + index % 12:02d}-{1 + index % 28:02d}
    status: scheduled
    note: {sentence(rng, 14)}
  - kind: presidential
    date: {year + 1}-{1 + index % 12:02d}
    status: due
  - kind: legislative
    date: 2022-{1 + index % 12:02d}-{1 + index % 28:02d}
    status: held
    results:
      turnout: {40 + index % 50}.5
      seats: [{{party: A, seats: 60}}, {{party: B, seats: 40}}, {{party: C, seats: 20}}]
news:
{news}
updated: 2026-{1 + index % 11:02d}-{1 + index % 28:02d}
---
{body(rng)}"""


def generate(dest: Path, count: int, seed: int = 1) -> Path:
    """Write ``count`` briefings (plus site.yaml and pages) into ``dest``; return it."""
    rng = random.Random(seed)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "countries").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "site.yaml", dest / "site.yaml")
    shutil.copytree(ROOT / "content" / "pages", dest / "pages")
    codes = sorted(s.code for s in pycountry.subdivisions)
    assert count <= len(codes), f"at most {len(codes)} briefings"
    for index in range(count):
        text = briefing(index, rng, f"Country {index:04d}", codes[index])
        (dest / "countries" / f"country-{index:04d}.md").write_text(text)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    generate(args.dest, args.count)
    print(f"wrote {args.count} briefings to {args.dest}")


if __name__ == "__main__":
    main()
