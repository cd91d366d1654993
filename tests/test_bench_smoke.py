"""``make bench``'s seeding at a tiny scale, so the benchmark cannot rot silently: the month it
generates has the rows asked for, the copy made for the other dealerships has the same rows of
its own, every reference stays inside its dealership (the deferred foreign keys checked now),
and every OEM monthly report gathers from it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.db import connection

from dealership.bench import Scale
from dealership.reports.periods import Period
from dealership.tenancy import dealership_context

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_reports.py"
OCTOBER = Period.from_key("month", "2026-10")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_reports", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def _counts(dealership) -> dict[str, int]:
    from aftersales.models import RepairOrder, WarrantyClaim
    from crm.models import CustomerEvent, FollowUp, SurveyResponse
    from org.models import StaffMember
    from sales.models import Delivery, StockVehicle

    with dealership_context(dealership):
        return {
            "deliveries": Delivery.objects.filter(
                delivered_on__range=(OCTOBER.start, OCTOBER.end)
            ).count(),
            "repair orders": RepairOrder.objects.filter(
                status="closed", closed_on__range=(OCTOBER.start, OCTOBER.end)
            ).count(),
            "5K/10K": RepairOrder.objects.filter(
                service_type__in=("maintenance_5k", "maintenance_10k")
            ).count(),
            "follow-ups": FollowUp.objects.count(),
            "events": CustomerEvent.objects.count(),
            "surveys": SurveyResponse.objects.count(),
            "claims": WarrantyClaim.objects.count(),
            "stock at the end": StockVehicle.objects.exclude(status="delivered").count(),
            "staff": StaffMember.objects.count(),
            "joiners": StaffMember.objects.filter(
                start_date__range=(OCTOBER.start, OCTOBER.end)
            ).count(),
            "leavers": StaffMember.objects.filter(
                end_date__range=(OCTOBER.start, OCTOBER.end)
            ).count(),
        }


def test_the_bench_seeds_a_month_and_copies_it(bench):
    scale = Scale(deliveries=10, repair_orders=30, followups=50, stock=12)
    _group, dealerships = bench.seed(2, OCTOBER, scale, log=lambda _line: None)
    first, copy = dealerships

    counts = _counts(first)
    assert counts["deliveries"] == 10
    assert counts["repair orders"] == 30  # the month's; 10 more closed in September
    assert counts["follow-ups"] == counts["events"] == 50  # one per delivery and repair order
    assert 0 < counts["surveys"] < 50
    assert counts["5K/10K"] > 0
    assert counts["claims"] > 0
    assert counts["stock at the end"] == 12
    assert counts["joiners"] == 4 and counts["leavers"] == 3
    assert _counts(copy) == counts  # the same month, in rows of its own

    with dealership_context(copy):
        from crm.models import CustomerEvent
        from sales.models import Delivery

        event = CustomerEvent.objects.filter(source_type="sales.delivery").first()
        assert Delivery.objects.filter(pk=event.source_id, customer=event.customer).exists()
    # every reference of the seeded and copied rows inside its own dealership: the composite
    # (dealership, id) foreign keys, deferred until now
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    # seeding again keeps what is there
    assert bench.seed(2, OCTOBER, scale, log=lambda _line: None)[1] == dealerships
    assert _counts(first)["deliveries"] == 10


def test_every_oem_monthly_report_gathers_from_the_seeded_month(bench):
    from django.conf import settings
    from django.utils import translation

    from dealership.actors import SYSTEM

    scale = Scale(deliveries=10, repair_orders=30, followups=50, stock=12)
    _group, (dealership,) = bench.seed(1, OCTOBER, scale, log=lambda _line: None)
    reports = bench._oem_reports()
    assert reports
    with translation.override(settings.LANGUAGE_CODE), dealership_context(dealership):
        for report in reports:
            content = report.gather(SYSTEM, OCTOBER)
            assert content.figures or content.tables, report.code
