"""Report runs: one scheduled run per period however often the scheduler runs (and after
downtime), new versions by a person that keep the old ones, failures retried with backoff and
told to the owners, stale runs released, and the files: the PDF's text and the workbook's
typed cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from dealership.models import Dealership, JobRun, Notification, ReportRun
from dealership.reports import INT, MONEY, MONTH, PERCENT, ReportContent
from dealership.reports.periods import Period
from dealership.reports.registry import replace_report
from dealership.reports.services import (
    report_run_generate,
    report_run_request,
    report_run_scheduled,
    report_runs_dispatch,
)
from dealership.services import job_run_execute, jobs_dispatch, jobs_run_for_date
from dealership.templatetags.reports import report_value
from dealership.tenancy import dealership_context, system_context
from tests.reports import conftest
from tests.reports.conftest import SAMPLE, pdf_text, xlsx_rows
from tests.reports.framework import SHANGHAI, UTC

D = dt.date
JOB = f"report:{SAMPLE}"
FIRST_WORKING_DAY = D(2026, 10, 8)  # after the National Day holiday
SEPTEMBER = Period.from_key(MONTH, "2026-09")


def runs(dealership, **filters):
    with dealership_context(dealership):
        return list(ReportRun.objects.filter(report=SAMPLE, **filters).order_by("version"))


def scheduled(cast, report, day=FIRST_WORKING_DAY):
    with dealership_context(cast.a):
        return report_run_scheduled(report=report, dealership=cast.a, run_date=day)


# --- idempotence and catch-up ----------------------------------------------------------------


def test_the_scheduled_run_is_made_once(cast, sample_report, holidays):
    first = scheduled(cast, sample_report)
    second = scheduled(cast, sample_report)
    assert first == second == f"{SAMPLE} 2026-09 v1: done"
    (run,) = runs(cast.a)
    assert (run.version, run.trigger, run.status) == (1, "schedule", "done")
    assert conftest.calls == [SEPTEMBER]  # gathered once
    # the recipients (the GM) are told once
    with dealership_context(cast.a):
        ready = Notification.objects.filter(kind="platform.report_ready", recipient=cast.user_a)
        assert ready.count() == 1


def test_jobs_run_for_date_twice_makes_one_run(cast, sample_report, holidays):
    for _i in range(2):
        (job_run,) = jobs_run_for_date(
            run_date=FIRST_WORKING_DAY, dealerships=[cast.a], job_names=[JOB]
        )
        assert job_run.state == JobRun.State.SUCCEEDED
        assert job_run.result == f"{SAMPLE} 2026-09 v1: done"
    assert len(runs(cast.a)) == 1
    assert len(conftest.calls) == 1
    # not due on a holiday: nothing to run
    assert jobs_run_for_date(run_date=D(2026, 10, 7), dealerships=[cast.a], job_names=[JOB]) == []


def test_run_jobs_command_twice_makes_one_run(cast, sample_report, holidays):
    from io import StringIO

    for _i in range(2):
        out = StringIO()
        call_command(
            "run_jobs", "--date", "2026-10-08", "--dealership", "a", "--job", JOB, stdout=out
        )
        assert f"{SAMPLE} 2026-09 v1: done" in out.getvalue()
    (run,) = runs(cast.a)
    assert run.status == "done" and run.version == 1
    with dealership_context(cast.a):
        assert JobRun.objects.filter(job=JOB).count() == 1


def test_catch_up_after_downtime_makes_the_missed_run_once(cast, sample_report, holidays):
    """The scheduler was down from before the due day (8 October) until 13 October: the next
    dispatch makes September's run, later dispatches make nothing more."""
    Dealership.objects.filter(pk=cast.a.pk).update(created_at=dt.datetime(2025, 1, 1, tzinfo=UTC))

    def run_in_process(job_run_id, dealership_id):
        with dealership_context(dealership_id):
            if JobRun.objects.get(pk=job_run_id).job == JOB:
                job_run_execute(job_run_id=job_run_id)

    for now in (
        dt.datetime(2026, 10, 13, 10, 0, tzinfo=SHANGHAI),
        dt.datetime(2026, 10, 13, 10, 5, tzinfo=SHANGHAI),
        dt.datetime(2026, 10, 14, 9, 0, tzinfo=SHANGHAI),
    ):
        with time_machine.travel(now, tick=False):
            jobs_dispatch(now=now, enqueue=run_in_process)
    (run,) = runs(cast.a)
    assert (run.period_key, run.version, run.status) == ("2026-09", 1, "done")
    assert run.due_at == dt.datetime(2026, 10, 8, 17, 0, tzinfo=SHANGHAI)
    with dealership_context(cast.a):
        (job_run,) = JobRun.objects.filter(job=JOB)
    assert job_run.run_date == FIRST_WORKING_DAY and job_run.state == JobRun.State.SUCCEEDED
    assert len(conftest.calls) == 1


