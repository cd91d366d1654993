"""The exports' pages: the record (``/exports/``: one's own; every export of the workspace for
who reads the audit log), one export with its progress (polled while it runs) and the file,
which only the person who took it downloads."""

from __future__ import annotations

import django_tables2 as tables
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views import View

from dealership.access import get_object_for_user
from dealership.columns import DateTimeColumn
from dealership.exports.models import ListExport
from dealership.exports.pages import CONTENT_TYPES
from dealership.reports.views import file_response
from dealership.views import ScopedDetailView, ScopedListView, TenantRequiredMixin

WORKING = (ListExport.Status.PENDING, ListExport.Status.RUNNING)


class ListExportTable(tables.Table):
    created_at = DateTimeColumn(verbose_name=_("requested at"), linkify=True, format="Y-m-d H:i")
    requested_by = tables.Column(verbose_name=_("requested by"))

    class Meta:
        model = ListExport
        fields = ("created_at", "title", "requested_by", "format", "rows", "status", "source")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "export-table"}
        orderable = False
        empty_text = _("No list has been exported yet.")

    def render_requested_by(self, value):
        return value.get_full_name() or value.get_username()


class ListExportListView(ScopedListView):
    model = ListExport
    table_class = ListExportTable
    template_name = "platform/export_list.html"
    exportable = False

    def base_queryset(self):
        return ListExport.objects.select_related("requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Exports")
        return context


class ListExportDetailView(ScopedDetailView):
    model = ListExport
    template_name = "platform/export_detail.html"

    def get_queryset(self):
        return ListExport.objects.select_related("requested_by")

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["platform/export_state.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = self.object
        context.update(
            export=export,
            working=export.status in WORKING,
            mine=export.requested_by_id == self.request.user.pk,
            percent=min(100, round(100 * export.rows / export.total)) if export.total else 0,
        )
        return context


def export_file_response(user, pk):
    """The file of a finished export: 404 outside the viewer's record, 403 for another person's
    export (the file holds what its requester may see), 404 while it has no file."""
    export = get_object_for_user(user, ListExport, "view", ListExport.objects.all(), pk=pk)
    if export.requested_by_id != user.pk:
        raise PermissionDenied(_("Only the person who exported a list downloads its file."))
    if export.status != ListExport.Status.DONE or not export.file:
        raise Http404(_("Not found."))
    return file_response(export.file, export.filename, CONTENT_TYPES[export.format])


class ListExportFileView(TenantRequiredMixin, View):
    def get(self, request, pk):
        return export_file_response(request.user, pk)
