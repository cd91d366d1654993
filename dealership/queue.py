"""How work reaches the Celery worker: the task decorators and the ``enqueue_*`` functions.

The tasks themselves live in :mod:`dealership.tasks`, above the services they call (a task takes
ids and calls a service). Services that hand work on (a notification's deliveries, a report's
submission, the group pack) enqueue through this module, which sits below them: every task is
recorded here by name as it is defined, and ``dealership.tasks`` is imported by
``PlatformConfig.ready()`` in every process (web, worker, commands). Without ``REDIS_URL`` the
tasks run in-process (eager; ``dealership/celery.py``).

The dispatchers (``jobs``, ``reports``, ``deliveries``: the beat schedule or the in-process
scheduler loop) find the due work and enqueue it; each records its pass here
(:func:`dispatcher_pass_record`), which the health page reads.

:func:`tenant_task` is the decorator for work on one dealership's data: the task takes
``dealership_id`` and its body runs inside that dealership's tenant scope.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket

from celery import shared_task
from django.db import transaction

from dealership.models import DispatcherPass
from dealership.tenancy import dealership_context

RUN_JOB = "dealership.run_job"
SEND_DELIVERY = "dealership.send_delivery"
GENERATE_REPORT = "dealership.generate_report"
SEND_SUBMISSION = "dealership.send_submission"
EXPORT_GROUP_PACK = "dealership.export_group_pack"
EXPORT_LIST = "dealership.export_list"

_tasks: dict = {}


def task(*, name: str, **options):
    """``shared_task`` that also records the task here, under ``name``."""

    def decorator(func):
        _tasks[name] = shared_task(name=name, **options)(func)
        return _tasks[name]

    return decorator


def tenant_task(*, name: str, **options):
    """A task whose body runs inside the tenant scope of its ``dealership_id``."""

    def decorator(func):
        @functools.wraps(func)
        def run_in_tenant(*args, dealership_id: int, **kwargs):
            with dealership_context(dealership_id):
                return func(*args, dealership_id=dealership_id, **kwargs)

        return task(name=name, **options)(run_in_tenant)

    return decorator


def _task(name: str):
    try:
        return _tasks[name]
    except KeyError:
        raise LookupError(
            f"No task {name!r}: dealership.tasks defines it and PlatformConfig.ready() imports it."
        ) from None


def enqueue_job_run(job_run_id: int, dealership_id: int) -> None:
    _task(RUN_JOB).delay_on_commit(job_run_id=job_run_id, dealership_id=dealership_id)


def enqueue_delivery(delivery_id: int, dealership_id: int) -> None:
    _task(SEND_DELIVERY).delay(delivery_id=delivery_id, dealership_id=dealership_id)


def enqueue_report_run(run_id: int, dealership_id: int) -> None:
    _task(GENERATE_REPORT).delay_on_commit(run_id=run_id, dealership_id=dealership_id)


def enqueue_submission(submission_id: int, dealership_id: int) -> None:
    _task(SEND_SUBMISSION).delay(submission_id=submission_id, dealership_id=dealership_id)


def enqueue_group_export(export_id: int) -> None:
    _task(EXPORT_GROUP_PACK).delay_on_commit(export_id=export_id)


def enqueue_list_export(export_id: int) -> None:
    _task(EXPORT_LIST).delay_on_commit(export_id=export_id)


def worker_name() -> str:
    """This process, as runs and dispatcher passes record it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def dispatcher_pass_record(*, name: str, now: dt.datetime, interval: int) -> dt.datetime | None:
    """Record a pass of dispatcher ``name``; return the time of its previous pass."""
    with transaction.atomic():
        previous = (
            DispatcherPass.objects.select_for_update()
            .filter(name=name)
            .values_list("last_pass_at", flat=True)
            .first()
        )
        DispatcherPass.objects.update_or_create(
            name=name,
            defaults={"last_pass_at": now, "interval": interval, "host": worker_name()},
        )
    return previous