# --- versions ---------------------------------------------------------------------------------


def test_a_person_makes_a_new_version_and_the_old_one_stays(cast, sample_report, holidays):
    scheduled(cast, sample_report)
    (v1,) = runs(cast.a)
    with dealership_context(cast.a):
        v2 = report_run_request(
            actor=cast.user_a, report=sample_report, period=SEPTEMBER, dealership=cast.a
        )
        assert (v2.version, v2.trigger, v2.status) == (2, "person", "pending")
        assert v2.requested_by == cast.user_a
        report_run_generate(run_id=v2.pk)
    first, second = runs(cast.a)
    assert (first.pk, first.version, first.status) == (v1.pk, 1, "done")
    assert (second.version, second.status) == (2, "done")
    assert first.checksum == v1.checksum and first.pdf.name != second.pdf.name
    for run in (first, second):
        assert f"v{run.version}" in run.pdf.name
        assert "测试月报" in pdf_text(run.pdf.read())
        assert xlsx_rows(run.xlsx.read())[0][0] == "测试月报 Sample monthly report"
    # a person's version tells nobody (only the scheduled run is sent round)
    with dealership_context(cast.a):
        assert Notification.objects.filter(kind="platform.report_ready").count() == 1


def test_a_future_period_cannot_be_asked_for(cast, sample_report):
    from django.core.exceptions import ValidationError

    with dealership_context(cast.a), pytest.raises(ValidationError):
        report_run_request(
            actor=cast.user_a,
            report=sample_report,
            period=Period.from_key(MONTH, "2099-01"),
            dealership=cast.a,
        )


# --- failures, backoff, owners told, giving up ------------------------------------------------


def boom(actor, period):
    raise RuntimeError("the data source is down")


def _failures(cast):
    with dealership_context(cast.a):
        return list(
            Notification.objects.filter(kind="platform.report_failed", recipient=cast.user_a)
            .order_by("pk")
            .values_list("subject_en", flat=True)
        )


