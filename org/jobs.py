"""The org chart's scheduled work: approval deadlines (reminders, then escalation)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealership.jobs import Daily, register_job
from org.office import jobs as office_jobs  # noqa: F401  (notices, action items, re-checks)


def _check(dealership):
    from org.approvals.services import deadlines_check

    return deadlines_check(dealership=dealership, now=timezone.now())


@register_job(
    "org.approval_deadlines_morning",
    Daily(at=dt.time(9, 0), working_days_only=True),
    _("Approval deadlines: reminders and escalation (morning)"),
    owners=("gm",),
)
def approval_deadlines_morning(*, dealership, run_date):
    return _check(dealership)


@register_job(
    "org.approval_deadlines_afternoon",
    Daily(at=dt.time(15, 0), working_days_only=True),
    _("Approval deadlines: reminders and escalation (afternoon)"),
    owners=("gm",),
)
def approval_deadlines_afternoon(*, dealership, run_date):
    return _check(dealership)
