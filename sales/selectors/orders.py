"""Reads of sales: quotes, orders, trade-ins and discount limits, through
``Model.objects.for_user(user, action)``, each list in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Prefetch, Q

from dealership.access import restricted_queryset
from dealership.selectors import people_in
from sales.models import (
    Delivery,
    DiscountLimit,
    KeyAccount,
    Lead,
    Order,
    OrderStatus,
    Quote,
    QuoteItem,
    QuoteStatus,
    Stage,
    StockStatus,
    StockVehicle,
)

QUOTE_SORTS = ("pk", "-pk", "total", "-total", "created_at", "-created_at")


def sales_people():
    """People holding a position of the sales department of the current dealership, by name."""
    from org.models import PositionAssignment

    held = PositionAssignment.objects.filter(
        position__department__kind="sales", staff__is_active=True
    )
    return people_in(held, "staff__user_id")


def _search_number(q: str) -> Q:
    return Q(customer__name__icontains=q)


def quotes_for_user(
    user, *, q: str = "", status: str = "", consultant=None, model: str = "", action="view"
):
    rows = restricted_queryset(
        user,
        Quote,
        action,
        Quote.objects.select_related("customer", "consultant", "stock_vehicle"),
    ).order_by("-pk")
    q = (q or "").strip()[:50]
    if q:
        condition = Q(customer__name__icontains=q) | Q(vehicle_model__icontains=q)
        digits = re.sub(r"\D", "", q)
        if q.upper().startswith("Q") and digits:
            condition |= Q(pk=int(digits[:18]))
        rows = rows.filter(condition)
    if status:
        rows = rows.filter(status=status)
    if consultant:
        rows = rows.filter(consultant_id=consultant)
    if model:
        rows = rows.filter(vehicle_model__icontains=model.strip()[:80])
    return rows


def quote_detail_queryset():
    return Quote.objects.select_related(
        "customer", "consultant", "lead", "stock_vehicle", "discount_request"
    ).prefetch_related(Prefetch("items", queryset=QuoteItem.objects.order_by("pk")))


def orders_for_user(
    user,
    *,
    q: str = "",
    status: str = "",
    consultant=None,
    month: dt.date | None = None,
    factory: bool = False,
    action="view",
):
    rows = restricted_queryset(
        user,
        Order,
        action,
        Order.objects.select_related("customer", "consultant", "stock_vehicle"),
    ).order_by("-pk")
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(stock_vehicle__vin__icontains=q.upper())
        )
    if status:
        rows = rows.filter(status=status)
    if consultant:
        rows = rows.filter(consultant_id=consultant)
    if month:
        rows = rows.filter(ordered_on__year=month.year, ordered_on__month=month.month)
    if factory:
        rows = rows.filter(status=OrderStatus.FACTORY)
    return rows


def order_detail_queryset():
    return Order.objects.select_related(
        "customer", "consultant", "lead", "quote", "stock_vehicle", "key_account__customer"
    ).prefetch_related(
        "trade_ins__valued_by",
        Prefetch("deliveries", queryset=Delivery.objects.order_by("-pk")),
    )


def free_cars(user, *, status=(StockStatus.IN_STOCK, StockStatus.IN_TRANSIT), model: str = ""):
    """Stock cars the user may see that are free (for a quote or an order)."""
    rows = restricted_queryset(user, StockVehicle, "view").filter(status__in=status)
    if model:
        rows = rows.filter(model__iexact=model)
    return rows.order_by("model", "colour", "vin")


def open_leads(user):
    """Leads the user may quote or order on (not lost or delivered)."""
    return (
        restricted_queryset(user, Lead, "view", Lead.objects.select_related("customer"))
        .exclude(stage__in=[Stage.LOST, Stage.DELIVERED])
        .order_by("-pk")
    )


def ready_quotes(user):
    return restricted_queryset(
        user, Quote, "change", Quote.objects.select_related("customer")
    ).filter(status=QuoteStatus.APPROVED)


def key_accounts(user):
    return restricted_queryset(
        user, KeyAccount, "view", KeyAccount.objects.select_related("customer")
    ).order_by("customer__name")


def discount_limits(user):
    """The limits the user may see, with their positions (one query)."""
    return restricted_queryset(
        user, DiscountLimit, "view", DiscountLimit.objects.select_related("position")
    ).order_by("position__department_id", "position__pk")
