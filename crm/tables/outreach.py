"""Tables of crm: outreach. Phone numbers come from
:func:`crm.services.privacy.phones_shown`, called once per page by the view (``table.phones``);
links and buttons are shown only to who may use them (``table.links`` and friends, computed
once per page)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import (
    Membership,
    RetentionEntry,
    RetentionList,
    ServiceReminder,
    SmsCampaign,
    SmsDelivery,
)
from dealership.audit import mask
from dealership.columns import DateColumn, DateTimeColumn

ATTRS = "table table-sm table-hover align-middle"


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


class _PageExtras:
    """What the view computes once per page: ``phones`` ({customer id: {"mobile": shown}}),
    ``customer_ids`` (the customers the viewer may open)."""

    phones: dict = {}
    customer_ids: set = set()

    def render_customer(self, value, record):
        customer = record.customer
        if customer.pk in self.customer_ids:
            return format_html('<a href="{}">{}</a>', customer.get_absolute_url(), customer.name)
        return customer.name

    def render_mobile(self, value, record):
        return self.phones.get(record.customer_id, {}).get("mobile") or "—"


class RetentionListTable(tables.Table):
    month = DateColumn(
        verbose_name=_("month"), format="Y-m", linkify=lambda record: record.get_absolute_url()
    )
    band = tables.Column(verbose_name=_("delivered"))
    customers = tables.Column(verbose_name=_("customers"), attrs={"td": {"data-testid": "count"}})
    acknowledged_at = DateTimeColumn(
        verbose_name=_("received by after-sales at"), format="Y-m-d H:i", default="—"
    )
    acknowledged_by = tables.Column(verbose_name=_("received by"), default="—")

    class Meta:
        model = RetentionList
        fields = ("month", "band", "customers", "acknowledged_at", "acknowledged_by")
        attrs = {"class": ATTRS, "data-testid": "retention-table"}
        orderable = False
        empty_text = _("No retention lists yet: they are built on the first of each month.")

    def render_acknowledged_by(self, value):
        return _person(value)


class RetentionEntryTable(_PageExtras, tables.Table):
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    mobile = tables.Column(
        verbose_name=_("mobile"),
        accessor="customer__mobile",
        empty_values=(),
        attrs={"td": {"data-testid": "mobile"}},
    )
    vehicle = tables.Column(verbose_name=_("vehicle"), default="—")
    delivered_on = DateColumn(verbose_name=_("delivered on"), format="Y-m-d")

    class Meta:
        model = RetentionEntry
        fields = ("customer", "mobile", "vehicle", "delivered_on")
        attrs = {"class": ATTRS, "data-testid": "retention-entries"}
        orderable = False
        empty_text = _("Every customer of this list came back for service.")


class ReminderTable(_PageExtras, tables.Table):
    due_on = DateColumn(verbose_name=_("due on"), format="Y-m-d")
    kind = tables.Column(verbose_name=_("kind"))
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    mobile = tables.Column(
        verbose_name=_("mobile"),
        accessor="customer__mobile",
        empty_values=(),
        attrs={"td": {"data-testid": "mobile"}},
    )
    vehicle = tables.Column(verbose_name=_("vehicle"))
    basis = tables.Column(verbose_name=_("why"), default="—")
    state = tables.Column(verbose_name=_("state"), attrs={"td": {"data-testid": "state"}})
    done_by = tables.Column(verbose_name=_("done by"), default="—")
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False)

    may_work = False

    class Meta:
        model = ServiceReminder
        fields = ("due_on", "kind", "customer", "mobile", "vehicle", "basis", "state", "done_by")
        attrs = {"class": ATTRS, "data-testid": "reminder-table"}
        orderable = False
        empty_text = _("No reminders.")

    def render_state(self, value, record):
        if record.note and record.state != "open":
            return format_html('{}<div class="small text-muted">{}</div>', value, record.note)
        return value

    def render_done_by(self, value, record):
        return _person(value)

    def render_actions(self, record):
        if not self.may_work or record.state != "open":
            return ""
        links = [
            ("crm:reminder_sms", _("Send SMS"), "reminder-sms"),
            ("crm:reminder_call", _("Log a call"), "reminder-call"),
            ("crm:reminder_skip", pgettext_lazy("reminder", "Skip"), "reminder-skip"),
        ]
        return format_html(
            '<div class="d-flex flex-wrap gap-1">{}</div>',
            format_html_join(
                "",
                '<a class="btn btn-sm btn-outline-primary" href="{}" data-testid="{}">{}</a>',
                (
                    (reverse(name, kwargs={"pk": record.pk}), testid, label)
                    for name, label, testid in links
                ),
            ),
        )


class MemberTable(_PageExtras, tables.Table):
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    member_no = tables.Column(verbose_name=_("member number"), default="—")
    joined_on = DateColumn(verbose_name=_("joined on"), format="Y-m-d")
    left_on = DateColumn(verbose_name=_("left on"), format="Y-m-d", default="—")
    last_login_on = DateColumn(verbose_name=_("last login"), format="Y-m-d", default="—")
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False)

    changeable: set = set()

    class Meta:
        model = Membership
        fields = ("customer", "member_no", "joined_on", "left_on", "last_login_on")
        attrs = {"class": ATTRS, "data-testid": "member-table"}
        orderable = False
        empty_text = _("No members.")

    def render_actions(self, record):
        if record.pk not in self.changeable or record.left_on is not None:
            return ""
        return format_html(
            '<div class="d-flex flex-wrap gap-1">'
            '<a class="btn btn-sm btn-outline-primary" href="{}" data-testid="member-login">{}</a>'
            '<a class="btn btn-sm btn-outline-secondary" href="{}" data-testid="member-leave">{}</a>'
            "</div>",
            reverse("crm:membership_login", kwargs={"pk": record.pk}),
            _("Record a login"),
            reverse("crm:membership_leave", kwargs={"pk": record.pk}),
            _("Leaves the club"),
        )


class SmsCampaignTable(tables.Table):
    name = tables.Column(
        verbose_name=pgettext_lazy("campaign", "name"),
        linkify=lambda record: record.get_absolute_url(),
    )
    state = tables.Column(verbose_name=_("state"), attrs={"td": {"data-testid": "state"}})
    audience_count = tables.Column(verbose_name=_("audience at submission"), default="—")
    delivered = tables.Column(verbose_name=pgettext_lazy("sms", "Sent"))
    created_by = tables.Column(verbose_name=_("created by"))
    created_at = DateTimeColumn(verbose_name=_("created at"), format="Y-m-d H:i")
    sent_at = DateTimeColumn(verbose_name=_("sent at"), format="Y-m-d H:i", default="—")

    class Meta:
        model = SmsCampaign
        fields = (
            "name",
            "state",
            "audience_count",
            "delivered",
            "created_by",
            "created_at",
            "sent_at",
        )
        attrs = {"class": ATTRS, "data-testid": "sms-table"}
        orderable = False
        empty_text = _("No SMS campaigns.")

    def render_created_by(self, value):
        return _person(value)


class SmsDeliveryTable(tables.Table):
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    mobile = tables.Column(verbose_name=_("mobile"), default="—")
    state = tables.Column(verbose_name=_("state"), attrs={"td": {"data-testid": "state"}})
    error = tables.Column(verbose_name=_("error"), default="")
    at = DateTimeColumn(verbose_name=_("at"), format="Y-m-d H:i")

    class Meta:
        model = SmsDelivery
        fields = ("customer", "mobile", "state", "error", "at")
        attrs = {"class": ATTRS, "data-testid": "sms-deliveries"}
        orderable = False
        empty_text = _("Nothing sent yet.")

    def render_mobile(self, value):
        # the log keeps the number the message went to; it is shown masked (the customer's
        # current number, in full for who may see it, is on the customer's page)
        return mask(value)
