import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from org.approvals.kinds import kind_label
from org.approvals.models import ApprovalChain, ApprovalRequest, Delegation


class ApprovalRequestTable(tables.Table):
    subject = tables.Column(linkify=True, verbose_name=_("subject"))
    kind = tables.Column(verbose_name=_("kind"))
    requester = tables.Column(verbose_name=_("requester"))
    amount = tables.Column(verbose_name=_("amount (CNY)"), attrs={"td": {"class": "text-end"}})
    status = tables.Column(verbose_name=_("status"))
    where = tables.Column(verbose_name=_("waiting at"), empty_values=(), orderable=False)

    class Meta:
        model = ApprovalRequest
        fields = ("subject", "kind", "requester", "amount", "status", "where", "created_at")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "request-table"}
        orderable = False
        empty_text = _("No requests.")

    def render_kind(self, value):
        return kind_label(value)

    def render_requester(self, value):
        return value.get_full_name() or value.get_username()

    def render_amount(self, value):
        return f"{value:,.2f}"

    def render_status(self, record, value):
        css = {
            "approved": "success",
            "rejected": "danger",
            "returned": "warning",
            "pending": "primary",
        }.get(record.status, "secondary")
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)

    def render_where(self, record):
        steps = getattr(record, "open_steps", [])
        return steps[0].label_display if steps else "—"

    def render_created_at(self, value):
        return f"{value:%Y-%m-%d}"


class ChainTable(tables.Table):
    kind = tables.Column(verbose_name=_("kind"), linkify=True)
    steps = tables.Column(verbose_name=_("steps"), empty_values=(), orderable=False)

    class Meta:
        model = ApprovalChain
        fields = ("kind", "steps", "due_working_days", "block_over_budget", "updated_at")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "chain-table"}
        orderable = False

    def __init__(self, *args, steps=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = steps or {}

    def render_kind(self, value):
        return kind_label(value)

    def render_steps(self, record):
        return " → ".join(s.display for s in self.steps.get(record.pk, [])) or "—"


class DelegationTable(tables.Table):
    delegator = tables.Column(verbose_name=_("approver away"))
    delegate = tables.Column(verbose_name=_("delegate"))
    actions = tables.TemplateColumn(
        template_name="org/approvals/_delegation_actions.html", verbose_name="", orderable=False
    )

    class Meta:
        model = Delegation
        fields = ("delegator", "delegate", "start", "end", "reason", "actions")
        attrs = {"class": "table table-sm align-middle", "data-testid": "delegation-table"}
        orderable = False
        empty_text = _("No delegations.")

    def render_delegator(self, value):
        return value.get_full_name() or value.get_username()

    def render_delegate(self, value):
        return value.get_full_name() or value.get_username()