def test_a_failing_run_is_retried_with_backoff_then_given_up(
    cast, sample_report, holidays, settings
):
    settings.REPORTS_RETRY_BASE_SECONDS = 120
    settings.REPORTS_MAX_ATTEMPTS = 4
    replace_report(SAMPLE, gather=boom)
    t0 = dt.datetime(2026, 10, 8, 16, 0, tzinfo=SHANGHAI)
    minute = dt.timedelta(minutes=1)
    queued: list[int] = []

    def dispatch(now):
        del queued[:]
        return report_runs_dispatch(now=now, enqueue=lambda pk, d: queued.append(pk))

    with time_machine.travel(t0, tick=False):
        assert scheduled(cast, sample_report) == f"{SAMPLE} 2026-09 v1: failed"
    (run,) = runs(cast.a)
    assert run.status == "failed" and run.attempts == 1
    assert "RuntimeError: the data source is down" in run.error
    assert run.next_attempt_at == t0 + 2 * minute
    assert run.pdf.name == "" and run.checksum == ""
    assert len(_failures(cast)) == 1 and "will retry" in _failures(cast)[0]

    # the retries: due after 2, then 4, then 8 minutes
    now = t0
    for wait, attempt in ((2, 2), (4, 3), (8, 4)):
        assert dispatch(now + (wait - 1) * minute) == []  # not yet
        now += wait * minute
        assert dispatch(now) == [run.pk] and queued == [run.pk]
        with time_machine.travel(now, tick=False), dealership_context(cast.a):
            report_run_generate(run_id=run.pk)
        (run,) = runs(cast.a)
        assert run.status == "failed" and run.attempts == attempt
        if attempt < 4:
            assert run.next_attempt_at == now + 2 * wait * minute
            assert len(_failures(cast)) == 1  # told once, not at every attempt
    # the fourth attempt was the last: given up, told a second time
    assert run.next_attempt_at is None
    subjects = _failures(cast)
    assert len(subjects) == 2 and "failed for good" in subjects[1]
    assert dispatch(now + dt.timedelta(days=1)) == []
    with dealership_context(cast.a):
        assert report_run_generate(run_id=run.pk) is None  # out of attempts
    # the scheduler running its job again does not start over
    assert scheduled(cast, sample_report) == f"{SAMPLE} 2026-09 v1: failed"
    assert len(runs(cast.a)) == 1


def test_a_retry_that_works_makes_the_files(cast, sample_report, holidays, settings):
    settings.REPORTS_RETRY_BASE_SECONDS = 120
    old = replace_report(SAMPLE, gather=boom)
    t0 = dt.datetime(2026, 10, 8, 16, 0, tzinfo=SHANGHAI)
    with time_machine.travel(t0, tick=False):
        scheduled(cast, sample_report)
    replace_report(SAMPLE, gather=old.gather)
    later = t0 + dt.timedelta(minutes=3)
    due = report_runs_dispatch(now=later, enqueue=lambda pk, d: None)
    assert due == [runs(cast.a)[0].pk]
    with time_machine.travel(later, tick=False), dealership_context(cast.a):
        run = report_run_generate(run_id=due[0])
    assert run.status == "done" and run.attempts == 2 and run.error == ""
    assert run.next_attempt_at is None and run.pdf and run.xlsx


def test_a_run_whose_worker_died_is_released(cast, sample_report, settings):
    """On PostgreSQL a running run whose advisory lock nobody holds has lost its worker, however
    recent; one whose worker (another session) holds the lock is left alone, however old."""
    from dealership.reports.services import LOCK
    from tests.db_roles import lock_held_elsewhere
    from tests.reports.framework import make_run

    settings.REPORTS_MAX_ATTEMPTS = 3
    now = dt.datetime(2026, 10, 8, 12, 0, tzinfo=SHANGHAI)
    long_ago = now - settings.JOBS_STALE_AFTER - dt.timedelta(minutes=1)
    stale = make_run(cast.a, status="running")
    fresh = make_run(cast.a, status="running", period_key="2026-08")
    last = make_run(cast.a, status="running", period_key="2026-07")
    with system_context():
        ReportRun.objects.filter(pk=stale.pk).update(
            started_at=now - dt.timedelta(minutes=1), attempts=1
        )
        ReportRun.objects.filter(pk=fresh.pk).update(started_at=long_ago, attempts=1)
        ReportRun.objects.filter(pk=last.pk).update(started_at=long_ago, attempts=3)
    with lock_held_elsewhere(LOCK, fresh.pk):  # its worker is alive
        queued = report_runs_dispatch(now=now, enqueue=lambda pk, d: None)
        with system_context(), dealership_context(cast.a):
            assert report_run_generate(run_id=fresh.pk) is None, "not while its worker lives"
    assert queued == [stale.pk]
    with system_context():
        for run in (stale, fresh, last):
            run.refresh_from_db()
    assert stale.status == "failed" and stale.error and stale.next_attempt_at == now
    assert fresh.status == "running"
    # the worker died on the last attempt: given up, and the owners are told, not left silent
    assert last.status == "failed" and last.next_attempt_at is None
    subjects = _failures(cast)
    assert len(subjects) == 1 and "failed for good" in subjects[0] and "2026-07" in subjects[0]
    report_runs_dispatch(now=now + dt.timedelta(minutes=5), enqueue=lambda pk, d: None)
    assert len(_failures(cast)) == 1


