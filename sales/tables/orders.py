"""Tables of quotes and orders (sortable by the columns that have an order)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from dealership.columns import DateColumn
from sales.models import Order, Quote

ATTRS = {"class": "table table-sm table-hover align-middle"}


class QuoteTable(tables.Table):
    number = tables.Column(
        verbose_name=_("quote"),
        accessor="pk",
        linkify=lambda record: record.get_absolute_url(),
        order_by=("pk",),
    )
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    vehicle_model = tables.Column(verbose_name=_("model"))
    consultant = tables.Column(verbose_name=_("consultant"), accessor="consultant__name")
    discount = tables.Column(verbose_name=_("discount"), attrs={"td": {"class": "text-end"}})
    total = tables.Column(verbose_name=_("total"), attrs={"td": {"class": "text-end"}})
    status = tables.Column(verbose_name=_("status"))
    created_at = DateColumn(verbose_name=_("created"), format="Y-m-d")

    class Meta:
        model = Quote
        fields = (
            "number",
            "customer",
            "vehicle_model",
            "consultant",
            "discount",
            "total",
            "status",
            "created_at",
        )
        attrs = {**ATTRS, "data-testid": "quote-table"}
        empty_text = _("No quotes found.")

    def render_number(self, value):
        return f"Q{value}"

    def render_discount(self, value):
        return f"{value:,.2f}"

    def render_total(self, value):
        return f"{value:,.2f}"


class OrderTable(tables.Table):
    number = tables.Column(
        verbose_name=_("order number"), linkify=lambda record: record.get_absolute_url()
    )
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    vehicle_model = tables.Column(verbose_name=_("model"))
    vin = tables.Column(
        verbose_name=_("VIN"), accessor="stock_vehicle__vin", default="—", orderable=False
    )
    consultant = tables.Column(verbose_name=_("consultant"), accessor="consultant__name")
    price = tables.Column(verbose_name=_("agreed price"), attrs={"td": {"class": "text-end"}})
    deposit = tables.Column(verbose_name=_("deposit"), attrs={"td": {"class": "text-end"}})
    ordered_on = DateColumn(verbose_name=_("ordered on"), format="Y-m-d")
    status = tables.Column(verbose_name=_("status"))

    class Meta:
        model = Order
        fields = (
            "number",
            "customer",
            "vehicle_model",
            "vin",
            "consultant",
            "price",
            "deposit",
            "ordered_on",
            "status",
        )
        attrs = {**ATTRS, "data-testid": "order-table"}
        empty_text = _("No orders found.")

    def render_price(self, value):
        return f"{value:,.2f}"

    def render_deposit(self, value):
        return f"{value:,.2f}"
