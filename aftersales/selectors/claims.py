"""Reads of after-sales: claims — warranty claims and technical cases (lists with filters,
search and sort), the day's numbers (:func:`service_day`), the service board
(:func:`service_board`), the day confirmation's records and the dashboard panels.

Every count is read through ``Model.objects.for_user(user, "view")`` and aggregated in the
database, so each page runs a constant number of queries however many rows there are. A model
the viewer may not see at all (e.g. the parts for someone without ``aftersales.view_parts``) is
left out (``None``), not an error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from aftersales.models import (
    ClaimStatus,
    Job,
    JobStatus,
    Part,
    RepairOrder,
    RepairStatus,
    ServiceDayConfirmation,
    ServiceType,
    TechnicalCase,
    TimeEntry,
    WarrantyClaim,
)
from dealership.access import can

ZERO = Decimal("0")
LIVE_EXCLUDED = (RepairStatus.CLOSED, RepairStatus.CANCELLED)


# --- dates --------------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def yesterday() -> dt.date:
    return today() - dt.timedelta(days=1)


def parse_day(value: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` → a date; ``None`` when empty or malformed."""
    try:
        return dt.date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def _visible(user, model) -> bool:
    return can(user, model, "view")


# --- warranty claims ----------------------------------------------------------------------------

CLAIM_SORTS = {
    "number": "number",
    "-number": "-number",
    "claimed": "claimed_amount",
    "-claimed": "-claimed_amount",
    "submitted": "submitted_on",
    "-submitted": "-submitted_on",
    "created": "created_at",
    "-created": "-created_at",
}


def claim_detail_queryset():
    return WarrantyClaim.objects.select_related(
        "repair_order", "repair_order__vehicle", "repair_order__customer", "assessor"
    )


def claims_for_user(
    user,
    *,
    q: str = "",
    status: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    repair_order: int | None = None,
    sort: str = "",
):
    """The claims the user may see; ``q`` searches the claim number, the VIN and the repair
    order's number; ``date_from``/``date_to`` bound the day the claim was written."""
    rows = (
        WarrantyClaim.objects.for_user(user, "view")
        .select_related("repair_order", "repair_order__vehicle", "assessor")
        .order_by(CLAIM_SORTS.get(sort, "-created_at"), "-pk")
    )
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(repair_order__vehicle__vin__icontains=q)
            | Q(repair_order__number__icontains=q)
        )
    if status in ClaimStatus.values:
        rows = rows.filter(status=status)
    if date_from:
        rows = rows.filter(created_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(created_at__date__lte=date_to)
    if repair_order:
        rows = rows.filter(repair_order_id=repair_order)
    return rows


def claim_lines(claim: WarrantyClaim) -> list:
    """The claimed repair lines (one query)."""
    return [
        cl.line for cl in claim.claim_lines.select_related("line", "line__part").order_by("line_id")
    ]


def warranty_lines(user, repair_order: RepairOrder, claim: WarrantyClaim | None = None) -> list:
    """The repair order's warranty labour and part lines with the claim each is in (``None``:
    free), for the claim form (two queries)."""
    from aftersales.models import LineKind, RepairLine, WarrantyClaimLine

    lines = list(
        RepairLine.objects.filter(
            repair_order=repair_order,
            warranty=True,
            kind__in=[LineKind.LABOUR, LineKind.PART],
        ).order_by("pk")
    )
    taken = dict(
        WarrantyClaimLine.objects.filter(line__in=lines).values_list("line_id", "claim__number")
    )
    if claim is not None:
        mine = set(claim.claim_lines.values_list("line_id", flat=True))
        taken = {k: v for k, v in taken.items() if k not in mine}
    return [(line, taken.get(line.pk)) for line in lines]


# --- technical cases ----------------------------------------------------------------------------

CASE_SORTS = {
    "day": "occurred_on",
    "-day": "-occurred_on",
    "reported": "reported_on",
    "-reported": "-reported_on",
    "title": "title",
}


def case_detail_queryset():
    return TechnicalCase.objects.select_related("vehicle", "repair_order", "author")


def cases_for_user(
    user,
    *,
    q: str = "",
    kind: str = "",
    reported: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sort: str = "",
):
    rows = (
        TechnicalCase.objects.for_user(user, "view")
        .select_related("vehicle", "repair_order", "author")
        .order_by(CASE_SORTS.get(sort, "-occurred_on"), "-pk")
    )
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(title__icontains=q)
            | Q(vehicle__vin__icontains=q)
            | Q(repair_order__number__icontains=q)
        )
    if kind:
        rows = rows.filter(kind=kind)
    if reported == "yes":
        rows = rows.filter(reported_on__isnull=False)
    elif reported == "no":
        rows = rows.filter(reported_on__isnull=True)
    if date_from:
        rows = rows.filter(occurred_on__gte=date_from)
    if date_to:
        rows = rows.filter(occurred_on__lte=date_to)
    return rows


# --- the day's numbers --------------------------------------------------------------------------

