"""A JSON Schema of the briefing front-matter, for editors, generated from the pydantic models.

Editors with the YAML language server (VS Code, Zed, Neovim, IntelliJ) read the schema
named on a file's first front-matter line and offer completion, hover help and red
squiggles as the author types. The schema is generated from ``votebrief.model.FrontMatter``,
the model the site validates with, so the two cannot drift apart: each custom validator
of the model is translated here into the JSON Schema words that express it, and a
validator with no translation stops the generation (see ``_translate``).

Known limits, by design of JSON Schema rather than by omission (tests pin each one):

- A date pattern checks the shape of a date and the ranges of month and day, so
  ``2027-13-01`` and ``2027-01-32`` are caught but ``2027-02-30`` and ``2027-04-31`` are
  not; ``flask content check`` catches them.
- Rules across fields that JSON Schema cannot compare: a ``by`` deadline before the
  ``date``, a date range that ends before it starts.
- ``iso`` must be written in capitals here; the site also accepts ``ke`` and upper-cases it.
  Subdivision codes (``GB-SCT``) are checked for their shape only.
- A number written ``2024.0`` passes as a whole number here, not on the site.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

import pycountry
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from votebrief import model
from votebrief.dates import PartialDate, parse_day, parse_when
from votebrief.model import Election, FreedomHouse, FreedomStatus, FrontMatter, Image, Status

DRAFT = "http://json-schema.org/draft-07/schema#"

# Patterns in the dialect shared by ECMA-262 (editors) and Python's re (the tests).
_YEAR = r"(1[89][0-9]{2}|[2-9][0-9]{3})"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12][0-9]|3[01])"
DAY_PATTERN = rf"^\s*{_YEAR}-{_MONTH}-{_DAY}\s*$"
PARTIAL_DATE_PATTERN = rf"^\s*{_YEAR}(-{_MONTH}(-{_DAY})?)?\s*$"
MOMENT_PATTERN = (
    rf"^\s*[0-9]{{4}}-{_MONTH}-{_DAY}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{{1,6}})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?)?\s*$"
)
TEXT_PATTERN = r"\S"
URL_PATTERN = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#]\S*\s*$"
IMAGE_FILE_PATTERN = r"^\s*[^\s./\\][^/\\]*$"
SUBDIVISION_PATTERN = r"^\s*[A-Z]{2}-[A-Z0-9]{1,3}\s*$"

DAY = {"type": "string", "pattern": DAY_PATTERN, "description": "A full date: YYYY-MM-DD."}
PARTIAL_DATE = {
    "anyOf": [
        {"type": "string", "pattern": PARTIAL_DATE_PATTERN},
        {"type": "integer", "minimum": 1800, "maximum": 9999},
    ],
    "description": "YYYY-MM-DD, YYYY-MM or YYYY: as precisely as the date is known.",
}
DATE_RANGE = {
    "type": "object",
    "properties": {"start": DAY, "end": DAY},
    "required": ["start", "end"],
    "additionalProperties": False,
    "description": "Voting over several days: {start: YYYY-MM-DD, end: YYYY-MM-DD}.",
}
MOMENT = {
    "type": "string",
    "pattern": MOMENT_PATTERN,
    "description": "YYYY-MM-DD or YYYY-MM-DDTHH:MM, in UTC unless an offset (+02:00) is given.",
}

#: Hover help for each field, by model and field name. A test checks every field has one.
HELP: dict[str, dict[str, str]] = {
    "FrontMatter": {
        "country": "The country's name as readers know it, e.g. Kenya.",
        "iso": "ISO 3166-1 alpha-2 code in capitals, e.g. KE (XK for Kosovo); for a vote in one part of a "
        "country, its ISO 3166-2 code, e.g. GB-SCT.",
        "region": "One of the region names in content/site.yaml.",
        "summary": "One or two sentences (at most 400 characters) for cards, feeds and link previews.",
        "title": "Optional: a title of your own; by default derived from the next election.",
        "image": "Optional hero photo; the file goes in static/images/.",
        "facts": "The KEY FACTS box: Freedom House rating, government type, population.",
        "elections": "One entry per vote, upcoming or past.",
        "news": "Curated news and analysis, shown newest first.",
        "sources": "Where the dates and facts come from; same fields as news.",
        "updated": "When the briefing was last reviewed, YYYY-MM-DD; shown as 'Updated October 28, 2020'.",
        "draft": "true keeps the briefing off the site (previews only).",
        "publish_at": "Optional: hidden until this moment (UTC), e.g. 2027-01-01T09:00.",
    },
    "Image": {
        "file": "A file name in static/images/, without folders, e.g. kenya-2022-voters.jpg.",
        "alt": "What the photo shows, for readers who cannot see it.",
        "caption": "Optional caption under the photo.",
        "credit": "Who took or published the photo, e.g. Wikimedia/Yakov Fedorov.",
        "license": "The photo's licence, e.g. CC BY-SA 3.0.",
    },
    "Facts": {
        "freedom_house": "Free, Partly Free or Not Free; or {status: Not Free, score: 23, year: 2026, note: ...}.",
        "government": "The system of government, e.g. Presidential republic.",
        "population": "As written, e.g. 19.1 million.",
    },
    "FreedomHouse": {
        "status": "Free, Partly Free or Not Free.",
        "score": "The Freedom in the World score, 0 to 100.",
        "year": "The edition of Freedom in the World the rating comes from.",
        "note": "Optional note shown under the rating.",
    },
    "Election": {
        "kind": "What is elected.",
        "title": "Optional: a name of your own instead of the kind's (e.g. 'Constitutional Referendum').",
        "date": "YYYY-MM-DD, YYYY-MM, YYYY, or {start: YYYY-MM-DD, end: YYYY-MM-DD}.",
        "by": "Optional legal deadline (shown as 'By January 21, 2021'); may stand alone.",
        "status": "scheduled, due, tentative, postponed, cancelled, annulled or held.",
        "snap": "true for an early (snap) election.",
        "round": "Optional: 1, 2 or 3 for one round of a multi-round vote.",
        "if_needed": "true for a round that happens only if no one wins outright.",
        "note": "One line of context.",
        "results": "Held elections only: turnout, registered_voters, seats.",
    },
    "Results": {
        "turnout": "Turnout in percent, e.g. 63.3.",
        "registered_voters": "A whole number, e.g. 11950000.",
        "seats": "Seats won, one entry per party: {party: ..., seats: 76}.",
    },
    "Seat": {
        "party": "The party's name.",
        "seats": "Seats won.",
        "color": "Optional colour in the seat chart, #rrggbb.",
    },
    "Link": {
        "title": "The headline as published.",
        "outlet": "The publication, e.g. Eurasianet.",
        "author": "Optional author's name.",
        "date": "The publication date, YYYY-MM-DD (or YYYY-MM).",
        "url": "Optional: only when known; without it the citation is shown unlinked.",
        "language": "Optional language code when not English, e.g. fr or pt-BR.",
    },
}


def iso_codes() -> list[str]:
    return sorted({c.alpha_2 for c in pycountry.countries} | {"XK"})


def _underlying(function: object) -> object:
    return getattr(function, "__func__", function)


class _Generator(GenerateJsonSchema):
    """pydantic's JSON Schema generator, taught what each of the model's validators checks."""

    regions: Sequence[str] = ()

    def function_after_schema(self, schema: core_schema.AfterValidatorFunctionSchema) -> JsonSchemaValue:
        inner = super().function_after_schema(schema)
        return _translate(schema["function"]["function"], inner, self.regions, _AFTER)

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        if schema["schema"]["type"] == "datetime":
            return dict(MOMENT)  # publish_at: the only moment in the front-matter
        inner = super().function_before_schema(schema)
        return _translate(schema["function"]["function"], inner, self.regions, _BEFORE)


Rule = Callable[[JsonSchemaValue, Sequence[str]], JsonSchemaValue]


def _translate(function: object, inner: JsonSchemaValue, regions: Sequence[str], rules: dict) -> JsonSchemaValue:
    if isinstance(function, functools.partial):
        # pydantic's own constraint checks (max_length=400, ge=0, ...) arrive as partials.
        words = {"max_length": "maxLength", "min_length": "minLength", "ge": "minimum", "le": "maximum"}
        return {**inner, **{words[k]: v for k, v in function.keywords.items()}}
    rule = rules.get(_underlying(function))
    if rule is None:
        # A new validator in model.py must be translated here, or the schema would silently lie.
        raise TypeError(f"no JSON Schema rule for the validator {function!r}; add one in votebrief/editor_schema.py")
    return rule(inner, regions)


def _need_date_or_deadline(inner: JsonSchemaValue, _: Sequence[str]) -> JsonSchemaValue:
    given = {"not": {"type": "null"}}
    return {
        **inner,
        "description": "An election: needs a date or a deadline (by); results only once held.",
        "anyOf": [
            {"required": ["date"], "properties": {"date": given}},
            {"required": ["by"], "properties": {"by": given}},
        ],
        # Results belong to a held election.
        "if": {"required": ["results"], "properties": {"results": {"type": "object"}}},
        "then": {"properties": {"status": {"const": Status.HELD.value}}},
    }


_AFTER: dict[object, Rule] = {
    model._text: lambda s, _: {**s, "pattern": TEXT_PATTERN},
    model._http_url: lambda s, _: {**s, "pattern": URL_PATTERN},
    model._iso_code: lambda s, _: {
        "anyOf": [{"type": "string", "enum": iso_codes()}, {"type": "string", "pattern": SUBDIVISION_PATTERN}]
    },
    _underlying(Image._plain_file_name): lambda s, _: {**s, "pattern": IMAGE_FILE_PATTERN},
    _underlying(FrontMatter._known_region): lambda s, regions: {**s, "enum": list(regions)} if regions else s,
    _underlying(Election._consistent): _need_date_or_deadline,
}
_BEFORE: dict[object, Rule] = {
    parse_day: lambda s, _: dict(DAY),
    _underlying(PartialDate.parse): lambda s, _: dict(PARTIAL_DATE),
    parse_when: lambda s, _: {"anyOf": [PARTIAL_DATE, DATE_RANGE]},
    # `freedom_house: Not Free` is short for {status: Not Free}.
    _underlying(FreedomHouse._status_alone): lambda s, _: {
        "anyOf": [{"type": "string", "enum": [f.value for f in FreedomStatus]}, s]
    },
}


def briefing_schema(regions: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON Schema (draft-07) of a briefing's front-matter; ``regions`` from content/site.yaml."""
    generator = type("Generator", (_Generator,), {"regions": tuple(regions)})
    raw = FrontMatter.model_json_schema(ref_template="#/definitions/{model}", schema_generator=generator)
    definitions = raw.pop("$defs", {})
    top = _tidy(raw, "FrontMatter")
    top.pop("description", None)
    return {
        "$schema": DRAFT,
        "title": "VoteBrief briefing front-matter",
        "description": "The YAML front-matter of content/countries/<slug>.md. Generated from votebrief/model.py "
        "by `flask content schema`; do not edit by hand. See docs/authoring.md.",
        **top,
        "definitions": {name: _tidy(d, name) for name, d in sorted(definitions.items())},
    }


