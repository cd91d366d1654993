"""Scheduled work of sales: at 09:00 local time, remind the sales info clerk and the sales
manager once when yesterday's orders and deliveries are not confirmed yet."""

from __future__ import annotations

import datetime as dt

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dealership.jobs import Daily, register_job


@register_job(
    "sales.day_confirmation_reminder",
    Daily(at=dt.time(9, 0)),
    _("Sales: remind to confirm yesterday's orders and deliveries"),
    owners=("sales_manager",),
)
def day_confirmation_reminder(*, dealership, run_date):
    from dealership.notifications import PositionHolders, notify
    from sales.models import DayConfirmation
    from sales.notifications import DAY_UNCONFIRMED

    day = run_date - dt.timedelta(days=1)
    if DayConfirmation.objects.filter(dealership_id=dealership.pk, day=day).exists():
        return f"{day:%Y-%m-%d} confirmed"
    told = notify(
        DAY_UNCONFIRMED,
        [PositionHolders("sales_info_clerk", "sales_manager")],
        format_lazy(_("The sales numbers of {day} are not confirmed yet"), day=f"{day:%Y-%m-%d}"),
        body=format_lazy(
            _("Enter the missing orders and deliveries of {day} and confirm the day."),
            day=f"{day:%Y-%m-%d}",
        ),
        key=f"sales.day_unconfirmed:{day:%Y-%m-%d}",
        dealership=dealership,
    )
    return f"{day:%Y-%m-%d} not confirmed: {len(told)} told"