DAY_FIGURES = ("checkins_5k", "checkins_10k", "opened", "closed", "revenue", "claims_submitted")


@dataclass
class Figures:
    checkins_5k: int = 0
    checkins_10k: int = 0
    opened: int = 0
    closed: int = 0
    revenue: Decimal = ZERO
    claims_submitted: int | None = None

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in DAY_FIGURES}
        data["revenue"] = f"{self.revenue:.2f}"
        return data


@dataclass
class ServiceDay:
    day: dt.date
    month: dt.date
    today: Figures
    month_to_date: Figures

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "month": f"{self.month:%Y-%m}",
            **self.today.as_dict(),
            "month_to_date": self.month_to_date.as_dict(),
        }


def service_day(user, day: dt.date) -> ServiceDay:
    """The day's numbers in the viewer's scope, and month to date (the 1st up to ``day``):
    5K and 10K check-ins (repair orders of those types checked in that day), repair orders
    opened (checked in) and closed, revenue (what the customers pay of the orders closed that
    day) and warranty claims submitted. Cancelled repair orders are not counted. Two queries."""
    start = day.replace(day=1)
    today_, mtd = Figures(), Figures()
    if _visible(user, RepairOrder):
        checked_in = Q(checked_in_at__date__gte=start, checked_in_at__date__lte=day)
        closed = Q(closed_on__gte=start, closed_on__lte=day)
        on_day = Q(checked_in_at__date=day)
        closed_day = Q(closed_on=day)
        k5 = Q(service_type=ServiceType.MAINTENANCE_5K)
        k10 = Q(service_type=ServiceType.MAINTENANCE_10K)
        numbers = (
            RepairOrder.objects.for_user(user, "view")
            .exclude(status=RepairStatus.CANCELLED)
            .filter(checked_in | closed)
            .aggregate(
                d_5k=Count("pk", filter=on_day & k5),
                d_10k=Count("pk", filter=on_day & k10),
                d_opened=Count("pk", filter=on_day),
                d_closed=Count("pk", filter=closed_day),
                d_revenue=Sum("total", filter=closed_day),
                m_5k=Count("pk", filter=checked_in & k5),
                m_10k=Count("pk", filter=checked_in & k10),
                m_opened=Count("pk", filter=checked_in),
                m_closed=Count("pk", filter=closed),
                m_revenue=Sum("total", filter=closed),
            )
        )
        for prefix, figures in (("d", today_), ("m", mtd)):
            figures.checkins_5k = numbers[f"{prefix}_5k"]
            figures.checkins_10k = numbers[f"{prefix}_10k"]
            figures.opened = numbers[f"{prefix}_opened"]
            figures.closed = numbers[f"{prefix}_closed"]
            figures.revenue = numbers[f"{prefix}_revenue"] or ZERO
    if _visible(user, WarrantyClaim):
        claims = (
            WarrantyClaim.objects.for_user(user, "view")
            .filter(submitted_on__gte=start, submitted_on__lte=day)
            .aggregate(d=Count("pk", filter=Q(submitted_on=day)), m=Count("pk"))
        )
        today_.claims_submitted, mtd.claims_submitted = claims["d"], claims["m"]
    return ServiceDay(day=day, month=start, today=today_, month_to_date=mtd)


def confirmation(user, day: dt.date):
    """The day's confirmation if the viewer may see it; ``False`` when they may not look."""
    if not _visible(user, ServiceDayConfirmation):
        return False
    return (
        ServiceDayConfirmation.objects.for_user(user, "view")
        .select_related("confirmed_by")
        .filter(day=day)
        .first()
    )


def day_records(user, day: dt.date) -> dict:
    """The repair orders checked in or closed on ``day`` that the viewer may see (for the
    clerk's check), the day's numbers and the confirmation if any. Four queries."""
    orders = list(
        RepairOrder.objects.for_user(user, "view")
        .filter(Q(checked_in_at__date=day) | Q(closed_on=day))
        .select_related("vehicle", "advisor")
        .order_by("checked_in_at", "pk")
    )
    return {
        "orders": orders,
        "numbers": service_day(user, day),
        "confirmation": confirmation(user, day),
    }


# --- the service board --------------------------------------------------------------------------


@dataclass
class ServiceBoard:
    today: dt.date
    yesterday: dt.date
    jobs: dict | None  # {"waiting", "in_progress", "paused", "done"}
    clocked_on: list | None  # [(technician name, repair order number)]
    orders: list | None  # [(status, label, n)] of live repair orders
    numbers_today: ServiceDay
    numbers_yesterday: ServiceDay
    claims: list | None  # [(status, label, n, claimed, approved, paid)]
    parts_low: list | None  # [Part] (at most 10)
    parts_low_count: int | None
    confirmation: object = None
    extra: dict = field(default_factory=dict)


