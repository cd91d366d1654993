"""REST API of crm: marketing, written through the same services as the pages.

* ``advertising-plans/`` — list (``?state=``), read, create, change (PATCH a draft) the
  monthly advertising plans; ``POST …/{id}/lines/`` adds a line (``DELETE
  advertising-plan-lines/{id}/`` removes one), ``POST …/{id}/submit/`` sends it for approval,
  ``POST …/{id}/sent/`` (``sent_on``) records it sent to the OEM.
* ``marketing-events/`` — list (``?state=``, ``?kind=``, ``?month=YYYY-MM``), read, create,
  change (PATCH: the proposal of a draft, ``execution_plan`` of an approved one);
  ``POST …/{id}/submit/``, ``…/cancel/``, ``…/summary/``, ``…/invite-members/``;
  ``GET/POST …/{id}/invitations/``.
* ``event-invitations/`` — read; ``POST …/{id}/reply/`` (``reply``, ``guests``),
  ``POST …/{id}/attendance/`` (``attended``).
* ``competitor-ads/`` — list (``?month=``, ``?q=`` brand or medium), read, create, change and
  delete the competitor-advertising log.

Amounts are yuan as decimal strings; a wrong state or value answers 400 with the reason."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.intelligence import MONTH_PARAM, _month
from crm.api.serializers import PersonRefSerializer
from crm.models import (
    AdChannel,
    AdvertisingPlan,
    AdvertisingPlanLine,
    CompetitorAd,
    EventInvitation,
    EventState,
    InvitationChannel,
    InvitationReply,
    MarketingEvent,
    MarketingEventKind,
    PlanState,
)
from crm.selectors import marketing as selectors
from crm.services import marketing as services
from dealership.access import check_model_permission
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet, TenantReadOnlyModelViewSet


def _choice(params, name: str, choices) -> str:
    value = params.get(name, "")
    if value and value not in choices.values:
        raise serializers.ValidationError(
            {
                name: [
                    _("Unknown value “%(value)s”; use one of: %(values)s.")
                    % {"value": value[:30], "values": ", ".join(choices.values)}
                ]
            }
        )
    return value


class _ListMixin:
    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model._base_manager.none()
        if self.action == "list":
            return self.rows(self.request.query_params)
        return super().get_queryset()


# --- advertising plans --------------------------------------------------------------------------


class AdvertisingPlanLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdvertisingPlanLine
        fields = ["id", "channel", "description", "starts_on", "ends_on", "cost"]
        read_only_fields = ["id"]


class AdvertisingPlanSerializer(serializers.ModelSerializer):
    created_by = PersonRefSerializer(read_only=True)
    lines = AdvertisingPlanLineSerializer(many=True, read_only=True)
    request = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AdvertisingPlan
        fields = [
            "id",
            "month",
            "title",
            "notes",
            "event",
            "state",
            "request",
            "submitted_on",
            "sent_to_oem_on",
            "lines",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "event",
            "state",
            "request",
            "submitted_on",
            "sent_to_oem_on",
            "lines",
            "created_by",
            "created_at",
        ]


class PlanWriteSerializer(serializers.Serializer):
    month = serializers.DateField(required=False, help_text="Any day of the month planned.")
    title = serializers.CharField(max_length=120)
    notes = serializers.CharField(required=False, allow_blank=True)
    event = serializers.IntegerField(required=False, allow_null=True)


class PlanSentSerializer(serializers.Serializer):
    sent_on = serializers.DateField(required=False)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("state", str, enum=PlanState.values)]),
    create=extend_schema(request=PlanWriteSerializer, responses=AdvertisingPlanSerializer),
    partial_update=extend_schema(request=PlanWriteSerializer, responses=AdvertisingPlanSerializer),
)
class AdvertisingPlanViewSet(_ListMixin, TenantModelViewSet):
    """Monthly advertising plans (广告计划): drafted with lines, approved by the department
    manager, the deputy GM and the GM, then sent to the OEM by the 15th."""

    model = AdvertisingPlan
    serializer_class = AdvertisingPlanSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return AdvertisingPlan.objects.select_related("created_by").prefetch_related("lines")

    def rows(self, params):
        return selectors.plans_for_user(
            self.request.user, state=_choice(params, "state", PlanState)
        ).prefetch_related("lines")

    def policy_action(self) -> str:
        if self.action in ("submit", "sent", "lines"):
            return "change"
        return super().policy_action()

    def create(self, request, *args, **kwargs):
        data = valid(PlanWriteSerializer, request)
        with as_drf_errors():
            plan = services.advertising_plan_create(actor=request.user, **data)
        return self.answer(plan, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        plan = self.get_object()
        data = valid(PlanWriteSerializer, request, partial=True)
        with as_drf_errors():
            plan = services.advertising_plan_update(actor=request.user, plan_id=plan.pk, **data)
        return self.answer(plan)

    @extend_schema(request=AdvertisingPlanLineSerializer, responses=AdvertisingPlanLineSerializer)
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        plan = self.get_object()
        data = valid(AdvertisingPlanLineSerializer, request)
        with as_drf_errors():
            line = services.advertising_plan_line_add(actor=request.user, plan_id=plan.pk, **data)
        return Response(AdvertisingPlanLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AdvertisingPlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = self.get_object()
        with as_drf_errors():
            plan = services.advertising_plan_submit(actor=request.user, plan_id=plan.pk)
        return self.answer(plan)

    @extend_schema(request=PlanSentSerializer, responses=AdvertisingPlanSerializer)
    @action(detail=True, methods=["post"])
    def sent(self, request, pk=None):
        plan = self.get_object()
        data = valid(PlanSentSerializer, request)
        with as_drf_errors():
            plan = services.advertising_plan_mark_sent(
                actor=request.user, plan_id=plan.pk, sent_on=data.get("sent_on")
            )
        return self.answer(plan)


class AdvertisingPlanLineViewSet(TenantReadOnlyModelViewSet):
    """The lines of the advertising plans; a draft's line is removed with DELETE."""

    model = AdvertisingPlanLine
    serializer_class = AdvertisingPlanLineSerializer
    http_method_names = ["get", "delete", "head", "options"]

    def base_queryset(self):
        return AdvertisingPlanLine.objects.order_by("-pk")

    def destroy(self, request, *args, **kwargs):
        line = self.get_object()
        with as_drf_errors():
            services.advertising_plan_line_delete(actor=request.user, line_id=line.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- marketing events ---------------------------------------------------------------------------


class MarketingEventSerializer(serializers.ModelSerializer):
    created_by = PersonRefSerializer(read_only=True)
    request = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = MarketingEvent
        fields = [
            "id",
            "kind",
            "theme",
            "purpose",
            "starts_at",
            "ends_at",
            "place",
            "audience",
            "publicity",
            "budget",
            "expected_effect",
            "expected_attendance",
            "expected_leads",
            "state",
            "request",
            "execution_plan",
            "actual_attendance",
            "leads_reported",
            "orders_reported",
            "actual_cost",
            "summary",
            "summarised_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "state",
            "request",
            "actual_attendance",
            "leads_reported",
            "orders_reported",
            "actual_cost",
            "summary",
            "summarised_at",
            "created_by",
            "created_at",
        ]


class EventSummarySerializer(serializers.Serializer):
    summary = serializers.CharField()
    leads_reported = serializers.IntegerField(min_value=0)
    orders_reported = serializers.IntegerField(min_value=0)
    actual_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    actual_attendance = serializers.IntegerField(min_value=0, required=False, allow_null=True)


class InvitationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    invited_by = PersonRefSerializer(read_only=True)

    class Meta:
        model = EventInvitation
        fields = [
            "id",
            "event",
            "customer",
            "customer_name",
            "club_member",
            "channel",
            "reply",
            "guests",
            "replied_at",
            "attended",
            "note",
            "invited_by",
            "invited_at",
        ]
        read_only_fields = fields


class InvitationWriteSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=InvitationChannel.choices, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InviteMembersSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=InvitationChannel.choices, required=False)


