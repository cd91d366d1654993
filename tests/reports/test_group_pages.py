"""The HQ pages: the matrix (HQ only, its cells, a fixed number of queries), the export button,
the export's page polled while it runs, its files through the permission check — and nothing of
group 1 for group 2's HQ."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dealership.models import GroupExport, ReportRun
from dealership.reports import MONTH
from dealership.reports.group import CONSOLIDATED, group_export_build
from dealership.reports.periods import Period
from dealership.tenancy import dealership_context
from tests.factories import DealershipFactory, OemSubmissionFactory, ReportRunFactory
from tests.reports.conftest import pdf_text
from tests.reports.group_helpers import *  # noqa: F403 (the fixtures)
from tests.reports.group_helpers import OEM, hq_scope, job_runs

pytestmark = pytest.mark.django_db

MATRIX = reverse("platform:hq_matrix")
CREATE = reverse("platform:hq_export_create")


def run_of(dealership, status, *, version=1, key="2026-10"):
    period = Period.from_key(MONTH, key)
    return ReportRunFactory(
        dealership=dealership,
        report=OEM,
        period_key=key,
        period_start=period.start,
        period_end=period.end,
        status=status,
        version=version,
        trigger="schedule" if version == 1 else "person",
    )


def cell(html: str, dealership_code: str) -> str:
    """The matrix row of a dealership (its one OEM cell)."""
    start = html.index(f'data-dealership="{dealership_code}"')
    return html[start : html.index("</tr>", start)]


def test_the_matrix_shows_each_dealerships_newest_run(cast, client_for, oem_report):
    run_of(cast.a, "failed", version=1)
    newest = run_of(cast.a, "submitted", version=2)
    with dealership_context(cast.a):
        OemSubmissionFactory(
            dealership=cast.a, run=newest, submitted_at=timezone.now(), state="sent"
        )
    run_of(cast.c, "done")  # group 2
    response = client_for(cast.hq_user).get(MATRIX, {"period": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲店" in html or "Store A" in html
    assert 'data-dealership="c"' not in html, "group 2's dealership is not in the matrix"
    a, b = cell(html, "a"), cell(html, "b")
    assert 'data-state="submitted"' in a and "submitted at" in a and "v2" in a
    assert newest.get_absolute_url() in a
    # B has no run of October, whose due time (first working day of November) has passed
    assert 'data-state="overdue"' in b
    # this month's are not due yet: "not generated"
    this_month = Period.containing(MONTH, timezone.localdate())
    html = client_for(cast.hq_user).get(MATRIX, {"period": this_month.key}).content.decode()
    assert 'data-state="missing"' in cell(html, "b") and "not generated" in cell(html, "b")
    # the run's page opens in HQ's read-only scope
    assert client_for(cast.hq_user).get(newest.get_absolute_url()).status_code == 200


def test_the_matrix_defaults_to_last_month_and_refuses_a_bad_one(cast, client_for, oem_report):
    client = client_for(cast.hq_user)
    last = Period.containing(MONTH, timezone.localdate()).previous()
    response = client.get(MATRIX)
    assert response.status_code == 200 and response.context["period"] == last
    assert client.get(MATRIX, {"period": "2026-13"}).status_code == 400
    assert client.get(MATRIX, {"period": "2099-01"}).status_code == 400
    assert client.post(CREATE, {"period": "nonsense"}).status_code == 400


def test_the_matrix_takes_a_fixed_number_of_queries(cast, client_for, oem_report):
    for dealership in (cast.a, cast.b):
        run_of(dealership, "done")
    client = client_for(cast.hq_user)
    client.get(MATRIX, {"period": "2026-10"})  # warm the per-process caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MATRIX, {"period": "2026-10"}).status_code == 200
        return len(queries)

    two = count()
    for code in ("d", "e", "f"):
        extra = DealershipFactory(code=code, group=cast.group1, brand=cast.a.brand)
        run_of(extra, "done")
    html = client.get(MATRIX, {"period": "2026-10"}).content.decode()
    assert 'data-dealership="f"' in html
    assert count() == two


def test_a_dealerships_gm_gets_403(cast, client_for, oem_report):
    client = client_for(cast.user_a)
    assert client.get(MATRIX).status_code == 403
    assert client.post(CREATE, {"period": "2026-10"}).status_code == 403
    assert not GroupExport.objects.exists()


def test_hq_exports_downloads_and_group_2_sees_nothing_of_it(
    cast, client_for, october, hq2, django_capture_on_commit_callbacks
):
    client = client_for(cast.hq_user)
    page = client.get(MATRIX, {"period": "2026-10"}).content.decode()
    assert 'data-testid="export-group"' in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(CREATE, {"period": "2026-10"})
    export = GroupExport.objects.get()
    assert response.status_code == 302 and response.url == export.get_absolute_url()
    assert (export.group_id, export.version, export.requested_by_id) == (
        cast.group1.pk,
        1,
        cast.hq_user.pk,
    )
    assert len(queued) == 1, "the build is queued when the request commits"
    waiting = client.get(MATRIX, {"period": "2026-10"}).content.decode()
    assert 'hx-select="#export-list"' in waiting, "the list polls while an export waits"
    # while it waits the state polls itself every 2 s
    fragment = client.get(export.get_absolute_url(), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    file_url = reverse("platform:hq_export_file", args=[export.pk, "xlsx"])
    assert client.get(file_url).status_code == 404, "no file before it is made"
    group_export_build(export_id=export.pk)
    fragment = client.get(export.get_absolute_url(), headers={"HX-Request": "true"}).content
    assert b"hx-trigger" not in fragment and b"100%" in fragment
    response = client.get(file_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [CONSOLIDATED, "甲店", "乙店"]
    pdf = client.get(reverse("platform:hq_export_file", args=[export.pk, "pdf"]))
    assert "乙店" in pdf_text(b"".join(pdf.streaming_content))
    listed = client.get(MATRIX, {"period": "2026-10"}).content.decode()
    assert file_url in listed and export.get_absolute_url() in listed
    assert 'hx-select="#export-list"' not in listed
    # group 2's HQ: not listed, not opened, not downloaded
    other = client_for(hq2)
    assert export.get_absolute_url() not in other.get(MATRIX).content.decode()
    assert other.get(export.get_absolute_url()).status_code == 404
    assert other.get(file_url).status_code == 404
    # a dealership's GM is refused
    assert client_for(cast.user_a).get(file_url).status_code == 403
    assert (
        client.get(reverse("platform:hq_export_file", args=[export.pk, "zip"])).status_code == 404
    )


def test_the_catalogue_sends_hq_to_the_matrix(cast, client_for, oem_report):
    job_runs(cast.a, [("K5", "succeeded", 1, 1)])
    response = client_for(cast.hq_user).get(reverse("platform:report_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="matrix-link"' in html
    assert f"{MATRIX}?period=" in html


def test_the_menu_shows_group_reports_to_hq_only(cast, client_for, oem_report):
    hq_page = client_for(cast.hq_user).get(reverse("dashboard")).content.decode()
    gm_page = client_for(cast.user_a).get(reverse("dashboard")).content.decode()
    assert 'data-nav="reports"' in gm_page, "the GM reads reports (of the dealership)"
    assert f'href="{MATRIX}" data-nav="group_reports"' in hq_page
    assert 'data-nav="group_reports"' not in gm_page


def test_a_run_of_the_matrix_is_a_report_run_of_its_dealership(cast, oem_report):
    # the matrix reads runs through the viewer's rules: HQ reads A's and B's, never C's
    from dealership.reports.group import group_matrix

    run_of(cast.c, "done")
    run_of(cast.b, "done")
    with hq_scope(cast):
        matrix = group_matrix(cast.hq_user, Period.from_key(MONTH, "2026-10"))
    assert [row.dealership.code for row in matrix.rows] == ["a", "b"]
    assert [c.state for row in matrix.rows for c in row.cells] == ["overdue", "done"]
    assert ReportRun.objects.model is ReportRun
