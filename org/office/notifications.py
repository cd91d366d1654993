"""The admin office's kinds of notification (registered from ``OrgConfig.ready()``); its
services name them when they call ``notify``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.notifications import Email, NotificationKind, register_kind

NOTICE_KIND = "org.notice"
NOTICE_REMINDER_KIND = "org.notice_reminder"
ACTION_ITEM_KIND = "org.action_item"
ACTION_ITEM_OVERDUE_KIND = "org.action_item_overdue"
RECHECK_KIND = "org.training_recheck"

NOTIFICATION_KINDS = [
    NotificationKind(
        NOTICE_KIND,
        _("A notice for you to read"),
        description=_("An OEM notice, a technical bulletin or an internal notice reached you."),
        email=Email.EACH,
        optional=False,
    ),
    NotificationKind(
        NOTICE_REMINDER_KIND,
        _("Reminder: a notice you have not acknowledged"),
        description=_("A notice sent to you is still unread after two days."),
        email=Email.EACH,
        optional=False,
    ),
    NotificationKind(
        ACTION_ITEM_KIND,
        _("An action item of a meeting for you"),
        description=_("A meeting gave you an action item with a due date."),
        email=Email.DIGEST,
    ),
    NotificationKind(
        ACTION_ITEM_OVERDUE_KIND,
        _("Your action item is overdue"),
        description=_("An action item of yours passed its due date and is still open."),
        email=Email.EACH,
        optional=False,
    ),
    NotificationKind(
        RECHECK_KIND,
        _("A training re-check is due"),
        description=_("The re-check of a course you attended (or keep) is due within a week."),
        email=Email.DIGEST,
    ),
]


def register() -> None:
    for kind in NOTIFICATION_KINDS:
        register_kind(kind)
