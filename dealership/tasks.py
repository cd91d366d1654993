"""Celery tasks of the platform. Tasks are thin: they take ids and call services.

:func:`tenant_task` is the decorator every app uses for work on one dealership's data: the task
takes ``dealership_id`` and its body runs inside that dealership's tenant scope.
"""

from __future__ import annotations

import functools

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dealership import services
from dealership.tenancy import dealership_context


def tenant_task(*task_args, **task_kwargs):
    def decorator(func):
        @functools.wraps(func)
        def run_in_tenant(*args, dealership_id: int, **kwargs):
            with dealership_context(dealership_id):
                return func(*args, dealership_id=dealership_id, **kwargs)

        return shared_task(*task_args, **task_kwargs)(run_in_tenant)

    return decorator


@tenant_task(
    name="dealership.run_job",
    # the job gets SoftTimeLimitExceeded at the limit (its run is recorded as failed); a job
    # that ignores it has its pool child killed after the grace (its run is released)
    soft_time_limit=settings.JOBS_TIME_LIMIT,
    time_limit=settings.JOBS_TIME_LIMIT + settings.JOBS_TIME_LIMIT_GRACE,
)
def run_job(*, job_run_id: int, dealership_id: int) -> str | None:
    run = services.job_run_execute(job_run_id=job_run_id)
    return run.state if run else None


def enqueue_job_run(job_run_id: int, dealership_id: int) -> None:
    run_job.delay_on_commit(job_run_id=job_run_id, dealership_id=dealership_id)


@shared_task(name="dealership.dispatch_due_jobs")
def dispatch_due_jobs() -> int:
    return len(services.jobs_dispatch(now=timezone.now(), enqueue=enqueue_job_run))


@tenant_task(name="dealership.send_delivery")
def send_delivery(*, delivery_id: int, dealership_id: int) -> str | None:
    from dealership.notifications.services import delivery_send

    delivery = delivery_send(delivery_id=delivery_id)
    return delivery.state if delivery else None


def enqueue_delivery(delivery_id: int, dealership_id: int) -> None:
    send_delivery.delay(delivery_id=delivery_id, dealership_id=dealership_id)


@shared_task(name="dealership.dispatch_due_deliveries")
def dispatch_due_deliveries() -> int:
    from dealership.notifications.services import deliveries_dispatch

    return len(deliveries_dispatch(now=timezone.now(), enqueue=enqueue_delivery))


# --- reports ----------------------------------------------------------------------------------


@tenant_task(name="dealership.generate_report")
def generate_report(*, run_id: int, dealership_id: int) -> str | None:
    from dealership.reports.services import report_run_generate

    run = report_run_generate(run_id=run_id)
    return run.status if run else None


def enqueue_report_run(run_id: int, dealership_id: int) -> None:
    generate_report.delay_on_commit(run_id=run_id, dealership_id=dealership_id)


@tenant_task(name="dealership.send_submission")
def send_submission(*, submission_id: int, dealership_id: int) -> str | None:
    from dealership.reports.oem import submission_send

    submission = submission_send(submission_id=submission_id)
    return submission.state if submission else None


def enqueue_submission(submission_id: int, dealership_id: int) -> None:
    send_submission.delay(submission_id=submission_id, dealership_id=dealership_id)


@shared_task(name="dealership.export_group_pack")
def export_group_pack(*, export_id: int) -> str | None:
    from dealership.reports.group import group_export_build

    export = group_export_build(export_id=export_id)
    return export.status if export else None


def enqueue_group_export(export_id: int) -> None:
    export_group_pack.delay_on_commit(export_id=export_id)


@shared_task(name="dealership.dispatch_report_work")
def dispatch_report_work() -> int:
    from dealership.reports.oem import submissions_dispatch
    from dealership.reports.services import report_runs_dispatch

    now = timezone.now()
    runs = report_runs_dispatch(now=now, enqueue=enqueue_report_run)
    sent = submissions_dispatch(now=now, enqueue=enqueue_submission)
    return len(runs) + len(sent)
