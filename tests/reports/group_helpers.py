"""The HQ pack's tests: a sample OEM monthly report (alone in the registry while a test runs,
so the pack holds exactly it) whose numbers are read from real rows of the dealership it runs
for — job runs of the month, by job ("model") and state ("type") — and the cast's extras (an
HQ director of group 2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealership.jobs import Monthly
from dealership.models import JobRun
from dealership.reports import (
    DATE,
    INT,
    MONEY,
    MONTH,
    PERCENT,
    Column,
    ReportContent,
    Table,
    registry,
)
from dealership.reports.periods import Period
from tests.english import client_for, english
from tests.factories import GroupMembershipFactory, JobRunFactory, UserFactory

# the fixtures, for ``from tests.reports.group_helpers import *`` (messages in English)
__all__ = ["client_for", "english", "hq2", "october", "oem_report"]

OEM = "tests.oem_sample"
PRICE = Decimal("1000.50")
OCTOBER = Period.from_key(MONTH, "2026-10")
failing: set[str] = set()  # dealership codes whose gather raises


def oem_gather(actor, period):
    from dealership.figures import current_dealership

    dealership = current_dealership()
    if dealership is not None and dealership.code in failing:
        raise RuntimeError(f"the selector broke for {dealership.code}")
    runs = JobRun.objects.filter(run_date__range=(period.start, period.end))
    counts: dict[tuple[str, str], list[int]] = {}
    for run in runs.order_by("job", "state", "run_date"):
        counts.setdefault((run.job, run.state), []).append(run.attempts)
    total = sum(len(v) for v in counts.values())
    rows = [
        [job, state, len(attempts), sum(attempts) * PRICE, Decimal(len(attempts)) / total, rank]
        for rank, ((job, state), attempts) in enumerate(sorted(counts.items()), start=1)
    ]
    first = runs.order_by("run_date").values_list("run_date", flat=True).first()
    return ReportContent(
        figures=[
            ("交车 Deliveries", total, INT),
            ("满意度 Satisfaction", Decimal("0.9"), PERCENT),
            ("最早 First", first, DATE),
        ],
        tables=[
            Table(
                "按车型 By model",
                [
                    Column("车型 Model"),
                    Column("类型 Type"),
                    Column("台数 Units", INT),
                    Column("金额 Amount", MONEY),
                    Column("占比 Share", PERCENT),
                    Column("排名 Rank", INT, sum=False),
                ],
                rows=rows,
                keys=2,
                totals=True,
            )
        ],
    )


@pytest.fixture
def oem_report(settings, tmp_path, monkeypatch):
    """The sample OEM report, alone in the report registry."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    failing.clear()
    monkeypatch.setattr(registry, "_reports", {})
    registry.register_report(
        OEM,
        "测试厂家月报 Sample OEM report",
        period=MONTH,
        due=Monthly(day=0, at=dt.time(17, 0)),
        department="crm",
        oem=True,
    )(oem_gather)
    yield registry.get_report(OEM)
    registry.unregister_report(OEM)
    failing.clear()


def job_runs(dealership, rows):
    """``rows``: (job, state, attempts, day of October 2026)."""
    for job, state, attempts, day in rows:
        JobRunFactory(
            dealership=dealership,
            job=job,
            state=state,
            attempts=attempts,
            run_date=dt.date(2026, 10, day),
        )


@pytest.fixture
def october(cast, oem_report):
    """A: K5 succeeded ×3 (1 attempt each), K5 failed ×1; B: K5 succeeded ×2 (2 attempts
    each), 凯美瑞 succeeded ×1; C (group 2): K5 succeeded ×10."""
    job_runs(cast.a, [("K5", "succeeded", 1, d) for d in (1, 2, 3)] + [("K5", "failed", 1, 4)])
    job_runs(cast.b, [("K5", "succeeded", 2, d) for d in (5, 6)] + [("凯美瑞", "succeeded", 1, 7)])
    job_runs(cast.c, [("K5", "succeeded", 1, d) for d in range(1, 11)])
    return OCTOBER


@pytest.fixture
def hq2(cast):
    """The HQ director of group 2."""
    user = UserFactory(username="hq_user2", name="粤通总监")
    GroupMembershipFactory(user=user, group=cast.group2, position_code="hq_director")
    return user


def hq_scope(cast, group=None):
    from dealership.tenancy import TenantScope, tenant_context

    group = group or cast.group1
    ids = list(group.dealerships.filter(is_active=True).values_list("pk", flat=True))
    return tenant_context(TenantScope.for_group(group.pk, ids))
