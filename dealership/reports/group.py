"""HQ consolidation: one dealership's OEM monthly pack, the group's pack made in the background
(a sheet per dealership and a consolidated sheet in one workbook, and one PDF) and the matrix of
dealerships × OEM monthly reports an HQ user reads.

Each dealership's data is read inside a read-only scope of that one dealership (as
:func:`dealership.figures.figures_by_dealership` does), so the report selectors run exactly as
for the dealership's own runs. A dealership's report of the month is taken from its newest
finished run (done, submitted or acknowledged: what the car maker received) when one exists,
else gathered now."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dealership import queue
from dealership.access import can, check_model_permission, restricted_queryset
from dealership.actors import SYSTEM
from dealership.models import Dealership, GroupExport, OemSubmission, ReportRun
from dealership.reports.access import may_read_report
from dealership.reports.content import DECIMAL, INT, MONEY, Column, ReportContent, Table
from dealership.reports.models import RunStatus
from dealership.reports.periods import Period
from dealership.reports.registry import MONTH, Report, all_reports
from dealership.reports.render import Document, merge_pdfs, pdf_bytes, xlsx_bytes
from dealership.tenancy import TenantScope, current_scope, get_scope, system_context, tenant_context

logger = logging.getLogger(__name__)

#: the first sheet of the group's workbook (both languages: the file goes to readers of either)
CONSOLIDATED = "合并 Consolidated"
#: a run whose content the car maker has (or may have) received
FINISHED = (
    RunStatus.DONE,
    RunStatus.AWAITING_APPROVAL,
    RunStatus.APPROVED,
    RunStatus.SUBMITTED,
    RunStatus.ACKNOWLEDGED,
)
SUMMED_FIGURES = frozenset({INT, MONEY, DECIMAL})


def oem_reports() -> list[Report]:
    """Every registered OEM report made each month, in the catalogue's order."""
    return [r for r in all_reports() if r.oem and r.period == MONTH]


@contextlib.contextmanager
def dealership_read_scope(dealership, *, group_id: int | None = None) -> Iterator[TenantScope]:
    """A read-only scope of one dealership (reads its rows, writes none), with its figure run
    (its own time zone, shared queries)."""
    from dealership.figures import figure_run

    scope = TenantScope(
        dealership_ids=frozenset({dealership.pk}),
        writable_ids=frozenset(),
        current_id=dealership.pk,
        group_id=group_id if group_id is not None else dealership.group_id,
    )
    with tenant_context(scope), figure_run(dealership):
        yield scope


def _document(report: Report, dealership, period: Period, content: ReportContent, run=None):
    return Document(
        title=str(report.title),
        dealership=str(dealership),
        period=period.label,
        generated_at=(run.finished_at if run is not None and run.finished_at else timezone.now()),
        content=content,
        version=run.version if run is not None else None,
    )


def _gather(report: Report, period: Period) -> ReportContent:
    return report.gather(SYSTEM, period).with_labels_as_text()


def oem_pack(dealership, period: Period) -> tuple[bytes, bytes]:
    """One dealership's OEM monthly pack of ``period``: every OEM monthly report gathered now in
    a read-only scope of the dealership, as one PDF and one workbook (a sheet per report)."""
    reports = oem_reports()
    with translation.override(settings.LANGUAGE_CODE), dealership_read_scope(dealership):
        documents = [
            (report, _document(report, dealership, period, _gather(report, period)))
            for report in reports
        ]
        title = str(format_lazy(_("OEM monthly pack · {name}"), name=dealership))
        pdf = pdf_bytes([d for _r, d in documents], title=title, subtitle=period.label)
        xlsx = xlsx_bytes([(str(report.title), [document]) for report, document in documents])
    return pdf, xlsx


# --- consolidation --------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _add(total, value):
    if not _is_number(value):
        return total
    return value if total is None else total + value


@dataclass
class _TableSum:
    table: Table
    rows: dict[tuple, list[Any]] = field(default_factory=dict)

    def add(self, table: Table) -> None:
        keys = max(self.table.keys, 0)
        columns = self.table.columns
        for row in table.rows:
            key = tuple(str(v) if v is not None else "" for v in row[:keys])
            summed = self.rows.get(key)
            if summed is None:
                summed = list(row[:keys]) + [None] * (len(columns) - keys)
                self.rows[key] = summed
            for index in range(keys, len(columns)):
                if columns[index].summed and index < len(row):
                    summed[index] = _add(summed[index], row[index])