def service_board(user, on: dt.date | None = None) -> ServiceBoard:
    """Today's workshop load (jobs waiting / in progress / paused / done today, technicians
    clocked on), live repair orders by status, today's and yesterday's numbers with month to
    date, claims by state with amounts, parts at or below their reorder point (for who may see
    parts) and whether yesterday is confirmed. A constant number of queries."""
    on = on or today()
    before = on - dt.timedelta(days=1)
    jobs = clocked_on = None
    if _visible(user, Job):
        jobs = {"waiting": 0, "in_progress": 0, "paused": 0, "done": 0}
        for row in (
            Job.objects.for_user(user, "view")
            .filter(
                Q(
                    status__in=[JobStatus.WAITING, JobStatus.IN_PROGRESS, JobStatus.PAUSED],
                    repair_order__status__in=[
                        s for s in RepairStatus.values if s not in LIVE_EXCLUDED
                    ],
                )
                | Q(status=JobStatus.DONE, finished_at__date=on)
            )
            .values("status")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            jobs[row["status"]] = row["n"]
    if _visible(user, TimeEntry):
        clocked_on = [
            (name or username, number)
            for name, username, number in TimeEntry.objects.for_user(user, "view")
            .filter(ended_at__isnull=True)
            .order_by("technician__name", "pk")
            .values_list("technician__name", "technician__username", "job__repair_order__number")
        ]
    orders = None
    if _visible(user, RepairOrder):
        counts = {
            row["status"]: row["n"]
            for row in RepairOrder.objects.for_user(user, "view")
            .exclude(status__in=LIVE_EXCLUDED)
            .values("status")
            .annotate(n=Count("pk"))
            .order_by()
        }
        orders = [
            (value, label, counts.get(value, 0))
            for value, label in RepairStatus.choices
            if value not in LIVE_EXCLUDED
        ]
    claims = None
    if _visible(user, WarrantyClaim):
        sums = {
            row["status"]: row
            for row in WarrantyClaim.objects.for_user(user, "view")
            .values("status")
            .annotate(
                n=Count("pk"),
                claimed=Sum("claimed_amount"),
                approved=Sum("approved_amount"),
                paid=Sum("paid_amount"),
            )
            .order_by()
        }
        claims = []
        for value, label in ClaimStatus.choices:
            row = sums.get(value, {})
            claims.append(
                (
                    value,
                    label,
                    row.get("n", 0),
                    row.get("claimed") or ZERO,
                    row.get("approved") or ZERO,
                    row.get("paid") or ZERO,
                )
            )
    parts_low = parts_low_count = None
    if _visible(user, Part):
        low = Part.objects.for_user(user, "view").filter(
            is_active=True, reorder_point__gt=0, on_hand__lte=F("reorder_point")
        )
        parts_low = list(low.order_by("number")[:10])
        parts_low_count = low.count()
    return ServiceBoard(
        today=on,
        yesterday=before,
        jobs=jobs,
        clocked_on=clocked_on,
        orders=orders,
        numbers_today=service_day(user, on),
        numbers_yesterday=service_day(user, before),
        claims=claims,
        parts_low=parts_low,
        parts_low_count=parts_low_count,
        confirmation=confirmation(user, before),
    )


# --- dashboard widgets --------------------------------------------------------------------------


def service_today(user, on: dt.date | None = None) -> dict:
    """The service department's day so far: check-ins (5K / 10K), cars in the workshop and
    ready, closed, revenue; whether yesterday was confirmed. Three queries."""
    on = on or today()
    numbers = service_day(user, on).today
    in_workshop = ready = 0
    if _visible(user, RepairOrder):
        live = (
            RepairOrder.objects.for_user(user, "view")
            .filter(
                status__in=[
                    RepairStatus.APPROVED,
                    RepairStatus.IN_PROGRESS,
                    RepairStatus.QUALITY_CHECK,
                    RepairStatus.READY,
                ]
            )
            .aggregate(
                workshop=Count("pk", filter=~Q(status=RepairStatus.READY)),
                ready=Count("pk", filter=Q(status=RepairStatus.READY)),
            )
        )
        in_workshop, ready = live["workshop"], live["ready"]
    return {
        "today": on,
        "numbers": numbers,
        "in_workshop": in_workshop,
        "ready": ready,
        "yesterday": on - dt.timedelta(days=1),
        "confirmation": confirmation(user, on - dt.timedelta(days=1)),
    }


def claims_panel(user) -> dict:
    """The warranty assessor's claims: drafts, submitted and waiting for the OEM, approved
    and not paid yet (count and amount). One query."""
    rows = WarrantyClaim.objects.for_user(user, "view").aggregate(
        drafts=Count("pk", filter=Q(status=ClaimStatus.DRAFT)),
        waiting=Count("pk", filter=Q(status=ClaimStatus.SUBMITTED)),
        waiting_amount=Sum("claimed_amount", filter=Q(status=ClaimStatus.SUBMITTED)),
        unpaid=Count("pk", filter=Q(status=ClaimStatus.APPROVED)),
        unpaid_amount=Sum("approved_amount", filter=Q(status=ClaimStatus.APPROVED)),
    )
    rows["waiting_amount"] = rows["waiting_amount"] or ZERO
    rows["unpaid_amount"] = rows["unpaid_amount"] or ZERO
    return rows
