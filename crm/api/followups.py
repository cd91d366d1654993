"""API of the follow-up calls and the contact checks.

* ``follow-ups/`` — list and read what the caller may see; filters ``?due_on=YYYY-MM-DD`` (the
  call list of that day, past or future: :func:`crm.selectors.followups.call_list_q`),
  ``?status=``, ``?kind=``; ``POST follow-ups/{id}/attempts/`` records a call attempt,
  ``POST follow-ups/{id}/assign/`` gives it to another specialist (CRM managers).
* ``contact-checks/`` — list and read; ``POST contact-checks/{id}/return/`` returns a verified
  mobile (the follow-up reopens), ``POST contact-checks/{id}/close/`` closes without one.

Phone numbers go through :func:`crm.services.privacy.phones_shown`, once per response."""

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
    AttemptOutcome,
    ContactCheck,
    ContactCheckState,
    EventKind,
    FollowUp,
    FollowUpStatus,
)
from crm.selectors import followups as selectors
from crm.services import contact_checks as check_services
from crm.services import followups as services
from crm.services.privacy import phones_shown
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantReadOnlyModelViewSet
from dealership.audit import mask

# --- reading ------------------------------------------------------------------------------------


class _PhonesMixin:
    """``phone``: the customer's mobile as :func:`phones_shown` gave it for this response
    (``context["phones"]``)."""

    def get_phone(self, obj) -> str:
        return self.context.get("phones", {}).get(obj.customer_id, {}).get("mobile", "")


class FollowUpSerializer(_PhonesMixin, serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    vehicle = VehicleRefSerializer(read_only=True, allow_null=True)
    specialist = PersonRefSerializer(read_only=True, allow_null=True)
    phone = serializers.SerializerMethodField()
    status_on_day = serializers.SerializerMethodField(
        help_text="The status on the day asked for with ?due_on= (today without it)."
    )
    event_summary = serializers.CharField(source="event.summary", read_only=True)
    served_by = PersonRefSerializer(source="event.staff", read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "kind",
            "customer",
            "phone",
            "vehicle",
            "event_date",
            "event_summary",
            "served_by",
            "window_start",
            "window_end",
            "status",
            "status_on_day",
            "reason",
            "specialist",
            "failed_attempts",
            "published_on",
            "closed_on",
            "completed_at",
            "reopened_at",
        ]
        read_only_fields = fields

    def get_status_on_day(self, obj) -> str:
        return selectors.status_for_day(obj, self.context["day"])


class ContactCheckSerializer(_PhonesMixin, serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    consultant = PersonRefSerializer(read_only=True, allow_null=True)
    returned_by = PersonRefSerializer(read_only=True, allow_null=True)
    phone = serializers.SerializerMethodField(help_text="The customer's mobile on file.")
    mobile = serializers.SerializerMethodField(help_text="The verified mobile returned.")

    class Meta:
        model = ContactCheck
        fields = [
            "id",
            "followup",
            "customer",
            "phone",
            "consultant",
            "week",
            "due_on",
            "state",
            "escalated_at",
            "returned_at",
            "returned_by",
            "mobile",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_mobile(self, obj) -> str:
        shown = self.context.get("phones", {}).get(obj.customer_id, {}).get("mobile", "")
        full = obj.customer.mobile or ""
        revealed = bool(full) and shown == full
        return obj.mobile if revealed else mask(obj.mobile) if obj.mobile else ""


# --- writing ------------------------------------------------------------------------------------


class FollowUpAttemptWriteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AttemptOutcome.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class FollowUpAssignWriteSerializer(serializers.Serializer):
    specialist = serializers.IntegerField(min_value=1)


class ContactCheckReturnWriteSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=30)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ContactCheckCloseWriteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500)


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


class _PhonesViewSet(TenantReadOnlyModelViewSet):
    phone_context = ""

    def phones(self, rows) -> dict:
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
            rows, many=True, context={**self.get_serializer_context(), "phones": self.phones(rows)}
        )
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def answer(self, obj, code: int = 200):
        obj = self.base_queryset().get(pk=obj.pk)
        return Response(self.represent(obj), status=code)

    def represent(self, obj) -> dict:
        context = {**self.get_serializer_context(), "phones": self.phones([obj])}
        return self.get_serializer(obj, context=context).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self.represent(self.get_object()))


