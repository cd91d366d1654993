"""Tables of the service front desk (django-tables2): appointments, repair orders, rescues."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.models import Appointment, RepairOrder, Rescue
from crm.tables.privacy import PhonesShownMixin
from dealership.columns import DateTimeColumn

ATTRS = {"class": "table table-sm table-hover align-middle"}
RO_BADGES = {
    "open": "text-bg-light",
    "estimated": "text-bg-info",
    "approved": "text-bg-primary",
    "in_progress": "text-bg-warning",
    "quality_check": "text-bg-warning",
    "ready": "text-bg-success",
    "closed": "text-bg-secondary",
    "cancelled": "text-bg-dark",
}
APPOINTMENT_BADGES = {
    "booked": "text-bg-primary",
    "arrived": "text-bg-success",
    "no_show": "text-bg-warning",
    "cancelled": "text-bg-secondary",
}


def _badge(css: str, label) -> str:
    return format_html('<span class="badge {}">{}</span>', css, label)


def _car(vehicle) -> str:
    return " ".join(v for v in (vehicle.plate, vehicle.model) if v) or vehicle.vin


class _PhoneMixin(PhonesShownMixin):
    """The row's customer's number through crm's ``phones_shown``: one call for the page,
    masked unless the viewer may see it, every full number logged."""

    phone_customer = "customer"


class AppointmentTable(_PhoneMixin, tables.Table):
    starts_at = DateTimeColumn(
        verbose_name=_("time slot"),
        format="Y-m-d H:i",
        linkify=lambda record: record.get_absolute_url(),
    )
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    mobile = tables.Column(verbose_name=_("mobile"), accessor="customer__mobile")
    vehicle = tables.Column(verbose_name=_("vehicle"), accessor="vehicle")
    service_type = tables.Column(verbose_name=_("service type"))
    advisor = tables.Column(verbose_name=_("service advisor"), accessor="advisor__name")
    status = tables.Column(verbose_name=_("status"))

    class Meta:
        model = Appointment
        fields = ("starts_at", "customer", "mobile", "vehicle", "service_type", "advisor", "status")
        attrs = {**ATTRS, "data-testid": "appointment-table"}
        orderable = False
        empty_text = _("No appointments found.")

    def render_vehicle(self, record):
        return _car(record.vehicle)

    def render_status(self, record, value):
        return _badge(APPOINTMENT_BADGES.get(record.status, "text-bg-light"), value)


class RepairOrderTable(_PhoneMixin, tables.Table):
    number = tables.Column(
        verbose_name=_("repair order"), linkify=lambda record: record.get_absolute_url()
    )
    checked_in_at = DateTimeColumn(verbose_name=_("checked in at"), format="Y-m-d H:i")
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    mobile = tables.Column(verbose_name=_("mobile"), accessor="customer__mobile")
    vehicle = tables.Column(verbose_name=_("vehicle"), accessor="vehicle")
    service_type = tables.Column(verbose_name=_("type"))
    advisor = tables.Column(verbose_name=_("service advisor"), accessor="advisor__name")
    status = tables.Column(verbose_name=_("status"))
    total = tables.Column(verbose_name=_("customer pays"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = RepairOrder
        fields = (
            "number",
            "checked_in_at",
            "customer",
            "mobile",
            "vehicle",
            "service_type",
            "advisor",
            "status",
            "total",
        )
        attrs = {**ATTRS, "data-testid": "repairorder-table"}
        orderable = False
        empty_text = _("No repair orders found.")

    def render_vehicle(self, record):
        return _car(record.vehicle)

    def render_status(self, record, value):
        return _badge(RO_BADGES.get(record.status, "text-bg-light"), value)

    def render_total(self, value):
        return f"{value:,.2f}"


class RescueTable(tables.Table):
    called_at = DateTimeColumn(
        verbose_name=_("call received at"),
        format="Y-m-d H:i",
        linkify=lambda record: record.get_absolute_url(),
    )
    caller_name = tables.Column(verbose_name=_("caller"))
    location = tables.Column(verbose_name=_("location"))
    vehicle = tables.Column(verbose_name=_("vehicle"), accessor="vehicle", default="—")
    dispatched = tables.Column(
        verbose_name=_("dispatched"), accessor="dispatched__name", default="—"
    )
    result = tables.Column(verbose_name=_("result"), default="—")
    repair_order = tables.Column(
        verbose_name=_("repair order"), accessor="repair_order__number", default="—"
    )

    class Meta:
        model = Rescue
        fields = (
            "called_at",
            "caller_name",
            "location",
            "vehicle",
            "dispatched",
            "result",
            "repair_order",
        )
        attrs = {**ATTRS, "data-testid": "rescue-table"}
        orderable = False
        empty_text = _("No rescues found.")

    def render_vehicle(self, record):
        return _car(record.vehicle)
