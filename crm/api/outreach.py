"""REST API of crm: outreach.

* ``retention-lists/`` — list and read (a list with its entries); ``POST
  retention-lists/{id}/acknowledge/`` records after-sales' receipt (once).
* ``reminders/`` — service reminders, filters ``?kind=``, ``?state=``, ``?due_from=``,
  ``?due_to=``; ``POST reminders/{id}/sms/`` (optional ``text``; refused without SMS consent),
  ``reminders/{id}/call/`` and ``reminders/{id}/skip/`` (a ``note``).
* ``members/`` — owner-club memberships, ``?status=active|left``; ``POST members/`` joins a
  customer, ``POST members/{id}/leave/``, ``POST members/{id}/login/``.
* ``sms-campaigns/`` — list, read, create and change a draft; ``GET sms-campaigns/{id}/preview/``
  (the audience counted and the first messages), ``POST sms-campaigns/{id}/submit/`` (the
  approval chain), ``POST sms-campaigns/{id}/send/`` (approved only), ``GET
  sms-campaigns/{id}/deliveries/`` (the delivery log, paginated).

Reads go through the access chokepoint; phone numbers through
:func:`crm.services.privacy.phones_shown`, once per response; writes through the same services
as the pages."""

from __future__ import annotations

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.serializers import CustomerRefSerializer, PersonRefSerializer, VehicleRefSerializer
from crm.models import (
    Membership,
    ReminderKind,
    ReminderState,
    RetentionEntry,
    RetentionList,
    ServiceReminder,
    SmsCampaign,
    SmsCampaignState,
    SmsDelivery,
)
from crm.selectors import outreach as selectors
from crm.services import outreach as services
from crm.services.privacy import phones_shown
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet, TenantReadOnlyModelViewSet
from dealership.audit import mask

# --- reading ------------------------------------------------------------------------------------


class _PhoneField:
    def get_phone(self, obj) -> str:
        return self.context.get("phones", {}).get(obj.customer_id, {}).get("mobile", "")


class RetentionEntrySerializer(_PhoneField, serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    vehicle = VehicleRefSerializer(read_only=True, allow_null=True)
    phone = serializers.SerializerMethodField()

    class Meta:
        model = RetentionEntry
        fields = ["id", "customer", "phone", "vehicle", "delivered_on"]
        read_only_fields = fields


class RetentionListSerializer(serializers.ModelSerializer):
    customers = serializers.IntegerField(read_only=True, help_text="Entries on the list.")
    acknowledged_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RetentionList
        fields = ["id", "month", "band", "customers", "acknowledged_at", "acknowledged_by"]
        read_only_fields = fields


class RetentionListDetailSerializer(RetentionListSerializer):
    """A list with its entries (the schema of the list's page; built by the viewset)."""

    entries = RetentionEntrySerializer(many=True, read_only=True)

    class Meta(RetentionListSerializer.Meta):
        fields = [*RetentionListSerializer.Meta.fields, "entries"]
        read_only_fields = fields


class ServiceReminderSerializer(_PhoneField, serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    vehicle = VehicleRefSerializer(read_only=True)
    phone = serializers.SerializerMethodField()
    done_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ServiceReminder
        fields = [
            "id",
            "kind",
            "customer",
            "phone",
            "vehicle",
            "due_on",
            "basis",
            "listed_on",
            "state",
            "done_at",
            "done_by",
            "note",
        ]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "customer", "member_no", "joined_on", "left_on", "last_login_on"]
        read_only_fields = fields


class SmsCampaignSerializer(serializers.ModelSerializer):
    created_by = PersonRefSerializer(read_only=True)
    audience = serializers.JSONField(read_only=True)

    class Meta:
        model = SmsCampaign
        fields = [
            "id",
            "name",
            "audience",
            "text",
            "state",
            "audience_count",
            "request",
            "created_by",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class SmsPreviewSampleSerializer(serializers.Serializer):
    customer = CustomerRefSerializer()
    phone = serializers.CharField()
    text = serializers.CharField()


class SmsPreviewSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Customers the filter selects.")
    sendable = serializers.IntegerField(help_text="Of them, those who will get the message.")
    no_consent = serializers.IntegerField(help_text="Without SMS consent: skipped.")
    no_mobile = serializers.IntegerField(help_text="Without a mobile number.")
    samples = SmsPreviewSampleSerializer(many=True)


class SmsDeliverySerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    mobile = serializers.SerializerMethodField(help_text="The number it went to, masked.")

    class Meta:
        model = SmsDelivery
        fields = ["id", "customer", "mobile", "state", "error", "at"]
        read_only_fields = fields

    def get_mobile(self, obj) -> str:
        return mask(obj.mobile) if obj.mobile else ""


class SmsSendResultSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    already = serializers.IntegerField(help_text="Customers handled by an earlier run.")


# --- writing ------------------------------------------------------------------------------------


class MembershipJoinWriteSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    joined_on = serializers.DateField(required=False)
    member_no = serializers.CharField(max_length=30, required=False, allow_blank=True)


class MembershipLeaveWriteSerializer(serializers.Serializer):
    left_on = serializers.DateField(required=False)


class MembershipLoginWriteSerializer(serializers.Serializer):
    day = serializers.DateField(required=False)


class ReminderSmsWriteSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="The message (placeholders {name}, {plate}, {model}, {dealership}, {due}); "
        "the kind's default when empty.",
    )


class ReminderNoteWriteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SmsAudienceWriteSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=80, required=False, allow_blank=True)
    delivered_from = serializers.CharField(
        max_length=7, required=False, allow_blank=True, help_text="YYYY-MM"
    )
    delivered_to = serializers.CharField(
        max_length=7, required=False, allow_blank=True, help_text="YYYY-MM"
    )
    maintenance_due = serializers.BooleanField(required=False)
    members_only = serializers.BooleanField(required=False)


class SmsCampaignWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    text = serializers.CharField(max_length=500)
    audience = SmsAudienceWriteSerializer(required=False)


class SmsCampaignUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    text = serializers.CharField(max_length=500, required=False)
    audience = SmsAudienceWriteSerializer(required=False)


# --- viewsets -----------------------------------------------------------------------------------


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


def _date(params, name: str):
    value = params.get(name, "")
    if not value:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise serializers.ValidationError({name: [_("Give the day as YYYY-MM-DD.")]})
    return day


class _ListMixin:
    def _list_or(self, build):
        if getattr(self, "swagger_fake_view", False):
            return self.model._base_manager.none()
        if self.action == "list":
            return build(self.request.query_params)
        return super().get_queryset()


class RetentionListViewSet(_ListMixin, TenantReadOnlyModelViewSet):
    """Retention lists (one per month and band); a list's page has its entries."""

    model = RetentionList
    serializer_class = RetentionListSerializer

    def base_queryset(self):
        from django.db.models import Count

        return RetentionList.objects.select_related("acknowledged_by").annotate(
            customers=Count("entries")
        )

    def get_queryset(self):
        return self._list_or(lambda params: selectors.retention_lists_for_user(self.request.user))

    def policy_action(self) -> str:
        if self.action == "acknowledge":
            return "view"  # who may acknowledge is the service's rule
        return super().policy_action()

    def _detail(self, obj) -> dict:
        user = self.request.user
        entries = list(selectors.retention_entries(user, obj))
        phones = phones_shown(
            user=user, customers=[e.customer for e in entries], context="api:crm/retention"
        )
        data = RetentionListSerializer(obj, context=self.get_serializer_context()).data
        data["entries"] = RetentionEntrySerializer(
            entries, many=True, context={**self.get_serializer_context(), "phones": phones}
        ).data
        return data

    @extend_schema(responses=RetentionListDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self.get_object()))

    @extend_schema(request=None, responses=RetentionListDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        obj = self.get_object()
        with as_drf_errors():
            services.retention_list_acknowledge(actor=request.user, list_id=obj.pk)
        return Response(self._detail(self.base_queryset().get(pk=obj.pk)))


class _PhonesMixin:
    phone_context = ""

    def _phones(self, rows) -> dict:
        return phones_shown(
            user=self.request.user,
            customers=[row.customer for row in rows],
            context=self.phone_context,
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        serializer = self.get_serializer(
            rows,
            many=True,
            context={**self.get_serializer_context(), "phones": self._phones(rows)},
        )
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def represent(self, obj) -> dict:
        context = {**self.get_serializer_context(), "phones": self._phones([obj])}
        return self.get_serializer(obj, context=context).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self.represent(self.get_object()))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=ReminderKind.values),
            OpenApiParameter("state", str, enum=ReminderState.values),
            OpenApiParameter("due_from", OpenApiTypes.DATE),
            OpenApiParameter("due_to", OpenApiTypes.DATE),
            OpenApiParameter("q", str, description="Customer's name, mobile or plate."),
        ]
    )
)
class ServiceReminderViewSet(_ListMixin, _PhonesMixin, TenantReadOnlyModelViewSet):
    """Service reminders (车务提醒): maintenance, insurance renewal, annual inspection."""

    model = ServiceReminder
    serializer_class = ServiceReminderSerializer
    phone_context = "api:crm/reminders"

    def base_queryset(self):
        return ServiceReminder.objects.select_related("customer", "vehicle", "done_by").order_by(
            "due_on", "pk"
        )

    def get_queryset(self):
        def build(params):
            return selectors.reminders_for_user(
                self.request.user,
                kind=_choice(params, "kind", ReminderKind),
                state=_choice(params, "state", ReminderState),
                due_from=_date(params, "due_from"),
                due_to=_date(params, "due_to"),
                q=params.get("q", ""),
            )

        return self._list_or(build)

    def policy_action(self) -> str:
        if self.action in ("sms", "call", "skip"):
            return "change"
        return super().policy_action()

    def _done(self, reminder):
        return Response(self.represent(self.base_queryset().get(pk=reminder.pk)))

    @extend_schema(request=ReminderSmsWriteSerializer, responses=ServiceReminderSerializer)
    @action(detail=True, methods=["post"])
    def sms(self, request, pk=None):
        reminder = self.get_object()
        data = valid(ReminderSmsWriteSerializer, request)
        with as_drf_errors():
            reminder = services.reminder_send_sms(
                actor=request.user, reminder_id=reminder.pk, text=data.get("text") or None
            )
        return self._done(reminder)

    @extend_schema(request=ReminderNoteWriteSerializer, responses=ServiceReminderSerializer)
    @action(detail=True, methods=["post"])
    def call(self, request, pk=None):
        reminder = self.get_object()
        data = valid(ReminderNoteWriteSerializer, request)
        with as_drf_errors():
            reminder = services.reminder_call(
                actor=request.user, reminder_id=reminder.pk, note=data.get("note", "")
            )
        return self._done(reminder)

    @extend_schema(request=ReminderNoteWriteSerializer, responses=ServiceReminderSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        reminder = self.get_object()
        data = valid(ReminderNoteWriteSerializer, request)
        with as_drf_errors():
            reminder = services.reminder_skip(
                actor=request.user, reminder_id=reminder.pk, note=data.get("note", "")
            )
        return self._done(reminder)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["active", "left"]),
            OpenApiParameter("q", str, description="Customer's name or member number."),
        ]
    ),
    create=extend_schema(request=MembershipJoinWriteSerializer, responses=MembershipSerializer),
)
class MembershipViewSet(_ListMixin, TenantModelViewSet):
    """Owner-club memberships: ``POST`` joins a customer (one open membership each)."""

    model = Membership
    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return Membership.objects.select_related("customer").order_by("-joined_on", "-pk")

    def get_queryset(self):
        def build(params):
            value = params.get("status", "")
            if value and value not in ("active", "left"):
                raise serializers.ValidationError({"status": [_("Use active or left.")]})
            return selectors.members_for_user(
                self.request.user, status=value, q=params.get("q", "")
            )

        return self._list_or(build)

    def policy_action(self) -> str:
        if self.action in ("leave", "login"):
            return "change"
        return super().policy_action()

    def create(self, request, *args, **kwargs):
        data = valid(MembershipJoinWriteSerializer, request)
        with as_drf_errors():
            membership = services.membership_join(
                actor=request.user,
                customer_id=data["customer"],
                joined_on=data.get("joined_on"),
                member_no=data.get("member_no", ""),
            )
        return self.answer(membership, status.HTTP_201_CREATED)

    @extend_schema(request=MembershipLeaveWriteSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        membership = self.get_object()
        data = valid(MembershipLeaveWriteSerializer, request)
        with as_drf_errors():
            membership = services.membership_leave(
                actor=request.user, membership_id=membership.pk, left_on=data.get("left_on")
            )
        return self.answer(membership)

    @extend_schema(request=MembershipLoginWriteSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def login(self, request, pk=None):
        membership = self.get_object()
        data = valid(MembershipLoginWriteSerializer, request)
        with as_drf_errors():
            membership = services.membership_login(
                actor=request.user, membership_id=membership.pk, day=data.get("day")
            )
        return self.answer(membership)


def _audience(data: dict) -> dict | None:
    if "audience" not in data:
        return None
    return {key: value for key, value in (data["audience"] or {}).items() if value}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=SmsCampaignState.values),
            OpenApiParameter("q", str, description="In the campaign's name."),
        ]
    ),
    create=extend_schema(request=SmsCampaignWriteSerializer, responses=SmsCampaignSerializer),
    update=extend_schema(request=SmsCampaignUpdateSerializer, responses=SmsCampaignSerializer),
    partial_update=extend_schema(
        request=SmsCampaignUpdateSerializer, responses=SmsCampaignSerializer
    ),
)
class SmsCampaignViewSet(_ListMixin, TenantModelViewSet):
    """SMS campaigns (短信发送): a draft is changed, previewed, submitted to the approval chain
    (department manager → deputy GM → GM) and, once approved, sent."""

    model = SmsCampaign
    serializer_class = SmsCampaignSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def base_queryset(self):
        return SmsCampaign.objects.select_related("created_by").order_by("-created_at", "-pk")

    def get_queryset(self):
        return self._list_or(
            lambda params: selectors.campaigns_for_user(
                self.request.user,
                state=_choice(params, "state", SmsCampaignState),
                q=params.get("q", ""),
            )
        )

    def policy_action(self) -> str:
        if self.action in ("submit", "send"):
            return "change"
        if self.action in ("preview", "deliveries"):
            return "view"
        return super().policy_action()

    def create(self, request, *args, **kwargs):
        data = valid(SmsCampaignWriteSerializer, request)
        with as_drf_errors():
            campaign = services.sms_campaign_create(
                actor=request.user,
                name=data["name"],
                text=data["text"],
                audience=_audience(data) or {},
            )
        return self.answer(campaign, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        data = valid(SmsCampaignUpdateSerializer, request, partial=kwargs.get("partial", False))
        fields = {key: data[key] for key in ("name", "text") if key in data}
        audience = _audience(data)
        if audience is not None:
            fields["audience"] = audience
        with as_drf_errors():
            campaign = services.sms_campaign_update(
                actor=request.user, campaign_id=campaign.pk, **fields
            )
        return self.answer(campaign)

    @extend_schema(responses=SmsPreviewSerializer)
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        campaign = self.get_object()
        with as_drf_errors():
            preview = selectors.sms_preview(
                request.user,
                audience=campaign.audience,
                text=campaign.text,
                dealership_id=campaign.dealership_id,
            )
        return Response(SmsPreviewSerializer(preview).data)

    @extend_schema(request=None, responses=SmsCampaignSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        campaign = self.get_object()
        with as_drf_errors():
            campaign = services.sms_campaign_submit(actor=request.user, campaign_id=campaign.pk)
        return self.answer(campaign)

    @extend_schema(request=None, responses=SmsSendResultSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        campaign = self.get_object()
        with as_drf_errors():
            result = services.sms_campaign_send(actor=request.user, campaign_id=campaign.pk)
        return Response(SmsSendResultSerializer(result).data)

    @extend_schema(responses=SmsDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        campaign = self.get_object()
        rows = selectors.campaign_deliveries(request.user, campaign)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SmsDeliverySerializer(page, many=True).data)


def register(router) -> None:
    """Register the area's viewsets on the crm router."""
    router.register("retention-lists", RetentionListViewSet, basename="retentionlist")
    router.register("reminders", ServiceReminderViewSet, basename="servicereminder")
    router.register("members", MembershipViewSet, basename="membership")
    router.register("sms-campaigns", SmsCampaignViewSet, basename="smscampaign")
