"""The group's OEM pack: the consolidated sheet adds up the dealerships' numbers (real rows of
each), the progress moves to its total, a failure is recorded and told, versions count up per
month, and HQ of one group never exports another group's."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from dealership.models import GroupExport, ReportRun
from dealership.notifications.models import Notification
from dealership.reports import MONTH, ReportContent
from dealership.reports import group as group_module
from dealership.reports.group import (
    CONSOLIDATED,
    consolidate,
    group_export_build,
    group_export_request,
    oem_pack,
)
from dealership.reports.periods import Period
from dealership.tenancy import dealership_context, system_context
from tests.reports.conftest import pdf_text
from tests.reports.group_helpers import *  # noqa: F403 (the fixtures)
from tests.reports.group_helpers import OEM, PRICE, hq_scope

pytestmark = pytest.mark.django_db


def sheets(data: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def table_rows(rows: list[list], keys=("K5", "凯美瑞")) -> dict[tuple, list]:
    """The sample table's rows of a sheet: (model, type) → the other cells."""
    return {(r[0], r[1]): r[2:6] for r in rows if r and r[0] in keys and len(r) > 2}


def export_for(cast, period, user=None):
    with hq_scope(cast):
        return group_export_request(actor=user or cast.hq_user, period=period)


def test_the_consolidated_sheet_adds_up_both_dealerships(cast, october):
    export = export_for(cast, october)
    assert export.version == 1 and export.status == "pending"
    assert export.progress_total == 3  # A, B, then the files
    export = group_export_build(export_id=export.pk)
    assert export.status == "done", export.error
    book = sheets(export.xlsx.read())
    assert list(book) == [CONSOLIDATED, "甲店", "乙店"], "consolidated first, then by code"
    a, b, total = table_rows(book["甲店"]), table_rows(book["乙店"]), table_rows(book[CONSOLIDATED])
    # each dealership's own rows (A: 3 + 1 runs; B: 2 + 1), never C's (group 2)
    assert a[("K5", "succeeded")][:2] == [3, float(3 * PRICE)]
    assert b[("K5", "succeeded")][:2] == [2, float(4 * PRICE)]
    assert ("凯美瑞", "succeeded") not in a
    # the same key columns add up; the share (a rate) and the rank (not summed) stay empty
    assert total[("K5", "succeeded")] == [5, float(7 * PRICE), None, None]
    assert total[("K5", "failed")] == [1, float(PRICE), None, None]
    assert total[("凯美瑞", "succeeded")] == [1, float(PRICE), None, None]
    # the total row of the consolidated table and its figures: counts added up, a rate empty
    figures = {r[0]: r[1] for r in book[CONSOLIDATED] if r and r[0] and len(r) > 1}
    assert figures["交车 Deliveries"] == 7
    assert figures["满意度 Satisfaction"] is None
    with translation.override("zh-hans"):  # the files are in the default language
        total_label = gettext("Total")
    totals = [r for r in book[CONSOLIDATED] if r and r[0] == total_label]
    assert totals and totals[0][2:4] == [7, float(9 * PRICE)]
    assert export.checksum and export.started_at and export.finished_at


def test_the_pdf_has_the_consolidated_pack_then_each_dealership(cast, october):
    export = group_export_build(export_id=export_for(cast, october).pk)
    text = pdf_text(export.pdf.read())
    assert "测试厂家月报" in text
    assert "甲店" in text and "乙店" in text and "丙店" not in text
    assert "华晟汽车集团" in text  # the consolidated documents name the group
    assert text.index("华晟汽车集团") < text.index("甲店") < text.index("乙店")


def test_a_finished_run_is_taken_as_it_was_made_not_gathered_again(cast, october, oem_report):
    # A's October run (what the car maker received) said 40 units; today's rows say 3
    with dealership_context(cast.a):
        made = ReportContent.from_json(oem_report.gather(None, october).to_json())
        assert made.tables[0].rows[0][:3] == ["K5", "failed", 1]
        made.tables[0].rows[0][2] = 40
        ReportRun.objects.create(
            dealership=cast.a,
            report=OEM,
            department_code="crm",
            period_kind=MONTH,
            period_key=october.key,
            period_start=october.start,
            period_end=october.end,
            version=2,
            status="submitted",
            content=made.to_json(),
        )
    export = group_export_build(export_id=export_for(cast, october).pk)
    book = sheets(export.xlsx.read())
    assert table_rows(book["甲店"])[("K5", "failed")][0] == 40
    assert table_rows(book[CONSOLIDATED])[("K5", "failed")][0] == 40
    assert table_rows(book[CONSOLIDATED])[("K5", "succeeded")][0] == 5, "B gathered now"


def test_the_runs_own_pdfs_go_into_the_pack_as_they_were_sent(cast, october, oem_report):
    """A dealership whose OEM runs all have their files: its pages in the group's PDF are the
    runs' own (what the car maker received), not laid out again; the other is rendered now."""
    from django.core.files.base import ContentFile

    from dealership.reports.render import Document, pdf_bytes

    with dealership_context(cast.a):
        content = ReportContent.from_json(oem_report.gather(None, october).to_json())
        sent = pdf_bytes(
            [Document("已报送的月报", "甲店", october.label, timezone.now(), content, 1)],
            title="sent",
        )
        run = ReportRun(
            dealership=cast.a,
            report=OEM,
            department_code="crm",
            period_kind=MONTH,
            period_key=october.key,
            period_start=october.start,
            period_end=october.end,
            status="submitted",
            content=content.to_json(),
        )
        run.pdf.save("sent.pdf", ContentFile(sent), save=False)
        run.save()
    export = group_export_build(export_id=export_for(cast, october).pk)
    text = pdf_text(export.pdf.read())
    assert "已报送的月报" in text  # A's page as it was sent
    assert text.count("乙店") >= 1  # B gathered and rendered now
    assert text.index("已报送的月报") < text.index("乙店")


