"""``flask content new``, ``schema`` and ``stale``: the author's commands beyond ``check``.

Importing this module registers the commands on the ``content`` group of votebrief.cli.
The work itself lives in plain modules: votebrief.scaffold (a new briefing),
votebrief.editor_schema (the JSON Schema) and votebrief.stale (the staleness report).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app

from votebrief.cli import _fresh_store, content
from votebrief.editor_schema import schema_text
from votebrief.errors import ContentFileError, Severity
from votebrief.loader import SLUG
from votebrief.parse import parse_site_config
from votebrief.scaffold import UnknownCountryError, find_country, new_briefing, suggest_region
from votebrief.settings import today
from votebrief.stale import stale_items

DEFAULT_SCHEMA = Path("schema") / "briefing.schema.json"


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _region_names() -> list[str]:
    """The regions in content/site.yaml; exit 1 with its problems when it does not parse."""
    store = _fresh_store()
    path = store.root / "site.yaml"
    try:
        site = parse_site_config(path.read_bytes(), str(Path(store.root.name) / "site.yaml"))
    except FileNotFoundError:
        _fail(f"{path} is missing: a new briefing needs the regions it lists")
    except ContentFileError as exc:
        _fail(f"fix content/site.yaml first:\n{exc}")
    return [r.name for r in site.regions]


@content.command("new")
@click.argument("country")
@click.option("--slug", help="File name (without .md) if not the one made from the country's name.")
def new(country: str, slug: str | None) -> None:
    """Write a new draft briefing for COUNTRY (a name or ISO code) in content/countries/."""
    try:
        found = find_country(country)
    except UnknownCountryError as exc:
        _fail(str(exc))
    regions = _region_names()
    store = _fresh_store()
    slug = slug or found.slug
    if not SLUG.match(slug):
        _fail(f'"{slug}" cannot be a file name: use lowercase letters, digits and hyphens, e.g. kenya-referendum')
    path = store.root / "countries" / f"{slug}.md"
    shown = Path(store.root.name) / "countries" / path.name
    if path.exists():
        _fail(f"{shown} already exists; edit it, or choose another file name with --slug")
    owner = next((b for b in store.snapshot().briefings.values() if b.meta.iso == found.iso), None)
    if owner is not None:
        _fail(f"{found.name} ({found.iso}) already has a briefing: {owner.path}")
    region, note = suggest_region(found, regions)
    path.parent.mkdir(parents=True, exist_ok=True)
    # "x": never overwrite, even a file created since the check above.
    with path.open("x", encoding="utf-8") as out:
        out.write(new_briefing(found, region, regions, today(current_app), note))
    click.echo(f"Wrote {shown}: a draft briefing on {found.name} ({found.iso}), region {region}.")
    if note:
        click.echo(f"Note: {note}.")
    click.echo("Next: replace each TODO, run `flask --app app content check`, and set draft: false when ready.")


@content.command("schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write the schema (default: {DEFAULT_SCHEMA}; - for standard output).",
)
def schema(output: Path | None) -> None:
    """Write the JSON Schema of the front-matter, for editors, generated from the site's own models."""
    text = schema_text(_region_names())
    if output is not None and str(output) == "-":
        click.echo(text, nl=False)
        return
    target = output or Path(current_app.root_path) / DEFAULT_SCHEMA
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {target}")


@content.command("stale")
@click.option("--days", type=click.IntRange(min=0), help="Days since `updated` after which a briefing is stale.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stale(days: int | None, fmt: str) -> None:
    """List overdue elections, old briefings with a vote near, old links and missing results; exit 1 if any."""
    limit = int(current_app.config["STALE_DAYS"]) if days is None else days
    snap = _fresh_store().snapshot()
    items = stale_items(snap.briefings.values(), today(current_app), limit)
    if fmt == "json":
        click.echo(json.dumps([item.as_dict() for item in items], indent=2))
    else:
        if items:
            click.echo("\n".join(str(item) for item in items))
        files = len({item.path for item in items})
        click.echo(
            f"{len(items)} stale item(s) in {files} of {len(snap.briefings)} briefing(s) as of "
            f"{today(current_app).isoformat()} (--days {limit})",
            err=True,
        )
        broken = sorted({p.path for p in snap.problems if p.severity is Severity.ERROR})
        if broken:
            # A file that does not parse has no dates to judge; the check says what is wrong.
            click.echo(f"Not judged, with errors: {', '.join(broken)} (run flask content check)", err=True)
    sys.exit(1 if items else 0)
