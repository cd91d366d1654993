"""The report calendar of one dealership and month (报表日历): every report due that month that
the viewer reads, when it is due, who owns it, and where it stands — generated, waiting for
approval, approved, submitted to the car maker, failed, late or still to come.

Reports due every day are one line each (how many of the month's days are done); the others one
line per due date. Two queries for the runs and one per distinct set of owners."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealership.access import can
from dealership.models import ReportRun
from dealership.reports import selectors
from dealership.reports.models import PeriodKind, RunStatus
from dealership.reports.periods import Period
from dealership.reports.registry import Report

# the states of a line, beyond a run's own status
UPCOMING = "upcoming"
DUE = "due"  # due today or earlier, not generated yet
STATE_LABELS = {
    UPCOMING: _("Upcoming"),
    DUE: _("Overdue: not generated"),
}
FINISHED = {
    RunStatus.DONE,
    RunStatus.AWAITING_APPROVAL,
    RunStatus.APPROVED,
    RunStatus.SUBMITTED,
    RunStatus.ACKNOWLEDGED,
}
# where an approval report counts as submitted
COUNTS = {RunStatus.APPROVED, RunStatus.SUBMITTED, RunStatus.ACKNOWLEDGED}


@dataclass
class CalendarLine:
    report: Report
    due_at: dt.datetime | None
    period: Period | None
    run: ReportRun | None = None
    state: str = UPCOMING
    late: bool = False
    owners: list[str] = field(default_factory=list)
    openable: bool = True  # the period's page exists (it has started, or is over)
    done_days: int = 0  # daily reports: days of the month done / due so far
    due_days: int = 0

    @property
    def state_label(self):
        if self.run is not None:
            return self.run.get_status_display()
        if self.state in STATE_LABELS:
            return STATE_LABELS[self.state]
        return RunStatus(self.state).label

    @property
    def badge(self) -> str:
        if self.state == DUE or (self.run is not None and self.run.status == RunStatus.FAILED):
            return "text-bg-danger"
        if self.run is None:
            return "text-bg-success" if self.state == RunStatus.DONE else "text-bg-light border"
        if self.run.status == RunStatus.AWAITING_APPROVAL:
            return "text-bg-warning"
        if self.run.status in (RunStatus.PENDING, RunStatus.RUNNING):
            return "text-bg-secondary"
        if self.report.approval and self.run.status == RunStatus.DONE:
            return "text-bg-warning"  # generated, not yet submitted for approval
        if self.run.status in (RunStatus.SUBMITTED, RunStatus.ACKNOWLEDGED):
            return "text-bg-primary"
        return "text-bg-success"


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=pycalendar.monthrange(first.year, first.month)[1])


def _due_dates(report: Report, first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if report.due.is_due_on(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _owner_names(reports: list[Report], dealership, today: dt.date) -> dict[tuple, list[str]]:
    from dealership.notifications import PositionHolders
    from dealership.notifications.recipients import resolve

    names: dict[tuple, list[str]] = {}
    users = get_user_model().objects
    for owners in {r.owners for r in reports if r.owners}:
        ids = resolve(
            [PositionHolders(*owners)],
            kind="platform.report_ready",
            dealership=dealership,
            on=today,
        )
        names[owners] = sorted(u.get_full_name() or u.username for u in users.filter(pk__in=ids))
    return names


def report_calendar(user, dealership, month: dt.date) -> list[CalendarLine]:
    """The lines of ``month``'s calendar for ``user`` in ``dealership`` (its scope in context),
    ordered by due time."""
    first, last = month_bounds(month)
    now = timezone.now().astimezone(dealership.zoneinfo)
    today = now.date()
    reports = selectors.readable_reports(user)
    lines: list[CalendarLine] = []
    wanted: dict[tuple[str, str], CalendarLine] = {}
    daily: dict[str, CalendarLine] = {}
    daily_keys: dict[str, set[str]] = {}  # report -> the periods of the days due so far
    for report in reports:
        days = _due_dates(report, first, last)
        if not days:
            continue
        if report.period == PeriodKind.DAY:
            line = CalendarLine(report=report, due_at=None, period=None)
            past = [
                d for d in days if dt.datetime.combine(d, report.due.at, dealership.zoneinfo) <= now
            ]
            line.due_days = len(past)
            daily_keys[report.code] = {report.period_due_on(d).key for d in past}
            line.state = DUE if past else UPCOMING
            daily[report.code] = line
            lines.append(line)
            continue
        for day in days:
            period = report.period_due_on(day)
            due_at = dt.datetime.combine(day, report.due.at, tzinfo=dealership.zoneinfo)
            line = CalendarLine(
                report=report,
                due_at=due_at,
                period=period,
                state=DUE if due_at <= now else UPCOMING,
                openable=period.start <= report.latest_period(today).end,
            )
            wanted[(report.code, period.key)] = line
            lines.append(line)
    if can(user, ReportRun, "view"):
        keys = {key for _code, key in wanted}
        runs = selectors.runs_for_user(user, dealership_id=dealership.pk)
        for run in runs.filter(report__in={c for c, _k in wanted}, period_key__in=keys):
            line = wanted.get((run.report, run.period_key))
            if line is not None and line.run is None:  # newest version first
                line.run = run
                line.state = run.status
                line.late = bool(
                    line.due_at and run.finished_at and run.finished_at > line.due_at
                ) or (line.due_at is not None and line.due_at <= now and run.status not in FINISHED)
                if line.report.approval and line.due_at and line.due_at <= now:
                    line.late = line.late or run.status not in COUNTS
        if daily:
            done = (
                runs.filter(
                    report__in=list(daily),
                    period_key__in=set().union(*daily_keys.values()),
                    status__in=FINISHED,
                )
                .values_list("report", "period_key")
                .distinct()
            )
            for code, key in done:
                if key in daily_keys[code]:
                    daily[code].done_days += 1
            for line in daily.values():
                if line.due_days and line.done_days >= line.due_days:
                    line.state = RunStatus.DONE
    owners = _owner_names(reports, dealership, today)
    for line in lines:
        line.owners = owners.get(line.report.owners, [])
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    lines.sort(key=lambda line: (line.due_at is not None, line.due_at or far, line.report.order))
    return lines
