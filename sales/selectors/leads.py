"""Reads of showroom traffic, leads, test drives and key accounts, through
``restricted_queryset`` (the access chokepoint), each list in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Q
from django.utils import timezone

from crm.access_rules import may_see_phone
from dealership.access import restricted_queryset
from sales.models import KeyAccount, Lead, Stage, TestDrive, Visit

CLOSED = (Stage.DELIVERED, Stage.LOST)


def _customer_search(user, q: str, prefix: str = "customer__") -> Q | None:
    """Name contains ``q``; a phone number by its digits (any part for those who may see
    phones, the whole number otherwise, so masked numbers cannot be guessed digit by digit)."""
    q = (q or "").strip()[:50]
    if not q:
        return None
    condition = Q(**{f"{prefix}name__icontains": q})
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4 and may_see_phone(user):
        condition |= Q(**{f"{prefix}mobile__contains": digits})
    elif len(digits) == 11:
        condition |= Q(**{f"{prefix}mobile": digits})
    return condition


def visits_for_user(
    user,
    *,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
    consultant=None,
    kind: str = "",
    intent: str = "",
    q: str = "",
    action: str = "view",
):
    rows = restricted_queryset(
        user, Visit, action, Visit.objects.select_related("customer", "consultant", "lead")
    ).order_by("-visited_at", "-pk")
    if day_from:
        rows = rows.filter(visited_at__date__gte=day_from)
    if day_to:
        rows = rows.filter(visited_at__date__lte=day_to)
    if consultant:
        rows = rows.filter(consultant_id=getattr(consultant, "pk", consultant))
    if kind:
        rows = rows.filter(kind=kind)
    if intent:
        rows = rows.filter(intent=intent)
    condition = _customer_search(user, q)
    if condition is not None:
        rows = rows.filter(condition)
    return rows


def visits_today_count(user) -> int:
    return visits_for_user(user, day_from=timezone.localdate(), day_to=timezone.localdate()).count()


LEAD_SORTS = {
    "next_contact": ("next_contact_on", "-pk"),
    "-next_contact": ("-next_contact_on", "-pk"),
    "newest": ("-pk",),
    "oldest": ("pk",),
}


def leads_for_user(
    user,
    *,
    stage: str = "",
    intent: str = "",
    consultant=None,
    source: str = "",
    overdue: bool = False,
    q: str = "",
    sort: str = "",
    action: str = "view",
):
    rows = restricted_queryset(
        user,
        Lead,
        action,
        Lead.objects.select_related("customer", "consultant", "lost_request"),
    )
    rows = rows.order_by(*LEAD_SORTS.get(sort, ("-pk",)))
    if stage:
        rows = rows.filter(stage=stage)
    if intent:
        rows = rows.filter(intent=intent)
    if consultant:
        rows = rows.filter(consultant_id=getattr(consultant, "pk", consultant))
    if source:
        rows = rows.filter(source=source)
    if overdue:
        rows = rows.exclude(stage__in=CLOSED).filter(next_contact_on__lt=timezone.localdate())
    condition = _customer_search(user, q)
    if condition is not None:
        rows = rows.filter(condition)
    return rows


def leads_to_contact(user, limit: int = 8) -> tuple[list[Lead], int, int]:
    """Open leads due today or overdue (the user's own, or their department's): the first
    ``limit`` by date, and how many are due today and overdue (two queries)."""
    today = timezone.localdate()
    rows = (
        restricted_queryset(user, Lead, "view", Lead.objects.select_related("customer"))
        .exclude(stage__in=CLOSED)
        .filter(next_contact_on__lte=today)
    )
    counts = rows.aggregate(
        today=Count("pk", filter=Q(next_contact_on=today)),
        overdue=Count("pk", filter=Q(next_contact_on__lt=today)),
    )
    return list(rows.order_by("next_contact_on", "pk")[:limit]), counts["today"], counts["overdue"]


def lead_detail_queryset():
    return Lead.objects.select_related(
        "customer", "consultant", "key_account__customer", "lost_request"
    )


def testdrives_for_user(user, *, q: str = "", consultant=None, day=None, action: str = "view"):
    rows = restricted_queryset(
        user, TestDrive, action, TestDrive.objects.select_related("customer", "consultant", "lead")
    ).order_by("-starts_at", "-pk")
    if consultant:
        rows = rows.filter(consultant_id=getattr(consultant, "pk", consultant))
    if day:
        rows = rows.filter(starts_at__date=day)
    q = (q or "").strip()[:50]
    if q:
        condition = _customer_search(user, q) | Q(vehicle_model__icontains=q)
        rows = rows.filter(condition)
    return rows


def keyaccounts_for_user(user, *, q: str = "", action: str = "view"):
    rows = restricted_queryset(
        user,
        KeyAccount,
        action,
        KeyAccount.objects.select_related("customer", "manager").annotate(
            lead_count=Count("leads", distinct=True)
        ),
    ).order_by("-pk")
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(customer__name__icontains=q) | Q(contact_name__icontains=q) | Q(industry__icontains=q)
        )
    return rows
