"""Tables of crm: marketing — advertising plans, marketing events and the competitor-advertising
log. Each row links to its page; the log's edit and delete buttons are shown on the rows the
viewer may change (``table.changeable``, computed once per page by the view)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.models import AdvertisingPlan, CompetitorAd, MarketingEvent
from crm.tables.intelligence import ATTRS, _person, _RowActions, _yuan
from dealership.columns import DateColumn

RIGHT = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class AdvertisingPlanTable(tables.Table):
    month = tables.Column(verbose_name=_("month"))
    title = tables.Column(verbose_name=_("title"))
    total = tables.Column(verbose_name=_("planned cost (yuan)"), attrs=RIGHT, default="0.00")
    state = tables.Column(verbose_name=_("state"))
    sent_to_oem_on = DateColumn(verbose_name=_("sent to the OEM on"), format="Y-m-d", default="—")
    created_by = tables.Column(verbose_name=_("planner"))

    class Meta:
        model = AdvertisingPlan
        fields = ("month", "title", "total", "state", "sent_to_oem_on", "created_by")
        attrs = {"class": ATTRS, "data-testid": "plan-table"}
        orderable = False
        empty_text = _("No advertising plans.")

    def render_month(self, record):
        return format_html(
            '<a href="{}" data-testid="plan-link">{}</a>',
            record.get_absolute_url(),
            f"{record.month:%Y-%m}",
        )

    def render_total(self, value):
        return _yuan(value)

    def render_state(self, record):
        return format_html(
            '<span class="badge text-bg-secondary" data-state="{}">{}</span>',
            record.state,
            record.get_state_display(),
        )

    def render_created_by(self, value):
        return _person(value)


class MarketingEventTable(tables.Table):
    starts_at = tables.Column(verbose_name=_("starts at"))
    theme = tables.Column(verbose_name=_("theme"))
    kind = tables.Column(verbose_name=_("kind"))
    place = tables.Column(verbose_name=_("place"))
    budget = tables.Column(verbose_name=_("budget (yuan)"), attrs=RIGHT)
    state = tables.Column(verbose_name=_("state"))
    created_by = tables.Column(verbose_name=_("organiser"))

    class Meta:
        model = MarketingEvent
        fields = ("starts_at", "theme", "kind", "place", "budget", "state", "created_by")
        attrs = {"class": ATTRS, "data-testid": "event-table"}
        orderable = False
        empty_text = _("No marketing events.")

    def render_starts_at(self, value):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"

    def render_theme(self, record):
        return format_html(
            '<a href="{}" data-testid="event-link">{}</a>', record.get_absolute_url(), record.theme
        )

    def render_budget(self, value):
        return _yuan(value)

    def render_state(self, record):
        return format_html(
            '<span class="badge text-bg-secondary" data-state="{}">{}</span>',
            record.state,
            record.get_state_display(),
        )

    def render_created_by(self, value):
        return _person(value)


class CompetitorAdTable(_RowActions, tables.Table):
    published_on = DateColumn(verbose_name=_("published on"), format="Y-m-d")
    brand = tables.Column(verbose_name=_("competitor brand"))
    channel = tables.Column(verbose_name=_("channel"))
    medium = tables.Column(verbose_name=_("medium"))
    size = tables.Column(verbose_name=_("size or slot"), default="—")
    cost_estimate = tables.Column(verbose_name=_("estimated cost (yuan)"), attrs=RIGHT, default="—")
    note = tables.Column(verbose_name=_("note"), default="—")
    recorded_by = tables.Column(verbose_name=_("recorded by"), default="—")
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False)

    edit_url = "crm:competitor_ad_edit"
    delete_url = "crm:competitor_ad_delete"

    class Meta:
        model = CompetitorAd
        fields = (
            "published_on",
            "brand",
            "channel",
            "medium",
            "size",
            "cost_estimate",
            "note",
            "recorded_by",
        )
        attrs = {"class": ATTRS, "data-testid": "competitor-ad-table"}
        orderable = False
        empty_text = _("No competitor advertisements.")

    def render_cost_estimate(self, value):
        return _yuan(value)

    def render_recorded_by(self, value):
        return _person(value)
