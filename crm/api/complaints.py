"""API of complaints (投诉): ``complaints/``.

* ``GET complaints/`` — the complaints the caller sees; filters ``?state=`` (a state, or
  ``open``), ``?severity=``, ``?category=``, ``?department=<id>``, ``?overdue=1``,
  ``?month=YYYY-MM`` (received in), ``?customer=<id>``, search ``?q=`` (number, customer);
  ``GET complaints/{id}/`` — one, with its log.
* ``POST complaints/`` — register one by hand (:func:`crm.services.complaint_create`);
  ``PATCH complaints/{id}/`` — category, severity, description of an open one.
* ``POST complaints/{id}/assign|start|resolve|confirm|close|reopen/`` — the state machine,
  through the same services and rules as the pages. Bad input and moves outside the state
  machine answer 400 with the message."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from crm.api.serializers import PersonRefSerializer
from crm.models import Complaint, ComplaintEntry
from crm.models.complaints import (
    OPEN_COMPLAINT_STATES,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
)
from crm.selectors import complaints as selectors
from crm.services import complaints as services
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet

# --- reading --------------------------------------------------------------------------------------


class ComplaintEntrySerializer(serializers.ModelSerializer):
    actor = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ComplaintEntry
        fields = ["id", "at", "actor", "action", "from_state", "to_state", "note"]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    vehicle_plate = serializers.CharField(
        source="vehicle.plate", read_only=True, default=None, allow_null=True
    )
    department_code = serializers.CharField(
        source="department.code", read_only=True, default=None, allow_null=True
    )
    department_name = serializers.CharField(
        source="department.name", read_only=True, default=None, allow_null=True
    )
    owner = PersonRefSerializer(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "vehicle",
            "vehicle_plate",
            "followup",
            "channel",
            "category",
            "severity",
            "description",
            "department",
            "department_code",
            "department_name",
            "owner",
            "state",
            "received_at",
            "deadline",
            "overdue",
            "reminded_at",
            "escalated_at",
            "oem_coordination",
            "resolution",
            "customer_feedback",
            "resolved_at",
            "closed_at",
            "reopened",
            "registered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        now = self.context.setdefault("_now", timezone.now())
        return obj.state in OPEN_COMPLAINT_STATES and obj.deadline < now


class ComplaintDetailSerializer(ComplaintSerializer):
    entries = ComplaintEntrySerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "entries"]
        read_only_fields = fields


# --- writing (plain serializers; the services validate and resolve ids for the actor) -----------

MANUAL_CHANNEL_CHOICES = [
    (value, label) for value, label in ComplaintChannel.choices if value in services.MANUAL_CHANNELS
]


class ComplaintCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    vehicle = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=MANUAL_CHANNEL_CHOICES)
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    severity = serializers.ChoiceField(choices=ComplaintSeverity.choices, required=False)
    description = serializers.CharField(max_length=5000)
    received_at = serializers.DateTimeField(required=False)


class ComplaintUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=ComplaintCategory.choices, required=False)
    severity = serializers.ChoiceField(choices=ComplaintSeverity.choices, required=False)
    description = serializers.CharField(max_length=5000, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ComplaintAssignSerializer(serializers.Serializer):
    owner = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ComplaintNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ComplaintResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000)


class ComplaintConfirmSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=5000)


class ComplaintReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


# --- the viewset ----------------------------------------------------------------------------------


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 18 else None


def _month(value):
    if not value or not re.fullmatch(r"\d{4}-\d{2}", value):
        return None
    try:
        return dt.date(int(value[:4]), int(value[5:]), 1)
    except ValueError:
        return None


class ComplaintViewSet(TenantModelViewSet):
    """Complaints (see the module's description)."""

    model = Complaint
    serializer_class = ComplaintSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        if self.action == "list":
            return Complaint.objects.select_related("customer", "vehicle", "department", "owner")
        return selectors.complaint_detail_queryset()

    def get_serializer_class(self):
        if self.action == "list":
            return ComplaintSerializer
        return ComplaintDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Complaint._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        params = self.request.query_params
        state = params.get("state", "")[:20]
        return selectors.complaints_for_user(
            self.request.user,
            state=state,
            severity=params.get("severity", "")[:10],
            category=params.get("category", "")[:20],
            department=_int(params.get("department")),
            overdue=params.get("overdue", "") in ("1", "true", "on"),
            month=_month(params.get("month", "")),
            customer=_int(params.get("customer")),
            q=params.get("q", ""),
        )

    def policy_action(self) -> str:
        if self.action in SERVICES:
            return "change"
        return super().policy_action()

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = valid(ComplaintCreateSerializer, request)
        with as_drf_errors():
            complaint = services.complaint_create(actor=request.user, **data)
        return self.answer(complaint, status.HTTP_201_CREATED)

    @extend_schema(request=ComplaintUpdateSerializer, responses=ComplaintDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        complaint = self.get_object()
        data = valid(ComplaintUpdateSerializer, request, partial=True)
        with as_drf_errors():
            complaint = services.complaint_update(
                actor=request.user, complaint_id=complaint.pk, **data
            )
        return self.answer(complaint, status.HTTP_200_OK)

    def _act(self, request, name: str, serializer_class, rename: dict | None = None):
        complaint = self.get_object()
        data = valid(serializer_class, request) if serializer_class else {}
        for old, new in (rename or {}).items():
            if old in data:
                data[new] = data.pop(old)
        with as_drf_errors():
            complaint = SERVICES[name](actor=request.user, complaint_id=complaint.pk, **data)
        return self.answer(complaint, status.HTTP_200_OK)

    @extend_schema(request=ComplaintAssignSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act(request, "assign", ComplaintAssignSerializer, {"owner": "owner_id"})

    @extend_schema(request=ComplaintNoteSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._act(request, "start", ComplaintNoteSerializer)

    @extend_schema(request=ComplaintResolveSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, "resolve", ComplaintResolveSerializer)

    @extend_schema(request=ComplaintConfirmSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._act(request, "confirm", ComplaintConfirmSerializer)

    @extend_schema(request=ComplaintNoteSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, "close", ComplaintNoteSerializer)

    @extend_schema(request=ComplaintReopenSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, "reopen", ComplaintReopenSerializer)


SERVICES = {
    "assign": services.complaint_assign,
    "start": services.complaint_start,
    "resolve": services.complaint_resolve,
    "confirm": services.complaint_confirm,
    "close": services.complaint_close,
    "reopen": services.complaint_reopen,
}


def register(router) -> None:
    router.register("complaints", ComplaintViewSet, basename="complaint")
