"""Helpers of the OEM submission tests: a report submitted to the car maker (registered for the
test), the CRM people of dealership A, and submissions made directly (a run without files)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from dealership.jobs import Monthly
from dealership.models import OemSubmission, ReportRun
from dealership.reports import MONTH
from dealership.reports.oem import idempotency_key
from dealership.reports.periods import Period
from dealership.reports.registry import get_report, register_report
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire
from tests.reports.conftest import sample_gather

OEM_REPORT = "tests.oem_channel"
_serial = itertools.count(1)


def register_oem_report():
    register_report(
        OEM_REPORT,
        "测试主机厂月报 Sample OEM report",
        period=MONTH,
        due=Monthly(day=0, at=dt.time(17, 0)),
        department="crm",
        oem=True,
        owners=("gm",),
    )(sample_gather)
    return get_report(OEM_REPORT)


def person(dealership, position: str):
    user = UserFactory(username=f"oem_{position}_{next(_serial)}", name=f"oem {position}")
    hire(user, dealership, position)
    return user


def make_submission(
    dealership, *, period="2026-09", version=1, state="sent", receipt="", **fields
) -> OemSubmission:
    """A done run of the OEM report and its submission in ``state`` (no files: for pages)."""
    month = Period.from_key(MONTH, period)
    with dealership_context(dealership):
        run = ReportRun.objects.create(
            dealership=dealership,
            report=OEM_REPORT,
            department_code="crm",
            period_kind=MONTH,
            period_key=period,
            period_start=month.start,
            period_end=month.end,
            version=version,
            status="submitted" if state == "sent" else "done",
            checksum="0" * 64,
        )
        return OemSubmission.objects.create(
            dealership=dealership,
            run=run,
            idempotency_key=idempotency_key(run),
            channel="https",
            state=state,
            receipt=receipt,
            submitted_at=timezone.now() if state == "sent" else None,
            **{"attempts": 1 if state != "pending" else 0, **fields},
        )
