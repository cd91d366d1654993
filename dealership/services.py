"""Platform services (writes): the scheduler's job runs.

Every scheduled job is stored as a :class:`~dealership.models.JobRun` row with a state. A run is
claimed with one conditional ``UPDATE`` (pending/failed → running), so two workers, a retried
Celery message or a second ``run_jobs`` never execute the same run twice, and runs missed while
the scheduler was down are found and executed by the next dispatch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from dealership import locks
from dealership.jobs import Job, get_job, jobs_due_on
from dealership.models import Dealership, JobRun
from dealership.queue import dispatcher_pass_record, worker_name
from dealership.registry import dealership_initializers
from dealership.tenancy import dealership_context, system_context

logger = logging.getLogger(__name__)

Enqueue = Callable[[int, int], None]


def dealership_initialize(*, dealership: Dealership) -> None:
    """Run every app's initializer on a dealership (idempotent), inside its tenant scope."""
    with dealership_context(dealership):
        for initializer in dealership_initializers():
            initializer(dealership)


def job_runs_ensure(
    *, dealership: Dealership, run_date: dt.date, jobs: Iterable[Job]
) -> list[JobRun]:
    """Create the missing run rows of ``jobs`` for one dealership and day; return all of them."""
    names = [job.name for job in jobs]
    if not names:
        return []
    with dealership_context(dealership):
        JobRun.objects.bulk_create(
            [JobRun(dealership=dealership, job=name, run_date=run_date) for name in names],
            ignore_conflicts=True,
        )
        return list(JobRun.objects.filter(run_date=run_date, job__in=names).order_by("job"))


LOCK = "jobrun"  # the advisory-lock namespace of job runs (dealership.locks)


def job_run_claim(*, job_run_id: int, force: bool = False, now: dt.datetime | None = None) -> int:
    """Atomically move a run to ``running`` and return its attempt number (the claim's token),
    or ``0`` when it is not to be run now: done, running elsewhere, out of attempts, or waiting
    for its next attempt.

    The caller holds the run's advisory lock (:func:`job_run_execute`), so on PostgreSQL a run
    found ``running`` is an orphan whose worker is gone, and is taken over. ``force`` (an
    operator's ``run_jobs``) also runs failed runs out of attempts and missed ones.
    """
    now = now or timezone.now()
    states = [JobRun.State.PENDING, JobRun.State.FAILED]
    if locks.supported():
        states.append(JobRun.State.RUNNING)
    if force:
        states.append(JobRun.State.MISSED)
    claimable = JobRun.objects.filter(pk=job_run_id, state__in=states)
    if not force:
        claimable = claimable.filter(attempts__lt=settings.JOBS_MAX_ATTEMPTS).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
    with transaction.atomic():
        row = claimable.select_for_update().values_list("attempts", flat=True).first()
        if row is None:
            return 0
        attempt = row + 1
        JobRun.objects.filter(pk=job_run_id).update(
            state=JobRun.State.RUNNING,
            attempts=attempt,
            started_at=now,
            finished_at=None,
            next_attempt_at=None,
            error="",
            worker=worker_name(),
        )
    return attempt


