"""Serializers of the crm API: reads with phone numbers masked for people without
``crm.view_customer_phone``; writes are plain serializers whose data go to the services (which
normalise and validate: phone, VIN and its check digit, dates, duplicates)."""

from __future__ import annotations

from rest_framework import serializers

from crm.access_rules import PHONE_FIELDS, may_see_phone
from crm.models import ConsentMethod, Customer, CustomerKind, Ownership, Source, Vehicle
from dealership.audit import mask


class MaskedPhonesMixin:
    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not self.context.setdefault(
            "_may_see_phone", may_see_phone(request.user)
        ):
            for name in PHONE_FIELDS:
                if name in data:
                    data[name] = mask(data[name])
        return data


class CustomerSerializer(MaskedPhonesMixin, serializers.ModelSerializer):
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
