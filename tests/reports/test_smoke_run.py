import datetime as dt

from dealership.models import ReportRun
from dealership.reports.registry import get_report
from dealership.reports.services import report_run_scheduled
from dealership.tenancy import dealership_context
from tests.reports.conftest import SAMPLE, pdf_text, xlsx_rows


def test_scheduled_run_makes_files(cast, sample_report):
    with dealership_context(cast.a):
        result = report_run_scheduled(
            report=get_report(SAMPLE), dealership=cast.a, run_date=dt.date(2026, 10, 9)
        )
        run = ReportRun.objects.get(report=SAMPLE)
    assert "2026-09" in result
    assert run.status == "done", run.error
    text = pdf_text(run.pdf.read())
    assert "测试月报" in text and "狮铂拓界" in text
    rows = xlsx_rows(run.xlsx.read())
    assert ["K5", 3, 512345.5, dt.datetime(2026, 9, 1)] in [r[:4] for r in rows]
