"""Report runs: making a version, generating its content and files, retrying failures with
backoff, telling recipients and owners. Every write goes through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import traceback
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dealership import locks, queue
from dealership.actors import SYSTEM
from dealership.audit import audit_record, snapshot
from dealership.models import ReportRun
from dealership.reports.access import may_read_report
from dealership.reports.models import RunStatus
from dealership.reports.periods import Period
from dealership.reports.registry import Report, get_report
from dealership.reports.render import Document, pdf_bytes, xlsx_bytes
from dealership.reports.retry import backoff
from dealership.tenancy import dealership_context, system_context

logger = logging.getLogger(__name__)

Enqueue = Callable[[int, int], None]
AUDITED = ("status", "version", "checksum", "error")


def _next_version(*, dealership_id, report: str, period_key: str) -> int:
    top = ReportRun.objects.filter(
        dealership_id=dealership_id, report=report, period_key=period_key
    ).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def _insert_run(*, dealership, report: Report, period: Period, trigger, requested_by=None):
    """A new version of ``report`` for ``period`` (the next number, retried on a race)."""
    for _attempt in range(5):
        version = _next_version(
            dealership_id=dealership.pk, report=report.code, period_key=period.key
        )
        run = ReportRun(
            dealership=dealership,
            report=report.code,
            department_code=report.department,
            period_kind=period.kind,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            version=version,
            trigger=trigger,
            requested_by=requested_by,
            due_at=report.due_at(period, dealership),
        )
        try:
            with transaction.atomic():
                run.save()
        except IntegrityError:
            existing = ReportRun.objects.filter(
                dealership=dealership,
                report=report.code,
                period_key=period.key,
                trigger=ReportRun.Trigger.SCHEDULE,
            ).first()
            if trigger == ReportRun.Trigger.SCHEDULE and existing is not None:
                return existing, False
            continue
        return run, True
    raise IntegrityError(f"Could not number a new run of {report.code} {period.key}.")


def report_run_scheduled(*, report: Report, dealership, run_date: dt.date) -> str:
    """The scheduler's run of the period due on ``run_date``: made once, generated at once.
    Running the job again (twice, late, after downtime) finds the same run and does nothing
    more; a failed one is left to the retries."""
    period = report.period_due_on(run_date)
    run = ReportRun.objects.filter(
        report=report.code, period_key=period.key, trigger=ReportRun.Trigger.SCHEDULE
    ).first()
    if run is None:
        run, _created = _insert_run(
            dealership=dealership,
            report=report,
            period=period,
            trigger=ReportRun.Trigger.SCHEDULE,
        )
    if run.status == RunStatus.PENDING:
        run = report_run_generate(run_id=run.pk) or run
    return f"{report.code} {period.key} v{run.version}: {run.status}"


def report_run_request(*, actor, report: Report, period: Period, dealership) -> ReportRun:
    """A person asks for a new version of ``report`` for ``period`` (made in the background).
    Only a past or current period, only by who may read the report."""
    if not may_read_report(actor, report):
        raise PermissionDenied(_("You may not read this report."))
    from dealership.access import check_model_permission

    check_model_permission(actor, ReportRun, "add")
    today = timezone.now().astimezone(dealership.zoneinfo).date()
    if period.start > today:
        raise ValidationError(_("This period has not started yet."))
    run, _created = _insert_run(
        dealership=dealership,
        report=report,
        period=period,
        trigger=ReportRun.Trigger.PERSON,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="create", obj=run, before=None, after=snapshot(run, AUDITED))
    return run


LOCK = "reportrun"  # the advisory-lock namespace of report runs (dealership.locks)


def _claim(run_id: int, *, force: bool) -> bool:
    """Move a run to ``running``. The caller holds the run's advisory lock, so on PostgreSQL a
    run found ``running`` is an orphan whose worker died, and is taken over."""
    statuses = [RunStatus.PENDING, RunStatus.FAILED]
    if locks.supported():
        statuses.append(RunStatus.RUNNING)
    claimable = ReportRun.objects.filter(pk=run_id, status__in=statuses)
    if not force:
        claimable = claimable.filter(attempts__lt=settings.REPORTS_MAX_ATTEMPTS)
    return (
        claimable.update(
            status=RunStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
            finished_at=None,
            next_attempt_at=None,
            error="",
        )
        == 1
    )


def report_documents(report: Report, period: Period, dealership, *, actor=SYSTEM):
    """Gather the report's content for ``period`` in the current tenant scope."""
    return report.gather(actor, period)


