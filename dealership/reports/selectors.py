"""Reads of the report framework: which reports a user reads, their runs, a report's content."""

from __future__ import annotations

from django.db.models import QuerySet

from dealership.access import restricted_queryset
from dealership.actors import SYSTEM
from dealership.models import ReportRun
from dealership.reports.access import may_export_report, may_read_report
from dealership.reports.content import ReportContent
from dealership.reports.periods import Period
from dealership.reports.registry import Report, all_reports


def readable_reports(user) -> list[Report]:
    return [report for report in all_reports() if may_read_report(user, report)]


def exportable_reports(user) -> list[Report]:
    return [r for r in all_reports() if r.oem and may_export_report(user, r)]


def runs_for_user(
    user,
    *,
    report: str | None = None,
    status: str | None = None,
    period_key: str | None = None,
    dealership_id: int | None = None,
) -> QuerySet[ReportRun]:
    """The runs ``user`` may read, newest period first (403 without ``reports.view``)."""
    runs = restricted_queryset(user, ReportRun, "view").select_related("dealership")
    if report:
        runs = runs.filter(report=report)
    if status:
        runs = runs.filter(status=status)
    if period_key:
        runs = runs.filter(period_key=period_key)
    if dealership_id:
        runs = runs.filter(dealership_id=dealership_id)
    return runs.defer("content").order_by("-period_start", "report", "-version", "-pk")


def report_content(report: Report, period: Period) -> ReportContent:
    """The report's data for ``period``, gathered now in the current dealership's scope (the
    same selector the scheduled runs use, so the page shows what the files would)."""
    return report.gather(SYSTEM, period)
