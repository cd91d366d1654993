"""The notification kinds of sales: yesterday's orders and deliveries not yet confirmed by the
sales info clerk (``sales.day_unconfirmed``, sent by the job
``sales.day_confirmation_reminder``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.notifications import Email, NotificationKind, register_kind

DAY_UNCONFIRMED = "sales.day_unconfirmed"

KINDS = [
    NotificationKind(
        DAY_UNCONFIRMED,
        _("A day's sales numbers are not confirmed"),
        description=_(
            "At 09:00 yesterday's orders and deliveries were not yet confirmed (they are due by "
            "09:30): the board and the meeting sheet may be missing some."
        ),
        email=Email.EACH,
        wecom=True,
    ),
]


def register() -> None:
    for kind in KINDS:
        register_kind(kind)
