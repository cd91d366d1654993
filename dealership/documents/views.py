"""Printing from the object's page: ``/documents/<kind>/<pk>/`` (the current version, made when
the object changed), ``…/versions/`` (every version) and ``…/v<n>/`` (one kept version). Each
checks the object as its page does."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from dealership.documents import service
from dealership.views import TenantRequiredMixin


def pdf_response(doc):
    try:
        handle = doc.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("Not found.")) from None
    response = FileResponse(
        handle,
        content_type="application/pdf",
        filename=f"{doc.number}-v{doc.version}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class DocumentPrintView(TenantRequiredMixin, View):
    def get(self, request, kind, pk):
        return pdf_response(service.document_print(user=request.user, key=kind, pk=pk))


class DocumentVersionView(TenantRequiredMixin, View):
    def get(self, request, kind, pk, version):
        document_kind, obj = service.document_object(request.user, kind, pk)
        for doc in service.versions(document_kind, obj):
            if doc.version == version:
                return pdf_response(doc)
        raise Http404(_("Not found."))


class DocumentVersionsView(TenantRequiredMixin, TemplateView):
    template_name = "documents/versions.html"

    def get_context_data(self, kind, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        document_kind, obj = service.document_object(self.request.user, kind, pk)
        context.update(
            kind=document_kind,
            object=obj,
            versions=service.versions(document_kind, obj),
            title=document_kind.title,
        )
        return context