class ReplySerializer(serializers.Serializer):
    reply = serializers.ChoiceField(choices=InvitationReply.choices)
    guests = serializers.IntegerField(min_value=1, max_value=20, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.BooleanField()


EVENT_WRITABLE = (*services.PROPOSAL_FIELDS, "execution_plan")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            MONTH_PARAM,
            OpenApiParameter("state", str, enum=EventState.values),
            OpenApiParameter("kind", str, enum=MarketingEventKind.values),
        ]
    )
)
class MarketingEventViewSet(_ListMixin, TenantModelViewSet):
    """Marketing events (市场活动): a proposal approved by the department manager, the deputy GM
    and the GM; then the execution plan, invitations with replies and attendance, and the
    summary against the expected effect."""

    model = MarketingEvent
    serializer_class = MarketingEventSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return MarketingEvent.objects.select_related("created_by")

    def rows(self, params):
        return selectors.events_for_user(
            self.request.user,
            state=_choice(params, "state", EventState),
            kind=_choice(params, "kind", MarketingEventKind),
            month=_month(params),
        )

    def policy_action(self) -> str:
        if self.action in ("submit", "cancel", "summary"):
            return "change"
        if self.action in ("invitations", "invite_members"):
            return "view"  # inviting is checked by the service (EventInvitation "add")
        return super().policy_action()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in services.PROPOSAL_FIELDS}
        with as_drf_errors():
            event = services.marketing_event_create(actor=request.user, **data)
        return self.answer(event, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        event = self.get_object()
        serializer = self.get_serializer(event, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in EVENT_WRITABLE}
        with as_drf_errors():
            event = services.marketing_event_update(actor=request.user, event_id=event.pk, **data)
        return self.answer(event)

    @extend_schema(request=None, responses=MarketingEventSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        event = self.get_object()
        with as_drf_errors():
            event = services.marketing_event_submit(actor=request.user, event_id=event.pk)
        return self.answer(event)

    @extend_schema(request=None, responses=MarketingEventSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        event = self.get_object()
        with as_drf_errors():
            event = services.marketing_event_cancel(actor=request.user, event_id=event.pk)
        return self.answer(event)

    @extend_schema(request=EventSummarySerializer, responses=MarketingEventSerializer)
    @action(detail=True, methods=["post"])
    def summary(self, request, pk=None):
        event = self.get_object()
        data = valid(EventSummarySerializer, request)
        with as_drf_errors():
            event = services.marketing_event_summarise(
                actor=request.user, event_id=event.pk, **data
            )
        return self.answer(event)

    @extend_schema(request=InvitationWriteSerializer, responses=InvitationSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def invitations(self, request, pk=None):
        event = self.get_object()
        if request.method == "POST":
            check_model_permission(request.user, EventInvitation, "add")
            data = valid(InvitationWriteSerializer, request)
            with as_drf_errors():
                invitation = services.event_invitation_create(
                    actor=request.user,
                    event_id=event.pk,
                    customer_id=data["customer"],
                    channel=data.get("channel", InvitationChannel.PHONE),
                    note=data.get("note", ""),
                )
            invitation = EventInvitation.objects.select_related("customer", "invited_by").get(
                pk=invitation.pk
            )
            return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.invitations_of(request.user, event))
        return self.get_paginated_response(InvitationSerializer(page, many=True).data)

    @extend_schema(request=InviteMembersSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path="invite-members")
    def invite_members(self, request, pk=None):
        event = self.get_object()
        data = valid(InviteMembersSerializer, request)
        with as_drf_errors():
            rows = services.event_invite_members(
                actor=request.user,
                event_id=event.pk,
                channel=data.get("channel", InvitationChannel.SMS),
            )
        return Response({"invited": len(rows)}, status=status.HTTP_201_CREATED)


class EventInvitationViewSet(TenantReadOnlyModelViewSet):
    """Invitations to marketing events (营销活动客户邀约, 车友会活动): the reply and the
    attendance are recorded here."""

    model = EventInvitation
    serializer_class = InvitationSerializer

    def base_queryset(self):
        return EventInvitation.objects.select_related("customer", "invited_by").order_by("-pk")

    def policy_action(self) -> str:
        if self.action in ("reply", "attendance"):
            return "change"
        return super().policy_action()

    @extend_schema(request=ReplySerializer, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        invitation = self.get_object()
        data = valid(ReplySerializer, request)
        with as_drf_errors():
            invitation = services.event_invitation_reply(
                actor=request.user, invitation_id=invitation.pk, **data
            )
        return self.answer(invitation)

    @extend_schema(request=AttendanceSerializer, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        invitation = self.get_object()
        data = valid(AttendanceSerializer, request)
        with as_drf_errors():
            invitation = services.event_invitation_attendance(
                actor=request.user, invitation_id=invitation.pk, attended=data["attended"]
            )
        return self.answer(invitation)


# --- competitor advertising ---------------------------------------------------------------------


class CompetitorAdSerializer(serializers.ModelSerializer):
    recorded_by = PersonRefSerializer(read_only=True, allow_null=True)
    channel = serializers.ChoiceField(choices=AdChannel.choices)

    class Meta:
        model = CompetitorAd
        fields = [
            "id",
            "brand",
            "channel",
            "medium",
            "size",
            "published_on",
            "cost_estimate",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]


@extend_schema_view(
    list=extend_schema(
        parameters=[MONTH_PARAM, OpenApiParameter("q", str, description="Brand or medium.")]
    )
)
class CompetitorAdViewSet(_ListMixin, ServiceViewSetMixin, TenantModelViewSet):
    """The competitor-advertising log (相关汽车品牌广告投放): brand, channel, medium, size or
    slot, the day, the estimated cost (yuan)."""

    model = CompetitorAd
    serializer_class = CompetitorAdSerializer
    create_service = staticmethod(services.competitor_ad_create)
    update_service = staticmethod(services.competitor_ad_update)
    delete_service = staticmethod(services.competitor_ad_delete)
    id_argument = "ad_id"

    def base_queryset(self):
        return CompetitorAd.objects.select_related("recorded_by")

    def rows(self, params):
        return selectors.competitor_ads_for_user(
            self.request.user, month=_month(params), q=params.get("q", "")[:50]
        )


def register(router) -> None:
    """Register the area's viewsets on the crm router."""
    router.register("advertising-plans", AdvertisingPlanViewSet, basename="advertisingplan")
    router.register(
        "advertising-plan-lines", AdvertisingPlanLineViewSet, basename="advertisingplanline"
    )
    router.register("marketing-events", MarketingEventViewSet, basename="marketingevent")
    router.register("event-invitations", EventInvitationViewSet, basename="eventinvitation")
    router.register("competitor-ads", CompetitorAdViewSet, basename="competitorad")
