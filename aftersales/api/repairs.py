"""API of the service front desk under ``/api/v1/aftersales/``: ``appointments/`` (book, change;
``POST …/{id}/cancel/``, ``…/no-show/``), ``repair-orders/`` (check in, change; lines nested;
``POST …/{id}/estimate/``, ``approve/``, ``start/``, ``quality-check/``, ``close/``, ``cancel/``,
``lines/`` (add), ``remove-line/``) and ``rescues/`` (record, change). Each shows its customer
(the phone masked per ``crm.view_customer_phone``) and vehicle. Every write goes through the
services."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from aftersales import services
from aftersales.models import (
    Appointment,
    AppointmentStatus,
    LineKind,
    RepairLine,
    RepairOrder,
    RepairStatus,
    Rescue,
    RescueResult,
    ServiceType,
)
from aftersales.selectors import repairs as selectors
from aftersales.services.repairs import WalkAround
from crm.access_rules import may_see_phone
from crm.api.serializers import PhonesShownMixin, api_phone
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet
from dealership.audit import mask

# --- serializers ---------------------------------------------------------------------------------


class _CustomerField(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mobile = serializers.CharField(allow_null=True)


class _VehicleField(serializers.Serializer):
    id = serializers.IntegerField()
    vin = serializers.CharField()
    plate = serializers.CharField()
    model = serializers.CharField()


class _PartiesMixin(PhonesShownMixin, serializers.Serializer):
    # the customer's number through crm's phones_shown (masked or logged, once a page)
    phone_customer = "customer"
    phone_fields = ("mobile",)
    phone_keys = {"mobile": "_none"}  # get_customer decides

    customer = serializers.SerializerMethodField()
    vehicle = serializers.SerializerMethodField()

    def _show_phone(self) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        return self.context.setdefault("_may_see_phone", may_see_phone(request.user))

    @extend_schema(responses=_CustomerField)
    def get_customer(self, obj) -> dict | None:
        if obj.customer_id is None:
            return None
        return {
            "id": obj.customer_id,
            "name": obj.customer.name,
            "mobile": api_phone(self, obj.customer),
        }

    @extend_schema(responses=_VehicleField)
    def get_vehicle(self, obj) -> dict | None:
        vehicle = obj.vehicle
        if vehicle is None:
            return None
        return {
            "id": vehicle.pk,
            "vin": vehicle.vin,
            "plate": vehicle.plate,
            "model": vehicle.model,
        }


class AppointmentSerializer(_PartiesMixin, serializers.ModelSerializer):
    advisor_name = serializers.CharField(source="advisor.name", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "customer",
            "vehicle",
            "advisor",
            "advisor_name",
            "starts_at",
            "ends_at",
            "service_type",
            "concerns",
            "status",
            "reminder_sent_at",
            "cancelled_reason",
            "created_at",
        ]
        read_only_fields = fields


class AppointmentWriteSerializer(serializers.Serializer):
    vehicle = serializers.IntegerField(min_value=1)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    service_type = serializers.ChoiceField(choices=ServiceType.choices)
    concerns = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    advisor = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class RepairLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RepairLine
        fields = [
            "id",
            "kind",
            "description",
            "warranty",
            "operation_code",
            "hours",
            "rate",
            "part",
            "quantity",
            "part_state",
            "supplier",
            "cost",
            "unit_price",
            "amount",
        ]
        read_only_fields = fields


class RepairOrderSerializer(_PartiesMixin, serializers.ModelSerializer):
    type = serializers.CharField(source="service_type", read_only=True)
    advisor_name = serializers.CharField(source="advisor.name", read_only=True)
    lines = RepairLineSerializer(many=True, read_only=True)

    class Meta:
        model = RepairOrder
        fields = [
            "id",
            "number",
            "customer",
            "vehicle",
            "type",
            "status",
            "advisor",
            "advisor_name",
            "mileage",
            "concerns",
            "walk_around",
            "fuel_level",
            "appointment",
            "checked_in_at",
            "promised_at",
            "estimate_total",
            "approved_at",
            "approval_note",
            "qc_at",
            "qc_note",
            "ready_at",
            "closed_at",
            "closed_on",
            "cancelled_reason",
            "labour_total",
            "parts_total",
            "sublet_total",
            "warranty_total",
            "total",
            "lines",
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    vehicle = serializers.IntegerField(min_value=1)
    mileage = serializers.IntegerField(min_value=0, max_value=2_000_000)
    service_type = serializers.ChoiceField(choices=ServiceType.choices)
    concerns = serializers.CharField(max_length=5000)
    walk_around = serializers.ListField(
        child=serializers.ChoiceField(choices=WalkAround.choices), required=False, max_length=20
    )
    fuel_level = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    promised_at = serializers.DateTimeField(required=False, allow_null=True)
    appointment = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    advisor = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class RepairOrderUpdateSerializer(serializers.Serializer):
    service_type = serializers.ChoiceField(choices=ServiceType.choices)
    mileage = serializers.IntegerField(min_value=0, max_value=2_000_000)
    concerns = serializers.CharField(max_length=5000)
    walk_around = serializers.ListField(
        child=serializers.ChoiceField(choices=WalkAround.choices), required=False, max_length=20
    )
    fuel_level = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    promised_at = serializers.DateTimeField(required=False, allow_null=True)


MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class LineAddSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LineKind.choices)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    warranty = serializers.BooleanField(required=False, default=False)
    operation_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False)
    rate = serializers.DecimalField(required=False, **MONEY)
    part = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    quantity = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    unit_price = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    supplier = serializers.CharField(max_length=100, required=False, allow_blank=True)
    cost = serializers.DecimalField(required=False, **MONEY)
    price = serializers.DecimalField(required=False, **MONEY)


class LineRemoveSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1)


class RepairApproveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200)


class QualityCheckSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RescueSerializer(_PartiesMixin, serializers.ModelSerializer):
    caller_phone = serializers.SerializerMethodField()
    repair_order_number = serializers.CharField(
        source="repair_order.number", read_only=True, default=None
    )

    class Meta:
        model = Rescue
        fields = [
            "id",
            "called_at",
            "caller_name",
            "caller_phone",
            "customer",
            "vehicle",
            "location",
            "problem",
            "dispatched",
            "crew",
            "departed_at",
            "arrived_at",
            "finished_at",
            "result",
            "repair_order",
            "repair_order_number",
            "created_at",
        ]
        read_only_fields = fields

    def get_caller_phone(self, obj) -> str:
        return obj.caller_phone if self._show_phone() else mask(obj.caller_phone)


class RescueWriteSerializer(serializers.Serializer):
    called_at = serializers.DateTimeField()
    caller_name = serializers.CharField(max_length=100)
    caller_phone = serializers.CharField(max_length=30)
    vehicle = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    customer = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    location = serializers.CharField(max_length=200)
    problem = serializers.CharField(max_length=5000)
    dispatched = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    crew = serializers.CharField(max_length=200, required=False, allow_blank=True)
    departed_at = serializers.DateTimeField(required=False, allow_null=True)
    arrived_at = serializers.DateTimeField(required=False, allow_null=True)
    finished_at = serializers.DateTimeField(required=False, allow_null=True)
    result = serializers.ChoiceField(choices=RescueResult.choices, required=False, allow_blank=True)


class RescueRepairOrderSerializer(serializers.Serializer):
    mileage = serializers.IntegerField(min_value=0, max_value=2_000_000)
    concerns = serializers.CharField(max_length=5000, required=False, allow_blank=True)


# --- viewsets ------------------------------------------------------------------------------------


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _id(value: str) -> int | None:
    return int(value) if str(value or "").isdigit() and len(value) < 18 else None


class _ServiceViewSet(TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    detail_actions: tuple[str, ...] = ()

    def policy_action(self) -> str:
        return "change" if self.action in self.detail_actions else super().policy_action()


class AppointmentViewSet(_ServiceViewSet):
    """Appointments the user may see (today and after unless ``?day=YYYY-MM-DD``); filters
    ``advisor``, ``service_type``, ``status``, ``q`` (plate, VIN, customer)."""

    model = Appointment
    serializer_class = AppointmentSerializer
    detail_actions = ("cancel", "no_show")

    def base_queryset(self):
        return Appointment.objects.select_related("customer", "vehicle", "advisor")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appointment._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            status_ = params.get("status", "")
            type_ = params.get("service_type", "")
            return selectors.appointments_for_user(
                self.request.user,
                day=_day(params.get("day", "")),
                advisor=_id(params.get("advisor", "")),
                service_type=type_ if type_ in ServiceType.values else "",
                status=status_ if status_ in AppointmentStatus.values else "",
                q=params.get("q", ""),
            )
        return super().get_queryset()

    @extend_schema(request=AppointmentWriteSerializer, responses=AppointmentSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(AppointmentWriteSerializer, request)
        with as_drf_errors():
            obj = services.appointment_create(actor=request.user, **data)
        return self.answer(obj, status.HTTP_201_CREATED)

    @extend_schema(request=AppointmentWriteSerializer, responses=AppointmentSerializer)
    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = valid(AppointmentWriteSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            obj = services.appointment_update(actor=request.user, appointment_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_200_OK)

    @extend_schema(request=ReasonSerializer, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        obj = self.get_object()
        data = valid(ReasonSerializer, request)
        with as_drf_errors():
            obj = services.appointment_cancel(actor=request.user, appointment_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_200_OK)

    @extend_schema(request=None, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        obj = self.get_object()
        with as_drf_errors():
            obj = services.appointment_no_show(actor=request.user, appointment_id=obj.pk)
        return self.answer(obj, status.HTTP_200_OK)


class RepairOrderViewSet(_ServiceViewSet):
    """Repair orders the user may see (by default not closed or cancelled; ``?status=all`` or a
    status); filters ``q`` (number, plate, VIN, customer), ``service_type``, ``advisor``,
    ``from``/``until`` (check-in days), ``sort``. Create = check a car in."""

    model = RepairOrder
    serializer_class = RepairOrderSerializer
    detail_actions = (
        "estimate",
        "approve",
        "start",
        "quality_check",
        "close",
        "cancel",
        "lines",
        "remove_line",
    )

    def base_queryset(self):
        return selectors.repairorder_api_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RepairOrder._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            status_ = params.get("status", "")
            type_ = params.get("service_type", "")
            return selectors.repairorders_for_user(
                self.request.user,
                q=params.get("q", ""),
                status=status_ if status_ in (*RepairStatus.values, "all") else selectors.LIVE,
                service_type=type_ if type_ in ServiceType.values else "",
                advisor=_id(params.get("advisor", "")),
                date_from=_day(params.get("from", "")),
                date_to=_day(params.get("until", "")),
                sort=params.get("sort", ""),
            ).prefetch_related("lines")
        return super().get_queryset()

    @extend_schema(request=CheckInSerializer, responses=RepairOrderSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(CheckInSerializer, request)
        with as_drf_errors():
            obj = services.repairorder_checkin(actor=request.user, **data)
        return self.answer(obj, status.HTTP_201_CREATED)

    @extend_schema(request=RepairOrderUpdateSerializer, responses=RepairOrderSerializer)
    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = valid(RepairOrderUpdateSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            obj = services.repairorder_update(actor=request.user, repair_order_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_200_OK)

    def _move(self, request, service, serializer=None):
        obj = self.get_object()
        data = valid(serializer, request) if serializer else {}
        with as_drf_errors():
            service(actor=request.user, repair_order_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_200_OK)

    @extend_schema(request=None, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def estimate(self, request, pk=None):
        return self._move(request, services.repairorder_estimate)

    @extend_schema(request=RepairApproveSerializer, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._move(request, services.repairorder_approve, RepairApproveSerializer)

    @extend_schema(request=None, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._move(request, services.repairorder_start)

    @extend_schema(request=QualityCheckSerializer, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"], url_path="quality-check")
    def quality_check(self, request, pk=None):
        return self._move(request, services.repairorder_quality_check, QualityCheckSerializer)

    @extend_schema(request=None, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._move(request, services.repairorder_close)

    @extend_schema(request=ReasonSerializer, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._move(request, services.repairorder_cancel, ReasonSerializer)

    @extend_schema(request=LineAddSerializer, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        obj = self.get_object()
        data = valid(LineAddSerializer, request)
        with as_drf_errors():
            services.repairline_add(actor=request.user, repair_order_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_201_CREATED)

    @extend_schema(request=LineRemoveSerializer, responses=RepairOrderSerializer)
    @action(detail=True, methods=["post"], url_path="remove-line")
    def remove_line(self, request, pk=None):
        obj = self.get_object()
        data = valid(LineRemoveSerializer, request)
        if not RepairLine.objects.filter(repair_order=obj, pk=data["line"]).exists():
            raise serializers.ValidationError({"line": ["Not a line of this repair order."]})
        with as_drf_errors():
            services.repairline_remove(actor=request.user, line_id=data["line"])
        return self.answer(obj, status.HTTP_200_OK)


class RescueViewSet(_ServiceViewSet):
    """Roadside rescues the user may see; filters ``q``, ``result`` (or ``open``),
    ``from``/``until``. ``POST …/{id}/repair-order/`` checks the rescued car in."""

    model = Rescue
    serializer_class = RescueSerializer
    detail_actions = ("repair_order",)

    def base_queryset(self):
        return Rescue.objects.select_related("customer", "vehicle", "repair_order")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Rescue._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            result = params.get("result", "")
            return selectors.rescues_for_user(
                self.request.user,
                q=params.get("q", ""),
                result=result if result in (*RescueResult.values, "open") else "",
                date_from=_day(params.get("from", "")),
                date_to=_day(params.get("until", "")),
            )
        return super().get_queryset()

    @extend_schema(request=RescueWriteSerializer, responses=RescueSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(RescueWriteSerializer, request)
        with as_drf_errors():
            obj = services.rescue_create(actor=request.user, **data)
        return self.answer(obj, status.HTTP_201_CREATED)

    @extend_schema(request=RescueWriteSerializer, responses=RescueSerializer)
    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = valid(RescueWriteSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            obj = services.rescue_update(actor=request.user, rescue_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_200_OK)

    @extend_schema(request=RescueRepairOrderSerializer, responses=RescueSerializer)
    @action(detail=True, methods=["post"], url_path="repair-order")
    def repair_order(self, request, pk=None):
        obj = self.get_object()
        data = valid(RescueRepairOrderSerializer, request)
        with as_drf_errors():
            services.rescue_open_repair_order(actor=request.user, rescue_id=obj.pk, **data)
        return self.answer(obj, status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("appointments", AppointmentViewSet, basename="appointment")
    router.register("repair-orders", RepairOrderViewSet, basename="repairorder")
    router.register("rescues", RescueViewSet, basename="rescue")
