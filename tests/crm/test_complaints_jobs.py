"""The daily job ``crm.complaint_deadlines`` with a frozen clock: the owner is reminded once
within a day of the deadline, the complaint escalated once after it (department manager and
CRM director, the GM too for a major one); running twice, or late, changes nothing more."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from crm.models import Complaint, ComplaintEntry
from crm.services import complaints as svc
from dealership.models import JobRun
from dealership.tenancy import dealership_context, system_context
from tests.crm.conftest import make_owner

pytestmark = pytest.mark.django_db

JOB = "crm.complaint_deadlines"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# a Monday far from the real date, after the cast's staff were hired (2025-01-01)
MONDAY = dt.date(2030, 3, 4)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def frozen(day: dt.date, hour: int = 10, minute: int = 0):
    """The clock stopped at ``hour:minute`` of ``day`` in the dealerships' time zone."""
    return time_machine.travel(at(day, hour, minute), tick=False)


def opened(day: dt.date) -> None:
    """Every dealership opened on ``day`` (the dispatcher never runs a day before that)."""
    from dealership.models import Dealership

    with system_context():
        Dealership.objects.update(created_at=at(day, 0))


def notes(dealership, kind: str) -> list:
    """The notifications of ``kind`` as (recipient id, key, subject)."""
    from dealership.notifications.models import Notification

    with dealership_context(dealership):
        rows = Notification.objects.filter(kind=kind).order_by("recipient_id", "key")
        return [(n.recipient_id, n.key, n.subject_en) for n in rows]


def run_job(dealership, day: dt.date, name: str):
    """``manage.py run_jobs --date day`` for one job of one dealership; the JobRun row."""
    from dealership import services

    (run,) = services.jobs_run_for_date(run_date=day, dealerships=[dealership], job_names=[name])
    return run


def _complaint(cast, team, *, severity="normal", category="sales_process"):
    customer = make_owner(cast.a)
    with dealership_context(cast.a):
        return svc.complaint_create(
            actor=team.cr_specialist,
            customer=customer,
            channel="phone",
            category=category,
            severity=severity,
            description="No call back after the delivery.",
        )


def _reload(cast, complaint) -> Complaint:
    with dealership_context(cast.a):
        return Complaint.objects.get(pk=complaint.pk)


def _check(cast):
    with dealership_context(cast.a):
        return svc.complaints_check_deadlines()


def _log(cast, complaint) -> list[str]:
    with dealership_context(cast.a):
        return list(
            ComplaintEntry.objects.filter(complaint=complaint)
            .order_by("pk")
            .values_list("action", flat=True)
        )


def _recipients(cast, kind) -> list[int]:
    return sorted(recipient for recipient, _key, _subject in notes(cast.a, kind))


