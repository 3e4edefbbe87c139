"""Read one content file: split off the front-matter and parse its YAML strictly, keeping line numbers.

PyYAML's defaults surprise authors: ``NO`` becomes false, ``20:00`` becomes 1200, ``012``
becomes 10 and dates become ``datetime.date``. The loader here reads YAML the way an
author means it: only ``true``/``false`` are booleans, only plain decimals are numbers,
and everything else (dates included) stays text for the schema to check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

from votebrief.errors import ContentError, ContentFileError, Loc, Severity, field_name

BOM = "\ufeff"
#: File times are coarse (a few milliseconds on Linux, up to 2 s elsewhere), so a file changed
#: this recently may change again without its mtime or size changing ("racily clean", as git
#: calls it). Until it is older, the loader reads it at each check, and no export keeps it.
RACY_NS = 2_000_000_000


# libyaml's parser is about ten times faster than PyYAML's; the resolver rules below apply to either.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AuthorLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2-like scalars and no silent type changes."""

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        # PyYAML's resolve() also walks path resolvers, which we never register; this
        # shorter version is called for every node and takes a third off the parse.
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in self.yaml_implicit_resolvers.get((value or "")[:1], ()):
                    if pattern.match(value):
                        return tag
            return "tag:yaml.org,2002:str"
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


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

    #: The front-matter's values; None when they are kept as ``data_json`` instead.
    data: dict[str, Any] | None
    lines: Mapping[Loc, int]
    body: str
    first_line: int
    warnings: tuple[ContentError, ...] = ()
    #: ``data`` as JSON text, when that is how it was kept (votebrief.sourcecache): the
    #: models validate it without building the Python values first.
    data_json: str | None = None
    #: True when ``data_json`` leaves out what only the briefing's own page shows.
    for_lists: bool = False


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
    # Most files have no carriage return, and finding none is a fraction of a replace's copy.
    return (text.replace("\r\n", "\n") if "\r" in text else text), warnings


def split_source(raw: bytes, path: str) -> tuple[str, str, list[ContentError]]:
    """A content file's front-matter block and body, and warnings about its encoding."""
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
    return block, body, warnings


def read_source(raw: bytes, path: str) -> SourceFile:
    """Parse a content file's bytes; raise ContentFileError naming the line and field at fault."""
    block, body, warnings = split_source(raw, path)
    node = _compose(block, path)
    if node is None:
        raise ContentFileError([ContentError(path, 2, "front-matter", "is empty")])
    if not isinstance(node, yaml.MappingNode):
        kind = "list" if isinstance(node, yaml.SequenceNode) else "text"
        raise ContentFileError([ContentError(path, 2, "front-matter", f"must be a mapping of fields, got {kind}")])
    lines: dict[Loc, int] = {}
    builder = _Builder(path, lines)
    data = builder.build(node, ())
    if builder.problems:
        raise ContentFileError(builder.problems)
    body_line = block.count("\n") + 2
    return SourceFile(data, lines, body, body_line, tuple(warnings))


def _file_line(block_line: int) -> int:
    # The block handed to YAML begins with the newline that ends the opening '---', so
    # YAML's 0-based line inside the block plus one is the line in the file.
    return block_line + 1


def _compose(block: str, path: str) -> yaml.Node | None:
    """Parse the YAML block into nodes (libyaml where available), reporting syntax errors by line."""
    loader = AuthorLoader(block)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _file_line(mark.line if mark else 0)
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        if "mapping values are not allowed" in problem:
            # By far the most common cause: a headline with a colon, written without quotes.
            problem += ' (if the value contains ": ", put the whole value in double quotes)'
        raise ContentFileError([ContentError(path, line, "front-matter", f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ContentFileError([ContentError(path, 2, "front-matter", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()


_SCALARS: dict[str, Any] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": lambda value: value == "true",
    "tag:yaml.org,2002:null": lambda value: None,
}
#: More values than any briefing needs: YAML aliases can make a small file expand enormously.
MAX_VALUES = 50_000


class _Builder:
    """Python values from YAML nodes in one walk that also records each field's line.

    Doing this here rather than with PyYAML's constructor halves the parse time, and it
    sees what the constructor hides: duplicate keys, non-text keys and unknown tags.
    """

    def __init__(self, path: str, lines: dict[Loc, int]) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[ContentError] = []
        self.count = 0

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            if self.count == MAX_VALUES + 1:
                self._problem(node, loc, f"has more than {MAX_VALUES:,} values (are YAML aliases expanding?)")
            return None
        if isinstance(node, yaml.ScalarNode):
            convert = _SCALARS.get(node.tag)
            if convert is None:
                self._problem(node, loc, f'uses the YAML tag "{node.tag}", which is not supported')
                return None
            try:
                return convert(node.value)
            except ValueError:  # an explicit tag on a value that is not one: "!!int twelve"
                self._problem(node, loc, f'"{node.value}" is not a valid {node.tag.rsplit(":", 1)[-1]}')
                return None
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = (*loc, index)
                self.lines[child] = _file_line(item.start_mark.line)
                items.append(self.build(item, child))
            return items
        return self._mapping(node, loc)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = _file_line(key_node.start_mark.line)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                self.problems.append(
                    ContentError(self.path, line, field_name((*loc, str(name))), "field names must be text")
                )
                continue
            key = key_node.value
            child = (*loc, key)
            if key in seen:
                message = f"appears twice (first on line {seen[key]})"
                self.problems.append(ContentError(self.path, line, field_name(child), message))
            seen[key] = line
            self.lines[child] = line
            out[key] = self.build(value_node, child)
        return out

    def _problem(self, node: yaml.Node, loc: Loc, message: str) -> None:
        line = _file_line(node.start_mark.line)
        self.problems.append(ContentError(self.path, line, field_name(loc), message))
