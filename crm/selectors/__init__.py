"""Reads of crm, one module per area; the customer master's helpers are used by sales and
after-sales (``from crm.selectors import shown_phone``)."""

from crm.selectors.customers import (
    customer_detail_queryset,
    customer_options,
    customers_for_user,
    likely_duplicates,
    shown_phone,
    vehicle_detail_queryset,
    vehicles_for_user,
)

__all__ = [
    "customer_detail_queryset",
    "customer_options",
    "customers_for_user",
    "likely_duplicates",
    "shown_phone",
    "vehicle_detail_queryset",
    "vehicles_for_user",
]