def _tidy(schema: Any, model_name: str | None = None) -> Any:
    """Drop pydantic's generated titles, add help to each field, keep ``$ref`` alone (draft-07)."""
    if isinstance(schema, list):
        return [_tidy(item, model_name) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    if "anyOf" in schema and "additionalProperties" in schema and "properties" not in schema:
        # A model with a short form (freedom_house: Not Free) is an anyOf; its "no unknown
        # fields" rule belongs on the object branch, where its fields are listed.
        closed = schema.pop("additionalProperties")
        schema["anyOf"] = [{**b, "additionalProperties": closed} if "properties" in b else b for b in schema["anyOf"]]
    out = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue  # pydantic's "Iso", "Publish At": noise in an editor's hover
        if key in {"ge", "le", "gt", "lt"}:
            continue  # pydantic's own words for bounds it also gave as minimum/maximum
        if key == "anyOf":
            # The object branch of a model with a short form lists that model's fields.
            out[key] = [_tidy(b, model_name if b.get("type") == "object" else None) for b in value]
        elif key == "properties":
            help_for = HELP.get(model_name or "", {})
            out[key] = {name: _described(_tidy(prop), help_for.get(name)) for name, prop in value.items()}
        else:
            out[key] = _tidy(value)
    return out


def _described(schema: dict[str, Any], help_text: str | None) -> dict[str, Any]:
    if not help_text:
        return schema
    if "$ref" in schema:
        # In draft-07 a $ref's siblings are ignored: the help goes on a wrapper.
        return {"allOf": [schema], "description": help_text}
    return {**schema, "description": help_text}


def schema_text(regions: Sequence[str] = ()) -> str:
    """The schema as the committed file holds it: stable key order, two-space indent, final newline."""
    return _dumps(briefing_schema(regions)) + "\n"


def _dumps(value: Any, indent: str = "") -> str:
    """JSON with two-space indents, but a list of plain values on one line (the ISO codes, the enums)."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {_dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + _dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)
