"""The admin office's lists (django-tables2): every row is one the viewer may open."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.columns import DateColumn
from org.office.models import ActionItem, Meeting, Notice, TrainingSession

ATTRS = {"class": "table table-sm table-hover align-middle"}


class NoticeTable(tables.Table):
    number = tables.Column(
        verbose_name=_("number"), linkify=lambda record: record.get_absolute_url()
    )
    title = tables.Column(verbose_name=_("title"), linkify=lambda record: record.get_absolute_url())
    kind = tables.Column(verbose_name=_("kind"))
    issued_on = DateColumn(verbose_name=_("issued on"), format="Y-m-d")
    acknowledged = tables.Column(verbose_name=_("acknowledged"), empty_values=())
    mine = tables.Column(verbose_name=_("you"), empty_values=(), accessor="my_read_at")

    class Meta:
        model = Notice
        fields = ("number", "title", "kind", "issued_on", "acknowledged", "mine")
        attrs = {**ATTRS, "data-testid": "notice-table"}
        orderable = False
        empty_text = _("No notices yet.")

    def render_acknowledged(self, record):
        return f"{record.acknowledged} / {record.recipients}"

    def render_mine(self, record):
        if not record.my_receipt:
            return "—"
        if record.my_read_at:
            return _("Read")
        return _("Unread")


class MeetingTable(tables.Table):
    held_on = DateColumn(verbose_name=_("date"), format="Y-m-d")
    title = tables.Column(
        verbose_name=_("subject"), linkify=lambda record: record.get_absolute_url()
    )
    kind = tables.Column(verbose_name=_("kind"))
    department = tables.Column(verbose_name=_("department"))
    open_items = tables.Column(verbose_name=_("open action items"))

    class Meta:
        model = Meeting
        fields = ("held_on", "title", "kind", "department", "open_items")
        attrs = {**ATTRS, "data-testid": "meeting-table"}
        orderable = False
        empty_text = _("No meetings yet.")


class ActionItemTable(tables.Table):
    title = tables.Column(
        verbose_name=_("action"), linkify=lambda record: record.get_absolute_url()
    )
    owner = tables.Column(verbose_name=_("owner"), accessor="owner__user__name")
    due_on = DateColumn(verbose_name=_("due on"), format="Y-m-d")
    state = tables.Column(verbose_name=_("state"))
    meeting = tables.Column(
        verbose_name=pgettext_lazy("action item", "meeting"), accessor="meeting__title"
    )

    class Meta:
        model = ActionItem
        fields = ("title", "owner", "due_on", "state", "meeting")
        attrs = {**ATTRS, "data-testid": "actionitem-table"}
        orderable = False
        empty_text = _("No action items.")


class TrainingSessionTable(tables.Table):
    held_on = DateColumn(verbose_name=_("date"), format="Y-m-d")
    course = tables.Column(
        verbose_name=_("course"), linkify=lambda record: record.get_absolute_url()
    )
    kind = tables.Column(verbose_name=_("kind"))
    trainer = tables.Column(verbose_name=_("trainer"), empty_values=(), accessor="trainer_name")
    trainees = tables.Column(verbose_name=_("trainees"))
    passed = tables.Column(verbose_name=_("passed"))

    class Meta:
        model = TrainingSession
        fields = ("held_on", "course", "kind", "trainer", "trainees", "passed")
        attrs = {**ATTRS, "data-testid": "training-table"}
        orderable = False
        empty_text = _("No training recorded yet.")

    def render_trainer(self, record):
        return record.trainer_display or "—"
