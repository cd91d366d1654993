"""Submissions to the car maker (OEM): one per scheduled run of an ``oem=True`` report, sent
through the brand's :class:`~dealership.models.OemChannel` with an idempotency key, retried
with backoff, its receipt recorded."""

from __future__ import annotations

from django.db import transaction

from dealership.models import OemSubmission, ReportRun


def idempotency_key(run: ReportRun) -> str:
    return f"{run.dealership.code}:{run.report}:{run.period_key}:v{run.version}"


def submission_create(*, run: ReportRun) -> OemSubmission:
    """The submission of ``run`` (made once), handed to a worker after the commit."""
    submission, created = OemSubmission.objects.get_or_create(
        run=run, defaults={"idempotency_key": idempotency_key(run), "dealership": run.dealership}
    )
    if created:
        from dealership.tasks import enqueue_submission

        transaction.on_commit(
            lambda: enqueue_submission(submission.pk, submission.dealership_id), robust=True
        )
    return submission


def submission_send(*, submission_id: int) -> OemSubmission | None:
    raise NotImplementedError  # the channels come next


def submissions_dispatch(*, now, enqueue) -> list[int]:
    return []
