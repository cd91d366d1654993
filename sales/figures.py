"""Key figures of sales for the e-CRB board and the daily report (``dealership.figures``):
orders on a day, deliveries on a day and deliveries of the month so far. Each reads through the
access chokepoint for the viewer (``None`` when they may not see orders / deliveries)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from dealership.access import can
from dealership.figures import (
    Figure,
    aggregate_by_dealership,
    month_start,
    per_dealership,
    register_figure,
)
from sales.models import Delivery, Order, OrderStatus


def orders_on(user, day: dt.date) -> int | None:
    """Orders signed on ``day`` (cancelled ones not counted)."""

    def compute():
        if not can(user, Order, "view"):
            return None
        return aggregate_by_dealership(
            Order.objects.for_user(user, "view")
            .filter(ordered_on=day)
            .exclude(status=OrderStatus.CANCELLED),
            n=Count("pk"),
        )

    numbers = per_dealership(("sales.orders", user.pk, day), compute, {"n": 0})
    return None if numbers is None else numbers["n"]


def _deliveries(user, day: dt.date) -> dict | None:
    def compute():
        if not can(user, Delivery, "view"):
            return None
        return aggregate_by_dealership(
            Delivery.objects.for_user(user, "view").filter(
                delivered_on__gte=month_start(day), delivered_on__lte=day
            ),
            day=Count("pk", filter=Q(delivered_on=day)),
            month=Count("pk"),
        )

    return per_dealership(("sales.deliveries", user.pk, day), compute, {"day": 0, "month": 0})


def deliveries_on(user, day: dt.date) -> int | None:
    """Cars handed over to their buyers on ``day``."""
    numbers = _deliveries(user, day)
    return None if numbers is None else numbers["day"]


def deliveries_month(user, day: dt.date) -> int | None:
    """Cars handed over from the 1st of ``day``'s month up to ``day``."""
    numbers = _deliveries(user, day)
    return None if numbers is None else numbers["month"]


def register() -> None:
    for figure in (
        Figure(
            "sales.orders",
            _("Orders"),
            orders_on,
            group="day",
            order=10,
            url_name="sales:order_list",
            model="sales.Order",
            help=_("Orders signed that day (cancelled ones not counted)."),
        ),
        Figure(
            "sales.deliveries",
            _("Deliveries"),
            deliveries_on,
            group="day",
            order=20,
            url_name="sales:delivery_list",
            model="sales.Delivery",
            help=_("Cars handed over to their buyers that day."),
        ),
        Figure(
            "sales.deliveries_month",
            _("Deliveries this month"),
            deliveries_month,
            group="month",
            order=10,
            url_name="sales:delivery_list",
            model="sales.Delivery",
            help=_("Cars handed over since the 1st of the month."),
        ),
    ):
        register_figure(figure)
