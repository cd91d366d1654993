"""Org chart services: validation, audit, access effects, object grants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from dealership.models import AuditEntry, Membership, User
from dealership.tenancy import TenantScope, dealership_context, tenant_context
from dealership.tenancy.resolve import resolve_scope
from org import services
from org.access import user_access
from org.capabilities import Capability, DataScope
from org.models import Department, Position, StaffMember
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English here; the Chinese ones are checked on the pages."""
    with translation.override("en"):
        yield


@pytest.fixture
def in_a(cast):
    with dealership_context(cast.a):
        yield cast


def _pos(code):
    return Position.objects.get(code=code)


def test_reporting_cycle_is_refused_with_a_clear_message(in_a):
    gm = _pos("gm")
    with pytest.raises(ValidationError) as error:
        services.position_update(
            actor=in_a.user_a, position_id=gm.pk, reports_to=_pos("sales_consultant")
        )
    message = str(error.value.message_dict["reports_to"])
    assert "cycle" in message and "→" in message
    gm.refresh_from_db()
    assert gm.reports_to is None  # nothing half-saved


def test_self_reporting_is_a_cycle(in_a):
    consultant = _pos("sales_consultant")
    with pytest.raises(ValidationError):
        services.position_update(
            actor=in_a.user_a, position_id=consultant.pk, reports_to=consultant
        )


def test_deleting_a_held_position_is_refused(in_a):
    hire(UserFactory(), in_a.a, "cashier")
    with pytest.raises(ValidationError, match="1 person"):
        services.position_delete(actor=in_a.user_a, position_id=_pos("cashier").pk)
    assert Position.objects.filter(code="cashier").exists()


def test_deleting_a_position_used_by_an_approval_chain_is_refused(in_a):
    def used_by_chain(position):
        return "the payment approval chain uses it" if position.code == "accountant" else None

    services.register_position_usage_check(used_by_chain)
    try:
        with pytest.raises(ValidationError, match="payment approval chain"):
            services.position_delete(actor=in_a.user_a, position_id=_pos("accountant").pk)
    finally:
        services.unregister_position_usage_check(used_by_chain)


def test_deleting_a_free_position_is_audited(in_a):
    position = _pos("cashier")
    services.position_delete(actor=in_a.user_a, position_id=position.pk)
    entry = AuditEntry.objects.get(object_type="org.Position", object_id=str(position.pk))
    assert entry.action == "delete" and entry.actor == in_a.user_a
    assert entry.before["code"] == "cashier" and entry.after is None


def test_department_with_positions_cannot_be_deleted(in_a):
    with pytest.raises(ValidationError, match="position"):
        services.department_delete(
            actor=in_a.user_a, department_id=Department.objects.get(code="sales").pk
        )


def test_hiring_creates_login_membership_positions_and_audit(in_a):
    staff = services.staff_hire(
        actor=in_a.user_a,
        username="li.na",
        name="李娜",
        employee_no="K900",
        positions=[_pos("sales_consultant"), _pos("key_account_manager")],
        primary=_pos("key_account_manager"),
        phone="13800000000",
        start_date=dt.date(2026, 11, 1),
    )
    assert Membership.objects.get(user=staff.user, dealership=in_a.a).is_active
    assert [a.position.code for a in staff.assignments.filter(is_primary=True)] == [
        "key_account_manager"
    ]
    entry = AuditEntry.objects.get(
        object_type="org.StaffMember", object_id=str(staff.pk), action="create"
    )
    assert entry.actor == in_a.user_a
    assert entry.after["positions"] == ["key_account_manager", "sales_consultant"]
    assert resolve_scope(staff.user) is not None


def test_duplicate_employee_number_is_refused(in_a):
    hire(UserFactory(), in_a.a, "cashier", employee_no="K001")
    with pytest.raises(ValidationError):
        services.staff_hire(
            actor=in_a.user_a,
            username="x",
            name="某人",
            employee_no="K001",
            positions=[_pos("cashier")],
        )
    assert not StaffMember.objects.filter(user__username="da_x").exists()
    assert not User.objects.filter(username="da_x").exists()  # nothing half-saved


def test_ending_an_employment_keeps_history_and_removes_access_at_once(in_a):
    person = UserFactory()
    staff = hire(person, in_a.a, "sales_consultant")
    assert resolve_scope(person) is not None
    services.staff_end(actor=in_a.user_a, staff_id=staff.pk, end_date=dt.date(2026, 11, 30))
    assert resolve_scope(person) is None
    staff.refresh_from_db()
    assert not staff.is_active and staff.end_date == dt.date(2026, 11, 30)
    assert staff.assignments.count() == 1  # the history stays
    entry = AuditEntry.objects.get(action="end")
    assert entry.before["is_active"] is True and entry.after["is_active"] is False
    with pytest.raises(ValidationError, match="already ended"):
        services.staff_end(actor=in_a.user_a, staff_id=staff.pk)


