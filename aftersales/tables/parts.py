"""Tables of the parts store (django-tables2): parts, part lines to issue, purchase orders,
counter sales, stock counts."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.models import CounterSale, Part, PurchaseOrder, RepairLine, StockCount
from dealership.columns import DateColumn

ATTRS = {"class": "table table-sm table-hover align-middle"}
PO_BADGES = {
    "draft": "text-bg-secondary",
    "ordered": "text-bg-info",
    "partial": "text-bg-warning",
    "received": "text-bg-success",
    "cancelled": "text-bg-light",
}


def _qty(value) -> str:
    return f"{value.normalize():f}" if value is not None else "—"


class PartTable(tables.Table):
    number = tables.Column(
        verbose_name=_("part number"), linkify=lambda record: record.get_absolute_url()
    )
    name_zh = tables.Column(verbose_name=_("name"))
    bin = tables.Column(verbose_name=_("bin"))
    on_hand = tables.Column(verbose_name=_("on hand"), attrs={"td": {"class": "text-end"}})
    reserved = tables.Column(verbose_name=_("reserved"), attrs={"td": {"class": "text-end"}})
    available_qty = tables.Column(verbose_name=_("available"), attrs={"td": {"class": "text-end"}})
    reorder_point = tables.Column(
        verbose_name=_("reorder point"), attrs={"td": {"class": "text-end"}}
    )
    price = tables.Column(verbose_name=_("price"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Part
        fields = (
            "number",
            "name_zh",
            "bin",
            "on_hand",
            "reserved",
            "available_qty",
            "reorder_point",
            "price",
        )
        attrs = {**ATTRS, "data-testid": "part-table"}
        orderable = False
        empty_text = _("No parts found.")

    def render_name_zh(self, record):
        if record.name_en:
            return format_html(
                "{} <small class='text-body-secondary'>{}</small>", record.name_zh, record.name_en
            )
        return record.name_zh

    def render_on_hand(self, record, value):
        if value <= record.reorder_point:
            return format_html(
                '<span class="badge text-bg-warning" title="{}">{}</span>',
                _("at or below the reorder point"),
                _qty(value),
            )
        return _qty(value)

    def render_reserved(self, value):
        return _qty(value)

    def render_available_qty(self, value):
        return _qty(value)

    def render_reorder_point(self, value):
        return _qty(value)


class PartLineTable(tables.Table):
    repair_order = tables.Column(verbose_name=_("repair order"), accessor="repair_order__number")
    plate = tables.Column(verbose_name=_("plate"), accessor="repair_order__vehicle__plate")
    advisor = tables.Column(verbose_name=_("service advisor"), accessor="repair_order__advisor")
    part = tables.Column(
        verbose_name=_("part"), linkify=lambda record: record.part.get_absolute_url()
    )
    bin = tables.Column(verbose_name=_("bin"), accessor="part__bin")
    quantity = tables.Column(verbose_name=_("quantity"), attrs={"td": {"class": "text-end"}})
    issue = tables.Column(verbose_name="", accessor="pk", orderable=False, empty_values=())

    class Meta:
        model = RepairLine
        fields = ("repair_order", "plate", "advisor", "part", "bin", "quantity", "issue")
        attrs = {**ATTRS, "data-testid": "to-issue-table"}
        orderable = False
        empty_text = _("No part is waiting to be issued.")

    def __init__(self, *args, may_issue: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_issue = may_issue

    def render_advisor(self, value):
        return value.name or value.username

    def render_quantity(self, record, value):
        return f"{_qty(value)} {record.part.unit}"

    def render_issue(self, record):
        if not self.may_issue:
            return ""
        from django.urls import reverse

        return format_html(
            '<button class="btn btn-sm btn-success" type="submit" formaction="{}" '
            'data-testid="issue-{}">{}</button>',
            reverse("aftersales:repairline_issue", kwargs={"pk": record.pk}),
            record.pk,
            _("Issue"),
        )


class PurchaseOrderTable(tables.Table):
    number = tables.Column(
        verbose_name=_("purchase order number"), linkify=lambda record: record.get_absolute_url()
    )
    supplier = tables.Column(verbose_name=_("supplier"))
    status = tables.Column(verbose_name=_("status"))
    ordered_on = DateColumn(verbose_name=_("ordered on"), format="Y-m-d")
    line_count = tables.Column(verbose_name=_("lines"), attrs={"td": {"class": "text-end"}})
    amount = tables.Column(verbose_name=_("amount"), attrs={"td": {"class": "text-end"}})
    created_by = tables.Column(verbose_name=_("created by"))

    class Meta:
        model = PurchaseOrder
        fields = (
            "number",
            "supplier",
            "status",
            "ordered_on",
            "line_count",
            "amount",
            "created_by",
        )
        attrs = {**ATTRS, "data-testid": "purchaseorder-table"}
        orderable = False
        empty_text = _("No purchase orders found.")

    def render_status(self, record, value):
        return format_html(
            '<span class="badge {}">{}</span>', PO_BADGES.get(record.status, "text-bg-light"), value
        )

    def render_amount(self, value):
        return f"{value:.2f}"

    def render_created_by(self, value):
        return value.name or value.username


class CounterSaleTable(tables.Table):
    number = tables.Column(
        verbose_name=_("sale number"), linkify=lambda record: record.get_absolute_url()
    )
    sold_on = DateColumn(verbose_name=_("sold on"), format="Y-m-d")
    buyer_name = tables.Column(verbose_name=_("buyer"))
    line_count = tables.Column(verbose_name=_("lines"), attrs={"td": {"class": "text-end"}})
    total = tables.Column(verbose_name=_("total"), attrs={"td": {"class": "text-end"}})
    salesperson = tables.Column(verbose_name=_("parts salesperson"))

    class Meta:
        model = CounterSale
        fields = ("number", "sold_on", "buyer_name", "line_count", "total", "salesperson")
        attrs = {**ATTRS, "data-testid": "countersale-table"}
        orderable = False
        empty_text = _("No counter sales found.")

    def render_salesperson(self, value):
        return value.name or value.username


class StockCountTable(tables.Table):
    counted_on = DateColumn(
        verbose_name=_("counted on"),
        format="Y-m-d",
        linkify=lambda record: record.get_absolute_url(),
    )
    posted = tables.Column(verbose_name=_("status"))
    line_count = tables.Column(verbose_name=_("parts"), attrs={"td": {"class": "text-end"}})
    differences = tables.Column(verbose_name=_("differences"), attrs={"td": {"class": "text-end"}})
    counted_by = tables.Column(verbose_name=_("counted by"))

    class Meta:
        model = StockCount
        fields = ("counted_on", "posted", "line_count", "differences", "counted_by")
        attrs = {**ATTRS, "data-testid": "stockcount-table"}
        orderable = False
        empty_text = _("No stock counts yet.")

    def render_posted(self, value):
        if value:
            return format_html('<span class="badge text-bg-success">{}</span>', _("Posted"))
        return format_html('<span class="badge text-bg-warning">{}</span>', _("Being counted"))

    def render_counted_by(self, value):
        return value.name or value.username