@dataclass
class _ReportSum:
    """One report added up across dealerships: figures by label, tables by title and columns."""

    figures: dict[str, tuple[Any, str]] = field(default_factory=dict)
    tables: dict[tuple, _TableSum] = field(default_factory=dict)

    def add(self, content: ReportContent) -> None:
        for label, value, kind in content.figures:
            label = str(label)
            total, _kind = self.figures.get(label, (None, kind))
            if kind in SUMMED_FIGURES:
                total = _add(total, value)
            self.figures[label] = (total, kind)
        for table in content.tables:
            shape = (str(table.title), tuple((str(c.label), c.kind) for c in table.columns))
            summed = self.tables.get(shape)
            if summed is None:
                summed = self.tables[shape] = _TableSum(
                    Table(
                        title=table.title,
                        columns=[Column(c.label, c.kind, c.sum) for c in table.columns],
                        keys=table.keys,
                        totals=table.totals,
                        note=table.note,
                    )
                )
            summed.add(table)

    def content(self) -> ReportContent:
        tables = []
        for summed in self.tables.values():
            table = summed.table
            table.rows = list(summed.rows.values())
            tables.append(table)
        return ReportContent(
            figures=[(label, value, kind) for label, (value, kind) in self.figures.items()],
            tables=tables,
        )


def consolidate(contents: list[ReportContent]) -> ReportContent:
    """Several dealerships' content of one report added up: rows with the same key columns
    (``Table.keys``) become one row whose summed columns (``Column.summed``) add up and whose
    other columns stay empty; figures add up when they are counts or amounts (a rate or a date
    stays empty)."""
    total = _ReportSum()
    for content in contents:
        total.add(content)
    return total.content()


# --- the group's pack ---------------------------------------------------------------------------


def _next_version(group_id: int, period_key: str) -> int:
    top = GroupExport.objects.filter(group_id=group_id, period_key=period_key).aggregate(
        top=Max("version")
    )["top"]
    return (top or 0) + 1


def group_dealerships(group_id: int):
    return Dealership.objects.filter(group_id=group_id, is_active=True).order_by("code")


def group_export_request(*, actor, period: Period) -> GroupExport:
    """An HQ user asks for the group's OEM pack of a month (made in the background): the next
    version of the month, queued when the transaction commits."""
    scope = current_scope()
    if scope is None or not scope.is_hq:
        raise PermissionDenied(_("Only the group's HQ exports the group's pack."))
    check_model_permission(actor, GroupExport, "add")
    if period.kind != MONTH:
        raise ValidationError(_("The group's pack is made for a month."))
    if period.start > timezone.localdate():
        raise ValidationError(_("This period has not started yet."))
    if not oem_reports():
        raise ValidationError(_("No OEM monthly report is registered."))
    total = group_dealerships(scope.group_id).count() + 1  # each dealership, then the files
    for _attempt in range(5):
        export = GroupExport(
            group_id=scope.group_id,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            version=_next_version(scope.group_id, period.key),
            requested_by=actor if getattr(actor, "pk", None) else None,
            progress_total=total,
        )
        try:
            with transaction.atomic():
                export.save()
        except IntegrityError:  # another request took the number: take the next one
            continue
        break
    else:
        raise ValidationError(_("Could not number the export; please try again."))
    logger.info("Group export %s requested by %s", export, getattr(actor, "pk", actor))
    queue.enqueue_group_export(export.pk)  # sent when the transaction commits
    return export


def _progress(export_id: int, **values) -> None:
    """A short transaction of its own, so the page's progress moves while the export runs."""
    with transaction.atomic():
        GroupExport.objects.filter(pk=export_id).update(**values)


def _finished_runs(codes: list[str], period: Period) -> dict[str, ReportRun]:
    """The newest finished run of each report of ``period`` in the current (one-dealership)
    scope, with its content."""
    newest: dict[str, int] = {}
    for pk, code in (
        ReportRun.objects.filter(report__in=codes, period_key=period.key, status__in=FINISHED)
        .order_by("report", "-version", "-pk")
        .values_list("pk", "report")
    ):
        newest.setdefault(code, pk)
    if not newest:
        return {}
    return {run.report: run for run in ReportRun.objects.filter(pk__in=newest.values())}


