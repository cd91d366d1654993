"""Export in the browser (#20), in Chinese: a CR specialist filters the customer list, takes it
away as Excel under the table and opens the file (the filtered rows, the phone masked); a list
above the row limit goes to the background: the export's page shows it ready with the download,
the bell tells of it, and the record lists it. On a phone the buttons fit the screen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crm.models import Customer
from dealership.tenancy import dealership_context
from tests.browser.journey import log_in
from tests.cast import build_cast
from tests.factories import UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_filtered_list_is_taken_away_as_excel_and_a_long_one_in_the_background(
    page, live_server, settings
):
    cast = build_cast()
    hire(UserFactory(username="export_cr", name="客服专员"), cast.a, "cr_specialist")
    with dealership_context(cast.a):
        for n in range(4):
            Customer.objects.create(dealership=cast.a, name=f"导出王{n}", mobile=f"1391234{n:04d}")
        Customer.objects.create(dealership=cast.a, name="李四", mobile="13912349999")
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "export_cr")
    page.goto(f"{live_server.url}/crm/customers/?q=导出王")
    links = page.locator("[data-testid=export-links]")
    assert "导出此列表" in links.inner_text()
    with page.expect_download() as download:
        links.get_by_text("Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("名称", "类型", "手机号")
    assert sorted(row[0] for row in rows[1:]) == [f"导出王{n}" for n in range(4)]
    assert all("****" in row[2] for row in rows[1:])  # masked as on the page

    settings.EXPORT_INLINE_ROWS = 2  # the live server reads the same settings
    page.goto(f"{live_server.url}/crm/customers/?q=导出王")
    with page.expect_navigation():
        page.locator("[data-testid=export-links]").get_by_text("CSV").click()
    assert "/platform/exports/" in page.url
    page.wait_for_selector("[data-testid=export-state][data-status=done]")
    with page.expect_download() as download:
        page.click("[data-testid=download]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.count("导出王") == 4 and "李四" not in text
    page.goto(f"{live_server.url}/notifications/")
    assert "导出已完成" in page.content()
    page.goto(f"{live_server.url}/platform/exports/")
    assert page.locator("[data-testid=export-table] tbody tr").count() == 2

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/crm/customers/")
    assert page.locator("[data-testid=export-links]").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
