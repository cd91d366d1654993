"""Phone numbers under PIPL: who sees a customer's full number, and the log of every time a
full number is shown (:class:`crm.models.PhoneReveal`).

A full number is shown to a user who holds ``crm.view_customer_phone`` for that customer (the
capability's own data scope decides: own customers, those of their departments' people, the
whole dealership), to the customer's owner consultant, and to the specialist assigned to an
open follow-up of the customer; everyone else sees ``138****1234``. Pages and API responses
that show numbers call :func:`phones_shown` once per page (at most one query to decide, one
insert to log), never once per row.

A full number is only shown where it can be logged: in a read-only scope (HQ) or to code that
runs without a person (``SYSTEM``) numbers are masked. Customers' numbers that go out of the
system for a purpose (an SMS) are read from the model by the sending service, not through
this function."""

from __future__ import annotations

from collections.abc import Iterable

from crm.models import Customer, FollowUp, PhoneReveal
from crm.models.followups import OPEN_STATUSES
from dealership.actors import is_system_actor
from dealership.audit import mask
from dealership.tenancy import current_scope
from org.access import model_access, user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

PHONE_FIELDS = ("mobile", "mobile_alt", "landline")


def _person(user) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "pk", None) is not None
        and not is_system_actor(user)
    )


def _by_capability(user, customers: list[Customer]) -> set[int]:
    """Customers whose numbers ``user`` may read by ``crm.view_customer_phone`` at its scope."""
    access = user_access(user)
    scope = access.scope_for(C.CRM_VIEW_CUSTOMER_PHONE)
    if scope is None:
        return set()
    if scope in (DataScope.DEALERSHIP, DataScope.GROUP):
        return {c.pk for c in customers}
    if scope == DataScope.OWN:
        return {c.pk for c in customers if c.owner_id == user.pk}
    rules = model_access(Customer)
    rule = rules.department or rules.own if rules is not None else None
    if rule is None:
        return set()
    return set(
        Customer.objects.filter(pk__in={c.pk for c in customers})
        .filter(rule(access))
        .values_list("pk", flat=True)
    )


def caller_phone_shown(user, enquiry) -> str:
    """The phone number of a caller who is not a customer (:class:`crm.models.Enquiry`) as
    ``user`` sees it: in full to who took the enquiry and to holders of
    ``crm.view_customer_phone`` at dealership scope, in a writable scope; masked
    (``138****1234``) for everyone else, HQ and code without a person. No query."""
    number = enquiry.caller_phone
    if not number:
        return ""
    scope = current_scope()
    if scope is None or not _person(user) or not scope.can_write(enquiry.dealership_id):
        return mask(number)
    if enquiry.taken_by_id == user.pk:
        return number
    wide = (DataScope.DEALERSHIP, DataScope.GROUP)
    if user_access(user).scope_for(C.CRM_VIEW_CUSTOMER_PHONE) in wide:
        return number
    return mask(number)


def allowed_ids(user, customers: Iterable[Customer]) -> set[int]:
    """Which of ``customers`` ``user`` sees with their full numbers (nothing logged)."""
    scope = current_scope()
    if scope is None or not _person(user):
        return set()
    # shown in full only where it can be logged (not in HQ's read-only scope)
    customers = [
        c
        for c in customers
        if c is not None and c.pk is not None and scope.can_write(c.dealership_id)
    ]
    if not customers:
        return set()
    allowed = {c.pk for c in customers if c.owner_id == user.pk}
    allowed |= _by_capability(user, [c for c in customers if c.pk not in allowed])
    rest = {c.pk for c in customers} - allowed
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
    """``{customer id: {field: number as shown to user}}`` for ``customers`` (each customer
    once, however often it is listed); each customer whose full number is shown is logged once
    per call (who, whose, when, ``context``: the page or API path). Empty numbers stay
    empty."""
    unique: dict[int, Customer] = {}
    for customer in customers:
        if customer is not None and customer.pk is not None:
            unique.setdefault(customer.pk, customer)
    allowed = allowed_ids(user, unique.values())
    shown: dict[int, dict[str, str]] = {}
    revealed: list[Customer] = []
    for pk, customer in unique.items():
        values = {}
        for field in fields:
            value = getattr(customer, field, "") or ""
            values[field] = value if pk in allowed else mask(value)
        shown[pk] = values
        if pk in allowed and any(values.values()):
            revealed.append(customer)
    if revealed:
        PhoneReveal.objects.bulk_create(
            [
                PhoneReveal(
                    dealership_id=customer.dealership_id,
                    user_id=user.pk,
                    customer=customer,  # loaded: its dealership is checked without a query
                    context=(context or "")[:100],
                )
                for customer in revealed
            ]
        )
    return shown


def phone_shown(*, user, customer: Customer | None, context: str, field: str = "mobile") -> str:
    """One customer's number as shown to ``user`` (a detail page), logged when in full."""
    if customer is None:
        return ""
    return phones_shown(user=user, customers=[customer], context=context, fields=(field,))[
        customer.pk
    ][field]