def _dealership_documents(dealership, reports: list[Report], period: Period, group_id: int):
    """One dealership's documents of the month, from its newest finished runs, else gathered
    now, in a read-only scope of the dealership; and its part of the PDF: the runs' own PDFs
    when every report has one (what the car maker received; nothing laid out again), else the
    documents rendered now."""
    with dealership_read_scope(dealership, group_id=group_id):
        runs = _finished_runs([r.code for r in reports], period)
        documents, stored = [], []
        for report in reports:
            run = runs.get(report.code)
            if run is not None and run.content:
                content = ReportContent.from_json(run.content)
                stored.append(_stored_pdf(run))
            else:
                run = None
                content = _gather(report, period)
                stored.append(None)
            documents.append(_document(report, dealership, period, content, run))
    if all(part is not None for part in stored):
        pdf = merge_pdfs(stored)
    else:
        pdf = pdf_bytes(documents, title=str(dealership), subtitle=period.label)
    return documents, pdf


def _stored_pdf(run: ReportRun) -> bytes | None:
    if not run.pdf:
        return None
    try:
        with run.pdf.open("rb") as handle:
            return handle.read()
    except OSError:  # the file is gone (restored database without its files): render again
        logger.warning("The PDF of report run %s is missing; rendering it again", run.pk)
        return None


def group_export_build(*, export_id: int) -> GroupExport | None:
    """Make a pending export (in the background; the task has no tenant scope): each
    dealership's OEM reports of the month, the consolidated sheet first, written to one
    workbook and one PDF. A failure is recorded on the export and told to who asked."""
    with system_context():
        now = timezone.now()
        # a pending or failed one; or one left running by a worker that died (the task is
        # delivered again: it is acknowledged only once done)
        claimable = Q(status__in=[RunStatus.PENDING, RunStatus.FAILED]) | Q(
            status=RunStatus.RUNNING, started_at__lt=now - settings.JOBS_STALE_AFTER
        )
        claimed = GroupExport.objects.filter(claimable, pk=export_id).update(
            status=RunStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            finished_at=None,
            progress_done=0,
            error="",
        )
        export = GroupExport.objects.select_related("group", "requested_by").filter(pk=export_id)
        export = export.first()
        if export is None or not claimed:
            return export
        try:
            _build(export)
        except Exception:  # recorded on the export and told, never lost
            logger.exception("Group export %s failed", export)
            _record_failure(export, traceback.format_exc(limit=20))
        export.refresh_from_db()
        return export


def _build(export: GroupExport) -> None:
    started = timezone.now()
    period = Period.from_key(MONTH, export.period_key)
    reports = oem_reports()
    if not reports:
        raise LookupError("No OEM monthly report is registered.")
    dealerships = list(group_dealerships(export.group_id))
    total = len(dealerships) + 1
    _progress(export.pk, progress_total=total, progress_done=0)
    with translation.override(settings.LANGUAGE_CODE):
        sheets: list[tuple[str, list[Document]]] = []
        sums = {report.code: _ReportSum() for report in reports}
        pdfs: list[bytes] = []
        for done, dealership in enumerate(dealerships, start=1):
            documents, pdf = _dealership_documents(dealership, reports, period, export.group_id)
            for report, document in zip(reports, documents, strict=True):
                sums[report.code].add(document.content)
            sheets.append((str(dealership), documents))
            pdfs.append(pdf)
            _progress(export.pk, progress_done=done)
        group_name = str(export.group)
        label = str(
            format_lazy(
                _("{group} · consolidated ({count} dealerships)"),
                group=group_name,
                count=len(dealerships),
            )
        )
        consolidated = [
            Document(
                title=str(report.title),
                dealership=label,
                period=period.label,
                generated_at=started,
                content=sums[report.code].content(),
            )
            for report in reports
        ]
        title = str(format_lazy(_("OEM monthly pack · {name}"), name=group_name))
        xlsx = xlsx_bytes([(CONSOLIDATED, consolidated), *sheets])
        pdf = merge_pdfs([pdf_bytes(consolidated, title=title, subtitle=period.label), *pdfs])
        del sheets, consolidated, pdfs
    base = f"{export.group.code}-oem-{export.period_key}-v{export.version}"
    export.pdf.save(f"{base}.pdf", ContentFile(pdf), save=False)
    export.xlsx.save(f"{base}.xlsx", ContentFile(xlsx), save=False)
    export.checksum = hashlib.sha256(pdf + xlsx).hexdigest()
    export.status = RunStatus.DONE
    export.progress_done = export.progress_total = total
    export.finished_at = timezone.now()
    export.save(
        update_fields=[
            "pdf",
            "xlsx",
            "checksum",
            "status",
            "progress_done",
            "progress_total",
            "finished_at",
        ]
    )
    logger.info(
        "Group export %s done: %s dealerships, %.1f s",
        export,
        len(dealerships),
        (export.finished_at - started).total_seconds(),
    )


