"""The complaints list: number (linked), customer, category, severity, department, owner,
state, deadline (red when an open complaint is past it) and age in days since received."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.models import Complaint
from crm.models.complaints import OPEN_COMPLAINT_STATES, ComplaintSeverity, ComplaintState

ATTRS = "table table-sm table-hover align-middle"
STATE_BADGES = {
    ComplaintState.REGISTERED: "text-bg-secondary",
    ComplaintState.ASSIGNED: "text-bg-info",
    ComplaintState.IN_PROGRESS: "text-bg-primary",
    ComplaintState.RESOLVED: "text-bg-warning",
    ComplaintState.CONFIRMED: "text-bg-success",
    ComplaintState.CLOSED: "text-bg-light",
}


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


def state_badge(complaint: Complaint) -> str:
    return format_html(
        '<span class="badge {}" data-state="{}">{}</span>',
        STATE_BADGES.get(complaint.state, "text-bg-light"),
        complaint.state,
        complaint.get_state_display(),
    )


def severity_badge(complaint: Complaint) -> str:
    if complaint.severity == ComplaintSeverity.MAJOR:
        return format_html(
            '<span class="badge text-bg-danger" data-severity="major">{}</span>',
            complaint.get_severity_display(),
        )
    return complaint.get_severity_display()


def is_overdue(complaint: Complaint, now=None) -> bool:
    return complaint.state in OPEN_COMPLAINT_STATES and complaint.deadline < (now or timezone.now())


def age_days(complaint: Complaint, now=None) -> int:
    return max(0, ((now or timezone.now()) - complaint.received_at).days)


class ComplaintTable(tables.Table):
    number = tables.Column(
        verbose_name=_("number"), linkify=lambda record: record.get_absolute_url()
    )
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    category = tables.Column(verbose_name=_("category"))
    severity = tables.Column(verbose_name=_("severity"))
    department = tables.Column(verbose_name=_("department"), accessor="department", default="—")
    owner = tables.Column(verbose_name=_("handled by"), empty_values=())
    state = tables.Column(verbose_name=_("state"))
    deadline = tables.Column(verbose_name=_("resolve by"))
    age = tables.Column(verbose_name=_("age"), empty_values=())

    class Meta:
        model = Complaint
        fields = ()
        sequence = (
            "number",
            "customer",
            "category",
            "severity",
            "department",
            "owner",
            "state",
            "deadline",
            "age",
        )
        orderable = False
        attrs = {"class": ATTRS, "data-testid": "complaint-table"}
        empty_text = _("No complaints found.")

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def render_category(self, record):
        return record.get_category_display()

    def render_severity(self, record):
        return severity_badge(record)

    def render_department(self, value):
        return value.name if value is not None else "—"

    def render_owner(self, record):
        return _person(record.owner)

    def render_state(self, record):
        return state_badge(record)

    def render_deadline(self, record):
        text = f"{timezone.localtime(record.deadline):%Y-%m-%d %H:%M}"
        if is_overdue(record, self.now):
            return format_html(
                '<span class="text-danger fw-semibold" data-testid="overdue">{}</span>', text
            )
        return text

    def render_age(self, record):
        days = age_days(record, self.now)
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
