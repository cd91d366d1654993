"""The report framework: apps declare reports in ``<app>/reports.py``; the platform makes their
runs on its calendar, renders them as a page, a PDF and a workbook, submits OEM reports and
builds the HQ's group pack. See :mod:`dealership.reports.registry`."""

from dealership.reports.content import (
    DATE,
    DECIMAL,
    INT,
    MONEY,
    PERCENT,
    TEXT,
    Column,
    ReportContent,
    Table,
)
from dealership.reports.registry import (
    CURRENT,
    DAY,
    HALF_MONTH,
    MONTH,
    PREVIOUS,
    QUARTER,
    WEEK,
    Report,
    all_reports,
    get_report,
    register_report,
)

__all__ = [
    "CURRENT",
    "DATE",
    "DAY",
    "DECIMAL",
    "HALF_MONTH",
    "INT",
    "MONEY",
    "MONTH",
    "PERCENT",
    "PREVIOUS",
    "QUARTER",
    "TEXT",
    "WEEK",
    "Column",
    "Report",
    "ReportContent",
    "Table",
    "all_reports",
    "get_report",
    "register_report",
]
