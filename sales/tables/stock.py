"""Tables of the stock area (django-tables2): cars, deliveries, allocation requests."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.tables.privacy import PhonesShownMixin
from dealership.columns import DateColumn, DateTimeColumn
from sales.models import AllocationRequest, Delivery, StockVehicle

ATTRS = {"class": "table table-sm table-hover align-middle"}
STATUS_BADGES = {
    "in_transit": "text-bg-info",
    "in_stock": "text-bg-success",
    "reserved": "text-bg-warning",
    "sold": "text-bg-primary",
    "delivered": "text-bg-secondary",
}


class StockTable(tables.Table):
    vin = tables.Column(verbose_name=_("VIN"), linkify=lambda record: record.get_absolute_url())
    model = tables.Column(verbose_name=_("model"))
    trim = tables.Column(verbose_name=_("trim"))
    colour = tables.Column(verbose_name=_("colour"))
    status = tables.Column(verbose_name=_("status"))
    arrived_on = DateColumn(verbose_name=_("arrived on"), format="Y-m-d")
    age = tables.Column(verbose_name=_("days in stock"), accessor="pk", orderable=False)
    list_price = tables.Column(verbose_name=_("list price"))

    class Meta:
        model = StockVehicle
        fields = ("vin", "model", "trim", "colour", "status", "arrived_on", "age", "list_price")
        attrs = {**ATTRS, "data-testid": "stock-table"}
        orderable = False
        empty_text = _("No vehicles found.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def render_status(self, record, value):
        from django.utils.html import format_html

        css = STATUS_BADGES.get(record.status, "text-bg-light")
        return format_html('<span class="badge {}">{}</span>', css, value)

    def render_age(self, record):
        age = record.age_days(self.today)
        return "—" if age is None else age


class DeliveryTable(PhonesShownMixin, tables.Table):
    phone_customer = "customer"  # numbers through crm's phones_shown, one call a page

    delivered_on = DateColumn(
        verbose_name=_("delivered on"),
        format="Y-m-d",
        linkify=lambda record: record.get_absolute_url(),
    )
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    mobile = tables.Column(verbose_name=_("mobile"), accessor="customer__mobile")
    vehicle = tables.Column(verbose_name=_("vehicle"), accessor="stock_vehicle")
    vin = tables.Column(verbose_name=_("VIN"), accessor="stock_vehicle__vin")
    order = tables.Column(
        verbose_name=pgettext_lazy("sales order", "order"), accessor="order__number"
    )
    consultant = tables.Column(verbose_name=_("consultant"), accessor="consultant__name")

    class Meta:
        model = Delivery
        fields = ("delivered_on", "customer", "mobile", "vehicle", "vin", "order", "consultant")
        attrs = {**ATTRS, "data-testid": "delivery-table"}
        orderable = False
        empty_text = _("No deliveries found.")

    def render_vehicle(self, record):
        car = record.stock_vehicle
        return f"{car.model} {car.trim} {car.colour}".replace("  ", " ").strip()


class AllocationTable(tables.Table):
    month = DateColumn(
        verbose_name=_("month"), format="Y-m", linkify=lambda record: record.get_absolute_url()
    )
    status = tables.Column(verbose_name=_("status"))
    line_count = tables.Column(verbose_name=_("lines"), orderable=False)
    total = tables.Column(verbose_name=_("vehicles asked"), orderable=False, default=0)
    submitted_by = tables.Column(verbose_name=_("submitted by"), accessor="submitted_by__name")
    submitted_at = DateTimeColumn(verbose_name=_("submitted at"), format="Y-m-d H:i")

    class Meta:
        model = AllocationRequest
        fields = ("month", "status", "line_count", "total", "submitted_by", "submitted_at")
        attrs = {**ATTRS, "data-testid": "allocation-table"}
        orderable = False
        empty_text = _("No allocation requests yet.")
