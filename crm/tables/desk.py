"""Tables of the customer-service desk, the thank-you letters and the customer tiers (each row's
related rows are read with the page: the selectors join them)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.models import CustomerTier, Enquiry, ImprovementProposal, ThankYouLetter
from crm.services.privacy import caller_phone_shown
from dealership.columns import DateColumn, DateTimeColumn
from dealership.figures import local_today

ATTRS = "table table-sm table-hover align-middle"


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


class EnquiryTable(tables.Table):
    received_at = DateTimeColumn(
        verbose_name=_("received at"),
        format="Y-m-d H:i",
        linkify=lambda record: record.get_absolute_url(),
    )
    channel = tables.Column(verbose_name=_("channel"))
    topic = tables.Column(verbose_name=_("topic"))
    who = tables.Column(verbose_name=_("customer or caller"), accessor="pk", orderable=False)
    question = tables.Column(verbose_name=_("question"))
    answered = tables.Column(verbose_name=_("answered"), accessor="answer", orderable=False)
    taken_by = tables.Column(verbose_name=_("taken by"))

    class Meta:
        model = Enquiry
        fields = ("received_at", "channel", "topic", "who", "question", "answered", "taken_by")
        attrs = {"class": ATTRS, "data-testid": "enquiry-table"}
        orderable = False
        empty_text = _("No enquiries found.")

    def render_who(self, record):
        if record.customer_id or not record.caller_phone:
            return record.who or "—"
        request = getattr(self, "request", None)
        phone = caller_phone_shown(getattr(request, "user", None), record)
        return f"{record.caller_name} · {phone}" if record.caller_name else phone

    def render_question(self, value):
        return value if len(value) <= 60 else value[:60] + "…"

    def render_answered(self, value):
        return _("yes") if value else _("not yet")

    def render_taken_by(self, value):
        return _person(value)


class ProposalTable(tables.Table):
    subject = tables.Column(
        verbose_name=_("subject"), linkify=lambda record: record.get_absolute_url()
    )
    source = tables.Column(verbose_name=_("from"))
    department = tables.Column(verbose_name=_("responsible department"))
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name", default="—")
    state = tables.Column(verbose_name=_("state"))
    answer_by = DateColumn(verbose_name=_("answer by"), format="Y-m-d")
    created_at = DateColumn(verbose_name=_("raised on"), format="Y-m-d")

    class Meta:
        model = ImprovementProposal
        fields = ("subject", "source", "department", "customer", "state", "answer_by", "created_at")
        attrs = {"class": ATTRS, "data-testid": "proposal-table"}
        orderable = False
        empty_text = _("No improvement proposals found.")

    def render_department(self, value):
        return value.name

    def render_answer_by(self, value, record):
        if not hasattr(self, "_today"):  # once per table, not per row (it reads the scope)
            self._today = local_today()
        if record.state == "open" and value < self._today:
            return format_html(
                '<span class="text-danger fw-semibold" data-testid="overdue">{}</span>',
                f"{value:%Y-%m-%d}",
            )
        return f"{value:%Y-%m-%d}"


class LetterTable(tables.Table):
    select = tables.Column(verbose_name="", accessor="pk", orderable=False, empty_values=())
    addressee = tables.Column(
        verbose_name=_("addressee"), linkify=lambda record: record.get_absolute_url()
    )
    kind = tables.Column(verbose_name=_("kind"))
    event = tables.Column(verbose_name=_("day of the event"), accessor="event__occurred_on")
    state = tables.Column(verbose_name=_("state"))
    signed_by = tables.Column(verbose_name=_("signed by"))
    mailed_on = DateColumn(verbose_name=_("mailed on"), format="Y-m-d")
    tracking_number = tables.Column(verbose_name=_("tracking number"))

    class Meta:
        model = ThankYouLetter
        fields = (
            "select",
            "addressee",
            "kind",
            "event",
            "state",
            "signed_by",
            "mailed_on",
            "tracking_number",
        )
        attrs = {"class": ATTRS, "data-testid": "letter-table"}
        orderable = False
        empty_text = _("No thank-you letters found.")

    selectable = False

    def render_select(self, record):
        if not self.selectable or record.state != "drafted":
            return ""
        return format_html(
            '<input type="checkbox" class="form-check-input" name="letters" value="{}" '
            'form="submit-letters" aria-label="{}" data-testid="select-letter">',
            record.pk,
            _("send for signature"),
        )

    def render_event(self, value):
        return f"{value:%Y-%m-%d}"

    def render_signed_by(self, value):
        return _person(value)


class TierTable(tables.Table):
    rank = tables.Column(verbose_name=_("rank"))
    name = tables.Column(verbose_name=_("tier"), accessor="name_zh")
    min_spending = tables.Column(verbose_name=_("minimum spending (yuan)"))
    min_vehicles = tables.Column(verbose_name=_("minimum vehicles owned"))
    min_visits = tables.Column(verbose_name=_("minimum service visits"))
    customers = tables.Column(verbose_name=_("customers"), orderable=False)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False)

    changeable: bool = False

    class Meta:
        model = CustomerTier
        fields = (
            "rank",
            "name",
            "min_spending",
            "min_vehicles",
            "min_visits",
            "customers",
            "actions",
        )
        attrs = {"class": ATTRS, "data-testid": "tier-table"}
        orderable = False
        empty_text = _("No customer tiers set.")

    def render_name(self, record):
        return record.name

    def render_min_spending(self, value):
        return number_format(value, decimal_pos=2, force_grouping=True)

    def render_actions(self, record):
        if not self.changeable:
            return ""
        return format_html(
            '<div class="d-flex gap-1 justify-content-end">'
            '<a class="btn btn-sm btn-outline-primary" href="{}" data-testid="edit">{}</a>'
            '<a class="btn btn-sm btn-outline-danger" href="{}" data-testid="delete">{}</a></div>',
            reverse("crm:tier_edit", kwargs={"pk": record.pk}),
            _("Edit"),
            reverse("crm:tier_delete", kwargs={"pk": record.pk}),
            _("Delete"),
        )
