"""Each class of content error, with the exact message an author sees."""

import pycountry
import pytest

from votebrief.errors import ContentFileError
from votebrief.model import subdivision_codes
from votebrief.parse import parse_briefing, parse_site_config

REGIONS = ["Africa", "Europe"]
PATH = "content/countries/kenya.md"

GOOD = """\
---
country: Kenya
iso: KE
region: Africa
summary: Kenya votes.
elections:
  - kind: general
    date: 2027-08-10
    status: scheduled
---
Body.
"""


def problems(text: str | bytes) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(ContentFileError) as caught:
        parse_briefing(raw, PATH, "kenya", REGIONS)
    return [str(p) for p in caught.value.problems]


def test_a_good_file_parses():
    briefing = parse_briefing(GOOD.encode(), PATH, "kenya", REGIONS)
    assert briefing.meta.country == "Kenya"
    assert briefing.body.strip() == "Body."
    assert briefing.line_of("elections", 0, "date") == 8


def test_unknown_field_names_its_line_and_suggests_the_right_name():
    text = GOOD.replace("summary:", "sumary:")
    assert problems(text) == [
        f"{PATH}:2: summary: is required but missing",
        f'{PATH}:5: sumary: unknown field "sumary" (did you mean "summary"?)',
    ]


def test_unknown_field_inside_an_election_is_located_in_the_list():
    text = GOOD.replace("    status: scheduled", "    status: scheduled\n    snapp: true")
    assert problems(text) == [f'{PATH}:10: elections[0].snapp: unknown field "snapp" (did you mean "snap"?)']


def test_impossible_date_is_reported_on_its_line():
    text = GOOD.replace("2027-08-10", "2027-02-30")
    assert problems(text) == [f'{PATH}:8: elections[0].date: "2027-02-30" is not a date: February 2027 has 28 days']


def test_wrong_status_suggests_the_nearest_allowed_value():
    text = GOOD.replace("status: scheduled", "status: sheduled")
    [message] = problems(text)
    assert message.startswith(f'{PATH}:9: elections[0].status: "sheduled" is not one of')
    assert message.endswith('(did you mean "scheduled"?)')


def test_unknown_region_lists_the_nearest_known_region():
    assert problems(GOOD.replace("region: Africa", "region: Afrika")) == [
        f'{PATH}:4: region: "Afrika" is not a region in content/site.yaml (did you mean "Africa"?)'
    ]


def test_iso_norway_stays_no_and_is_not_read_as_false():
    text = GOOD.replace("iso: KE", "iso: NO")
    assert parse_briefing(text.encode(), PATH, "kenya", REGIONS).meta.iso == "NO"


def test_a_boolean_where_text_is_expected_asks_for_quotes():
    text = GOOD.replace("country: Kenya", "country: true")
    assert problems(text) == [f"{PATH}:2: country: expected text, got true (put the value in quotes)"]


def test_yes_is_not_a_boolean():
    text = GOOD.replace("    status: scheduled", "    status: scheduled\n    snap: yes")
    assert problems(text) == [f'{PATH}:10: elections[0].snap: expected true or false, got "yes"']


def test_sexagesimal_and_octal_looking_numbers_stay_as_written():
    text = GOOD.replace("summary: Kenya votes.", "summary: 20:00")
    assert parse_briefing(text.encode(), PATH, "kenya", REGIONS).meta.summary == "20:00"
    text = GOOD.replace("    status: scheduled", "    status: scheduled\n    round: 012")
    assert problems(text) == [f'{PATH}:10: elections[0].round: expected a whole number, got "012"']


def test_a_front_matter_that_is_not_a_mapping_is_an_error_not_silently_dropped():
    assert problems("---\n- just\n- a list\n---\nBody\n") == [
        f"{PATH}:2: front-matter: must be a mapping of fields, got list"
    ]


