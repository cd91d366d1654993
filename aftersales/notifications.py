"""The notification kinds of after-sales: yesterday's check-ins and repair orders not yet
confirmed by the after-sales info clerk (``aftersales.day_unconfirmed``, sent by the job
``aftersales.day_confirmation_reminder``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.notifications import Email, NotificationKind, register_kind

DAY_UNCONFIRMED = "aftersales.day_unconfirmed"

KINDS = [
    NotificationKind(
        DAY_UNCONFIRMED,
        _("A day's after-sales numbers are not confirmed"),
        description=_(
            "At 09:00 yesterday's check-ins and repair orders were not yet confirmed (they are "
            "due by 09:30): the service board and the daily report may be missing some."
        ),
        email=Email.EACH,
        wecom=True,
    ),
]


def register() -> None:
    for kind in KINDS:
        register_kind(kind)
