"""Bad content, one file at a time, through the whole app: the author gets the exact problem,
readers keep every other page, and a file that was good keeps serving its last good version.

Each class of problem is checked three ways: ``flask content check``, the log, and (in debug)
a banner on the briefing page. The parser's own messages are covered in test_content_errors.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import KENYA, SITE_YAML, write
from markupsafe import escape

from votebrief import loader

GHANA = KENYA.replace("Kenya", "Ghana").replace("iso: KE", "iso: GH")
MARKER = "politics in a paragraph."
NEWER = "A newer paragraph that must not show."
#: Pages that have nothing to do with the broken file and must keep serving.
OTHER_PAGES = ["/", "/countries/", "/regions/africa/", "/elections/", "/elections/2027/", "/about/", "/search?q=kenya"]


def bump(path: Path) -> None:
    """Give a file a new mtime, as an editor's save would, without sleeping."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def replace_file(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    path.write_bytes(data)


def text_case(change: Callable[[str], str | bytes]) -> Callable[[Path, str, Path], None]:
    def make(path: Path, good: str, outside: Path) -> None:
        bad = change(good)
        replace_file(path, bad.encode() if isinstance(bad, str) else bad)

    return make


def symlink_outside(path: Path, good: str, outside: Path) -> None:
    target = write(outside / "elsewhere" / "secret.md", good)
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def a_folder(path: Path, good: str, outside: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path, str, Path], None]
    #: The exact line an author sees, with {path} for the file's shown path.
    message: str


CASES = [
    Case(
        "invalid-yaml",
        text_case(lambda t: t.replace("summary: ", "summary: [unclosed ")),
        "{path}:6: front-matter: invalid YAML: while parsing a flow sequence did not find expected ',' or ']'",
    ),
    Case(
        "front-matter-not-a-mapping",
        text_case(lambda t: "---\n- just\n- a list\n---\nBody\n"),
        "{path}:2: front-matter: must be a mapping of fields, got list",
    ),
    Case(
        "front-matter-a-plain-string",
        text_case(lambda t: "---\njust some words\n---\nBody\n"),
        "{path}:2: front-matter: must be a mapping of fields, got text",
    ),
    Case(
        "missing-required-field",
        text_case(lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("summary:")) + "\n"),
        "{path}:2: summary: is required but missing",
    ),
    Case(
        "wrong-type-number-for-text",
        text_case(lambda t: t.replace("country: ", "country: 12 #")),
        "{path}:2: country: expected text, got 12 (put the value in quotes)",
    ),
    Case(
        "wrong-type-list-for-text",
        text_case(lambda t: t.replace("government: Presidential republic", "government: [a, b]")),
        "{path}:8: facts.government: expected text, got a list",
    ),
    Case(
        "explicit-yaml-tag-on-a-wrong-value",
        text_case(lambda t: t.replace("region: ", "region: !!int ")),
        '{path}:4: region: "Africa" is not a valid int',
    ),
    Case(
        "impossible-date",
        text_case(lambda t: t.replace("2027-08-10", "2027-02-30")),
        '{path}:12: elections[0].date: "2027-02-30" is not a date: February 2027 has 28 days',
    ),
    Case(
        "unknown-key",
        text_case(lambda t: t.replace("updated: 2026-11-20", "updated: 2026-11-20\nupdate: 2026-11-21")),
        '{path}:27: update: unknown field "update" (did you mean "updated"?)',
    ),
    Case(
        "non-utf8",
        text_case(lambda t: t.encode().replace(b" holds", b" \xe9lections")),
        "{path}:5: file: is not UTF-8 text (byte 0xe9); save it as UTF-8",
    ),
    Case(
        "empty-file",
        text_case(lambda t: ""),
        "{path}:1: file: is empty; a briefing starts with a '---' front-matter block",
    ),
    Case(
        "ten-megabytes",
        text_case(lambda t: t + "x" * (10 * 1024 * 1024 - len(t))),
        "{path}:1: file: is 10,485,760 bytes, over the limit of 1,000,000",
    ),
    Case(
        "symlink-outside-content", symlink_outside, "{path}:1: file: is a symlink to a file outside the content folder"
    ),
    Case("a-folder-named-like-a-file", a_folder, "{path}:1: file: is not a regular file"),
]


