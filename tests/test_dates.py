import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from votebrief.dates import DateError, DateRange, ElectionDate, PartialDate, Precision, Status, Timing, parse_when

TODAY = dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("written", "precision", "shown"),
    [
        ("2021-01-10", Precision.DAY, "January 10, 2021"),
        ("2024-06", Precision.MONTH, "June 2024"),
        ("2024", Precision.YEAR, "2024"),
        (2024, Precision.YEAR, "2024"),
        (dt.date(2019, 6, 9), Precision.DAY, "June 9, 2019"),
    ],
)
def test_each_precision_parses_and_displays(written, precision, shown):
    date = PartialDate.parse(written)
    assert date.precision is precision
    assert date.display() == shown


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("2027-02-30", '"2027-02-30" is not a date: February 2027 has 28 days'),
        ("2027-13-10", '"2027-13-10" is not a date: there is no month 13'),
        ("10/01/2021", '"10/01/2021" is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)'),
        ("2021-1-10", '"2021-1-10" is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)'),
        (True, "True is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"),
        (1200, '"1200" is too early: the site covers dates from 1800 on'),
    ],
)
def test_impossible_dates_are_refused_with_a_reason(written, message):
    for _ in range(2):  # dates are kept once parsed; a refusal is not
        with pytest.raises(DateError) as caught:
            PartialDate.parse(written)
        assert str(caught.value) == message


@pytest.mark.parametrize(
    ("when", "by", "status", "shown"),
    [
        ("2021-01-10", None, Status.SCHEDULED, "January 10, 2021"),
        (None, "2021-01-21", Status.SCHEDULED, "By January 21, 2021"),
        ("2024-06", None, Status.DUE, "June 2024 (due)"),
        ("2021-10-10", None, Status.TENTATIVE, "October 10, 2021 (tentative)"),
        ("2021-02-08", None, Status.POSTPONED, "Set for February 8, 2021 — postponed"),
        ("2020-10-04", None, Status.ANNULLED, "October 4, 2020 — annulled"),
        ("2020-10-04", None, Status.CANCELLED, "October 4, 2020 — cancelled"),
        ({"start": "2020-10-28", "end": "2020-11-07"}, None, Status.HELD, "October 28 – November 7, 2020"),
        ({"start": "2024-04-19", "end": "2024-04-26"}, None, Status.HELD, "April 19–26, 2024"),
        ({"start": "2020-12-30", "end": "2021-01-02"}, None, Status.HELD, "December 30, 2020 – January 2, 2021"),
    ],
)
def test_every_pattern_of_the_spec_is_said_in_the_sites_words(when, by, status, shown):
    date = ElectionDate(parse_when(when) if when else None, PartialDate.parse(by) if by else None)
    assert date.display(status) == shown


def test_a_range_must_not_end_before_it_starts():
    with pytest.raises(DateError, match="ends"):
        parse_when({"start": "2020-11-07", "end": "2020-10-28"})


def test_a_range_needs_full_dates():
    with pytest.raises(DateError, match="full date"):
        DateRange(PartialDate.parse("2020-10"), PartialDate.parse("2020-11-07"))


def test_month_only_date_sorts_after_exact_dates_of_that_month():
    exact = PartialDate.parse("2027-06-30")
    month = PartialDate.parse("2027-06")
    next_month = PartialDate.parse("2027-07-01")
    year = PartialDate.parse("2027")
    assert sorted([year, next_month, month, exact], key=PartialDate.sort_key) == [exact, month, next_month, year]


def test_year_only_date_sorts_before_the_next_year():
    assert PartialDate.parse("2027").sort_key() < PartialDate.parse("2028-01-01").sort_key()


@pytest.mark.parametrize(
    ("when", "status", "timing"),
    [
        ("2027-08-10", Status.SCHEDULED, Timing.UPCOMING),
        ("2026-11-24", Status.SCHEDULED, Timing.UPCOMING),  # election day itself is still upcoming
        ("2026-11", Status.DUE, Timing.UPCOMING),  # the month is not over
        ("2026", Status.DUE, Timing.UPCOMING),
        ("2026-11-23", Status.SCHEDULED, Timing.OVERDUE),
        ("2024-06", Status.DUE, Timing.OVERDUE),
        ("2021-02-08", Status.POSTPONED, Timing.UPCOMING),
        ("2027-08-10", Status.HELD, Timing.PAST),
        ("2020-10-04", Status.ANNULLED, Timing.PAST),
    ],
)
def test_upcoming_or_past_is_computed_from_today(when, status, timing):
    assert ElectionDate(parse_when(when)).timing(status, TODAY) is timing


days = st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 12, 31))


@st.composite
def partial_dates(draw) -> PartialDate:
    day = draw(days)
    precision = draw(st.sampled_from(list(Precision)))
    if precision is Precision.DAY:
        return PartialDate(day.year, day.month, day.day)
    if precision is Precision.MONTH:
        return PartialDate(day.year, day.month)
    return PartialDate(day.year)


@given(partial_dates())
def test_a_date_survives_writing_and_reading_back(date):
    assert PartialDate.parse(date.isoformat()) == date
    assert PartialDate.parse(f" {date.isoformat()}\t") == date  # the same date, kept from the first parse
    if date.precision is Precision.YEAR:
        assert PartialDate.parse(date.year) == date


@given(partial_dates())
def test_a_date_spans_from_its_earliest_to_its_latest_day(date):
    assert date.earliest() <= date.latest()
    assert (date.earliest() == date.latest()) == (date.precision is Precision.DAY)


@given(partial_dates(), partial_dates())
def test_ordering_never_puts_a_less_precise_date_before_a_day_it_contains(a, b):
    # If b's span lies inside a's span and a is less precise, a sorts after b.
    if a.precision != b.precision and a.earliest() <= b.earliest() and b.latest() <= a.latest():
        assert a.sort_key() > b.sort_key()
    # The order is total and consistent with the calendar for disjoint spans.
    if a.latest() < b.earliest():
        assert a.sort_key() < b.sort_key()


@given(st.text(max_size=20))
def test_any_text_either_parses_or_raises_a_date_error(text):
    with contextlib.suppress(DateError):
        PartialDate.parse(text)


def test_a_briefings_elections_are_placed_once_a_day_and_again_the_next_day(app):
    from votebrief import views
    from votebrief.web.state import snapshot

    with app.test_request_context():
        kenya = snapshot().briefings["kenya"]
        before, after = dt.date(2027, 8, 9), dt.date(2027, 8, 11)  # around its election of 2027-08-10
        assert views.entries(kenya, before) is views.entries(kenya, before)
        assert views.next_election(kenya, before) == views.briefing_view(kenya, before).next
        assert views.next_election(kenya, before).timing is Timing.UPCOMING
        assert views.next_election(kenya, after) is None
        assert list(kenya.day_entries) == [after]  # only the current day is kept
