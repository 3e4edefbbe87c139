"""Full-text search over briefings with SQLite FTS5 (standard library sqlite3, in memory).

The index is rebuilt when the content fingerprint changes. It needs only front-matter
and plain words, never rendered HTML. The unicode61 tokenizer with diacritics removed
makes "Cote d'Ivoire" find "Côte d'Ivoire" and "Turkiye" find "Türkiye".
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from votebrief.model import Briefing

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
_OPEN, _CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
# Column weights for bm25: a match in the country name counts most, then the title and summary.
_WEIGHTS = (10.0, 6.0, 4.0, 3.0, 2.0, 1.0)
_COLUMNS = ("country", "title", "summary", "kinds", "links", "body")


class QueryError(ValueError):
    """A search query the site will not run; answered with 400."""


@dataclass(frozen=True, slots=True)
class Hit:
    slug: str
    country: str
    summary: str
    snippet: Markup


def markdown_words(text: str) -> str:
    """Plain words from Markdown, cheaply: link targets, markup characters and HTML tags dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[#*_`>|~\-]{1,}|\{:[^}]*\}", " ", text)
    return " ".join(text.split())


class SearchIndex:
    """One in-memory FTS5 table of the public briefings."""

    def __init__(self, briefings: Iterable[Briefing], titles: dict[str, str]) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, "
            + ", ".join(_COLUMNS)
            + ", tokenize = 'unicode61 remove_diacritics 2')"
        )
        rows = []
        for b in briefings:
            meta = b.meta
            kinds = " ".join(f"{e.kind.value} {e.label}" for e in meta.elections)
            links = " ".join(f"{n.title} {n.outlet}" for n in meta.news)
            rows.append(
                (b.slug, meta.country, titles.get(b.slug, ""), meta.summary, kinds, links, markdown_words(b.body))
            )
        self._db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def search(self, query: str, limit: int = 50) -> list[Hit]:
        match = to_match_expression(query)
        if match is None:
            return []
        sql = (
            "SELECT slug, country, summary, snippet(docs, -1, ?, ?, ' … ', 24) FROM docs "
            f"WHERE docs MATCH ? ORDER BY bm25(docs, 0, {', '.join(map(str, _WEIGHTS))}) LIMIT ?"
        )
        with self._lock:
            rows = self._db.execute(sql, (_OPEN, _CLOSE, match, limit)).fetchall()
        return [Hit(slug, country, summary, highlight(snippet)) for slug, country, summary, snippet in rows]


def to_match_expression(query: str) -> str | None:
    """The reader's words as a safe FTS5 expression: every word must match, the last as a prefix."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"the search is too long (at most {MAX_QUERY_LENGTH} characters)")
    words = _WORD.findall(query)[:MAX_TERMS]
    if not words:
        return None
    # Quoting each word keeps FTS5 operators (AND, NEAR, column:) in the input as plain text.
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def highlight(snippet: str) -> Markup:
    """Escape the snippet, then turn the match markers into <mark> elements."""
    return Markup(str(escape(snippet)).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))
