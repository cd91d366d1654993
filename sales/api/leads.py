"""API of sales: showroom traffic (``visits/``), leads (``leads/``, with the actions
``POST leads/{id}/contact/``, ``leads/{id}/lose/`` and ``leads/{id}/reactivate/``), test drives
(``test-drives/``) and key accounts (``key-accounts/``). Reads through the access chokepoint
with customers' phone numbers masked per ``crm.view_customer_phone``; writes through the same
services as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from crm.access_rules import may_see_phone
from crm.api.serializers import PhonesShownMixin
from crm.models import Source
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet
from dealership.audit import mask
from sales import services
from sales.models import Intent, KeyAccount, Lead, LostReason, TestDrive, Visit, VisitKind
from sales.selectors import leads as selectors

# --- reading ------------------------------------------------------------------------------------


class _MaskedMixin:
    """Masks the phone fields named in ``masked`` for users without the capability (a key
    account's contact: not a customer of the customer master, so not logged)."""

    masked: tuple[str, ...] = ("customer_mobile",)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not self.context.setdefault(
            "_may_see_phone", may_see_phone(request.user)
        ):
            for name in self.masked:
                if data.get(name):
                    data[name] = mask(data[name])
        return data


class _PeopleSerializer(PhonesShownMixin, serializers.ModelSerializer):
    """The customer's number through crm's ``phones_shown`` (masked or logged, once a page)."""

    phone_customer = "customer"
    phone_fields = ("mobile",)
    phone_keys = {"mobile": "customer_mobile"}

    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None)
    customer_mobile = serializers.CharField(source="customer.mobile", read_only=True, default=None)
    consultant_name = serializers.CharField(source="consultant.name", read_only=True, default=None)


class VisitSerializer(_PeopleSerializer):
    class Meta:
        model = Visit
        fields = [
            "id",
            "kind",
            "visited_at",
            "left_at",
            "consultant",
            "consultant_name",
            "customer",
            "customer_name",
            "customer_mobile",
            "lead",
            "party_size",
            "source",
            "models_of_interest",
            "intent",
            "next_contact_on",
            "first_visit",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


class LeadSerializer(_PeopleSerializer):
    lost_pending = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "customer",
            "customer_name",
            "customer_mobile",
            "consultant",
            "consultant_name",
            "source",
            "model_of_interest",
            "intent",
            "stage",
            "next_contact_on",
            "key_account",
            "lost_reason",
            "lost_note",
            "lost_request",
            "lost_pending",
            "stage_before_lost",
            "lost_on",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_lost_pending(self, obj) -> bool:
        return services.lost_request_pending(obj)


class TestDriveSerializer(_PeopleSerializer):
    __test__ = False

    class Meta:
        model = TestDrive
        fields = [
            "id",
            "lead",
            "customer",
            "customer_name",
            "customer_mobile",
            "consultant",
            "consultant_name",
            "vehicle_model",
            "vehicle_plate",
            "licence_number",
            "licence_expires_on",
            "route",
            "starts_at",
            "ends_at",
            "feedback",
            "created_at",
        ]
        read_only_fields = fields


class KeyAccountSerializer(_MaskedMixin, serializers.ModelSerializer):
    masked = ("contact_phone",)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    manager_name = serializers.CharField(source="manager.name", read_only=True, default=None)

    class Meta:
        model = KeyAccount
        fields = [
            "id",
            "customer",
            "customer_name",
            "contact_name",
            "contact_phone",
            "contact_title",
            "industry",
            "fleet_size",
            "manager",
            "manager_name",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


# --- writing (plain serializers; the services validate and resolve ids for the actor) -----------


def _text(max_length, **kwargs):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, required=False, allow_null=True, **kwargs)


class VisitWriteSerializer(serializers.Serializer):
    visited_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=VisitKind.choices, required=False)
    left_at = serializers.DateTimeField(required=False, allow_null=True)
    consultant = _id()
    customer = _id()
    name = _text(100)
    mobile = _text(30)
    party_size = serializers.IntegerField(min_value=1, max_value=50, required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    models_of_interest = _text(200)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    next_contact_on = serializers.DateField(required=False, allow_null=True)
    notes = _text(5000)
    open_lead = serializers.BooleanField(required=False)


class VisitUpdateSerializer(serializers.Serializer):
    visited_at = serializers.DateTimeField(required=False)
    kind = serializers.ChoiceField(choices=VisitKind.choices, required=False)
    left_at = serializers.DateTimeField(required=False, allow_null=True)
    party_size = serializers.IntegerField(min_value=1, max_value=50, required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    models_of_interest = _text(200)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    next_contact_on = serializers.DateField(required=False, allow_null=True)
    notes = _text(5000)


class LeadWriteSerializer(serializers.Serializer):
    customer = _id()
    name = _text(100)
    mobile = _text(30)
    consultant = _id()
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    model_of_interest = _text(80)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    next_contact_on = serializers.DateField(required=False, allow_null=True)
    key_account = _id()
    notes = _text(5000)


class LeadUpdateSerializer(serializers.Serializer):
    consultant = _id()
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    model_of_interest = _text(80)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    next_contact_on = serializers.DateField(required=False, allow_null=True)
    key_account = _id()
    notes = _text(5000)
    stage = serializers.CharField(required=False, max_length=20)  # refused by the service


class ContactSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    next_contact_on = serializers.DateField(required=False, allow_null=True)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False, allow_blank=True)


class LoseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LostReason.choices)
    note = _text(2000)


