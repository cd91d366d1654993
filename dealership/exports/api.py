"""``/api/v1/exports/``: the caller's record of exports (every export of the workspace for the
readers of the audit log), one export's state and progress, and its file for who took it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.reverse import reverse

from dealership.api.viewsets import TenantReadOnlyModelViewSet
from dealership.exports.models import ListExport
from dealership.exports.views import export_file_response


class ListExportSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = ListExport
        fields = [
            "id",
            "title",
            "route",
            "path",
            "params",
            "format",
            "source",
            "background",
            "status",
            "rows",
            "total",
            "requested_by",
            "created_at",
            "finished_at",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, export) -> str | None:
        """The file, for the person who exported the list, once it is made."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if export.status != ListExport.Status.DONE or not export.file:
            return None
        if user is None or export.requested_by_id != user.pk:
            return None
        return reverse("platform-api:listexport-file", kwargs={"pk": export.pk})


class ListExportViewSet(TenantReadOnlyModelViewSet):
    model = ListExport
    serializer_class = ListExportSerializer
    filterset_fields = ["status", "format", "source"]

    def base_queryset(self):
        return ListExport.objects.select_related("requested_by")

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        return export_file_response(request.user, pk)
