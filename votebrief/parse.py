"""Turn a content file's bytes into a validated Briefing, Page or SiteConfig, or exact errors."""

from __future__ import annotations

import hashlib
import re
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from votebrief.errors import ContentFileError, Loc, pydantic_problems
from votebrief.model import Briefing, FrontMatter, Page, PageMeta, SiteConfig
from votebrief.source import SourceFile, decode, read_source

if TYPE_CHECKING:
    from votebrief.sourcecache import SourceCache

M = TypeVar("M", bound=BaseModel)


def digest(raw: bytes) -> str:
    """A file's identity for caches and the export's manifest: the first 128 bits of its SHA-256.

    SHA-256 rather than BLAKE2: processors with SHA extensions hash a 14 KB file in half the
    time (17 against 33 ms for 2,000 briefings), and every export hashes every file.
    """
    return hashlib.sha256(raw).hexdigest()[:32]


# python-frontmatter's fence, on bytes: it matches a subset of the lines the str pattern does.
_FENCE = re.compile(rb"^-{3,}\s*$", re.MULTILINE)


def front_matter_end(raw: bytes) -> int:
    """Where a file's front-matter block ends (after its closing fence), found without parsing.

    Never earlier than the parser's split: when in doubt (no fences, a BOM, CRLF line
    ends), the whole file counts as front-matter. So an edit after this offset is an
    edit of the Markdown body alone.
    """
    if b"\r" in raw:
        return len(raw)
    first = _FENCE.match(raw)
    if first is None:
        return len(raw)
    # The closing fence is the first later line the pattern matches, and it can only match
    # a line starting "---": trying those lines alone finds what a search would, at a
    # fraction of the cost (this runs for every file at start-up and every export).
    start = first.end()
    while (line := raw.find(b"\n---", start) + 1) > 0:
        second = _FENCE.match(raw, line)
        if second is not None:
            return second.end()
        start = line
    return len(raw)


def front_matter_digest(raw: bytes) -> str:
    return digest(raw[: front_matter_end(raw)])


def parse_briefing(
    raw: bytes,
    path: str,
    slug: str,
    regions: Sequence[str] = (),
    sources: SourceCache | None = None,
    *,
    whole: str | None = None,
    front: str | None = None,
    for_lists: bool = False,
) -> Briefing:
    """``sources``, when given, keeps what YAML read between exports (see votebrief.sourcecache).

    ``whole`` and ``front`` are the digests of ``raw`` and of its front-matter, when the
    caller has them already (hashing 2,000 files takes 40 ms). ``for_lists``: validate only
    what the lists can show, when the kept values allow (``Briefing.for_lists``); only for
    a file known to be valid as a whole, since what is left out is not checked.
    """
    whole = whole or digest(raw)
    source = sources.read(raw, path, whole, for_lists=for_lists) if sources else read_source(raw, path)
    meta = _validate(FrontMatter, source, path, {"regions": list(regions)})
    return Briefing(
        slug, path, meta, source.body, source.first_line, whole, source.warnings, source.lines,
        front_digest=front or front_matter_digest(raw), for_lists=source.for_lists,
    )  # fmt: skip


def parse_page(raw: bytes, path: str, slug: str) -> Page:
    source = read_source(raw, path)
    return Page(slug, path, _validate(PageMeta, source, path), source.body, digest(raw))


def parse_site_config(raw: bytes, path: str) -> SiteConfig:
    """content/site.yaml is plain YAML (no front-matter fences)."""
    text, _ = decode(raw, path)
    wrapped = f"---\n{text}\n---\n".encode()
    source = read_source(wrapped, path)
    # The wrapper adds one line ('---') above the file's first line.
    lines = {loc: line - 1 for loc, line in source.lines.items()}
    return _validate(SiteConfig, SourceFile(source.data, lines, "", 0), path)


def _validate(model: type[M], source: SourceFile, path: str, context: dict | None = None) -> M:
    try:
        if source.data_json is not None:
            return model.model_validate_json(source.data_json, context=context)
        return model.model_validate(source.data, context=context)
    except ValidationError as exc:
        raise ContentFileError(
            pydantic_problems(exc, path=path, lines=source.lines, default_line=2, fields_at=fields_by_location(model))
        ) from None


def fields_by_location(model: type[BaseModel], loc: Loc = ()) -> dict[Loc, list[str]]:
    """Every model's field names, keyed by where the model sits in the front-matter (list indexes dropped)."""
    table: dict[Loc, list[str]] = {loc: list(model.model_fields)}
    for name, info in model.model_fields.items():
        for candidate in _models_in(info.annotation):
            table.update(fields_by_location(candidate, (*loc, name)))
    return table


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found
