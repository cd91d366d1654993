"""Reads of crm: querysets built through ``Model.objects.for_user(user, action)``, each in a
constant number of queries, and the masking of phone numbers."""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Prefetch, Q

from crm.access_rules import may_see_phone
from crm.models import Customer, Ownership, Vehicle
from dealership.access import restricted_queryset
from dealership.audit import mask
from dealership.expressions import related_count


def shown_phone(user_may_see: bool, value) -> str:
    return value if user_may_see else mask(value)


def _search_vehicles(q: str) -> Q:
    vehicles = Vehicle.objects.filter(owner=OuterRef("pk")).filter(
        Q(plate__icontains=q.replace("·", "")) | Q(vin__icontains=q)
    )
    return Q(Exists(vehicles))


def customers_for_user(
    user, *, q: str = "", kind: str = "", source: str = "", owner=None, action="view", tier=None
):
    """The customers the user may see, searched by name, phone, plate or VIN, filtered."""
    rows = restricted_queryset(
        user,
        Customer,
        action,
        Customer.objects.select_related("owner").annotate(
            vehicle_count=related_count(Vehicle, "owner")
        ),
    ).order_by("-pk")
    q = (q or "").strip()[:50]
    if q:
        condition = Q(name__icontains=q) | _search_vehicles(q.upper())
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 4 and may_see_phone(user):
            condition |= Q(mobile__contains=digits) | Q(mobile_alt__contains=digits)
        elif len(digits) == 11:  # a full number finds its customer without revealing others
            condition |= Q(mobile=digits) | Q(mobile_alt=digits)
        rows = rows.filter(condition)
    if kind:
        rows = rows.filter(kind=kind)
    if source:
        rows = rows.filter(source=source)
    if owner:
        rows = rows.filter(owner_id=owner)
    if tier:  # the tier the nightly measure gave them (crm.services.tiers)
        rows = rows.filter(standings__tier_id=tier)
    return rows


def customer_detail_queryset():
    return Customer.objects.select_related("owner").prefetch_related(
        Prefetch("vehicles", queryset=Vehicle.objects.order_by("-pk")),
        Prefetch(
            "ownerships",
            queryset=Ownership.objects.select_related("vehicle").order_by("-start", "-pk"),
        ),
    )


def vehicles_for_user(user, *, q: str = "", brand: str = "", action="view"):
    rows = restricted_queryset(
        user, Vehicle, action, Vehicle.objects.select_related("owner__owner")
    ).order_by("-pk")
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(vin__icontains=q)
            | Q(plate__icontains=q.upper().replace("·", ""))
            | Q(owner__name__icontains=q)
            | Q(model__icontains=q)
        )
    if brand:
        rows = rows.filter(brand=brand)
    return rows


def vehicle_detail_queryset():
    return Vehicle.objects.select_related("owner__owner").prefetch_related(
        Prefetch(
            "ownerships",
            queryset=Ownership.objects.select_related("customer").order_by("-start", "-pk"),
        )
    )


OPTIONS_SHOWN = 20


def customer_options(user, query: str, kind: str = "") -> list[Customer]:
    """The customer pickers' matches: at most ``OPTIONS_SHOWN`` customers the user may see
    whose name holds ``query`` or whose mobile is ``query`` (of ``kind`` if given); one query."""
    rows = restricted_queryset(user, Customer, "view").order_by("name", "pk")
    if kind:
        rows = rows.filter(kind=kind)
    query = query.strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(mobile=query) | Q(mobile_alt=query))
    return list(rows[:OPTIONS_SHOWN])


def likely_duplicates(user, limit: int = 100) -> list[tuple[str, list[Customer]]]:
    """Groups of customers the user may see that are probably the same: the same number (one's
    first mobile is another's second), or the same name in the same city. Two queries."""
    visible = restricted_queryset(user, Customer, "view", Customer.objects.select_related("owner"))
    by_phone = visible.filter(mobile__isnull=False).filter(
        Exists(Customer.objects.filter(mobile_alt=OuterRef("mobile")).exclude(pk=OuterRef("pk")))
    )
    same_name = (
        visible.exclude(city="")
        .filter(
            Exists(
                Customer.objects.filter(name=OuterRef("name"), city=OuterRef("city")).exclude(
                    pk=OuterRef("pk")
                )
            )
        )
        .order_by("name", "city", "pk")[: limit * 2]
    )
    groups: dict[tuple, list[Customer]] = {}
    for customer in same_name:
        groups.setdefault(("name", customer.name, customer.city), []).append(customer)
    phones = list(by_phone[:limit])
    if phones:
        alts = visible.filter(mobile_alt__in=[c.mobile for c in phones])
        by_number = {c.mobile: [c] for c in phones}
        for other in alts:
            by_number.get(other.mobile_alt, []).append(other)
        for number, members in by_number.items():
            groups[("phone", number)] = members
    result = []
    for key, members in groups.items():
        if len(members) > 1:
            result.append((key[0], members))
    return result[:limit]
