"""The HQ pages of the reports: the matrix of the group's dealerships × OEM monthly reports for a
month, the group's OEM pack exported in the background (its progress polled with htmx) and its
files, served only to the HQ users of that group who may export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dealership.access import can, get_object_for_user
from dealership.models import GroupExport, ReportRun
from dealership.reports import group
from dealership.reports.models import RunStatus
from dealership.reports.periods import Period
from dealership.reports.registry import MONTH
from dealership.views import TenantRequiredMixin

RECENT_MONTHS = 24
EXPORTS_SHOWN = 20


def is_hq(request) -> bool:
    scope = getattr(request, "tenant_scope", None)
    return scope is not None and scope.is_hq


def hq_nav_visible(request) -> bool:
    """The "Group reports" entry: HQ users who read reports."""
    return is_hq(request) and can(request.user, ReportRun, "view")


def month_or_400(key: str | None) -> Period:
    latest = Period.containing(MONTH, timezone.localdate())
    if not key:
        return latest.previous()
    try:
        period = Period.from_key(MONTH, key.strip())
    except ValueError as error:
        raise BadRequest(str(error)) from None
    if period.start > latest.start:
        raise BadRequest(_("This period has not started yet."))
    return period


class HQRequiredMixin(TenantRequiredMixin):
    """HQ users of a group who read reports; anyone else (a dealership's GM too) gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "tenant_scope", None) is not None:
            if not is_hq(request):
                raise PermissionDenied(_("Only the group's HQ opens the group's reports."))
            if not can(request.user, ReportRun, "view"):
                raise PermissionDenied(_("You may not read any report."))
        return super().dispatch(request, *args, **kwargs)


class GroupMatrixView(HQRequiredMixin, TemplateView):
    """Dealerships × OEM monthly reports for a month (last month by default): each cell the
    newest run's state, linked to it; below, the group's exports and the button to make one."""

    template_name = "reports/hq_matrix.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        period = month_or_400(self.request.GET.get("period"))
        matrix = group.group_matrix(user, period)
        may_export = can(user, GroupExport, "add")
        exports = (
            list(group.exports_for_user(user)[:EXPORTS_SHOWN])
            if can(user, GroupExport, "view")
            else []
        )
        months = Period.containing(MONTH, timezone.localdate()).previous().recent(RECENT_MONTHS)
        if period not in months:
            months.append(period)
        context.update(
            title=_("Group reports"),
            matrix=matrix,
            period=period,
            months=sorted(months, key=lambda p: p.start, reverse=True),
            may_export=may_export and bool(matrix.reports),
            exports=exports,
            exports_working=any(
                e.status in (RunStatus.PENDING, RunStatus.RUNNING) for e in exports
            ),
        )
        return context


class GroupExportCreateView(HQRequiredMixin, View):
    """POST: export the group's OEM pack of a month (made in the background)."""

    def post(self, request):
        period = month_or_400(request.POST.get("period") or "")
        try:
            with transaction.atomic():
                export = group.group_export_request(actor=request.user, period=period)
        except ValidationError as error:
            raise BadRequest(" ".join(error.messages)) from None
        messages.success(request, _("The group's pack is being made."))
        return HttpResponseRedirect(export_url(export))


def export_url(export) -> str:
    return reverse("platform:hq_export_detail", kwargs={"pk": export.pk})


class GroupExportDetailView(HQRequiredMixin, TemplateView):
    """One export: its progress (polled every 2 s while it runs), its files, its error."""

    template_name = "reports/hq_export.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["reports/hq_export_state.html"]
        return [self.template_name]

    def get_context_data(self, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        export = get_object_for_user(
            self.request.user,
            GroupExport,
            "view",
            GroupExport.objects.select_related("group", "requested_by"),
            pk=pk,
        )
        context.update(
            title=_("The group's OEM pack %(month)s · v%(version)s")
            % {"month": export.period_key, "version": export.version},
            export=export,
            working=export.status in (RunStatus.PENDING, RunStatus.RUNNING),
        )
        return context


class GroupExportFileView(HQRequiredMixin, View):
    """The export's PDF or workbook, only for the HQ users of its group who may export."""

    def get(self, request, pk, kind):
        from dealership.reports.render import PDF_TYPE, XLSX_TYPE
        from dealership.reports.views import file_response

        if kind not in ("pdf", "xlsx"):
            raise Http404(_("Not found."))
        export = get_object_for_user(
            request.user, GroupExport, "view", GroupExport.objects.select_related("group"), pk=pk
        )
        field = export.pdf if kind == "pdf" else export.xlsx
        if not field or export.status != RunStatus.DONE:
            raise Http404(_("Not found."))
        name = f"{export.group.code}-oem-{export.period_key}-v{export.version}.{kind}"
        return file_response(field, name, PDF_TYPE if kind == "pdf" else XLSX_TYPE)
