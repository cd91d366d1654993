"""Submitting report runs to the car maker against a real HTTP server on loopback that plays the
OEM (tests/reports/fake_oem.py): the receipt is recorded, failures are retried with backoff
under the same idempotency key (so the car maker holds ONE submission), timeouts are retried,
a sent submission is never sent again, two workers never send one twice; the e-mail channel;
a brand without a channel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from dealership.models import AuditEntry, Notification, OemChannel, OemSubmission, ReportRun
from dealership.reports.oem import (
    idempotency_key,
    submission_send,
    submissions_dispatch,
)
from dealership.reports.registry import unregister_report
from dealership.reports.services import report_run_scheduled
from dealership.tenancy import dealership_context
from tests.concurrency import race
from tests.english import english  # noqa: F401 (last_error and notices read in English)
from tests.reports.fake_oem import FakeOem, start
from tests.reports.oem_helpers import OEM_REPORT, register_oem_report

TOKEN_ENV = "TEST_OEM_KIA_TOKEN"
T0 = dt.datetime(2026, 10, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def oem_report(sample_report):
    yield register_oem_report()
    unregister_report(OEM_REPORT)


@pytest.fixture
def oem():
    fake = FakeOem()
    server = start(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def enqueued(monkeypatch):
    """The submissions handed to the workers (the tests send them themselves)."""
    calls = []
    monkeypatch.setattr(
        "dealership.queue.enqueue_submission", lambda pk, dealership_id: calls.append(pk)
    )
    return calls


def make_channel(dealership, **fields) -> OemChannel:
    channel, _created = OemChannel.objects.update_or_create(brand=dealership.brand, defaults=fields)
    return channel


def scheduled_run(cast, report) -> OemSubmission:
    """The scheduler's run of September 2026 for dealership A, generated (PDF and workbook),
    and the submission it made."""
    with dealership_context(cast.a):
        report_run_scheduled(report=report, dealership=cast.a, run_date=dt.date(2026, 10, 9))
        run = ReportRun.objects.get(report=OEM_REPORT)
        assert run.status == "done", run.error
        return run.submissions.get()


def send(cast, submission, now=None):
    with dealership_context(cast.a):
        return submission_send(submission_id=submission.pk, now=now)


def reread(cast, submission) -> OemSubmission:
    with dealership_context(cast.a):
        return OemSubmission.objects.select_related("run").get(pk=submission.pk)


def failure_notices(cast, submission) -> list[Notification]:
    with dealership_context(cast.a):
        return list(
            Notification.objects.filter(
                kind="platform.report_failed", key__startswith=f"oemsubmission:{submission.pk}:"
            )
        )


@pytest.fixture
def https(cast, oem, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "s3cret-token")
    return make_channel(cast.a, kind="https", url=oem.url, token_env=TOKEN_ENV, timeout_seconds=5)


# --- HTTPS --------------------------------------------------------------------------------------


def test_accepted_submission_stores_the_receipt_and_marks_the_run_submitted(
    cast, oem_report, oem, https, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = scheduled_run(cast, oem_report)
    assert submission.state == "pending"
    assert enqueued == [submission.pk]  # handed to a worker once the run is committed
    run = submission.run

    sent = send(cast, submission)

    assert sent.state == "sent"
    assert sent.receipt == "OEM-R00001" == oem.receipts["a:tests.oem_channel:2026-09:v1"]
    assert sent.submitted_at is not None and sent.attempts == 1 and sent.channel == "https"
    assert reread(cast, submission).run.status == "submitted"
    [received] = oem.requests
    key = idempotency_key(run)
    assert key == "a:tests.oem_channel:2026-09:v1"
    assert received.headers["idempotency-key"] == key
    assert received.headers["authorization"] == "Bearer s3cret-token"
    assert received.fields == {
        "dealership_code": "a",
        "dealer_name": "甲店",
        "brand_code": "kia",
        "report_code": OEM_REPORT,
        "period_key": "2026-09",
        "period_start": "2026-09-01",
        "period_end": "2026-09-30",
        "version": "1",
        "checksum": run.checksum,
        "idempotency_key": key,
    }
    with dealership_context(cast.a):
        run.refresh_from_db()
        pdf, xlsx = run.pdf.read(), run.xlsx.read()
    assert received.files["pdf"][1] == pdf and received.files["pdf"][2] == "application/pdf"
    assert received.files["pdf"][0].endswith("-v1.pdf")
    assert received.files["xlsx"][1] == xlsx and received.files["xlsx"][0].endswith(".xlsx")
    with dealership_context(cast.a):
        assert AuditEntry.objects.filter(
            object_type="dealership.OemSubmission", object_id=str(submission.pk)
        ).exists()

    # a second send (a duplicate task, the dispatcher) does nothing: sent once, never again
    assert send(cast, submission) is None
    assert submissions_dispatch(now=timezone.now(), enqueue=lambda *a: None) == []
    assert len(oem.requests) == 1


def test_server_errors_are_retried_with_backoff_under_one_key(
    cast, oem_report, oem, https, enqueued, settings
):
    settings.REPORTS_RETRY_BASE_SECONDS = 120
    settings.REPORTS_MAX_ATTEMPTS = 5
    oem.mode, oem.failures = "fail", 2
    submission = scheduled_run(cast, oem_report)
    picked = []

    first = send(cast, submission, now=T0)
    assert (first.state, first.attempts) == ("failed", 1)
    assert first.next_attempt_at == T0 + dt.timedelta(seconds=120)
    assert "HTTP 500" in first.last_error
    assert reread(cast, submission).run.status == "done"

    # not due yet: neither a worker nor the dispatcher sends it
    assert send(cast, submission, now=T0 + dt.timedelta(seconds=60)) is None
    assert submissions_dispatch(now=T0 + dt.timedelta(seconds=60), enqueue=picked.append) == []
    assert len(oem.requests) == 1

    t1 = T0 + dt.timedelta(seconds=121)
    assert submissions_dispatch(now=t1, enqueue=lambda pk, d: picked.append(pk)) == [submission.pk]
    second = send(cast, submission, now=t1)
    assert (second.state, second.attempts) == ("failed", 2)
    assert second.next_attempt_at == t1 + dt.timedelta(seconds=240)  # doubled

    third = send(cast, submission, now=t1 + dt.timedelta(seconds=241))
    assert (third.state, third.attempts, third.receipt) == ("sent", 3, "OEM-R00001")
    assert third.last_error == ""
    assert reread(cast, submission).run.status == "submitted"
    # three requests, all with the same key: the car maker holds one submission
    assert [r.status for r in oem.requests] == [500, 500, 200]
    assert {r.headers["idempotency-key"] for r in oem.requests} == {submission.idempotency_key}
    assert oem.submissions == 1
    assert failure_notices(cast, submission) == []  # retried, not given up: nobody bothered


def test_a_timeout_is_retried_and_the_car_maker_still_holds_one_submission(
    cast, oem_report, oem, https, enqueued
):
    https.timeout_seconds = 1
    https.save()
    oem.mode, oem.delay = "slow", 2.5  # it takes the files but answers after the client left
    submission = scheduled_run(cast, oem_report)

    first = send(cast, submission, now=T0)
    assert (first.state, first.attempts) == ("failed", 1)
    assert "No answer within 1 s" in first.last_error
    assert first.next_attempt_at is not None

    oem.mode = "accept"
    second = send(cast, submission, now=first.next_attempt_at)
    assert second.state == "sent"
    assert len(oem.requests) == 2
    assert oem.submissions == 1
    assert second.receipt == oem.receipts[submission.idempotency_key]


def test_conflict_with_a_receipt_is_the_same_success(cast, oem_report, oem, https, enqueued):
    oem.take("a:tests.oem_channel:2026-09:v1")  # the car maker has it already (a lost answer)
    oem.mode = "conflict"
    submission = scheduled_run(cast, oem_report)

    sent = send(cast, submission)

    assert (sent.state, sent.receipt) == ("sent", "OEM-R00001")
    assert oem.requests[0].status == 409 and oem.submissions == 1
    assert reread(cast, submission).run.status == "submitted"


def test_a_refusal_is_not_retried_and_the_owners_are_told(cast, oem_report, oem, https, enqueued):
    oem.mode = "reject"
    submission = scheduled_run(cast, oem_report)

    failed = send(cast, submission, now=T0)

    assert (failed.state, failed.attempts, failed.next_attempt_at) == ("failed", 1, None)
    assert "HTTP 400" in failed.last_error and "unknown to us" in failed.last_error
    [notice] = failure_notices(cast, submission)
    assert notice.recipient == cast.user_a  # the report's owners: the GM
    assert "refused" in notice.subject_en
    # a person must look: no worker picks it up again, ever
    later = T0 + dt.timedelta(days=3)
    assert submissions_dispatch(now=later, enqueue=lambda *a: None) == []
    assert send(cast, submission, now=later) is None
    assert len(oem.requests) == 1


def test_giving_up_after_the_last_attempt_tells_the_owners_once(
    cast, oem_report, oem, https, enqueued, settings
):
    settings.REPORTS_MAX_ATTEMPTS = 2
    oem.mode, oem.failures = "fail", 99
    submission = scheduled_run(cast, oem_report)

    first = send(cast, submission, now=T0)
    assert first.next_attempt_at is not None and failure_notices(cast, submission) == []
    last = send(cast, submission, now=first.next_attempt_at)

    assert (last.state, last.attempts, last.next_attempt_at) == ("failed", 2, None)
    [notice] = failure_notices(cast, submission)
    assert "failed for good" in notice.subject_en
    later = T0 + dt.timedelta(days=1)
    assert submissions_dispatch(now=later, enqueue=lambda *a: None) == []
    assert send(cast, submission, now=later) is None
    assert len(oem.requests) == 2


def test_a_worker_dying_in_the_last_attempt_gives_up_and_tells_the_owners(
    cast, oem_report, oem, https, enqueued, settings
):
    """The last attempt's worker died (its lease ran out, no attempt left): the next dispatch
    records the failure for good and tells the owners once, instead of leaving it waiting."""
    settings.REPORTS_MAX_ATTEMPTS = 1
    submission = scheduled_run(cast, oem_report)
    with dealership_context(cast.a):
        OemSubmission.objects.filter(pk=submission.pk).update(
            attempts=1, next_attempt_at=T0 + dt.timedelta(minutes=1)
        )
    assert submissions_dispatch(now=T0, enqueue=lambda *a: None) == []
    assert reread(cast, submission).state == "pending"  # the lease still runs

    later = T0 + dt.timedelta(hours=1)
    assert submissions_dispatch(now=later, enqueue=lambda *a: None) == []
    submissions_dispatch(now=later, enqueue=lambda *a: None)
    again = reread(cast, submission)
    assert (again.state, again.next_attempt_at) == ("failed", None)
    [notice] = failure_notices(cast, submission)
    assert "failed for good" in notice.subject_en
    assert oem.requests == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_a_submission_once(cast, oem_report, oem, https, enqueued):
    oem.mode, oem.delay = "slow", 0.3  # the first send is still under way when the others come
    submission = scheduled_run(cast, oem_report)

    outcomes = race(
        cast.a, *[lambda: submission_send(submission_id=submission.pk) for _ in range(4)]
    )

    assert [error for _result, error in outcomes] == [None] * 4
    results = [result for result, _error in outcomes if result is not None]
    assert len(results) == 1 and results[0].state == "sent"
    assert len(oem.requests) == 1
    assert reread(cast, submission).attempts == 1


# --- e-mail ---------------------------------------------------------------------------------------


def test_the_email_channel_sends_one_message_with_both_files(cast, oem_report, enqueued):
    make_channel(cast.a, kind="email", email="dealer-reports@kia-oem.example")
    submission = scheduled_run(cast, oem_report)
    run = submission.run

    sent = send(cast, submission)

    assert sent.state == "sent" and sent.channel == "email"
    [message] = mail.outbox
    assert message.to == ["dealer-reports@kia-oem.example"]
    assert "[a]" in message.subject and "2026-09" in message.subject and "v1" in message.subject
    assert "测试主机厂月报" in message.subject
    assert message.extra_headers["X-Idempotency-Key"] == "a:tests.oem_channel:2026-09:v1"
    assert "idempotency_key: a:tests.oem_channel:2026-09:v1" in message.body
    assert sent.receipt == message.extra_headers["Message-ID"] != ""
    assert message.message()["Message-ID"] == sent.receipt
    with dealership_context(cast.a):
        run.refresh_from_db()
        pdf, xlsx = run.pdf.read(), run.xlsx.read()
        assert run.status == "submitted"
    assert [(name, content) for name, content, _type in message.attachments] == [
        (run.pdf.name.rsplit("/", 1)[-1], pdf),
        (run.xlsx.name.rsplit("/", 1)[-1], xlsx),
    ]
    assert [kind for _name, _content, kind in message.attachments] == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]

    assert send(cast, submission) is None  # once per submission
    assert len(mail.outbox) == 1


# --- no channel -----------------------------------------------------------------------------------


def test_without_a_channel_the_submission_waits_and_the_owners_are_told_once(
    cast, oem_report, oem, enqueued, monkeypatch
):
    submission = scheduled_run(cast, oem_report)

    waiting = send(cast, submission, now=T0)
    assert (waiting.state, waiting.attempts) == ("pending", 0)
    assert "No channel configured for brand" in waiting.last_error
    assert send(cast, submission, now=T0 + dt.timedelta(minutes=1)).state == "pending"
    [notice] = failure_notices(cast, submission)
    assert "no channel" in notice.subject_en
    # the dispatcher leaves it alone while the brand has no (active) channel …
    assert submissions_dispatch(now=T0, enqueue=lambda *a: None) == []
    channel = make_channel(cast.a, kind="https", url=oem.url, is_active=False)
    assert submissions_dispatch(now=T0, enqueue=lambda *a: None) == []
    assert "No channel configured" in send(cast, submission, now=T0).last_error
    # … and picks it up once there is one; a missing token is a channel problem too
    channel.is_active, channel.token_env = True, TOKEN_ENV
    channel.save()
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert submissions_dispatch(now=T0, enqueue=lambda *a: None) == [submission.pk]
    assert TOKEN_ENV in send(cast, submission, now=T0).last_error
    assert oem.requests == []
    monkeypatch.setenv(TOKEN_ENV, "t")
    assert send(cast, submission, now=T0).state == "sent"
    assert len(failure_notices(cast, submission)) == 1
    assert len(oem.requests) == 1


def test_no_connection_is_retried_and_the_worker_task_sends_in_the_tenant_scope(
    cast, oem_report, oem, https, enqueued
):
    import socket

    from dealership.tasks import send_submission

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    https.url = f"http://127.0.0.1:{port}/dms/submissions"
    https.save()
    submission = scheduled_run(cast, oem_report)

    failed = send(cast, submission, now=T0)
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert "ConnectionError" in failed.last_error and failed.next_attempt_at > T0

    https.url = oem.url
    https.save()
    with dealership_context(cast.a):
        OemSubmission.objects.filter(pk=submission.pk).update(next_attempt_at=T0)
    result = send_submission.delay(submission_id=submission.pk, dealership_id=cast.a.pk).get()
    assert result == "sent"
    assert reread(cast, submission).receipt == "OEM-R00001" and oem.submissions == 1


def test_plain_http_is_refused_except_on_loopback(cast, oem_report, oem, enqueued):
    make_channel(cast.a, kind="https", url="http://dms.kia-oem.example/submissions")
    submission = scheduled_run(cast, oem_report)

    waiting = send(cast, submission, now=T0)

    assert (waiting.state, waiting.attempts) == ("pending", 0)
    assert "must be an https:// address" in waiting.last_error
    assert len(failure_notices(cast, submission)) == 1
