import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from dealership.columns import DateTimeColumn
from finance.models import Budget


class RecordTable(tables.Table):
    subject = tables.Column(
        accessor="request__subject",
        verbose_name=_("subject"),
        linkify=lambda record: record.get_absolute_url(),
    )
    requester = tables.Column(accessor="request__requester__name", verbose_name=_("requester"))
    department = tables.Column(accessor="request__department", verbose_name=_("department"))
    amount = tables.Column(accessor="request__amount", verbose_name=_("amount (CNY)"))
    status = tables.Column(accessor="request__status", verbose_name=_("status"))
    created_at = DateTimeColumn(
        accessor="request__created_at", verbose_name=_("created at"), format="Y-m-d H:i"
    )

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "finance-table"}
        orderable = False
        empty_text = _("No requests yet.")

    def render_status(self, record):
        return record.request.get_status_display()


class BudgetTable(tables.Table):
    department = tables.Column(
        verbose_name=_("department"), linkify=lambda record: record.get_absolute_url()
    )
    period = tables.Column(empty_values=(), verbose_name=_("period"))
    category = tables.Column(verbose_name=_("expense category"))
    amount = tables.Column(verbose_name=_("amount (CNY)"))
    status = tables.Column(accessor="request__status", verbose_name=_("status"))

    class Meta:
        model = Budget
        fields = ("department", "period", "category", "amount", "status")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "budget-table"}
        orderable = False
        empty_text = _("No budgets yet.")

    def render_period(self, record):
        return f"{record.period_label} ({record.get_period_display()})"

    def render_status(self, record):
        return record.request.get_status_display()


class AdClaimTable(RecordTable):
    """A claim's state with the OEM and what it still owes, beside the request's."""

    oem_status = tables.Column(verbose_name=_("state with the OEM"))
    outstanding = tables.Column(empty_values=(), verbose_name=_("outstanding"))

    class Meta(RecordTable.Meta):
        sequence = ("subject", "requester", "department", "amount", "status", "oem_status", "...")

    def render_oem_status(self, record):
        return record.get_oem_status_display()

    def render_outstanding(self, record):
        if record.request.status != "approved":
            return "—"
        return record.outstanding


class DecorationTable(RecordTable):
    """Whether the work is at height and when it was installed."""

    at_height = tables.BooleanColumn(verbose_name=_("work at height"))
    installed_at = DateTimeColumn(verbose_name=_("installed at"), format="Y-m-d H:i", default="—")

    class Meta(RecordTable.Meta):
        sequence = ("subject", "requester", "department", "amount", "status", "at_height", "...")