def test_the_owner_is_reminded_once_then_the_managers_told_once(cast, team):
    opened(MONDAY - dt.timedelta(days=7))
    with frozen(MONDAY, 10):
        normal = _complaint(cast, team)
        major = _complaint(cast, team, severity="major")
    assert major.deadline == at(MONDAY + dt.timedelta(days=2), 10)

    # the next morning: the major one is due in more than a day, nothing yet
    with frozen(MONDAY + dt.timedelta(days=1), 9):
        assert run_job(cast.a, MONDAY + dt.timedelta(days=1), JOB).state == JobRun.State.SUCCEEDED
    assert _recipients(cast, "crm.complaint_due") == []

    # within a day of the deadline: the owner (the sales manager) is reminded, once
    with frozen(MONDAY + dt.timedelta(days=1), 11):
        done = _check(cast)
        assert [c.pk for c in done["reminded"]] == [major.pk]
        assert _check(cast) == {"reminded": [], "escalated": []}
    assert _recipients(cast, "crm.complaint_due") == [team.sales_manager.pk]
    reminded = _reload(cast, major)
    assert reminded.reminded_at == at(MONDAY + dt.timedelta(days=1), 11)
    assert reminded.escalated_at is None

    # past the deadline: escalated once to the department's manager, the CRM director, the GM
    with frozen(MONDAY + dt.timedelta(days=2), 10, 1):
        done = _check(cast)
        assert [c.pk for c in done["escalated"]] == [major.pk]
        assert _check(cast) == {"reminded": [], "escalated": []}
    assert _recipients(cast, "crm.complaint_overdue") == sorted(
        [team.sales_manager.pk, team.crm_director.pk, team.gm.pk]
    )
    assert _reload(cast, major).escalated_at == at(MONDAY + dt.timedelta(days=2), 10, 1)
    assert _log(cast, major)[-2:] == ["reminded", "escalated"]

    # the normal one, first seen after its deadline (the job was down for days): escalated
    # once, without the GM and without a late reminder
    late = MONDAY + dt.timedelta(days=9)
    with frozen(late, 9, 30):
        run = run_job(cast.a, late, JOB)
        assert run.state == JobRun.State.SUCCEEDED
        assert "1 escalated" in run.result
        run_job(cast.a, late, JOB)
        assert _check(cast) == {"reminded": [], "escalated": []}
    overdue = notes(cast.a, "crm.complaint_overdue")
    assert sorted(r for r, key, _s in overdue if f":{normal.pk}:" in key) == sorted(
        [team.sales_manager.pk, team.crm_director.pk]
    )
    assert len(overdue) == 5
    assert _recipients(cast, "crm.complaint_due") == [team.sales_manager.pk]
    assert _log(cast, normal)[-1] == "escalated"


def test_resolved_and_closed_complaints_are_left_alone(cast, team):
    opened(MONDAY - dt.timedelta(days=7))
    with frozen(MONDAY, 10):
        complaint = _complaint(cast, team)
        with dealership_context(cast.a):
            svc.complaint_resolve(
                actor=team.sales_manager, complaint_id=complaint.pk, resolution="Called back."
            )
    with frozen(MONDAY + dt.timedelta(days=10), 10):
        assert _check(cast) == {"reminded": [], "escalated": []}
    assert notes(cast.a, "crm.complaint_overdue") == []


def test_a_reopened_complaint_has_a_new_deadline_and_is_escalated_again(cast, team):
    opened(MONDAY - dt.timedelta(days=7))
    with frozen(MONDAY, 10):
        complaint = _complaint(cast, team)
    with frozen(MONDAY + dt.timedelta(days=8), 10):
        assert len(_check(cast)["escalated"]) == 1
        with dealership_context(cast.a):
            svc.complaint_resolve(
                actor=team.sales_manager, complaint_id=complaint.pk, resolution="Called back."
            )
            svc.complaint_reopen(
                actor=team.customer_relations_manager,
                complaint_id=complaint.pk,
                reason="The customer says nobody called.",
            )
        assert _check(cast) == {"reminded": [], "escalated": []}
    with frozen(MONDAY + dt.timedelta(days=15), 11):
        done = _check(cast)
        assert [c.pk for c in done["escalated"]] == [complaint.pk]
    assert len(notes(cast.a, "crm.complaint_overdue")) == 4  # two rounds of two people


def test_an_unowned_complaint_reminds_the_crm_managers(cast, staff):
    # nobody heads after-sales in this cast: the complaint stays registered without an owner
    opened(MONDAY - dt.timedelta(days=7))
    with frozen(MONDAY, 10):
        customer = make_owner(cast.a)
        with dealership_context(cast.a):
            complaint = svc.complaint_create(
                actor=staff.crm_director,
                customer=customer,
                channel="walk_in",
                category="parts",
                severity="normal",
                description="Parts never arrived.",
            )
    assert complaint.owner_id is None
    with frozen(MONDAY + dt.timedelta(days=6), 11):
        assert len(_check(cast)["reminded"]) == 1
    assert _recipients(cast, "crm.complaint_due") == [staff.crm_director.pk]
