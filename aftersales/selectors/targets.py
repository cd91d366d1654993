"""Reads of after-sales targets per person: the month's targets the viewer may see, each with
its actuals.

What counts as actual depends on the role of the target:

* service advisor — repair orders closed in the month (their number, the customer's total as
  revenue, the parts on them as parts sales) and the 5K/10K services checked in in the month;
* technician — the jobs finished in the month: the labour amount of their lines as revenue, the
  repair orders they belong to, those of them that are 5K/10K services;
* parts salesperson — the counter sales of the month (their total is both revenue and parts
  sales).

The targets are read through the chokepoint (everyone: their own; a manager: their
departments'); the actuals of a visible target are counted over the dealership's records of its
person, in five aggregate queries whatever the number of people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.models import (
    CounterSale,
    Job,
    JobStatus,
    RepairOrder,
    RepairStatus,
    ServiceTarget,
    ServiceType,
    TargetRole,
)

ZERO = Decimal("0")
CHECKIN_TYPES = (ServiceType.MAINTENANCE_5K, ServiceType.MAINTENANCE_10K)
# the measures that count for each role (the others are shown as "—")
MEASURES = {
    TargetRole.SERVICE_ADVISOR: ("revenue", "repair_orders", "parts_sales", "checkins"),
    TargetRole.TECHNICIAN: ("revenue", "repair_orders", "checkins"),
    TargetRole.PARTS_SALESPERSON: ("revenue", "parts_sales"),
}


def today() -> dt.date:
    return timezone.localdate()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def parse_month(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime((value or "").strip(), "%Y-%m").date() if value else None
    except ValueError:
        return None


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(next_month(month), dt.time.min, tzinfo=zone)


@dataclass
class Measure:
    name: str
    target: object
    actual: object
    counts: bool

    @property
    def percent(self) -> int | None:
        if not self.counts or not self.target:
            return None
        return round(100 * Decimal(self.actual) / Decimal(self.target))


@dataclass
class TargetRow:
    target: ServiceTarget
    actual: dict

    @property
    def measures(self) -> list[Measure]:
        counted = MEASURES[self.target.role]
        return [
            Measure(
                name,
                getattr(self.target, name),
                self.actual.get(name, 0),
                name in counted,
            )
            for name in ("revenue", "repair_orders", "parts_sales", "checkins")
        ]


def targets_for_user(user, month: dt.date, *, role: str = ""):
    queryset = (
        ServiceTarget.objects.for_user(user, "view")
        .filter(month=month)
        .select_related("person", "set_by")
    )
    if role:
        queryset = queryset.filter(role=role)
    return queryset.order_by("role", "person__name", "pk")


def actuals(month: dt.date, people: dict[int, str]) -> dict[int, dict]:
    """``{user id: {measure: actual}}`` of ``people`` (``{user id: role}``) in ``month``."""
    result: dict[int, dict] = {pk: {} for pk in people}
    by_role: dict[str, list[int]] = {}
    for pk, role in people.items():
        by_role.setdefault(role, []).append(pk)
    start, end = _bounds(month)
    following = next_month(month)
    advisors = by_role.get(TargetRole.SERVICE_ADVISOR, [])
    if advisors:
        for row in (
            RepairOrder.objects.filter(
                advisor_id__in=advisors,
                status=RepairStatus.CLOSED,
                closed_on__gte=month,
                closed_on__lt=following,
            )
            .values("advisor_id")
            .annotate(
                n=Count("pk"),
                revenue=Coalesce(Sum("total"), ZERO),
                parts=Coalesce(Sum("parts_total"), ZERO),
            )
            .order_by()
        ):
            result[row["advisor_id"]].update(
                repair_orders=row["n"], revenue=row["revenue"], parts_sales=row["parts"]
            )
        for row in (
            RepairOrder.objects.filter(
                advisor_id__in=advisors,
                service_type__in=CHECKIN_TYPES,
                checked_in_at__gte=start,
                checked_in_at__lt=end,
            )
            .exclude(status=RepairStatus.CANCELLED)
            .values("advisor_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            result[row["advisor_id"]]["checkins"] = row["n"]
    technicians = by_role.get(TargetRole.TECHNICIAN, [])
    if technicians:
        for row in (
            Job.objects.filter(
                technician_id__in=technicians,
                status=JobStatus.DONE,
                finished_at__gte=start,
                finished_at__lt=end,
            )
            .values("technician_id")
            .annotate(
                revenue=Coalesce(Sum("line__amount", filter=Q(line__warranty=False)), ZERO),
                orders=Count("repair_order", distinct=True),
                checkins=Count(
                    "repair_order",
                    distinct=True,
                    filter=Q(repair_order__service_type__in=CHECKIN_TYPES),
                ),
            )
            .order_by()
        ):
            result[row["technician_id"]].update(
                revenue=row["revenue"], repair_orders=row["orders"], checkins=row["checkins"]
            )
    sellers = by_role.get(TargetRole.PARTS_SALESPERSON, [])
    if sellers:
        for row in (
            CounterSale.objects.filter(
                salesperson_id__in=sellers, sold_on__gte=month, sold_on__lt=following
            )
            .values("salesperson_id")
            .annotate(total=Coalesce(Sum("total"), ZERO))
            .order_by()
        ):
            result[row["salesperson_id"]].update(revenue=row["total"], parts_sales=row["total"])
    return result


def target_rows(user, month: dt.date, *, role: str = "") -> list[TargetRow]:
    targets = list(targets_for_user(user, month, role=role))
    found = actuals(month, {t.person_id: t.role for t in targets})
    return [TargetRow(target=t, actual=found.get(t.person_id, {})) for t in targets]


def my_target(user, on: dt.date | None = None) -> TargetRow | None:
    """The viewer's own target of this month with its actuals, or ``None``."""
    month = month_start(on or today())
    target = (
        ServiceTarget.objects.for_user(user, "view")
        .filter(month=month, person_id=user.pk)
        .select_related("person")
        .first()
    )
    if target is None:
        return None
    return TargetRow(target=target, actual=actuals(month, {user.pk: target.role})[user.pk])
