"""REST API of crm: the e-CRB board.

``GET /api/v1/crm/board/?day=YYYY-MM-DD`` (default today, in the dealership's time zone) — the
board's figures as the caller may see them: ``figures`` ``[{code, label, group, value, unit}]``
(a count as an integer, a rate or a score as a decimal string, ``null`` when there is nothing
to measure or the caller may not see the records) and the SSI/CSI ``trend`` by month. The
``"day"`` group (orders, deliveries, check-ins) is the day before ``day``. For HQ:
``dealerships`` (one entry per dealership of the group) and ``group`` (counts added up, rates
weighted by their base). 403 for who may not open the board, 400 for a malformed or future
day."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response

from crm.selectors import board as selectors
from dealership.api.viewsets import HasTenant, TenantScopeMixin


class BoardFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text="An integer, or a decimal string.")
    unit = serializers.CharField(allow_blank=True)


class BoardSeriesSerializer(serializers.Serializer):
    name = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField(allow_null=True))


class BoardTrendSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField())
    series = BoardSeriesSerializer(many=True)


class BoardDealershipSerializer(serializers.Serializer):
    dealership = serializers.IntegerField()
    name = serializers.CharField()
    figures = BoardFigureSerializer(many=True)


# one board, not a list of them (the route is a viewset's ``list`` only to sit in the router)
@extend_schema_serializer(many=False)
class CrmBoardSerializer(serializers.Serializer):
    day = serializers.DateField()
    yesterday = serializers.DateField()
    figures = BoardFigureSerializer(many=True, required=False)
    dealerships = BoardDealershipSerializer(many=True, required=False)
    group = BoardFigureSerializer(many=True, required=False)
    trend = BoardTrendSerializer()


class BoardViewSet(TenantScopeMixin, viewsets.ViewSet):
    """The e-CRB board of ``?day=YYYY-MM-DD`` (default today)."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]

    @extend_schema(
        parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD (default today)")],
        responses=CrmBoardSerializer,
    )
    def list(self, request):
        if not selectors.may_open_board(request.user):
            raise exceptions.PermissionDenied(
                _("The e-CRB board is for the CRM managers and the management.")
            )
        today = selectors.today()
        raw = request.query_params.get("day", "").strip()
        day = selectors.parse_day(raw) if raw else today
        if day is None:
            raise serializers.ValidationError({"day": _("Give the day as YYYY-MM-DD.")})
        if day > today:
            raise serializers.ValidationError({"day": _("A day in the future has no numbers yet.")})
        return Response(selectors.board(request.user, day).as_dict())


def register(router) -> None:
    router.register("board", BoardViewSet, basename="crm-board")
