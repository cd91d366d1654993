"""Tables of the day-N+1 data checks, the satisfaction action items and the contact-rate misses.
Phone numbers come from :func:`crm.services.privacy.phones_shown` (``table.phones``)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.models import DataCheck, FollowUp, SatisfactionAction
from crm.selectors.targets import MissReason, miss_reason

ATTRS = "table table-sm table-hover align-middle"


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


def _day(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _address(customer) -> str:
    parts = [customer.province, customer.city, customer.district, customer.street]
    return " ".join(p for p in parts if p) or "—"


class DataCheckTable(tables.Table):
    customer = tables.Column(
        verbose_name=_("customer"),
        accessor="customer__name",
        linkify=lambda record: record.get_absolute_url(),
    )
    phone = tables.Column(
        verbose_name=_("mobile"), empty_values=(), attrs={"td": {"data-testid": "mobile"}}
    )
    address = tables.Column(verbose_name=_("address"), empty_values=())
    kind = tables.Column(verbose_name=_("kind"))
    event_date = tables.Column(verbose_name=_("day N"))
    specialist = tables.Column(verbose_name=_("specialist"), empty_values=())
    state = tables.Column(verbose_name=_("state"))

    class Meta:
        model = DataCheck
        fields = ()
        sequence = ("customer", "phone", "address", "kind", "event_date", "specialist", "state")
        orderable = False
        attrs = {"class": ATTRS, "data-testid": "datacheck-table"}
        empty_text = _("No customer details to verify.")
        row_attrs = {"data-check": lambda record: record.pk}

    def __init__(self, *args, phones=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phones = phones or {}

    def render_phone(self, record):
        return self.phones.get(record.customer_id, {}).get("mobile") or "—"

    def render_address(self, record):
        return _address(record.customer)

    def render_event_date(self, value):
        return _day(value)

    def render_specialist(self, record):
        return _person(record.followup.specialist)

    def render_state(self, record):
        badge = "text-bg-primary" if record.is_open else "text-bg-light"
        return format_html('<span class="badge {}">{}</span>', badge, record.get_state_display())


class ActionTable(tables.Table):
    title = tables.Column(verbose_name=_("action"))
    target = tables.Column(verbose_name=_("target"), accessor="target", empty_values=())
    owner = tables.Column(verbose_name=_("owner"), empty_values=())
    due_on = tables.Column(verbose_name=_("due on"))
    state = tables.Column(verbose_name=_("state"))

    class Meta:
        model = SatisfactionAction
        fields = ()
        sequence = ("title", "target", "owner", "due_on", "state")
        orderable = False
        attrs = {"class": ATTRS, "data-testid": "action-table"}
        empty_text = _("No action items.")

    def __init__(self, *args, today=None, link=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # the page an item opens for the viewer (None: no link), see action_link
        self.link = link or (lambda record: record.get_absolute_url())

    def render_title(self, record, value):
        url = self.link(record)
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def render_target(self, record):
        return str(record.target)

    def render_owner(self, record):
        return _person(record.owner)

    def render_due_on(self, record):
        late = record.is_open and self.today is not None and record.due_on < self.today
        return format_html(
            '<span class="{}">{}</span>',
            "text-danger fw-semibold" if late else "",
            _day(record.due_on),
        )

    def render_state(self, record):
        return record.get_state_display()


class MissTable(tables.Table):
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    kind = tables.Column(verbose_name=_("kind"))
    event_date = tables.Column(verbose_name=_("day N"))
    window_end = tables.Column(verbose_name=_("call until"))
    specialist = tables.Column(verbose_name=_("specialist"), empty_values=())
    reason = tables.Column(verbose_name=_("reason"), empty_values=())
    closed_on = tables.Column(verbose_name=_("closed on"), empty_values=())

    class Meta:
        model = FollowUp
        fields = ()
        sequence = (
            "customer",
            "kind",
            "event_date",
            "window_end",
            "specialist",
            "reason",
            "closed_on",
        )
        orderable = False
        attrs = {"class": ATTRS, "data-testid": "miss-table"}
        empty_text = _("No misses: every customer was reached within the window.")
        row_attrs = {"data-reason": lambda record: miss_reason(record)}

    def render_event_date(self, value):
        return _day(value)

    def render_window_end(self, value):
        return _day(value)

    def render_closed_on(self, value):
        return _day(value)

    def render_specialist(self, record):
        return _person(record.specialist)

    def render_reason(self, record):
        text = MissReason.LABELS[miss_reason(record)]
        if record.reason:
            return format_html(
                "{} <span class='text-body-secondary small'>({})</span>", text, record.reason
            )
        return text
