"""The notification centre's scheduled work: the daily e-mail digest."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from dealership.jobs import Daily, register_job
from dealership.notifications.services import digest_plan


@register_job(
    "platform.notification_digest",
    Daily(at=dt.time(7, 30)),
    _("Daily e-mail digest of notifications"),
)
def notification_digest(*, dealership, run_date):
    planned = digest_plan(dealership=dealership, run_date=run_date)
    return f"{planned} digest(s) planned"
