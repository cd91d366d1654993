"""Scheduled jobs: a registry of per-dealership jobs and the calendar rules that make them due.

Apps declare jobs in a ``jobs.py`` module (auto-discovered at start-up)::

    from dealership.jobs import Daily, register_job

    @register_job("crm.followup_list", Daily(at=time(7, 0)), _("Daily follow-up call list"))
    def build_followup_list(*, dealership, run_date):
        ...
        return "12 calls scheduled"  # stored on the JobRun as its result

A job runs inside the tenant scope of ``dealership`` for one ``run_date`` (the dealership's
local date). The dispatcher records each run as a :class:`~dealership.models.JobRun` row, so a
job is never run twice for the same day and runs missed during downtime are caught up.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError

logger = logging.getLogger(__name__)

#: seconds a process keeps a year's holiday overrides before reading them again
_OVERRIDES_TTL = 60
_overrides: dict[int, tuple[float, dict[dt.date, bool]]] = {}
_warned_years: set[int] = set()


def holiday_overrides(year: int) -> dict[dt.date, bool]:
    """The administrator's overrides of ``year`` (``{day: is working day}``), read from the
    ``HolidayOverride`` table at most once a minute per process."""
    cached = _overrides.get(year)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _OVERRIDES_TTL:
        return cached[1]
    from dealership.models import HolidayOverride

    try:
        rows = dict(
            HolidayOverride.objects.filter(date__year=year).values_list("date", "is_working_day")
        )
    except DatabaseError:  # before the table exists (first migrate)
        rows = {}
    _overrides[year] = (now, rows)
    return rows


def forget_holiday_overrides() -> None:
    """Called when an administrator changes the overrides (and by tests)."""
    _overrides.clear()
    _warned_years.clear()


def calendar_covers(year: int) -> bool:
    """Does the installed mainland-China calendar know ``year``, or has the administrator
    entered its holidays as overrides?"""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        # read now, not from the per-process cache: the job-runs page shows this (the same
        # queries on every view) and the notice goes as soon as the administrator has entered
        # the overrides
        from dealership.models import HolidayOverride

        try:
            return HolidayOverride.objects.filter(date__year=year).exists()
        except DatabaseError:  # before the table exists (first migrate)
            return False
    return True


def is_working_day(day: dt.date) -> bool:
    """Mainland-China working day: official holidays off, make-up working days on.

    The administrator's :class:`~dealership.models.HolidayOverride` rows come first; then the
    installed ``chinese_calendar`` data; for a year neither covers, Monday to Friday — loudly:
    a warning in the log (once per year and process), the system check ``dealership.W011`` and
    a notice on the job-runs page."""
    overrides = holiday_overrides(day.year)
    override = overrides.get(day)
    if override is not None:
        return override
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # year not covered by the installed calendar data
        # a year with overrides has the administrator's calendar (its other days: Monday to
        # Friday), as calendar_covers() and the system check say: no warning then
        if not overrides and day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "The holiday calendar does not cover %s: Monday to Friday are taken as working "
                "days. Enter the year's holidays as holiday overrides in the admin.",
                day.year,
            )
        return day.weekday() < 5


def uncovered_years(today: dt.date) -> list[int]:
    """The years the scheduler needs now that the calendar does not cover: this year, and
    from December on the next one (the State Council publishes it late in the year)."""
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    return [year for year in years if not calendar_covers(year)]


@dataclass(frozen=True)
class Schedule(ABC):
    at: dt.time = dt.time(0, 0)

    @abstractmethod
    def is_due_on(self, day: dt.date) -> bool:
        """Is the job due on this (local) day?"""

    @abstractmethod
    def describe(self) -> str:
        """A short description for people."""


@dataclass(frozen=True)
class Daily(Schedule):
    working_days_only: bool = False

    def is_due_on(self, day):
        return is_working_day(day) if self.working_days_only else True

    def describe(self):
        kind = "working days" if self.working_days_only else "daily"
        return f"{kind} at {self.at:%H:%M}"


@dataclass(frozen=True)
class Weekly(Schedule):
    weekday: int = 0  # Monday

    def is_due_on(self, day):
        return day.weekday() == self.weekday

    def describe(self):
        return f"weekly on {calendar.day_name[self.weekday]} at {self.at:%H:%M}"


@dataclass(frozen=True)
class Monthly(Schedule):
    """On a day of the month; ``day=-1`` is the last day, ``day=0`` the first working day."""

    day: int = 1

    def is_due_on(self, day):
        if self.day == 0:
            first = day.replace(day=1)
            while not is_working_day(first):
                first += dt.timedelta(days=1)
            return day == first
        last = calendar.monthrange(day.year, day.month)[1]
        wanted = last if self.day == -1 else min(self.day, last)
        return day.day == wanted

    def describe(self):
        which = {0: "first working day", -1: "last day"}.get(self.day, f"day {self.day}")
        return f"monthly on the {which} at {self.at:%H:%M}"


@dataclass(frozen=True)
class MonthDays(Schedule):
    """On some days of each month, e.g. ``days=(15, 30)``; a day past the month's end means its
    last day (the 30th of February is the 28th or 29th)."""

    days: tuple[int, ...] = (15, 30)

    def is_due_on(self, day):
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day in {min(d, last) for d in self.days}

    def describe(self):
        days = " and ".join(str(d) for d in self.days)
        return f"monthly on days {days} at {self.at:%H:%M}"


@dataclass(frozen=True)
class QuarterFirstMonth(Schedule):
    """On a day of the first month of each quarter (January, April, July, October): ``day=-1``
    its last day (a submission due "within the quarter's first month"), ``day=0`` its first
    working day, as :class:`Monthly`."""

    day: int = -1

    def is_due_on(self, day):
        return day.month in (1, 4, 7, 10) and Monthly(day=self.day).is_due_on(day)

    def describe(self):
        which = {0: "first working day", -1: "last day"}.get(self.day, f"day {self.day}")
        return f"quarterly on the {which} of the first month at {self.at:%H:%M}"


JobFunc = Callable[..., str | None]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    schedule: Schedule
    title: str
    # the positions told when a run fails for good (settings.JOBS_DEFAULT_OWNERS when empty)
    owners: tuple[str, ...] = ()
    # the local time of day a dealership has chosen for this job (None: ``schedule.at``)
    time_setting: Callable[..., dt.time | None] | None = None

    def is_due_on(self, day: dt.date) -> bool:
        return self.schedule.is_due_on(day)

    def time_for(self, dealership) -> dt.time:
        """The local time from which the job is due on its days, in ``dealership``."""
        chosen = self.time_setting(dealership) if self.time_setting is not None else None
        return chosen or self.schedule.at


_jobs: dict[str, Job] = {}


def register_job(
    name: str,
    schedule: Schedule,
    title: str,
    owners: tuple[str, ...] = (),
    time_setting: Callable[..., dt.time | None] | None = None,
) -> Callable[[JobFunc], JobFunc]:
    """Register a job. ``owners`` are the codes of the positions told when a run fails for good
    (``settings.JOBS_DEFAULT_OWNERS`` when empty). ``time_setting(dealership)`` returns the
    local time a dealership has set for the job (called in the system scope; ``None`` keeps
    ``schedule.at``)."""

    def decorator(func: JobFunc) -> JobFunc:
        if name in _jobs and _jobs[name].func is not func:
            raise ValueError(f"A job named {name!r} is already registered.")
        _jobs[name] = Job(
            name=name,
            func=func,
            schedule=schedule,
            title=title,
            owners=tuple(owners),
            time_setting=time_setting,
        )
        return func

    return decorator


def unregister_job(name: str) -> None:
    _jobs.pop(name, None)


def get_job(name: str) -> Job | None:
    return _jobs.get(name)


def all_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def jobs_due_on(day: dt.date) -> list[Job]:
    return [job for job in all_jobs() if job.is_due_on(day)]