def check_output(runner) -> tuple[int, list[str]]:
    result = runner.invoke(args=["content", "check"])
    return result.exit_code, result.output.splitlines()


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "votebrief.content"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_new_file_is_reported_exactly_and_every_other_page_keeps_serving(
    case, client, runner, content, tmp_path, caplog
):
    path = content / "countries" / "ghana.md"
    case.make(path, GHANA, tmp_path)
    expected = case.message.format(path="content/countries/ghana.md")

    code, lines = check_output(runner)
    assert code == 1
    assert expected in lines

    caplog.clear()
    assert client.get("/countries/ghana/").status_code == 404
    assert expected in logged(caplog)
    assert MARKER in client.get("/countries/kenya/").get_data(as_text=True)
    for url in OTHER_PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_good_file_that_goes_bad_keeps_serving_its_last_good_version(
    case, app, client, runner, content, tmp_path, caplog
):
    path = content / "countries" / "kenya.md"
    assert MARKER in client.get("/countries/kenya/").get_data(as_text=True)
    case.make(path, KENYA.replace(MARKER, NEWER), tmp_path)
    bump(path)
    expected = case.message.format(path="content/countries/kenya.md")
    caplog.clear()

    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert MARKER in html and NEWER not in html
    assert "content-problems" not in html  # readers never see the author's problems
    assert f"{expected} (serving the last good version)" in logged(caplog)
    for url in OTHER_PAGES:
        assert client.get(url).status_code == 200, url

    app.debug = True
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert MARKER in html
    assert 'class="notice content-problems" role="alert"' in html
    assert f"<li><code>{escape(expected)}</code></li>" in html
    assert "readers see its last good version" in html

    code, lines = check_output(runner)
    assert code == 1 and expected in lines


def test_the_fix_replaces_the_banner_with_the_new_version(app, client, content):
    app.debug = True
    path = content / "countries" / "kenya.md"
    client.get("/countries/kenya/")
    path.write_text(KENYA.replace("2027-08-10", "2027-02-30"))
    bump(path)
    assert "content-problems" in client.get("/countries/kenya/").get_data(as_text=True)
    path.write_text(KENYA.replace(MARKER, "The fixed paragraph."))
    bump(path)
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert "The fixed paragraph." in html and "content-problems" not in html


def test_a_yaml_alias_bomb_is_refused_quickly_and_the_rest_keeps_serving(client, runner, content):
    # Nine aliases of nine aliases of ...: a few hundred bytes that would expand to 9**9 values.
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    write(content / "countries" / "ghana.md", "---\n" + "\n".join(lines) + "\n---\nBody\n")
    started = time.monotonic()
    code, lines = check_output(runner)
    assert code == 1
    assert [line for line in lines if line.startswith("content/countries/ghana.md:") and "aliases" in line]
    for url in OTHER_PAGES:
        assert client.get(url).status_code == 200, url
    assert time.monotonic() - started < 5


