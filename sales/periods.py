"""The periods of sales plans: a year, a quarter or a month, named by its first day."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sales.models import PlanPeriod


def period_start(period: str, value) -> dt.date:
    """The first day of the ``period`` ("year", "quarter", "month") containing ``value`` (a
    date, or text: ``2026``, ``2026-Q2``, ``2026-04`` or ``2026-04-01``)."""
    if period not in PlanPeriod.values:
        raise ValidationError({"period": _("Choose year, quarter or month.")})
    day = parse_day(value)
    if day is None:
        raise ValidationError(
            {"starts_on": _("Give the period as YYYY, YYYY-Qn, YYYY-MM or a day.")}
        )
    if period == PlanPeriod.YEAR:
        return day.replace(month=1, day=1)
    if period == PlanPeriod.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def parse_day(value) -> dt.date | None:
    """A date, or the first day that its text names (``2026``, ``2026-Q2``, ``2026-04``,
    ``2026-04-01``); ``None`` when it names none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().upper()
    try:
        if len(text) == 4 and text.isdigit():
            return dt.date(int(text), 1, 1)
        if len(text) == 7 and text[4:6] == "-Q" and text[6] in "1234":
            return dt.date(int(text[:4]), (int(text[6]) - 1) * 3 + 1, 1)
        if len(text) == 7:
            return dt.datetime.strptime(text, "%Y-%m").date()
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
