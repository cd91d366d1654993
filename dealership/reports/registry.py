"""The report registry: apps declare their reports in ``<app>/reports.py`` (discovered at
start-up, like jobs), and the platform never names an app.

::

    from dealership.jobs import Monthly
    from dealership.reports import MONTH, ReportContent, register_report

    @register_report(
        "crm.work_summary",
        _("Customer-department work summary"),
        period=MONTH,
        due=Monthly(day=10, at=time(18, 0)),
        department="crm",
        recipients=("deputy_gm", "gm"),
    )
    def work_summary(actor, period) -> ReportContent:
        ...

One declaration gives the report's page, its PDF and workbook, its runs (one scheduled run per
period, generated ``lead`` before the due time by a job ``report:<code>`` on the platform's
calendar), its notifications and, with ``oem=True``, its submission to the car maker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from dealership.jobs import Daily, Job, Monthly, QuarterFirstMonth, Schedule, Weekly
from dealership.reports.content import ReportContent
from dealership.reports.models import PeriodKind
from dealership.reports.periods import Period

DAY, WEEK, HALF_MONTH, MONTH, QUARTER = (
    PeriodKind.DAY.value,
    PeriodKind.WEEK.value,
    PeriodKind.HALF_MONTH.value,
    PeriodKind.MONTH.value,
    PeriodKind.QUARTER.value,
)
PREVIOUS, CURRENT = "previous", "current"

Gather = Callable[..., ReportContent]


@dataclass(frozen=True)
class Report:
    code: str
    title: str
    app: str
    period: str
    due: Schedule
    gather: Gather
    department: str
    recipients: tuple[str, ...] = ()
    oem: bool = False
    owners: tuple[str, ...] = ()
    covers: str = PREVIOUS
    lead: dt.timedelta = dt.timedelta(hours=1)
    description: str = ""
    template: str | None = None  # an extra block of HTML shown above the tables
    order: int = 100
    # passes an approval chain (the department manager's, deputy GM's, GM's) before a
    # scheduled run counts as submitted to its recipients (the 15th/30th tracking reports)
    approval: bool = False

    @property
    def job_name(self) -> str:
        return f"report:{self.code}"

    def period_due_on(self, day: dt.date) -> Period:
        """The period a run due on ``day`` reports on: the one before the period containing
        ``day`` (``covers="previous"``, the default), or that period itself (``"current"``: a
        month's summary made on its last day, the first or second half of a month made on the
        15th or the 30th)."""
        period = Period.containing(self.period, day)
        if self.covers == CURRENT:
            return period
        return period.previous()

    def latest_period(self, today: dt.date) -> Period:
        """The newest period that is over (or, for ``covers="current"``, has started)."""
        current = Period.containing(self.period, today)
        return current if self.covers == CURRENT else current.previous()

    def due_at(self, period: Period, dealership) -> dt.datetime | None:
        """When the run of ``period`` is due, in the dealership's time zone: the first day the
        schedule names whose run reports on ``period``."""
        day = period.start if self.covers == CURRENT else period.end + dt.timedelta(days=1)
        for _i in range(400):
            if self.due.is_due_on(day) and self.period_due_on(day) == period:
                return dt.datetime.combine(day, self.due.at, tzinfo=dealership.zoneinfo)
            day += dt.timedelta(days=1)
        return None

    def describe_due(self) -> str:
        return describe_schedule(self.due)


def describe_schedule(schedule: Schedule) -> str:
    """The due rule in the active language, e.g. "每月第一个工作日 17:00"."""
    from django.utils.translation import gettext as _

    from dealership.jobs import MonthDays

    at = f"{schedule.at:%H:%M}"
    if isinstance(schedule, Daily):
        if schedule.working_days_only:
            return _("working days %(at)s") % {"at": at}
        return _("daily %(at)s") % {"at": at}
    if isinstance(schedule, Weekly):
        from django.utils.dates import WEEKDAYS

        return _("%(weekday)s %(at)s") % {"weekday": WEEKDAYS[schedule.weekday], "at": at}
    if isinstance(schedule, QuarterFirstMonth):
        if schedule.day == -1:
            return _("last day of a quarter's first month %(at)s") % {"at": at}
        if schedule.day == 0:
            return _("first working day of a quarter %(at)s") % {"at": at}
        return _("the %(day)s of a quarter's first month %(at)s") % {"day": schedule.day, "at": at}
    if isinstance(schedule, MonthDays):
        days = " / ".join(_("the %(day)s") % {"day": d} for d in schedule.days)
        return _("%(days)s of the month %(at)s") % {"days": days, "at": at}
    if isinstance(schedule, Monthly):
        if schedule.day == 0:
            return _("first working day of the month %(at)s") % {"at": at}
        if schedule.day == -1:
            return _("last day of the month %(at)s") % {"at": at}
        return _("the %(day)s of the month %(at)s") % {"day": schedule.day, "at": at}
    return schedule.describe()


_reports: dict[str, Report] = {}


@dataclass(frozen=True)
class LeadSchedule(Schedule):
    """A report job's schedule: the report's days, ``lead`` before its due time (never before
    midnight)."""

    due: Schedule | None = None

    @classmethod
    def before(cls, due: Schedule, lead: dt.timedelta) -> LeadSchedule:
        day = dt.date(2000, 1, 2)
        start = dt.datetime.combine(day, due.at) - lead
        at = start.time() if start.date() == day else dt.time(0, 0)
        return cls(at=at, due=due)

    def is_due_on(self, day):
        return self.due.is_due_on(day)

    def describe(self):
        return self.due.describe()


def register_report(
    code: str,
    title,
    *,
    period: str,
    due: Schedule,
    department: str,
    recipients: tuple[str, ...] = (),
    oem: bool = False,
    owners: tuple[str, ...] = (),
    covers: str = PREVIOUS,
    lead: dt.timedelta = dt.timedelta(hours=1),
    description="",
    template: str | None = None,
    order: int = 100,
    approval: bool = False,
) -> Callable[[Gather], Gather]:
    """Declare a report. ``gather(actor, period)`` is its scoped selector: it runs inside one
    dealership's tenant scope and returns a :class:`ReportContent`. ``department`` is the
    template code of the department whose holders of ``reports.view`` read it; ``recipients``
    are the positions told (in the app and by e-mail) when a scheduled run is done; ``owners``
    are told when it fails for good (the recipients when empty); ``oem=True`` submits each
    scheduled run to the brand's car maker."""
    if period not in PeriodKind.values:
        raise ValueError(f"{code}: unknown period {period!r}.")

    def decorator(func: Gather) -> Gather:
        existing = _reports.get(code)
        if existing is not None and existing.gather is not func:
            raise ValueError(f"A report named {code!r} is already registered.")
        report = Report(
            code=code,
            title=title,
            app=code.split(".", 1)[0],
            period=period,
            due=due,
            gather=func,
            department=department,
            recipients=tuple(recipients),
            oem=oem,
            owners=tuple(owners) or tuple(recipients),
            covers=covers,
            lead=lead,
            description=description,
            template=template,
            order=order,
            approval=approval,
        )
        _reports[code] = report
        _register_job(report)
        return func

    return decorator