def test_progress_moves_after_each_dealership_and_reaches_its_total(cast, october, monkeypatch):
    seen = []
    progress = group_module._progress

    def spy(export_id, **values):
        progress(export_id, **values)
        seen.append(GroupExport.objects.values("progress_done", "progress_total").get(pk=export_id))

    monkeypatch.setattr(group_module, "_progress", spy)
    export = group_export_build(export_id=export_for(cast, october).pk)
    assert [s["progress_done"] for s in seen] == [0, 1, 2]
    assert {s["progress_total"] for s in seen} == {3}
    assert (export.progress_done, export.progress_total, export.percent) == (3, 3, 100)


def test_a_failure_is_recorded_and_the_requester_told(cast, october):
    from tests.reports import group_helpers

    group_helpers.failing.add("b")
    export = group_export_build(export_id=export_for(cast, october).pk)
    assert export.status == "failed"
    assert "the selector broke for b" in export.error
    assert export.progress_done == 1, "A was done before B failed"
    assert not export.xlsx and not export.pdf
    with system_context():
        told = Notification.objects.get(kind="platform.report_failed", recipient=cast.hq_user)
    assert told.dealership_id == cast.a.pk  # the group's first dealership
    assert "2026-10" in told.subject_en and told.object_id == str(export.pk)
    # building it again (a retry) starts over and may succeed
    group_helpers.failing.clear()
    assert group_export_build(export_id=export.pk).status == "done"
    assert group_export_build(export_id=export.pk).status == "done", "a done export is left"


def test_versions_count_up_per_month(cast, october):
    first, second = export_for(cast, october), export_for(cast, october)
    september = export_for(cast, Period.from_key(MONTH, "2026-09"))
    assert (first.version, second.version, september.version) == (1, 2, 1)


def test_the_request_queues_the_build_when_it_commits(
    cast, october, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_for(cast, october)
    export.refresh_from_db()
    assert export.status == "done", export.error


def test_only_hq_holding_export_asks_and_only_for_a_month_begun(cast, october, hq2):
    with dealership_context(cast.a), pytest.raises(PermissionDenied):
        group_export_request(actor=cast.user_a, period=october)
    # group 2's HQ exports group 2 only: its export is of group 2, never naming A or B
    with hq_scope(cast, cast.group2):
        other = group_export_request(actor=hq2, period=october)
    assert other.group_id == cast.group2.pk and other.progress_total == 2
    other = group_export_build(export_id=other.pk)
    book = sheets(other.xlsx.read())
    assert list(book) == [CONSOLIDATED, "丙店"]
    assert table_rows(book[CONSOLIDATED])[("K5", "succeeded")][0] == 10
    with hq_scope(cast), pytest.raises(ValidationError):
        group_export_request(actor=cast.hq_user, period=Period.from_key(MONTH, "2099-01"))
    with hq_scope(cast), pytest.raises(ValidationError):
        group_export_request(actor=cast.hq_user, period=Period.from_key("week", "2026-W43"))


def test_one_dealerships_oem_pack(cast, october):
    pdf, xlsx = oem_pack(cast.b, october)
    assert "乙店" in pdf_text(pdf) and "测试厂家月报" in pdf_text(pdf)
    book = sheets(xlsx)
    assert list(book) == ["测试厂家月报 Sample OEM report"]
    rows = table_rows(book["测试厂家月报 Sample OEM report"])
    assert rows[("K5", "succeeded")][:2] == [2, float(4 * PRICE)]
    assert rows[("凯美瑞", "succeeded")][0] == 1


def test_consolidate_keeps_rows_of_other_keys_and_ignores_missing_numbers():
    from dealership.reports import INT, Column, Table

    def content(rows):
        return ReportContent(
            figures=[("n", len(rows), INT), ("d", dt.date(2026, 10, 1), "date")],
            tables=[Table("t", [Column("k"), Column("v", INT)], rows=rows)],
        )

    total = consolidate([content([["x", 1], ["y", None]]), content([["y", 2], ["z", Decimal(3)]])])
    assert total.tables[0].rows == [["x", 1], ["y", 2], ["z", Decimal(3)]]
    assert total.figures == [("n", 4, INT), ("d", None, "date")]


def test_a_running_export_is_left_unless_its_worker_died(cast, october, settings):
    export = export_for(cast, october)
    started = timezone.now() - dt.timedelta(minutes=5)
    GroupExport.objects.filter(pk=export.pk).update(status="running", started_at=started)
    assert group_export_build(export_id=export.pk).status == "running", "another worker has it"
    stale = timezone.now() - settings.JOBS_STALE_AFTER - dt.timedelta(minutes=1)
    GroupExport.objects.filter(pk=export.pk).update(started_at=stale)
    assert group_export_build(export_id=export.pk).status == "done"


def test_the_registered_oem_reports_make_the_groups_pack(cast, settings, tmp_path):
    """With the apps' own OEM monthly reports (no sample): each is in the consolidated sheet and
    in each dealership's."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    reports = group_module.oem_reports()
    if not reports:
        pytest.skip("no app registers an OEM monthly report")
    export = group_export_build(export_id=export_for(cast, Period.from_key(MONTH, "2026-10")).pk)
    assert export.status == "done", export.error
    book = sheets(export.xlsx.read())
    assert list(book) == [CONSOLIDATED, "甲店", "乙店"]
    with translation.override("zh-hans"):
        titles = [str(report.title) for report in reports]
    for name, rows in book.items():
        firsts = [row[0] for row in rows if row]
        assert all(title in firsts for title in titles), name