def test_invalid_yaml_points_at_the_line_in_the_file():
    text = GOOD.replace("summary: Kenya votes.", "summary: [unclosed")
    [message] = problems(text)
    assert message.startswith(f"{PATH}:")
    assert "front-matter: invalid YAML" in message


def test_duplicate_keys_are_reported_with_both_lines():
    text = GOOD.replace("iso: KE", "iso: KE\ncountry: Kenia")
    assert problems(text) == [f"{PATH}:4: country: appears twice (first on line 2)"]


def test_missing_front_matter_and_empty_files_are_named():
    assert problems("Just a body\n") == [f"{PATH}:1: front-matter: missing: the file must start with a line '---'"]
    assert problems("") == [f"{PATH}:1: file: is empty; a briefing starts with a '---' front-matter block"]
    assert problems("---\ncountry: X\n") == [
        f"{PATH}:1: front-matter: is not closed: add a line '---' after the last field"
    ]


def test_non_utf8_file_names_the_line_of_the_bad_byte():
    raw = GOOD.encode().replace(b"Kenya votes.", b"Kenya \xe9lections.")
    assert problems(raw) == [f"{PATH}:5: file: is not UTF-8 text (byte 0xe9); save it as UTF-8"]


def test_a_byte_order_mark_is_a_warning_and_the_file_still_parses():
    briefing = parse_briefing(b"\xef\xbb\xbf" + GOOD.encode(), PATH, "kenya", REGIONS)
    assert [str(w) for w in briefing.warnings] == [
        f"{PATH}:1: file: warning: starts with a byte-order mark; save as UTF-8 without BOM"
    ]


def test_an_election_needs_a_date_or_a_deadline():
    text = GOOD.replace("    date: 2027-08-10\n", "")
    assert problems(text) == [f"{PATH}:7: elections[0]: needs a date or a deadline (by)"]


def test_results_belong_only_to_held_elections():
    text = GOOD.replace("    status: scheduled", "    status: scheduled\n    results: {turnout: 60}")
    assert problems(text) == [
        f'{PATH}:7: elections[0]: has results but its status is "scheduled" (results belong to a held election)'
    ]


def test_bad_iso_code_and_bad_url():
    text = GOOD.replace("iso: KE", "iso: QQ").replace(
        "---\nBody", "news:\n  - {outlet: X, title: Y, url: 'javascript:alert(1)'}\n---\nBody"
    )
    assert problems(text) == [
        f'{PATH}:3: iso: "QQ" is not an ISO 3166-1 alpha-2 country code',
        f'{PATH}:11: news[0].url: "javascript:alert(1)" is not a web address (expected http:// or https://)',
    ]


def test_subdivision_codes_are_those_pycountry_knows():
    assert subdivision_codes() == {subdivision.code for subdivision in pycountry.subdivisions}
    assert parse_briefing(GOOD.replace("iso: KE", "iso: gb-sct").encode(), PATH, "kenya", REGIONS).meta.iso == "GB-SCT"
    assert problems(GOOD.replace("iso: KE", "iso: GB-XXX")) == [
        f'{PATH}:3: iso: "GB-XXX" is not an ISO 3166-2 subdivision code'
    ]


def test_a_file_with_windows_line_ends_reads_as_one_with_unix_ones():
    crlf = parse_briefing(GOOD.replace("\n", "\r\n").encode(), PATH, "kenya", REGIONS)
    plain = parse_briefing(GOOD.encode(), PATH, "kenya", REGIONS)
    assert (crlf.meta, crlf.body) == (plain.meta, plain.body)


def test_site_config_errors_are_located_in_site_yaml():
    raw = b"name: X\ntagline: Y\ndescription: Z\ndisclaimer: D\nregions:\n  - {name: Africa, slug: Africa}\n"
    with pytest.raises(ContentFileError) as caught:
        parse_site_config(raw, "content/site.yaml")
    [message] = [str(p) for p in caught.value.problems]
    assert message.startswith("content/site.yaml:6: regions[0].slug: ")
