"""``/api/v1/org/approval-requests/`` (the inbox with ``?inbox=true``, deciding, withdrawing),
``/api/v1/org/delegations/`` and ``/api/v1/org/approval-chains/`` (read)."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dealership.access import check_model_permission
from dealership.api.pagination import CountedPagination
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet, TenantReadOnlyModelViewSet
from org.approvals import selectors, services
from org.approvals.kinds import kind_label
from org.approvals.models import (
    ApprovalChain,
    ApprovalRequest,
    ApprovalStep,
    ChainStep,
    Delegation,
    StepApprover,
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class StepSerializer(serializers.ModelSerializer):
    approver_positions = serializers.ListField(
        source="position_codes", child=serializers.CharField()
    )
    label = serializers.CharField(source="label_display")
    decided_by = serializers.SerializerMethodField()
    on_behalf_of = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    comment = serializers.SerializerMethodField()
    decided_at = serializers.SerializerMethodField()
    approvers = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalStep
        fields = (
            "id",
            "round",
            "order",
            "label",
            "approver_positions",
            "mode",
            "required_count",
            "notify_only",
            "status",
            "note",
            "opened_at",
            "due_at",
            "closed_at",
            "decided_by",
            "on_behalf_of",
            "decision",
            "comment",
            "decided_at",
            "approvers",
        )

    def _deciding(self, step) -> StepApprover | None:
        decided = [a for a in step.approvers.all() if a.decision]
        return max(decided, key=lambda a: a.decided_at) if decided else None

    def get_decided_by(self, step) -> str | None:
        row = self._deciding(step)
        return row.user.username if row else None

    def get_on_behalf_of(self, step) -> str | None:
        row = self._deciding(step)
        return row.on_behalf_of.username if row and row.on_behalf_of_id else None

    def get_decision(self, step) -> str | None:
        row = self._deciding(step)
        return row.decision if row else None

    def get_comment(self, step) -> str | None:
        row = self._deciding(step)
        return row.comment if row else None

    def get_decided_at(self, step):
        row = self._deciding(step)
        return row.decided_at if row else None

    def get_approvers(self, step) -> list[dict]:
        return [
            {
                "username": a.user.username,
                "on_behalf_of": a.on_behalf_of.username if a.on_behalf_of_id else None,
                "escalated": a.escalated,
                "decision": a.decision or None,
                "comment": a.comment,
                "decided_at": a.decided_at,
            }
            for a in step.approvers.all()
        ]


class ApprovalRequestSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.username", read_only=True)
    kind_name = serializers.SerializerMethodField()
    department = serializers.CharField(source="department.code", read_only=True)
    current_step = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = (
            "id",
            "kind",
            "kind_name",
            "subject",
            "description",
            "status",
            "requester",
            "department",
            "amount",
            "over_budget",
            "round",
            "current_step",
            "created_at",
            "submitted_at",
            "finished_at",
            "steps",
        )
        read_only_fields = fields

    def get_kind_name(self, obj) -> str:
        return kind_label(obj.kind)

    def _round_steps(self, obj):
        return [s for s in obj.all_steps if s.round == obj.round]

    def get_current_step(self, obj) -> int | None:
        open_steps = [s for s in self._round_steps(obj) if s.status == ApprovalStep.Status.OPEN]
        return open_steps[0].order if open_steps else None

    def get_steps(self, obj) -> list[dict]:
        return StepSerializer(self._round_steps(obj), many=True).data


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=StepApprover.Decision.values)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _with_steps(queryset):
    from django.db.models import Prefetch

    return queryset.select_related("requester", "department").prefetch_related(
        Prefetch(
            "steps",
            queryset=ApprovalStep.objects.order_by("round", "order").prefetch_related(
                Prefetch(
                    "approvers",
                    queryset=StepApprover.objects.select_related("user", "on_behalf_of").order_by(
                        "pk"
                    ),
                )
            ),
            to_attr="all_steps",
        )
    )


class ApprovalRequestViewSet(TenantReadOnlyModelViewSet):
    """Requests the caller may see. ``?inbox=true``: what waits for the caller's decision (due
    first); ``?mine=true``: the caller's own; ``?status=``, ``?kind=``."""

    model = ApprovalRequest
    serializer_class = ApprovalRequestSerializer

    def base_queryset(self):
        return _with_steps(ApprovalRequest.objects.all())

    def get_queryset(self):
        rows = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return rows
        params = self.request.query_params
        truthy = ("1", "true", "yes")
        if params.get("inbox", "").lower() in truthy:
            waiting = selectors.inbox(self.request.user)
            due = waiting.filter(step__request=OuterRef("pk")).values("step__due_at")[:1]
            return (
                rows.filter(pk__in=waiting.values("step__request_id"))
                .annotate(waiting_due=Subquery(due))
                .order_by("waiting_due", "pk")
            )
        if params.get("mine", "").lower() in truthy:
            rows = rows.filter(requester=self.request.user)
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        if params.get("kind"):
            rows = rows.filter(kind=params["kind"])
        return rows.order_by("-created_at", "-pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("inbox", bool, description="Only what waits for your decision."),
            OpenApiParameter("mine", bool, description="Only your own requests."),
            OpenApiParameter("status", str),
            OpenApiParameter("kind", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _fresh(self, pk):
        return _with_steps(ApprovalRequest.objects.filter(pk=pk)).get()

    @extend_schema(request=DecisionSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve, reject or return the step waiting for you (a reason is required to reject
        or return). 403 if you are not an approver of this request; 409 if the step is already
        decided or not open yet."""
        self.get_object()  # another dealership's request answers 404 before anything else
        check_model_permission(request.user, ApprovalRequest, "change")  # HQ reads only
        data = valid(DecisionSerializer, request)
        try:
            with as_drf_errors():
                decided = services.request_decide(
                    actor=request.user,
                    request_id=pk,
                    decision=data["decision"],
                    comment=data.get("comment", ""),
                )
        except services.DecisionConflict as conflict:
            raise Conflict(str(conflict)) from None
        return Response(self.get_serializer(self._fresh(decided.pk)).data)

    @extend_schema(request=None, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw your own pending request."""
        try:
            withdrawn = services.request_withdraw(actor=request.user, request_id=pk)
        except services.DecisionConflict as conflict:
            raise Conflict(str(conflict)) from None
        return Response(self.get_serializer(self._fresh(withdrawn.pk)).data)

    @extend_schema(request=None, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit your draft (or returned) request: its chain starts."""
        with as_drf_errors():
            submitted = services.request_submit(actor=request.user, request_id=pk)
        return Response(self.get_serializer(self._fresh(submitted.pk)).data)

    @extend_schema(
        responses=inline_serializer("InboxCount", {"waiting": serializers.IntegerField()})
    )
    @action(detail=False, methods=["get"], url_path="inbox-count")
    def inbox_count(self, request):
        return Response({"waiting": selectors.inbox_count(request.user)})


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.CharField(source="delegator.username", read_only=True)
    delegate = serializers.SlugRelatedField(
        slug_field="username",
        queryset=Delegation._meta.get_field("delegate").related_model.objects.all(),
    )

    class Meta:
        model = Delegation
        fields = ("id", "delegator", "delegate", "start", "end", "reason", "created_at")
        read_only_fields = ("id", "delegator", "created_at")


class DelegationViewSet(ServiceViewSetMixin, TenantModelViewSet):
    """Your delegations while away: steps that open for you in the dates go to the delegate."""

    model = Delegation
    serializer_class = DelegationSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    create_service = staticmethod(services.delegation_create)
    delete_service = staticmethod(services.delegation_delete)
    id_argument = "delegation_id"

    def base_queryset(self):
        return Delegation.objects.select_related("delegator", "delegate")


class ChainStepSerializer(serializers.ModelSerializer):
    position = serializers.CharField(source="position.code", default=None)
    alternate = serializers.CharField(source="alternate.code", default=None)
    person = serializers.CharField(source="person.username", default=None)

    class Meta:
        model = ChainStep
        fields = (
            "order",
            "label",
            "label_en",
            "approver_type",
            "position",
            "alternate",
            "person",
            "mode",
            "required_count",
            "min_amount",
            "max_amount",
            "notify_only",
        )


class ApprovalChainSerializer(serializers.ModelSerializer):
    kind_name = serializers.SerializerMethodField()
    steps = ChainStepSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalChain
        fields = ("id", "kind", "kind_name", "due_working_days", "block_over_budget", "steps")

    def get_kind_name(self, obj) -> str:
        return kind_label(obj.kind)


class ApprovalChainViewSet(TenantReadOnlyModelViewSet):
    """The chains of this dealership (edited on the chain pages by the GM office)."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    model = ApprovalChain
    serializer_class = ApprovalChainSerializer

    def base_queryset(self):
        # the steps with their positions and people in one query
        return ApprovalChain.objects.prefetch_related(
            Prefetch("steps", ChainStep.objects.select_related("position", "alternate", "person"))
        )
