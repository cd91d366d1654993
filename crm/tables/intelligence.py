"""Tables of crm: market intelligence. The edit and delete buttons are shown on the rows the
viewer may change (``table.changeable``, computed once per page by the view)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.models import AdvertisingSpend, CompetitorObservation
from dealership.columns import DateColumn

ATTRS = "table table-sm table-hover align-middle"


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


def _yuan(value) -> str:
    return number_format(value, decimal_pos=2, force_grouping=True)


class _RowActions:
    changeable: set = frozenset()
    edit_url = delete_url = ""

    def render_actions(self, record):
        if record.pk not in self.changeable:
            return ""
        return format_html(
            '<div class="d-flex gap-1 justify-content-end">'
            '<a class="btn btn-sm btn-outline-primary" href="{}" data-testid="edit">{}</a>'
            '<a class="btn btn-sm btn-outline-danger" href="{}" data-testid="delete">{}</a></div>',
            reverse(self.edit_url, kwargs={"pk": record.pk}),
            _("Edit"),
            reverse(self.delete_url, kwargs={"pk": record.pk}),
            _("Delete"),
        )


class CompetitorObservationTable(_RowActions, tables.Table):
    observed_on = DateColumn(verbose_name=_("observed on"), format="Y-m-d")
    brand = tables.Column(verbose_name=_("competitor brand"))
    model = tables.Column(verbose_name=_("model"))
    price = tables.Column(
        verbose_name=_("price (yuan)"),
        attrs={"td": {"class": "text-end", "data-testid": "price"}, "th": {"class": "text-end"}},
    )
    promotion = tables.Column(verbose_name=_("promotion"), default="—")
    source = tables.Column(verbose_name=_("where observed"), default="—")
    recorded_by = tables.Column(verbose_name=_("recorded by"), default="—")
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False)

    edit_url = "crm:observation_edit"
    delete_url = "crm:observation_delete"

    class Meta:
        model = CompetitorObservation
        fields = ("observed_on", "brand", "model", "price", "promotion", "source", "recorded_by")
        attrs = {"class": ATTRS, "data-testid": "observation-table"}
        orderable = False
        empty_text = _("No competitor observations.")

    def render_price(self, value):
        return _yuan(value)

    def render_recorded_by(self, value):
        return _person(value)


class AdvertisingSpendTable(_RowActions, tables.Table):
    channel = tables.Column(verbose_name=_("channel"))
    description = tables.Column(verbose_name=_("description"))
    period_start = DateColumn(verbose_name=_("from"), format="Y-m-d")
    period_end = DateColumn(verbose_name=_("until"), format="Y-m-d")
    cost = tables.Column(
        verbose_name=_("cost (yuan)"),
        attrs={"td": {"class": "text-end", "data-testid": "cost"}, "th": {"class": "text-end"}},
    )
    leads_attributed = tables.Column(
        verbose_name=_("leads attributed"),
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )
    recorded_by = tables.Column(verbose_name=_("recorded by"), default="—")
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False)

    edit_url = "crm:spend_edit"
    delete_url = "crm:spend_delete"

    class Meta:
        model = AdvertisingSpend
        fields = (
            "channel",
            "description",
            "period_start",
            "period_end",
            "cost",
            "leads_attributed",
            "recorded_by",
        )
        attrs = {"class": ATTRS, "data-testid": "spend-table"}
        orderable = False
        empty_text = _("No advertising spends.")

    def render_cost(self, value):
        return _yuan(value)

    def render_recorded_by(self, value):
        return _person(value)
