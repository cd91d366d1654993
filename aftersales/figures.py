"""Key figures of after-sales for the e-CRB board and the daily report
(``dealership.figures``): 5K and 10K check-ins on a day (repair orders of those types checked in
that day, in the dealership's time zone) and service visits (repair orders closed that day).
One query for the three, read through the access chokepoint for the viewer (grouped by
dealership: HQ's board runs it once for the group)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from aftersales.models import RepairOrder, RepairStatus, ServiceType
from dealership.access import can
from dealership.figures import (
    Figure,
    aggregate_by_dealership,
    day_bounds,
    per_dealership,
    register_figure,
)

KEYS = ("k5", "k10", "visits")


def _day(user, day: dt.date) -> dict | None:
    def compute():
        if not can(user, RepairOrder, "view"):
            return None
        start, end = day_bounds(day)
        checked_in = Q(checked_in_at__gte=start, checked_in_at__lt=end)
        closed = Q(status=RepairStatus.CLOSED, closed_on=day)
        return aggregate_by_dealership(
            RepairOrder.objects.for_user(user, "view")
            .exclude(status=RepairStatus.CANCELLED)
            .filter(checked_in | closed),
            k5=Count("pk", filter=checked_in & Q(service_type=ServiceType.MAINTENANCE_5K)),
            k10=Count("pk", filter=checked_in & Q(service_type=ServiceType.MAINTENANCE_10K)),
            visits=Count("pk", filter=closed),
        )

    return per_dealership(("aftersales.day", user.pk, day), compute, dict.fromkeys(KEYS, 0))


def _one(key: str):
    def compute(user, day: dt.date) -> int | None:
        numbers = _day(user, day)
        return None if numbers is None else numbers[key]

    compute.__name__ = f"aftersales_{key}"
    return compute


checkins_5k = _one("k5")
checkins_10k = _one("k10")
service_visits = _one("visits")


def register() -> None:
    common = {"group": "day", "url_name": "aftersales:repairorder_list"}
    for figure in (
        Figure(
            "aftersales.checkins_5k",
            _("5K check-ins"),
            checkins_5k,
            order=30,
            model="aftersales.RepairOrder",
            help=_("5,000 km services checked in that day."),
            **common,
        ),
        Figure(
            "aftersales.checkins_10k",
            _("10K check-ins"),
            checkins_10k,
            order=40,
            model="aftersales.RepairOrder",
            help=_("10,000 km services checked in that day."),
            **common,
        ),
        Figure(
            "aftersales.service_visits",
            _("Service visits"),
            service_visits,
            order=50,
            model="aftersales.RepairOrder",
            help=_("Repair orders closed (car handed back) that day."),
            **common,
        ),
    ):
        register_figure(figure)
