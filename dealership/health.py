"""Scheduler health (reads): is scheduled work being dispatched and run?

* the broker: reachable, "in process" (no ``REDIS_URL``: Celery runs tasks in the web or
  scheduler process), or down — checked with a kombu connection that gives up after
  :data:`BROKER_TIMEOUT` seconds, so a page or a load balancer never hangs on it;
* each dispatcher's latest pass (:class:`~dealership.models.DispatcherPass`, written by
  ``jobs_dispatch``, ``deliveries_dispatch`` and ``report_runs_dispatch``) and whether it is
  overdue: no pass for more than twice its interval (the job dispatcher never having passed is
  overdue too: nothing scheduled runs without it);
* the job runs waiting, running, failed (to be retried, or given up) and missed, and the age of
  the oldest pending run — for a user, only the runs of the dealerships they see (the job-runs
  page's scope, through the chokepoint), in one query.

Shown on the job-runs page (a red banner when degraded) and by ``GET /api/v1/platform/health/``
(anonymous callers get only the checks, never a URL, host or error text).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealership.models import DispatcherPass, JobRun

logger = logging.getLogger(__name__)

#: seconds the broker check waits for a connection before calling the broker down
BROKER_TIMEOUT = 2

#: the dispatchers, their interval setting (seconds) and their name for people; ``jobs`` must
#: have passed (the others are shown once they have)
DISPATCHERS: dict[str, tuple[str, str]] = {
    "jobs": ("JOBS_DISPATCH_INTERVAL", _("job dispatcher")),
    "reports": ("REPORTS_DISPATCH_INTERVAL", _("report dispatcher")),
    "deliveries": ("NOTIFICATIONS_DISPATCH_INTERVAL", _("message dispatcher")),
}
REQUIRED_DISPATCHER = "jobs"

DATABASE_OK, DATABASE_DOWN = "ok", "down"
BROKER_OK, BROKER_IN_PROCESS, BROKER_DOWN = "ok", "in_process", "down"
DISPATCHER_OK, DISPATCHER_OVERDUE, DISPATCHER_UNKNOWN = "ok", "overdue", "unknown"


@dataclass(frozen=True)
class DispatcherHealth:
    name: str
    label: str
    last_pass_at: dt.datetime | None
    interval: int  # seconds: the one it ran with, else the configured one
    host: str  # the process of the latest pass ("host:pid"): the page only, never the API
    overdue: bool

    @property
    def expected_by(self) -> dt.datetime | None:
        """The time after which the dispatcher counts as overdue."""
        if self.last_pass_at is None:
            return None
        return self.last_pass_at + dt.timedelta(seconds=2 * self.interval)


@dataclass(frozen=True)
class JobRunCounts:
    pending: int
    running: int
    failed_retrying: int  # failed, attempts left: the dispatcher retries them
    failed_given_up: int  # failed with every attempt used: only an operator runs them again
    missed: int
    oldest_pending_at: dt.datetime | None
    now: dt.datetime

    @property
    def failed(self) -> int:
        return self.failed_retrying + self.failed_given_up

    @property
    def oldest_pending_age(self) -> dt.timedelta | None:
        if self.oldest_pending_at is None:
            return None
        return max(self.now - self.oldest_pending_at, dt.timedelta(0))


@dataclass(frozen=True)
class SchedulerHealth:
    checked_at: dt.datetime
    database: str
    broker: str
    dispatchers: tuple[DispatcherHealth, ...]
    runs: JobRunCounts | None  # None: not asked for (anonymous), or the database is down

    @property
    def overdue_dispatchers(self) -> list[DispatcherHealth]:
        return [d for d in self.dispatchers if d.overdue]

    @property
    def dispatcher(self) -> str:
        if self.database != DATABASE_OK:
            return DISPATCHER_UNKNOWN
        return DISPATCHER_OVERDUE if self.overdue_dispatchers else DISPATCHER_OK

    @property
    def broker_reachable(self) -> bool:
        return self.broker != BROKER_DOWN

    @property
    def ok(self) -> bool:
        return (
            self.database == DATABASE_OK
            and self.broker_reachable
            and self.dispatcher == DISPATCHER_OK
        )

    @property
    def status(self) -> str:
        return "ok" if self.ok else "degraded"

    def checks(self) -> dict[str, str]:
        return {"database": self.database, "broker": self.broker, "dispatcher": self.dispatcher}


def broker_status() -> str:
    """``in_process`` without a broker (no ``REDIS_URL``: Celery runs tasks eagerly), else
    ``ok`` or ``down`` after at most about :data:`BROKER_TIMEOUT` seconds."""
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not url or url.startswith("memory://"):
        return BROKER_IN_PROCESS
    from kombu import Connection

    try:
        with Connection(
            url,
            connect_timeout=BROKER_TIMEOUT,
            ssl=getattr(settings, "CELERY_BROKER_USE_SSL", None) or False,
            transport_options={"socket_timeout": BROKER_TIMEOUT},
        ) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:  # any failure means "down"; its text may name the host: not shown
        logger.warning("Health check: the Celery broker cannot be reached (%s)", type(exc).__name__)
        return BROKER_DOWN
    return BROKER_OK


def _interval_setting(name: str) -> int:
    setting = DISPATCHERS[name][0]
    return int(getattr(settings, setting, settings.JOBS_DISPATCH_INTERVAL))


def dispatcher_health(*, now: dt.datetime) -> tuple[DispatcherHealth, ...]:
    """Every known dispatcher's latest pass (one query; raises ``DatabaseError``)."""
    rows = {row.name: row for row in DispatcherPass.objects.all()}
    found = []
    for name in [*DISPATCHERS, *sorted(set(rows) - set(DISPATCHERS))]:
        row = rows.get(name)
        if row is None and name != REQUIRED_DISPATCHER:
            continue  # not running here (yet): nothing to tell
        interval = row.interval if row is not None and row.interval else _interval_setting(name)
        last = row.last_pass_at if row is not None else None
        overdue = last is None or now - last > dt.timedelta(seconds=2 * interval)
        label = DISPATCHERS[name][1] if name in DISPATCHERS else name
        found.append(
            DispatcherHealth(
                name=name,
                label=label,
                last_pass_at=last,
                interval=interval,
                host=row.host if row is not None else "",
                overdue=overdue,
            )
        )
    return tuple(found)


