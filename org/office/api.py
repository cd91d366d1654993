"""The admin office's API (``/api/v1/org/…``): notices with acknowledgements, meetings and
action items, training sessions and checks, the rota and attendance — read through the
chokepoint, written through the same services as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from dealership.access import get_object_for_user
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet, TenantReadOnlyModelViewSet
from org.models import Department, Position, StaffMember
from org.office import services
from org.office.models import (
    ActionItem,
    Meeting,
    Notice,
    NoticeReceipt,
    RotaShift,
    TrainingRecord,
    TrainingSession,
)


@extend_schema_field(OpenApiTypes.INT)
class InScope(serializers.RelatedField):
    """The id of a row of the current dealership (another dealership's id: "does not exist",
    400 on the field); the services check the rest. The queryset is built per request, inside
    the tenant scope."""

    default_error_messages = serializers.PrimaryKeyRelatedField.default_error_messages

    def __init__(self, model=None, active_only=False, **kwargs):
        self.model, self.active_only = model, active_only
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        rows = self.model.objects.all()
        return rows.filter(is_active=True) if self.active_only else rows

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return self.get_queryset().get(pk=int(data))
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        except self.model.DoesNotExist:
            self.fail("does_not_exist", pk_value=data)

    def use_pk_only_optimization(self):
        return True  # the id is read from the row's own column: no query per row

    def to_representation(self, value):
        return value.pk


def _staff_field(**kwargs):
    return InScope(model=StaffMember, active_only=True, **kwargs)


class NoticeSerializer(serializers.ModelSerializer):
    positions = InScope(model=Position, many=True, write_only=True, required=False)
    departments = InScope(model=Department, many=True, write_only=True, required=False)
    distributed_to = serializers.SerializerMethodField()
    registered_by = serializers.CharField(source="registered_by.username", read_only=True)
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = (
            "id",
            "number",
            "title",
            "kind",
            "issuer",
            "issued_on",
            "body",
            "department",
            "registered_by",
            "distributed_at",
            "created_at",
            "distributed_to",
            "has_attachment",
            "positions",
            "departments",
        )
        read_only_fields = ("department", "distributed_at", "created_at")

    def get_distributed_to(self, obj) -> list[int]:
        return [t.position_id for t in obj.targets.all()]

    def get_has_attachment(self, obj) -> bool:
        return bool(obj.attachment)


class NoticeReceiptSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="staff.user.name", read_only=True)

    class Meta:
        model = NoticeReceipt
        fields = ("id", "notice", "staff", "name", "delivered_at", "read_at", "reminders")
        read_only_fields = fields


class NoticeViewSet(ServiceViewSetMixin, TenantModelViewSet):
    """Notices and bulletins: registered and distributed to positions (and departments);
    ``POST …/acknowledge/`` by a recipient, ``GET …/receipts/`` who has and has not read it."""

    model = Notice
    serializer_class = NoticeSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind"]
    create_service = staticmethod(services.notice_create)
    update_service = staticmethod(services.notice_update)
    id_argument = "notice_id"

    def base_queryset(self):
        return Notice.objects.select_related("registered_by").prefetch_related("targets")

    @extend_schema(request=None, responses=NoticeReceiptSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """已阅: the recipient confirms they have read the notice (again: nothing changes)."""
        notice = get_object_for_user(request.user, Notice, "view", self.base_queryset(), pk=pk)
        services.require_writable(request.user)  # HQ reads only
        with as_drf_errors():
            receipt = services.notice_acknowledge(actor=request.user, notice_id=notice.pk)
        return Response(NoticeReceiptSerializer(receipt).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NoticeSent", {"sent": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"])
    def distribute(self, request, pk=None):
        """Send the notice to the holders of its positions who have not got it yet."""
        notice = get_object_for_user(request.user, Notice, "change", self.base_queryset(), pk=pk)
        with as_drf_errors():
            count = services.notice_distribute(actor=request.user, notice_id=notice.pk)
        return Response({"sent": count})

    @extend_schema(responses=NoticeReceiptSerializer(many=True))
    @action(detail=True, methods=["get"])
    def receipts(self, request, pk=None):
        """The recipients the caller may see, unread first."""
        from org.office.selectors import notice_receipts

        notice = self.get_object()
        rows = notice_receipts(request.user, notice)[:500]
        return Response(NoticeReceiptSerializer(rows, many=True).data)


class ActionItemSerializer(serializers.ModelSerializer):
    owner = _staff_field()
    owner_name = serializers.CharField(source="owner.user.name", read_only=True)

    class Meta:
        model = ActionItem
        fields = (
            "id",
            "meeting",
            "title",
            "owner",
            "owner_name",
            "due_on",
            "state",
            "result",
            "closed_at",
        )
        read_only_fields = ("meeting", "state", "result", "closed_at")


class MeetingSerializer(serializers.ModelSerializer):
    chair = _staff_field(required=False, allow_null=True)
    attendees = _staff_field(many=True, required=False)
    department = InScope(model=Department, required=False, allow_null=True)

    class Meta:
        model = Meeting
        fields = (
            "id",
            "kind",
            "title",
            "held_on",
            "place",
            "department",
            "chair",
            "attendees",
            "minutes",
            "created_at",
        )
        read_only_fields = ("created_at",)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["attendees"] = [a.staff_id for a in instance.attendance.all()]
        return data


class StateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ActionItem.State.choices)
    result = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class MeetingViewSet(ServiceViewSetMixin, TenantModelViewSet):
    """Meetings with minutes; ``POST …/items/`` adds an action item (its owner is told)."""

    model = Meeting
    serializer_class = MeetingSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "department"]
    create_service = staticmethod(services.meeting_create)
    update_service = staticmethod(services.meeting_update)
    id_argument = "meeting_id"

    def base_queryset(self):
        return Meeting.objects.select_related("chair", "department").prefetch_related(
            "attendance", "attendees"
        )

    @extend_schema(request=ActionItemSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        meeting = get_object_for_user(request.user, Meeting, "change", pk=pk)
        data = valid(ActionItemSerializer, request)
        with as_drf_errors():
            item = services.action_item_add(actor=request.user, meeting_id=meeting.pk, **data)
        item = ActionItem.objects.select_related("owner__user").get(pk=item.pk)
        return Response(ActionItemSerializer(item).data, status=201)


class ActionItemViewSet(TenantReadOnlyModelViewSet):
    """Action items the caller may see (``?owner=``, ``?state=``); ``POST …/state/``: the owner
    marks theirs done, a keeper closes, cancels or reopens any."""

    model = ActionItem
    serializer_class = ActionItemSerializer
    filterset_fields = ["state", "owner", "meeting"]

    def base_queryset(self):
        return ActionItem.objects.select_related("owner__user")

    @extend_schema(request=StateSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def state(self, request, pk=None):
        item = get_object_for_user(request.user, ActionItem, "view", pk=pk)
        services.require_writable(request.user)  # HQ reads only
        data = valid(StateSerializer, request)
        with as_drf_errors():
            services.action_item_set_state(actor=request.user, item_id=item.pk, **data)
        return self.answer(item)


class TrainingSessionSerializer(serializers.ModelSerializer):
    trainer = _staff_field(required=False, allow_null=True)
    trainees = _staff_field(many=True, required=False)
    source = InScope(model=TrainingSession, required=False, allow_null=True)
    department = InScope(model=Department, required=False, allow_null=True)

    class Meta:
        model = TrainingSession
        fields = (
            "id",
            "course",
            "kind",
            "held_on",
            "hours",
            "trainer",
            "trainer_name",
            "source",
            "department",
            "content",
            "trainees",
            "created_at",
        )
        read_only_fields = ("created_at",)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["trainees"] = [r.trainee_id for r in instance.records.all()]
        return data


class TrainingSessionViewSet(ServiceViewSetMixin, TenantModelViewSet):
    model = TrainingSession
    serializer_class = TrainingSessionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "trainer", "department"]
    create_service = staticmethod(services.training_session_create)
    update_service = staticmethod(services.training_session_update)
    id_argument = "session_id"

    def base_queryset(self):
        return TrainingSession.objects.prefetch_related("records")


class TrainingRecordSerializer(serializers.ModelSerializer):
    trainee_name = serializers.CharField(source="trainee.user.name", read_only=True)

    class Meta:
        model = TrainingRecord
        fields = (
            "id",
            "session",
            "trainee",
            "trainee_name",
            "result",
            "score",
            "recheck_due_on",
            "note",
        )
        read_only_fields = ("session", "trainee")


class ResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=TrainingRecord.Result.choices)
    score = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, max_value=100, required=False, allow_null=True
    )
    recheck_due_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TrainingRecordViewSet(TenantReadOnlyModelViewSet):
    """Each trainee's check (``?trainee=`` a person's history); ``POST …/result/`` records it."""

    model = TrainingRecord
    serializer_class = TrainingRecordSerializer
    filterset_fields = ["session", "trainee", "result"]

    def base_queryset(self):
        return TrainingRecord.objects.select_related("trainee__user")

    @extend_schema(request=ResultSerializer, responses=TrainingRecordSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        record = get_object_for_user(request.user, TrainingRecord, "change", pk=pk)
        data = valid(ResultSerializer, request)
        with as_drf_errors():
            services.training_result_record(actor=request.user, record_id=record.pk, **data)
        return self.answer(record)


class RotaShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = RotaShift
        fields = (
            "id",
            "department",
            "staff",
            "day",
            "kind",
            "mark",
            "note",
            "marked_by",
            "marked_at",
        )
        read_only_fields = fields


class PlanEntrySerializer(serializers.Serializer):
    staff = serializers.IntegerField(min_value=1)
    day = serializers.DateField()
    kind = serializers.ChoiceField(choices=[("", "—"), *RotaShift.Kind.choices], allow_blank=True)


class PlanSerializer(serializers.Serializer):
    department = serializers.IntegerField(min_value=1)
    entries = PlanEntrySerializer(many=True, allow_empty=False, max_length=2000)


class MarkSerializer(serializers.Serializer):
    mark = serializers.ChoiceField(choices=[("", "—"), *RotaShift.Mark.choices], allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RotaShiftViewSet(TenantReadOnlyModelViewSet):
    """The rota (``?department=&day__gte=&day__lte=``): ``POST plan/`` plans shifts,
    ``POST …/mark/`` records attendance."""

    model = RotaShift
    serializer_class = RotaShiftSerializer
    filterset_fields = {
        "department": ["exact"],
        "staff": ["exact"],
        "day": ["exact", "gte", "lte"],
        "mark": ["exact"],
    }

    def base_queryset(self):
        return RotaShift.objects.all()

    @extend_schema(
        request=PlanSerializer,
        responses=inline_serializer(
            "RotaPlanned",
            {
                "created": serializers.IntegerField(),
                "changed": serializers.IntegerField(),
                "removed": serializers.IntegerField(),
            },
        ),
    )
    @action(detail=False, methods=["post"])
    def plan(self, request):
        data = valid(PlanSerializer, request)
        with as_drf_errors():
            counts = services.rota_plan(
                actor=request.user,
                department_id=data["department"],
                entries=[(e["staff"], e["day"], e["kind"]) for e in data["entries"]],
            )
        return Response(counts)

    @extend_schema(request=MarkSerializer, responses=RotaShiftSerializer)
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        shift = get_object_for_user(request.user, RotaShift, "change", pk=pk)
        data = valid(MarkSerializer, request)
        with as_drf_errors():
            services.attendance_mark(actor=request.user, shift_id=shift.pk, **data)
        return self.answer(shift)


def register(router) -> None:
    router.register("notices", NoticeViewSet, basename="notice")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("action-items", ActionItemViewSet, basename="actionitem")
    router.register("training-sessions", TrainingSessionViewSet, basename="trainingsession")
    router.register("training-records", TrainingRecordViewSet, basename="trainingrecord")
    router.register("rota-shifts", RotaShiftViewSet, basename="rotashift")
