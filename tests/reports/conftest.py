"""Reports: a sample report registered for the framework's own tests (``tests.sample``), and
helpers to read the files a run made."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from dealership.jobs import Monthly
from dealership.reports import (
    DATE,
    INT,
    MONEY,
    MONTH,
    PERCENT,
    Column,
    ReportContent,
    Table,
)
from dealership.reports.registry import register_report, unregister_report

SAMPLE = "tests.sample"
calls: list = []


def sample_gather(actor, period):
    calls.append(period)
    return ReportContent(
        figures=[("订车 Orders", 12, INT), ("满意度 Satisfaction", Decimal("0.925"), PERCENT)],
        tables=[
            Table(
                "按车型 By model",
                [
                    Column("车型 Model"),
                    Column("台数 Units", INT),
                    Column("金额 Amount", MONEY),
                    Column("日期 Date", DATE),
                ],
                rows=[
                    ["K5", 3, Decimal("512345.50"), period.start],
                    ["狮铂拓界", 9, Decimal("1200000.00"), period.end],
                ],
                totals=True,
            )
        ],
    )


@pytest.fixture
def sample_report(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    calls.clear()
    register_report(
        SAMPLE,
        "测试月报 Sample monthly report",
        period=MONTH,
        due=Monthly(day=0, at=dt.time(17, 0)),
        department="crm",
        recipients=("gm",),
    )(sample_gather)
    from dealership.reports.registry import get_report

    yield get_report(SAMPLE)
    unregister_report(SAMPLE)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


# the fixtures of the framework's own tests: a second (sales) report, people, holiday overrides
from tests.reports.framework import holidays, people, sales_report  # noqa: E402, F401
