"""Report periods: the keys stored on runs and used in URLs, their labels, and the way back from
a key (a bad key is a ValueError, which the pages answer with 400)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from dealership.reports import DAY, HALF_MONTH, MONTH, QUARTER, WEEK
from dealership.reports.periods import Period

D = dt.date


@pytest.mark.parametrize(
    ("kind", "day", "key", "start", "end"),
    [
        (DAY, D(2026, 10, 25), "2026-10-25", D(2026, 10, 25), D(2026, 10, 25)),
        (WEEK, D(2026, 10, 21), "2026-W43", D(2026, 10, 19), D(2026, 10, 25)),
        (HALF_MONTH, D(2026, 10, 15), "2026-10-H1", D(2026, 10, 1), D(2026, 10, 15)),
        (HALF_MONTH, D(2026, 10, 16), "2026-10-H2", D(2026, 10, 16), D(2026, 10, 31)),
        (HALF_MONTH, D(2026, 2, 20), "2026-02-H2", D(2026, 2, 16), D(2026, 2, 28)),
        (HALF_MONTH, D(2028, 2, 20), "2028-02-H2", D(2028, 2, 16), D(2028, 2, 29)),
        (MONTH, D(2026, 2, 14), "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        (MONTH, D(2026, 12, 31), "2026-12", D(2026, 12, 1), D(2026, 12, 31)),
        (QUARTER, D(2026, 11, 26), "2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        (QUARTER, D(2026, 1, 1), "2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        (QUARTER, D(2026, 6, 30), "2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
    ],
)
def test_key_and_round_trip(kind, day, key, start, end):
    period = Period.containing(kind, day)
    assert (period.key, period.start, period.end) == (key, start, end)
    assert str(period) == key
    assert Period.from_key(kind, key) == period


def test_iso_weeks_across_the_year_end():
    # 2026 has 53 ISO weeks: its last one ends on Sunday 3 January 2027
    new_years_day = Period.containing(WEEK, D(2027, 1, 1))
    assert new_years_day.key == "2026-W53"
    assert (new_years_day.start, new_years_day.end) == (D(2026, 12, 28), D(2027, 1, 3))
    assert Period.from_key(WEEK, "2026-W53") == new_years_day
    assert new_years_day.next().key == "2027-W01"
    assert new_years_day.next().start == D(2027, 1, 4)
    # and 30 December 2024 already belongs to 2025's first week
    assert Period.containing(WEEK, D(2024, 12, 30)).key == "2025-W01"
    assert Period.from_key(WEEK, "2025-W01").start == D(2024, 12, 30)
    assert Period.from_key(WEEK, "2027-W01").previous().key == "2026-W53"


def test_navigation_across_months_quarters_and_years():
    assert Period.from_key(MONTH, "2026-01").previous().key == "2025-12"
    assert Period.from_key(MONTH, "2026-12").next().key == "2027-01"
    assert Period.from_key(HALF_MONTH, "2026-03-H1").previous().key == "2026-02-H2"
    assert Period.from_key(HALF_MONTH, "2026-02-H2").next().key == "2026-03-H1"
    assert Period.from_key(QUARTER, "2026-Q1").previous().key == "2025-Q4"
    assert Period.from_key(DAY, "2026-03-01").previous().key == "2026-02-28"
    assert [p.key for p in Period.from_key(MONTH, "2026-02").recent(4)] == [
        "2026-02",
        "2026-01",
        "2025-12",
        "2025-11",
    ]


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (MONTH, "2026-13"),
        (MONTH, "2026-00"),
        (MONTH, "2026-1"),
        (MONTH, "26-10"),
        (MONTH, ""),
        (MONTH, None),
        (MONTH, "2026-W43"),  # a week's key is no month
        (MONTH, " 2026-10"),
        (MONTH, "2026-10\n"),
        (DAY, "2026-02-30"),
        (DAY, "2026-10-25T00:00"),
        (WEEK, "2026-W54"),
        (WEEK, "2027-W53"),  # 2027 has 52 ISO weeks
        (WEEK, "2026-W00"),
        (WEEK, "2026-43"),
        (HALF_MONTH, "2026-10-H3"),
        (HALF_MONTH, "2026-13-H1"),
        (QUARTER, "2026-Q5"),
        (QUARTER, "2026-Q0"),
        ("fortnight", "2026-10"),
    ],
)
def test_bad_keys_are_value_errors(kind, key):
    with translation.override("en"), pytest.raises(ValueError, match="Not a valid period"):
        Period.from_key(kind, key)


def test_unknown_kind_cannot_contain_a_day():
    with pytest.raises(ValueError):
        Period.containing("fortnight", D(2026, 10, 1))


def test_labels_for_people():
    with translation.override("en"):
        assert Period.from_key(DAY, "2026-10-25").label == "2026-10-25"
        assert Period.from_key(WEEK, "2026-W53").label == "2026 week 53 (2026-12-28 – 2027-01-03)"
        assert Period.from_key(HALF_MONTH, "2026-02-H2").label == "2026-02-16 – 2026-02-28"
        assert Period.from_key(MONTH, "2026-09").label == "2026-09"
        assert Period.from_key(QUARTER, "2026-Q4").label == "2026 Q4"


@pytest.mark.parametrize("key", ["0001-01", "1999-12", "2100-01", "9999-12"])
def test_a_period_outside_the_years_kept_is_no_period(key):
    with pytest.raises(ValueError):
        Period.from_key("month", key)
