"""API of sales: plans.

* ``targets/`` — the month's targets the caller may see (``?month=YYYY-MM``); ``PUT
  targets/month/`` with ``{"month": "YYYY-MM", "rows": [{"consultant": id|null, "model": "",
  "units": n}, …]}`` replaces the month's targets through ``targets_set``;
* ``meeting-sheet/?day=YYYY-MM-DD`` — the meeting sheet (read-only, the selector's numbers);
* ``day-confirmations/`` — the day confirmations (``?day=``); ``POST {"day": …}`` confirms a
  day through ``day_confirm``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dealership.access import check_model_permission
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import HasTenant, TenantReadOnlyModelViewSet, TenantScopeMixin
from sales import services
from sales.models import DayConfirmation, SalesTarget
from sales.selectors import plans as selectors


class SalesTargetSerializer(serializers.ModelSerializer):
    consultant_name = serializers.SerializerMethodField()

    class Meta:
        model = SalesTarget
        fields = ["id", "month", "consultant", "consultant_name", "model", "units", "created_at"]
        read_only_fields = fields

    def get_consultant_name(self, obj) -> str | None:
        return str(obj.consultant) if obj.consultant_id else None


class TargetRowSerializer(serializers.Serializer):
    consultant = serializers.IntegerField(required=False, allow_null=True)
    model = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    units = serializers.IntegerField(min_value=0, max_value=services.plans.MAX_UNITS)


class TargetMonthSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", max_length=7)
    rows = TargetRowSerializer(many=True, allow_empty=True, max_length=500)

    def validate_month(self, value):
        month = selectors.parse_month(value)
        if month is None:
            raise serializers.ValidationError(_("Give the month as YYYY-MM."))
        return month


class SalesTargetViewSet(TenantReadOnlyModelViewSet):
    """The month's targets (``?month=YYYY-MM``); ``PUT month/`` replaces a month's targets."""

    model = SalesTarget
    serializer_class = SalesTargetSerializer

    def base_queryset(self):
        return SalesTarget.objects.select_related("consultant").order_by("-month", "pk")

    def policy_action(self) -> str:
        return "change" if self.action == "month" else super().policy_action()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and self.request.query_params.get("month"):
            month = selectors.parse_month(self.request.query_params["month"])
            if month is None:
                raise serializers.ValidationError({"month": _("Give the month as YYYY-MM.")})
            queryset = queryset.filter(month=month)
        return queryset

    @extend_schema(request=TargetMonthSerializer, responses=SalesTargetSerializer(many=True))
    @action(detail=False, methods=["put"])
    def month(self, request):
        check_model_permission(request.user, SalesTarget, "change")
        data = valid(TargetMonthSerializer, request)
        with as_drf_errors():
            targets = services.targets_set(
                actor=request.user, month=data["month"], rows=[dict(r) for r in data["rows"]]
            )
        rows = self.base_queryset().filter(pk__in=[t.pk for t in targets])
        return Response(self.get_serializer(rows, many=True).data, status=status.HTTP_200_OK)


class DayConfirmationSerializer(serializers.ModelSerializer):
    confirmed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = DayConfirmation
        fields = [
            "id",
            "day",
            "orders",
            "deliveries",
            "confirmed_by",
            "confirmed_by_name",
            "confirmed_at",
        ]
        read_only_fields = fields

    def get_confirmed_by_name(self, obj) -> str:
        return str(obj.confirmed_by)


class DayConfirmSerializer(serializers.Serializer):
    day = serializers.DateField()


class DayConfirmationViewSet(TenantReadOnlyModelViewSet):
    """Day confirmations (``?day=YYYY-MM-DD``); ``POST {"day": …}`` confirms that day."""

    model = DayConfirmation
    serializer_class = DayConfirmationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return DayConfirmation.objects.select_related("confirmed_by").order_by("-day")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and self.request.query_params.get("day"):
            day = selectors.parse_day(self.request.query_params["day"])
            if day is None:
                raise serializers.ValidationError({"day": _("Give the day as YYYY-MM-DD.")})
            queryset = queryset.filter(day=day)
        return queryset

    @extend_schema(request=DayConfirmSerializer, responses=DayConfirmationSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(DayConfirmSerializer, request)
        with as_drf_errors():
            confirmation = services.day_confirm(actor=request.user, day=data["day"])
        obj = self.base_queryset().get(pk=confirmation.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_200_OK)


class MeetingSheetViewSet(TenantScopeMixin, viewsets.ViewSet):
    """The morning/evening meeting sheet of ``?day=YYYY-MM-DD`` (default yesterday): per
    consultant the day's and the month's numbers, as the caller may see them."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]

    @extend_schema(
        parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD (default yesterday)")],
        responses=dict,
    )
    def list(self, request):
        check_model_permission(request.user, SalesTarget, "view")
        raw = request.query_params.get("day", "").strip()
        day = selectors.parse_day(raw) if raw else selectors.yesterday()
        if day is None:
            raise serializers.ValidationError({"day": _("Give the day as YYYY-MM-DD.")})
        if day > selectors.today():
            raise serializers.ValidationError({"day": _("A day in the future has no numbers yet.")})
        return Response(selectors.meeting_sheet(request.user, day).as_dict())


def register(router) -> None:
    router.register("targets", SalesTargetViewSet, basename="salestarget")
    router.register("meeting-sheet", MeetingSheetViewSet, basename="meeting-sheet")
    router.register("day-confirmations", DayConfirmationViewSet, basename="dayconfirmation")
