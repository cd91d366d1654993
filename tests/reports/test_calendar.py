"""Due rules on the mainland-China working-day calendar (chinese_calendar's real holidays and
make-up working days), month ends, the dealership's own time zone, the administrator's holiday
overrides, and the loud fallback for a year the calendar does not cover."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
import time_machine

from dealership.checks import check_holiday_calendar
from dealership.jobs import (
    Daily,
    MonthDays,
    Monthly,
    calendar_covers,
    forget_holiday_overrides,
    get_job,
    is_working_day,
    uncovered_years,
)
from dealership.models import Dealership, HolidayOverride, JobRun, ReportRun
from dealership.reports import CURRENT, HALF_MONTH, MONTH
from dealership.reports.periods import Period
from dealership.reports.registry import get_report, register_report, unregister_report
from dealership.services import job_run_execute, jobs_dispatch
from dealership.tenancy import dealership_context, system_context
from tests.english import *  # noqa: F403 (messages in English)
from tests.reports.conftest import SAMPLE, sample_gather
from tests.reports.framework import SHANGHAI, UTC, logged

D = dt.date
JOB = f"report:{SAMPLE}"


def due_days(schedule, year: int, month: int) -> list[dt.date]:
    last = calendar.monthrange(year, month)[1]
    days = [D(year, month, n) for n in range(1, last + 1)]
    return [day for day in days if schedule.is_due_on(day)]


# --- first working day of the month, with the real holidays ------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "first", "why"),
    [
        # National Day and Mid-Autumn 2025: 1–8 October off (Saturday 11 October worked)
        (2025, 10, D(2025, 10, 9), "after the National Day holiday"),
        # National Day 2026: 1–7 October off, Thursday 8 October is the first working day
        (2026, 10, D(2026, 10, 8), "after the National Day holiday"),
        # Spring Festival 2025: 28 January – 4 February off
        (2025, 2, D(2025, 2, 5), "after the Spring Festival"),
        # February 2026 starts on a Sunday (the Spring Festival comes mid-month)
        (2026, 2, D(2026, 2, 2), "a month starting on a weekend"),
        # 1–3 January 2026 off, Sunday 4 January is a make-up working day
        (2026, 1, D(2026, 1, 4), "a make-up working Sunday"),
        # Labour Day 2026: 1–5 May off
        (2026, 5, D(2026, 5, 6), "after Labour Day"),
        (2026, 11, D(2026, 11, 2), "a month starting on a Sunday"),
    ],
)
def test_first_working_day_of_the_month(db, holidays, year, month, first, why):
    assert due_days(Monthly(day=0, at=dt.time(17, 0)), year, month) == [first], why


def test_working_days_follow_make_up_days_and_holidays(db, holidays):
    # Spring Festival 2026: 15–23 February off; Saturdays 14 and 28 February are worked
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))
    assert not any(is_working_day(D(2026, 2, n)) for n in range(15, 24))
    assert due_days(Daily(working_days_only=True), 2026, 2)[-3:] == [
        D(2026, 2, 26),
        D(2026, 2, 27),
        D(2026, 2, 28),
    ]
    assert D(2026, 2, 17) not in due_days(Daily(working_days_only=True), 2026, 2)
    assert len(due_days(Daily(), 2026, 2)) == 28


def test_a_monthly_report_is_due_on_the_first_working_day_after_the_holiday(
    db, cast, holidays, sample_report
):
    report = sample_report  # the month before, first working day 17:00
    assert report.period_due_on(D(2026, 10, 8)).key == "2026-09"
    assert report.due_at(Period.from_key(MONTH, "2026-09"), cast.a) == dt.datetime(
        2026, 10, 8, 17, 0, tzinfo=SHANGHAI
    )
    assert report.due_at(Period.from_key(MONTH, "2025-09"), cast.a) == dt.datetime(
        2025, 10, 9, 17, 0, tzinfo=SHANGHAI
    )
    assert report.due_at(Period.from_key(MONTH, "2025-01"), cast.a).date() == D(2025, 2, 5)
    # December's report is due on the make-up working Sunday, 4 January 2026
    assert report.due_at(Period.from_key(MONTH, "2025-12"), cast.a).date() == D(2026, 1, 4)
    assert report.latest_period(D(2026, 10, 5)).key == "2026-09"
    # the job runs "lead" (an hour) before the due time, on the same days
    job = get_job(JOB)
    assert job.schedule.at == dt.time(16, 0)
    assert due_days(job.schedule, 2026, 10) == [D(2026, 10, 8)]


# --- 15th and 30th, last day ------------------------------------------------------------------


@pytest.fixture
def half_month_report(sample_report):
    register_report(
        "tests.half",
        "半月报 Half-month report",
        period=HALF_MONTH,
        due=MonthDays(days=(15, 30), at=dt.time(18, 0)),
        department="crm",
        covers=CURRENT,
    )(sample_gather)
    yield get_report("tests.half")
    unregister_report("tests.half")


@pytest.fixture
def month_end_report(sample_report):
    register_report(
        "tests.month_end",
        "月末报 Month-end report",
        period=MONTH,
        due=Monthly(day=-1, at=dt.time(20, 0)),
        department="crm",
        covers=CURRENT,
    )(sample_gather)
    yield get_report("tests.month_end")
    unregister_report("tests.month_end")


def test_fifteenth_and_thirtieth(db, cast, half_month_report):
    rule = half_month_report.due
    assert due_days(rule, 2026, 2) == [D(2026, 2, 15), D(2026, 2, 28)]  # the 30th is the 28th
    assert due_days(rule, 2028, 2) == [D(2028, 2, 15), D(2028, 2, 29)]
    assert due_days(rule, 2026, 10) == [D(2026, 10, 15), D(2026, 10, 30)]  # not the 31st
    assert due_days(rule, 2026, 4) == [D(2026, 4, 15), D(2026, 4, 30)]
    # each half month is reported on its own due day
    assert half_month_report.period_due_on(D(2026, 2, 28)).key == "2026-02-H2"
    assert half_month_report.period_due_on(D(2026, 2, 15)).key == "2026-02-H1"
    due = {
        key: half_month_report.due_at(Period.from_key(HALF_MONTH, key), cast.a)
        for key in ("2026-02-H1", "2026-02-H2", "2026-10-H2")
    }
    assert due == {
        "2026-02-H1": dt.datetime(2026, 2, 15, 18, 0, tzinfo=SHANGHAI),
        "2026-02-H2": dt.datetime(2026, 2, 28, 18, 0, tzinfo=SHANGHAI),
        "2026-10-H2": dt.datetime(2026, 10, 30, 18, 0, tzinfo=SHANGHAI),
    }


def test_last_day_of_the_month(db, cast, month_end_report):
    rule = month_end_report.due
    assert due_days(rule, 2026, 2) == [D(2026, 2, 28)]
    assert due_days(rule, 2028, 2) == [D(2028, 2, 29)]
    assert due_days(rule, 2026, 9) == [D(2026, 9, 30)]
    assert due_days(rule, 2026, 12) == [D(2026, 12, 31)]
    assert due_days(Monthly(day=31), 2026, 2) == [D(2026, 2, 28)]
    assert month_end_report.due_at(Period.from_key(MONTH, "2026-02"), cast.a) == dt.datetime(
        2026, 2, 28, 20, 0, tzinfo=SHANGHAI
    )
    assert month_end_report.period_due_on(D(2026, 2, 28)).key == "2026-02"


# --- time zones -------------------------------------------------------------------------------


def _job_runs(dealership, day):
    with system_context():
        return list(JobRun.objects.filter(dealership=dealership, job=JOB, run_date=day))


def test_the_job_is_due_by_the_dealerships_own_clock(db, cast, holidays, sample_report):
    """A (Shanghai, UTC+8) and B (Urumqi, UTC+6): the report of September is due on Thursday
    8 October 17:00 local, its job an hour before — two hours apart in real time."""
    Dealership.objects.filter(pk=cast.b.pk).update(time_zone="Asia/Urumqi")
    opened = dt.datetime(2025, 1, 1, tzinfo=UTC)
    Dealership.objects.filter(pk__in=[cast.a.pk, cast.b.pk]).update(created_at=opened)
    queued: list[int] = []

    def dispatch(at):
        queued.extend(jobs_dispatch(now=at, enqueue=lambda run_id, dealership_id: None))

    # 15:30 in Shanghai, 13:30 in Urumqi: not yet
    dispatch(dt.datetime(2026, 10, 8, 7, 30, tzinfo=UTC))
    assert _job_runs(cast.a, D(2026, 10, 8)) == [] and _job_runs(cast.b, D(2026, 10, 8)) == []
    # none on the holidays before
    assert not any(_job_runs(cast.a, D(2026, 10, n)) for n in range(1, 8))
    # 16:30 in Shanghai, 14:30 in Urumqi: A's only
    dispatch(dt.datetime(2026, 10, 8, 8, 30, tzinfo=UTC))
    (run_a,) = _job_runs(cast.a, D(2026, 10, 8))
    assert _job_runs(cast.b, D(2026, 10, 8)) == []
    # 16:30 in Urumqi: B's too
    dispatch(dt.datetime(2026, 10, 8, 10, 30, tzinfo=UTC))
    (run_b,) = _job_runs(cast.b, D(2026, 10, 8))
    assert len(_job_runs(cast.a, D(2026, 10, 8))) == 1
    assert run_a.pk in queued and run_b.pk in queued

    for job_run in (run_a, run_b):
        with dealership_context(job_run.dealership_id):  # as the task does
            assert job_run_execute(job_run_id=job_run.pk).state == JobRun.State.SUCCEEDED
    with system_context():
        due = dict(
            ReportRun.objects.filter(report=SAMPLE).values_list("dealership__code", "due_at")
        )
        keys = set(ReportRun.objects.filter(report=SAMPLE).values_list("period_key", flat=True))
    assert keys == {"2026-09"}
    assert due["a"] == dt.datetime(2026, 10, 8, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    assert due["b"] == dt.datetime(2026, 10, 8, 11, 0, tzinfo=UTC)  # 17:00 in Urumqi


# --- holiday overrides and the uncovered year --------------------------------------------------


def test_an_override_makes_a_day_a_holiday_or_a_working_day(db, cast, holidays, sample_report):
    HolidayOverride.objects.create(date=D(2026, 10, 8), is_working_day=False, name="extra day")
    HolidayOverride.objects.create(date=D(2026, 11, 1), is_working_day=True, name="make-up")
    forget_holiday_overrides()
    assert not is_working_day(D(2026, 10, 8))
    assert is_working_day(D(2026, 11, 1))  # a Sunday
    assert due_days(Monthly(day=0), 2026, 10) == [D(2026, 10, 9)]
    assert due_days(Monthly(day=0), 2026, 11) == [D(2026, 11, 1)]
    assert sample_report.due_at(Period.from_key(MONTH, "2026-09"), cast.a) == dt.datetime(
        2026, 10, 9, 17, 0, tzinfo=SHANGHAI
    )


def test_an_uncovered_year_falls_back_to_monday_to_friday_loudly(db, holidays):
    assert not calendar_covers(2027)
    with logged() as records:
        assert is_working_day(D(2027, 1, 1))  # a Friday (New Year's Day, unknown here)
        assert not is_working_day(D(2027, 1, 2))  # a Saturday
        assert is_working_day(D(2027, 1, 4))
    warnings = [r.getMessage() for r in records]
    assert len(warnings) == 1, warnings  # once per year and process
    assert "does not cover 2027" in warnings[0] and "holiday overrides" in warnings[0]
    # the administrator enters the year's holidays
    HolidayOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
    forget_holiday_overrides()
    assert calendar_covers(2027)
    with logged() as records:
        assert not is_working_day(D(2027, 1, 1))
        assert is_working_day(D(2027, 1, 4))  # the overrides' year: weekdays as ever
    assert records == []


def _w011():
    return [m for m in check_holiday_calendar() if m.id == "dealership.W011"]


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (dt.datetime(2027, 3, 1, 12, tzinfo=UTC), [2027]),
        (dt.datetime(2026, 12, 5, 12, tzinfo=UTC), [2027]),  # December: next year too
        (dt.datetime(2026, 11, 20, 12, tzinfo=UTC), []),
    ],
)
def test_system_check_w011_warns_for_an_uncovered_year(db, holidays, today, years):
    with time_machine.travel(today, tick=False):
        assert uncovered_years(dt.date.today()) == years
        messages = _w011()
    assert [m.msg for m in messages] == [
        f"The holiday calendar does not cover {year}: Monday to Friday would be taken as "
        "working days."
        for year in years
    ]
    assert all("holiday overrides" in m.hint for m in messages)


def test_system_check_w011_is_silent_once_the_year_has_overrides(db, holidays):
    HolidayOverride.objects.create(date=D(2027, 2, 6), is_working_day=False, name="春节")
    forget_holiday_overrides()
    with time_machine.travel(dt.datetime(2027, 3, 1, 12, tzinfo=UTC), tick=False):
        assert _w011() == []


# --- the job-runs page tells ---------------------------------------------------------------------


def test_the_job_runs_page_warns_of_the_gap(db, cast, holidays, client_for):
    from dealership.models import User

    with time_machine.travel(dt.datetime(2026, 12, 5, 2, tzinfo=UTC), tick=False):
        page = client_for(cast.user_a).get("/platform/jobs/")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="calendar-gap"' in html
        assert "does not cover 2027" in html and "Monday to Friday" in html
        assert "holiday overrides" in html
        assert "/admin/dealership/holidayoverride/" not in html  # not staff
        User.objects.filter(pk=cast.user_a.pk).update(is_staff=True)
        cast.user_a.refresh_from_db()
        html = client_for(cast.user_a).get("/platform/jobs/").content.decode()
        assert 'href="/admin/dealership/holidayoverride/"' in html
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=UTC), tick=False):
        html = client_for(cast.user_a).get("/platform/jobs/").content.decode()
        assert 'data-testid="calendar-gap"' not in html


def test_the_notice_costs_the_same_queries_on_every_view(db, cast, holidays, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    with time_machine.travel(dt.datetime(2026, 12, 5, 2, tzinfo=UTC), tick=False):
        client = client_for(cast.user_a)
        forget_holiday_overrides()
        for _i in range(2):
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/platform/jobs/").status_code == 200
            counts.append(len(queries))
        # the administrator enters 2027: the notice goes at once
        HolidayOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
        html = client.get("/platform/jobs/").content.decode()
    assert counts[0] == counts[1], counts
    assert 'data-testid="calendar-gap"' not in html
