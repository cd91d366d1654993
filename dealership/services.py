"""Platform services (writes): the scheduler's job runs.

Every scheduled job is stored as a :class:`~dealership.models.JobRun` row with a state. A run is
claimed with one conditional ``UPDATE`` (pending/failed → running), so two workers, a retried
Celery message or a second ``run_jobs`` never execute the same run twice, and runs missed while
the scheduler was down are found and executed by the next dispatch.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dealership.jobs import Job, get_job, jobs_due_on
from dealership.models import Dealership, JobRun
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


def job_run_claim(*, job_run_id: int, force: bool = False) -> bool:
    """Atomically move a run to ``running``. ``False`` when someone else has it or it is done."""
    claimable = JobRun.objects.filter(
        pk=job_run_id, state__in=[JobRun.State.PENDING, JobRun.State.FAILED]
    )
    if not force:
        claimable = claimable.filter(attempts__lt=settings.JOBS_MAX_ATTEMPTS)
    claimed = claimable.update(
        state=JobRun.State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        finished_at=None,
        error="",
    )
    return claimed == 1


def job_run_execute(*, job_run_id: int, force: bool = False) -> JobRun | None:
    """Claim and run one job run inside its dealership's scope; record success or failure.

    Returns the finished run, or ``None`` when the run could not be claimed (already running,
    already succeeded, or out of attempts).
    """
    run = JobRun.objects.select_related("dealership").get(pk=job_run_id)
    with dealership_context(run.dealership_id):
        if not job_run_claim(job_run_id=run.pk, force=force):
            return None
        job = get_job(run.job)
        state, result, error = JobRun.State.SUCCEEDED, "", ""
        try:
            if job is None:
                raise LookupError(f"No job named {run.job!r} is registered.")
            with transaction.atomic():
                result = job.func(dealership=run.dealership, run_date=run.run_date) or ""
        except Exception:  # a failing job is recorded on its row, never lost silently
            logger.exception(
                "Job %s for %s on %s failed", run.job, run.dealership.code, run.run_date
            )
            state, error = JobRun.State.FAILED, traceback.format_exc(limit=20)
        JobRun.objects.filter(pk=run.pk).update(
            state=state, result=str(result)[:10000], error=error, finished_at=timezone.now()
        )
        run.refresh_from_db()
        if state == JobRun.State.FAILED and (force or run.attempts >= settings.JOBS_MAX_ATTEMPTS):
            _tell_owners_of_failure(run, job)
        return run


def _tell_owners_of_failure(run: JobRun, job: Job | None) -> None:
    """The positions that own the job learn that a run failed for good (once per attempt that
    gave up: a second failure after an operator's retry is news again)."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from dealership.notifications import PositionHolders, notify

    owners = (job.owners if job else ()) or tuple(settings.JOBS_DEFAULT_OWNERS)
    title = job.title if job else run.job
    try:
        notify(
            "platform.job_failed",
            [PositionHolders(*owners)],
            format_lazy(
                gettext_lazy("Scheduled job failed: {title} ({day})"),
                title=title,
                day=run.run_date.isoformat(),
            ),
            obj=run,
            body=run.error.strip().splitlines()[-1][:500] if run.error.strip() else "",
            key=f"jobrun:{run.pk}:failed:{run.attempts}",
        )
    except Exception:  # telling people must never hide the failure itself, which is recorded
        logger.exception("Could not notify the owners of job run %s", run.pk)


def job_runs_release_stale(*, now: dt.datetime) -> int:
    """Runs left ``running`` by a worker that died become ``failed`` so they are retried."""
    with system_context():
        return JobRun.objects.filter(
            state=JobRun.State.RUNNING, started_at__lt=now - settings.JOBS_STALE_AFTER
        ).update(
            state=JobRun.State.FAILED,
            error="The worker running this job stopped before it finished.",
        )


def jobs_dispatch(*, now: dt.datetime, enqueue: Enqueue) -> list[int]:
    """Create the rows of every run due by ``now`` (catching up missed days) and enqueue the
    runnable ones. Called by the beat schedule and by the in-process scheduler loop.

    A day's job is due once the dealership's local time passes the job's time. Days before the
    dealership was created are never back-filled.
    """
    job_runs_release_stale(now=now)
    catchup = settings.JOBS_CATCHUP_DAYS
    with system_context():
        earliest = None
        for dealership in Dealership.objects.filter(is_active=True):
            local_now = now.astimezone(dealership.zoneinfo)
            opened = dealership.created_at.astimezone(dealership.zoneinfo).date()
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
