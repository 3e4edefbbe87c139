"""Read one content file: split off the front-matter and parse its YAML strictly, keeping line numbers.

PyYAML's defaults surprise authors: ``NO`` becomes false, ``20:00`` becomes 1200, ``012``
becomes 10 and dates become ``datetime.date``. The loader here reads YAML the way an
author means it: only ``true``/``false`` are booleans, only plain decimals are numbers,
and everything else (dates included) stays text for the schema to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

from votebrief.errors import ContentError, ContentFileError, Loc, Severity, field_name

BOM = "\ufeff"


class AuthorLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like scalars and no silent type changes."""


AuthorLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag
        not in {
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:timestamp",
        }
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
AuthorLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
AuthorLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
AuthorLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+$"), list("-+0123456789")
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A content file's parts: the front-matter as data, where each field is, and the body."""

    data: dict[str, Any]
    lines: dict[Loc, int]
    body: str
    first_line: int
    warnings: tuple[ContentError, ...] = ()


def decode(raw: bytes, path: str) -> tuple[str, list[ContentError]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = ContentError(path, line, "file", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        raise ContentFileError([problem]) from None
    warnings = []
    if text.startswith(BOM):
        text = text[1:]
        warnings.append(
            ContentError(path, 1, "file", "starts with a byte-order mark; save as UTF-8 without BOM", Severity.WARNING)
        )
    return text.replace("\r\n", "\n"), warnings


def read_source(raw: bytes, path: str) -> SourceFile:
    """Parse a content file's bytes; raise ContentFileError naming the line and field at fault."""
    text, warnings = decode(raw, path)
    if not text.strip():
        raise ContentFileError(
            [ContentError(path, 1, "file", "is empty; a briefing starts with a '---' front-matter block")]
        )
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        raise ContentFileError(
            [ContentError(path, 1, "front-matter", "missing: the file must start with a line '---'")]
        )
    try:
        block, body = handler.split(text)
    except ValueError:
        raise ContentFileError(
            [ContentError(path, 1, "front-matter", "is not closed: add a line '---' after the last field")]
        ) from None
    node, data = _load_yaml(block, path)
    if data is None:
        raise ContentFileError([ContentError(path, 2, "front-matter", "is empty")])
    if not isinstance(data, dict):
        raise ContentFileError(
            [ContentError(path, 2, "front-matter", f"must be a mapping of fields, got {type(data).__name__}")]
        )
    lines: dict[Loc, int] = {}
    problems = _index_lines(node, (), lines, path)
    if problems:
        raise ContentFileError(problems)
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise ContentFileError([ContentError(path, 2, str(k), "field names must be text") for k in bad_keys])
    body_line = block.count("\n") + 2
    return SourceFile(data, lines, body, body_line, tuple(warnings))


def _file_line(block_line: int) -> int:
    # The block handed to YAML begins with the newline that ends the opening '---', so
    # YAML's 0-based line inside the block plus one is the line in the file.
    return block_line + 1


def _load_yaml(block: str, path: str) -> tuple[yaml.Node | None, Any]:
    loader = AuthorLoader(block)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _file_line(mark.line if mark else 0)
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise ContentFileError([ContentError(path, line, "front-matter", f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ContentFileError([ContentError(path, 2, "front-matter", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return node, data


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: str) -> list[ContentError]:
    """Record the file line of every field and list item; report duplicate keys, which YAML hides."""
    problems: list[ContentError] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = _file_line(key_node.start_mark.line)
            child = (*loc, key)
            if key in seen:
                problems.append(
                    ContentError(path, line, field_name(child), f"appears twice (first on line {seen[key]})")
                )
            seen[key] = line
            lines[child] = line
            problems += _index_lines(value_node, child, lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            lines[child] = _file_line(item.start_mark.line)
            problems += _index_lines(item, child, lines, path)
    return problems
