"""Helpers of the tests of the apps' monthly OEM submissions: run a report as the scheduler does
(on the due day of the period, in the dealership's scope), read its workbook back as figures
and tables, and count the queries its selector makes."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dealership.actors import SYSTEM
from dealership.models import OemSubmission, ReportRun
from dealership.reports.periods import Period
from dealership.reports.registry import get_report
from dealership.reports.services import report_run_scheduled
from dealership.tenancy import dealership_context
from tests.reports.conftest import xlsx_rows


def oem_runner(settings, tmp_path, monkeypatch):
    """``run(code, dealership, period_key)``: the scheduled run of the period, made on its due
    day (the first working day after it), done, with one OEM submission recorded (sending is
    not part of these tests); returns the workbook read back as a :class:`Workbook`. A test
    module's ``oem_run`` fixture returns ``oem_runner(settings, tmp_path, monkeypatch)``."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    monkeypatch.setattr("dealership.queue.enqueue_submission", lambda *args, **kwargs: None)

    def run(code: str, dealership, period_key: str) -> Workbook:
        report = get_report(code)
        period = Period.from_key(report.period, period_key)
        run_date = report.due_at(period, dealership).date()
        with dealership_context(dealership):
            report_run_scheduled(report=report, dealership=dealership, run_date=run_date)
            run = ReportRun.objects.get(report=code, period_key=period_key)
            assert run.status == "done", run.error
            submission = OemSubmission.objects.get(run=run)
            assert submission.dealership_id == dealership.pk
            assert code in submission.idempotency_key and period_key in submission.idempotency_key
            data = run.xlsx.read()
        return Workbook(xlsx_rows(data), run)

    return run


def text(label) -> str:
    """A label as the report writes it (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def _blank(row) -> bool:
    return all(cell is None for cell in row)


def _trim(row) -> list:
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


class Workbook:
    def __init__(self, rows: list[list], run):
        self.rows = rows
        self.run = run

    def figure(self, label):
        wanted = text(label)
        found = [row[1] for row in self.rows if row and row[0] == wanted]
        assert len(found) == 1, f"figure {wanted!r}: {found}"
        return found[0]

    def table(self, title) -> list[list]:
        """The rows of the table titled ``title`` (without its header and note; with its total
        row)."""
        wanted = text(title)
        starts = [i for i, row in enumerate(self.rows) if _trim(row) == [wanted]]
        assert len(starts) == 1, f"table {wanted!r}"
        rows = []
        for row in self.rows[starts[0] + 2 :]:
            if _blank(row):
                break
            rows.append(_trim(row))
        if rows and len(rows[-1]) == 1 and isinstance(rows[-1][0], str):
            rows.pop()  # the table's note
        return rows

    def keyed(self, title, keys: int = 1) -> dict:
        """The table's rows by their leading ``keys`` cells (a tuple when several)."""
        result = {}
        for row in self.table(title):
            key = tuple(row[:keys]) if keys > 1 else row[0]
            result[key] = row[keys:]
        return result


def total_label() -> str:
    from django.utils.translation import gettext

    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Total")


def gather_queries(code: str, dealership, period_key: str) -> int:
    """The queries the report's selector makes for the period (after a first warm-up call)."""
    report = get_report(code)
    period = Period.from_key(report.period, period_key)
    with dealership_context(dealership), translation.override(settings.LANGUAGE_CODE):
        report.gather(SYSTEM, period)
        with CaptureQueriesContext(connection) as queries:
            report.gather(SYSTEM, period)
    return len(queries)
