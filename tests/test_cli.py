"""`flask content check`: exact problems, exit codes and machine-readable output."""

import json
import subprocess
import sys
from pathlib import Path

from conftest import KENYA

ROOT = Path(__file__).resolve().parent.parent


def test_clean_content_exits_zero(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_errors_print_path_line_field_message_and_exit_one(runner, briefing_file):
    briefing_file("ghana", KENYA.replace("iso: KE", "iso: GH").replace("2027-08-10", "2027-02-30"))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert (
        'content/countries/ghana.md:12: elections[0].date: "2027-02-30" is not a date: February 2027 has 28 days'
        in result.output
    )


def test_json_format_lists_each_problem_as_an_object(runner, briefing_file):
    briefing_file("ghana", KENYA.replace("iso: KE", "iso: GH").replace("region: Africa", "region: Afrika"))
    result = runner.invoke(args=["content", "check", "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output) == [
        {
            "path": "content/countries/ghana.md",
            "line": 4,
            "field": "region",
            "message": '"Afrika" is not a region in content/site.yaml (did you mean "Africa"?)',
            "severity": "error",
        }
    ]


def test_github_format_makes_workflow_annotations(runner, briefing_file):
    briefing_file("ghana", KENYA.replace("iso: KE", "iso: GH").replace("region: Africa", "region: Afrika"))
    result = runner.invoke(args=["content", "check", "--format", "github"])
    assert result.output.startswith("::error file=content/countries/ghana.md,line=4,title=region::")


def test_a_missing_image_file_is_a_warning_not_an_error(runner, briefing_file):
    text = KENYA.replace("iso: KE", "iso: GH").replace("facts:", "image:\n  file: nowhere.jpg\n  alt: A voter\nfacts:")
    briefing_file("ghana", text)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0
    assert 'content/countries/ghana.md:7: image.file: warning: "nowhere.jpg" is not in static/images/' in result.output


def test_the_shipped_content_passes_the_check(shipped_app):
    result = shipped_app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output


def test_the_author_commands_load_when_their_group_is_used(runner):
    result = runner.invoke(args=["content", "--help"])
    assert result.exit_code == 0, result.output
    assert all(name in result.output for name in ("check", "new", "schema", "stale"))


def test_starting_imports_neither_the_author_commands_nor_markdown():
    # `flask freeze` starts for every export: the schema and scaffolding code are not its
    # business, and an export after an edit finds every body it shows already rendered.
    code = "import sys, app; print(sorted({'votebrief.authoring', 'markdown', 'nh3'} & set(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
