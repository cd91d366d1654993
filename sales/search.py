"""What the top bar's search finds in sales (``dealership.search``): leads by the customer's
name or mobile, orders by number (or a piece of it) and customer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.search import (
    SearchProvider,
    document_fields,
    joined,
    person_fields,
    register_search,
)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _lead_lines(rows, *, user, context):
    return [
        (
            str(row),
            joined(row.get_stage_display(), _person(row.consultant)),
        )
        for row in rows
    ]


def _order_lines(rows, *, user, context):
    return [
        (
            row.number,
            joined(row.customer.name, row.vehicle_model, row.get_status_display()),
        )
        for row in rows
    ]


def register() -> None:
    from sales.models import Lead, Order

    register_search(
        SearchProvider(
            key="sales.lead",
            label=_("Leads"),
            model=Lead,
            icon="bi-person-lines-fill",
            order=30,
            fields=person_fields(),
            queryset=lambda: Lead.objects.select_related("customer", "consultant"),
            describe=_lead_lines,
            list_url="sales:lead_list",
        )
    )
    register_search(
        SearchProvider(
            key="sales.order",
            label=_("Orders"),
            model=Order,
            icon="bi-receipt",
            order=40,
            fields=document_fields("number") + person_fields(),
            queryset=lambda: Order.objects.select_related("customer"),
            describe=_order_lines,
            list_url="sales:order_list",
        )
    )
