"""Tables of the follow-up calls and the contact checks. Phone numbers come from
:func:`crm.services.privacy.phones_shown`, called once per page by the view (``table.phones``);
each row's status is the one it has on the list's day."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from crm.models import ContactCheck, FollowUp, FollowUpStatus
from crm.selectors.followups import status_for_day

ATTRS = "table table-sm table-hover align-middle"
BADGES = {
    FollowUpStatus.SCHEDULED: "text-bg-light",
    FollowUpStatus.DUE: "text-bg-primary",
    FollowUpStatus.OVERDUE: "text-bg-danger",
    FollowUpStatus.DONE: "text-bg-success",
    FollowUpStatus.UNREACHABLE: "text-bg-warning",
    FollowUpStatus.NOT_CALLED: "text-bg-secondary",
}


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


class _FollowUpTable(tables.Table):
    """Shared columns; ``day`` is the list's day, ``phones`` the numbers as shown."""

    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    phone = tables.Column(
        verbose_name=_("mobile"), empty_values=(), attrs={"td": {"data-testid": "mobile"}}
    )
    vehicle = tables.Column(verbose_name=_("vehicle"), empty_values=())
    kind = tables.Column(verbose_name=_("kind"))
    event = tables.Column(verbose_name=_("day N"), empty_values=())
    window = tables.Column(verbose_name=_("window"), empty_values=())
    status = tables.Column(verbose_name=_("status"), empty_values=())
    failed_attempts = tables.Column(verbose_name=_("failed attempts"))
    specialist = tables.Column(verbose_name=_("specialist"), empty_values=())
    call = tables.Column(verbose_name="", empty_values=())

    class Meta:
        model = FollowUp
        fields = ()
        orderable = False
        attrs = {"class": ATTRS}

    def __init__(self, *args, day, phones=None, show_specialist=True, may_assign=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = day
        self.phones = phones or {}
        self.may_assign = may_assign
        if not show_specialist:
            self.columns.hide("specialist")

    def render_phone(self, record):
        return self.phones.get(record.customer_id, {}).get("mobile") or "—"

    def render_vehicle(self, record):
        vehicle = record.vehicle
        if vehicle is None:
            return "—"
        label = " ".join(p for p in (vehicle.brand, vehicle.model) if p)
        return format_html(
            '{}<br><span class="small text-body-secondary">{}</span>',
            vehicle.plate or vehicle.vin,
            label,
        )

    def render_event(self, record):
        event = record.event
        return format_html(
            '{}<br><span class="small text-body-secondary">{}{}</span>',
            _day(record.event_date),
            event.summary,
            format_html(" · {}", _person(event.staff)) if event.staff_id else "",
        )

    def render_window(self, record):
        return f"{_day(record.window_start)} – {_day(record.window_end)}"

    def render_status(self, record):
        status = status_for_day(record, self.day)
        return format_html(
            '<span class="badge {}" data-status="{}">{}</span>',
            BADGES.get(status, "text-bg-light"),
            status,
            FollowUpStatus(status).label,
        )

    def render_specialist(self, record):
        return _person(record.specialist)

    def render_call(self, record):
        links = [(record.get_absolute_url(), _("Open"), "btn-outline-primary")]
        if self.may_assign and record.is_open:
            links.append(
                (reverse("crm:followup_assign", kwargs={"pk": record.pk}), _("Assign"), "btn-link")
            )
        return format_html_join(
            " ", '<a class="btn btn-sm {2}" href="{0}">{1}</a>', ((u, t, c) for u, t, c in links)
        )


class TodayCallsTable(_FollowUpTable):
    class Meta(_FollowUpTable.Meta):
        sequence = (
            "customer",
            "phone",
            "vehicle",
            "kind",
            "event",
            "window",
            "status",
            "failed_attempts",
            "specialist",
            "call",
        )
        attrs = {"class": ATTRS, "data-testid": "today-calls"}
        empty_text = _("Nobody to call today.")
        row_attrs = {"data-followup": lambda record: record.pk}


class FollowUpTable(_FollowUpTable):
    class Meta(_FollowUpTable.Meta):
        sequence = (
            "customer",
            "phone",
            "vehicle",
            "kind",
            "event",
            "window",
            "status",
            "failed_attempts",
            "specialist",
            "call",
        )
        attrs = {"class": ATTRS, "data-testid": "followup-table"}
        empty_text = _("No follow-ups found.")
        row_attrs = {"data-followup": lambda record: record.pk}


class ContactCheckTable(tables.Table):
    customer = tables.Column(
        verbose_name=_("customer"),
        accessor="customer__name",
        linkify=lambda record: record.get_absolute_url(),
    )
    phone = tables.Column(
        verbose_name=_("mobile on file"),
        empty_values=(),
        attrs={"td": {"data-testid": "mobile"}},
    )
    vehicle = tables.Column(verbose_name=_("vehicle"), empty_values=())
    consultant = tables.Column(verbose_name=_("consultant"), empty_values=())
    week = tables.Column(verbose_name=_("week of"))
    due_on = tables.Column(verbose_name=_("return by"))
    state = tables.Column(verbose_name=_("state"))
    escalated_at = tables.Column(verbose_name=_("escalated"), empty_values=())

    class Meta:
        model = ContactCheck
        fields = ()
        sequence = (
            "customer",
            "phone",
            "vehicle",
            "consultant",
            "week",
            "due_on",
            "state",
            "escalated_at",
        )
        orderable = False
        attrs = {"class": ATTRS, "data-testid": "contactcheck-table"}
        empty_text = _("No contact checks.")
        row_attrs = {"data-check": lambda record: record.pk}

    def __init__(self, *args, phones=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phones = phones or {}
        self.today = today

    def render_phone(self, record):
        return self.phones.get(record.customer_id, {}).get("mobile") or "—"

    def render_vehicle(self, record):
        vehicle = record.followup.vehicle
        return (vehicle.plate or vehicle.vin) if vehicle is not None else "—"

    def render_consultant(self, record):
        return _person(record.consultant)

    def render_week(self, value):
        return _day(value)

    def render_due_on(self, record):
        late = record.state == "open" and self.today is not None and record.due_on < self.today
        return format_html(
            '<span class="{}">{}</span>',
            "text-danger fw-semibold" if late else "",
            _day(record.due_on),
        )

    def render_escalated_at(self, value):
        return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"
