"""A GM reads a report in the browser: the menu's Reports, the catalogue with its due rules, the
report on screen for a chosen month, a new version made with its PDF and workbook, and the PDF
downloaded — at phone width, in Chinese."""

from __future__ import annotations

import re

import pytest

from tests.cast import build_cast
from tests.factories import PASSWORD
from tests.reports.conftest import SAMPLE, pdf_text, xlsx_rows
from tests.reports.conftest import sample_report as sample_report  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_gm_reads_a_report_and_downloads_its_pdf(login, page, live_server, sample_report):
    build_cast()  # a transactional test before this one emptied the database
    page = login("user_a", PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/platform/reports/")
    catalogue = page.locator("[data-testid=report-catalogue]")
    row = catalogue.locator(f"tr[data-report='{SAMPLE}']")
    assert "第一个工作日 17:00" in row.inner_text()  # the due rule, in Chinese

    row.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/reports/{re.escape(SAMPLE)}/"))
    page.select_option("[data-testid=period-select]", "2026-09")
    page.wait_for_url(re.compile(r"period=2026-09"))
    content = page.locator("[data-testid=report-content]")
    assert "狮铂拓界" in content.inner_text() and "2026-09-30" in content.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page fits the phone (tables scroll inside their box)"

    page.click("[data-testid=generate]")
    page.wait_for_url(re.compile(r"/reports/runs/\d+/$"))
    page.wait_for_selector("[data-testid=pdf-link]", timeout=30000)
    with page.expect_download() as pdf_download:
        page.click("[data-testid=pdf-link]")
    with open(pdf_download.value.path(), "rb") as handle:
        text = pdf_text(handle.read())
    assert "测试月报" in text and "甲店" in text and "狮铂拓界" in text

    with page.expect_download() as xlsx_download:
        page.click("[data-testid=xlsx-link]")
    with open(xlsx_download.value.path(), "rb") as handle:
        rows = xlsx_rows(handle.read())
    assert ["狮铂拓界", 9] in [row[:2] for row in rows]
