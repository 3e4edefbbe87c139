"""``flask content ...``: the author's commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from votebrief.errors import ContentError, Severity
from votebrief.loader import ContentStore
from votebrief.scaffold import placeholder_problems


class _ContentGroup(AppGroup):
    """The ``content`` group, which adds ``new``, ``schema`` and ``stale`` when it is used.

    Importing votebrief.authoring (which adds them) costs 20 ms that every other ``flask``
    command, ``freeze`` among them, would pay for nothing.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        _add_authoring_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        _add_authoring_commands()
        return super().get_command(ctx, cmd_name)


def _add_authoring_commands() -> None:
    # It imports this module for the group, hence here rather than at the top.
    from votebrief import authoring  # noqa: F401


content = _ContentGroup("content", help="Check and manage the content files.")


def init_app(app: Flask) -> None:
    app.cli.add_command(content)


def _fresh_store() -> ContentStore:
    store: ContentStore = current_app.extensions["votebrief.store"]
    return ContentStore(store.root, check_interval=0, max_bytes=store.max_bytes)


def image_warnings(store: ContentStore) -> list[ContentError]:
    """A hero image named in the front-matter but missing from static/images/ is a warning, not an error."""
    images = Path(current_app.static_folder or "static") / "images"
    warnings = []
    for briefing in store.snapshot().briefings.values():
        image = briefing.meta.image
        if image and not (images / image.file).is_file():
            warnings.append(
                ContentError(
                    briefing.path,
                    briefing.line_of("image", "file"),
                    "image.file",
                    f'"{image.file}" is not in static/images/; the page is shown without a photo',
                    Severity.WARNING,
                )
            )
    return warnings


def format_problems(problems: list[ContentError], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([p.as_dict() for p in problems], indent=2)
    if fmt == "github":
        # GitHub Actions workflow commands: annotations on the pull request's diff.
        return "\n".join(
            f"::{p.severity.value} file={p.path},line={p.line},title={p.field}::{p.message}" for p in problems
        )
    return "\n".join(str(p) for p in problems)


@content.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
def check(fmt: str) -> None:
    """Validate every content file; print path:line: field: message; exit 1 on any error."""
    store = _fresh_store()
    snap = store.snapshot()
    found = [*snap.problems, *image_warnings(store), *placeholder_problems(snap.briefings.values(), store.root)]
    problems = sorted(found, key=lambda p: (p.path, p.line, p.field))
    errors = [p for p in problems if p.severity is Severity.ERROR]
    output = format_problems(problems, fmt)
    if output:
        click.echo(output)
    if fmt == "text":
        files = len(snap.briefings) + len(snap.pages) + 1
        summary = f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {files} checked file(s)"
        click.echo(summary, err=True)
    sys.exit(1 if errors else 0)
