"""The after-sales monthly report (售后月报), a monthly OEM submission, run as the scheduler does
on the first working day after the month (8 October 2026, after the National Day holiday): its
workbook holds the month's repair orders by type — checked in (cut at midnight in the
dealership's time zone), closed, and the revenue of the closed ones as the repair services
total their lines — the 5K and 10K check-ins and the warranty claims as the claim services moved
them. Another dealership's work never counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales import reports, services
from aftersales.models import (
    ClaimStatus,
    LineKind,
    RepairOrder,
    RepairStatus,
    ServiceType,
    WarrantyClaim,
)
from dealership.reports.periods import Period
from dealership.reports.registry import get_report
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_repair_order
from tests.reports.oem_tables import gather_queries, oem_runner, text, total_label

pytestmark = pytest.mark.django_db

CODE = reports.MONTHLY_REPORT
SEPTEMBER = "2026-09"
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date.fromisoformat


@pytest.fixture
def oem_run(settings, tmp_path, monkeypatch):
    return oem_runner(settings, tmp_path, monkeypatch)


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(hour, minute), tzinfo=SHANGHAI)


def labour(hours: str, rate: str = "200", warranty: bool = False) -> dict:
    return {
        "kind": LineKind.LABOUR,
        "description": "工时",
        "hours": hours,
        "rate": rate,
        "warranty": warranty,
    }


def sublet(price: str, cost: str = "0") -> dict:
    return {
        "kind": LineKind.SUBLET,
        "description": "外协",
        "supplier": "某钣喷中心",
        "price": price,
        "cost": cost,
    }


def repair_order(
    dealership, advisor, service_type, checked_in, *lines, closed_on=None, cancelled=False
):
    """A car checked in at ``checked_in`` whose lines are added by the repair service (which
    keeps the order's totals); closed on ``closed_on`` or cancelled. Returns the order and its
    lines."""
    order = make_repair_order(
        dealership, advisor, service_type=service_type, checked_in_at=checked_in
    )
    with dealership_context(dealership):
        added = [
            services.repairline_add(actor=advisor, repair_order_id=order.pk, **line)
            for line in lines
        ]
        if closed_on:
            RepairOrder.objects.filter(pk=order.pk).update(
                status=RepairStatus.CLOSED,
                closed_on=D(closed_on),
                closed_at=at(closed_on, 17),
            )
        if cancelled:
            RepairOrder.objects.filter(pk=order.pk).update(status=RepairStatus.CANCELLED)
    return order, added


def claim(dealership, assessor, order, line, written: dt.datetime, *steps):
    """A claim of ``line`` written at ``written``, then moved by the claim services through
    ``steps`` (("submit", day), ("approve", day, amount), ("reject", day), ("pay", day,
    amount))."""
    with dealership_context(dealership):
        made = services.warranty_claim_create(
            actor=assessor,
            repair_order_id=order.pk,
            lines=[line.pk],
            fault_description="变速箱异响",
        )
        WarrantyClaim.objects.filter(pk=made.pk).update(created_at=written)
        for step, day, *amount in steps:
            if step == "submit":
                services.warranty_claim_submit(actor=assessor, claim_id=made.pk, submitted_on=day)
            elif step == "approve":
                services.warranty_claim_approve(
                    actor=assessor,
                    claim_id=made.pk,
                    approved_amount=amount[0],
                    oem_reference=f"OEM-{made.pk}",
                    decided_on=day,
                )
            elif step == "reject":
                services.warranty_claim_reject(
                    actor=assessor, claim_id=made.pk, reason="不属于保修范围", decided_on=day
                )
            elif step == "pay":
                services.warranty_claim_pay(
                    actor=assessor, claim_id=made.pk, paid_amount=amount[0], paid_on=day
                )
        return WarrantyClaim.objects.get(pk=made.pk)


@pytest.fixture
def september(cast, staff):
    a, adv, assessor = cast.a, staff.advisor, staff.warranty_assessor
    T = ServiceType
    part = make_part(a, on_hand="10", price=Decimal("58.00"))
    repair_order(a, adv, T.MAINTENANCE_5K, at("2026-09-01", 9), labour("1"), closed_on="2026-09-01")
    repair_order(a, adv, T.MAINTENANCE_5K, at("2026-09-30", 23, 30))  # the month's last evening
    repair_order(
        a,
        adv,
        T.MAINTENANCE_10K,
        at("2026-09-10", 10),
        labour("1.5"),  # 300
        {"kind": LineKind.PART, "part": part.pk, "quantity": "2"},  # 116
        sublet("100", cost="60"),
        closed_on="2026-09-11",
    )
    # checked in in August, closed in September: its revenue is September's
    august, (_customer, w_august) = repair_order(
        a,
        adv,
        T.REPAIR,
        at("2026-08-28", 15),
        labour("2", "250"),  # 500
        labour("0.5", "180", warranty=True),  # 90 paid by the OEM
        closed_on="2026-09-02",
    )
    warranty, (_paid, w1, w2, w3, w5) = repair_order(
        a,
        adv,
        T.WARRANTY,
        at("2026-09-15", 8),
        labour("0.5"),  # 100 the customer pays
        labour("3", "180", warranty=True),  # 540
        labour("1", "180", warranty=True),  # 180
        labour("2", "180", warranty=True),  # 360
        labour("1", "180", warranty=True),  # 180
        closed_on="2026-09-16",
    )
    repair_order(a, adv, T.ACCIDENT, at("2026-09-20", 11), labour("4"), cancelled=True)
    # 00:30 on 1 October in Shanghai is still 30 September in UTC: October's
    repair_order(a, adv, T.MAINTENANCE_10K, at("2026-10-01", 0, 30))
    # checked in in September, closed in October: counted as checked in only
    repair_order(a, adv, T.MAINTENANCE, at("2026-09-29", 9), labour("1"), closed_on="2026-10-01")

    claim(
        a,
        assessor,
        warranty,
        w1,
        at("2026-09-16", 10),
        ("submit", D("2026-09-17")),
        ("approve", D("2026-09-25"), "500.00"),
        ("pay", D("2026-09-28"), "500.00"),
    )
    claim(
        a,
        assessor,
        warranty,
        w2,
        at("2026-09-18", 10),
        ("submit", D("2026-09-18")),
        ("reject", D("2026-09-29")),
    )
    claim(a, assessor, warranty, w3, at("2026-09-20", 10))  # a draft
    # written in August, approved in September
    claim(
        a,
        assessor,
        august,
        w_august,
        at("2026-08-30", 10),
        ("submit", D("2026-08-31")),
        ("approve", D("2026-09-05"), "90.00"),
    )
    claim(a, assessor, warranty, w5, at("2026-10-01", 0, 30))  # October's

    # another dealership's month
    b_order, (b_line,) = repair_order(
        cast.b,
        cast.user_b,
        T.MAINTENANCE_5K,
        at("2026-09-05", 9),
        labour("1", "999", warranty=True),
        closed_on="2026-09-05",
    )
    claim(cast.b, cast.user_b, b_order, b_line, at("2026-09-05", 12), ("submit", D("2026-09-06")))


def test_the_declaration(cast):
    report = get_report(CODE)
    assert report.oem and report.period == "month" and report.department == "aftersales"
    assert report.owners == ("service_manager", "service_director")
    due = report.due_at(Period.from_key("month", SEPTEMBER), cast.a)
    assert (due.date(), due.hour) == (dt.date(2026, 10, 8), 17)


def test_repair_orders_revenue_and_claims_equal_the_records(cast, september, oem_run):
    book = oem_run(CODE, cast.a, SEPTEMBER)
    assert book.figure(reports.CHECKED_IN) == 5
    assert book.figure(reports.CLOSED) == 4
    assert book.figure(reports.CHECKINS_5K) == 2
    assert book.figure(reports.CHECKINS_10K) == 1
    assert book.figure(reports.LABOUR) == pytest.approx(1100.0)
    assert book.figure(reports.PARTS) == pytest.approx(116.0)
    assert book.figure(reports.REVENUE) == pytest.approx(2666.0)  # 1316 + 1350 by the OEM
    assert book.figure(reports.CLAIMS_RAISED) == 3
    assert book.figure(reports.CLAIMED) == pytest.approx(1080.0)

    # checked in, closed, labour, parts, sublet, customer pays, OEM pays, revenue
    by_type = book.keyed(reports.BY_TYPE)
    assert by_type == {
        text(ServiceType.MAINTENANCE_5K.label): [2, 1, 200, 0, 0, 200, 0, 200],
        text(ServiceType.MAINTENANCE_10K.label): [1, 1, 300, 116, 100, 516, 0, 516],
        text(ServiceType.MAINTENANCE.label): [1, 0, 0, 0, 0, 0, 0, 0],
        text(ServiceType.REPAIR.label): [0, 1, 500, 0, 0, 500, 90, 590],
        text(ServiceType.WARRANTY.label): [1, 1, 100, 0, 0, 100, 1260, 1360],
        text(ServiceType.ACCIDENT.label): [0, 0, 0, 0, 0, 0, 0, 0],
        text(ServiceType.RESCUE.label): [0, 0, 0, 0, 0, 0, 0, 0],
        total_label(): [5, 4, 1100, 116, 100, 1316, 1350, 2666],
    }
    assert list(by_type)[:2] == [
        text(ServiceType.MAINTENANCE_5K.label),
        text(ServiceType.MAINTENANCE_10K.label),
    ]

    # claims written in September by state: count, claimed, approved, paid
    assert book.keyed(reports.CLAIMS_BY_STATE) == {
        text(ClaimStatus.DRAFT.label): [1, 360, 0, 0],
        text(ClaimStatus.SUBMITTED.label): [0, 0, 0, 0],
        text(ClaimStatus.APPROVED.label): [0, 0, 0, 0],
        text(ClaimStatus.REJECTED.label): [1, 180, 0, 0],
        text(ClaimStatus.PAID.label): [1, 540, 500, 500],
        total_label(): [3, 1080, 500, 500],
    }
    # what happened to claims in September: submitted, approved (the August claim too),
    # rejected, paid
    assert [row[1:] for row in book.table(reports.CLAIM_ACTIVITY)] == [
        [2, 720],
        [2, 590],
        [1, 180],
        [1, 500],
    ]


def test_another_dealership_reports_its_own_work(cast, september, oem_run):
    book = oem_run(CODE, cast.b, SEPTEMBER)
    assert book.figure(reports.CHECKED_IN) == 1
    assert book.figure(reports.CHECKINS_5K) == 1
    assert book.figure(reports.REVENUE) == pytest.approx(999.0)
    assert book.figure(reports.CLAIMS_RAISED) == 1
    assert book.keyed(reports.BY_TYPE)[total_label()] == [1, 1, 0, 0, 0, 0, 999, 999]


def test_in_a_dealership_further_west_the_month_ends_later(cast, september, oem_run):
    """Urumqi time (UTC+6): the Shanghai 00:30 of 1 October is 22:30 on 30 September there."""
    type(cast.a).objects.filter(pk=cast.a.pk).update(time_zone="Asia/Urumqi")
    cast.a.refresh_from_db()
    book = oem_run(CODE, cast.a, SEPTEMBER)
    assert book.figure(reports.CHECKINS_10K) == 2
    assert book.figure(reports.CLAIMS_RAISED) == 4


def test_queries_do_not_grow_with_the_repair_orders(cast, staff):
    adv = staff.advisor
    order, (line,) = repair_order(
        cast.a,
        adv,
        ServiceType.WARRANTY,
        at("2026-09-02", 9),
        labour("1", warranty=True),
        closed_on="2026-09-03",
    )
    claim(cast.a, staff.warranty_assessor, order, line, at("2026-09-03", 9))
    few = gather_queries(CODE, cast.a, SEPTEMBER)
    for n, service_type in enumerate(ServiceType.values):
        order, (line,) = repair_order(
            cast.a,
            adv,
            service_type,
            at(f"2026-09-{n + 4:02d}", 9),
            labour("1", warranty=True),
            closed_on=f"2026-09-{n + 5:02d}",
        )
        claim(
            cast.a,
            staff.warranty_assessor,
            order,
            line,
            at(f"2026-09-{n + 5:02d}", 9),
            ("submit", D(f"2026-09-{n + 6:02d}")),
        )
    assert gather_queries(CODE, cast.a, SEPTEMBER) == few
