"""Reads of complaints (投诉), through ``restricted_queryset`` (the access chokepoint), each in a
constant number of queries: the filtered list, one complaint with its log, a customer's
complaints, and the dashboard's open complaints by age."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from crm.models import Complaint, ComplaintEntry
from crm.models.complaints import OPEN_COMPLAINT_STATES
from dealership.access import can, restricted_queryset

# ages of open complaints on the dashboard: received 0–2, 3–7, more than 7 days ago
AGE_BUCKETS = (("days_0_2", 0, 3), ("days_3_7", 3, 8), ("days_over_7", 8, None))


def _base(user, action: str = "view") -> QuerySet[Complaint]:
    return restricted_queryset(
        user,
        Complaint,
        action,
        Complaint.objects.select_related("customer", "vehicle", "department", "owner"),
    )


def complaints_for_user(
    user,
    *,
    state: str = "",
    severity: str = "",
    category: str = "",
    department=None,
    overdue: bool = False,
    month: dt.date | None = None,
    q: str = "",
    customer=None,
    now: dt.datetime | None = None,
) -> QuerySet[Complaint]:
    """The complaints ``user`` may see, filtered; newest first. ``overdue``: open and past
    the deadline; ``month``: received in that (local) month; ``q``: the number or the
    customer's name (or their full mobile number)."""
    rows = _base(user).order_by("-received_at", "-pk")
    if state == "open":
        rows = rows.filter(state__in=OPEN_COMPLAINT_STATES)
    elif state:
        rows = rows.filter(state=state)
    if severity:
        rows = rows.filter(severity=severity)
    if category:
        rows = rows.filter(category=category)
    if department:
        rows = rows.filter(department_id=getattr(department, "pk", department))
    if customer:
        rows = rows.filter(customer_id=getattr(customer, "pk", customer))
    if overdue:
        rows = rows.filter(state__in=OPEN_COMPLAINT_STATES, deadline__lt=now or timezone.now())
    if month:
        start = timezone.make_aware(dt.datetime(month.year, month.month, 1))
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = timezone.make_aware(dt.datetime(following.year, following.month, 1))
        rows = rows.filter(received_at__gte=start, received_at__lt=end)
    q = (q or "").strip()[:50]
    if q:
        condition = Q(number__icontains=q) | Q(customer__name__icontains=q)
        digits = re.sub(r"\D", "", q)
        if len(digits) == 11:  # a full number finds its customer without revealing others
            condition |= Q(customer__mobile=digits)
        rows = rows.filter(condition)
    return rows


def complaint_detail_queryset() -> QuerySet[Complaint]:
    return Complaint.objects.select_related(
        "customer", "vehicle", "department", "owner", "registered_by", "followup"
    ).prefetch_related(
        Prefetch(
            "entries", queryset=ComplaintEntry.objects.select_related("actor").order_by("at", "pk")
        )
    )


def customer_complaints(user, customer, limit: int = 10) -> list[Complaint]:
    """The complaints of ``customer`` that ``user`` may see (none without the right)."""
    if not can(user, Complaint, "view"):
        return []
    return list(
        _base(user)
        .filter(customer_id=getattr(customer, "pk", customer))
        .order_by("-received_at", "-pk")[:limit]
    )


def open_complaints_summary(user, *, shown: int = 5, now: dt.datetime | None = None) -> dict:
    """The open complaints ``user`` handles or sees: how many by age (0–2, 3–7, more than 7
    days since received) and overdue, and the first ``shown`` of them, overdue first then by
    deadline. Two queries."""
    now = now or timezone.now()
    rows = _base(user).filter(state__in=OPEN_COMPLAINT_STATES)
    counts = {"overdue": Count("pk", filter=Q(deadline__lt=now)), "total": Count("pk")}
    for key, low, high in AGE_BUCKETS:
        condition = Q(received_at__lte=now - dt.timedelta(days=low)) if low else Q()
        if high is not None:
            condition &= Q(received_at__gt=now - dt.timedelta(days=high))
        counts[key] = Count("pk", filter=condition)
    summary = rows.order_by().aggregate(**counts)
    summary["rows"] = list(rows.order_by("deadline", "pk")[:shown]) if shown else []
    summary["now"] = now
    return summary
