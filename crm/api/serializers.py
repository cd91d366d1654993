"""Serializers of the crm API: reads with phone numbers masked for people without
``crm.view_customer_phone``; writes are plain serializers whose data go to the services (which
normalise and validate: phone, VIN and its check digit, dates, duplicates)."""

from __future__ import annotations

from rest_framework import serializers

from crm.access_rules import PHONE_FIELDS
from crm.models import ConsentMethod, Customer, CustomerKind, Ownership, Source, Vehicle
from crm.services.privacy import phones_shown


def _customer_at(obj, path: str):
    if not path:
        return obj
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


class PhonesListSerializer(serializers.ListSerializer):
    """A list whose customers' numbers are decided (and logged) in one call for the page."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        prepare_phones(self.child, rows)
        return super().to_representation(rows)


def prepare_phones(serializer, rows) -> None:
    """Decide the numbers of ``rows``' customers for the request's user in one call
    (:func:`crm.services.privacy.phones_shown`) and keep them in the serializer's context."""
    context = serializer.context
    request = context.get("request")
    customers = [_customer_at(row, serializer.phone_customer) for row in rows]
    missing = [c for c in customers if c is not None and c.pk not in context.get("_phones", {})]
    if not missing:
        return
    shown = phones_shown(
        user=getattr(request, "user", None),
        customers=missing,
        context=getattr(request, "path", "") or "api",
        fields=serializer.phone_fields,
    )
    context.setdefault("_phones", {}).update(shown)


def api_phone(serializer, customer, field: str = "mobile"):
    """``customer``'s number as the request's user may see it (masked, or in full and logged);
    decided for the whole list at once when the serializer is a list's child."""
    if customer is None:
        return None
    if customer.pk not in serializer.context.get("_phones", {}):
        prepare_phones(_One(serializer, customer), [customer])
    return serializer.context["_phones"].get(customer.pk, {}).get(field) or None


class _One:
    """One customer outside a list (a detail, a created object)."""

    phone_customer = ""

    def __init__(self, serializer, customer):
        self.context = serializer.context
        self.phone_fields = getattr(serializer, "phone_fields", ("mobile",))


class PhonesShownMixin:
    """A serializer whose phone fields are shown through
    :func:`crm.services.privacy.phones_shown`: masked (``138****1234``) unless the caller may
    see the customer's number, every full number logged — once per response for a list.
    ``phone_customer`` is the path from the object to its customer (``""``: the object is the
    customer); ``phone_fields`` maps the customer's fields to the representation's keys."""

    phone_customer = ""
    phone_fields: tuple[str, ...] = PHONE_FIELDS
    phone_keys: dict[str, str] = {}

    @classmethod
    def many_init(cls, *args, **kwargs):
        serializer = super().many_init(*args, **kwargs)
        if type(serializer) is serializers.ListSerializer:
            serializer.__class__ = PhonesListSerializer
        return serializer

    def to_representation(self, instance):
        data = super().to_representation(instance)
        customer = _customer_at(instance, self.phone_customer)
        for field in self.phone_fields:
            key = self.phone_keys.get(field, field)
            if key in data:
                data[key] = api_phone(self, customer, field) if customer is not None else None
                if data[key] is None and field != "mobile":
                    data[key] = ""
        return data


MaskedPhonesMixin = PhonesShownMixin  # the earlier name


class CustomerSerializer(PhonesShownMixin, serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "name",
            "mobile",
            "mobile_alt",
            "landline",
            "wechat",
            "email",
            "province",
            "city",
            "district",
            "street",
            "source",
            "consent_call",
            "consent_call_on",
            "consent_call_how",
            "consent_sms",
            "consent_sms_on",
            "consent_sms_how",
            "owner",
            "owner_name",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    name = serializers.CharField(max_length=100)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, allow_null=True)
    mobile_alt = serializers.CharField(max_length=30, required=False, allow_blank=True)
    landline = serializers.CharField(max_length=30, required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=50, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    province = serializers.CharField(max_length=30, required=False, allow_blank=True)
    city = serializers.CharField(max_length=30, required=False, allow_blank=True)
    district = serializers.CharField(max_length=30, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    consent_call = serializers.BooleanField(required=False)
    consent_call_on = serializers.DateField(required=False, allow_null=True)
    consent_call_how = serializers.ChoiceField(
        choices=ConsentMethod.choices, required=False, allow_blank=True
    )
    consent_sms = serializers.BooleanField(required=False)
    consent_sms_on = serializers.DateField(required=False, allow_null=True)
    consent_sms_how = serializers.ChoiceField(
        choices=ConsentMethod.choices, required=False, allow_blank=True
    )
    owner = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class OwnershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ownership
        fields = ["id", "customer", "start", "end"]
        read_only_fields = fields


class VehicleSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True, default=None)
    ownerships = OwnershipSerializer(many=True, read_only=True)

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "vin",
            "plate",
            "brand",
            "model",
            "trim",
            "colour",
            "registration_date",
            "mileage",
            "owner",
            "owner_name",
            "ownerships",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VehicleWriteSerializer(serializers.Serializer):
    vin = serializers.CharField(max_length=30)
    plate = serializers.CharField(max_length=12, required=False, allow_blank=True)
    brand = serializers.CharField(max_length=50, required=False, allow_blank=True)
    model = serializers.CharField(max_length=80, required=False, allow_blank=True)
    trim = serializers.CharField(max_length=80, required=False, allow_blank=True)
    colour = serializers.CharField(max_length=30, required=False, allow_blank=True)
    registration_date = serializers.DateField(required=False, allow_null=True)
    mileage = serializers.IntegerField(
        required=False, allow_null=True
    )  # negative: the service says so
    owner = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class VehicleUpdateSerializer(VehicleWriteSerializer):
    owner = None


class TransferSerializer(serializers.Serializer):
    new_owner = serializers.IntegerField(min_value=1)
    on = serializers.DateField(required=False, allow_null=True)


# --- short references to a customer, a vehicle, a person (shared by the crm resources) ----------


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VehicleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plate = serializers.CharField()
    vin = serializers.CharField()
    model = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.name or obj.username
