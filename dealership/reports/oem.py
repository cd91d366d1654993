"""Submissions to the car maker (OEM): one per scheduled run of an ``oem=True`` report, sent
through the brand's :class:`~dealership.models.OemChannel` with an idempotency key, retried
with backoff, its receipt recorded.

* HTTPS: a ``multipart/form-data`` POST of the PDF, the workbook and the run's metadata with
  ``Idempotency-Key`` (header and field) and the bearer token named by ``token_env``. 2xx (or
  409 "already have it") with a receipt → ``sent``; 5xx, 408, 429, a timeout or no connection →
  ``failed`` and retried after :func:`~dealership.reports.retry.backoff`, given up after
  ``REPORTS_MAX_ATTEMPTS``; any other answer → ``failed`` for a person to look at.
* E-mail: one message with both files, the key in ``X-Idempotency-Key``; the receipt is its
  ``Message-ID``.
* No channel (or an inactive one, or its token missing): the submission waits ``pending`` and is
  sent once the channel is set up; the report's owners are told once.

Sending is claimed with one conditional ``UPDATE`` (the attempt counted, the row leased until
the channel's timeout has passed), so two workers never send one submission twice, and a
submission once ``sent`` is never sent again."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dealership import queue
from dealership.actors import SYSTEM
from dealership.audit import audit_record, snapshot
from dealership.models import OemChannel, OemSubmission, ReportRun
from dealership.reports.models import RunStatus
from dealership.reports.retry import backoff
from dealership.tenancy import dealership_context, system_context

logger = logging.getLogger(__name__)

Enqueue = Callable[[int, int], None]
State = OemSubmission.State
AUDITED = ("state", "channel", "attempts", "receipt", "submitted_at", "acknowledged_at")
RETRYABLE_STATUS = frozenset({408, 425, 429})
LEASE_MARGIN = dt.timedelta(seconds=60)
MAX_ERROR = 2000
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class RetryLater(Exception):
    """The car maker could not take it now (5xx, timeout, no connection): try again later."""


class Rejected(Exception):
    """The car maker refused it, or it cannot be sent as it is: a person must look."""


def idempotency_key(run: ReportRun) -> str:
    return f"{run.dealership.code}:{run.report}:{run.period_key}:v{run.version}"


def submission_create(*, run: ReportRun) -> OemSubmission:
    """The submission of ``run`` (made once), handed to a worker after the commit."""
    submission, created = OemSubmission.objects.get_or_create(
        run=run, defaults={"idempotency_key": idempotency_key(run), "dealership": run.dealership}
    )
    if created:
        transaction.on_commit(
            lambda: queue.enqueue_submission(submission.pk, submission.dealership_id), robust=True
        )
    return submission


# --- sending ----------------------------------------------------------------------------------


def _due(now: dt.datetime) -> Q:
    """Waiting to be sent: pending (not leased to a worker right now) or failed with its retry
    due, attempts left. A failed one without a next attempt waits for a person."""
    return (
        Q(state=State.PENDING, next_attempt_at__isnull=True)
        | Q(state__in=[State.PENDING, State.FAILED], next_attempt_at__lte=now)
    ) & Q(attempts__lt=settings.REPORTS_MAX_ATTEMPTS)


def channel_for(dealership) -> OemChannel | None:
    try:
        return OemChannel.objects.get(brand_id=dealership.brand_id)
    except OemChannel.DoesNotExist:
        return None


def channel_problem(channel: OemChannel | None, brand) -> str:
    """Why nothing can be sent through ``channel`` now ("" when it is ready)."""
    if channel is None or not channel.is_active:
        return gettext("No channel configured for brand %(brand)s.") % {"brand": brand}
    if channel.kind == OemChannel.Kind.HTTPS:
        if not channel.url:
            return gettext("The channel of brand %(brand)s has no endpoint.") % {"brand": brand}
        parts = urlsplit(channel.url)
        if parts.scheme != "https" and parts.hostname not in LOOPBACK:
            # the files and the token never travel in clear (plain HTTP only on loopback: tests)
            return gettext("The endpoint of brand %(brand)s must be an https:// address.") % {
                "brand": brand
            }
        if channel.token_env and not os.environ.get(channel.token_env):
            return gettext(
                "The environment variable %(name)s (the token of brand %(brand)s) is not set."
            ) % {"name": channel.token_env, "brand": brand}
    elif not channel.email:
        return gettext("The channel of brand %(brand)s has no e-mail address.") % {"brand": brand}
    return ""


def _claim(submission_id: int, *, now: dt.datetime, channel: OemChannel) -> bool:
    lease = dt.timedelta(seconds=channel.timeout_seconds) + LEASE_MARGIN
    return (
        OemSubmission.objects.filter(_due(now), pk=submission_id).update(
            attempts=F("attempts") + 1, next_attempt_at=now + lease, channel=channel.kind
        )
        == 1
    )


def submission_send(*, submission_id: int, now: dt.datetime | None = None) -> OemSubmission | None:
    """Send one due submission through its brand's channel and record the outcome. Runs in
    the submission's tenant scope; ``None`` when it is not due (sent already, waiting for its
    retry, or another worker has it)."""
    now = now or timezone.now()
    submission = (
        OemSubmission.objects.select_related("run", "dealership__brand")
        .filter(_due(now))
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        return None
    dealership = submission.dealership
    channel = channel_for(dealership)
    problem = channel_problem(channel, dealership.brand)
    if problem:
        return _wait_for_channel(submission, problem)
    if not _claim(submission.pk, now=now, channel=channel):
        return None
    submission.refresh_from_db()
    run = submission.run
    try:
        if channel.kind == OemChannel.Kind.EMAIL:
            receipt, note = _send_email(channel, submission, run), ""
        else:
            receipt, note = _post(channel, submission, run)
    except RetryLater as error:
        return _record_failure(submission, str(error), now=now, retry=True)
    except Rejected as error:
        return _record_failure(submission, str(error), now=now, retry=False)
    except Exception as error:  # an unexpected error is recorded and retried, never lost
        logger.exception("Submission %s failed unexpectedly", submission.pk)
        return _record_failure(submission, f"{type(error).__name__}: {error}", now=now, retry=True)
    return _record_success(submission, receipt, note)


def _wait_for_channel(submission: OemSubmission, problem: str) -> OemSubmission:
    """No usable channel: the submission waits ``pending`` (sent when one is set up); the
    report's owners are told once."""
    OemSubmission.objects.filter(pk=submission.pk, state__in=[State.PENDING, State.FAILED]).update(
        state=State.PENDING, next_attempt_at=None, last_error=problem
    )
    submission.refresh_from_db()
    _tell_owners(
        submission,
        format_lazy(
            _("Not submitted to the car maker, no channel: {title} ({period})"),
            title=_title(submission.run),
            period=submission.run.period_key,
        ),
        key="channel",
    )
    return submission


