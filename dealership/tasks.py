"""Celery tasks of the platform. Tasks are thin: they take ids and call services.

This module sits above the services; services enqueue through :mod:`dealership.queue`, where
each task below is recorded by name (``PlatformConfig.ready()`` imports this module).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dealership import queue, services
from dealership.exports.service import list_export_build, list_exports_dispatch
from dealership.notifications.services import deliveries_dispatch, delivery_send
from dealership.reports.group import group_export_build
from dealership.reports.oem import submission_send, submissions_dispatch
from dealership.reports.services import report_run_generate, report_runs_dispatch


@queue.tenant_task(
    name=queue.RUN_JOB,
    # the job gets SoftTimeLimitExceeded at the limit (its run is recorded as failed); a job
    # that ignores it has its pool child killed after the grace (its run is released)
    soft_time_limit=settings.JOBS_TIME_LIMIT,
    time_limit=settings.JOBS_TIME_LIMIT + settings.JOBS_TIME_LIMIT_GRACE,
)
def run_job(*, job_run_id: int, dealership_id: int) -> str | None:
    run = services.job_run_execute(job_run_id=job_run_id)
    return run.state if run else None


@shared_task(name="dealership.dispatch_due_jobs")
def dispatch_due_jobs() -> int:
    return len(services.jobs_dispatch(now=timezone.now(), enqueue=queue.enqueue_job_run))


@queue.tenant_task(name=queue.SEND_DELIVERY)
def send_delivery(*, delivery_id: int, dealership_id: int) -> str | None:
    delivery = delivery_send(delivery_id=delivery_id)
    return delivery.state if delivery else None


@shared_task(name="dealership.dispatch_due_deliveries")
def dispatch_due_deliveries() -> int:
    return len(deliveries_dispatch(now=timezone.now(), enqueue=queue.enqueue_delivery))


# --- reports ----------------------------------------------------------------------------------


@queue.tenant_task(name=queue.GENERATE_REPORT)
def generate_report(*, run_id: int, dealership_id: int) -> str | None:
    run = report_run_generate(run_id=run_id)
    return run.status if run else None


@queue.tenant_task(name=queue.SEND_SUBMISSION)
def send_submission(*, submission_id: int, dealership_id: int) -> str | None:
    submission = submission_send(submission_id=submission_id)
    return submission.state if submission else None


@queue.task(name=queue.EXPORT_GROUP_PACK)
def export_group_pack(*, export_id: int) -> str | None:
    export = group_export_build(export_id=export_id)
    return export.status if export else None


@queue.task(name=queue.EXPORT_LIST)
def export_list(*, export_id: int) -> str | None:
    export = list_export_build(export_id=export_id)
    return export.status if export else None


@shared_task(name="dealership.dispatch_report_work")
def dispatch_report_work() -> int:
    """Reports due, submissions to send, and list exports left waiting (their task lost)."""
    now = timezone.now()
    runs = report_runs_dispatch(now=now, enqueue=queue.enqueue_report_run)
    sent = submissions_dispatch(now=now, enqueue=queue.enqueue_submission)
    exports = list_exports_dispatch(now=now)
    return len(runs) + len(sent) + len(exports)
