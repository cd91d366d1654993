"""Org chart API: departments and positions (read and write, through the services) and staff
(read), all scoped by the same chokepoint as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from rest_framework import serializers as drf_serializers

from dealership.api.viewsets import TenantModelViewSet, TenantReadOnlyModelViewSet
from org import services
from org.api.serializers import DepartmentSerializer, PositionSerializer, StaffMemberSerializer
from org.models import Department, Position, PositionAssignment, StaffMember


def _drf_error(error: DjangoValidationError):
    detail = (
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )
    return drf_serializers.ValidationError(detail)


class ServiceViewSetMixin:
    """create/update/destroy call the org services (audit, validation, locking)."""

    create_service = update_service = delete_service = None
    id_argument = None

    def perform_create(self, serializer):
        try:
            serializer.instance = type(self).create_service(
                actor=self.request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = type(self).update_service(
                actor=self.request.user,
                **{self.id_argument: serializer.instance.pk},
                **serializer.validated_data,
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None

    def perform_destroy(self, instance):
        try:
            type(self).delete_service(actor=self.request.user, **{self.id_argument: instance.pk})
        except DjangoValidationError as error:
            raise _drf_error(error) from None


class DepartmentViewSet(ServiceViewSetMixin, TenantModelViewSet):
    model = Department
    serializer_class = DepartmentSerializer
    filterset_fields = ["kind", "code"]
    create_service = staticmethod(services.department_create)
    update_service = staticmethod(services.department_update)
    delete_service = staticmethod(services.department_delete)
    id_argument = "department_id"

    def base_queryset(self):
        return Department.objects.select_related("dealership").order_by(
            "dealership__code", "order", "code"
        )


class PositionViewSet(ServiceViewSetMixin, TenantModelViewSet):
    model = Position
    serializer_class = PositionSerializer
    filterset_fields = ["department", "code", "is_manager"]
    create_service = staticmethod(services.position_create)
    update_service = staticmethod(services.position_update)
    delete_service = staticmethod(services.position_delete)
    id_argument = "position_id"

    def base_queryset(self):
        return (
            Position.objects.select_related("dealership")
            .prefetch_related("capabilities")
            .order_by("dealership__code", "department__order", "order", "code")
        )


class StaffMemberViewSet(TenantReadOnlyModelViewSet):
    model = StaffMember
    serializer_class = StaffMemberSerializer
    filterset_fields = ["is_active", "employee_no"]

    def base_queryset(self):
        return (
            StaffMember.objects.select_related("dealership", "user")
            .prefetch_related(
                Prefetch(
                    "assignments", queryset=PositionAssignment.objects.select_related("position")
                )
            )
            .order_by("dealership__code", "employee_no")
        )
