"""Tables of sales plans, price lists and sub-dealers (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from dealership.columns import DateColumn
from sales.models import PriceList, SalesPlan, SubDealer

ATTRS = {"class": "table table-sm table-hover align-middle"}
STATE_BADGES = {
    "draft": "text-bg-light",
    "pending": "text-bg-warning",
    "approved": "text-bg-success",
    "rejected": "text-bg-danger",
    "submitted": "text-bg-primary",
    "superseded": "text-bg-secondary",
    "prospect": "text-bg-light",
    "active": "text-bg-success",
    "suspended": "text-bg-warning",
    "ended": "text-bg-secondary",
}


def _badge(record, value):
    from django.utils.html import format_html

    return format_html(
        '<span class="badge {}">{}</span>', STATE_BADGES.get(record.state, "text-bg-light"), value
    )


class PlanTable(tables.Table):
    label = tables.Column(
        verbose_name=_("period"),
        accessor="starts_on",
        linkify=lambda record: record.get_absolute_url(),
    )
    period = tables.Column(verbose_name=_("kind"))
    total_units = tables.Column(verbose_name=_("units"), attrs={"td": {"class": "text-end"}})
    total_revenue = tables.Column(
        verbose_name=_("revenue (CNY)"), attrs={"td": {"class": "text-end"}}
    )
    state = tables.Column(verbose_name=_("state"))
    submitted_on = DateColumn(
        verbose_name=_("submitted to the OEM on"), format="Y-m-d", default="—"
    )
    created_by = tables.Column(verbose_name=_("created by"), accessor="created_by__name")

    class Meta:
        model = SalesPlan
        fields = (
            "label",
            "period",
            "total_units",
            "total_revenue",
            "state",
            "submitted_on",
            "created_by",
        )
        attrs = {**ATTRS, "data-testid": "plan-table"}
        orderable = False
        empty_text = _("No sales plans yet.")

    def render_label(self, record):
        return record.label

    def render_total_revenue(self, value):
        return f"{value:,.2f}"

    def render_state(self, record, value):
        return _badge(record, value)

    def render_created_by(self, record, value):
        return value or record.created_by.username


class PriceListTable(tables.Table):
    model = tables.Column(verbose_name=_("model"), linkify=lambda record: record.get_absolute_url())
    trim = tables.Column(verbose_name=_("trim"), default="—")
    msrp = tables.Column(verbose_name=_("MSRP (CNY)"), attrs={"td": {"class": "text-end"}})
    dealer_price = tables.Column(
        verbose_name=_("dealer price (CNY)"), attrs={"td": {"class": "text-end"}}
    )
    floor_price = tables.Column(
        verbose_name=_("floor price (CNY)"), attrs={"td": {"class": "text-end"}}
    )
    valid_from = DateColumn(verbose_name=_("valid from"), format="Y-m-d")
    state = tables.Column(verbose_name=_("state"))

    class Meta:
        model = PriceList
        fields = ("model", "trim", "msrp", "dealer_price", "floor_price", "valid_from", "state")
        attrs = {**ATTRS, "data-testid": "price-list-table"}
        orderable = False
        empty_text = _("No price lists found.")

    def __init__(self, *args, in_effect=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.in_effect = set(in_effect)

    def render_msrp(self, value):
        return f"{value:,.2f}"

    def render_dealer_price(self, value):
        return f"{value:,.2f}"

    def render_floor_price(self, value):
        return f"{value:,.2f}"

    def render_state(self, record, value):
        from django.utils.html import format_html

        badge = _badge(record, value)
        if record.pk in self.in_effect:
            return format_html(
                '{} <span class="badge text-bg-info" data-testid="in-effect">{}</span>',
                badge,
                _("in effect"),
            )
        return badge


class SubDealerTable(tables.Table):
    name = tables.Column(verbose_name=_("name"), linkify=lambda record: record.get_absolute_url())
    region = tables.Column(verbose_name=_("region"))
    contact_name = tables.Column(verbose_name=_("contact person"))
    contract_end = DateColumn(verbose_name=_("contract until"), format="Y-m-d", default="—")
    state = tables.Column(verbose_name=_("state"))
    latest_score = tables.Column(
        verbose_name=_("latest score"), default="—", attrs={"td": {"class": "text-end"}}
    )
    manager = tables.Column(verbose_name=_("looked after by"), accessor="manager__name")

    class Meta:
        model = SubDealer
        fields = (
            "name",
            "region",
            "contact_name",
            "contract_end",
            "state",
            "latest_score",
            "manager",
        )
        attrs = {**ATTRS, "data-testid": "subdealer-table"}
        orderable = False
        empty_text = _("No sub-dealers found.")

    def render_state(self, record, value):
        return _badge(record, value)

    def render_manager(self, record, value):
        return value or record.manager.username