# What a report's job does: make the period's scheduled run (``report_run_scheduled``, which
# the report framework's setup hands over at start-up: the services import this registry, not
# the other way round).
ScheduledRun = Callable[..., str]
_scheduled_run: ScheduledRun | None = None


def set_scheduled_run(func: ScheduledRun) -> None:
    global _scheduled_run
    _scheduled_run = func


def _register_job(report: Report) -> None:
    from dealership.jobs import _jobs  # the job registry: one job per report

    def run(*, dealership, run_date):
        if _scheduled_run is None:
            raise RuntimeError("The report framework is not set up (dealership.reports.setup).")
        return _scheduled_run(report=report, dealership=dealership, run_date=run_date)

    _jobs[report.job_name] = Job(
        name=report.job_name,
        func=run,
        schedule=LeadSchedule.before(report.due, report.lead),
        title=report.title,
        owners=report.owners,
    )


def unregister_report(code: str) -> None:
    from dealership.jobs import unregister_job

    report = _reports.pop(code, None)
    if report is not None:
        unregister_job(report.job_name)


def get_report(code: str) -> Report | None:
    return _reports.get(code)


def all_reports() -> list[Report]:
    return sorted(_reports.values(), key=lambda r: (r.order, r.code))


def replace_report(code: str, **changes) -> Report:
    """For tests: change a registered report (e.g. its selector) and return the old one."""
    old = _reports[code]
    _reports[code] = replace(old, **changes)
    return old