class TestDriveWriteSerializer(serializers.Serializer):
    __test__ = False
    lead = serializers.IntegerField(min_value=1)
    vehicle_model = serializers.CharField(max_length=80)
    vehicle_plate = _text(10)
    licence_number = serializers.CharField(max_length=30)
    licence_expires_on = serializers.DateField()
    route = _text(200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    feedback = _text(5000)


class TestDriveUpdateSerializer(serializers.Serializer):
    __test__ = False
    vehicle_model = serializers.CharField(max_length=80, required=False)
    vehicle_plate = _text(10)
    licence_number = serializers.CharField(max_length=30, required=False)
    licence_expires_on = serializers.DateField(required=False)
    route = _text(200)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    feedback = _text(5000)


class KeyAccountWriteSerializer(serializers.Serializer):
    customer = _id()
    name = _text(100)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = _text(30)
    contact_title = _text(50)
    industry = _text(50)
    fleet_size = serializers.IntegerField(min_value=0, max_value=100000, required=False)
    manager = _id()
    notes = _text(5000)


class KeyAccountUpdateSerializer(KeyAccountWriteSerializer):
    customer = None
    name = None
    contact_name = serializers.CharField(max_length=50, required=False)


# --- viewsets -----------------------------------------------------------------------------------


class _ServiceViewSet(ServiceViewSetMixin, TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    create_serializer = update_serializer = None

    def create(self, request, *args, **kwargs):
        data = valid(self.create_serializer, request)
        with as_drf_errors():
            obj = type(self).create_service(actor=request.user, **data)
        return self.answer(obj, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = valid(self.update_serializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            obj = type(self).update_service(
                actor=request.user, **{self.id_argument: obj.pk}, **data
            )
        return self.answer(obj, status.HTTP_200_OK)

    def _list_or(self, build):
        if getattr(self, "swagger_fake_view", False):
            return self.model._base_manager.none()
        if self.action == "list":
            return build(self.request.query_params)
        return super().get_queryset()


class VisitViewSet(_ServiceViewSet):
    """Showroom visits; filters ``?day_from=&day_to=`` (ISO dates), ``?kind=``, ``?intent=``,
    ``?consultant=``, search ``?q=`` (customer's name or phone)."""

    model = Visit
    serializer_class = VisitSerializer
    create_serializer = VisitWriteSerializer
    update_serializer = VisitUpdateSerializer
    create_service = staticmethod(services.visit_create)
    update_service = staticmethod(services.visit_update)
    id_argument = "visit_id"

    def base_queryset(self):
        return Visit.objects.select_related("customer", "consultant").order_by("-visited_at", "-pk")

    def get_queryset(self):
        from django.utils.dateparse import parse_date

        def build(params):
            return selectors.visits_for_user(
                self.request.user,
                day_from=_safe(parse_date, params.get("day_from")),
                day_to=_safe(parse_date, params.get("day_to")),
                consultant=_int(params.get("consultant")),
                kind=params.get("kind", "")[:20],
                intent=params.get("intent", "")[:1],
                q=params.get("q", ""),
            )

        return self._list_or(build)


def _safe(parse, value):
    try:
        return parse(value) if value else None
    except ValueError:
        return None


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 18 else None


class LeadViewSet(_ServiceViewSet):
    """Leads; filters ``?stage=``, ``?intent=``, ``?consultant=``, ``?source=``,
    ``?overdue=1`` (open leads whose next contact date has passed), search ``?q=``, sort
    ``?sort=next_contact`` / ``-next_contact`` / ``newest`` / ``oldest``."""

    model = Lead
    serializer_class = LeadSerializer
    create_serializer = LeadWriteSerializer
    update_serializer = LeadUpdateSerializer
    create_service = staticmethod(services.lead_create)
    update_service = staticmethod(services.lead_update)
    id_argument = "lead_id"

    def base_queryset(self):
        return Lead.objects.select_related("customer", "consultant").order_by("-pk")

    def get_queryset(self):
        def build(params):
            return selectors.leads_for_user(
                self.request.user,
                stage=params.get("stage", "")[:20],
                intent=params.get("intent", "")[:1],
                consultant=_int(params.get("consultant")),
                source=params.get("source", "")[:20],
                overdue=params.get("overdue", "") in ("1", "true", "on"),
                q=params.get("q", ""),
                sort=params.get("sort", ""),
            )

        return self._list_or(build)

    def policy_action(self) -> str:
        if self.action in ("lose", "reactivate", "contact"):
            return "change"
        return super().policy_action()

    @extend_schema(request=ContactSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        lead = self.get_object()
        data = dict(valid(ContactSerializer, request))
        data["intent"] = data.get("intent") or None
        with as_drf_errors():
            lead = services.lead_contact(actor=request.user, lead_id=lead.pk, **data)
        return self.answer(lead, status.HTTP_200_OK)

    @extend_schema(request=LoseSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        lead = self.get_object()
        data = dict(valid(LoseSerializer, request))
        with as_drf_errors():
            lead = services.lead_lose(actor=request.user, lead_id=lead.pk, **data)
        return self.answer(lead, status.HTTP_200_OK)

    @extend_schema(request=None, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        lead = self.get_object()
        with as_drf_errors():
            lead = services.lead_reactivate(actor=request.user, lead_id=lead.pk)
        return self.answer(lead, status.HTTP_200_OK)


class TestDriveViewSet(_ServiceViewSet):
    """Test drives; search ``?q=`` (customer or model)."""

    __test__ = False
    model = TestDrive
    serializer_class = TestDriveSerializer
    create_serializer = TestDriveWriteSerializer
    update_serializer = TestDriveUpdateSerializer
    create_service = staticmethod(services.testdrive_create)
    update_service = staticmethod(services.testdrive_update)
    id_argument = "testdrive_id"

    def base_queryset(self):
        return TestDrive.objects.select_related("customer", "consultant").order_by(
            "-starts_at", "-pk"
        )

    def get_queryset(self):
        return self._list_or(
            lambda params: selectors.testdrives_for_user(self.request.user, q=params.get("q", ""))
        )


class KeyAccountViewSet(_ServiceViewSet):
    """Key accounts (大客户); search ``?q=`` (company, contact, industry)."""

    model = KeyAccount
    serializer_class = KeyAccountSerializer
    create_serializer = KeyAccountWriteSerializer
    update_serializer = KeyAccountUpdateSerializer
    create_service = staticmethod(services.keyaccount_create)
    update_service = staticmethod(services.keyaccount_update)
    id_argument = "keyaccount_id"

    def base_queryset(self):
        return KeyAccount.objects.select_related("customer", "manager").order_by("-pk")

    def get_queryset(self):
        return self._list_or(
            lambda params: selectors.keyaccounts_for_user(self.request.user, q=params.get("q", ""))
        )


def register(router) -> None:
    router.register("visits", VisitViewSet, basename="visit")
    router.register("leads", LeadViewSet, basename="lead")
    router.register("test-drives", TestDriveViewSet, basename="testdrive")
    router.register("key-accounts", KeyAccountViewSet, basename="keyaccount")
