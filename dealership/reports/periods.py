"""Report periods: a day, an ISO week, a half month, a month or a quarter, named by a key
(``2026-11-25``, ``2026-W47``, ``2026-11-H1``, ``2026-11``, ``2026-Q4``) that is stored on the
runs and used in URLs."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dealership.reports.models import PeriodKind

_KEY_PATTERNS = {
    PeriodKind.DAY: re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    PeriodKind.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    PeriodKind.HALF_MONTH: re.compile(r"^(\d{4})-(\d{2})-H([12])$"),
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
}


# the years a report may be asked for (no dealership kept records before; none after)
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        """The period of ``kind`` that contains ``day``."""
        if kind == PeriodKind.DAY:
            return cls(kind, day, day)
        if kind == PeriodKind.WEEK:
            start = day - dt.timedelta(days=day.weekday())
            return cls(kind, start, start + dt.timedelta(days=6))
        if kind == PeriodKind.HALF_MONTH:
            if day.day <= 15:
                return cls(kind, day.replace(day=1), day.replace(day=15))
            return cls(kind, day.replace(day=16), _month_end(day.year, day.month))
        if kind == PeriodKind.MONTH:
            return cls(kind, day.replace(day=1), _month_end(day.year, day.month))
        if kind == PeriodKind.QUARTER:
            first = 3 * ((day.month - 1) // 3) + 1
            return cls(kind, dt.date(day.year, first, 1), _month_end(day.year, first + 2))
        raise ValueError(f"Unknown period kind {kind!r}.")

    @classmethod
    def from_key(cls, kind: str, key: str) -> Period:
        """The period named by ``key``; ``ValueError`` for a key that names none."""
        # fullmatch: "$" alone also matches before a final newline
        match = _KEY_PATTERNS.get(kind, re.compile("$^")).fullmatch(key or "")
        if not match:
            raise ValueError(_("Not a valid period: %(key)s.") % {"key": key})
        parts = [int(p) for p in match.groups()]
        if not FIRST_YEAR <= parts[0] <= LAST_YEAR:
            raise ValueError(_("Not a valid period: %(key)s.") % {"key": key})
        try:
            if kind == PeriodKind.DAY:
                day = dt.date(*parts)
            elif kind == PeriodKind.WEEK:
                day = dt.date.fromisocalendar(parts[0], parts[1], 1)
            elif kind == PeriodKind.HALF_MONTH:
                day = dt.date(parts[0], parts[1], 1 if parts[2] == 1 else 16)
            elif kind == PeriodKind.MONTH:
                day = dt.date(parts[0], parts[1], 1)
            else:
                day = dt.date(parts[0], 3 * parts[1] - 2, 1)
        except ValueError:
            raise ValueError(_("Not a valid period: %(key)s.") % {"key": key}) from None
        return cls.containing(kind, day)

    # --- navigation ---------------------------------------------------------------------------

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end + dt.timedelta(days=1))

    def recent(self, count: int) -> list[Period]:
        """This period and the ``count - 1`` before it, newest first."""
        periods, current = [], self
        for _i in range(count):
            periods.append(current)
            current = current.previous()
        return periods

    # --- names --------------------------------------------------------------------------------

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind == PeriodKind.WEEK:
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.HALF_MONTH:
            half = 1 if self.start.day == 1 else 2
            return f"{self.start:%Y-%m}-H{half}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        """For people, in the active language."""
        if self.kind == PeriodKind.DAY:
            return _("%(date)s") % {"date": self.start.isoformat()}
        if self.kind == PeriodKind.WEEK:
            year, week, _day = self.start.isocalendar()
            return _("%(year)s week %(week)s (%(start)s – %(end)s)") % {
                "year": year,
                "week": week,
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        if self.kind == PeriodKind.HALF_MONTH:
            return _("%(start)s – %(end)s") % {
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        if self.kind == PeriodKind.MONTH:
            return _("%(year)s-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        return _("%(year)s Q%(quarter)s") % {
            "year": self.start.year,
            "quarter": (self.start.month - 1) // 3 + 1,
        }

    def __str__(self) -> str:
        return self.key