def report_run_generate(*, run_id: int, force: bool = False) -> ReportRun | None:
    """Claim a pending (or failed, retry due) run, gather its content, write its PDF and
    workbook, and record the outcome. ``None`` when the run could not be claimed."""
    run = ReportRun.objects.select_related("dealership").get(pk=run_id)
    with locks.held(LOCK, run.pk) as mine:
        if not mine:  # another worker is generating it now
            return None
        return _generate(run, force=force)


def _generate(run: ReportRun, *, force: bool) -> ReportRun | None:
    report = get_report(run.report)
    if not _claim(run.pk, force=force):
        return None
    run.refresh_from_db()
    try:
        if report is None:
            raise LookupError(f"No report named {run.report!r} is registered.")
        period = Period.from_key(run.period_kind, run.period_key)
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            content = report.gather(SYSTEM, period).with_labels_as_text()
            now = timezone.now()
            document = Document(
                title=str(report.title),
                dealership=str(run.dealership),
                period=period.label,
                generated_at=now,
                content=content,
                version=run.version,
            )
            pdf = pdf_bytes([document], title=str(report.title), subtitle=period.label)
            xlsx = xlsx_bytes([(str(report.title), [document])])
        base = f"{run.report}-{run.dealership.code}-{run.period_key}-v{run.version}"
        run.pdf.save(f"{base}.pdf", ContentFile(pdf), save=False)
        run.xlsx.save(f"{base}.xlsx", ContentFile(xlsx), save=False)
        run.checksum = hashlib.sha256(pdf + xlsx).hexdigest()
        run.content = content.to_json()
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["pdf", "xlsx", "checksum", "content", "status", "finished_at"])
    except Exception:  # a failing report is recorded on its row and retried, never lost
        logger.exception("Report %s for %s failed", run, run.dealership.code)
        _record_failure(run, report, traceback.format_exc(limit=20))
        return run
    audit_record(actor=SYSTEM, action="update", obj=run, before=None, after=snapshot(run, AUDITED))
    if run.trigger == ReportRun.Trigger.SCHEDULE and report is not None:
        if report.approval:
            _tell_owners_to_submit(run, report)
        else:
            report_run_counts(run, report)
    return run


def report_run_counts(run: ReportRun, report: Report) -> None:
    """The run is the period's report: its recipients are told and, for an OEM report, it is
    submitted to the car maker (a scheduled run when generated; an approval report's run when
    its chain approves it)."""
    _tell_recipients(run, report)
    if report.oem:
        from dealership.reports.oem import submission_create

        submission_create(run=run)


def _tell_owners_to_submit(run: ReportRun, report: Report) -> None:
    from dealership.notifications import PositionHolders, notify

    notify(
        "platform.report_ready",
        [PositionHolders(*report.owners)],
        format_lazy(
            _("Submit for approval: {title} ({period})"), title=report.title, period=run.period_key
        ),
        obj=run,
        body=_(
            "The report is generated. Check it and submit it for approval: it counts as "
            "submitted once its approval chain approves it."
        ),
        key=f"reportrun:{run.pk}:submit",
    )


def _record_failure(run: ReportRun, report: Report | None, error: str) -> None:
    gave_up = run.attempts >= settings.REPORTS_MAX_ATTEMPTS
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED,
        error=error,
        finished_at=timezone.now(),
        next_attempt_at=None if gave_up else timezone.now() + backoff(run.attempts),
    )
    run.refresh_from_db()
    _tell_owners_of_failure(run, report, gave_up=gave_up)


def _report_title(run, report):
    return report.title if report is not None else run.report


def _tell_owners_of_failure(run: ReportRun, report: Report | None, *, gave_up: bool) -> None:
    from dealership.notifications import PositionHolders, notify

    owners = (report.owners if report else ()) or tuple(settings.JOBS_DEFAULT_OWNERS)
    if gave_up:
        subject = format_lazy(
            _("Report failed for good: {title} ({period})"),
            title=_report_title(run, report),
            period=run.period_key,
        )
    else:
        subject = format_lazy(
            _("Report failed, will retry: {title} ({period})"),
            title=_report_title(run, report),
            period=run.period_key,
        )
    try:
        notify(
            "platform.report_failed",
            [PositionHolders(*owners)],
            subject,
            obj=run,
            body=run.error.strip().splitlines()[-1][:500] if run.error.strip() else "",
            key=f"reportrun:{run.pk}:failed:{'final' if gave_up else 'first'}",
        )
    except Exception:  # telling people must never hide the failure itself, which is recorded
        logger.exception("Could not notify the owners of report run %s", run.pk)


