"""``/api/v1/platform/documents/<kind>/<pk>/``: a customer document's PDF for an API client (the
current version, made when the object changed), with the same rules as the print button."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.views import APIView

from dealership.api.viewsets import HasTenant, TenantScopeMixin
from dealership.documents import service
from dealership.documents.views import pdf_response


class DocumentPdfView(TenantScopeMixin, APIView):
    """The document ``kind`` (``sales.quote``, ``sales.order``, ``sales.delivery``,
    ``aftersales.work_order``, ``aftersales.settlement``) of object ``pk`` as PDF: 404 outside
    the caller's rows or for an unknown kind, 403 for a caller who may not open such objects."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, kind: str, pk: int):
        return pdf_response(service.document_print(user=request.user, key=kind, pk=pk))
