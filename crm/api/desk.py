"""REST API of the customer-service desk, the thank-you letters and the customer tiers, written
through the same services as the pages.

* ``enquiries/`` — list (``?month=YYYY-MM``, ``?channel=``, ``?topic=``, ``?q=``), read, log
  (POST) and correct (PATCH) enquiries.
* ``improvement-proposals/`` — list (``?state=``, ``?department=``, ``?overdue=1``), read,
  route (POST); ``POST …/<id>/answer/`` (the department's head), ``…/accept/``, ``…/close/``.
* ``thank-you-letters/`` — list (``?state=``, ``?kind=``, ``?month=``), read, correct a draft
  (PATCH); ``POST …/submit/`` (``{"letters": [ids]}``: for signature), ``POST …/<id>/mail/``,
  ``…/cancel/``; ``GET …/<id>/pdf/`` the printable letter.
* ``customer-tiers/`` — the tier rules (list, read, create, change, delete).

A bad filter or value answers 400 with the reason."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from crm.api.serializers import CustomerRefSerializer, PersonRefSerializer
from crm.models import (
    CustomerTier,
    Enquiry,
    EnquiryChannel,
    EnquiryTopic,
    EventKind,
    ImprovementProposal,
    LetterState,
    ProposalState,
    ThankYouLetter,
)
from crm.selectors import desk as selectors
from crm.services import enquiries as desk_services
from crm.services import letters as letter_services
from crm.services import tiers as tier_services
from crm.services.privacy import caller_phone_shown
from dealership.api.pagination import CountedPagination
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet

# --- serializers --------------------------------------------------------------------------------


class EnquirySerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True, allow_null=True)
    taken_by = PersonRefSerializer(read_only=True, allow_null=True)
    caller_phone = serializers.SerializerMethodField()

    class Meta:
        model = Enquiry
        fields = [
            "id",
            "received_at",
            "channel",
            "topic",
            "question",
            "answer",
            "customer",
            "caller_name",
            "caller_phone",
            "taken_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_caller_phone(self, obj) -> str:
        """Masked (``138****1234``) unless the reader took the enquiry or reads customers'
        numbers dealership-wide."""
        request = self.context.get("request")
        return caller_phone_shown(getattr(request, "user", None), obj)


class EnquiryWriteSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=EnquiryChannel.choices)
    topic = serializers.ChoiceField(choices=EnquiryTopic.choices)
    question = serializers.CharField(max_length=5000)
    answer = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    customer = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    caller_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    caller_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False, allow_null=True)


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ProposalSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(read_only=True)
    customer = CustomerRefSerializer(read_only=True, allow_null=True)
    raised_by = PersonRefSerializer(read_only=True, allow_null=True)
    answered_by = PersonRefSerializer(read_only=True, allow_null=True)
    closed_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ImprovementProposal
        fields = [
            "id",
            "source",
            "followup",
            "enquiry",
            "customer",
            "subject",
            "feedback",
            "department",
            "state",
            "answer_by",
            "answer",
            "answered_by",
            "answered_at",
            "outcome",
            "closed_by",
            "closed_at",
            "raised_by",
            "created_at",
        ]
        read_only_fields = fields


class ProposalCreateSerializer(serializers.Serializer):
    department = serializers.IntegerField(min_value=1)
    subject = serializers.CharField(max_length=200)
    feedback = serializers.CharField(max_length=5000)
    followup = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    enquiry = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    customer = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    answer_by = serializers.DateField(required=False, allow_null=True)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class LetterSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    signed_by = PersonRefSerializer(read_only=True, allow_null=True)
    mailed_by = PersonRefSerializer(read_only=True, allow_null=True)
    occurred_on = serializers.DateField(source="event.occurred_on", read_only=True)

    class Meta:
        model = ThankYouLetter
        fields = [
            "id",
            "kind",
            "event",
            "occurred_on",
            "customer",
            "vehicle",
            "addressee",
            "address",
            "body",
            "state",
            "request",
            "signed_by",
            "signed_at",
            "mailed_on",
            "mailed_by",
            "tracking_number",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class LetterUpdateSerializer(serializers.Serializer):
    addressee = serializers.CharField(max_length=100, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(max_length=5000, required=False)


class LetterSubmitSerializer(serializers.Serializer):
    letters = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=200
    )


class LetterMailSerializer(serializers.Serializer):
    mailed_on = serializers.DateField(required=False, allow_null=True)
    tracking_number = serializers.CharField(max_length=40, required=False, allow_blank=True)


class LetterCancelSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200)


class TierSerializer(serializers.ModelSerializer):
    customers = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = CustomerTier
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "rank",
            "min_spending",
            "min_vehicles",
            "min_visits",
            "benefits",
            "customers",
        ]
        read_only_fields = ["id", "customers"]
        validators = []  # the service checks the code and rank within the dealership


# --- filters ------------------------------------------------------------------------------------


def _month(params):
    value = params.get("month", "")
    if not value:
        return None
    try:
        year, month = (int(part) for part in value.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise serializers.ValidationError(
            {"month": [_("Give a month as YYYY-MM, e.g. 2026-03.")]}
        ) from None


def _choice(params, name: str, values) -> str:
    value = params.get(name, "")
    if value and value not in values:
        raise serializers.ValidationError(
            {
                name: [
                    _("Unknown value “%(value)s”; use one of: %(values)s.")
                    % {"value": value[:30], "values": ", ".join(values)}
                ]
            }
        )
    return value


def _int(params, name: str):
    value = params.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise serializers.ValidationError({name: [_("Give a number.")]})
    return int(value)


MONTH_PARAM = OpenApiParameter("month", OpenApiTypes.STR, description="A month, YYYY-MM.")


# --- viewsets -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            MONTH_PARAM,
            OpenApiParameter("channel", OpenApiTypes.STR, enum=EnquiryChannel.values),
            OpenApiParameter("topic", OpenApiTypes.STR, enum=EnquiryTopic.values),
            OpenApiParameter("q", OpenApiTypes.STR),
        ]
    )
)
class EnquiryViewSet(TenantModelViewSet):
    """Customer enquiries (咨询): channel, topic, question, answer, who took it and when."""

    model = Enquiry
    serializer_class = EnquirySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Enquiry.objects.select_related("customer", "taken_by")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enquiry._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        params = self.request.query_params
        return selectors.enquiries_for_user(
            self.request.user,
            month=_month(params),
            channel=_choice(params, "channel", EnquiryChannel.values),
            topic=_choice(params, "topic", EnquiryTopic.values),
            q=params.get("q", ""),
        )

    @extend_schema(request=EnquiryWriteSerializer, responses={201: EnquirySerializer})
    def create(self, request, *args, **kwargs):
        data = valid(EnquiryWriteSerializer, request)
        with as_drf_errors():
            enquiry = desk_services.enquiry_create(actor=request.user, **data)
        return self.answer(enquiry, status.HTTP_201_CREATED)

    @extend_schema(request=EnquiryWriteSerializer, responses=EnquirySerializer)
    def partial_update(self, request, *args, **kwargs):
        enquiry = self.get_object()
        data = valid(EnquiryWriteSerializer, request, partial=True)
        with as_drf_errors():
            enquiry = desk_services.enquiry_update(
                actor=request.user, enquiry_id=enquiry.pk, **data
            )
        return self.answer(enquiry)


PROPOSAL_SERVICES = {
    "answer_proposal": (desk_services.proposal_answer, AnswerSerializer),
    "accept": (desk_services.proposal_accept, OutcomeSerializer),
    "close": (desk_services.proposal_close, OutcomeSerializer),
}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=ProposalState.values),
            OpenApiParameter("department", OpenApiTypes.INT),
            OpenApiParameter("overdue", OpenApiTypes.BOOL),
        ]
    )
)
class ProposalViewSet(TenantModelViewSet):
    """Improvement proposals (改进建议): customers' feedback routed to a department and
    tracked to its answer (open → answered → accepted / closed)."""

    model = ImprovementProposal
    serializer_class = ProposalSerializer
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return ImprovementProposal.objects.select_related(
            "department", "customer", "raised_by", "answered_by", "closed_by"
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImprovementProposal._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        params = self.request.query_params
        return selectors.proposals_for_user(
            self.request.user,
            state=_choice(params, "state", ProposalState.values),
            department=_int(params, "department"),
            overdue=params.get("overdue", "") in ("1", "true", "on"),
        )

    def policy_action(self) -> str:
        if self.action in PROPOSAL_SERVICES:
            return "change"
        return super().policy_action()

    @extend_schema(request=ProposalCreateSerializer, responses={201: ProposalSerializer})
    def create(self, request, *args, **kwargs):
        data = valid(ProposalCreateSerializer, request)
        with as_drf_errors():
            proposal = desk_services.proposal_create(actor=request.user, **data)
        return self.answer(proposal, status.HTTP_201_CREATED)

    def _act(self, request, name: str):
        proposal = self.get_object()
        service, serializer_class = PROPOSAL_SERVICES[name]
        data = valid(serializer_class, request)
        with as_drf_errors():
            proposal = service(actor=request.user, proposal_id=proposal.pk, **data)
        return self.answer(proposal)

    @extend_schema(request=AnswerSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"], url_path="answer")
    def answer_proposal(self, request, pk=None):
        return self._act(request, "answer_proposal")

    @extend_schema(request=OutcomeSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, "accept")

    @extend_schema(request=OutcomeSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, "close")


LETTER_SERVICES = {
    "mail": (letter_services.letter_mail, LetterMailSerializer),
    "cancel": (letter_services.letter_cancel, LetterCancelSerializer),
}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=LetterState.values),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=EventKind.values),
            MONTH_PARAM,
        ]
    )
)
class LetterViewSet(TenantModelViewSet):
    """Thank-you letters (购车/入库感谢信): drafted by the daily job, signed through the
    approvals engine, mailed and logged by the admin department."""

    model = ThankYouLetter
    serializer_class = LetterSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return ThankYouLetter.objects.select_related("event", "customer", "signed_by", "mailed_by")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ThankYouLetter._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        params = self.request.query_params
        return selectors.letters_for_user(
            self.request.user,
            state=_choice(params, "state", LetterState.values),
            kind=_choice(params, "kind", EventKind.values),
            month=_month(params),
        )

    def policy_action(self) -> str:
        if self.action in (*LETTER_SERVICES, "submit"):
            return "change"
        return super().policy_action()

    def create(self, request, *args, **kwargs):
        from rest_framework.exceptions import MethodNotAllowed

        raise MethodNotAllowed("POST", detail=_("Letters are drafted by the daily job."))

    @extend_schema(request=LetterUpdateSerializer, responses=LetterSerializer)
    def partial_update(self, request, *args, **kwargs):
        letter = self.get_object()
        data = valid(LetterUpdateSerializer, request, partial=True)
        with as_drf_errors():
            letter = letter_services.letter_update(actor=request.user, letter_id=letter.pk, **data)
        return self.answer(letter)

    @extend_schema(request=LetterSubmitSerializer, responses=LetterSerializer(many=True))
    @action(detail=False, methods=["post"])
    def submit(self, request):
        from rest_framework.response import Response

        data = valid(LetterSubmitSerializer, request)
        with as_drf_errors():
            done = letter_services.letters_submit(actor=request.user, letter_ids=data["letters"])
        rows = self.base_queryset().filter(pk__in=[letter.pk for letter in done])
        return Response(self.get_serializer(rows, many=True).data)

    def _act(self, request, name: str):
        letter = self.get_object()
        service, serializer_class = LETTER_SERVICES[name]
        data = valid(serializer_class, request)
        with as_drf_errors():
            letter = service(actor=request.user, letter_id=letter.pk, **data)
        return self.answer(letter)

    @extend_schema(request=LetterMailSerializer, responses=LetterSerializer)
    @action(detail=True, methods=["post"])
    def mail(self, request, pk=None):
        return self._act(request, "mail")

    @extend_schema(request=LetterCancelSerializer, responses=LetterSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(request, "cancel")

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        letter = self.get_object()
        response = HttpResponse(letter_services.letter_pdf(letter), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="letter-{letter.pk}.pdf"'
        return response


class TierViewSet(ServiceViewSetMixin, TenantModelViewSet):
    """The dealership's customer tiers (客户分级): minimum spending, vehicles and visits."""

    model = CustomerTier
    serializer_class = TierSerializer
    create_service = staticmethod(tier_services.tier_create)
    update_service = staticmethod(tier_services.tier_update)
    delete_service = staticmethod(tier_services.tier_delete)
    id_argument = "tier_id"
    pagination_class = CountedPagination  # a short list: numbered pages, a count

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CustomerTier._base_manager.none()
        if self.action == "list":
            return selectors.tiers_for_user(self.request.user)
        return super().get_queryset()


def register(router) -> None:
    router.register("enquiries", EnquiryViewSet, basename="enquiry")
    router.register("improvement-proposals", ProposalViewSet, basename="improvementproposal")
    router.register("thank-you-letters", LetterViewSet, basename="thankyouletter")
    router.register("customer-tiers", TierViewSet, basename="customertier")
