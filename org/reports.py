"""The org chart's reports (discovered at start-up by the report framework): the monthly
personnel tracking sheet (人员跟踪表) submitted to the car maker on the first working day of the
month by 17:00. Its data come from :mod:`org.selectors_reports`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.jobs import Monthly
from dealership.reports import DATE, INT, MONTH, PERCENT, TEXT, Column, ReportContent, Table
from dealership.reports.registry import register_report
from org.office import reports as office_reports  # noqa: F401  (the attendance sheet)
from org.selectors_reports import Counts, personnel_movements

PERSONNEL_TRACKING = "org.personnel_tracking"

# labels (also read by the tests, rendered in the report's language)
OPENING = _("Headcount at the start of the month")
JOINERS = _("Joiners")
LEAVERS = _("Leavers")
CLOSING = _("Headcount at the end of the month")
TURNOVER = _("Turnover rate")
BY_DEPARTMENT = _("Headcount by department")
BY_POSITION = _("Headcount by position")
MOVEMENTS = _("Joiners and leavers")
JOINED, LEFT = _("Joined"), _("Left")


def _count_columns() -> list[Column]:
    return [
        Column(_("At the start"), INT),
        Column(JOINERS, INT),
        Column(LEAVERS, INT),
        Column(_("At the end"), INT),
    ]


def _numbers(counts: Counts) -> list[int]:
    return [counts.opening, counts.joiners, counts.leavers, counts.closing]


def turnover_rate(counts: Counts) -> Decimal | None:
    """Leavers over the average of the headcounts at the start and at the end (a fraction)."""
    average = Decimal(counts.opening + counts.closing) / 2
    if not average:
        return None
    return (Decimal(counts.leavers) / average).quantize(Decimal("0.0001"))


@register_report(
    PERSONNEL_TRACKING,
    _("Personnel tracking"),
    period=MONTH,
    due=Monthly(day=0, at=dt.time(17, 0)),
    department="admin_finance",
    owners=("hr_manager", "admin_manager"),
    oem=True,
    description=_(
        "Headcount by department and position at the start and the end of the month, with the "
        "month's joiners and leavers."
    ),
    order=410,
)
def personnel_tracking(actor, period) -> ReportContent:
    data = personnel_movements(actor, period.start, period.end)
    unassigned = _("(no position)")
    return ReportContent(
        figures=[
            (OPENING, data.total.opening, INT),
            (JOINERS, data.total.joiners, INT),
            (LEAVERS, data.total.leavers, INT),
            (CLOSING, data.total.closing, INT),
            (TURNOVER, turnover_rate(data.total), PERCENT),
        ],
        tables=[
            Table(
                BY_DEPARTMENT,
                [Column(_("Department"), TEXT), *_count_columns()],
                rows=[[name or unassigned, *_numbers(c)] for name, c in data.departments],
                totals=True,
            ),
            Table(
                BY_POSITION,
                [Column(_("Department"), TEXT), Column(_("Position"), TEXT), *_count_columns()],
                rows=[
                    [
                        row.department or unassigned,
                        row.position or unassigned,
                        *_numbers(row.counts),
                    ]
                    for row in data.positions
                ],
                keys=2,
                totals=True,
                note=_(
                    "Each person is counted once, in the primary position held at the end of the "
                    "month (or on their last day)."
                ),
            ),
            Table(
                MOVEMENTS,
                [
                    Column(_("Date"), DATE),
                    Column(_("Movement"), TEXT),
                    Column(pgettext_lazy("person", "Name"), TEXT),
                    Column(_("Employee number"), TEXT),
                    Column(_("Department"), TEXT),
                    Column(_("Position"), TEXT),
                ],
                rows=[
                    [
                        m.on,
                        JOINED if m.joined else LEFT,
                        m.name,
                        m.employee_no,
                        m.department or unassigned,
                        m.position or unassigned,
                    ]
                    for m in data.movements
                ],
                keys=6,  # a list: every column names the row
                note="" if data.movements else _("Nobody joined or left this month."),
            ),
        ],
    )
