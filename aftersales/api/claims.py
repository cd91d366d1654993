"""API of after-sales: claims.

* ``warranty-claims/`` — warranty claims with their lines nested (``?q=`` number / VIN / repair
  order, ``status``, ``from``/``until`` (the day written), ``repair_order``, ``sort``); create
  ``{"repair_order", "lines": [ids], "fault_description", "fault_code"}``; change a draft (PUT /
  PATCH); ``POST …/{id}/submit/``, ``…/approve/`` (``approved_amount``, ``oem_reference``),
  ``…/reject/`` (``reason``), ``…/pay/`` (``paid_amount``, ``paid_on``); ``…/photos/``
  (multipart, one or more files in ``photos``);
* ``technical-cases/`` — technical cases and quality feedback (read, create, change);
* ``service-day/?day=YYYY-MM-DD`` — the day's numbers and month to date (read);
* ``day-confirmations/`` — the day confirmations (``?day=``); ``POST {"day": …}`` confirms a
  day through ``service_day_confirm``.

Every write goes through the services."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales import services
from aftersales.models import (
    CaseKind,
    ClaimStatus,
    RepairOrder,
    ServiceDayConfirmation,
    TechnicalCase,
    WarrantyClaim,
)
from aftersales.selectors import claims as selectors
from dealership.access import check_model_permission
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import (
    HasTenant,
    TenantModelViewSet,
    TenantReadOnlyModelViewSet,
    TenantScopeMixin,
)

# --- serializers ---------------------------------------------------------------------------------


class ClaimLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line.pk")
    kind = serializers.CharField(source="line.kind")
    description = serializers.CharField(source="line.description")
    operation_code = serializers.CharField(source="line.operation_code")
    part = serializers.IntegerField(source="line.part_id", allow_null=True)
    quantity = serializers.DecimalField(source="line.quantity", max_digits=10, decimal_places=2)
    hours = serializers.DecimalField(source="line.hours", max_digits=6, decimal_places=2)
    amount = serializers.DecimalField(source="line.amount", max_digits=12, decimal_places=2)


class ClaimPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return reverse("aftersales:warrantyclaim_photo", kwargs={"pk": obj.pk})


class _RepairOrderField(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    vin = serializers.CharField()


class WarrantyClaimSerializer(serializers.ModelSerializer):
    repair_order = serializers.SerializerMethodField()
    lines = ClaimLineSerializer(source="claim_lines", many=True, read_only=True)
    photos = ClaimPhotoSerializer(many=True, read_only=True)
    assessor_name = serializers.SerializerMethodField()

    class Meta:
        model = WarrantyClaim
        fields = [
            "id",
            "number",
            "repair_order",
            "status",
            "fault_description",
            "fault_code",
            "labour_amount",
            "parts_amount",
            "claimed_amount",
            "approved_amount",
            "paid_amount",
            "oem_reference",
            "rejection_reason",
            "submitted_on",
            "decided_on",
            "paid_on",
            "assessor",
            "assessor_name",
            "lines",
            "photos",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema(responses=_RepairOrderField)
    def get_repair_order(self, obj) -> dict:
        order = obj.repair_order
        return {"id": order.pk, "number": order.number, "vin": order.vehicle.vin}

    def get_assessor_name(self, obj) -> str:
        return obj.assessor.name or obj.assessor.username


class ClaimCreateSerializer(serializers.Serializer):
    repair_order = serializers.IntegerField(min_value=1)
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=200
    )
    fault_description = serializers.CharField(max_length=5000, allow_blank=True)
    fault_code = serializers.CharField(max_length=30, required=False, allow_blank=True)


class ClaimUpdateSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=200
    )
    fault_description = serializers.CharField(max_length=5000, allow_blank=True)
    fault_code = serializers.CharField(max_length=30, allow_blank=True)


class SubmitSerializer(serializers.Serializer):
    submitted_on = serializers.DateField(required=False, allow_null=True)


class ClaimApproveSerializer(serializers.Serializer):
    approved_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    oem_reference = serializers.CharField(max_length=40)
    decided_on = serializers.DateField(required=False, allow_null=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    oem_reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
    decided_on = serializers.DateField(required=False, allow_null=True)


class ClaimPaySerializer(serializers.Serializer):
    paid_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    paid_on = serializers.DateField()


class PhotosSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=10)


class TechnicalCaseSerializer(serializers.ModelSerializer):
    vehicle_vin = serializers.SerializerMethodField()
    repair_order_number = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = TechnicalCase
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "vehicle",
            "vehicle_vin",
            "repair_order",
            "repair_order_number",
            "occurred_on",
            "reported_on",
            "author",
            "author_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_vehicle_vin(self, obj) -> str | None:
        return obj.vehicle.vin if obj.vehicle_id else None

    def get_repair_order_number(self, obj) -> str | None:
        return obj.repair_order.number if obj.repair_order_id else None

    def get_author_name(self, obj) -> str:
        return obj.author.name or obj.author.username


class TechnicalCaseWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    occurred_on = serializers.DateField()
    reported_on = serializers.DateField(required=False, allow_null=True)
    vehicle = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    repair_order = serializers.IntegerField(required=False, allow_null=True, min_value=1)


# --- viewsets ------------------------------------------------------------------------------------


class _ServiceViewSet(ServiceViewSetMixin, TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    detail_actions: tuple[str, ...] = ()

    def policy_action(self) -> str:
        return "change" if self.action in self.detail_actions else super().policy_action()


def _day_param(params, name):
    raw = params.get(name, "").strip()
    if not raw:
        return None
    day = selectors.parse_day(raw)
    if day is None:
        raise serializers.ValidationError({name: _("Give the day as YYYY-MM-DD.")})
    return day


class WarrantyClaimViewSet(_ServiceViewSet):
    """Warranty claims with their lines and photos."""

    model = WarrantyClaim
    serializer_class = WarrantyClaimSerializer
    detail_actions = ("submit", "approve", "reject", "pay", "photos")

    def base_queryset(self):
        return selectors.claim_detail_queryset().prefetch_related("claim_lines__line", "photos")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WarrantyClaim._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            status_ = params.get("status", "")
            if status_ and status_ not in ClaimStatus.values:
                raise serializers.ValidationError({"status": _("Unknown status.")})
            repair_order = params.get("repair_order", "")
            if repair_order and not repair_order.isdigit():
                raise serializers.ValidationError(
                    {"repair_order": _("Give the repair order's id.")}
                )
            return selectors.claims_for_user(
                self.request.user,
                q=params.get("q", ""),
                status=status_,
                date_from=_day_param(params, "from"),
                date_to=_day_param(params, "until"),
                repair_order=int(repair_order) if repair_order else None,
                sort=params.get("sort", ""),
            ).prefetch_related("claim_lines__line", "photos")
        return super().get_queryset()

    @extend_schema(request=ClaimCreateSerializer, responses=WarrantyClaimSerializer)
    def create(self, request, *args, **kwargs):
        check_model_permission(request.user, WarrantyClaim, "add")
        data = valid(ClaimCreateSerializer, request)
        order = data.pop("repair_order")
        if not RepairOrder.objects.for_user(request.user, "view").filter(pk=order).exists():
            raise serializers.ValidationError({"repair_order": [_("No such repair order.")]})
        with as_drf_errors():
            claim = services.warranty_claim_create(
                actor=request.user, repair_order_id=order, **data
            )
        return self.answer(claim, status.HTTP_201_CREATED)

    @extend_schema(request=ClaimUpdateSerializer, responses=WarrantyClaimSerializer)
    def update(self, request, *args, **kwargs):
        claim = self.get_object()
        data = valid(ClaimUpdateSerializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            claim = services.warranty_claim_update(actor=request.user, claim_id=claim.pk, **data)
        return self.answer(claim, status.HTTP_200_OK)

    def _move(self, request, serializer_class, service):
        claim = self.get_object()
        data = valid(serializer_class, request)
        with as_drf_errors():
            claim = service(actor=request.user, claim_id=claim.pk, **data)
        return self.answer(claim, status.HTTP_200_OK)

    @extend_schema(request=SubmitSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._move(request, SubmitSerializer, services.warranty_claim_submit)

    @extend_schema(request=ClaimApproveSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._move(request, ClaimApproveSerializer, services.warranty_claim_approve)

    @extend_schema(request=RejectSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._move(request, RejectSerializer, services.warranty_claim_reject)

    @extend_schema(request=ClaimPaySerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._move(request, ClaimPaySerializer, services.warranty_claim_pay)

    @extend_schema(request=PhotosSerializer, responses=WarrantyClaimSerializer)
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        claim = self.get_object()
        files = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        if not files:
            raise serializers.ValidationError({"photos": [_("Send one or more photos.")]})
        if len(files) > 10:
            raise serializers.ValidationError({"photos": [_("At most 10 photos at a time.")]})
        added = []
        try:
            with as_drf_errors(), transaction.atomic():
                for file in files:
                    added.append(
                        services.warranty_claim_photo_add(
                            actor=request.user, claim_id=claim.pk, file=file
                        )
                    )
        except Exception:
            for photo in added:  # nothing half-saved: the files of the photos rolled back too
                photo.file.storage.delete(photo.file.name)
            raise
        return self.answer(claim, status.HTTP_201_CREATED)


class TechnicalCaseViewSet(_ServiceViewSet):
    """Technical cases and quality feedback; ``?q=`` (title, VIN, repair order), ``kind``,
    ``reported`` (yes/no), ``from``/``until``, ``sort``."""

    model = TechnicalCase
    serializer_class = TechnicalCaseSerializer

    def base_queryset(self):
        return selectors.case_detail_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TechnicalCase._base_manager.none()
        if self.action == "list":
            params = self.request.query_params
            kind = params.get("kind", "")
            if kind and kind not in CaseKind.values:
                raise serializers.ValidationError({"kind": _("Unknown kind.")})
            return selectors.cases_for_user(
                self.request.user,
                q=params.get("q", ""),
                kind=kind,
                reported=params.get("reported", ""),
                date_from=_day_param(params, "from"),
                date_to=_day_param(params, "until"),
                sort=params.get("sort", ""),
            )
        return super().get_queryset()

    @extend_schema(request=TechnicalCaseWriteSerializer, responses=TechnicalCaseSerializer)
    def create(self, request, *args, **kwargs):
        check_model_permission(request.user, TechnicalCase, "add")
        data = valid(TechnicalCaseWriteSerializer, request)
        with as_drf_errors():
            case = services.technical_case_create(actor=request.user, **data)
        return self.answer(case, status.HTTP_201_CREATED)

    @extend_schema(request=TechnicalCaseWriteSerializer, responses=TechnicalCaseSerializer)
    def update(self, request, *args, **kwargs):
        case = self.get_object()
        data = valid(TechnicalCaseWriteSerializer, request, partial=kwargs.get("partial", False))
        if kwargs.get("partial"):
            current = {
                "kind": case.kind,
                "title": case.title,
                "description": case.description,
                "occurred_on": case.occurred_on,
                "reported_on": case.reported_on,
                "vehicle": case.vehicle_id,
                "repair_order": case.repair_order_id,
            }
            data = {**current, **data}
        with as_drf_errors():
            case = services.technical_case_update(actor=request.user, case_id=case.pk, **data)
        return self.answer(case, status.HTTP_200_OK)


class ServiceDayConfirmationSerializer(serializers.ModelSerializer):
    confirmed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceDayConfirmation
        fields = ["id", "day", "figures", "confirmed_by", "confirmed_by_name", "confirmed_at"]
        read_only_fields = fields

    def get_confirmed_by_name(self, obj) -> str:
        return obj.confirmed_by.name or obj.confirmed_by.username


class ServiceDayConfirmSerializer(serializers.Serializer):
    day = serializers.DateField()


class ServiceDayConfirmationViewSet(TenantReadOnlyModelViewSet):
    """Day confirmations (``?day=YYYY-MM-DD``); ``POST {"day": …}`` confirms that day."""

    model = ServiceDayConfirmation
    serializer_class = ServiceDayConfirmationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return ServiceDayConfirmation.objects.select_related("confirmed_by").order_by("-day")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            day = _day_param(self.request.query_params, "day")
            if day is not None:
                queryset = queryset.filter(day=day)
        return queryset

    @extend_schema(request=ServiceDayConfirmSerializer, responses=ServiceDayConfirmationSerializer)
    def create(self, request, *args, **kwargs):
        check_model_permission(request.user, ServiceDayConfirmation, "add")
        data = valid(ServiceDayConfirmSerializer, request)
        with as_drf_errors():
            confirmation = services.service_day_confirm(actor=request.user, day=data["day"])
        obj = self.base_queryset().get(pk=confirmation.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_200_OK)


class ServiceDayViewSet(TenantScopeMixin, viewsets.ViewSet):
    """The day's numbers of ``?day=YYYY-MM-DD`` (default yesterday) and month to date, as the
    caller may see them."""

    permission_classes = [permissions.IsAuthenticated, HasTenant]

    @extend_schema(
        parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD (default yesterday)")],
        responses=dict,
    )
    def list(self, request):
        check_model_permission(request.user, RepairOrder, "view")
        day = _day_param(request.query_params, "day") or selectors.yesterday()
        if day > selectors.today():
            raise serializers.ValidationError({"day": _("A day in the future has no numbers yet.")})
        data = selectors.service_day(request.user, day).as_dict()
        confirmation = selectors.confirmation(request.user, day)
        data["confirmed"] = (
            None
            if confirmation is False
            else (
                {
                    "by": str(confirmation.confirmed_by),
                    "at": confirmation.confirmed_at.isoformat(),
                }
                if confirmation
                else False
            )
        )
        return Response(data)


def register(router) -> None:
    router.register("warranty-claims", WarrantyClaimViewSet, basename="warrantyclaim")
    router.register("technical-cases", TechnicalCaseViewSet, basename="technicalcase")
    router.register("service-day", ServiceDayViewSet, basename="service-day")
    router.register(
        "day-confirmations", ServiceDayConfirmationViewSet, basename="servicedayconfirmation"
    )
