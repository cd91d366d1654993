"""Tables of the workshop (django-tables2): bays."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import Bay

ATTRS = {"class": "table table-sm table-hover align-middle"}


class BayTable(tables.Table):
    code = tables.Column(verbose_name=_("code"))
    name = tables.Column(verbose_name=pgettext_lazy("bay", "name"))
    is_active = tables.BooleanColumn(verbose_name=_("in use"))
    edit = tables.Column(verbose_name="", accessor="pk", orderable=False, empty_values=())

    class Meta:
        model = Bay
        fields = ("code", "name", "is_active", "edit")
        attrs = {**ATTRS, "data-testid": "bay-table"}
        orderable = False
        empty_text = _("No bays yet.")

    def __init__(self, *args, may_change: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_change = may_change
        if not may_change:
            self.columns.hide("edit")

    def render_edit(self, record):
        from django.utils.html import format_html

        return format_html(
            '<a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>',
            reverse("aftersales:bay_edit", kwargs={"pk": record.pk}),
            _("Change"),
        )
