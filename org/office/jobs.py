"""The admin office's scheduled work (imported by :mod:`org.jobs`): unread notices reminded,
overdue action items and due training re-checks told to their people. Each is idempotent
through notification keys and the rows' ``reminded_at``: a second or late run tells nobody
twice."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from dealership.jobs import Daily, register_job


@register_job(
    "org.notice_reminders",
    Daily(at=dt.time(9, 30), working_days_only=True),
    _("Notices: remind who has not acknowledged them after two days"),
    owners=("admin_manager",),
)
def notice_reminders(*, dealership, run_date):
    from org.office.services import notices_remind_unread

    return f"{notices_remind_unread(dealership=dealership)} unread notices reminded"


@register_job(
    "org.action_item_reminders",
    Daily(at=dt.time(8, 30)),
    _("Meetings: tell owners of overdue action items"),
    owners=("admin_manager",),
)
def action_item_reminders(*, dealership, run_date):
    from org.office.services import action_items_remind_overdue

    told = action_items_remind_overdue(dealership=dealership, today=run_date)
    return f"{told} overdue action items told"


@register_job(
    "org.training_recheck_reminders",
    Daily(at=dt.time(8, 45), working_days_only=True),
    _("Training: tell trainees and trainers of re-checks due within a week"),
    owners=("hr_manager",),
)
def training_recheck_reminders(*, dealership, run_date):
    from org.office.services import training_rechecks_remind

    told = training_rechecks_remind(dealership=dealership, today=run_date)
    return f"{told} re-checks told"
