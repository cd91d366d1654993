"""``GET /api/v1/search/?q=``: the same search as the page, as JSON (groups of lines, each with
what identifies the row, a second line with masked phone numbers, and the page's URL)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dealership.api.viewsets import HasTenant, TenantScopeMixin
from dealership.search.service import search


class SearchLineSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="What identifies the row (a name, plate, number).")
    detail = serializers.CharField(
        help_text="A second line; phone numbers masked as on the module's pages."
    )
    url = serializers.CharField(help_text="The row's page.")


class SearchGroupSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The result type, e.g. `crm.customer`.")
    label = serializers.CharField()
    lines = SearchLineSerializer(many=True)
    more_url = serializers.CharField(
        allow_null=True,
        help_text="The module's own list filtered by the query when the group has more rows "
        "than it shows (never a count).",
    )


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched (normalised).")
    kinds = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the query was read as: name, initials, plate, plate_part, vin, "
        "vin_tail, mobile, mobile_tail, document, document_part.",
    )
    groups = SearchGroupSerializer(many=True)


class SearchAPIView(TenantScopeMixin, APIView):
    """Search customers, vehicles, leads, orders, repair orders, complaints and follow-ups by
    plate, VIN (or its last 6 or 8), mobile (or its last 4 digits), document number or name;
    only what the caller may see, at most 10 per type."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="What to look for (at most 50 characters).",
            )
        ],
        responses={200: SearchResultSerializer},
        summary=str(_("Search")),
    )
    def get(self, request):
        try:
            outcome = search(request.user, request.query_params.get("q", ""), context=request.path)
        except ValidationError as error:
            raise exceptions.ValidationError({"q": error.messages}) from None
        data = {
            "query": outcome.query,
            "kinds": sorted(outcome.kinds),
            "groups": [
                {
                    "key": group.key,
                    "label": group.label,
                    "lines": [
                        {"title": line.title, "detail": line.detail, "url": line.url}
                        for line in group.lines
                    ],
                    "more_url": group.more_url,
                }
                for group in outcome.groups
            ],
        }
        return Response(SearchResultSerializer(data).data)