def job_run_execute(*, job_run_id: int, force: bool = False) -> JobRun | None:
    """Claim and run one job run inside its dealership's scope; record success or failure.

    The job's writes and the run's ``succeeded`` commit in one transaction: a crash (worker
    killed, database restarted) leaves neither, and the run is taken over by the next delivery
    or dispatch. While it runs the worker holds the run's advisory lock, so no second worker
    can run it at the same time. A failure is recorded with its error and retried with
    exponential backoff (``JOBS_RETRY_BASE_SECONDS``) up to ``JOBS_MAX_ATTEMPTS``.

    Returns the finished run, or ``None`` when the run could not be claimed (running in
    another worker, already succeeded, out of attempts, or not due for its next attempt yet).
    """
    run = JobRun.objects.select_related("dealership").get(pk=job_run_id)
    with dealership_context(run.dealership_id), locks.held(LOCK, run.pk) as mine:
        if not mine:
            return None
        attempt = job_run_claim(job_run_id=run.pk, force=force)
        if not attempt:
            return None
        job = get_job(run.job)
        try:
            if job is None:
                raise LookupError(f"No job named {run.job!r} is registered.")
            with transaction.atomic():
                result = job.func(dealership=run.dealership, run_date=run.run_date) or ""
                done = JobRun.objects.filter(
                    pk=run.pk, state=JobRun.State.RUNNING, attempts=attempt
                ).update(
                    state=JobRun.State.SUCCEEDED,
                    result=str(result)[:10000],
                    error="",
                    finished_at=timezone.now(),
                )
                if not done:  # taken over meanwhile (only without locks): undo this attempt
                    raise RuntimeError("Another worker took this run over; this attempt is undone.")
        except Exception as exc:  # a failing job is recorded on its row, never lost silently
            logger.exception(
                "Job %s for %s on %s failed", run.job, run.dealership.code, run.run_date
            )
            _job_run_record_failure(run, attempt, _describe_failure(exc), job, force=force)
        with contextlib.suppress(DatabaseError):  # the database went away: the run as it was
            run.refresh_from_db()
    return run


def _describe_failure(exc: BaseException) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return (
            f"The run exceeded its time limit of {settings.JOBS_TIME_LIMIT} seconds and was "
            f"stopped; nothing it wrote was kept.\n\n" + traceback.format_exc(limit=20)
        )
    return traceback.format_exc(limit=20)


def _retry_delay(attempt: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOBS_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0))


def _job_run_record_failure(
    run: JobRun, attempt: int, error: str, job: Job | None, *, force: bool = False
) -> None:
    """Record attempt ``attempt`` of ``run`` as failed, with its next attempt, and tell the
    owners at the first failure and when it gives up.

    The database may be what failed (restarted under the worker): the write is tried again on a
    fresh connection for a few seconds; if it still cannot be written, the run stays
    ``running`` without a live lock and the next dispatch releases it."""
    now = timezone.now()
    gives_up = force or attempt >= settings.JOBS_MAX_ATTEMPTS
    for wait in (0, 0.5, 1, 2, 4):
        time.sleep(wait)
        try:
            with dealership_context(run.dealership_id):
                recorded = JobRun.objects.filter(
                    pk=run.pk, state=JobRun.State.RUNNING, attempts=attempt
                ).update(
                    state=JobRun.State.FAILED,
                    error=error,
                    finished_at=now,
                    next_attempt_at=None if gives_up else now + _retry_delay(attempt),
                )
            break
        except DatabaseError:
            logger.warning("Could not record the failure of job run %s; retrying", run.pk)
            connection.close()
    else:
        logger.error("The failure of job run %s could not be recorded", run.pk)
        return
    if recorded and (gives_up or attempt == 1):
        run.refresh_from_db()
        _tell_owners_of_failure(run, job, gives_up=gives_up)


