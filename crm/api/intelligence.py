"""REST API of crm: market intelligence, written through the same services as the pages.

* ``competitor-observations/`` — list (``?month=YYYY-MM``, ``?q=`` brand or model), read,
  create, change (PUT / PATCH) and delete competitor observations (竞争对手情报).
* ``advertising-spends/`` — list (``?month=YYYY-MM``: spends starting in that month,
  ``?channel=``), read, create, change and delete advertising spends (广告投放).

Prices and costs are yuan as decimal strings ("159800.00"); a negative amount, a period ending
before it starts or an unknown filter value answers 400 with the reason."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from crm.api.serializers import PersonRefSerializer
from crm.models import AdChannel, AdvertisingSpend, CompetitorObservation
from crm.selectors import intelligence as selectors
from crm.services import intelligence as services
from dealership.api.services import ServiceViewSetMixin
from dealership.api.viewsets import TenantModelViewSet


class CompetitorObservationSerializer(serializers.ModelSerializer):
    recorded_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CompetitorObservation
        fields = [
            "id",
            "brand",
            "model",
            "price",
            "promotion",
            "observed_on",
            "source",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]


class AdvertisingSpendSerializer(serializers.ModelSerializer):
    recorded_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AdvertisingSpend
        fields = [
            "id",
            "channel",
            "description",
            "period_start",
            "period_end",
            "cost",
            "leads_attributed",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at"]


def _month(params) -> dt.date | None:
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


def _channel(params) -> str:
    value = params.get("channel", "")
    if value and value not in AdChannel.values:
        raise serializers.ValidationError(
            {
                "channel": [
                    _("Unknown value “%(value)s”; use one of: %(values)s.")
                    % {"value": value[:30], "values": ", ".join(AdChannel.values)}
                ]
            }
        )
    return value


MONTH_PARAM = OpenApiParameter("month", OpenApiTypes.STR, description="A month, YYYY-MM.")


class _IntelligenceViewSet(ServiceViewSetMixin, TenantModelViewSet):
    def base_queryset(self):
        return self.model.objects.select_related("recorded_by")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model._base_manager.none()
        if self.action == "list":
            return self.rows(self.request.query_params)
        return super().get_queryset()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            MONTH_PARAM,
            OpenApiParameter("q", OpenApiTypes.STR, description="Brand or model contains."),
        ]
    )
)
class CompetitorObservationViewSet(_IntelligenceViewSet):
    """Competitor observations (竞争对手情报): a competitor's model, its price (yuan) and
    promotion, the day and where it was seen."""

    model = CompetitorObservation
    serializer_class = CompetitorObservationSerializer
    create_service = staticmethod(services.competitor_observation_create)
    update_service = staticmethod(services.competitor_observation_update)
    delete_service = staticmethod(services.competitor_observation_delete)
    id_argument = "observation_id"

    def rows(self, params):
        return selectors.observations_for_user(
            self.request.user, month=_month(params), q=params.get("q", "")[:50]
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            MONTH_PARAM,
            OpenApiParameter("channel", OpenApiTypes.STR, enum=AdChannel.values),
        ]
    )
)
class AdvertisingSpendViewSet(_IntelligenceViewSet):
    """Advertising spends (广告投放): a channel, a period, the cost (yuan) and the leads it
    brought."""

    model = AdvertisingSpend
    serializer_class = AdvertisingSpendSerializer
    create_service = staticmethod(services.advertising_spend_create)
    update_service = staticmethod(services.advertising_spend_update)
    delete_service = staticmethod(services.advertising_spend_delete)
    id_argument = "spend_id"

    def rows(self, params):
        return selectors.spends_for_user(
            self.request.user, month=_month(params), channel=_channel(params)
        )


def register(router) -> None:
    """Register the area's viewsets on the crm router."""
    router.register(
        "competitor-observations", CompetitorObservationViewSet, basename="competitorobservation"
    )
    router.register("advertising-spends", AdvertisingSpendViewSet, basename="advertisingspend")
