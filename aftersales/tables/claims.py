"""Tables of the claims area (django-tables2): warranty claims and technical cases."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.models import TechnicalCase, WarrantyClaim
from dealership.columns import DateColumn

ATTRS = {"class": "table table-sm table-hover align-middle"}
CLAIM_BADGES = {
    "draft": "text-bg-light",
    "submitted": "text-bg-info",
    "approved": "text-bg-success",
    "rejected": "text-bg-danger",
    "paid": "text-bg-primary",
}


class ClaimTable(tables.Table):
    number = tables.Column(
        verbose_name=_("claim number"), linkify=lambda record: record.get_absolute_url()
    )
    repair_order = tables.Column(verbose_name=_("repair order"), accessor="repair_order__number")
    vin = tables.Column(verbose_name=_("VIN"), accessor="repair_order__vehicle__vin")
    status = tables.Column(verbose_name=_("status"))
    claimed_amount = tables.Column(verbose_name=_("amount claimed"))
    approved_amount = tables.Column(verbose_name=_("amount approved"), default="—")
    paid_amount = tables.Column(verbose_name=_("amount paid"), default="—")
    submitted_on = DateColumn(verbose_name=_("submitted on"), format="Y-m-d", default="—")
    assessor = tables.Column(verbose_name=_("warranty assessor"), accessor="assessor__name")

    class Meta:
        model = WarrantyClaim
        fields = (
            "number",
            "repair_order",
            "vin",
            "status",
            "claimed_amount",
            "approved_amount",
            "paid_amount",
            "submitted_on",
            "assessor",
        )
        attrs = {**ATTRS, "data-testid": "claim-table"}
        orderable = False
        empty_text = _("No warranty claims found.")

    def render_status(self, record, value):
        css = CLAIM_BADGES.get(record.status, "text-bg-light")
        return format_html('<span class="badge {}">{}</span>', css, value)

    def render_assessor(self, record, value):
        return value or record.assessor.username


class CaseTable(tables.Table):
    occurred_on = DateColumn(
        verbose_name=_("day"), format="Y-m-d", linkify=lambda record: record.get_absolute_url()
    )
    kind = tables.Column(verbose_name=_("kind"))
    title = tables.Column(verbose_name=_("title"), linkify=lambda record: record.get_absolute_url())
    vin = tables.Column(verbose_name=_("VIN"), accessor="vehicle__vin", default="—")
    repair_order = tables.Column(
        verbose_name=_("repair order"), accessor="repair_order__number", default="—"
    )
    reported_on = DateColumn(verbose_name=_("reported to the OEM on"), format="Y-m-d", default="—")
    author = tables.Column(verbose_name=_("author"), accessor="author__name")

    class Meta:
        model = TechnicalCase
        fields = ("occurred_on", "kind", "title", "vin", "repair_order", "reported_on", "author")
        attrs = {**ATTRS, "data-testid": "case-table"}
        orderable = False
        empty_text = _("No technical cases found.")

    def render_author(self, record, value):
        return value or record.author.username
