"""API of after-sales: the workshop.

* ``bays/`` — list (``?q=``, ``active=1|0``, ``sort=``), read, create, change (the workshop
  supervisor, the service manager);
* ``jobs/`` — the jobs the caller may see (``?technician=``, ``status=``, ``day=YYYY-MM-DD``
  (that day's board), ``bay=``, ``q=``, ``sort=``); ``POST jobs/{id}/assign/``
  ``{"technician": id, "bay": id|null}``, ``POST jobs/{id}/clock-on/``,
  ``POST jobs/{id}/clock-off/`` ``{"finished": false}``;
* ``time-entries/`` — read (``?technician=``, ``job=``, ``day=``);
* ``efficiency/?from=&to=`` — per technician hours sold, clocked, efficiency and productivity
  (the selector the page shows; this month by default).

Every write goes through :mod:`aftersales.services.workshop`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales import services
from aftersales.models import Bay, Job, JobStatus, TimeEntry
from aftersales.selectors import workshop as selectors
from dealership.access import check_model_permission
from dealership.api.pagination import CountedPagination
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import (
    HasTenant,
    TenantModelViewSet,
    TenantReadOnlyModelViewSet,
    TenantScopeMixin,
)

# --- serializers ---------------------------------------------------------------------------------


class BaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Bay
        fields = ["id", "code", "name", "is_active"]
        read_only_fields = fields


class BayWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=10)
    name = serializers.CharField(max_length=50)
    is_active = serializers.BooleanField(required=False, default=True)


class BayUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=10, required=False)
    name = serializers.CharField(max_length=50, required=False)
    is_active = serializers.BooleanField(required=False)


class _RepairOrderField(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    plate = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    repair_order = serializers.SerializerMethodField()
    operation_code = serializers.CharField(source="line.operation_code", read_only=True)
    operation = serializers.CharField(source="line.description", read_only=True)
    technician_name = serializers.SerializerMethodField()
    bay_code = serializers.SerializerMethodField()
    clocked_on_at = serializers.SerializerMethodField()
    running_minutes = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "repair_order",
            "line",
            "operation_code",
            "operation",
            "technician",
            "technician_name",
            "bay",
            "bay_code",
            "status",
            "sold_hours",
            "clocked_minutes",
            "running_minutes",
            "clocked_on_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(_RepairOrderField)
    def get_repair_order(self, obj) -> dict:
        order = obj.repair_order
        return {
            "id": order.pk,
            "number": order.number,
            "status": order.status,
            "plate": order.vehicle.plate,
        }

    def get_technician_name(self, obj) -> str | None:
        user = obj.technician
        return (user.name or user.username) if user is not None else None

    def get_bay_code(self, obj) -> str | None:
        return obj.bay.code if obj.bay_id else None

    def get_clocked_on_at(self, obj) -> dt.datetime | None:
        entries = getattr(obj, "open_entries", None)
        if entries is None:
            entries = list(obj.time_entries.filter(ended_at__isnull=True))
        return entries[0].started_at if entries else None

    def get_running_minutes(self, obj) -> int:
        if getattr(obj, "open_entries", None) is None:
            obj.open_entries = list(obj.time_entries.filter(ended_at__isnull=True))
        return selectors.running_minutes(obj)


class JobAssignSerializer(serializers.Serializer):
    technician = serializers.IntegerField(min_value=1)
    bay = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ClockOffSerializer(serializers.Serializer):
    finished = serializers.BooleanField(required=False, default=False)


class TimeEntrySerializer(serializers.ModelSerializer):
    technician_name = serializers.SerializerMethodField()
    repair_order_number = serializers.CharField(source="job.repair_order.number", read_only=True)
    minutes = serializers.SerializerMethodField()

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "job",
            "repair_order_number",
            "technician",
            "technician_name",
            "started_at",
            "ended_at",
            "minutes",
        ]
        read_only_fields = fields

    def get_technician_name(self, obj) -> str:
        return obj.technician.name or obj.technician.username

    def get_minutes(self, obj) -> int | None:
        if obj.ended_at is None:
            return None
        return services.minutes_between(obj.started_at, obj.ended_at)


# --- query parameters ----------------------------------------------------------------------------


def _int_param(params, name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise serializers.ValidationError({name: [_("Give a number.")]})
    return int(raw)


def _day_param(params, name: str = "day") -> dt.date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    day = selectors.parse_day(raw)
    if day is None:
        raise serializers.ValidationError({name: [_("Give the day as YYYY-MM-DD.")]})
    return day


# --- viewsets ------------------------------------------------------------------------------------


class BayViewSet(TenantModelViewSet):
    """Bays of the workshop; create and change: the workshop supervisor, the service manager."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    model = Bay
    serializer_class = BaySerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bay._base_manager.none()
        if self.action == "list":
            check_model_permission(self.request.user, Bay, "view")
            params = self.request.query_params
            return selectors.bays_for_user(
                self.request.user,
                q=params.get("q", "")[:50],
                active=params.get("active", ""),
                sort=params.get("sort", ""),
            )
        return super().get_queryset()

    @extend_schema(request=BayWriteSerializer, responses=BaySerializer)
    def create(self, request, *args, **kwargs):
        data = valid(BayWriteSerializer, request)
        with as_drf_errors():
            bay = services.bay_create(actor=request.user, **data)
        return self.answer(bay, status.HTTP_201_CREATED)

    @extend_schema(request=BayUpdateSerializer, responses=BaySerializer)
    def update(self, request, *args, **kwargs):
        bay = self.get_object()
        data = valid(BayUpdateSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            bay = services.bay_update(actor=request.user, bay_id=bay.pk, **data)
        return self.answer(bay, status.HTTP_200_OK)


class JobViewSet(TenantReadOnlyModelViewSet):
    """Jobs the caller may see (a technician: their own and those of their orders' cars; an
    advisor: those of their repair orders); actions ``assign``, ``clock-on``, ``clock-off``."""

    model = Job
    serializer_class = JobSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return selectors.job_queryset()

    def policy_action(self) -> str:
        if self.action in ("assign", "clock_on", "clock_off"):
            return "change"
        return super().policy_action()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job._base_manager.none()
        if self.action == "list":
            check_model_permission(self.request.user, Job, "view")
            params = self.request.query_params
            status_ = params.get("status", "")
            if status_ and status_ not in JobStatus.values:
                raise serializers.ValidationError(
                    {"status": [_("Choose one of: %s.") % ", ".join(JobStatus.values)]}
                )
            return selectors.jobs_for_user(
                self.request.user,
                technician=_int_param(params, "technician"),
                bay=_int_param(params, "bay"),
                status=status_,
                day=_day_param(params),
                q=params.get("q", "")[:50],
                sort=params.get("sort", ""),
            )
        return super().get_queryset()

    @extend_schema(
        parameters=[
            OpenApiParameter("technician", int),
            OpenApiParameter("status", str, enum=JobStatus.values),
            OpenApiParameter("day", str, description="YYYY-MM-DD: that day's board"),
            OpenApiParameter("bay", int),
            OpenApiParameter("q", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=JobAssignSerializer, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        job = self.get_object()
        data = valid(JobAssignSerializer, request)
        with as_drf_errors():
            job = services.job_assign(
                actor=request.user,
                job_id=job.pk,
                technician=data["technician"],
                bay=data.get("bay"),
            )
        return self.answer(job, status.HTTP_200_OK)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"], url_path="clock-on", url_name="clock-on")
    def clock_on(self, request, pk=None):
        job = self.get_object()
        with as_drf_errors():
            services.job_clock_on(actor=request.user, job_id=job.pk)
        return self.answer(job, status.HTTP_200_OK)

    @extend_schema(request=ClockOffSerializer, responses=JobSerializer)
    @action(detail=True, methods=["post"], url_path="clock-off", url_name="clock-off")
    def clock_off(self, request, pk=None):
        job = self.get_object()
        data = valid(ClockOffSerializer, request)
        with as_drf_errors():
            job = services.job_clock_off(
                actor=request.user, job_id=job.pk, finished=data["finished"]
            )
        return self.answer(job, status.HTTP_200_OK)


class TimeEntryViewSet(TenantReadOnlyModelViewSet):
    """Time entries the caller may see (``?technician=``, ``job=``, ``day=``)."""

    model = TimeEntry
    serializer_class = TimeEntrySerializer

    def base_queryset(self):
        return TimeEntry.objects.select_related("technician", "job__repair_order")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TimeEntry._base_manager.none()
        if self.action == "list":
            check_model_permission(self.request.user, TimeEntry, "view")
            params = self.request.query_params
            return selectors.time_entries_for_user(
                self.request.user,
                technician=_int_param(params, "technician"),
                job=_int_param(params, "job"),
                day=_day_param(params),
            )
        return super().get_queryset()


class EfficiencyViewSet(TenantScopeMixin, viewsets.ViewSet):
    """Per technician over ``?from=&to=`` (YYYY-MM-DD; this month by default): hours sold,
    hours clocked, efficiency and productivity, as the caller may see them."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD (default: 1st of this month)"),
            OpenApiParameter("to", str, description="YYYY-MM-DD (default: today)"),
        ],
        responses=dict,
    )
    def list(self, request):
        check_model_permission(request.user, Job, "view")
        params = request.query_params
        today = selectors.today()
        date_from = _day_param(params, "from") or selectors.month_start(today)
        date_to = _day_param(params, "to") or max(today, date_from)
        if date_from > date_to:
            raise serializers.ValidationError(
                {"to": [_("The end of the period is before its start.")]}
            )
        if (date_to - date_from).days > 366:
            raise serializers.ValidationError({"to": [_("Choose a period of at most a year.")]})
        return Response(selectors.efficiency(request.user, date_from, date_to).as_dict())


def register(router) -> None:
    router.register("bays", BayViewSet, basename="bay")
    router.register("jobs", JobViewSet, basename="job")
    router.register("time-entries", TimeEntryViewSet, basename="timeentry")
    router.register("efficiency", EfficiencyViewSet, basename="efficiency")
