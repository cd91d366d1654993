"""Reads of the service front desk (appointments, repair orders, rescues) through
``Model.objects.for_user(user, action)``, each list in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q
from django.utils import timezone

from aftersales.models import (
    Appointment,
    Job,
    RepairLine,
    RepairOrder,
    RepairStatus,
    Rescue,
)
from dealership.access import restricted_queryset
from dealership.selectors import people_in

LIVE = "live"  # the repair orders' default filter: neither closed nor cancelled
DONE_STATUSES = (RepairStatus.CLOSED, RepairStatus.CANCELLED)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def _vehicle_search(prefix: str, q: str) -> Q:
    plate = q.replace("·", "").replace(" ", "").upper()
    return (
        Q(**{f"{prefix}vehicle__plate__icontains": plate})
        | Q(**{f"{prefix}vehicle__vin__icontains": q.upper()})
        | Q(**{f"{prefix}customer__name__icontains": q})
    )


def advisors_seen(user, model):
    """The advisors of the rows of ``model`` the user may see (for a filter)."""
    return people_in(restricted_queryset(user, model, "view"), "advisor_id")


# --- appointments -------------------------------------------------------------------------------


def appointments_for_user(
    user,
    *,
    day: dt.date | None = None,
    advisor=None,
    service_type: str = "",
    status: str = "",
    q: str = "",
    sort: str = "",
    action: str = "view",
):
    """Appointments the user may see: of ``day``, else from today on."""
    rows = restricted_queryset(user, Appointment, action).select_related(
        "customer", "vehicle", "advisor"
    )
    if day is not None:
        start, end = _day_bounds(day)
        rows = rows.filter(starts_at__gte=start, starts_at__lt=end)
    else:
        rows = rows.filter(starts_at__gte=_day_bounds(timezone.localdate())[0])
    if advisor:
        rows = rows.filter(advisor_id=getattr(advisor, "pk", advisor))
    if service_type:
        rows = rows.filter(service_type=service_type)
    if status:
        rows = rows.filter(status=status)
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(_vehicle_search("", q))
    return (
        rows.order_by("-starts_at", "-pk") if sort == "-time" else rows.order_by("starts_at", "pk")
    )


# --- repair orders ------------------------------------------------------------------------------

RO_SORTS = {
    "": ("-checked_in_at", "-pk"),
    "in": ("checked_in_at", "pk"),
    "number": ("number",),
    "-total": ("-total", "-pk"),
    "promised": ("promised_at", "pk"),
}


def repairorders_for_user(
    user,
    *,
    q: str = "",
    status: str = LIVE,
    service_type: str = "",
    advisor=None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sort: str = "",
    action: str = "view",
):
    """Repair orders the user may see, searched by number, plate, VIN or customer; by default
    the ones not closed or cancelled."""
    rows = restricted_queryset(user, RepairOrder, action).select_related(
        "customer", "vehicle", "advisor"
    )
    if status == LIVE:
        rows = rows.exclude(status__in=DONE_STATUSES)
    elif status and status != "all":
        rows = rows.filter(status=status)
    if service_type:
        rows = rows.filter(service_type=service_type)
    if advisor:
        rows = rows.filter(advisor_id=getattr(advisor, "pk", advisor))
    if date_from:
        rows = rows.filter(checked_in_at__gte=_day_bounds(date_from)[0])
    if date_to:
        rows = rows.filter(checked_in_at__lt=_day_bounds(date_to)[1])
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(Q(number__icontains=q) | _vehicle_search("", q))
    return rows.order_by(*RO_SORTS.get(sort, RO_SORTS[""]))


def repairorder_detail_queryset():
    return RepairOrder.objects.select_related(
        "customer", "vehicle", "advisor", "qc_by", "appointment", "bay"
    ).prefetch_related(
        Prefetch("lines", queryset=RepairLine.objects.select_related("part").order_by("pk")),
        Prefetch(
            "jobs",
            queryset=Job.objects.select_related("technician", "bay", "line").order_by("pk"),
        ),
    )


def repairorder_api_queryset():
    return RepairOrder.objects.select_related("customer", "vehicle", "advisor").prefetch_related(
        Prefetch("lines", queryset=RepairLine.objects.order_by("pk"))
    )


# --- rescues ------------------------------------------------------------------------------------


def rescues_for_user(
    user,
    *,
    q: str = "",
    result: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    action: str = "view",
):
    rows = restricted_queryset(user, Rescue, action).select_related(
        "customer", "vehicle", "dispatched", "repair_order"
    )
    if result == "open":
        rows = rows.filter(finished_at__isnull=True).exclude(result="cancelled")
    elif result:
        rows = rows.filter(result=result)
    if date_from:
        rows = rows.filter(called_at__gte=_day_bounds(date_from)[0])
    if date_to:
        rows = rows.filter(called_at__lt=_day_bounds(date_to)[1])
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(caller_name__icontains=q)
            | Q(location__icontains=q)
            | Q(vehicle__plate__icontains=q.upper())
            | Q(vehicle__vin__icontains=q.upper())
        )
    return rows.order_by("-called_at", "-pk")


def find_vehicles(user, text: str, limit: int = 10):
    """crm vehicles the user may see whose plate or VIN matches ``text`` (check-in, booking)."""
    from crm.models import Vehicle

    text = (text or "").strip().replace("·", "").replace(" ", "").upper()[:17]
    if not text:
        return Vehicle.objects.none()
    rows = restricted_queryset(user, Vehicle, "view").select_related("owner")
    return rows.filter(Q(plate__iexact=text) | Q(vin__iexact=text) | Q(vin__endswith=text))[:limit]
