"""Reads of sales: the vehicle stock, deliveries and vehicle-allocation requests, through
``Model.objects.for_user(user, action)``, each list in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from dealership.access import restricted_queryset
from sales.models import (
    AllocationLine,
    AllocationRequest,
    Delivery,
    Order,
    StockStatus,
    StockVehicle,
)

# age buckets of the stock (days since arrival): code → (from, to) inclusive, None = open
AGE_BUCKETS = {
    "0-30": (0, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "90+": (91, None),
}
STOCK_SORTS = {
    "age": ("arrived_on", "pk"),  # oldest arrival first = greatest age
    "-age": ("-arrived_on", "-pk"),
    "arrival": ("arrived_on", "pk"),
    "-arrival": ("-arrived_on", "-pk"),
    "vin": ("vin",),
    "model": ("model", "trim", "colour", "pk"),
    "new": ("-pk",),
}


def _age_condition(bucket: str, today: dt.date) -> Q:
    low, high = AGE_BUCKETS[bucket]
    condition = Q(arrived_on__isnull=False) & ~Q(status=StockStatus.DELIVERED)
    condition &= Q(arrived_on__lte=today - dt.timedelta(days=low))
    if high is not None:
        condition &= Q(arrived_on__gte=today - dt.timedelta(days=high))
    return condition


def stock_for_user(
    user,
    *,
    q: str = "",
    status: str = "",
    model: str = "",
    colour: str = "",
    age: str = "",
    sort: str = "",
    action: str = "view",
):
    """The cars the user may see, searched by VIN (or model), filtered and sorted."""
    rows = restricted_queryset(user, StockVehicle, action, StockVehicle.objects.all())
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(Q(vin__icontains=q.upper()) | Q(model__icontains=q))
    if status:
        rows = rows.filter(status=status)
    if model:
        rows = rows.filter(model=model)
    if colour:
        rows = rows.filter(colour=colour)
    if age in AGE_BUCKETS:
        rows = rows.filter(_age_condition(age, timezone.localdate()))
    return rows.order_by(*STOCK_SORTS.get(sort, STOCK_SORTS["new"]))


def stock_status_counts(user) -> dict[str, int]:
    """Cars per status the user may see (one query), every status present."""
    counts = dict.fromkeys(StockStatus.values, 0)
    rows = restricted_queryset(user, StockVehicle, "view").order_by()
    for row in rows.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def stock_choices(user) -> tuple[list[str], list[str]]:
    """The distinct models and colours in the stock the user sees (one query)."""
    pairs = (
        restricted_queryset(user, StockVehicle, "view")
        .order_by("model", "colour")
        .values_list("model", "colour")
        .distinct()[:2000]
    )
    models, colours = set(), set()
    for model, colour in pairs:
        models.add(model)
        colours.add(colour)
    return sorted(models - {""})[:200], sorted(colours - {""})[:200]


def stock_detail_queryset():
    return StockVehicle.objects.prefetch_related(
        Prefetch(
            "orders",
            queryset=Order.objects.select_related("customer", "consultant").order_by("-pk"),
        ),
        Prefetch("deliveries", queryset=Delivery.objects.select_related("customer", "consultant")),
    )


def stock_history(user, car: StockVehicle, limit: int = 50):
    """The car's audit entries the user may read, newest first."""
    from dealership.models import AuditEntry

    rows = AuditEntry.objects.for_user(user, "view").filter(
        object_type=StockVehicle._meta.label, object_id=str(car.pk)
    )
    return list(rows.select_related("actor").order_by("-pk")[:limit])


# --- deliveries ---------------------------------------------------------------------------------


def deliveries_for_user(
    user,
    *,
    q: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    consultant=None,
    sort: str = "",
    action: str = "view",
):
    rows = restricted_queryset(
        user,
        Delivery,
        action,
        Delivery.objects.select_related(
            "order", "customer", "vehicle", "stock_vehicle", "consultant"
        ),
    )
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(customer__name__icontains=q)
            | Q(stock_vehicle__vin__icontains=q.upper())
            | Q(vehicle__plate__icontains=q.upper())
            | Q(order__number__icontains=q)
        )
    if date_from:
        rows = rows.filter(delivered_on__gte=date_from)
    if date_to:
        rows = rows.filter(delivered_on__lte=date_to)
    if consultant:
        rows = rows.filter(consultant_id=getattr(consultant, "pk", consultant))
    order = {"day": ("delivered_on", "pk"), "-day": ("-delivered_on", "-pk")}
    return rows.order_by(*order.get(sort, order["-day"]))


def delivery_detail_queryset():
    return Delivery.objects.select_related(
        "order", "customer", "vehicle", "stock_vehicle", "consultant", "created_by"
    )


# --- allocation requests ------------------------------------------------------------------------


def allocations_for_user(user, *, status: str = "", action: str = "view"):
    rows = restricted_queryset(
        user,
        AllocationRequest,
        action,
        AllocationRequest.objects.select_related("submitted_by").annotate(
            line_count=Count("lines"), total=Sum("lines__quantity")
        ),
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-month")


def allocation_detail_queryset():
    return AllocationRequest.objects.select_related("submitted_by").prefetch_related(
        Prefetch("lines", queryset=AllocationLine.objects.order_by("model", "trim", "colour"))
    )
