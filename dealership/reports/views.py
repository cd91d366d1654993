"""The report pages: the catalogue of reports a person reads, one report on screen for any
period (with its versions, PDF and Excel), the report runs with their failures, a run with its
files and its submission to the car maker. Files are served only through a permission-checked
view."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from dealership.access import can, get_object_for_user
from dealership.columns import DateTimeColumn
from dealership.figures import local_today
from dealership.models import Dealership, ReportRun
from dealership.queue import enqueue_report_run
from dealership.reports import selectors, services
from dealership.reports.access import may_read_report
from dealership.reports.approval import (
    approval_url,
    may_submit_for_approval,
    report_run_submit_for_approval,
)
from dealership.reports.content import ReportContent
from dealership.reports.models import RunStatus
from dealership.reports.periods import Period
from dealership.reports.registry import all_reports, get_report
from dealership.reports.submission_views import may_change_submission
from dealership.views import ScopedDetailView, ScopedListView, TenantRequiredMixin

RECENT_PERIODS = 12


def current_dealership(request) -> Dealership | None:
    """The dealership the page is about: the one worked in (HQ users have none)."""
    scope = request.tenant_scope
    if scope.current_id is None:
        return None
    return Dealership.objects.get(pk=scope.current_id)


def _report_or_404(request, code):
    report = get_report(code)
    if report is None:
        raise Http404(_("Not found."))
    if not may_read_report(request.user, report):
        raise PermissionDenied(_("You may not read this report."))
    return report


class ReportCatalogueView(TenantRequiredMixin, TemplateView):
    """Every report the viewer reads, by period, with its due rule and the state of the
    newest period's run (one query for the runs)."""

    template_name = "reports/catalogue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        reports = selectors.readable_reports(user)
        if not reports:
            raise PermissionDenied(_("You may not read any report."))
        dealership = current_dealership(self.request)
        today = local_today(dealership) if dealership is not None else timezone.localdate()
        latest = {r.code: r.latest_period(today) for r in reports}
        runs = {}
        # HQ (no current dealership) reads the group's runs on the matrix, not one of them here
        if dealership is not None and can(user, ReportRun, "view"):
            for run in selectors.runs_for_user(user).filter(
                report__in=list(latest), period_key__in={p.key for p in latest.values()}
            ):
                if latest[run.report].key == run.period_key:
                    runs.setdefault(run.report, run)
        rows = []
        for r in reports:
            run = runs.get(r.code)
            upcoming = latest[r.code].next() if run is not None else latest[r.code]
            due = r.due_at(upcoming, dealership) if dealership is not None else None
            rows.append((r, latest[r.code], run, due))
        context.update(
            title=_("Reports"),
            rows=rows,
            dealership=dealership,
            is_hq=self.request.tenant_scope.is_hq,
        )
        return context


class ReportCalendarView(TenantRequiredMixin, TemplateView):
    """This month's reports of the dealership (报表日历): due when, owned by whom, in what state;
    ``?month=YYYY-MM`` for another month."""

    template_name = "reports/calendar.html"

    def get_context_data(self, **kwargs):
        import datetime as dt

        from dealership.reports.calendar import report_calendar

        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not selectors.readable_reports(user):
            raise PermissionDenied(_("You may not read any report."))
        dealership = current_dealership(self.request)
        if dealership is None:
            raise Http404(_("Open a dealership's reports from the group matrix."))
        today = local_today(dealership)
        raw = self.request.GET.get("month") or f"{today:%Y-%m}"
        try:
            month = dt.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            raise BadRequest(_("Give the month as YYYY-MM, e.g. 2026-11.")) from None
        if not dt.date(2000, 1, 1) <= month <= dt.date(today.year + 1, 12, 1):
            raise BadRequest(_("Choose a month between 2000 and next year."))
        previous = (month - dt.timedelta(days=1)).replace(day=1)
        following = (month + dt.timedelta(days=32)).replace(day=1)
        context.update(
            title=_("Report calendar"),
            month=month,
            previous=f"{previous:%Y-%m}",
            following=f"{following:%Y-%m}",
            this_month=f"{today:%Y-%m}",
            lines=report_calendar(user, dealership, month),
            dealership=dealership,
            may_view_runs=can(user, ReportRun, "view"),
        )
        return context


class ReportDetailView(TenantRequiredMixin, TemplateView):
    """One report on screen for one period (the newest finished one by default), gathered now;
    its versions with their files; a button to make a new version."""

    template_name = "reports/report.html"

    def get_context_data(self, code, **kwargs):
        context = super().get_context_data(**kwargs)
        report = _report_or_404(self.request, code)
        dealership = current_dealership(self.request)
        if dealership is None:
            raise Http404(_("Open a dealership's reports from the group matrix."))
        today = local_today(dealership)
        latest = report.latest_period(today)
        key = self.request.GET.get("period") or latest.key
        try:
            period = Period.from_key(report.period, key)
        except ValueError as error:
            raise BadRequest(str(error)) from None
        if period.start > latest.end:
            if period.start > today:
                raise BadRequest(_("This period has not started yet."))
            raise BadRequest(_("This period is not over yet; its report comes when it is."))
        content = selectors.report_content(report, period)
        runs = []
        if can(self.request.user, ReportRun, "view"):
            runs = list(
                selectors.runs_for_user(self.request.user, report=code, period_key=period.key)
            )
        periods = latest.recent(RECENT_PERIODS)
        if period not in periods:
            periods.append(period)
        context.update(
            title=str(report.title),
            report=report,
            period=period,
            periods=periods,
            content=content,
            runs=runs,
            due_at=report.due_at(period, dealership),
            dealership=dealership,
            may_generate=can(self.request.user, ReportRun, "add"),
        )
        return context


