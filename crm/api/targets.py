"""API of the day-N+1 data checks and the SSI / CSI targets with their action items.

* ``data-checks/`` — list (``?state=``, ``?kind=``, ``?listed_on=YYYY-MM-DD``) and read;
  ``POST data-checks/{id}/confirm/`` (details right), ``…/correct/`` (``{"changes": {field:
  value}, "note"}``: the customer corrected, audited), ``…/unreachable/``.
* ``satisfaction-targets/`` — list and read (with the month's actual, gap and would-recommend
  share); ``POST satisfaction-targets/`` sets a month's target (``crm.change_csi_plan``).
* ``satisfaction-actions/`` — list (``?state=``, ``overdue``) and read; ``POST`` creates one,
  ``POST satisfaction-actions/{id}/progress/`` records its state and result (owner or
  planner)."""

from __future__ import annotations

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.followups import _choice, _PhonesViewSet
from crm.api.serializers import CustomerRefSerializer, PersonRefSerializer
from crm.models import (
    ActionState,
    DataCheck,
    DataCheckState,
    EventKind,
    SatisfactionAction,
    SatisfactionTarget,
)
from crm.selectors import datachecks as check_selectors
from crm.selectors import targets as target_selectors
from crm.services import datachecks as check_services
from crm.services import targets as target_services
from crm.services.calls import CORRECTABLE_FIELDS
from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantReadOnlyModelViewSet

# --- data checks -------------------------------------------------------------------------------


class DataCheckSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    specialist = PersonRefSerializer(source="followup.specialist", read_only=True, allow_null=True)
    checked_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = DataCheck
        fields = [
            "id",
            "followup",
            "customer",
            "phone",
            "address",
            "kind",
            "event_date",
            "listed_on",
            "specialist",
            "state",
            "checked_at",
            "checked_by",
            "changed_fields",
            "note",
        ]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return self.context.get("phones", {}).get(obj.customer_id, {}).get("mobile", "")

    def get_address(self, obj) -> str:
        c = obj.customer
        return " ".join(p for p in (c.province, c.city, c.district, c.street) if p)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CorrectSerializer(NoteSerializer):
    changes = serializers.DictField(
        help_text=f"Some of: {', '.join(CORRECTABLE_FIELDS)}.", allow_empty=False
    )


