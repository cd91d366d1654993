"""API views of crm: customers and vehicles (list, read, create, change) through the services;
``POST vehicles/{id}/transfer/`` changes the owner. Phone numbers masked per
``crm.view_customer_phone``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action

from crm import selectors, services
from crm.api.serializers import (
    CustomerSerializer,
    CustomerWriteSerializer,
    TransferSerializer,
    VehicleSerializer,
    VehicleUpdateSerializer,
    VehicleWriteSerializer,
)
from crm.models import Customer, Ownership, Vehicle
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet


class _ServiceViewSet(ServiceViewSetMixin, TenantModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    write_serializer = None

    def create(self, request, *args, **kwargs):
        data = valid(self.write_serializer, request)
        with as_drf_errors():
            obj = type(self).create_service(actor=request.user, **data)
        return self.answer(obj, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = valid(self.write_serializer, request, partial=kwargs.get("partial", False))
        with as_drf_errors():
            obj = type(self).update_service(
                actor=request.user, **{self.id_argument: obj.pk}, **data
            )
        return self.answer(obj, status.HTTP_200_OK)


class CustomerViewSet(_ServiceViewSet):
    """Customers the user may see; search with ``?q=`` (name, phone, plate, VIN)."""

    model = Customer
    serializer_class = CustomerSerializer
    write_serializer = CustomerWriteSerializer
    create_service = staticmethod(services.customer_create)
    update_service = staticmethod(services.customer_update)
    id_argument = "customer_id"

    def base_queryset(self):
        return Customer.objects.select_related("owner").order_by("-pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer._base_manager.none()
        if self.action == "list":
            return selectors.customers_for_user(
                self.request.user, q=self.request.query_params.get("q", "")
            )
        return super().get_queryset()


class VehicleViewSet(_ServiceViewSet):
    """Vehicles of the customers the user may see, with their ownership history."""

    model = Vehicle
    serializer_class = VehicleSerializer
    create_service = staticmethod(services.vehicle_create)
    update_service = staticmethod(services.vehicle_update)
    id_argument = "vehicle_id"

    @property
    def write_serializer(self):
        return VehicleWriteSerializer if self.action == "create" else VehicleUpdateSerializer

    def base_queryset(self):
        from django.db.models import Prefetch

        return (
            Vehicle.objects.select_related("owner")
            .prefetch_related(
                Prefetch("ownerships", queryset=Ownership.objects.order_by("-start", "-pk"))
            )
            .order_by("-pk")
        )

    def policy_action(self) -> str:
        return "change" if self.action == "transfer" else super().policy_action()

    @extend_schema(request=TransferSerializer, responses=VehicleSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        vehicle = self.get_object()
        data = dict(valid(TransferSerializer, request))
        with as_drf_errors():
            vehicle = services.vehicle_transfer(actor=request.user, vehicle_id=vehicle.pk, **data)
        return self.answer(vehicle, status.HTTP_200_OK)