def _tell_owners_of_failure(run: JobRun, job: Job | None, *, gives_up: bool) -> None:
    """The positions that own the job learn that a run failed: at its first failure (it will be
    retried) and when it gives up (a second failure after an operator's retry is news again)."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from dealership.notifications import PositionHolders, notify

    owners = (job.owners if job else ()) or tuple(settings.JOBS_DEFAULT_OWNERS)
    title = job.title if job else run.job
    if gives_up:
        subject = gettext_lazy("Scheduled job failed: {title} ({day})")
    else:
        subject = gettext_lazy("Scheduled job failed and will be retried: {title} ({day})")
    try:
        with dealership_context(run.dealership_id):
            notify(
                "platform.job_failed",
                [PositionHolders(*owners)],
                format_lazy(subject, title=title, day=run.run_date.isoformat()),
                obj=run,
                body=run.error.strip().splitlines()[-1][:500] if run.error.strip() else "",
                key=f"jobrun:{run.pk}:failed:{run.attempts}",
            )
    except Exception:  # telling people must never hide the failure itself, which is recorded
        logger.exception("Could not notify the owners of job run %s", run.pk)


def job_runs_release_stale(*, now: dt.datetime) -> int:
    """Runs left ``running`` by a worker that died become ``failed`` and are retried at once.

    On PostgreSQL a run is orphaned when nobody holds its advisory lock (its worker's
    connection is gone): seen at the first dispatch after the death. Elsewhere, a run still
    running after ``JOBS_STALE_AFTER`` is taken as lost."""
    error = (
        "The worker running this job stopped before it finished: it was killed, lost its "
        f"database connection, or ran past its time limit of {settings.JOBS_TIME_LIMIT} seconds."
    )
    with system_context():
        running = JobRun.objects.filter(state=JobRun.State.RUNNING)
        if not locks.supported():
            return running.filter(started_at__lt=now - settings.JOBS_STALE_AFTER).update(
                state=JobRun.State.FAILED, error=error, finished_at=now, next_attempt_at=now
            )
        released = 0
        for run in running.select_related("dealership"):
            with locks.held(LOCK, run.pk) as orphaned:
                if not orphaned:
                    continue  # its worker is alive
                gives_up = run.attempts >= settings.JOBS_MAX_ATTEMPTS
                released += JobRun.objects.filter(
                    pk=run.pk, state=JobRun.State.RUNNING, attempts=run.attempts
                ).update(
                    state=JobRun.State.FAILED,
                    error=error,
                    finished_at=now,
                    next_attempt_at=None if gives_up else now,
                )
            if gives_up:
                run.refresh_from_db()
                _tell_owners_of_failure(run, get_job(run.job), gives_up=True)
        return released


def _jobs_record_missed(
    *, dealership: Dealership, since: dt.date, before: dt.date, now: dt.datetime
) -> int:
    """Record as ``missed`` the runs due from ``since`` to the day before ``before`` (the
    catch-up window's first day) that have no row, and tell the owners once."""
    since = max(since, before - dt.timedelta(days=settings.JOBS_MISSED_LOOKBACK_DAYS))
    missed: list[JobRun] = []
    day = since
    while day < before:
        missed += [
            JobRun(
                dealership=dealership,
                job=job.name,
                run_date=day,
                state=JobRun.State.MISSED,
                finished_at=now,
                error=(
                    "Not run: the scheduler was not running on this day and it lies beyond the "
                    f"catch-up window of {settings.JOBS_CATCHUP_DAYS} days. Run it with "
                    f"`manage.py run_jobs --date {day.isoformat()} --dealership "
                    f"{dealership.code} --job {job.name}` if it is still needed."
                ),
            )
            for job in jobs_due_on(day)
        ]
        day += dt.timedelta(days=1)
    if not missed:
        return 0
    with dealership_context(dealership):
        JobRun.objects.bulk_create(missed, ignore_conflicts=True)
        found = JobRun.objects.filter(
            state=JobRun.State.MISSED, run_date__gte=since, run_date__lt=before
        ).aggregate(count=Count("pk"), first=Min("run_date"), last=Max("run_date"))
    if found["count"]:
        _tell_owners_of_missed(dealership, found["first"], found["last"], found["count"])
    return found["count"]


def _tell_owners_of_missed(dealership: Dealership, first: dt.date, last: dt.date, count: int):
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from dealership.notifications import PositionHolders, notify

    try:
        with dealership_context(dealership):
            notify(
                "platform.job_failed",
                [PositionHolders(*settings.JOBS_DEFAULT_OWNERS)],
                format_lazy(
                    gettext_lazy(
                        "{count} scheduled runs were missed from {first} to {last}: the "
                        "scheduler was down"
                    ),
                    count=count,
                    first=first.isoformat(),
                    last=last.isoformat(),
                ),
                body=gettext_lazy(
                    "They are listed as missed on the scheduled job runs page; run the ones "
                    "still needed with manage.py run_jobs."
                ),
                dealership=dealership,
                key=f"jobs-missed:{dealership.pk}:{first.isoformat()}:{last.isoformat()}",
            )
    except Exception:
        logger.exception("Could not tell %s about its missed runs", dealership.code)


def jobs_dispatch(*, now: dt.datetime, enqueue: Enqueue, interval: int | None = None) -> list[int]:
    """Create the rows of every run due by ``now`` (catching up missed days) and enqueue the
    runnable ones. Called by the beat schedule and by the in-process scheduler loop.

    A day's job is due once the dealership's local time passes the job's time. Days before the
    dealership was created are never back-filled; days before the catch-up window that the
    dispatcher missed (it was down since its previous pass) are recorded as ``missed``.
    Everything is derived from the database, so queued messages lost with the broker are
    enqueued again by the next pass.
    """
    previous = dispatcher_pass_record(
        name="jobs", now=now, interval=interval or settings.JOBS_DISPATCH_INTERVAL
    )
    job_runs_release_stale(now=now)
    catchup = settings.JOBS_CATCHUP_DAYS
    with system_context():
        earliest = None
        for dealership in Dealership.objects.filter(is_active=True):
            local_now = now.astimezone(dealership.zoneinfo)
            opened = dealership.created_at.astimezone(dealership.zoneinfo).date()
            window_start = local_now.date() - dt.timedelta(days=catchup)
            if previous is not None:
                last_seen = previous.astimezone(dealership.zoneinfo).date()
                if last_seen < window_start:
                    _jobs_record_missed(
                        dealership=dealership,
                        since=max(last_seen, opened),
                        before=window_start,
                        now=now,
                    )
            for offset in range(catchup, -1, -1):
                day = local_now.date() - dt.timedelta(days=offset)
                if day < opened:
                    continue
                due = [
                    job
                    for job in jobs_due_on(day)
                    if offset > 0 or local_now.time() >= job.time_for(dealership)
                ]
                job_runs_ensure(dealership=dealership, run_date=day, jobs=due)
                earliest = day if earliest is None else min(earliest, day)
        if earliest is None:
            return []
        runnable = list(
            JobRun.objects.filter(
                state__in=[JobRun.State.PENDING, JobRun.State.FAILED],
                attempts__lt=settings.JOBS_MAX_ATTEMPTS,
                run_date__gte=earliest,
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("run_date", "pk")
            .values_list("pk", "dealership_id")
        )
    for run_id, dealership_id in runnable:
        enqueue(run_id, dealership_id)
    return [run_id for run_id, _ in runnable]


def jobs_run_for_date(
    *, run_date: dt.date, dealerships: Iterable[Dealership], job_names: Iterable[str] | None = None
) -> list[JobRun]:
    """Run now, synchronously, every job due on ``run_date`` (``manage.py run_jobs``).

    Runs that already succeeded are left alone; failed ones are retried whatever their attempt
    count, since an operator asked for them explicitly.
    """
    wanted = set(job_names) if job_names else None
    finished: list[JobRun] = []
    for dealership in dealerships:
        due = [job for job in jobs_due_on(run_date) if wanted is None or job.name in wanted]
        with dealership_context(dealership):
            for run in job_runs_ensure(dealership=dealership, run_date=run_date, jobs=due):
                if run.state != JobRun.State.SUCCEEDED:
                    run = job_run_execute(job_run_id=run.pk, force=True) or run
                finished.append(run)
    return finished


# Logins (dealership/security), for apps: org ends a person's sessions and tokens at staff_end.
from dealership.security.services import (  # noqa: E402, F401
    user_sign_out_everywhere,
    user_unlock,
)