def job_run_counts(user=None, *, now: dt.datetime) -> JobRunCounts:
    """The job runs by state in one query: the user's (the job-runs page's scope, in the
    current tenant scope), or every dealership's without a user."""
    from dealership import selectors
    from dealership.tenancy import system_context

    max_attempts = settings.JOBS_MAX_ATTEMPTS
    State = JobRun.State
    aggregates = {
        "pending": Count("pk", filter=Q(state=State.PENDING)),
        "running": Count("pk", filter=Q(state=State.RUNNING)),
        "failed_retrying": Count("pk", filter=Q(state=State.FAILED, attempts__lt=max_attempts)),
        "failed_given_up": Count("pk", filter=Q(state=State.FAILED, attempts__gte=max_attempts)),
        "missed": Count("pk", filter=Q(state=State.MISSED)),
        "oldest_pending_at": Min("created_at", filter=Q(state=State.PENDING)),
    }
    if user is not None:
        values = selectors.job_runs_for_user(user).order_by().aggregate(**aggregates)
    else:
        with system_context():
            values = JobRun.objects.order_by().aggregate(**aggregates)
    return JobRunCounts(now=now, **values)


def scheduler_checks(*, now: dt.datetime | None = None) -> SchedulerHealth:
    """The checks only (database, broker, dispatchers): no job run is read, no scope needed.
    What anonymous callers of the health endpoint get."""
    return _health(None, now=now, counts=False)


def scheduler_health(user=None, *, now: dt.datetime | None = None) -> SchedulerHealth:
    """The checks and the job runs' counts: ``user``'s runs (the job-runs page's scope: call it
    inside the request's tenant scope), or every dealership's without a user. Constant queries:
    one for the dispatchers, one for the counts (plus the policy's own for a user)."""
    return _health(user, now=now, counts=True)


def _health(user, *, now: dt.datetime | None, counts: bool) -> SchedulerHealth:
    now = now or timezone.now()
    database, dispatchers, runs = DATABASE_OK, (), None
    try:
        dispatchers = dispatcher_health(now=now)
        if counts:
            runs = job_run_counts(user, now=now)
    except DatabaseError as exc:
        logger.warning("Health check: the database cannot be read (%s)", type(exc).__name__)
        database = DATABASE_DOWN
    return SchedulerHealth(
        checked_at=now,
        database=database,
        broker=broker_status(),
        dispatchers=dispatchers,
        runs=runs,
    )