class DataCheckViewSet(_PhonesViewSet):
    """Yesterday's delivered and serviced customers to verify (a specialist: their own)."""

    model = DataCheck
    serializer_class = DataCheckSerializer
    phone_context = "api:crm/data-checks"

    def base_queryset(self):
        return DataCheck.objects.select_related(
            "customer", "followup", "followup__specialist", "checked_by"
        ).order_by("-listed_on", "pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DataCheck._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        params = self.request.query_params
        day = None
        if params.get("listed_on"):
            try:
                day = parse_date(params["listed_on"])
            except ValueError:
                day = None
            if day is None:
                raise serializers.ValidationError(
                    {"listed_on": [_("Give the day as YYYY-MM-DD, e.g. 2026-03-05.")]}
                )
        return check_selectors.datachecks_for_user(
            self.request.user,
            day=day,
            state=_choice(params, "state", DataCheckState),
            kind=_choice(params, "kind", EventKind),
        )

    def policy_action(self) -> str:
        if self.action in ("confirm", "correct", "unreachable"):
            return "change"
        return super().policy_action()

    @extend_schema(request=NoteSerializer, responses=DataCheckSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        check = self.get_object()
        data = valid(NoteSerializer, request)
        with as_drf_errors():
            check_services.datacheck_confirm(
                actor=request.user, check_id=check.pk, note=data.get("note", "")
            )
        return self.answer(check)

    @extend_schema(request=NoteSerializer, responses=DataCheckSerializer)
    @action(detail=True, methods=["post"])
    def unreachable(self, request, pk=None):
        check = self.get_object()
        data = valid(NoteSerializer, request)
        with as_drf_errors():
            check_services.datacheck_unreachable(
                actor=request.user, check_id=check.pk, note=data.get("note", "")
            )
        return self.answer(check)

    @extend_schema(request=CorrectSerializer, responses=DataCheckSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        check = self.get_object()
        data = valid(CorrectSerializer, request)
        with as_drf_errors():
            check_services.datacheck_correct(
                actor=request.user,
                check_id=check.pk,
                changes=data["changes"],
                note=data.get("note", ""),
            )
        return self.answer(check)


# --- targets and action items -------------------------------------------------------------------


class TargetSerializer(serializers.ModelSerializer):
    actual = serializers.SerializerMethodField()
    gap = serializers.SerializerMethodField()
    referral = serializers.SerializerMethodField(help_text="Would-recommend share (%).")

    class Meta:
        model = SatisfactionTarget
        fields = [
            "id",
            "kind",
            "month",
            "target_score",
            "referral_target",
            "note",
            "actual",
            "gap",
            "referral",
            "updated_at",
        ]
        read_only_fields = fields

    def _result(self, obj):
        results = self.context.setdefault("results", {})
        key = obj.month
        if key not in results:
            results[key] = {
                k.kind: k
                for k in target_selectors.satisfaction_month(self.context["request"].user, key)
                or []
            }
        return results[key].get(obj.kind)

    def get_actual(self, obj) -> str | None:
        r = self._result(obj)
        return None if r is None or r.actual is None else str(r.actual)

    def get_gap(self, obj) -> str | None:
        r = self._result(obj)
        if r is None or r.actual is None:
            return None
        return str((r.actual - obj.target_score).quantize(obj.target_score))

    def get_referral(self, obj) -> str | None:
        r = self._result(obj)
        return None if r is None or r.referral is None else str(r.referral)


class TargetWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    month = serializers.DateField()
    target_score = serializers.DecimalField(max_digits=4, decimal_places=2)
    referral_target = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SatisfactionTargetViewSet(TenantReadOnlyModelViewSet):
    """SSI / CSI targets per month. The list shows targets only (the actual is computed on the
    one read)."""

    model = SatisfactionTarget
    serializer_class = TargetSerializer

    def base_queryset(self):
        return SatisfactionTarget.objects.order_by("-month", "kind")

    def get_serializer_class(self):
        return TargetSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = [
            {
                "id": t.pk,
                "kind": t.kind,
                "month": t.month,
                "target_score": str(t.target_score),
                "referral_target": t.referral_target,
                "note": t.note,
            }
            for t in page
        ]
        return self.get_paginated_response(rows)

    def policy_action(self) -> str:
        if self.action == "create":
            return "change"
        return super().policy_action()

    @extend_schema(request=TargetWriteSerializer, responses=TargetSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(TargetWriteSerializer, request)
        with as_drf_errors():
            target = target_services.satisfaction_target_set(actor=request.user, **data)
        return Response(
            self.get_serializer(target).data,
            status=status.HTTP_201_CREATED,
        )


class ActionSerializer(serializers.ModelSerializer):
    owner = PersonRefSerializer(read_only=True)
    target_label = serializers.CharField(source="target.__str__", read_only=True)

    class Meta:
        model = SatisfactionAction
        fields = [
            "id",
            "target",
            "target_label",
            "title",
            "detail",
            "owner",
            "due_on",
            "state",
            "result",
            "done_at",
            "reminded_at",
        ]
        read_only_fields = fields


class ActionWriteSerializer(serializers.Serializer):
    target = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.IntegerField(min_value=1)
    due_on = serializers.DateField()


class ProgressSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ActionState.choices)
    result = serializers.CharField(required=False, allow_blank=True)


class SatisfactionActionViewSet(TenantReadOnlyModelViewSet):
    model = SatisfactionAction
    serializer_class = ActionSerializer

    def base_queryset(self):
        return SatisfactionAction.objects.select_related("target", "owner").order_by("due_on", "pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SatisfactionAction._base_manager.none()
        if self.action != "list":
            return super().get_queryset()
        state = self.request.query_params.get("state", "")
        if state and state not in (*ActionState.values, "overdue"):
            raise serializers.ValidationError(
                {"state": [_("Unknown value “%(value)s”.") % {"value": state[:30]}]}
            )
        return target_selectors.actions_for_user(self.request.user, state=state)

    def policy_action(self) -> str:
        if self.action == "create":
            return "change"
        if self.action == "progress":
            return "view"  # the owner too; the service decides
        return super().policy_action()

    @extend_schema(request=ActionWriteSerializer, responses=ActionSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(ActionWriteSerializer, request)
        with as_drf_errors():
            item = target_services.satisfaction_action_create(
                actor=request.user,
                target_id=data["target"],
                title=data["title"],
                detail=data.get("detail", ""),
                owner=data["owner"],
                due_on=data["due_on"],
            )
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProgressSerializer, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        from django.core.exceptions import PermissionDenied

        from org.access import user_access

        item = self.get_object()
        if not user_access(request.user).writable:
            raise PermissionDenied(_("You do not have permission to perform this action."))
        data = valid(ProgressSerializer, request)
        with as_drf_errors():
            item = target_services.satisfaction_action_progress(
                actor=request.user,
                action_id=item.pk,
                state=data["state"],
                result=data.get("result", ""),
            )
        return Response(self.get_serializer(self.base_queryset().get(pk=item.pk)).data)


def register(router) -> None:
    router.register("data-checks", DataCheckViewSet, basename="datacheck")
    router.register(
        "satisfaction-targets", SatisfactionTargetViewSet, basename="satisfactiontarget"
    )
    router.register(
        "satisfaction-actions", SatisfactionActionViewSet, basename="satisfactionaction"
    )
