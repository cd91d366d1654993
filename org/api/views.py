"""Org chart API: departments, positions, staff and the permission matrix, read through the same
chokepoint as the pages and written through the same services (so the same rules apply)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from dealership.api.pagination import CountedPagination
from dealership.api.services import ServiceViewSetMixin, as_drf_errors, valid
from dealership.api.viewsets import TenantModelViewSet
from org import selectors, services
from org.api.serializers import (
    CapabilityCellSerializer,
    ColleagueSerializer,
    DepartmentSerializer,
    PositionCapabilitySerializer,
    PositionSerializer,
    StaffEndSerializer,
    StaffHireSerializer,
    StaffMemberSerializer,
    StaffUpdateSerializer,
)
from org.models import Department, Position, PositionAssignment, PositionCapability, StaffMember


class DepartmentViewSet(ServiceViewSetMixin, TenantModelViewSet):
    pagination_class = CountedPagination  # a short list: numbered pages, a count
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
    pagination_class = CountedPagination  # a short list: numbered pages, a count
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


class StaffMemberViewSet(TenantModelViewSet):
    """Staff records. ``POST`` hires (a new login, or a colleague of the group), ``PATCH``
    changes the number, phone and positions, ``POST …/end/`` ends the employment. Positions
    can be given or taken only within the caller's own rights, never by anyone to themselves
    (403)."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    model = StaffMember
    serializer_class = StaffMemberSerializer
    filterset_fields = ["is_active", "employee_no"]
    http_method_names = ["get", "post", "patch", "head", "options"]

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

    def policy_action(self) -> str:
        if self.action in ("end", "colleagues"):
            return "change"
        return super().policy_action()

    def _result(self, staff, status_code=status.HTTP_200_OK):
        staff = self.base_queryset().get(pk=staff.pk)
        return Response(StaffMemberSerializer(staff).data, status=status_code)

    @extend_schema(request=StaffHireSerializer, responses={201: StaffMemberSerializer})
    def create(self, request, *args, **kwargs):
        data = valid(StaffHireSerializer, request)
        with as_drf_errors():
            staff = services.staff_hire(
                actor=request.user,
                colleague_id=data.get("colleague"),
                username=data.get("username", ""),
                name=data.get("name", ""),
                email=data.get("email", ""),
                password=data.get("password") or None,
                employee_no=data["employee_no"],
                phone=data.get("phone", ""),
                start_date=data.get("start_date"),
                positions=data["positions"],
                primary=data.get("primary"),
            )
        return self._result(staff, status.HTTP_201_CREATED)

    @extend_schema(request=StaffUpdateSerializer, responses=StaffMemberSerializer)
    def partial_update(self, request, *args, **kwargs):
        staff = self.get_object()
        data = valid(StaffUpdateSerializer, request)
        with as_drf_errors():
            staff = services.staff_update(actor=request.user, staff_id=staff.pk, **data)
        return self._result(staff)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=StaffEndSerializer, responses=StaffMemberSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        staff = self.get_object()
        data = valid(StaffEndSerializer, request)
        with as_drf_errors():
            staff = services.staff_end(
                actor=request.user, staff_id=staff.pk, end_date=data.get("end_date")
            )
        return self._result(staff)

    @extend_schema(responses=ColleagueSerializer(many=True))
    @action(detail=False, methods=["get"])
    def colleagues(self, request):
        """People working in another dealership of the group who may be hired here."""
        return Response(
            ColleagueSerializer(selectors.group_colleagues(request.user), many=True).data
        )


class PositionCapabilityViewSet(TenantModelViewSet):
    """The permission matrix: ``GET`` lists the cells, ``POST`` sets one (``scope`` null
    removes it). Nobody grants a capability at a scope wider than their own, nor changes a
    position they hold or one granting more than they hold (403)."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    model = PositionCapability
    serializer_class = PositionCapabilitySerializer
    filterset_fields = ["position", "capability"]
    http_method_names = ["get", "post", "head", "options"]

    def base_queryset(self):
        return PositionCapability.objects.order_by("position_id", "capability")

    @extend_schema(request=CapabilityCellSerializer, responses=CapabilityCellSerializer)
    def create(self, request, *args, **kwargs):
        data = valid(CapabilityCellSerializer, request)
        with as_drf_errors():
            row = services.position_capability_set(
                actor=request.user,
                position_id=data["position"],
                capability=data["capability"],
                scope=data["scope"],
            )
        return Response({**data, "scope": row.scope if row else None})
