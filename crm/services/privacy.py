"""Phone numbers under PIPL: who sees a customer's full number, and the log of every time a
full number is shown (:class:`crm.models.PhoneReveal`).

A full number is shown to a user who holds ``crm.view_customer_phone`` for that customer, to
the customer's owner consultant, and to the specialist assigned to an open follow-up of the
customer; everyone else sees ``138****1234``. Pages and API responses that show numbers call
:func:`phones_shown` once per page (one query to decide, one insert to log)."""

from __future__ import annotations

from collections.abc import Iterable

from crm.models import Customer, FollowUp, PhoneReveal
from crm.models.followups import OPEN_STATUSES
from dealership.audit import mask
from org.access import user_access
from org.capabilities import Capability as C


def _allowed_ids(user, customers: list[Customer]) -> set[int]:
    ids = {c.pk for c in customers}
    if not ids or user is None or not getattr(user, "is_authenticated", False):
        return set()
    allowed = {c.pk for c in customers if c.owner_id == user.pk}
    if user_access(user).has(C.CRM_VIEW_CUSTOMER_PHONE):
        from dealership.access import restricted_queryset

        # the capability's own scope decides which customers (own / department / dealership)
        allowed |= set(
            restricted_queryset(
                user, Customer, "view", Customer.objects.filter(pk__in=ids)
            ).values_list("pk", flat=True)
        )
    rest = ids - allowed
    if rest:
        allowed |= set(
            FollowUp.objects.filter(
                customer_id__in=rest, specialist_id=user.pk, status__in=OPEN_STATUSES
            ).values_list("customer_id", flat=True)
        )
    return allowed


def phones_shown(
    *, user, customers: Iterable[Customer], context: str, fields: tuple[str, ...] = ("mobile",)
) -> dict[int, dict[str, str]]:
    """``{customer id: {field: number as shown to user}}`` for ``customers``; each customer
    whose full number is shown is logged once (who, whose, when, ``context``)."""
    customers = [c for c in customers if c is not None]
    allowed = _allowed_ids(user, customers)
    shown: dict[int, dict[str, str]] = {}
    revealed: dict[int, Customer] = {}
    for customer in customers:
        values = {}
        for field in fields:
            value = getattr(customer, field, "") or ""
            if customer.pk in allowed:
                values[field] = value
                if value:
                    revealed[customer.pk] = customer
            else:
                values[field] = mask(value) if value else ""
        shown[customer.pk] = values
    PhoneReveal.objects.bulk_create(
        [
            PhoneReveal(
                dealership_id=customer.dealership_id,
                user=user,
                customer=customer,
                context=context[:100],
            )
            for customer in revealed.values()
        ]
    )
    return shown
