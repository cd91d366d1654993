"""The CRM department's calendar reports (``crm/reports/followups.py``): their declarations
(period, due time, department, recipients), and their numbers against records made through
the real services (customer events → follow-ups, calls recorded on the call screen's service,
complaints through their state machine) — periods bounded in the dealership's own time zone,
other dealerships' records never counted, phone numbers masked, a fixed number of queries
however many records, and a scheduled run that writes the PDF and tells the management once."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import FollowUp
from dealership.actors import SYSTEM
from dealership.reports import get_report
from dealership.reports.periods import Period
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
d = dt.date
WEEK = Period("week", d(2026, 3, 9), d(2026, 3, 15))
MARCH = Period("month", d(2026, 3, 1), d(2026, 3, 31))
_serial = itertools.count(1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


# --- builders: the real services ------------------------------------------------------------------


def followup(dealership, n_day, *, kind="sales", staff=None, specialist=None, mobile=None):
    """The follow-up of a delivery (service visit) on ``n_day`` served by ``staff``, recorded
    as sales (after-sales) record it, given to ``specialist``."""
    customer = make_owner(dealership, staff, mobile=mobile or f"139{next(_serial):08d}")
    event = make_event(dealership, kind=kind, customer=customer, occurred_on=n_day, staff=staff)
    with dealership_context(dealership):
        row = FollowUp.objects.get(event=event)
        if specialist is not None:
            FollowUp.objects.filter(pk=row.pk).update(specialist=specialist)
        return FollowUp.objects.select_related("customer", "specialist").get(pk=row.pk)


def answers(dealership, kind, score) -> dict:
    from crm.services.surveys import active_questionnaire

    with dealership_context(dealership):
        questionnaire = active_questionnaire(kind)
        values = {"yes_no": True, "choice": None, "text": "很好", "score": score}
        result = {}
        for question in questionnaire.questions.all():
            value = values[question.kind]
            if question.kind == "choice":
                value = question.choices[0]
            result[question.pk] = value
        return result


def call(dealership, row, outcome, when, *, score=None):
    """One call of ``row`` by its specialist at ``when`` (a connected call with its survey:
    every score question answered ``score``; under 7 it opens a complaint)."""
    from crm.services.calls import followup_call_record

    survey = answers(dealership, row.kind, score) if outcome == "connected" else None
    with dealership_context(dealership):
        return followup_call_record(
            actor=row.specialist, followup_id=row.pk, outcome=outcome, answers=survey, at=when
        )


def face_to_face(dealership, row, actor, when, score=9):
    from crm.services.surveys import survey_record

    with dealership_context(dealership):
        return survey_record(
            actor=actor,
            followup_id=row.pk,
            answers=answers(dealership, row.kind, score),
            channel="face_to_face",
            at=when,
        )


def gather(code, dealership, period):
    with dealership_context(dealership):
        return get_report(code).gather(SYSTEM, period)


def table(content, title):
    (found,) = [t for t in content.tables if str(t.title) == title]
    return found


def rows_by(found, *keys):
    """``{(key columns): rest of the row}``."""
    n = len(keys) or found.keys
    return {tuple(row[:n]): row[n:] for row in found.rows}


def figures(content) -> dict:
    return {str(label): value for label, value, _kind in content.figures}


# --- the declarations ------------------------------------------------------------------------------


def test_the_reports_are_declared_on_the_calendar():
    from dealership.jobs import get_job

    expected = {
        "crm.daily_summary": ("day", "gm_office", ("deputy_gm", "gm")),
        "crm.followup_weekly": ("week", "crm", ("deputy_gm", "gm", "crm_director")),
        "crm.unreachable_weekly": ("week", "sales", ("sales_manager",)),
        "crm.sales_satisfaction": ("month", "crm", ("deputy_gm", "gm")),
        "crm.sales_complaints": ("month", "crm", ("deputy_gm", "gm")),
        "crm.service_satisfaction": ("month", "crm", ("deputy_gm", "gm")),
        "crm.aftersales_complaints": ("month", "crm", ("deputy_gm", "gm")),
        "crm.work_summary": ("month", "crm", ("deputy_gm", "gm")),
    }
    for code, (period, department, recipients) in expected.items():
        report = get_report(code)
        assert (report.period, report.department, report.recipients) == (
            period,
            department,
            recipients,
        ), code
        assert get_job(f"report:{code}") is not None
    daily = get_report("crm.daily_summary")
    assert daily.due.at == dt.time(9, 30)
    assert get_job("report:crm.daily_summary").schedule.at == dt.time(8, 30)  # made an hour early
    assert daily.period_due_on(d(2026, 3, 16)) == Period("day", d(2026, 3, 15), d(2026, 3, 15))
    weekly = get_report("crm.followup_weekly")
    assert weekly.period_due_on(d(2026, 3, 16)) == WEEK
    assert not weekly.due.is_due_on(d(2026, 3, 17)) and weekly.due.at == dt.time(12, 0)
    unreachable = get_report("crm.unreachable_weekly")
    assert unreachable.due.at == get_job("crm.unreachable_weekly").schedule.at == dt.time(9, 0)
    monthly = get_report("crm.work_summary")
    assert monthly.period_due_on(d(2026, 4, 10)) == MARCH
    assert monthly.due.is_due_on(d(2026, 4, 10)) and not monthly.due.is_due_on(d(2026, 4, 9))
    assert str(monthly.title) == "Customer-department work summary"


# --- the week of calls ------------------------------------------------------------------------------


@pytest.fixture
def week_of_calls(cast, team):
    """Dealership A's week 2026-03-09 .. 15 (see the comments); the clock on Monday the 16th.

    Sales, specialist 1: f1 (window 8–10) reached on the 9th, score 9; f3 (window 13–15)
    reached on Sunday 15th at 23:30, score 6 (a complaint); f4 (window 10–12) phone off three
    times, unreachable on the 12th; f5 (window 14–16) reached on Monday 16th at 00:30 (next
    week), with a face-to-face survey on its delivery day, the 11th. Specialist 2: f2 (window
    9–11) reached on the 11th, score 8. Service: g1 (window 9–11) reached on the 10th, score 10.
    Dealership B: one call reached in the week."""
    from tests.factories import UserFactory, hire

    s1, s2 = team.sales_followup_specialist, team.sales_followup_specialist2
    consultant, advisor = team.sales_consultant, team.service_advisor
    with time_machine.travel(at(d(2026, 3, 16), 10), tick=False):
        f1 = followup(cast.a, d(2026, 3, 5), staff=consultant, specialist=s1)
        f2 = followup(cast.a, d(2026, 3, 6), staff=consultant, specialist=s2)
        f3 = followup(cast.a, d(2026, 3, 10), staff=consultant, specialist=s1)
        f4 = followup(cast.a, d(2026, 3, 7), staff=consultant, specialist=s1, mobile="13912345678")
        f5 = followup(cast.a, d(2026, 3, 11), staff=consultant, specialist=s1)
        g1 = followup(
            cast.a,
            d(2026, 3, 6),
            kind="service",
            staff=advisor,
            specialist=team.service_followup_specialist,
        )
        call(cast.a, f1, "connected", at(d(2026, 3, 9), 10), score=9)
        call(cast.a, f2, "connected", at(d(2026, 3, 11), 15), score=8)
        call(cast.a, f3, "connected", at(d(2026, 3, 15), 23, 30), score=6)
        for day in (10, 11, 12):
            call(cast.a, f4, "phone_off", at(d(2026, 3, day), 11))
        call(cast.a, f5, "connected", at(d(2026, 3, 16), 0, 30), score=10)
        face_to_face(cast.a, f5, s1, at(d(2026, 3, 11), 16))
        call(cast.a, g1, "connected", at(d(2026, 3, 10), 9), score=10)
        # dealership B: its own specialist, its own call
        other = UserFactory(username="b_specialist", name="B specialist")
        hire(other, cast.b, "sales_followup_specialist")
        b1 = followup(cast.b, d(2026, 3, 6), staff=None, specialist=other)
        call(cast.b, b1, "connected", at(d(2026, 3, 10), 10), score=3)
    return {"f1": f1, "f2": f2, "f3": f3, "f4": f4, "f5": f5, "g1": g1, "b1": b1}


def test_the_weekly_follow_up_report_counts_the_week_s_calls_by_specialist(
    cast, team, week_of_calls
):
    with time_machine.travel(at(d(2026, 3, 16), 12), tick=False):
        content = gather("crm.followup_weekly", cast.a, WEEK)
    rows = rows_by(table(content, "Calls by specialist"), "kind", "specialist")
    # scheduled, calls, reached, window ended, reached within, rate, mean score, complaints
    assert rows == {
        ("Sales follow-up", "team sales_followup_specialist"): [
            3,  # f3, f4, f5 open their window this week (f1 the week before)
            5,  # f1, f3 (Sunday 23:30), f4 ×3 — not f5's call on Monday 00:30
            2,
            3,  # f1, f3, f4
            2,
            Decimal("0.6667"),
            Decimal("7.50"),  # (9 + 6) / 2
            1,  # f3's score of 6
        ],
        ("Sales follow-up", "team specialist 2"): [1, 1, 1, 1, 1, Decimal("1"), Decimal("8"), 0],
        ("Service follow-up", "team service_followup_specialist"): [
            1,
            1,
            1,
            1,
            1,
            Decimal("1"),
            Decimal("10"),
            0,
        ],
    }
    numbers = figures(content)
    # the sales calls: 3 of the 4 whose window ended this week reached within it → 75 %
    sales = [r for key, r in rows.items() if key[0] == "Sales follow-up"]
    assert (sum(r[4] for r in sales), sum(r[3] for r in sales)) == (3, 4)
    assert numbers["Contact rate within the window"] == Decimal("0.8")  # with the service call
    assert numbers["SSI (mean score)"] == Decimal("7.67")  # (9 + 8 + 6) / 3
    assert numbers["CSI (mean score)"] == Decimal("10")
    assert numbers["Face-to-face surveys"] == 1
    assert numbers["Classed unreachable"] == 1
    assert numbers["Complaints raised on the calls"] == 1
    assert numbers["Calls made"] == 7

    # the next week holds f5's call of Monday 00:30, and B's report only B's call
    with time_machine.travel(at(d(2026, 3, 23), 12), tick=False):
        following = figures(gather("crm.followup_weekly", cast.a, WEEK.next()))
        b = gather("crm.followup_weekly", cast.b, WEEK)
    assert following["Calls made"] == 1 and following["SSI (mean score)"] == Decimal("10")
    assert rows_by(table(b, "Calls by specialist"), "kind", "specialist") == {
        ("Sales follow-up", "B specialist"): [1, 1, 1, 1, 1, Decimal("1"), Decimal("3"), 1]
    }


def test_the_daily_summary_counts_the_day_in_local_time(cast, team, week_of_calls):
    """Sunday the 15th: f3 reached at 23:30 (and its complaint), f5 due, f4 long unreachable."""
    from tests.crm.test_board_figures import make_order, make_repair_order

    sunday = d(2026, 3, 15)
    with time_machine.travel(at(d(2026, 3, 16), 8, 30), tick=False):
        make_order(cast.a, sunday)
        make_order(cast.a, sunday)
        make_order(cast.a, sunday - dt.timedelta(days=1))
        make_order(cast.b, sunday)
        make_repair_order(cast.a, at(sunday, 23, 45))  # a 5K check-in late on Sunday
        make_repair_order(cast.a, at(d(2026, 3, 16), 0, 15))  # Monday
        make_repair_order(cast.a, at(sunday, 9), "maintenance_10k")
        overdue = followup(  # window 4–6, never called
            cast.a,
            d(2026, 3, 1),
            staff=team.sales_consultant,
            specialist=team.sales_followup_specialist,
        )
        content = gather("crm.daily_summary", cast.a, Period("day", sunday, sunday))
    numbers = figures(content)
    assert numbers["Orders"] == 2
    assert numbers["5K check-ins"] == 1
    assert numbers["10K check-ins"] == 1
    assert "SSI (month to date)" in numbers  # the board's other figures
    calls = rows_by(table(content, "Follow-up calls"))
    # due, calls made, connected, reached, within the window, unreachable, overdue
    assert calls[("Sales follow-up",)] == [2, 1, 1, 1, 1, 0, 1]
    assert calls[("Service follow-up",)] == [0, 0, 0, 0, 0, 0, 0]
    complaints = rows_by(table(content, "Complaints"))
    (sales_row,) = [row for key, row in complaints.items() if key != ("No department",)]
    assert sales_row == [1, 0, 1, 0]  # new, closed, open, past the deadline
    del overdue


def test_the_unreachable_list_masks_phones_and_follows_the_contact_check(cast, team, week_of_calls):
    from crm.services.contact_checks import contact_checks_weekly

    def rows():
        content = gather("crm.unreachable_weekly", cast.a, WEEK)
        return content, table(content, "Unreachable customers").rows

    with time_machine.travel(at(d(2026, 3, 16), 8), tick=False):
        content, before = rows()
    (row,) = before
    assert row[:2] == [week_of_calls["f4"].customer.name, "139****5678"]
    assert row[2:] == [
        "Sales follow-up",
        row[3],  # the vehicle
        "team sales_consultant",  # who sold the car verifies the contacts
        d(2026, 3, 12),
        3,
        d(2026, 3, 12),
        "Phone off (关机)",
        "Not sent yet",
    ]
    assert figures(content)["Classed unreachable this week"] == 1
    assert "13912345678" not in str(content.to_json())

    with time_machine.travel(at(d(2026, 3, 16), 9), tick=False):
        with dealership_context(cast.a):
            contact_checks_weekly(dealership=cast.a, day=d(2026, 3, 16))
        content, after = rows()
    assert after[0][-1] == "Waiting for the consultant"
    assert figures(content)["Waiting for verified contacts"] == 1
    # the next week it is still listed, since it still waits for the consultant
    with time_machine.travel(at(d(2026, 3, 23), 8), tick=False):
        later = gather("crm.unreachable_weekly", cast.a, WEEK.next())
    assert [r[0] for r in table(later, "Unreachable customers").rows] == [row[0]]
    assert figures(later)["Classed unreachable this week"] == 0
    # B has none
    with time_machine.travel(at(d(2026, 3, 16), 8), tick=False):
        assert (
            table(gather("crm.unreachable_weekly", cast.b, WEEK), "Unreachable customers").rows
            == []
        )


# --- the month ----------------------------------------------------------------------------------------


def _complaint_closed(dealership, team, *, category, received, closed, severity="normal"):
    """A complaint taken by phone at ``received``, resolved, confirmed and closed at
    ``closed`` by the CRM team."""
    from crm.services import complaints as svc

    crm = team.customer_relations_manager
    customer = make_owner(dealership, team.sales_consultant)
    with time_machine.travel(received, tick=False), dealership_context(dealership):
        complaint = svc.complaint_create(
            actor=crm,
            customer=customer,
            channel="phone",
            category=category,
            severity=severity,
            description="The promised floor mats were missing.",
        )
    if closed is None:
        return complaint
    with time_machine.travel(closed, tick=False), dealership_context(dealership):
        svc.complaint_resolve(actor=crm, complaint_id=complaint.pk, resolution="Mats delivered.")
        svc.complaint_confirm(actor=crm, complaint_id=complaint.pk, feedback="Satisfied.")
        svc.complaint_close(actor=crm, complaint_id=complaint.pk)
    return complaint


def test_the_monthly_sales_satisfaction_report(cast, team, week_of_calls):
    with time_machine.travel(at(d(2026, 4, 10), 17), tick=False):
        content = gather("crm.sales_satisfaction", cast.a, MARCH)
        service = gather("crm.service_satisfaction", cast.a, MARCH)
    numbers = figures(content)
    # sales windows ended in March: f1..f5 (f5 on the 16th); reached within: f1, f2, f3, f5
    assert numbers["Follow-ups whose window ended"] == 5
    assert numbers["Reached within the window"] == 4
    assert numbers["Contact rate within the window"] == Decimal("0.8")
    assert numbers["Call surveys"] == 4
    assert numbers["Mean score (0–10)"] == Decimal("8.25")  # (9 + 8 + 6 + 10) / 4
    assert numbers["Face-to-face surveys"] == 1
    assert numbers["Complaints raised on the calls"] == 1
    assert numbers["Calls made"] == 7
    questions = table(content, "Answers by question").rows
    score_rows = [r for r in questions if r[2] is not None]
    assert score_rows and all(r[1:3] == [4, Decimal("8.25")] for r in score_rows)
    yes_rows = [r for r in questions if r[3] is not None]
    assert yes_rows and all(r[3] == Decimal("1") for r in yes_rows)
    by_consultant = rows_by(table(content, "By consultant"))
    # window ended, within, rate, unreachable, surveys, mean, complaints
    assert by_consultant == {
        ("team sales_consultant",): [5, 4, Decimal("0.8"), 1, 4, Decimal("8.25"), 1]
    }
    outcomes = rows_by(table(content, "Calls by outcome"))
    assert outcomes == {("Connected",): [4], ("Phone off (关机)",): [3]}
    assert rows_by(table(service, "By service advisor")) == {
        ("team service_advisor",): [1, 1, Decimal("1"), 0, 1, Decimal("10"), 0]
    }
    assert "Face-to-face surveys" not in figures(service)


def test_the_monthly_complaint_results_by_department(cast, team):
    sales = [
        _complaint_closed(  # 2.5 days to close
            cast.a,
            team,
            category="sales_process",
            received=at(d(2026, 3, 2), 10),
            closed=at(d(2026, 3, 4), 22),
        ),
        _complaint_closed(  # received at 23:30 on the last day: March's; closed in April
            cast.a,
            team,
            category="price",
            received=at(d(2026, 3, 31), 23, 30),
            closed=at(d(2026, 4, 2), 11, 30),
            severity="major",
        ),
        _complaint_closed(  # still open
            cast.a, team, category="delivery", received=at(d(2026, 3, 20), 9), closed=None
        ),
    ]
    _complaint_closed(  # April: not March's
        cast.a, team, category="price", received=at(d(2026, 4, 1), 0, 30), closed=None
    )
    _complaint_closed(  # after-sales
        cast.a,
        team,
        category="service_time",
        received=at(d(2026, 3, 10), 10),
        closed=at(d(2026, 3, 11), 10),
    )
    with time_machine.travel(at(d(2026, 4, 10), 17), tick=False):
        content = gather("crm.sales_complaints", cast.a, MARCH)
        aftersales = gather("crm.aftersales_complaints", cast.a, MARCH)
    numbers = figures(content)
    assert numbers["Complaints received"] == 3
    assert numbers["Major complaints"] == 1
    assert numbers["Closed (of those received)"] == 2
    assert numbers["Still open"] == 1
    assert numbers["Past the deadline"] == 1  # the open one, due on the 27th
    assert numbers["Mean days to close"] == Decimal("2.0")  # (2.5 + 1.5) / 2
    by_category = rows_by(table(content, "By category"))
    assert by_category[("Sales process and promises",)][:3] == [1, 0, 1]
    assert by_category[("Price and charges",)][:3] == [1, 1, 1]
    assert by_category[("Delivery",)][:4] == [1, 0, 0, 1]
    listing = table(content, "The month's complaints").rows
    # by the day received: the 2nd, the 20th, the 31st (23:30 local time)
    assert [r[0] for r in listing] == [sales[0].number, sales[2].number, sales[1].number]
    assert [r[1] for r in listing] == [d(2026, 3, 2), d(2026, 3, 20), d(2026, 3, 31)]
    assert listing[1][-1] == "" and listing[1][6] == "Assigned" and listing[1][8] is None
    assert listing[2][8] == Decimal("1.5")
    assert listing[0][-1] == "Mats delivered." and listing[0][6] == "Closed"
    assert figures(aftersales)["Complaints received"] == 1
    assert figures(aftersales)["Mean days to close"] == Decimal("1.0")


# --- a scheduled run: the files, the recipients told once -------------------------------------------


def test_the_daily_summary_s_scheduled_run_tells_the_management_once(
    cast, team, week_of_calls, settings, tmp_path
):
    import re

    from django.core import mail
    from django.utils import timezone

    from dealership.models import ReportRun
    from dealership.notifications import services as notifications
    from dealership.notifications.models import Notification
    from dealership.reports.services import report_run_scheduled
    from dealership.tenancy import system_context
    from tests.reports.conftest import pdf_text, xlsx_rows

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"  # the lead translates the titles; the source strings here
    report = get_report("crm.daily_summary")

    def run_and_send():
        with dealership_context(cast.a):
            result = report_run_scheduled(report=report, dealership=cast.a, run_date=d(2026, 3, 16))
        notifications.deliveries_dispatch(now=timezone.now(), enqueue=notifications.send_in_process)
        return result

    with time_machine.travel(at(d(2026, 3, 16), 8, 30), tick=False):
        assert "2026-03-15" in run_and_send()
        with dealership_context(cast.a):
            run = ReportRun.objects.get(report="crm.daily_summary")
        assert (run.status, run.period_key) == ("done", "2026-03-15"), run.error
        text = pdf_text(run.pdf.read())
        assert "Daily summary" in text
        # Sunday's sales calls: due, calls made, connected, reached, within, unreachable, overdue
        assert re.search(r"Sales\s+follow-up\s+2\s+1\s+1\s+1\s+1\s+0\s+0", text), text
        assert re.search(r"SSI \(month to date\)\s+7\.67", text)  # (9 + 8 + 6) / 3
        assert ["Sales follow-up", 2, 1, 1, 1, 1, 0, 0] in [
            row[:8] for row in xlsx_rows(run.xlsx.read())
        ]
        with system_context():
            told = set(
                Notification.objects.filter(kind="platform.report_ready").values_list(
                    "recipient_id", flat=True
                )
            )
        assert told == {team.deputy_gm.pk, cast.user_a.pk}
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            [team.deputy_gm.email, cast.user_a.email]
        )

        run_and_send()  # the job again (twice, late): nothing new
        with system_context():
            assert ReportRun.objects.filter(report="crm.daily_summary").count() == 1
            assert Notification.objects.filter(kind="platform.report_ready").count() == 2
        assert len(mail.outbox) == 2


# --- a fixed number of queries ---------------------------------------------------------------------

REPORTS = (
    ("crm.daily_summary", Period("day", d(2026, 3, 15), d(2026, 3, 15))),
    ("crm.followup_weekly", WEEK),
    ("crm.unreachable_weekly", WEEK),
    ("crm.sales_satisfaction", MARCH),
    ("crm.sales_complaints", MARCH),
    ("crm.service_satisfaction", MARCH),
    ("crm.aftersales_complaints", MARCH),
    ("crm.work_summary", MARCH),
)


def _count(code, period, dealership) -> int:
    with dealership_context(dealership), CaptureQueriesContext(connection) as queries:
        get_report(code).gather(SYSTEM, period)
    return len(queries)


def test_a_report_runs_the_same_queries_for_many_records_as_for_few(
    cast, team, week_of_calls, django_assert_max_num_queries
):
    with time_machine.travel(at(d(2026, 4, 10), 17), tick=False):
        for code, period in REPORTS:
            gather(code, cast.a, period)  # warm the caches (grants, content types)
        few = {code: _count(code, period, cast.a) for code, period in REPORTS}
    # many more: calls of every kind, unreachable customers, complaints of both departments
    s1, advisor = team.sales_followup_specialist, team.service_advisor
    with time_machine.travel(at(d(2026, 3, 16), 10), tick=False):
        for n in range(4):
            row = followup(cast.a, d(2026, 3, 5 + n), staff=team.sales_consultant, specialist=s1)
            if n % 2:
                call(cast.a, row, "connected", at(d(2026, 3, 10 + n), 10), score=5 + n)
            else:
                for day in (10, 11, 12):
                    call(cast.a, row, "no_connection", at(d(2026, 3, day), 9 + n))
            service = followup(
                cast.a,
                d(2026, 3, 5 + n),
                kind="service",
                staff=advisor,
                specialist=team.service_followup_specialist,
            )
            call(cast.a, service, "connected", at(d(2026, 3, 13), 10 + n), score=4 + n)
    for n, category in enumerate(("price", "parts", "delivery", "service_quality")):
        _complaint_closed(
            cast.a,
            team,
            category=category,
            received=at(d(2026, 3, 2 + n), 10),
            closed=at(d(2026, 3, 12 + n), 10) if n % 2 else None,
        )
    with time_machine.travel(at(d(2026, 4, 10), 17), tick=False):
        many = {code: _count(code, period, cast.a) for code, period in REPORTS}
        with dealership_context(cast.a):
            for code, period in REPORTS:
                with django_assert_max_num_queries(few[code]):
                    content = get_report(code).gather(SYSTEM, period)
                assert any(t.rows for t in content.tables), code
    assert many == few


def test_the_work_summary_of_the_month(cast, team, week_of_calls):
    from crm.models import ReminderKind, ServiceReminder
    from crm.services.contact_checks import contact_checks_weekly
    from crm.services.members import membership_join

    crm = team.customer_relations_manager
    with time_machine.travel(at(d(2026, 3, 16), 9), tick=False), dealership_context(cast.a):
        contact_checks_weekly(dealership=cast.a, day=d(2026, 3, 16))  # f4 to its consultant
        membership_join(
            actor=crm, customer_id=week_of_calls["f1"].customer_id, joined_on=d(2026, 3, 3)
        )
    _complaint_closed(  # after-sales: a day to close
        cast.a,
        team,
        category="service_time",
        received=at(d(2026, 3, 10), 10),
        closed=at(d(2026, 3, 11), 10),
    )
    # retention: deliveries of July .. December 2025 (M-8 .. M-3); one back within 3 months
    with time_machine.travel(at(d(2026, 3, 16), 10), tick=False):
        back = make_owner(cast.a, team.sales_consultant)
        delivered = make_event(cast.a, customer=back, occurred_on=d(2025, 8, 10))
        make_event(
            cast.a,
            kind="service",
            customer=back,
            vehicle=delivered.vehicle,
            occurred_on=d(2025, 11, 1),
        )
        make_event(cast.a, occurred_on=d(2025, 12, 20))  # never came back
        make_event(cast.a, occurred_on=d(2026, 1, 5))  # M-2: not yet counted
        with dealership_context(cast.a):
            vehicle = delivered.vehicle
            for kind, listed, state in (
                (ReminderKind.MAINTENANCE, d(2026, 3, 5), "sent"),
                (ReminderKind.MAINTENANCE, d(2026, 3, 20), "open"),
                (ReminderKind.INSURANCE, d(2026, 3, 31), "called"),
                (ReminderKind.INSURANCE, d(2026, 2, 28), "sent"),  # February's
            ):
                ServiceReminder.objects.create(
                    dealership=cast.a,
                    kind=kind,
                    customer=back,
                    vehicle=vehicle,
                    due_on=listed + dt.timedelta(days=14),
                    listed_on=listed,
                    state=state,
                )
    with time_machine.travel(at(d(2026, 4, 10), 17), tick=False):
        content = gather("crm.work_summary", cast.a, MARCH)
        b = gather("crm.work_summary", cast.b, MARCH)
    calls = rows_by(table(content, "Follow-up calls"))
    # calls, connected, window ended, within, rate, surveys, mean, unreachable
    assert calls == {
        ("Sales follow-up",): [7, 4, 5, 4, Decimal("0.8"), 4, Decimal("8.25"), 1],
        ("Service follow-up",): [1, 1, 1, 1, Decimal("1"), 1, Decimal("10"), 0],
    }
    complaints = rows_by(table(content, "Complaints handled"))
    assert complaints == {
        ("Sales",): [1, 0, 1, None],  # f3's complaint, still open
        ("After-sales service",): [1, 1, 0, Decimal("1.0")],
    }
    reminders = rows_by(table(content, "Service reminders"))
    # listed, SMS sent, by phone, not reminded, still to remind
    assert reminders[("Maintenance due",)] == [2, 1, 0, 0, 1]
    assert reminders[("Insurance renewal",)] == [1, 0, 1, 0, 0]
    retention = rows_by(table(content, "Retention by delivery month"))
    assert list(retention) == [(f"2025-{m:02d}",) for m in range(7, 13)]
    assert retention[("2025-08",)] == [1, 1, 1, Decimal("1"), Decimal("1")]
    assert retention[("2025-12",)] == [1, 0, 0, Decimal("0"), Decimal("0")]
    numbers = figures(content)
    assert numbers["Calls made"] == 8
    assert numbers["Contact rate within the window"] == Decimal("0.8333")  # 5 of 6
    assert numbers["Unreachable customers sent to consultants"] == 1
    assert numbers["Complaints received"] == 2 and numbers["Complaints closed"] == 1
    assert numbers["Retention (back within 6 months)"] == Decimal("0.5")
    assert numbers["Owner-club members"] == 1 and numbers["New members this month"] == 1
    # buyers: f1..f5 and the three delivered in 2025/26 → 1 of 8
    assert numbers["Owner-club registration"] == Decimal("0.125")
    assert figures(b)["Calls made"] == 1 and figures(b)["Owner-club members"] == 0
