"""Reads of after-sales for the monthly report to the car maker (:mod:`aftersales.reports`):
repair orders by type (checked in, closed, revenue), and warranty claims (raised in the period
by their state, and what happened to claims during it). Read through
``Model.objects.for_user(actor, "view")`` in three aggregate queries whatever the number of
repair orders; datetimes are cut at midnight in the dealership's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from aftersales.models import (
    ClaimStatus,
    RepairOrder,
    RepairStatus,
    ServiceType,
    WarrantyClaim,
)
from dealership.figures import local_zone

ZERO = Decimal("0.00")


@dataclass
class TypeLine:
    """Repair orders of one service type: ``checked_in`` during the period (not cancelled),
    ``closed`` during it (the car handed back), and the revenue of the closed ones: what the
    customer pays (labour, parts, sublet; ``customer`` their sum) and what the OEM pays for the
    warranty lines (``oem``)."""

    service_type: str
    checked_in: int = 0
    closed: int = 0
    labour: Decimal = ZERO
    parts: Decimal = ZERO
    sublet: Decimal = ZERO
    customer: Decimal = ZERO
    oem: Decimal = ZERO

    @property
    def revenue(self) -> Decimal:
        return self.customer + self.oem


@dataclass
class ClaimLine:
    status: str
    count: int = 0
    claimed: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass
class ClaimActivity:
    """Claims submitted, decided (approved or rejected) and paid during the period."""

    submitted: int = 0
    submitted_amount: Decimal = ZERO
    approved: int = 0
    approved_amount: Decimal = ZERO
    rejected: int = 0
    rejected_amount: Decimal = ZERO
    paid: int = 0
    paid_amount: Decimal = ZERO


@dataclass
class ServiceMonth:
    types: list[TypeLine] = field(default_factory=list)
    claims: list[ClaimLine] = field(default_factory=list)
    activity: ClaimActivity = field(default_factory=ClaimActivity)

    def total(self) -> TypeLine:
        total = TypeLine("")
        for line in self.types:
            for name in ("checked_in", "closed", "labour", "parts", "sublet", "customer", "oem"):
                setattr(total, name, getattr(total, name) + getattr(line, name))
        return total

    def checked_in(self, service_type: str) -> int:
        return next((t.checked_in for t in self.types if t.service_type == service_type), 0)

    def claims_total(self) -> ClaimLine:
        total = ClaimLine("")
        for line in self.claims:
            total.count += line.count
            total.claimed += line.claimed
            total.approved += line.approved
            total.paid += line.paid
        return total


def _money(value) -> Decimal:
    return value if value is not None else ZERO


def service_month(actor, start: dt.date, end: dt.date) -> ServiceMonth:
    """The period's repair orders by type (every type of the model, in its order), its claims
    by state and its claim activity (three queries)."""
    zone = local_zone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    checked_in = Q(checked_in_at__gte=since, checked_in_at__lt=until) & ~Q(
        status=RepairStatus.CANCELLED
    )
    closed = Q(status=RepairStatus.CLOSED, closed_on__gte=start, closed_on__lte=end)
    rows = {
        row["service_type"]: row
        for row in RepairOrder.objects.for_user(actor, "view")
        .filter(checked_in | closed)
        .order_by()
        .values("service_type")
        .annotate(
            checked_in=Count("pk", filter=checked_in),
            closed=Count("pk", filter=closed),
            labour=Sum("labour_total", filter=closed),
            parts=Sum("parts_total", filter=closed),
            sublet=Sum("sublet_total", filter=closed),
            customer=Sum("total", filter=closed),
            oem=Sum("warranty_total", filter=closed),
        )
    }
    result = ServiceMonth()
    known = list(ServiceType.values)
    for service_type in known + sorted(set(rows) - set(known)):
        row = rows.get(service_type, {})
        result.types.append(
            TypeLine(
                service_type,
                checked_in=row.get("checked_in", 0),
                closed=row.get("closed", 0),
                labour=_money(row.get("labour")),
                parts=_money(row.get("parts")),
                sublet=_money(row.get("sublet")),
                customer=_money(row.get("customer")),
                oem=_money(row.get("oem")),
            )
        )

    claims = WarrantyClaim.objects.for_user(actor, "view")
    by_status = {
        row["status"]: row
        for row in claims.filter(created_at__gte=since, created_at__lt=until)
        .order_by()
        .values("status")
        .annotate(
            count=Count("pk"),
            claimed=Sum("claimed_amount"),
            approved=Sum("approved_amount"),
            paid=Sum("paid_amount"),
        )
    }
    for status in ClaimStatus.values:
        row = by_status.get(status, {})
        result.claims.append(
            ClaimLine(
                status,
                count=row.get("count", 0),
                claimed=_money(row.get("claimed")),
                approved=_money(row.get("approved")),
                paid=_money(row.get("paid")),
            )
        )

    submitted = Q(submitted_on__gte=start, submitted_on__lte=end)
    decided = Q(decided_on__gte=start, decided_on__lte=end)
    approved = decided & Q(status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])
    rejected = decided & Q(status=ClaimStatus.REJECTED)
    paid = Q(paid_on__gte=start, paid_on__lte=end, status=ClaimStatus.PAID)
    numbers = claims.filter(submitted | decided | paid).aggregate(
        submitted=Count("pk", filter=submitted),
        submitted_amount=Sum("claimed_amount", filter=submitted),
        approved=Count("pk", filter=approved),
        approved_amount=Sum("approved_amount", filter=approved),
        rejected=Count("pk", filter=rejected),
        rejected_amount=Sum("claimed_amount", filter=rejected),
        paid=Count("pk", filter=paid),
        paid_amount=Sum("paid_amount", filter=paid),
    )
    result.activity = ClaimActivity(
        **{key: value if value is not None else ZERO for key, value in numbers.items()}
    )
    return result
