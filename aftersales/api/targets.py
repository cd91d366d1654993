"""API of after-sales: targets per person.

* ``targets/`` — the targets the caller may see (``?month=YYYY-MM``, ``role``); ``POST`` sets a
  person's target of a month (created or changed: ``{"month", "person", "role", "revenue",
  "repair_orders", "parts_sales", "checkins"}``); ``DELETE targets/{id}/``;
* ``targets/progress/?month=YYYY-MM`` — each visible target with its actual figures;
* ``targets/mine/`` — the caller's own target of this month with its actual figures (404 when
  none).

Every write goes through the services."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales import services
from aftersales.models import ServiceTarget, TargetRole
from aftersales.selectors import targets as selectors
from dealership.access import check_model_permission
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class ServiceTargetSerializer(serializers.ModelSerializer):
    person_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceTarget
        fields = [
            "id",
            "month",
            "person",
            "person_name",
            "role",
            "revenue",
            "repair_orders",
            "parts_sales",
            "checkins",
            "set_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_person_name(self, obj) -> str:
        return obj.person.name or obj.person.username


class ServiceTargetWriteSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", max_length=7)
    person = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=TargetRole.choices)
    revenue = serializers.DecimalField(**MONEY, default=0)
    repair_orders = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    parts_sales = serializers.DecimalField(**MONEY, default=0)
    checkins = serializers.IntegerField(min_value=0, max_value=100000, default=0)


def _row(row) -> dict:
    data = ServiceTargetSerializer(row.target).data
    data["actual"] = {m.name: (str(m.actual) if m.counts else None) for m in row.measures}
    data["percent"] = {m.name: m.percent for m in row.measures}
    return data


class ServiceTargetViewSet(TenantModelViewSet):
    """After-sales targets per person (``?month=YYYY-MM``, ``role``)."""

    model = ServiceTarget
    serializer_class = ServiceTargetSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def base_queryset(self):
        return ServiceTarget.objects.select_related("person").order_by("-month", "role", "pk")

    def _month(self):
        raw = self.request.query_params.get("month", "")
        if not raw:
            return None
        month = selectors.parse_month(raw)
        if month is None:
            raise serializers.ValidationError({"month": _("Give the month as YYYY-MM.")})
        return month

    def _role(self):
        role = self.request.query_params.get("role", "")
        if role and role not in TargetRole.values:
            raise serializers.ValidationError({"role": _("Unknown value.")})
        return role

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            month, role = self._month(), self._role()
            if month is not None:
                queryset = queryset.filter(month=month)
            if role:
                queryset = queryset.filter(role=role)
        return queryset

    @extend_schema(request=ServiceTargetWriteSerializer, responses=ServiceTargetSerializer)
    def create(self, request, *args, **kwargs):
        check_model_permission(request.user, ServiceTarget, "change")
        data = valid(ServiceTargetWriteSerializer, request)
        with as_drf_errors():
            target = services.servicetarget_set(actor=request.user, **data)
        return self.answer(target, status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        target = self.get_object()
        with as_drf_errors():
            services.servicetarget_delete(actor=request.user, target_id=target.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("month", str), OpenApiParameter("role", str)],
        responses=ServiceTargetSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def progress(self, request):
        month = self._month() or selectors.month_start(selectors.today())
        rows = selectors.target_rows(request.user, month, role=self._role())
        return Response({"month": f"{month:%Y-%m}", "rows": [_row(row) for row in rows]})

    @extend_schema(responses=ServiceTargetSerializer)
    @action(detail=False, methods=["get"])
    def mine(self, request):
        row = selectors.my_target(request.user)
        if row is None:
            raise Http404
        return Response(_row(row))


def register(router) -> None:
    router.register("targets", ServiceTargetViewSet, basename="servicetarget")
