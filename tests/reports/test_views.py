"""The report pages and who sees what: the catalogue of readable reports (a department's
manager reads the department's reports only), a report on screen for a period (400 for a bad
or future one), making a version, a run's page, its files through the permission-checked view,
and the runs list with its filters, its failures notice and a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.models import ReportRun
from dealership.tenancy import dealership_context
from tests.english import *  # noqa: F403 (messages in English)
from tests.reports.conftest import SAMPLE, pdf_text, xlsx_rows
from tests.reports.framework import SALES_SAMPLE, make_run

REPORTS = "/platform/reports/"
RUNS = "/platform/reports/runs/"


def listed_reports(html: str) -> set[str]:
    return set(re.findall(r'<tr data-report="([^"]+)"', html))


def listed_statuses(html: str) -> list[str]:
    return re.findall(r'data-status="([^"]+)"', html)


# --- the catalogue ----------------------------------------------------------------------------


def test_the_gm_reads_every_report(cast, sales_report, client_for):
    page = client_for(cast.user_a).get(REPORTS)
    assert page.status_code == 200
    assert {SAMPLE, SALES_SAMPLE} <= listed_reports(page.content.decode())


def test_a_sales_manager_reads_the_sales_departments_reports_only(
    cast, sales_report, people, client_for
):
    from dealership.reports.registry import get_report

    page = client_for(people.sales_manager).get(REPORTS)
    assert page.status_code == 200
    listed = listed_reports(page.content.decode())
    assert SALES_SAMPLE in listed and SAMPLE not in listed
    assert {get_report(code).department for code in listed} == {"sales"}
    # and the CRM's report itself is refused
    assert client_for(people.sales_manager).get(f"{REPORTS}{SAMPLE}/").status_code == 403
    assert client_for(people.sales_manager).get(f"{REPORTS}{SALES_SAMPLE}/").status_code == 200


def test_without_reports_view_the_pages_are_refused(cast, sales_report, people, client_for):
    client = client_for(people.consultant)
    assert client.get(REPORTS).status_code == 403
    assert client.get(RUNS).status_code == 403
    assert client.get(f"{REPORTS}{SALES_SAMPLE}/?period=2026-09").status_code == 403
    run = make_run(cast.a, report=SALES_SAMPLE, files=True)
    assert client.get(f"{RUNS}{run.pk}/").status_code == 403
    assert client.get(f"{RUNS}{run.pk}/pdf/").status_code == 403


# --- one report on screen ---------------------------------------------------------------------


def test_the_report_page_shows_the_period_asked_for(cast, sample_report, client_for):
    from tests.reports import conftest

    page = client_for(cast.user_a).get(f"{REPORTS}{SAMPLE}/?period=2026-08")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="report-content"' in html
    for expected in ("狮铂拓界", "512,345.50", "1,712,345.50", "92.5%", "2026-08-01", "2026-08-31"):
        assert expected in html, expected
    assert [p.key for p in conftest.calls] == ["2026-08"]
    assert '<option value="2026-08" selected>' in html


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-13", "Not a valid period: 2026-13."),
        ("2026-W43", "Not a valid period: 2026-W43."),
        ("2099-01", "This period has not started yet."),
    ],
)
def test_a_bad_or_future_period_is_a_400_that_says_why(
    cast, sample_report, client_for, period, message
):
    page = client_for(cast.user_a).get(f"{REPORTS}{SAMPLE}/", {"period": period})
    assert page.status_code == 400
    assert message in page.content.decode()


def test_an_unknown_report_is_a_404(cast, sample_report, client_for):
    assert client_for(cast.user_a).get(f"{REPORTS}no.such.report/").status_code == 404


# --- making a version -------------------------------------------------------------------------


def test_generate_makes_a_version_and_opens_its_run(
    cast, sample_report, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.user_a)
    url = f"{REPORTS}{SAMPLE}/generate/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"period": "2026-09"})
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, {"period": "2026-09"})
    with dealership_context(cast.a):
        v1, v2 = ReportRun.objects.filter(report=SAMPLE).order_by("version")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"{RUNS}{v1.pk}/" and second["Location"] == f"{RUNS}{v2.pk}/"
    assert (v1.version, v2.version) == (1, 2)
    assert v1.status == v2.status == "done"  # generated in the background (here, at commit)
    assert v1.trigger == "person" and v1.requested_by == cast.user_a
    run_page = client.get(second["Location"])
    assert run_page.status_code == 200
    html = run_page.content.decode()
    assert f"{RUNS}{v2.pk}/pdf/" in html and f"{RUNS}{v2.pk}/xlsx/" in html
    # the report page lists both versions with their files
    html = client.get(f"{REPORTS}{SAMPLE}/?period=2026-09").content.decode()
    assert f"{RUNS}{v1.pk}/pdf/" in html and f"{RUNS}{v2.pk}/xlsx/" in html


@pytest.mark.parametrize(
    ("period", "message"),
    [("2026-13", "Not a valid period"), ("2099-01", "This period has not started yet.")],
)
def test_generate_refuses_a_bad_or_future_period(cast, sample_report, client_for, period, message):
    page = client_for(cast.user_a).post(f"{REPORTS}{SAMPLE}/generate/", {"period": period})
    assert page.status_code == 400 and message in page.content.decode()
    with dealership_context(cast.a):
        assert not ReportRun.objects.exists()


def test_generate_is_refused_to_who_may_not_read_the_report(
    cast, sample_report, people, client_for
):
    page = client_for(people.sales_manager).post(
        f"{REPORTS}{SAMPLE}/generate/", {"period": "2026-09"}
    )
    assert page.status_code == 403
    with dealership_context(cast.a):
        assert not ReportRun.objects.exists()


# --- a run and its files ----------------------------------------------------------------------


def test_another_dealerships_run_is_not_found(cast, sample_report, client_for):
    run_b = make_run(cast.b, files=True)
    client = client_for(cast.user_a)
    assert client.get(f"{RUNS}{run_b.pk}/").status_code == 404
    assert client.get(f"{RUNS}{run_b.pk}/pdf/").status_code == 404
    assert client.get(f"{RUNS}{run_b.pk}/xlsx/").status_code == 404
    assert client_for(cast.user_b).get(f"{RUNS}{run_b.pk}/").status_code == 200


def test_the_file_view_serves_the_bytes_as_an_attachment(cast, sample_report, client_for):
    run = make_run(cast.a, files=True)
    client = client_for(cast.user_a)
    for kind, content_type in (
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        response = client.get(f"{RUNS}{run.pk}/{kind}/")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="{SAMPLE}-a-2026-09-v1.{kind}"'
        )
        assert response["Cache-Control"] == "private, no-store"
        body = b"".join(response.streaming_content)
        with dealership_context(cast.a):
            assert body == getattr(run, kind).open("rb").read()
    assert client.get(f"{RUNS}{run.pk}/csv/").status_code == 404
    assert client.get(f"{RUNS}{run.pk}/content/").status_code == 404


def test_a_run_without_files_has_none_to_serve(cast, sample_report, client_for):
    run = make_run(cast.a, status="failed")
    assert client_for(cast.user_a).get(f"{RUNS}{run.pk}/pdf/").status_code == 404


def test_the_files_of_a_department_are_for_its_readers(
    cast, sample_report, sales_report, people, client_for
):
    crm_run = make_run(cast.a, files=True)  # the CRM's report
    sales_run = make_run(cast.a, report=SALES_SAMPLE, files=True)
    manager = client_for(people.sales_manager)
    assert manager.get(f"{RUNS}{crm_run.pk}/").status_code in (403, 404)
    assert manager.get(f"{RUNS}{crm_run.pk}/pdf/").status_code in (403, 404)
    assert manager.get(f"{RUNS}{sales_run.pk}/pdf/").status_code == 200
    assert client_for(people.consultant).get(f"{RUNS}{sales_run.pk}/pdf/").status_code == 403


def test_generated_files_download_whole(cast, sample_report, client_for, holidays):
    import datetime as dt

    from dealership.reports.services import report_run_scheduled

    with dealership_context(cast.a):
        report_run_scheduled(report=sample_report, dealership=cast.a, run_date=dt.date(2026, 10, 8))
        run = ReportRun.objects.get(report=SAMPLE)
    client = client_for(cast.user_a)
    pdf = b"".join(client.get(f"{RUNS}{run.pk}/pdf/").streaming_content)
    xlsx = b"".join(client.get(f"{RUNS}{run.pk}/xlsx/").streaming_content)
    assert "测试月报" in pdf_text(pdf)
    assert ["K5", 3] in [row[:2] for row in xlsx_rows(xlsx)]


# --- the runs list ----------------------------------------------------------------------------


def test_the_runs_list_filters_and_tells_of_failures(
    cast, sample_report, sales_report, people, client_for
):
    make_run(cast.a, period_key="2026-09")
    make_run(cast.a, period_key="2026-08", status="failed")
    make_run(cast.a, period_key="2026-09", report=SALES_SAMPLE)
    make_run(cast.b, period_key="2026-09", status="failed")  # another dealership's
    client = client_for(cast.user_a)

    html = client.get(RUNS).content.decode()
    assert sorted(listed_statuses(html)) == ["done", "done", "failed"]
    assert 'data-testid="failed-runs"' in html and "1 run failed" in html

    html = client.get(RUNS, {"status": "failed"}).content.decode()
    assert listed_statuses(html) == ["failed"]
    html = client.get(RUNS, {"report": SALES_SAMPLE}).content.decode()
    assert listed_statuses(html) == ["done"] and "Sales sample report" in html
    html = client.get(RUNS, {"period": "2026-08"}).content.decode()
    assert listed_statuses(html) == ["failed"]
    html = client.get(RUNS, {"period": " 2026-09 ", "report": SAMPLE}).content.decode()
    assert listed_statuses(html) == ["done"]
    # an unknown filter value finds nothing, it breaks nothing
    page = client.get(RUNS, {"status": "nonsense", "report": "x" * 300, "period": "\u00e9"})
    assert page.status_code == 200 and listed_statuses(page.content.decode()) == []

    # the sales manager sees the sales department's run only, and no failure notice
    html = client_for(people.sales_manager).get(RUNS).content.decode()
    assert listed_statuses(html) == ["done"] and 'data-testid="failed-runs"' not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_the_runs_list_takes_a_constant_number_of_queries(cast, sample_report, client_for):
    client = client_for(cast.user_a)

    def add_runs(count, start):
        for n in range(start, start + count):
            year, month = 2020 + n // 12, n % 12 + 1
            make_run(
                cast.a,
                period_key=f"{year}-{month:02d}",
                status="failed" if n % 3 == 0 else "done",
                files=n % 2 == 0,
            )

    add_runs(10, 0)
    few = _queries(client, RUNS)
    add_runs(20, 10)
    many = _queries(client, RUNS)
    assert many == few, (few, many)


def test_a_failed_run_is_retried_from_its_page(
    cast, sample_report, people, client_for, django_capture_on_commit_callbacks
):
    run = make_run(cast.a, status="failed")
    with dealership_context(cast.a):
        ReportRun.objects.filter(pk=run.pk).update(attempts=5)  # out of automatic attempts
    client = client_for(cast.user_a)
    page = client.get(f"{RUNS}{run.pk}/").content.decode()
    assert f"{RUNS}{run.pk}/retry/" in page and "RuntimeError: boom" in page
    assert client_for(people.consultant).post(f"{RUNS}{run.pk}/retry/").status_code == 403
    assert client_for(cast.user_b).post(f"{RUNS}{run.pk}/retry/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{RUNS}{run.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == f"{RUNS}{run.pk}/"
    with dealership_context(cast.a):
        run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("done", 1, "")
    assert run.pdf and run.xlsx and len(run.checksum) == 64
    # a run that is done is not retried
    client.post(f"{RUNS}{run.pk}/retry/")
    with dealership_context(cast.a):
        run.refresh_from_db()
    assert run.status == "done" and run.attempts == 1


def test_the_current_period_is_not_over_yet(cast, sample_report, client_for):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC), tick=False):
        client = client_for(cast.user_a)
        current = client.get(f"{REPORTS}{SAMPLE}/", {"period": "2026-11"})
        future = client.get(f"{REPORTS}{SAMPLE}/", {"period": "2026-12"})
        latest = client.get(f"{REPORTS}{SAMPLE}/")
    assert current.status_code == 400
    assert "This period is not over yet" in current.content.decode()
    assert future.status_code == 400
    assert "This period has not started yet." in future.content.decode()
    assert latest.status_code == 200
    assert '<option value="2026-10" selected>' in latest.content.decode()
