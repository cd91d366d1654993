"""API of sales: plans, price lists and the sub-dealer network.

* ``sales-plans/`` — plans with their lines and actuals (``?period=``, ``state``, ``year``);
  create ``{"period", "starts_on", "lines": [{"model", "units", "revenue"}], "notes"}``; change
  a draft (PUT/PATCH ``lines``, ``notes``); ``POST …/{id}/submit/`` (approval chain),
  ``…/{id}/send-to-oem/`` (``submitted_on``);
* ``price-lists/`` — price lists (``?q=``, ``state``, ``in_effect=1``); create / change a draft;
  ``POST …/{id}/submit/``; ``GET price-lists/in-effect/?model=&trim=&day=`` — the list in
  effect (404 when none);
* ``sub-dealers/`` — sub-dealers with their latest score (``?q=``, ``state``); create /
  change; ``GET/POST …/{id}/assessments/`` — their assessments.

Every write goes through the services."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dealership.access import check_model_permission
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet
from sales import services
from sales.models import (
    PlanPeriod,
    PlanState,
    PriceList,
    PriceListState,
    SalesPlan,
    SubDealer,
    SubDealerAssessment,
    SubDealerState,
)
from sales.selectors import salesplans as selectors
from sales.selectors.plans import parse_day

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


def _choice(params, name, choices):
    value = params.get(name, "")
    if value and value not in choices:
        raise serializers.ValidationError({name: _("Unknown value.")})
    return value


class _Viewset(TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    detail_actions: tuple[str, ...] = ()

    def policy_action(self) -> str:
        return "change" if self.action in self.detail_actions else super().policy_action()


# --- sales plans --------------------------------------------------------------------------------


class PlanLineSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=80)
    units = serializers.IntegerField(min_value=0, max_value=services.salesplans.MAX_UNITS)
    revenue = serializers.DecimalField(**MONEY)


class SalesPlanSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    lines = serializers.SerializerMethodField()
    actuals = serializers.SerializerMethodField()

    class Meta:
        model = SalesPlan
        fields = [
            "id",
            "period",
            "starts_on",
            "ends_on",
            "label",
            "state",
            "request",
            "submitted_on",
            "submitted_by",
            "notes",
            "lines",
            "actuals",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_lines(self, obj) -> list[dict]:
        return [
            {"model": line.model, "units": line.units, "revenue": str(line.revenue)}
            for line in obj.lines.all()
        ]

    def get_actuals(self, obj) -> dict | None:
        view = self.context.get("view")
        if view is None or view.action == "list":
            return None
        found = selectors.plan_actuals(self.context["request"].user, obj)
        return {
            "until": found.until,
            "rows": [
                {
                    "model": row.model,
                    "units": row.units,
                    "revenue": str(row.revenue),
                    "ordered": row.ordered,
                    "delivered": row.delivered,
                    "delivered_revenue": str(row.delivered_revenue),
                    "percent": row.percent,
                }
                for row in found.rows
            ],
        }


class PlanCreateSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PlanPeriod.choices)
    starts_on = serializers.CharField(max_length=10)
    lines = PlanLineSerializer(many=True, required=False, max_length=50)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class PlanUpdateSerializer(serializers.Serializer):
    lines = PlanLineSerializer(many=True, required=False, max_length=50)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class SendToOemSerializer(serializers.Serializer):
    submitted_on = serializers.DateField(required=False, allow_null=True)


class SalesPlanViewSet(_Viewset):
    """Sales plans (year, quarter, month) with their lines and, one by one, their actuals."""

    model = SalesPlan
    serializer_class = SalesPlanSerializer
    detail_actions = ("submit", "send_to_oem")

    def base_queryset(self):
        return selectors.plan_detail_queryset().prefetch_related("lines")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SalesPlan._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            year = params.get("year", "")
            if year and not (year.isdigit() and len(year) == 4):
                raise serializers.ValidationError({"year": _("Give the year as YYYY.")})
            return selectors.plans_for_user(
                self.request.user,
                period=_choice(params, "period", PlanPeriod.values),
                state=_choice(params, "state", PlanState.values),
                year=int(year) if year else None,
            ).prefetch_related("lines")
        return super().get_queryset()

    @extend_schema(request=PlanCreateSerializer, responses=SalesPlanSerializer)
    def create(self, request, *args, **kwargs):
        check_model_permission(request.user, SalesPlan, "add")
        data = valid(PlanCreateSerializer, request)
        with as_drf_errors():
            plan = services.salesplan_create(actor=request.user, **data)
        return self.answer(plan, status.HTTP_201_CREATED)

    @extend_schema(request=PlanUpdateSerializer, responses=SalesPlanSerializer)
    def update(self, request, *args, **kwargs):
        plan = self.get_object()
        data = valid(PlanUpdateSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            plan = services.salesplan_update(actor=request.user, plan_id=plan.pk, **data)
        return self.answer(plan)

    @extend_schema(request=None, responses=SalesPlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = self.get_object()
        with as_drf_errors():
            plan = services.salesplan_submit(actor=request.user, plan_id=plan.pk)
        return self.answer(plan)

    @extend_schema(request=SendToOemSerializer, responses=SalesPlanSerializer)
    @action(detail=True, methods=["post"], url_path="send-to-oem")
    def send_to_oem(self, request, pk=None):
        plan = self.get_object()
        data = valid(SendToOemSerializer, request)
        with as_drf_errors():
            plan = services.salesplan_send_to_oem(actor=request.user, plan_id=plan.pk, **data)
        return self.answer(plan)


# --- price lists --------------------------------------------------------------------------------


class PriceListSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceList
        fields = [
            "id",
            "model",
            "trim",
            "msrp",
            "dealer_price",
            "floor_price",
            "valid_from",
            "state",
            "request",
            "approved_at",
            "notes",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PriceListWriteSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=80)
    trim = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    msrp = serializers.DecimalField(**MONEY)
    dealer_price = serializers.DecimalField(**MONEY)
    floor_price = serializers.DecimalField(**MONEY)
    valid_from = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class PriceListViewSet(_Viewset):
    """Price lists; ``in-effect/?model=&trim=&day=`` answers the list in effect."""

    model = PriceList
    serializer_class = PriceListSerializer
    detail_actions = ("submit",)

    def base_queryset(self):
        return selectors.pricelist_detail_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PriceList._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            return selectors.pricelists_for_user(
                self.request.user,
                q=params.get("q", "")[:80],
                state=_choice(params, "state", PriceListState.values),
                in_effect=params.get("in_effect", "") in ("1", "true", "yes"),
            )
        return super().get_queryset()

    @extend_schema(request=PriceListWriteSerializer, responses=PriceListSerializer)
    def create(self, request, *args, **kwargs):
        check_model_permission(request.user, PriceList, "add")
        data = valid(PriceListWriteSerializer, request)
        with as_drf_errors():
            price_list = services.pricelist_create(actor=request.user, **data)
        return self.answer(price_list, status.HTTP_201_CREATED)

    @extend_schema(request=PriceListWriteSerializer, responses=PriceListSerializer)
    def update(self, request, *args, **kwargs):
        price_list = self.get_object()
        data = valid(PriceListWriteSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            price_list = services.pricelist_update(
                actor=request.user, pricelist_id=price_list.pk, **data
            )
        return self.answer(price_list)

    @extend_schema(request=None, responses=PriceListSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        price_list = self.get_object()
        with as_drf_errors():
            price_list = services.pricelist_submit(actor=request.user, pricelist_id=price_list.pk)
        return self.answer(price_list)

    @extend_schema(
        parameters=[
            OpenApiParameter("model", str, required=True),
            OpenApiParameter("trim", str),
            OpenApiParameter("day", str, description="YYYY-MM-DD (default today)"),
        ],
        responses=PriceListSerializer,
    )
    @action(detail=False, methods=["get"], url_path="in-effect")
    def in_effect(self, request):
        params = request.query_params
        model = params.get("model", "").strip()
        if not model:
            raise serializers.ValidationError({"model": _("Enter the model.")})
        day = None
        if params.get("day"):
            day = parse_day(params["day"])
            if day is None:
                raise serializers.ValidationError({"day": _("Give the day as YYYY-MM-DD.")})
        found = selectors.price_in_effect(model[:80], params.get("trim", "")[:80], day)
        if found is None or not self.get_queryset().filter(pk=found.pk).exists():
            raise Http404
        return Response(self.get_serializer(found).data)


# --- sub-dealers --------------------------------------------------------------------------------


class SubDealerSerializer(serializers.ModelSerializer):
    latest_score = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = SubDealer
        fields = [
            "id",
            "name",
            "contact_name",
            "contact_phone",
            "region",
            "address",
            "contract_start",
            "contract_end",
            "state",
            "manager",
            "notes",
            "latest_score",
            "created_at",
        ]
        read_only_fields = fields


class SubDealerWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    region = serializers.CharField(max_length=50)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contract_start = serializers.DateField(required=False, allow_null=True, default=None)
    contract_end = serializers.DateField(required=False, allow_null=True, default=None)
    state = serializers.ChoiceField(choices=SubDealerState.choices, default=SubDealerState.PROSPECT)
    manager = serializers.IntegerField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubDealerAssessment
        fields = [
            "id",
            "sub_dealer",
            "period_start",
            "period_end",
            "units",
            "score",
            "findings",
            "assessed_by",
            "created_at",
        ]
        read_only_fields = fields


class AssessmentWriteSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    units = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    score = serializers.IntegerField(min_value=0, max_value=100)
    findings = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class SubDealerViewSet(_Viewset):
    """The sub-dealer network; ``{id}/assessments/`` lists (GET) or adds (POST) assessments."""

    model = SubDealer
    serializer_class = SubDealerSerializer

    def base_queryset(self):
        return selectors.subdealer_detail_queryset()

    def policy_action(self) -> str:
        if self.action == "assessments" and self.request.method == "POST":
            return "change"
        return super().policy_action()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SubDealer._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            return selectors.subdealers_for_user(
                self.request.user,
                q=params.get("q", "")[:100],
                state=_choice(params, "state", SubDealerState.values),
            )
        return super().get_queryset()

    @extend_schema(request=SubDealerWriteSerializer, responses=SubDealerSerializer)
    def create(self, request, *args, **kwargs):
        check_model_permission(request.user, SubDealer, "add")
        data = valid(SubDealerWriteSerializer, request)
        with as_drf_errors():
            dealer = services.subdealer_create(actor=request.user, **data)
        return self.answer(dealer, status.HTTP_201_CREATED)

    @extend_schema(request=SubDealerWriteSerializer, responses=SubDealerSerializer)
    def update(self, request, *args, **kwargs):
        dealer = self.get_object()
        data = valid(SubDealerWriteSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            dealer = services.subdealer_update(actor=request.user, subdealer_id=dealer.pk, **data)
        return self.answer(dealer)

    @extend_schema(request=AssessmentWriteSerializer, responses=AssessmentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def assessments(self, request, pk=None):
        dealer = self.get_object()
        if request.method == "POST":
            check_model_permission(request.user, SubDealerAssessment, "add")
            data = valid(AssessmentWriteSerializer, request)
            with as_drf_errors():
                assessment = services.subdealer_assess(
                    actor=request.user, subdealer_id=dealer.pk, **data
                )
            return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)
        rows = selectors.assessments_of(request.user, dealer)
        return Response(AssessmentSerializer(rows, many=True).data)


def register(router) -> None:
    router.register("sales-plans", SalesPlanViewSet, basename="salesplan")
    router.register("price-lists", PriceListViewSet, basename="pricelist")
    router.register("sub-dealers", SubDealerViewSet, basename="subdealer")
