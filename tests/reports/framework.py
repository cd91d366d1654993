"""Helpers of the framework's tests: a second sample report (of the sales department), runs
made directly as rows, people in positions, and a log catcher (the suite runs with
``-p no:logging``, so ``caplog`` is not there)."""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile

from dealership.jobs import Monthly, forget_holiday_overrides
from dealership.reports import INT, MONTH, Column, ReportContent, Table
from dealership.reports.registry import get_report, register_report, unregister_report
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire
from tests.reports.conftest import SAMPLE

SALES_SAMPLE = "tests.sales_sample"
SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")
UTC = dt.UTC


def sales_gather(actor, period):
    return ReportContent(
        tables=[Table("销售 Sales", [Column("车型 Model"), Column("台数 Units", INT)], [["K3", 4]])]
    )


@pytest.fixture
def sales_report(sample_report):
    """A second sample report, of the sales department (the first one is the CRM's)."""
    register_report(
        SALES_SAMPLE,
        "销售测试月报 Sales sample report",
        period=MONTH,
        due=Monthly(day=10, at=dt.time(18, 0)),
        department="sales",
        recipients=("sales_manager",),
    )(sales_gather)
    yield get_report(SALES_SAMPLE)
    unregister_report(SALES_SAMPLE)


@pytest.fixture
def holidays():
    """Forget the process's cached holiday overrides before and after (a test's rows are rolled
    back, the cache would keep them)."""
    forget_holiday_overrides()
    yield
    forget_holiday_overrides()


@pytest.fixture
def people(cast):
    """Dealership A's sales manager (``reports.view`` at department scope) and a sales
    consultant (no ``reports.view``)."""

    class People:
        pass

    result = People()
    result.sales_manager = UserFactory(username="rep_sales_manager", name="销售经理")
    hire(result.sales_manager, cast.a, "sales_manager")
    result.consultant = UserFactory(username="rep_consultant", name="销售顾问")
    hire(result.consultant, cast.a, "sales_consultant")
    return result


def make_run(
    dealership,
    *,
    report: str = SAMPLE,
    period_key: str = "2026-09",
    version: int = 1,
    status: str = "done",
    trigger: str = "person",
    department: str | None = None,
    files: bool = False,
    submission: dict | None = None,
):
    """A run row of a month's report as the services leave it (files optional), with an OEM
    submission when ``submission`` gives its fields."""
    from dealership.models import OemSubmission, ReportRun
    from dealership.reports.periods import Period

    period = Period.from_key(MONTH, period_key)
    with dealership_context(dealership):
        run = ReportRun.objects.create(
            dealership=dealership,
            report=report,
            department_code=department or get_report(report).department,
            period_kind=period.kind,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            version=version,
            status=status,
            trigger=trigger,
            error="Traceback …\nRuntimeError: boom" if status == "failed" else "",
        )
        if files:
            base = f"{report}-{dealership.code}-{period.key}-v{version}"
            run.pdf.save(f"{base}.pdf", ContentFile(b"%PDF-1.7 " + base.encode()), save=False)
            run.xlsx.save(f"{base}.xlsx", ContentFile(b"PK " + base.encode()), save=False)
            run.checksum = "0" * 64
            run.save(update_fields=["pdf", "xlsx", "checksum"])
        if submission is not None:
            OemSubmission.objects.create(
                dealership=dealership,
                run=run,
                idempotency_key=f"{dealership.code}:{report}:{period.key}:v{version}",
                **submission,
            )
    return run


@contextmanager
def logged(name: str = "dealership.jobs", level: int = logging.WARNING):
    """The records ``name`` logs at ``level`` or above inside the block."""
    records: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Catch(level=level)
    logger = logging.getLogger(name)
    old_level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
