"""Serializers of the finance API: one read serializer and one create serializer per kind, built
from the kind's specification (``finance.kinds``)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from finance import kinds as K
from org.approvals.models import ApprovalRequest, Attachment

LINK_FIELDS = ("advance", "promo_order", "department")
OEM_FIELDS = (
    "oem_status",
    "oem_submitted_on",
    "oem_claim_no",
    "oem_decided_on",
    "oem_approved_amount",
    "oem_rejection_reason",
    "oem_paid_on",
    "oem_paid_amount",
    "oem_recorded_by",
)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "purpose", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.username", read_only=True)
    department = serializers.CharField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "subject",
            "description",
            "amount",
            "status",
            "round",
            "over_budget",
            "requester",
            "department",
            "created_at",
            "submitted_at",
            "finished_at",
            "attachments",
        ]
        read_only_fields = fields


def read_serializer(spec: K.FinanceKind) -> type[serializers.ModelSerializer]:
    done = (
        "signed_by",
        "signed_at",
        "filed_by",
        "filed_at",
        "ordered_by",
        "ordered_at",
        "installed_by",
        "installed_at",
        *OEM_FIELDS,
    )
    extra = [f for f in done if any(field.name == f for field in spec.model._meta.fields)]
    fields = ["id", "request", *spec.fields, *extra]
    if spec.code == K.BUDGET:
        fields.append("amount")
    attrs = {
        "request": RequestSerializer(read_only=True),
        "Meta": type(
            "Meta", (), {"model": spec.model, "fields": fields, "read_only_fields": fields}
        ),
    }
    for name in extra:
        if name.endswith("_by"):
            attrs[name] = serializers.CharField(
                source=f"{name}.username", read_only=True, default=None
            )
    if spec.code == K.AD_CLAIM:
        attrs["oem_outstanding"] = serializers.DecimalField(
            source="outstanding", max_digits=14, decimal_places=2, read_only=True
        )
        attrs["Meta"].fields = [*fields, "oem_outstanding"]
    return type(f"{spec.model_name}Serializer", (serializers.ModelSerializer,), attrs)


def create_serializer(spec: K.FinanceKind) -> type[serializers.ModelSerializer]:
    """Multipart (or JSON without files): the request's subject, amount and description, the
    kind's fields, a file per attachment, and ``submit`` to start the chain at once."""
    own = [f for f in spec.fields if f not in LINK_FIELDS]
    attrs: dict = {
        "Meta": type("Meta", (), {"model": spec.model, "fields": [*own]}),
        "amount": serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            min_value=Decimal("0.01"),
            required=spec.request_kind.amount_required,
            allow_null=not spec.request_kind.amount_required,
        ),
        "description": serializers.CharField(required=False, allow_blank=True, default=""),
        "submit": serializers.BooleanField(required=False, default=False),
    }
    if spec.code != K.BUDGET:
        attrs["subject"] = serializers.CharField(max_length=200)
    for name in LINK_FIELDS:
        if name in spec.fields:
            attrs[name] = serializers.IntegerField(
                required=name != "advance", allow_null=name == "advance", min_value=1
            )
    for purpose in spec.attachments:
        attrs[purpose] = serializers.FileField(required=purpose in spec.required)
    attrs["Meta"].fields = [*own, *(k for k in attrs if k != "Meta" and k not in own)]
    return type(f"{spec.model_name}CreateSerializer", (serializers.ModelSerializer,), attrs)


READ = {code: read_serializer(spec) for code, spec in K.FINANCE_KINDS.items()}
CREATE = {code: create_serializer(spec) for code, spec in K.FINANCE_KINDS.items()}


class OemStateSerializer(serializers.Serializer):
    """What happened with the OEM: ``submitted`` (``claim_no``), ``approved`` (``amount``),
    ``rejected`` (``reason``) or ``paid`` (``amount``, the approved amount when left out)."""

    status = serializers.ChoiceField(choices=["submitted", "approved", "rejected", "paid"])
    on = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )
    claim_no = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class InstallSerializer(serializers.Serializer):
    """The safety agreement with the installer (needed at height unless already attached)."""

    agreement = serializers.FileField(required=False, allow_null=True)