def test_removing_every_position_is_refused(in_a):
    staff = hire(UserFactory(), in_a.a, "cashier")
    with pytest.raises(ValidationError):
        services.staff_update(actor=in_a.user_a, staff_id=staff.pk, positions=[])


def test_capability_change_applies_at_once_and_is_audited(in_a):
    clerk = UserFactory()
    hire(clerk, in_a.a, "admin_clerk")
    assert not user_access(clerk).has(Capability.ORG_VIEW_AUDIT)
    services.position_capability_set(
        actor=in_a.user_a,
        position_id=_pos("admin_clerk").pk,
        capability="org.view_audit",
        scope=DataScope.DEALERSHIP,
    )
    clerk = type(clerk).objects.get(pk=clerk.pk)  # a new request
    assert user_access(clerk).scope_for(Capability.ORG_VIEW_AUDIT) == DataScope.DEALERSHIP
    services.position_capability_set(
        actor=in_a.user_a,
        position_id=_pos("admin_clerk").pk,
        capability="org.view_audit",
        scope=None,
    )
    actions = list(
        AuditEntry.objects.filter(object_type="org.Position").values_list("action", flat=True)
    )
    assert sorted(actions) == ["grant", "revoke"]
    with pytest.raises(ValidationError):
        services.position_capability_set(
            actor=in_a.user_a,
            position_id=_pos("admin_clerk").pk,
            capability="sales.fly_rocket",
            scope=1,
        )


def test_only_the_gm_edits_the_matrix(in_a):
    hr = UserFactory()
    hire(hr, in_a.a, "hr_manager")
    with pytest.raises(PermissionDenied):
        services.position_capability_set(
            actor=hr, position_id=_pos("hr_manager").pk, capability="org.view_audit", scope=3
        )


def test_writes_reread_the_object_through_the_chokepoint(in_a):
    consultant = UserFactory()
    hire(consultant, in_a.a, "sales_consultant")
    with pytest.raises(PermissionDenied):
        services.position_update(
            actor=consultant, position_id=_pos("sales_consultant").pk, name_zh="x"
        )
    with dealership_context(in_a.b):
        foreign = _pos("gm").pk
    with pytest.raises(Http404):
        services.position_update(actor=in_a.user_a, position_id=foreign, name_zh="x")


def test_hq_cannot_write(cast):
    scope = resolve_scope(cast.hq_user)
    with tenant_context(scope), pytest.raises(PermissionDenied):
        services.department_create(actor=cast.hq_user, code="x", name_zh="新部门")


def test_sharing_a_staff_record_with_a_colleague(in_a):
    consultant_user = UserFactory()
    hire(consultant_user, in_a.a, "sales_consultant")
    cashier = hire(UserFactory(), in_a.a, "cashier")
    visible = StaffMember.objects.for_user(consultant_user, "view")
    assert list(visible.values_list("user_id", flat=True)) == [consultant_user.pk]  # own scope
    services.object_permission_grant(actor=in_a.user_a, user=consultant_user, obj=cashier)
    consultant_user = type(consultant_user).objects.get(pk=consultant_user.pk)
    assert set(
        StaffMember.objects.for_user(consultant_user, "view").values_list("pk", flat=True)
    ) == {
        consultant_user.staff_records.get().pk,
        cashier.pk,
    }
    assert AuditEntry.objects.filter(action="grant", object_type="org.StaffMember").exists()
    services.object_permission_revoke(actor=in_a.user_a, user=consultant_user, obj=cashier)
    assert cashier.pk not in set(
        StaffMember.objects.for_user(consultant_user, "view").values_list("pk", flat=True)
    )


def test_sharing_with_someone_outside_the_dealership_is_refused(in_a):
    cashier = hire(UserFactory(), in_a.a, "cashier")
    with pytest.raises(ValidationError):
        services.object_permission_grant(actor=in_a.user_a, user=in_a.user_b, obj=cashier)


def test_user_without_position_has_no_scope(cast):
    member = UserFactory()
    Membership.objects.create(user=member, dealership=cast.a)
    assert resolve_scope(member) is None
    assert TenantScope.for_dealership(cast.a.pk)  # the dealership itself is fine