def _metadata(submission: OemSubmission, run: ReportRun) -> dict[str, str]:
    dealership = submission.dealership
    return {
        "dealership_code": dealership.code,
        "dealer_name": dealership.name_zh,
        "brand_code": dealership.brand.code,
        "report_code": run.report,
        "period_key": run.period_key,
        "period_start": run.period_start.isoformat(),
        "period_end": run.period_end.isoformat(),
        "version": str(run.version),
        "checksum": run.checksum,
        "idempotency_key": submission.idempotency_key,
    }


def _files(run: ReportRun) -> list[tuple[str, bytes, str]]:
    """The run's PDF and workbook as (file name, content, type)."""
    from dealership.reports.render import PDF_TYPE, XLSX_TYPE

    files = []
    for field, content_type in ((run.pdf, PDF_TYPE), (run.xlsx, XLSX_TYPE)):
        if not field:
            raise Rejected(f"The run {run} has no {content_type} file to send.")
        try:
            with field.open("rb") as handle:
                files.append((os.path.basename(field.name), handle.read(), content_type))
        except FileNotFoundError:
            raise Rejected(f"The file {field.name} of run {run} is missing.") from None
    return files


def _receipt(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        data = None
    receipt = data.get("receipt") if isinstance(data, dict) else None
    if receipt in (None, ""):
        receipt = response.headers.get("X-Receipt-Id", "")
    return str(receipt).strip()[:200]


def _post(channel: OemChannel, submission: OemSubmission, run: ReportRun) -> tuple[str, str]:
    headers = {"Idempotency-Key": submission.idempotency_key, "Accept": "application/json"}
    if channel.token_env:
        headers["Authorization"] = f"Bearer {os.environ.get(channel.token_env, '')}"
    files = [
        (field, (name, content, content_type))
        for field, (name, content, content_type) in zip(("pdf", "xlsx"), _files(run), strict=True)
    ]
    try:
        response = requests.post(
            channel.url,
            data=_metadata(submission, run),
            files=files,
            headers=headers,
            timeout=channel.timeout_seconds,
            allow_redirects=False,  # the files go to the configured endpoint only
        )
    except requests.Timeout:
        raise RetryLater(f"No answer within {channel.timeout_seconds} s.") from None
    except requests.RequestException as error:
        raise RetryLater(f"{type(error).__name__}: {error}") from None
    status = response.status_code
    receipt = _receipt(response)
    answer = f"HTTP {status}: {response.text[:500]}".strip()
    if 200 <= status < 300:
        return receipt, "" if receipt else "The car maker accepted it without a receipt."
    if status == 409 and receipt:  # the car maker has this key already: sent before
        return receipt, ""
    if status >= 500 or status in RETRYABLE_STATUS:
        raise RetryLater(answer)
    raise Rejected(answer)


def _send_email(channel: OemChannel, submission: OemSubmission, run: ReportRun) -> str:
    from dealership.reports.periods import Period

    dealership = submission.dealership
    with translation.override(settings.LANGUAGE_CODE):
        period = Period.from_key(run.period_kind, run.period_key)
        subject = (
            f"[{dealership.code}] {dealership.name_zh} · {_title(run)} · "
            f"{period.label} ({run.period_key}) · v{run.version}"
        )
    lines = [f"{name}: {value}" for name, value in _metadata(submission, run).items()]
    message_id = make_msgid("oem")
    message = EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[channel.email],
        headers={"Message-ID": message_id, "X-Idempotency-Key": submission.idempotency_key},
    )
    for name, content, content_type in _files(run):
        message.attach(name, content, content_type)
    try:
        message.send(fail_silently=False)
    except Exception as error:  # SMTP and socket errors alike: retried with backoff
        raise RetryLater(f"{type(error).__name__}: {error}") from error
    return message_id


