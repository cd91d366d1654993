"""The HQ director exports the group's OEM pack in the browser: the matrix of the group's
dealerships for October, the export button, the export's page whose progress bar moves while
the pack is made in the background (polled with htmx), then the workbook downloaded — a
consolidated sheet and a sheet per dealership."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import connection, transaction
from openpyxl import load_workbook

from dealership.reports.group import CONSOLIDATED
from tests.cast import build_cast
from tests.factories import PASSWORD
from tests.reports.group_helpers import job_runs
from tests.reports.group_helpers import oem_report as oem_report  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def background_worker(monkeypatch):
    """The export is built in another thread a moment after the request, as a worker would,
    so the page shows it waiting and polls until it is done."""
    threads: list[threading.Thread] = []

    def build(export_id):
        from dealership.reports.group import group_export_build

        try:
            time.sleep(2.5)
            group_export_build(export_id=export_id)
        finally:
            connection.close()

    def enqueue(export_id):
        def start():
            thread = threading.Thread(target=build, args=(export_id,), daemon=True)
            threads.append(thread)
            thread.start()

        transaction.on_commit(start)

    monkeypatch.setattr("dealership.queue.enqueue_group_export", enqueue)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


def test_hq_exports_the_groups_pack_and_downloads_it(
    login,
    page,
    live_server,
    oem_report,
    background_worker,
    tmp_path,
):
    cast = build_cast()
    job_runs(cast.a, [("K5", "succeeded", 1, day) for day in (1, 2, 3)])
    job_runs(cast.b, [("K5", "succeeded", 2, day) for day in (4, 5)])
    page = login("hq_user", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("[data-nav=group_reports]")  # the menu's "Group reports"
    page.wait_for_url(re.compile(r"/reports/hq/$"))
    page.select_option("#id_period", "2026-10")
    page.wait_for_url(re.compile(r"period=2026-10"))
    matrix = page.locator("[data-testid=hq-matrix]")
    assert matrix.locator("tbody tr").count() == 2
    assert "甲店" in matrix.inner_text() and "乙店" in matrix.inner_text()
    assert matrix.locator("td[data-state=overdue]").count() == 2, "no October run made yet"

    page.click("[data-testid=export-group]")
    page.wait_for_url(re.compile(r"/reports/hq/exports/\d+/$"))
    state = page.locator("[data-testid=export-state]")
    assert state.get_attribute("data-status") in ("pending", "running")
    page.wait_for_selector("[data-testid=export-state][data-status=done]", timeout=60000)
    assert "100%" in page.locator("[data-testid=progress]").inner_text()

    with page.expect_download() as download:
        page.click("[data-testid=xlsx-link]")
    name = download.value.suggested_filename
    assert re.fullmatch(r"g1-oem-2026-10-v1\.xlsx", name), name
    download.value.save_as(tmp_path / name)
    book = load_workbook(tmp_path / name)
    assert book.sheetnames == [CONSOLIDATED, "甲店", "乙店"]
    consolidated = [list(r) for r in book[CONSOLIDATED].iter_rows(values_only=True)]
    assert ["K5", "succeeded", 5] in [r[:3] for r in consolidated]
