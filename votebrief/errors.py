"""Content problems as values an author can act on: ``path:line: field: message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class ContentError:
    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.path}:{self.line}: {self.field}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ContentFileError(Exception):
    """Raised when a file cannot become a page; carries every problem found."""

    def __init__(self, problems: Sequence[ContentError]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


Loc = tuple[str | int, ...]


def field_name(loc: Loc) -> str:
    """``("elections", 0, "date")`` → ``elections[0].date``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "front-matter"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return str(value)


_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
}


def pydantic_problems(
    exc: ValidationError,
    *,
    path: str,
    lines: Mapping[Loc, int],
    default_line: int,
    fields_at: Mapping[Loc, Sequence[str]],
) -> list[ContentError]:
    """Turn pydantic's errors into content errors, each pinned to a line of the file."""
    problems = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
        kind = error["type"]
        value = error.get("input")
        if kind == "extra_forbidden":
            known = fields_at.get(_model_loc(loc[:-1]), ())
            message = f'unknown field "{loc[-1]}"{did_you_mean(str(loc[-1]), known)}'
        elif kind == "missing":
            message = "is required but missing"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, got {_describe(value)}"
            if kind == "string_type" and isinstance(value, bool | int | float):
                message += " (put the value in quotes)"
        elif kind in {"literal_error", "enum"}:
            allowed = error.get("ctx", {}).get("expected", "")
            choices = [c.strip(" '\"") for c in allowed.replace(" or ", ", ").split(",")]
            hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
            message = f"{_describe(value)} is not one of {allowed}{hint}"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(ContentError(path, _line_for(loc, lines, default_line), field_name(loc), message))
    return sorted(problems, key=lambda p: p.line)


def _is_union_tag(part: object) -> bool:
    # pydantic adds the tried type's name to the location of union members.
    return isinstance(part, str) and (part.startswith(("function-", "lax-", "str", "int")) and "[" in part)


def _model_loc(loc: Loc) -> Loc:
    """The location of a model, with list indexes removed, as used by ``fields_at``."""
    return tuple(p for p in loc if isinstance(p, str))


def _line_for(loc: Loc, lines: Mapping[Loc, int], default: int) -> int:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return default