def _record_success(submission: OemSubmission, receipt: str, note: str) -> OemSubmission:
    before = snapshot(submission, AUDITED)
    with transaction.atomic():
        updated = OemSubmission.objects.filter(
            pk=submission.pk, state__in=[State.PENDING, State.FAILED]
        ).update(
            state=State.SENT,
            receipt=receipt,
            submitted_at=timezone.now(),
            next_attempt_at=None,
            last_error=note,
        )
        if updated:
            ReportRun.objects.filter(
                pk=submission.run_id, status__in=[RunStatus.DONE, RunStatus.APPROVED]
            ).update(status=RunStatus.SUBMITTED)
        submission.refresh_from_db()
        audit_record(
            actor=SYSTEM,
            action="update",
            obj=submission,
            before=before,
            after=snapshot(submission, AUDITED),
        )
    return submission


def _record_failure(
    submission: OemSubmission, error: str, *, now: dt.datetime, retry: bool
) -> OemSubmission:
    gave_up = not retry or submission.attempts >= settings.REPORTS_MAX_ATTEMPTS
    OemSubmission.objects.filter(pk=submission.pk, state__in=[State.PENDING, State.FAILED]).update(
        state=State.FAILED,
        last_error=error[:MAX_ERROR],
        next_attempt_at=None if gave_up else now + backoff(submission.attempts),
    )
    submission.refresh_from_db()
    if gave_up:
        if retry:
            subject = _("Submission to the car maker failed for good: {title} ({period})")
        else:
            subject = _("The car maker refused the submission: {title} ({period})")
        _tell_owners(
            submission,
            format_lazy(subject, title=_title(submission.run), period=submission.run.period_key),
            key="failed",
            body=submission.last_error[:500],
        )
    return submission


def _title(run: ReportRun):
    from dealership.reports.registry import get_report

    report = get_report(run.report)
    return report.title if report is not None else run.report


def _tell_owners(submission: OemSubmission, subject, *, key: str, body="") -> None:
    """Tell the report's owners (once per submission and ``key``)."""
    from dealership.notifications import PositionHolders, notify
    from dealership.reports.registry import get_report

    report = get_report(submission.run.report)
    owners = (report.owners if report else ()) or tuple(settings.JOBS_DEFAULT_OWNERS)
    try:
        notify(
            "platform.report_failed",
            [PositionHolders(*owners)],
            subject,
            obj=submission.run,
            body=body or submission.last_error[:500],
            key=f"oemsubmission:{submission.pk}:{key}",
        )
    except Exception:  # telling people must never hide the state itself, which is recorded
        logger.exception("Could not notify the owners of submission %s", submission.pk)


def _give_up_abandoned(*, now: dt.datetime) -> int:
    """A submission whose worker died during its last attempt (its lease ran out with no
    attempt left) has failed for good: recorded, and its owners told once."""
    with system_context():
        abandoned = list(
            OemSubmission.objects.filter(
                state__in=[State.PENDING, State.FAILED],
                attempts__gte=settings.REPORTS_MAX_ATTEMPTS,
                next_attempt_at__lte=now,
            ).values_list("pk", "dealership_id")
        )
    for submission_id, dealership_id in abandoned:
        with dealership_context(dealership_id):
            submission = OemSubmission.objects.select_related("run").get(pk=submission_id)
            _record_failure(
                submission, "The worker stopped during the last attempt.", now=now, retry=True
            )
    return len(abandoned)


