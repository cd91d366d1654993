"""Reads of the log of phone numbers shown (PIPL): who saw whose full number, when and where.
Read through the access chokepoint: the CRM director reads the dealership's log
(``crm.view_phone_log``), anyone holding it at "own" scope only their own views."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from crm.models import PhoneReveal
from dealership.access import restricted_queryset
from dealership.figures import day_bounds


def phone_log(
    user,
    *,
    user_id: int | None = None,
    customer: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[PhoneReveal]:
    """The log rows ``user`` may read, newest first, filtered by who saw (``user_id``), whose
    number (``customer``: the customer's name, or ``#id``) and local dates (inclusive)."""
    rows = restricted_queryset(
        user, PhoneReveal, "view", PhoneReveal.objects.select_related("user", "customer")
    ).order_by("-at", "-pk")
    if user_id:
        rows = rows.filter(user_id=user_id)
    customer = (customer or "").strip()[:100]
    if customer:
        key = customer.lstrip("#")
        condition = Q(customer__name__icontains=customer)
        if key.isdigit() and len(key) < 18:
            condition |= Q(customer_id=int(key))
        rows = rows.filter(condition)
    if since:
        rows = rows.filter(at__gte=day_bounds(since)[0])
    if until:
        rows = rows.filter(at__lt=day_bounds(until)[1])
    return rows


def phone_log_people(user) -> QuerySet:
    """The people who appear in the log ``user`` may read (for the filter), by name."""
    seen = restricted_queryset(user, PhoneReveal, "view").values("user_id")
    return get_user_model().objects.filter(pk__in=seen).order_by("name", "username")