DUE_ON = OpenApiParameter(
    "due_on",
    OpenApiTypes.DATE,
    description="The call list of that day (YYYY-MM-DD), past or future.",
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            DUE_ON,
            OpenApiParameter("status", str, enum=FollowUpStatus.values),
            OpenApiParameter("kind", str, enum=EventKind.values),
        ]
    )
)
class FollowUpViewSet(_PhonesViewSet):
    """Follow-up calls the caller may see (a specialist: their own). ``?due_on=`` lists that
    day's call list (customers without consent to calls are never on it)."""

    model = FollowUp
    serializer_class = FollowUpSerializer
    phone_context = "api:crm/follow-ups"

    def base_queryset(self):
        return FollowUp.objects.select_related(
            "customer", "vehicle", "event", "event__staff", "specialist"
        ).order_by("-event_date", "-pk")

    def _day(self):
        from django.utils import timezone

        value = self.request.query_params.get("due_on", "") if self.action == "list" else ""
        if not value:
            return None, timezone.localdate()
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            raise serializers.ValidationError(
                {"due_on": [_("Give the day as YYYY-MM-DD, e.g. 2026-03-05.")]}
            )
        return day, day

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and getattr(self, "request", None):
            context["day"] = self._day()[1]
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUp._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        params = self.request.query_params
        due_on = self._day()[0]
        return selectors.followups_filtered(
            self.request.user,
            status=_choice(params, "status", FollowUpStatus),
            kind=_choice(params, "kind", EventKind),
            due_on=due_on,
        )

    def policy_action(self) -> str:
        if self.action in ("attempts", "assign"):
            return "change"
        return super().policy_action()

    @extend_schema(request=FollowUpAttemptWriteSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def attempts(self, request, pk=None):
        followup = self.get_object()
        data = valid(FollowUpAttemptWriteSerializer, request)
        with as_drf_errors():
            services.followup_attempt_record(
                actor=request.user,
                followup_id=followup.pk,
                outcome=data["outcome"],
                note=data.get("note", ""),
            )
        return self.answer(followup, status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpAssignWriteSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        followup = self.get_object()
        data = valid(FollowUpAssignWriteSerializer, request)
        with as_drf_errors():
            services.followup_assign(
                actor=request.user, followup_id=followup.pk, specialist_id=data["specialist"]
            )
        return self.answer(followup)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("state", str, enum=ContactCheckState.values)])
)
class ContactCheckViewSet(_PhonesViewSet):
    """Unreachable customers sent to the consultant who sold to them (a consultant: their
    own; a sales manager: their department's)."""

    model = ContactCheck
    serializer_class = ContactCheckSerializer
    phone_context = "api:crm/contact-checks"

    def base_queryset(self):
        return ContactCheck.objects.select_related(
            "customer", "consultant", "returned_by", "followup"
        ).order_by("due_on", "pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ContactCheck._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        return selectors.contactchecks_for_user(
            self.request.user,
            state=_choice(self.request.query_params, "state", ContactCheckState),
        )

    def policy_action(self) -> str:
        if self.action in ("return_contacts", "close"):
            return "change"
        return super().policy_action()

    @extend_schema(request=ContactCheckReturnWriteSerializer, responses=ContactCheckSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_contacts(self, request, pk=None):
        check = self.get_object()
        data = valid(ContactCheckReturnWriteSerializer, request)
        with as_drf_errors():
            check = check_services.contactcheck_return(
                actor=request.user,
                check_id=check.pk,
                mobile=data["mobile"],
                note=data.get("note", ""),
            )
        return self.answer(check)

    @extend_schema(request=ContactCheckCloseWriteSerializer, responses=ContactCheckSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        check = self.get_object()
        data = valid(ContactCheckCloseWriteSerializer, request)
        with as_drf_errors():
            check = check_services.contactcheck_close(
                actor=request.user, check_id=check.pk, note=data["note"]
            )
        return self.answer(check)


def register(router) -> None:
    router.register("follow-ups", FollowUpViewSet, basename="followup")
    router.register("contact-checks", ContactCheckViewSet, basename="contactcheck")