class ReportGenerateView(TenantRequiredMixin, View):
    """POST: make a new version of a report for a period (in the background)."""

    def post(self, request, code):
        report = _report_or_404(request, code)
        dealership = current_dealership(request)
        if dealership is None:
            raise Http404(_("Not found."))
        try:
            period = Period.from_key(report.period, request.POST.get("period", ""))
            with transaction.atomic():
                run = services.report_run_request(
                    actor=request.user, report=report, period=period, dealership=dealership
                )
                enqueue_report_run(run.pk, run.dealership_id)
        except (ValueError, ValidationError) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise BadRequest(text) from None
        messages.success(request, _("The report is being generated."))
        return HttpResponseRedirect(run.get_absolute_url())


class ReportRunTable(tables.Table):
    period_key = tables.Column(verbose_name=gettext_lazy("period"), linkify=True)
    report = tables.Column(verbose_name=gettext_lazy("report"))
    dealership = tables.Column(verbose_name=gettext_lazy("dealership"))
    version = tables.Column(verbose_name=gettext_lazy("version"))
    status = tables.Column(verbose_name=gettext_lazy("status"))
    trigger = tables.Column(verbose_name=gettext_lazy("generated by"))
    finished_at = DateTimeColumn(verbose_name=gettext_lazy("finished at"), format="Y-m-d H:i")

    class Meta:
        model = ReportRun
        fields = (
            "period_key",
            "report",
            "dealership",
            "version",
            "status",
            "trigger",
            "finished_at",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "run-table"}
        row_attrs = {"data-status": lambda record: record.status}
        orderable = False
        empty_text = gettext_lazy("No report runs yet.")

    def render_report(self, value):
        report = get_report(value)
        return report.title if report else value

    def render_status(self, record, value):
        from django.utils.html import format_html

        css = {
            RunStatus.FAILED: "text-bg-danger",
            RunStatus.DONE: "text-bg-success",
            RunStatus.AWAITING_APPROVAL: "text-bg-warning",
            RunStatus.APPROVED: "text-bg-success",
            RunStatus.SUBMITTED: "text-bg-primary",
            RunStatus.ACKNOWLEDGED: "text-bg-primary",
        }.get(record.status, "text-bg-secondary")
        return format_html('<span class="badge {}">{}</span>', css, value)


class ReportRunListView(ScopedListView):
    """Every run the viewer may read, failed ones first to find (filter by state, report and
    period)."""

    model = ReportRun
    table_class = ReportRunTable
    template_name = "reports/run_list.html"

    def get_queryset(self):
        get = self.request.GET
        return selectors.runs_for_user(
            self.request.user,
            report=get.get("report") or None,
            status=get.get("status") or None,
            period_key=(get.get("period") or "").strip() or None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Report runs"),
            statuses=RunStatus.choices,
            reports=selectors.readable_reports(self.request.user),
            failed=self.get_queryset().filter(status=RunStatus.FAILED).count(),
        )
        return context


class ReportRunDetailView(ScopedDetailView):
    """A run: its state, timings, files, checksum, error, the data it was made from and its
    submission to the car maker."""

    model = ReportRun
    template_name = "reports/run_detail.html"

    def base_queryset(self):
        return ReportRun.objects.select_related("dealership", "requested_by")

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["reports/_run_state.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        report = get_report(run.report)
        submission = run.submissions.first()
        context.update(
            report=report,
            title=f"{report.title if report else run.report} · {run.period_key} · v{run.version}",
            content=ReportContent.from_json(run.content) if run.content else None,
            submission=submission,
            may_change_submission=may_change_submission(self.request.user, submission),
            may_retry=run.status == RunStatus.FAILED
            and can(self.request.user, ReportRun, "change"),
            working=run.status in (RunStatus.PENDING, RunStatus.RUNNING),
            may_submit_for_approval=may_submit_for_approval(self.request.user, run, report),
            approval_url=approval_url(run, self.request.user),
        )
        return context


class ReportRunSubmitForApprovalView(TenantRequiredMixin, View):
    """Submit a finished run of an approval report to its chain (POST)."""

    model = ReportRun

    def post(self, request, pk):
        try:
            run = report_run_submit_for_approval(actor=request.user, run_id=pk)
        except ValidationError as error:
            run = get_object_for_user(request.user, ReportRun, "view", pk=pk)
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Submitted for approval."))
        return HttpResponseRedirect(run.get_absolute_url())


class ReportRunRetryView(TenantRequiredMixin, View):
    model = ReportRun

    def post(self, request, pk):
        run = get_object_for_user(request.user, ReportRun, "change", pk=pk)
        try:
            with transaction.atomic():
                run = services.report_run_retry(actor=request.user, run=run)
                enqueue_report_run(run.pk, run.dealership_id)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(run.get_absolute_url())


def file_response(field, filename: str, content_type: str):
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("Not found.")) from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class ReportRunFileView(TenantRequiredMixin, View):
    """A run's PDF or workbook, only for who may read the run."""

    def get(self, request, pk, kind):
        from dealership.reports.render import PDF_TYPE, XLSX_TYPE

        if kind not in ("pdf", "xlsx"):
            raise Http404(_("Not found."))
        run = get_object_for_user(request.user, ReportRun, "view", pk=pk)
        field = run.pdf if kind == "pdf" else run.xlsx
        if not field:
            raise Http404(_("Not found."))
        name = f"{run.report}-{run.dealership.code}-{run.period_key}-v{run.version}.{kind}"
        return file_response(field, name, PDF_TYPE if kind == "pdf" else XLSX_TYPE)


def reports_nav_visible(request) -> bool:
    if getattr(request, "tenant_scope", None) is None:
        return False
    return bool(all_reports()) and bool(selectors.readable_reports(request.user))
