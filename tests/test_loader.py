"""The content store: parse once, re-read on change, keep the last good version."""

import os
from pathlib import Path

import pytest
from conftest import KENYA, SITE_YAML, write
from hypothesis import given
from hypothesis import strategies as st

from votebrief import loader, parse
from votebrief.loader import ContentStore


def bump(path):
    """Give a file a new mtime, as an editor's save would, without sleeping."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_an_unchanged_file_is_parsed_once(content):
    store = ContentStore(content, check_interval=0)
    first = store.snapshot()
    count = store.parse_count
    second = store.snapshot()
    assert store.parse_count == count
    assert second is first


def test_an_edited_file_is_read_again_and_changes_the_fingerprint(content):
    store = ContentStore(content, check_interval=0)
    before = store.snapshot()
    path = content / "countries" / "kenya.md"
    path.write_text(KENYA.replace("Kenya holds", "Kenya will hold"))
    bump(path)
    after = store.snapshot()
    assert after.briefings["kenya"].meta.summary.startswith("Kenya will hold")
    assert after.fingerprint != before.fingerprint


def test_added_and_deleted_files_show_without_a_restart(content):
    store = ContentStore(content, check_interval=0)
    assert set(store.snapshot().briefings) == {"kenya"}
    write(content / "countries" / "ghana.md", KENYA.replace("Kenya", "Ghana").replace("iso: KE", "iso: GH"))
    assert set(store.snapshot().briefings) == {"kenya", "ghana"}
    (content / "countries" / "kenya.md").unlink()
    assert set(store.snapshot().briefings) == {"ghana"}


def test_the_check_interval_throttles_looking_at_the_disk(content):
    store = ContentStore(content, check_interval=3600)
    first = store.snapshot()
    write(content / "countries" / "ghana.md", KENYA.replace("iso: KE", "iso: GH"))
    assert store.snapshot() is first


def test_a_pinned_snapshot_ignores_edits_until_the_block_ends(content):
    store = ContentStore(content, check_interval=0)
    path = content / "countries" / "kenya.md"
    with store.pinned() as pinned:
        path.write_text(KENYA.replace("Kenya holds", "Kenya will hold"))
        bump(path)
        assert store.snapshot() is pinned
    assert store.check_interval == 0
    assert store.snapshot().briefings["kenya"].meta.summary.startswith("Kenya will hold")


def test_a_file_that_stops_parsing_keeps_serving_its_last_good_version(content, caplog):
    store = ContentStore(content, check_interval=0)
    good = store.snapshot().briefings["kenya"]
    path = content / "countries" / "kenya.md"
    path.write_text(KENYA.replace("2027-08-10", "2027-02-30"))
    bump(path)
    snap = store.snapshot()
    assert snap.briefings["kenya"] is good
    assert [str(p) for p in snap.problems] == [
        'content/countries/kenya.md:12: elections[0].date: "2027-02-30" is not a date: February 2027 has 28 days'
    ]
    assert "serving the last good version" in caplog.text


def test_a_half_written_file_keeps_the_old_version_and_the_fix_is_picked_up(content):
    store = ContentStore(content, check_interval=0)
    store.snapshot()
    path = content / "countries" / "kenya.md"
    path.write_text(KENYA[:120])  # truncated mid-front-matter
    bump(path)
    assert store.snapshot().briefings["kenya"].meta.country == "Kenya"
    path.write_text(KENYA.replace("Kenya holds", "Kenya now holds"))
    bump(path)
    snap = store.snapshot()
    assert snap.briefings["kenya"].meta.summary.startswith("Kenya now holds")
    assert snap.problems == ()


def test_a_file_broken_before_it_was_first_parsed_serves_its_first_version_under_its_digest(content):
    store = ContentStore(content, check_interval=0)
    store.snapshot()  # read at start-up, not parsed until asked for
    path = content / "countries" / "kenya.md"
    path.write_text(KENYA[:120])
    bump(path)
    served = store.snapshot().briefings["kenya"]
    assert served.meta.country == "Kenya"
    # Pages and the export's outputs are keyed by this digest: it must name the bytes shown.
    assert served.digest == loader.digest(KENYA.encode())


def test_a_broken_new_file_is_reported_and_the_rest_keeps_serving(content):
    store = ContentStore(content, check_interval=0)
    write(content / "countries" / "ghana.md", "---\ncountry: [\n---\n")
    snap = store.snapshot()
    assert set(snap.briefings) == {"kenya"}
    assert snap.problems[0].path == "content/countries/ghana.md"


def test_duplicate_iso_codes_are_an_error_on_the_second_file(content):
    store = ContentStore(content, check_interval=0)
    write(content / "countries" / "kenya-copy.md", KENYA)
    snap = store.snapshot()
    assert set(snap.briefings) == {"kenya"}
    assert [str(p) for p in snap.problems] == [
        'content/countries/kenya-copy.md:3: iso: "KE" is already used by content/countries/kenya.md'
    ]


def test_file_names_must_be_slugs(content):
    store = ContentStore(content, check_interval=0)
    write(content / "countries" / "Ghana Draft.md", KENYA.replace("iso: KE", "iso: GH"))
    [problem] = store.snapshot().problems
    assert str(problem) == (
        "content/countries/Ghana Draft.md:1: file: name must be lowercase letters, digits and hyphens, ending .md"
    )


def test_a_symlink_out_of_the_content_folder_is_refused(content, tmp_path):
    secret = write(tmp_path / "secret.md", KENYA.replace("iso: KE", "iso: GH"))
    (content / "countries" / "ghana.md").symlink_to(secret)
    snap = ContentStore(content, check_interval=0).snapshot()
    assert "ghana" not in snap.briefings
    assert str(snap.problems[0]).endswith("file: is a symlink to a file outside the content folder")


def test_an_oversized_file_is_refused_without_being_parsed(content):
    write(content / "countries" / "ghana.md", KENYA.replace("iso: KE", "iso: GH") + "x" * 2_000_000)
    store = ContentStore(content, check_interval=0, max_bytes=1_000_000)
    snap = store.snapshot()
    assert "ghana" not in snap.briefings
    assert "over the limit of 1,000,000" in str(snap.problems[0])


def test_changing_the_regions_revalidates_every_briefing(content):
    store = ContentStore(content, check_interval=0)
    assert "kenya" in store.snapshot().briefings
    site = content / "site.yaml"
    site.write_text(SITE_YAML.replace("{name: Africa, slug: africa}", "{name: Sub-Saharan Africa, slug: africa}"))
    bump(site)
    snap = store.snapshot()
    assert str(snap.problems[0]).startswith('content/countries/kenya.md:4: region: "Africa" is not a region')


def test_at_start_up_one_briefing_is_parsed_without_waiting_for_the_others(content):
    codes = ["FR", "DE", "IT", "ES", "PT", "NL", "BE", "AT", "CH", "SE", "NO", "DK", "FI", "PL", "CZ"]
    for code in codes:
        write(content / "countries" / f"c-{code.lower()}.md", KENYA.replace("iso: KE", f"iso: {code}"))
    store = ContentStore(content, check_interval=0)
    snap = store.snapshot()
    before = store.parse_count  # site.yaml and the pages are parsed at once: there are few
    assert snap.briefings.get("kenya").meta.country == "Kenya"
    assert store.parse_count == before + 1
    assert len(snap.briefings) == 1 + len(codes)
    assert store.parse_count == before + 1 + len(codes)
    assert snap.problems == ()


def test_listing_every_briefing_hashes_each_files_bytes_once(content, monkeypatch):
    codes = ["FR", "DE", "IT"]
    for code in codes:
        write(content / "countries" / f"c-{code.lower()}.md", KENYA.replace("iso: KE", f"iso: {code}"))
    hashed: list[bytes] = []

    def counted(raw: bytes) -> str:
        hashed.append(raw)
        return real(raw)

    real = parse.digest
    monkeypatch.setattr(parse, "digest", counted)
    monkeypatch.setattr(loader, "digest", counted)
    store = ContentStore(content, check_interval=0)
    snap = store.snapshot()
    sources = snap.briefings.sources()  # what an export reads first: every file's digests
    assert len(snap.briefings) == 1 + len(codes)
    files = [path.read_bytes() for path in sorted((content / "countries").glob("*.md"))]
    for raw in files:
        assert hashed.count(raw) == 1
        assert hashed.count(raw[: parse.front_matter_end(raw)]) == 1
    for slug, source in sources.items():
        briefing = snap.briefings[slug]
        assert (briefing.digest, briefing.front_digest) == (source.digest, source.front_digest)
        raw = (content / "countries" / f"{slug}.md").read_bytes()
        assert briefing.digest == real(raw) and briefing.front_digest == parse.front_matter_digest(raw)


def test_a_lookup_of_a_briefing_whose_iso_code_is_shared_waits_for_the_rule(content):
    write(content / "countries" / "a-kenya.md", KENYA)  # a newcomer reusing KE, listed first
    old = content / "countries" / "kenya.md"
    stat = old.stat()
    os.utime(old, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**10))  # kenya.md is the older file
    snap = ContentStore(content, check_interval=0).snapshot()
    assert snap.briefings.get("a-kenya") is None
    assert snap.briefings.get("kenya") is not None


@pytest.mark.parametrize(
    "front",
    [
        b"---\niso: KE\n",
        b"---\niso: 'ke'  # Kenya\n",
        b'---\niso: "GB-SCT"\n',
        b"---\niso: KE\niso: GH\n",  # twice: not plainly there
        b"---\niso: [KE]\niso: GH\n",  # one of two lines is a code
        b"---\niso: [KE]\n",
        b"---\n  iso: KE\n",  # indented: not a top-level field
        b"---\nisoish: KE\n",
        b"iso: KE\n",
        b"---\r\niso: KE\r\n",
        b"",
    ],
)
def test_the_iso_code_read_from_raw_lines_is_the_one_the_pattern_finds_alone(front):
    # The start-up shortcut matches at the one line starting "iso:"; the pattern's own search is the reference.
    found = loader._RAW_ISO.findall(front)
    assert loader._raw_iso(front) == (found[0].decode().upper() if len(found) == 1 else None)


def _front_end_by_search(raw: bytes) -> int:
    # The definition: the end of the second fence a search finds, when the first opens the file.
    if b"\r" in raw:
        return len(raw)
    fences = parse._FENCE.finditer(raw)
    first, second = next(fences, None), next(fences, None)
    return second.end() if first is not None and first.start() == 0 and second is not None else len(raw)


@given(
    st.lists(st.sampled_from([b"-", b"---", b"\n", b"\n---\n", b" ", b"\t", b"a", b": "]), max_size=24).map(b"".join)
)
def test_the_front_matter_ends_where_a_search_for_fences_says(raw):
    assert parse.front_matter_end(raw) == _front_end_by_search(raw)


def test_the_front_matter_of_every_shipped_briefing_ends_where_a_search_says():
    for file in (Path(__file__).parent.parent / "content" / "countries").glob("*.md"):
        raw = file.read_bytes()
        assert parse.front_matter_end(raw) == _front_end_by_search(raw)