# --- the files --------------------------------------------------------------------------------


def test_the_pdf_shows_the_chinese_title_the_dealership_the_period_and_the_numbers(
    cast, sample_report, holidays
):
    scheduled(cast, sample_report)
    (run,) = runs(cast.a)
    text = pdf_text(run.pdf.read())
    with translation.override("zh-hans"):  # the files are made in Chinese
        period_label = SEPTEMBER.label
        numbers = [
            report_value(12, INT),
            report_value(Decimal("512345.50"), MONEY),
            report_value(Decimal("1200000.00"), MONEY),
            report_value(Decimal("1712345.50"), MONEY),  # the total
            report_value(Decimal("0.925"), PERCENT),
        ]
    assert numbers[1] in ("512345.50", "512,345.50") and numbers[4] == "92.5%"
    for expected in (
        "测试月报",  # the title
        "甲店",  # the dealership, in Chinese
        period_label,
        "按车型",
        "狮铂拓界",
        "K5",
        *numbers,
        "2026-09-01",
        "2026-09-30",
    ):
        assert expected in text, expected
    assert text.count("12") >= 2  # the orders and the total of units


def test_the_workbook_has_numbers_as_numbers_and_dates_as_dates(cast, sample_report, holidays):
    scheduled(cast, sample_report)
    (run,) = runs(cast.a)
    rows = xlsx_rows(run.xlsx.read())
    content = ReportContent.from_json(run.content)
    by_label = {row[0]: row for row in rows if row and row[0] is not None}
    # figures: typed values equal to the content
    assert by_label["订车 Orders"][1] == 12 and isinstance(by_label["订车 Orders"][1], int)
    satisfaction = by_label["满意度 Satisfaction"][1]
    assert isinstance(satisfaction, float) and satisfaction == pytest.approx(0.925)
    # the table: each row as the content has it, numbers and dates typed
    table = content.tables[0]
    header = [c.label for c in table.columns]
    start = rows.index(header)
    for offset, expected in enumerate(table.rows, start=1):
        model, units, amount, day = rows[start + offset][:4]
        assert model == expected[0]
        assert isinstance(units, int) and units == expected[1]
        assert isinstance(amount, int | float) and Decimal(str(amount)) == expected[2]
        assert isinstance(day, dt.datetime) and day.date() == expected[3]
    assert [r[3].date() for r in rows[start + 1 : start + 3]] == [D(2026, 9, 1), D(2026, 9, 30)]
    total = rows[start + 3]
    assert total[1:3] == [12, 1712345.5]
    assert by_label["测试月报 Sample monthly report"]


def test_a_wide_table_is_printed_on_landscape_pages():
    """More than eight columns do not fit A4 portrait: that document turns landscape, the
    others stay portrait."""
    import io

    from pypdf import PdfReader

    from dealership.reports import INT, Column, ReportContent, Table
    from dealership.reports.render import Document, pdf_bytes

    now = dt.datetime(2026, 10, 9, 9, 0, tzinfo=dt.UTC)
    narrow = ReportContent(tables=[Table("n", [Column("a", INT)], rows=[[1]])])
    wide = ReportContent(
        tables=[Table("w", [Column(str(i), INT) for i in range(9)], rows=[list(range(9))])]
    )
    data = pdf_bytes(
        [
            Document("A", "甲店", "2026-09", now, narrow),
            Document("B", "甲店", "2026-09", now, wide),
        ],
        title="x",
    )
    pages = PdfReader(io.BytesIO(data)).pages
    assert pages[0].mediabox.width < pages[0].mediabox.height
    assert pages[1].mediabox.width > pages[1].mediabox.height