def _tell_recipients(run: ReportRun, report: Report) -> None:
    if not report.recipients:
        return
    from dealership.notifications import PositionHolders, notify

    notify(
        "platform.report_ready",
        [PositionHolders(*report.recipients)],
        format_lazy(_("{title}: {period}"), title=report.title, period=run.period_key),
        obj=run,
        body=format_lazy(
            _("The report is ready to read on screen, as PDF or as Excel (version {version})."),
            version=run.version,
        ),
        key=f"reportrun:{run.pk}:ready",
    )


def report_runs_release_stale(*, now: dt.datetime) -> int:
    """Runs left ``running`` by a worker that died become ``failed`` so they are retried; one
    that was on its last attempt is given up, and its owners are told (never silently)."""
    release = {
        "status": RunStatus.FAILED,
        "error": "The worker stopped before the report was finished.",
        "finished_at": now,
        "next_attempt_at": now,
    }
    with system_context():
        stale = ReportRun.objects.filter(status=RunStatus.RUNNING)
        if locks.supported():
            # orphaned: nobody holds its lock (its worker's connection ended); released while
            # holding the lock, so no worker can claim it meanwhile
            ids, released = [], 0
            for pk in stale.values_list("pk", flat=True):
                with locks.held(LOCK, pk) as orphaned:
                    if orphaned and stale.filter(pk=pk).update(**release):
                        ids.append(pk)
                        released += 1
        else:
            stale = stale.filter(started_at__lt=now - settings.JOBS_STALE_AFTER)
            ids = list(stale.values_list("pk", flat=True))
            released = stale.filter(pk__in=ids).update(**release)
        last = ReportRun.objects.filter(
            pk__in=ids, status=RunStatus.FAILED, attempts__gte=settings.REPORTS_MAX_ATTEMPTS
        )
        for run in last.select_related("dealership"):
            ReportRun.objects.filter(pk=run.pk).update(next_attempt_at=None)
            run.next_attempt_at = None
            _tell_owners_of_failure(run, get_report(run.report), gave_up=True)
    return released


def report_runs_dispatch(
    *, now: dt.datetime, enqueue: Enqueue, interval: int | None = None
) -> list[int]:
    """Hand the runs that wait to the workers: pending ones (asked for by a person, or left by
    a crash) and failed ones whose retry is due. Called with the job dispatcher. The pass is
    recorded as the ``reports`` dispatcher's (``interval``: the loop's seconds between passes,
    else ``REPORTS_DISPATCH_INTERVAL``) for the scheduler health."""
    queue.dispatcher_pass_record(
        name="reports", now=now, interval=interval or settings.REPORTS_DISPATCH_INTERVAL
    )
    report_runs_release_stale(now=now)
    with system_context():
        waiting = list(
            ReportRun.objects.filter(
                Q(status=RunStatus.PENDING, created_at__lt=now - dt.timedelta(minutes=2))
                | Q(
                    status=RunStatus.FAILED,
                    next_attempt_at__lte=now,
                    attempts__lt=settings.REPORTS_MAX_ATTEMPTS,
                )
            )
            .order_by("created_at", "pk")
            .values_list("pk", "dealership_id")[:500]
        )
    for run_id, dealership_id in waiting:
        enqueue(run_id, dealership_id)
    return [run_id for run_id, _ in waiting]


def report_run_retry(*, actor, run: ReportRun) -> ReportRun:
    """A person retries a failed run now (whatever its attempt count)."""
    from dealership.access import lock_for_user

    locked = lock_for_user(actor, ReportRun, run.pk, "change")
    if locked.status != RunStatus.FAILED:
        raise ValidationError(_("Only a failed run can be retried."))
    before = snapshot(locked, AUDITED)
    ReportRun.objects.filter(pk=locked.pk).update(
        status=RunStatus.PENDING, next_attempt_at=None, attempts=0
    )
    locked.refresh_from_db()
    audit_record(
        actor=actor, action="update", obj=locked, before=before, after=snapshot(locked, AUDITED)
    )
    return locked


def generate_in_scope(run_id: int, dealership_id: int) -> ReportRun | None:
    """For tasks and the in-process scheduler."""
    with dealership_context(dealership_id):
        return report_run_generate(run_id=run_id)
