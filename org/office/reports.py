"""The attendance sheet per department (综合部部门考勤表), due on the last day of each month for
the month itself: each person's planned shifts and how they were kept (imported by
:mod:`org.reports`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.jobs import Monthly
from dealership.reports import CURRENT, INT, MONTH, PERCENT, TEXT, Column, ReportContent, Table
from dealership.reports.registry import register_report
from org.office.models import RotaShift
from org.office.selectors import attendance_sheet as sheet_rows

ATTENDANCE_SHEET = "org.attendance_sheet"
MARKS = list(RotaShift.Mark)
KEPT = {RotaShift.Mark.PRESENT, RotaShift.Mark.LATE, RotaShift.Mark.LEFT_EARLY}


def _rate(kept: int, planned: int) -> Decimal | None:
    return (Decimal(kept) / planned).quantize(Decimal("0.0001")) if planned else None


@register_report(
    ATTENDANCE_SHEET,
    _("Attendance sheet per department"),
    period=MONTH,
    due=Monthly(day=-1, at=dt.time(18, 0)),
    covers=CURRENT,
    department="admin_finance",
    recipients=("admin_manager", "hr_manager"),
    owners=("admin_manager",),
    description=_(
        "Each person's planned shifts of the month by department, with the attendance marked "
        "against them (present, late, on leave, absent…) and the rest days."
    ),
    order=420,
)
def attendance_sheet(actor, period) -> ReportContent:
    lines = sheet_rows(actor, period.start, period.end)
    planned = sum(line.planned for line in lines)
    kept = sum(line.marks[m] for line in lines for m in KEPT)
    absent = sum(line.marks[RotaShift.Mark.ABSENT] for line in lines)
    departments: dict[str, list[int]] = {}
    for line in lines:
        totals = departments.setdefault(line.department, [0, 0, 0, 0])
        totals[0] += 1
        totals[1] += line.planned
        totals[2] += sum(line.marks[m] for m in KEPT)
        totals[3] += line.marks[RotaShift.Mark.ABSENT]
    return ReportContent(
        figures=[
            (_("People on the rota"), len(lines), INT),
            (_("Planned shifts"), planned, INT),
            (_("Shifts kept"), kept, INT),
            (_("Absences"), absent, INT),
            (_("Attendance rate"), _rate(kept, planned), PERCENT),
        ],
        tables=[
            Table(
                _("By department"),
                [
                    Column(_("Department"), TEXT),
                    Column(_("People"), INT),
                    Column(_("Planned shifts"), INT),
                    Column(_("Shifts kept"), INT),
                    Column(_("Absences"), INT),
                    Column(_("Attendance rate"), PERCENT),
                ],
                rows=[
                    [name, *numbers, _rate(numbers[2], numbers[1])]
                    for name, numbers in departments.items()
                ],
                totals=True,
            ),
            Table(
                _("By person"),
                [
                    Column(_("Department"), TEXT),
                    Column(_("Employee number"), TEXT),
                    Column(pgettext_lazy("person", "Name"), TEXT),
                    Column(_("Planned shifts"), INT),
                    *[Column(mark.label, INT) for mark in MARKS],
                    Column(_("Not marked"), INT),
                    Column(_("Rest days"), INT),
                ],
                rows=[
                    [
                        line.department,
                        line.employee_no,
                        line.name,
                        line.planned,
                        *[line.marks[mark] for mark in MARKS],
                        line.unmarked,
                        line.rest,
                    ]
                    for line in lines
                ],
                keys=3,
                totals=True,
                note="" if lines else _("No rota was planned this month."),
            ),
        ],
    )