def submissions_dispatch(*, now: dt.datetime, enqueue: Enqueue) -> list[int]:
    """Hand the submissions that wait to the workers: pending ones and failed ones whose retry
    is due, of the brands whose channel is active (the others wait for it). Called with the
    job dispatcher."""
    _give_up_abandoned(now=now)
    with system_context():
        waiting = list(
            OemSubmission.objects.filter(_due(now), dealership__brand__oem_channel__is_active=True)
            .order_by("created_at", "pk")
            .values_list("pk", "dealership_id")[:500]
        )
    for submission_id, dealership_id in waiting:
        enqueue(submission_id, dealership_id)
    return [submission_id for submission_id, _dealership in waiting]


# --- what people do ---------------------------------------------------------------------------


def submission_acknowledge(*, actor, submission: OemSubmission, receipt: str = "") -> OemSubmission:
    """A person records that the car maker confirmed the submission (with the car maker's
    receipt if it gave one). One the system did not send (failed, or waiting for a channel, and
    submitted by hand, e.g. on the car maker's portal) needs the receipt."""
    from dealership.access import lock_for_user

    receipt = (receipt or "").strip()
    if len(receipt) > 200:
        raise ValidationError({"receipt": _("The receipt is at most 200 characters.")})
    with transaction.atomic():
        locked = lock_for_user(actor, OemSubmission, submission.pk, "change")
        if locked.state == State.ACKNOWLEDGED:
            raise ValidationError(_("This submission is acknowledged already."))
        if locked.state != State.SENT and not receipt:
            raise ValidationError(
                {
                    "receipt": _(
                        "The system has not sent this submission: enter the car maker's "
                        "receipt of the one submitted by hand."
                    )
                }
            )
        before = snapshot(locked, AUDITED)
        now = timezone.now()
        OemSubmission.objects.filter(pk=locked.pk).update(
            state=State.ACKNOWLEDGED,
            acknowledged_at=now,
            receipt=receipt or locked.receipt,
            next_attempt_at=None,
        )
        ReportRun.objects.filter(pk=locked.run_id).update(status=RunStatus.ACKNOWLEDGED)
        locked.refresh_from_db()
        audit_record(
            actor=actor, action="update", obj=locked, before=before, after=snapshot(locked, AUDITED)
        )
    return locked


def submission_resend(*, actor, submission: OemSubmission) -> OemSubmission:
    """A person sends a failed submission again now (its attempts start over), with the same
    idempotency key: a car maker that has it already answers with its receipt."""
    from dealership.access import lock_for_user

    with transaction.atomic():
        locked = lock_for_user(actor, OemSubmission, submission.pk, "change")
        if locked.state != State.FAILED:
            raise ValidationError(_("Only a failed submission can be sent again."))
        before = snapshot(locked, AUDITED)
        OemSubmission.objects.filter(pk=locked.pk).update(
            state=State.PENDING, attempts=0, next_attempt_at=None
        )
        locked.refresh_from_db()
        audit_record(
            actor=actor, action="update", obj=locked, before=before, after=snapshot(locked, AUDITED)
        )
        pk, dealership_id = locked.pk, locked.dealership_id
        transaction.on_commit(lambda: queue.enqueue_submission(pk, dealership_id), robust=True)
    return locked


# --- reads ------------------------------------------------------------------------------------


def submissions_for_user(
    user,
    *,
    state: str | None = None,
    report: str | None = None,
    period_key: str | None = None,
    dealership_id: int | None = None,
):
    """The submissions ``user`` may read (403 without ``reports.view``), newest period first,
    with their run and dealership (one query however many). An unknown ``state`` is a
    ``ValueError``."""
    from dealership.access import restricted_queryset

    if state and state not in State.values:
        raise ValueError(
            gettext("Unknown state %(state)s: use one of %(states)s.")
            % {"state": state, "states": ", ".join(State.values)}
        )
    rows = restricted_queryset(user, OemSubmission, "view").select_related("run", "dealership")
    if state:
        rows = rows.filter(state=state)
    if report:
        rows = rows.filter(run__report=report)
    if period_key:
        rows = rows.filter(run__period_key=period_key)
    if dealership_id:
        rows = rows.filter(dealership_id=dealership_id)
    return rows.defer("run__content").order_by(
        "-run__period_start", "run__report", "-run__version", "-pk"
    )
