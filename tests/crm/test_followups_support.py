"""Helpers shared by the follow-up and contact-check tests (no tests here): a frozen local
clock, running the daily job as the scheduler does, and reading rows and notifications."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from crm.models import FollowUp
from dealership.tenancy import dealership_context, system_context

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


def followup_of(dealership, event) -> FollowUp:
    with dealership_context(dealership):
        return FollowUp.objects.get(event=event)


def reload(dealership, followup) -> FollowUp:
    with dealership_context(dealership):
        return FollowUp.objects.get(pk=followup.pk)


def notes(dealership, kind: str | None = None) -> list:
    """The notifications of ``dealership`` (of ``kind``) as (recipient id, key, subject)."""
    from dealership.notifications.models import Notification

    with dealership_context(dealership):
        rows = Notification.objects.order_by("recipient_id", "key")
        if kind:
            rows = rows.filter(kind=kind)
        return [(n.recipient_id, n.key, n.subject_en) for n in rows]


def publish(dealership, day: dt.date) -> str:
    from crm.services.followups import followup_list_publish

    with dealership_context(dealership):
        return followup_list_publish(dealership=dealership, day=day)


def run_job(dealership, day: dt.date, name: str = "crm.followup_list"):
    """``manage.py run_jobs --date day`` for one job of one dealership; the JobRun row."""
    from dealership import services

    (run,) = services.jobs_run_for_date(run_date=day, dealerships=[dealership], job_names=[name])
    return run