def test_in_debug_a_cached_etag_does_not_hide_the_banner(app, client, content):
    app.debug = True
    etag = client.get("/countries/kenya/").headers["ETag"]
    path = content / "countries" / "kenya.md"
    path.write_text(KENYA.replace("2027-08-10", "2027-02-30"))
    bump(path)
    response = client.get("/countries/kenya/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "content-problems" in response.get_data(as_text=True)


def test_an_unreadable_file_is_reported_and_the_rest_keeps_serving(client, runner, content, monkeypatch):
    # Tests may run as root, for whom chmod 000 changes nothing: make the read fail instead.
    write(content / "countries" / "ghana.md", GHANA)

    def opening(file, *args, **kwargs):
        if Path(file).name == "ghana.md":
            raise PermissionError(13, "Permission denied")
        return open(file, *args, **kwargs)

    monkeypatch.setattr(loader, "open", opening, raising=False)  # the store's reads, not pytest's
    code, lines = check_output(runner)
    assert code == 1
    assert "content/countries/ghana.md:1: file: cannot be read: Permission denied" in lines
    assert client.get("/countries/ghana/").status_code == 404
    for url in OTHER_PAGES:
        assert client.get(url).status_code == 200, url


def test_a_file_deleted_between_looking_and_reading_is_not_an_error(client, content, monkeypatch):
    write(content / "countries" / "ghana.md", GHANA)

    def opening(file, *args, **kwargs):
        if Path(file).name == "ghana.md":
            Path(file).unlink()
        return open(file, *args, **kwargs)

    monkeypatch.setattr(loader, "open", opening, raising=False)
    for url in ["/", *OTHER_PAGES, "/countries/kenya/"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/countries/ghana/").status_code == 404


def test_a_byte_order_mark_is_a_warning_and_the_new_version_serves(app, client, runner, content):
    path = content / "countries" / "kenya.md"
    client.get("/countries/kenya/")
    path.write_bytes(b"\xef\xbb\xbf" + KENYA.replace(MARKER, "Saved with a BOM.").encode())
    bump(path)
    warning = "content/countries/kenya.md:1: file: warning: starts with a byte-order mark; save as UTF-8 without BOM"

    code, lines = check_output(runner)
    assert code == 0 and warning in lines
    assert "Saved with a BOM." in client.get("/countries/kenya/").get_data(as_text=True)
    app.debug = True
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert "Saved with a BOM." in html and f"<code>{escape(warning)}</code>" in html
    assert "last good version" not in html  # a warning does not stop the new version


def test_a_duplicate_iso_code_is_reported_on_the_newcomer_and_the_original_keeps_its_page(client, runner, content):
    client.get("/countries/kenya/")
    # "a-kenya" sorts before "kenya": the older file must still win.
    newcomer = write(content / "countries" / "a-kenya.md", KENYA.replace(MARKER, NEWER))
    bump(newcomer)
    expected = 'content/countries/a-kenya.md:3: iso: "KE" is already used by content/countries/kenya.md'

    code, lines = check_output(runner)
    assert code == 1 and expected in lines
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert MARKER in html and NEWER not in html
    assert client.get("/countries/a-kenya/").status_code == 404
    for url in OTHER_PAGES:
        assert client.get(url).status_code == 200, url


def test_a_duplicate_slug_differing_only_by_case_is_refused(client, runner, content):
    # On a case-sensitive file system both files exist; the slug rule refuses the capitalised one.
    write(content / "countries" / "Kenya.md", KENYA.replace(MARKER, NEWER))
    expected = "content/countries/Kenya.md:1: file: name must be lowercase letters, digits and hyphens, ending .md"

    code, lines = check_output(runner)
    assert code == 1 and expected in lines
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert MARKER in html and NEWER not in html
    assert client.get("/countries/Kenya/").status_code == 404


def test_a_broken_site_yaml_keeps_the_last_good_site_settings(client, runner, content, caplog):
    assert "TestBrief" in client.get("/").get_data(as_text=True)
    site = content / "site.yaml"
    site.write_text(SITE_YAML.replace("name: TestBrief", "name: [TestBrief"))
    bump(site)
    caplog.clear()
    for url in ["/", "/countries/kenya/", *OTHER_PAGES]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "TestBrief" in response.get_data(as_text=True)
    assert any(m.startswith("content/site.yaml:") and "invalid YAML" in m for m in logged(caplog))
    code, lines = check_output(runner)
    assert code == 1 and any(line.startswith("content/site.yaml:") for line in lines)


def test_a_broken_page_keeps_its_last_good_version(client, content, caplog):
    assert "About us." in client.get("/about/").get_data(as_text=True)
    page = content / "pages" / "about.md"
    page.write_text("---\ntitle: About\nnav: first\n---\nRewritten.\n")
    bump(page)
    caplog.clear()
    html = client.get("/about/").get_data(as_text=True)
    assert "About us." in html and "Rewritten." not in html
    assert 'content/pages/about.md:3: nav: expected a whole number, got "first" (serving the last good version)' in (
        logged(caplog)
    )


def test_the_log_reports_a_problem_once_not_on_every_check(client, content, caplog):
    client.get("/")
    write(content / "countries" / "ghana.md", GHANA.replace("2027-08-10", "2027-02-30"))
    caplog.clear()
    for _ in range(5):
        client.get("/")
    assert len([m for m in logged(caplog) if "2027-02-30" in m]) == 1
