"""The report calendar (报表日历): every report due this month for the dealership, when, who owns
it and its state — upcoming, overdue, generated, awaiting approval, approved, late — for who
reads the reports; HQ opens a dealership's calendar from the group; bad months say why."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from dealership.jobs import Daily, MonthDays
from dealership.models import ReportRun
from dealership.reports import DAY, HALF_MONTH
from dealership.reports.calendar import report_calendar
from dealership.reports.registry import get_report, register_report, unregister_report
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire
from tests.reports.conftest import SAMPLE, sample_gather
from tests.reports.framework import SHANGHAI

URL = reverse("platform:report_calendar")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
TRACKING, DAILY = "tests.cal_tracking", "tests.cal_daily"


@pytest.fixture
def reports(sample_report):
    register_report(
        TRACKING,
        "跟踪 Tracking",
        period=HALF_MONTH,
        due=MonthDays(at=dt.time(17, 0), days=(15, 30)),
        department="crm",
        owners=("csi_ssi_admin",),
        covers="current",
        approval=True,
    )(sample_gather)
    register_report(
        DAILY,
        "日报 Daily",
        period=DAY,
        due=Daily(at=dt.time(9, 30)),
        department="crm",
        recipients=("gm",),
    )(sample_gather)
    yield
    unregister_report(TRACKING)
    unregister_report(DAILY)


@pytest.fixture
def owner(cast):
    user = UserFactory(username="cal_owner", name="调查员小陈")
    hire(user, cast.a, "csi_ssi_admin")
    return user


def _tracking_run(dealership, key, status, finished_at=None):
    from dealership.reports.periods import Period

    period = Period.from_key(HALF_MONTH, key)
    with dealership_context(dealership):
        return ReportRun.objects.create(
            dealership=dealership,
            report=TRACKING,
            department_code="crm",
            period_kind=period.kind,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            status=status,
            finished_at=finished_at,
        )


def _lines(cast, user):
    with time_machine.travel(NOW, tick=False), dealership_context(cast.a):
        return [
            line
            for line in report_calendar(user, cast.a, dt.date(2026, 11, 1))
            if line.report.code in (SAMPLE, TRACKING, DAILY)
        ]


def test_the_month_lists_each_due_date_with_its_state_and_owner(cast, reports, owner):
    _tracking_run(
        cast.a, "2026-11-H1", "in_approval", dt.datetime(2026, 11, 15, 16, 0, tzinfo=SHANGHAI)
    )
    for day in range(1, 20):
        if day % 2:  # half of the days' daily report made
            key = f"2026-11-{day - 1:02d}" if day > 1 else "2026-10-31"
            with dealership_context(cast.a):
                ReportRun.objects.create(
                    dealership=cast.a,
                    report=DAILY,
                    department_code="crm",
                    period_kind="day",
                    period_key=key,
                    period_start=dt.date(2026, 11, 1),
                    period_end=dt.date(2026, 11, 1),
                    status="done",
                )
    lines = _lines(cast, cast.user_a)
    by = {(line.report.code, line.period.key if line.period else None): line for line in lines}

    # the monthly sample is due on the first working day, for October: not generated → overdue
    sample = by[(SAMPLE, "2026-10")]
    assert sample.state == "due" and sample.run is None
    # the 15th's tracking run waits for approval, on time; the 30th is to come
    first_half = by[(TRACKING, "2026-11-H1")]
    assert first_half.run is not None and first_half.state == "in_approval"
    assert first_half.due_at == dt.datetime(2026, 11, 15, 17, 0, tzinfo=SHANGHAI)
    assert first_half.owners == ["调查员小陈"]
    second_half = by[(TRACKING, "2026-11-H2")]
    assert second_half.state == "upcoming" and second_half.openable  # under way: viewable
    # the daily report is one line: 20 days due by the 20th 10:00, 10 done
    daily = by[(DAILY, None)]
    assert (daily.done_days, daily.due_days) == (10, 20) and daily.state == "due"
    # ordered by due time, the daily line first
    assert lines[0].report.code == DAILY


def test_a_late_run_and_an_unapproved_one_past_due_are_marked_late(cast, reports, owner):
    _tracking_run(cast.a, "2026-11-H1", "done", dt.datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI))
    line = next(
        line
        for line in _lines(cast, cast.user_a)
        if line.period and line.period.key == "2026-11-H1"
    )
    assert line.late


def test_the_page_for_a_reader_in_chinese_and_the_owner(client, cast, reports, owner):
    client.force_login(cast.user_a)
    with time_machine.travel(NOW, tick=False):
        page = client.get(URL)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-report="tests.cal_tracking"' in html and "调查员小陈" in html
        assert "?month=2026-10" in html and "?month=2026-12" in html
        assert client.get(URL, {"month": "2026-10"}).status_code == 200


@pytest.mark.parametrize("month", ["2026-13", "junk", "1999-12", "2100-01"])
def test_a_bad_month_is_a_clear_400(client, cast, reports, month):
    client.force_login(cast.user_a)
    response = client.get(URL, {"month": month})
    assert response.status_code == 400


def test_who_sees_the_calendar(client, cast, reports):
    consultant = UserFactory(username="cal_consultant")
    hire(consultant, cast.a, "sales_consultant")  # reads no report
    client.force_login(consultant)
    assert client.get(URL).status_code == 403
    # a sales manager reads the sales department's reports only: not the CRM's tracking
    manager = UserFactory(username="cal_manager")
    hire(manager, cast.a, "sales_manager")
    client.force_login(manager)
    page = client.get(URL)
    assert page.status_code == 200 and TRACKING not in page.content.decode()
    # dealership B's GM sees B's calendar, none of A's runs
    _tracking_run(cast.a, "2026-11-H1", "approved")
    client.force_login(cast.user_b)
    with time_machine.travel(NOW, tick=False):
        html = client.get(URL).content.decode()
    assert "/platform/reports/runs/" not in html


def test_the_catalogue_links_the_calendar(client, cast, reports):
    client.force_login(cast.user_a)
    assert URL in client.get(reverse("platform:report_list")).content.decode()
    assert get_report(TRACKING).approval
