"""Reads of the org chart. Every query on tenant data goes through ``for_user``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from dealership.models import Dealership, Membership, User
from dealership.tenancy import get_scope
from org.models import (
    Department,
    Position,
    PositionAssignment,
    PositionCapability,
    StaffMember,
)

# --- the org chart ----------------------------------------------------------------------------


@dataclass
class PositionNode:
    position: Position
    holders: list[StaffMember]
    children: list[PositionNode] = field(default_factory=list)


@dataclass
class DepartmentNode:
    department: Department
    roots: list[PositionNode]


@dataclass
class DealershipChart:
    dealership: Dealership
    departments: list[DepartmentNode]


def dealerships_with(user, model) -> list[Dealership]:
    """The dealerships in which the user sees rows of ``model`` (one query), by code: the
    dealerships a group page (HQ's org chart, the matrix) offers one at a time."""
    return list(
        Dealership.objects.filter(
            pk__in=model.objects.for_user(user, "view").values("dealership_id")
        ).order_by("code")
    )


def org_chart_for_user(user, dealership_id: int | None = None) -> list[DealershipChart]:
    """The chart(s) the user may see: one per dealership in scope (HQ sees its group's), or only
    that of ``dealership_id``.

    Holders shown are the staff the user may see. A constant number of queries (4), however
    many people and positions there are.
    """
    departments = Department.objects.for_user(user, "view").select_related("dealership")
    if dealership_id is not None:
        departments = departments.filter(dealership_id=dealership_id)
    departments = list(departments)
    positions = list(
        Position.objects.for_user(user, "view")
        .filter(department__in=departments)
        .order_by("order", "code")
    )
    visible_staff = (
        StaffMember.objects.for_user(user, "view").filter(is_active=True).select_related("user")
    )
    holders: dict[int, list[StaffMember]] = defaultdict(list)
    for assignment in PositionAssignment.objects.filter(
        position__in=positions, staff__in=visible_staff
    ).select_related("staff__user"):
        holders[assignment.position_id].append(assignment.staff)
    nodes = {
        p.pk: PositionNode(p, sorted(holders[p.pk], key=lambda s: s.employee_no)) for p in positions
    }
    roots_by_dept: dict[int, list[PositionNode]] = defaultdict(list)
    for p in positions:
        parent = nodes.get(p.reports_to_id)
        if parent is not None and parent.position.department_id == p.department_id:
            parent.children.append(nodes[p.pk])
        else:
            roots_by_dept[p.department_id].append(nodes[p.pk])
    charts: dict[int, DealershipChart] = {}
    for dept in departments:
        chart = charts.setdefault(dept.dealership_id, DealershipChart(dept.dealership, []))
        chart.departments.append(DepartmentNode(dept, roots_by_dept.get(dept.pk, [])))
    return sorted(charts.values(), key=lambda c: c.dealership.code)


def position_detail(user, position: Position) -> dict:
    holders = list(
        StaffMember.objects.for_user(user, "view")
        .filter(assignments__position=position, is_active=True)
        .select_related("user")
        .distinct()
    )
    capabilities = list(PositionCapability.objects.filter(position=position).order_by("capability"))
    return {"holders": holders, "capabilities": capabilities}


# --- staff --------------------------------------------------------------------------------------


def staff_directory(user, *, query: str = "", include_ended: bool = False) -> QuerySet[StaffMember]:
    staff = StaffMember.objects.for_user(user, "view").select_related("user", "dealership")
    if not include_ended:
        staff = staff.filter(is_active=True)
    if query:
        matching_positions = Position.objects.filter(
            Q(name_zh__icontains=query) | Q(name_en__icontains=query) | Q(code__icontains=query)
        ).values("pk")
        staff = staff.filter(
            Q(user__name__icontains=query)
            | Q(user__username__icontains=query)
            | Q(employee_no__icontains=query)
            | Q(phone__icontains=query)
            | Q(
                pk__in=PositionAssignment.objects.filter(position__in=matching_positions).values(
                    "staff_id"
                )
            )
        )
    return staff.prefetch_related(
        Prefetch(
            "assignments",
            queryset=PositionAssignment.objects.select_related("position__department"),
        )
    ).order_by("dealership__code", "employee_no")


def group_colleagues(user) -> QuerySet[User]:
    """People already working in another dealership of the current dealership's group who do
    not work here yet: the only existing logins a hire may give access to this dealership.

    Annotated with ``works_at_zh`` and ``works_at_en``, the name of (one of) the dealership(s) they work in. HQ-only
    logins and people of other groups are never offered.
    """
    scope = get_scope()
    if scope.current_id is None:
        return User.objects.none()
    group_id = (
        Dealership.objects.filter(pk=scope.current_id).values_list("group_id", flat=True).first()
    )
    if group_id is None:
        return User.objects.none()
    elsewhere = Membership.objects.filter(
        is_active=True, dealership__is_active=True, dealership__group_id=group_id
    ).exclude(dealership_id=scope.current_id)
    return (
        User.objects.filter(is_active=True, pk__in=elsewhere.values("user_id"))
        .exclude(pk__in=StaffMember.objects.values("user_id"))  # already employed here
        .annotate(
            works_at_zh=Subquery(
                elsewhere.filter(user_id=OuterRef("pk"))
                .order_by("created_at")
                .values("dealership__name_zh")[:1]
            ),
            works_at_en=Subquery(
                elsewhere.filter(user_id=OuterRef("pk"))
                .order_by("created_at")
                .values("dealership__name_en")[:1]
            ),
        )
        .order_by("name", "username")
    )


def my_positions(user) -> list[PositionAssignment]:
    """The positions the user holds in the current dealership, with their duties."""
    return list(
        PositionAssignment.objects.filter(staff__user=user, staff__is_active=True)
        .select_related("position__department", "position__reports_to")
        .order_by("-is_primary", "position__order")
    )


def department_headcounts(user) -> list[dict]:
    """Per department in scope: active people and positions nobody holds (3 queries)."""
    departments = list(
        Department.objects.for_user(user, "view")
        .select_related("dealership")
        .order_by("dealership__code", "order")
    )
    holders = dict(
        Position.objects.for_user(user, "view")
        .filter(department__in=departments)
        .annotate(n=Count("assignments", filter=Q(assignments__staff__is_active=True)))
        .values_list("pk", "n")
    )
    position_department = dict(
        Position.objects.for_user(user, "view")
        .filter(pk__in=holders)
        .values_list("pk", "department_id")
    )
    staff_per_department: dict[int, set[int]] = defaultdict(set)
    for department_id, staff_id in PositionAssignment.objects.filter(
        position_id__in=holders, staff__is_active=True
    ).values_list("position__department_id", "staff_id"):
        staff_per_department[department_id].add(staff_id)
    rows = []
    for department in departments:
        positions = [pk for pk, dept in position_department.items() if dept == department.pk]
        rows.append(
            {
                "department": department,
                "headcount": len(staff_per_department[department.pk]),
                "positions": len(positions),
                "vacant": sum(1 for pk in positions if not holders[pk]),
            }
        )
    return rows


def matrix_departments(user, dealership_id: int | None = None) -> list[Department]:
    """The departments of the positions the user sees (in ``dealership_id`` if given), in their
    order; one query. The matrix shows one of them at a time."""
    positions = Position.objects.for_user(user, "view")
    if dealership_id is not None:
        positions = positions.filter(dealership_id=dealership_id)
    return list(
        Department.objects.filter(pk__in=positions.values("department_id")).order_by(
            "order", "code"
        )
    )


def capability_matrix(
    user, capabilities=None, dealership_id: int | None = None, department_id: int | None = None
) -> tuple[list[Position], dict[tuple[int, str], int]]:
    """The positions the user sees (grouped by dealership; only those of ``dealership_id`` and
    ``department_id`` if given) and their cells ``(position id, capability) → scope``, in two
    queries; ``capabilities`` limits the cells."""
    positions = Position.objects.for_user(user, "view").select_related("department", "dealership")
    if dealership_id is not None:
        positions = positions.filter(dealership_id=dealership_id)
    if department_id is not None:
        positions = positions.filter(department_id=department_id)
    positions = list(positions.order_by("dealership__code", "department__order", "order", "code"))
    rows = PositionCapability.objects.for_user(user, "view").filter(position__in=positions)
    if capabilities is not None:
        rows = rows.filter(capability__in=list(capabilities))
    cells = {
        (position_id, capability): scope
        for position_id, capability, scope in rows.values_list("position_id", "capability", "scope")
    }
    return positions, cells


FAMILIES = {
    "gm_office": "gm",
    "sales": "sales",
    "aftersales": "aftersales",
    "crm": "crm",
    "admin_finance": "admin_finance",
}


def _primary_position(request) -> tuple[str, str] | None:
    """(department kind, position code) of the user's primary position here (1 query, cached on
    the request)."""
    cached = getattr(request, "_org_primary", None)
    if cached is None:
        row = (
            PositionAssignment.objects.filter(staff__user=request.user, staff__is_active=True)
            .order_by("-is_primary", "position__order")
            .values_list("position__department__kind", "position__code")
            .first()
        )
        cached = request._org_primary = row or ()
    return cached or None


def position_family(request) -> str | None:
    """The dashboard family of the user: HQ, or the department kind of their primary position."""
    scope = getattr(request, "tenant_scope", None)
    if scope is None:
        return None
    if scope.is_hq:
        return "hq"
    primary = _primary_position(request)
    if primary is None or not primary[0]:
        return None
    return FAMILIES.get(primary[0], "staff")


def primary_position_code(request) -> str | None:
    """The code of the user's primary position in the current dealership (None at HQ)."""
    scope = getattr(request, "tenant_scope", None)
    if scope is None or scope.is_hq:
        return None
    primary = _primary_position(request)
    return primary[1] if primary else None


def staff_shared_with(staff: StaffMember) -> list:
    """Users a staff record is explicitly shared with (django-guardian grants)."""
    from org.models import StaffMemberUserObjectPermission

    return [
        grant.user
        for grant in StaffMemberUserObjectPermission.objects.filter(
            content_object=staff, permission__codename="view_staffmember"
        )
        .select_related("user")
        .order_by("user__username")
    ]


def share_candidates(user, staff: StaffMember) -> QuerySet[StaffMember]:
    """Colleagues of the dealership a record may be shared with."""
    return (
        StaffMember.objects.for_user(user, "view")
        .filter(is_active=True)
        .exclude(pk=staff.pk)
        .select_related("user")
        .order_by("employee_no")
    )


def holding_on(on: dt.date) -> Q:
    """Assignments that count on day ``on``: held since then by a person employed that day."""
    return Q(since__lte=on, staff__is_active=True, staff__start_date__lte=on) & (
        Q(staff__end_date__isnull=True) | Q(staff__end_date__gte=on)
    )


def holders_of(*codes: str, on: dt.date | None = None) -> list[int]:
    """The user ids of the people holding one of the positions ``codes`` in the current
    dealership on day ``on`` (today), employed that day; sorted."""
    return sorted(set(holder_ids(*codes, on=on).values_list("staff__user_id", flat=True)))


def holder_ids(*codes: str, on: dt.date | None = None):
    """:func:`holders_of` as a lazy query, to filter by without a query of its own
    (``User.objects.filter(pk__in=holder_ids(...))``)."""
    on = on or timezone.localdate()
    return PositionAssignment.objects.filter(holding_on(on), position__code__in=codes).values(
        "staff__user_id"
    )