def _record_failure(export: GroupExport, error: str) -> None:
    GroupExport.objects.filter(pk=export.pk).update(
        status=RunStatus.FAILED, error=error, finished_at=timezone.now()
    )
    export.refresh_from_db()
    _tell_requester_of_failure(export)


def _tell_requester_of_failure(export: GroupExport) -> None:
    """The requester is told in the app and by e-mail. A notification belongs to a dealership:
    the group's first one (HQ people of the group are within its reach)."""
    if export.requested_by_id is None:
        return
    dealership = group_dealerships(export.group_id).first()
    if dealership is None:
        logger.warning("Group export %s failed; its group has no dealership to notify", export)
        return
    from dealership.notifications import notify

    last = export.error.strip().splitlines()[-1][:500] if export.error.strip() else ""
    try:
        notify(
            "platform.report_failed",
            [export.requested_by],
            format_lazy(
                _("The group's OEM pack failed: {period} (version {version})"),
                period=export.period_key,
                version=export.version,
            ),
            obj=export,
            body=last,
            key=f"groupexport:{export.pk}:failed:{export.attempts}",
            dealership=dealership,
        )
    except Exception:  # telling must never hide the failure itself, which is recorded
        logger.exception("Could not tell the requester of group export %s", export.pk)


# --- the matrix -----------------------------------------------------------------------------


MISSING, OVERDUE, WORKING = "missing", "overdue", "working"


@dataclass
class Cell:
    report: Report
    run: ReportRun | None
    state: str  # a RunStatus value, "working", "missing" or "overdue"
    due_at: dt.datetime | None
    submitted_at: dt.datetime | None = None
    url: str = ""


@dataclass
class MatrixRow:
    dealership: Dealership
    cells: list[Cell]


@dataclass
class Matrix:
    period: Period
    reports: list[Report]
    rows: list[MatrixRow]


def group_matrix(user, period: Period, *, now: dt.datetime | None = None) -> Matrix:
    """Dealerships × OEM monthly reports of the HQ user's group for ``period``: the newest run of
    each (status, when submitted), or missing — overdue once its due time has passed. A fixed
    number of queries however many dealerships."""
    from dealership.reports.selectors import runs_for_user

    now = now or timezone.now()
    scope = get_scope()
    reports = [r for r in oem_reports() if may_read_report(user, r)]
    dealerships = list(
        Dealership.objects.filter(pk__in=scope.dealership_ids, is_active=True).order_by("code")
    )
    newest: dict[tuple[int, str], ReportRun] = {}
    if reports and dealerships:
        for run in runs_for_user(user).filter(
            report__in=[r.code for r in reports], period_key=period.key
        ):
            newest.setdefault((run.dealership_id, run.report), run)
    sent = {}
    if newest and can(user, OemSubmission, "view"):
        sent = dict(
            restricted_queryset(user, OemSubmission, "view")
            .filter(run_id__in=[r.pk for r in newest.values()], submitted_at__isnull=False)
            .values_list("run_id", "submitted_at")
        )
    rows = []
    for dealership in dealerships:
        cells = []
        for report in reports:
            run = newest.get((dealership.pk, report.code))
            due_at = report.due_at(period, dealership)
            if run is None:
                state = OVERDUE if due_at is not None and now > due_at else MISSING
            elif run.status in (RunStatus.PENDING, RunStatus.RUNNING):
                state = WORKING
            else:
                state = run.status
            cells.append(
                Cell(
                    report=report,
                    run=run,
                    state=state,
                    due_at=due_at,
                    submitted_at=sent.get(run.pk) if run is not None else None,
                    url=run.get_absolute_url() if run is not None else "",
                )
            )
        rows.append(MatrixRow(dealership=dealership, cells=cells))
    return Matrix(period=period, reports=reports, rows=rows)


def exports_for_user(user):
    """The group exports the HQ user reads (their group's), newest first."""
    return (
        restricted_queryset(user, GroupExport, "view")
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
    )
