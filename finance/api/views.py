"""API views of finance: subclasses of ``dealership.api.viewsets.TenantModelViewSet``, one per
kind: list and read (what the user may see), create (multipart with the attachments; ``submit``
starts the chain at once), ``POST …/{id}/submit/``, and the follow-up action after approval
(``sign``, ``file``, ``order``). Writes go through ``finance.services``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet
from finance import kinds as K
from finance import services
from finance.api.serializers import CREATE, READ, InstallSerializer, OemStateSerializer


class RecordViewSet(TenantModelViewSet):
    spec: K.FinanceKind
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def base_queryset(self):
        # who signed, filed or ordered it (the kinds that record it), in the same query
        done_by = [
            f.name for f in self.model._meta.fields if f.name.endswith("_by") and f.is_relation
        ]
        return (
            self.model.objects.select_related("request__requester", "request__department", *done_by)
            .prefetch_related("request__attachments")
            .order_by("-pk")
        )

    def policy_action(self) -> str:
        if self.action in ("submit", "sign", "file", "order", "install", "oem"):
            return "change"
        return super().policy_action()

    def _result(self, record, status_code=status.HTTP_200_OK):
        record = self.base_queryset().get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = dict(valid(CREATE[self.spec.code], request))
        submit = data.pop("submit", False)
        files = {p: data.pop(p, None) for p in self.spec.attachments}
        with as_drf_errors():
            record = services.record_create(
                actor=request.user, kind=self.spec.code, files=files, submit=submit, **data
            )
        return self._result(record, status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        record = self.get_object()
        with as_drf_errors():
            record = services.record_submit(
                actor=request.user, kind=self.spec.code, record_id=record.pk
            )
        return self._result(record)

    def _follow_up(self, request, name):
        record = self.get_object()
        with as_drf_errors():
            record = services.FOLLOW_UPS[name](actor=request.user, record_id=record.pk)
        return self._result(record)


class ContractApprovalViewSet(RecordViewSet):
    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """The GM records signing the approved contract."""
        return self._follow_up(request, "sign")


class ContractStampingViewSet(RecordViewSet):
    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        """The admin clerk records filing the stamped contract."""
        return self._follow_up(request, "file")


class PromoOrderViewSet(RecordViewSet):
    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        """The customer relations manager records placing the order."""
        return self._follow_up(request, "order")


class AdClaimViewSet(RecordViewSet):
    @extend_schema(request=OemStateSerializer)
    @action(detail=True, methods=["post"])
    def oem(self, request, pk=None):
        """Finance records the claim's next state with the OEM (submitted, approved, rejected,
        paid)."""
        record = self.get_object()
        data = valid(OemStateSerializer, request)
        with as_drf_errors():
            record = services.ad_claim_oem_record(
                actor=request.user,
                record_id=record.pk,
                status=data["status"],
                on=data["on"],
                amount=data.get("amount"),
                claim_no=data.get("claim_no", ""),
                reason=data.get("reason", ""),
            )
        return self._result(record)


class DecorationRequestViewSet(RecordViewSet):
    @extend_schema(request=InstallSerializer)
    @action(detail=True, methods=["post"])
    def install(self, request, pk=None):
        """The customer department's handler records the installation (multipart: the safety
        agreement with the installer, needed for work at height unless already attached)."""
        record = self.get_object()
        data = valid(InstallSerializer, request)
        with as_drf_errors():
            record = services.decoration_install(
                actor=request.user, record_id=record.pk, agreement=data.get("agreement")
            )
        return self._result(record)


BASES = {
    K.CONTRACT_APPROVAL: ContractApprovalViewSet,
    K.CONTRACT_STAMPING: ContractStampingViewSet,
    K.PROMO_ORDER: PromoOrderViewSet,
    K.AD_CLAIM: AdClaimViewSet,
    K.DECORATION: DecorationRequestViewSet,
}


def viewset_for(spec: K.FinanceKind) -> type[RecordViewSet]:
    base = BASES.get(spec.code, RecordViewSet)
    return type(
        f"{spec.model_name}ViewSet",
        (base,),
        {
            "model": spec.model,
            "spec": spec,
            "serializer_class": READ[spec.code],
            "__doc__": f"{spec.model_name}: {base.__doc__ or RecordViewSet.__doc__ or ''}",
        },
    )
