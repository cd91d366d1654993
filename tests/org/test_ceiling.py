"""The assignment ceiling (issue: "an HR manager can make themselves GM"): nobody changes their
own positions or capabilities, nobody assigns a position or grants a capability beyond their
own — by service, by form and by API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from dealership.models import AuditEntry, User
from dealership.tenancy import dealership_context
from org import ceiling, services
from org.access import user_access
from org.models import Position, PositionCapability, StaffMember
from tests.db_roles import in_scope_of
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _pos(dealership, code) -> Position:
    with dealership_context(dealership):
        return Position.objects.get(code=code)


def _holds(user, dealership, code) -> bool:
    with dealership_context(dealership):
        return StaffMember.objects.filter(
            user=user, is_active=True, assignments__position__code=code
        ).exists()


def _grant(dealership, position_code, capability, scope):
    with dealership_context(dealership):
        position = Position.objects.get(code=position_code)
        PositionCapability.objects.update_or_create(
            position=position,
            capability=capability,
            defaults={"dealership": dealership, "scope": scope},
        )


# --- services --------------------------------------------------------------------------------


def test_which_positions_hr_may_assign(cast, hr):
    """HR holds org and admin-finance rights: it assigns the positions within them only."""
    with dealership_context(cast.a):
        positions = list(Position.objects.all())
        codes = {
            p.code for p in positions if p.pk in ceiling.assignable_position_ids(hr, positions)
        }
    assert {"admin_clerk", "cashier", "hr_manager"} <= codes
    assert not codes & {"gm", "deputy_gm", "sales_consultant", "technician", "finance_manager"}


def test_the_gm_may_assign_every_position(cast):
    with dealership_context(cast.a):
        positions = list(Position.objects.all())
        assert ceiling.assignable_position_ids(cast.user_a, positions) == {p.pk for p in positions}


def test_hr_cannot_promote_themselves(cast, hr):
    with dealership_context(cast.a):
        me = StaffMember.objects.get(user=hr)
        with pytest.raises(PermissionDenied, match="your own positions"):
            services.staff_update(
                actor=hr,
                staff_id=me.pk,
                positions=[
                    Position.objects.get(code="hr_manager"),
                    Position.objects.get(code="gm"),
                ],
            )
    assert not _holds(hr, cast.a, "gm")


def test_the_gm_cannot_change_their_own_positions_either(cast):
    with dealership_context(cast.a):
        me = StaffMember.objects.get(user=cast.user_a)
        with pytest.raises(PermissionDenied):
            services.staff_update(
                actor=cast.user_a, staff_id=me.pk, positions=[Position.objects.get(code="cashier")]
            )
        # other fields of one's own record stay editable
        services.staff_update(actor=cast.user_a, staff_id=me.pk, phone="13900000000")
    assert _holds(cast.user_a, cast.a, "gm")


@pytest.mark.parametrize("code", ["gm", "deputy_gm", "sales_consultant", "finance_manager"])
def test_hr_cannot_hire_into_a_position_beyond_their_own(cast, hr, code):
    with (
        dealership_context(cast.a),
        pytest.raises(PermissionDenied, match="do not hold"),
    ):
        services.staff_hire(
            actor=hr,
            username="newboss",
            name="新总",
            employee_no="X1",
            positions=[Position.objects.get(code=code)],
            password="Xin-Zong-2026!",
        )
    assert not User.objects.filter(username__endswith="newboss").exists()  # nothing half-saved


def test_hr_hires_within_their_own_rights_and_the_gm_hires_a_gm(cast, hr):
    with dealership_context(cast.a):
        clerk = services.staff_hire(
            actor=hr,
            username="clerk",
            name="文员",
            employee_no="X2",
            positions=[Position.objects.get(code="admin_clerk")],
        )
    assert clerk.user.username == "da_clerk"
    with dealership_context(cast.a):
        deputy = services.staff_hire(
            actor=cast.user_a,
            username="deputy",
            name="副总",
            employee_no="X3",
            positions=[Position.objects.get(code="deputy_gm")],
        )
    assert _holds(deputy.user, cast.a, "deputy_gm")


def test_hr_cannot_take_a_position_away_from_someone_above(cast, hr):
    with dealership_context(cast.a):
        gm = StaffMember.objects.get(user=cast.user_a)
        with pytest.raises(PermissionDenied):
            services.staff_update(
                actor=hr, staff_id=gm.pk, positions=[Position.objects.get(code="admin_clerk")]
            )
        with pytest.raises(PermissionDenied):
            services.staff_end(actor=hr, staff_id=gm.pk)
        me = StaffMember.objects.get(user=hr)
        with pytest.raises(PermissionDenied, match="your own employment"):
            services.staff_end(actor=hr, staff_id=me.pk)
    assert _holds(cast.user_a, cast.a, "gm")


def test_a_director_staffs_their_own_department_only(cast):
    director = UserFactory()
    hire(director, cast.a, "service_director")
    with dealership_context(cast.a):
        technician = services.staff_hire(
            actor=director,
            username="tech",
            name="技师",
            employee_no="X4",
            positions=[Position.objects.get(code="technician")],
        )
        assert _holds(technician.user, cast.a, "technician")
        for code in ("sales_consultant", "cashier"):  # another department
            with pytest.raises(PermissionDenied):
                services.staff_hire(
                    actor=director,
                    username=f"x{code}",
                    name="某人",
                    employee_no=f"Y{code}",
                    positions=[Position.objects.get(code=code)],
                )


def test_matrix_grants_never_exceed_the_granters_own(cast, hr):
    """HR given the right to edit the matrix still grants only what HR holds, at most at
    HR's scope, and never changes the rights of a position HR holds."""
    _grant(cast.a, "hr_manager", "org.change_capabilities", 3)
    with dealership_context(cast.a):
        clerk = Position.objects.get(code="admin_clerk")
        own = Position.objects.get(code="hr_manager")
        gm = Position.objects.get(code="gm")
        # held at whole-dealership scope: may be granted
        services.position_capability_set(
            actor=hr, position_id=clerk.pk, capability="org.view_staff", scope=3
        )
        # HR holds finance.view_budget for its department only (admin-finance: the clerk's)
        services.position_capability_set(
            actor=hr, position_id=clerk.pk, capability="finance.view_budget", scope=2
        )
        with pytest.raises(PermissionDenied, match="wider than your own"):
            services.position_capability_set(
                actor=hr, position_id=clerk.pk, capability="finance.view_budget", scope=3
            )
        with pytest.raises(PermissionDenied, match="wider than your own"):
            services.position_capability_set(
                actor=hr, position_id=clerk.pk, capability="sales.view_order", scope=1
            )
        with pytest.raises(PermissionDenied, match="you hold it yourself"):
            services.position_capability_set(
                actor=hr, position_id=own.pk, capability="org.view_audit", scope=3
            )
        with pytest.raises(PermissionDenied, match="do not hold"):  # the GM's row: above HR
            services.position_capability_set(
                actor=hr, position_id=gm.pk, capability="org.view_chart", scope=None
            )
        assert set(
            PositionCapability.objects.filter(position=clerk).values_list("capability", "scope")
        ) >= {("org.view_staff", 3), ("finance.view_budget", 2)}
        assert not PositionCapability.objects.filter(
            position=clerk, capability="sales.view_order"
        ).exists()
        assert PositionCapability.objects.filter(position=gm, capability="org.view_chart").exists()


def test_moving_a_position_to_another_department_is_bounded_too(cast, hr):
    with dealership_context(cast.a):
        sales = Position.objects.get(code="sales_manager").department
        admin = Position.objects.get(code="admin_clerk").department
        with pytest.raises(PermissionDenied):
            services.position_update(
                actor=hr,
                position_id=Position.objects.get(code="sales_manager").pk,
                department=admin,
            )
        with pytest.raises(PermissionDenied, match="you hold it yourself"):
            services.position_update(
                actor=hr, position_id=Position.objects.get(code="hr_manager").pk, department=sales
            )
        services.position_update(
            actor=hr, position_id=Position.objects.get(code="admin_clerk").pk, order=5
        )


# --- pages -----------------------------------------------------------------------------------


def test_issue_reproduction_hr_self_edit_does_not_grant_the_gm_position(cast, hr, client_for):
    """The exact probe of the issue: self-edit with the GM position, then the matrix."""
    client = client_for(hr)
    with dealership_context(cast.a):
        me = StaffMember.objects.get(user=hr)
    hr_pos, gm_pos = _pos(cast.a, "hr_manager"), _pos(cast.a, "gm")
    page = client.get(f"/org/staff/{me.pk}/edit/").content.decode()
    assert "cannot change your own positions" in page or "不能修改自己的岗位" in page
    client.post(
        f"/org/staff/{me.pk}/edit/",
        {
            "employee_no": me.employee_no,
            "phone": "",
            "positions": [hr_pos.pk, gm_pos.pk],
            "primary": hr_pos.pk,
        },
    )
    assert not _holds(hr, cast.a, "gm")
    response = client.post(
        "/org/capabilities/",
        {"position": hr_pos.pk, "capability": "org.change_capabilities", "scope": "3"},
    )
    assert response.status_code == 403


def test_hire_form_offers_only_assignable_positions_and_refuses_others(cast, hr, client_for):
    client = client_for(hr)
    page = client.get("/org/staff/new/")
    with in_scope_of(page):
        offered = {p.code for p in page.context["form"].fields["positions"].queryset}
    assert "admin_clerk" in offered and "gm" not in offered and "technician" not in offered
    response = client.post(
        "/org/staff/new/",
        {
            "username": "second_gm",
            "name": "第二总经理",
            "employee_no": "G2",
            "start_date": "2026-11-01",
            "positions": [_pos(cast.a, "gm").pk],
            "password": "Di-Er-Zong-2026!",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username__endswith="second_gm").exists()


def test_end_button_and_page_only_for_those_allowed(cast, hr, client_for):
    with dealership_context(cast.a):
        gm = StaffMember.objects.get(user=cast.user_a)
        clerk = hire(UserFactory(), cast.a, "admin_clerk")
    client = client_for(hr)
    assert f"/org/staff/{gm.pk}/end/" not in client.get(f"/org/staff/{gm.pk}/").content.decode()
    assert client.get(f"/org/staff/{gm.pk}/end/").status_code == 403
    assert client.post(f"/org/staff/{gm.pk}/end/", {"end_date": "2026-11-30"}).status_code == 403
    assert f"/org/staff/{clerk.pk}/end/" in client.get(f"/org/staff/{clerk.pk}/").content.decode()
    assert _holds(cast.user_a, cast.a, "gm")


def test_matrix_page_locks_rows_beyond_reach(cast, client_for):
    response = client_for(cast.user_a).get("/org/capabilities/")
    rows = {position.code: editable for position, editable, _cells in response.context["rows"]}
    assert rows["gm"] is False  # the GM's own row
    assert rows["deputy_gm"] is True


# --- API -------------------------------------------------------------------------------------


def test_api_hr_cannot_self_promote_or_hire_above_or_grant(cast, hr, api_for):
    api = api_for(hr)
    with dealership_context(cast.a):
        me = StaffMember.objects.get(user=hr)
    hr_pos, gm_pos, clerk_pos = (
        _pos(cast.a, "hr_manager"),
        _pos(cast.a, "gm"),
        _pos(cast.a, "admin_clerk"),
    )
    response = api.patch(
        f"/api/v1/org/staff/{me.pk}/", {"positions": [hr_pos.pk, gm_pos.pk]}, format="json"
    )
    assert response.status_code == 403
    assert not _holds(hr, cast.a, "gm")
    response = api.post(
        "/api/v1/org/staff/",
        {
            "username": "boss2",
            "name": "总经理二",
            "employee_no": "G3",
            "positions": [gm_pos.pk],
            "password": "Zong-Jing-Li-2026!",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not User.objects.filter(username__endswith="boss2").exists()
    cell = {"position": clerk_pos.pk, "capability": "org.view_audit", "scope": 3}
    assert api.post("/api/v1/org/position-capabilities/", cell, format="json").status_code == 403
    _grant(cast.a, "hr_manager", "org.change_capabilities", 3)
    user_access(hr)  # (a new request computes the grants again)
    api = api_for(hr)
    assert api.post("/api/v1/org/position-capabilities/", cell, format="json").status_code == 403
    own = {"position": hr_pos.pk, "capability": "org.view_chart", "scope": None}
    assert api.post("/api/v1/org/position-capabilities/", own, format="json").status_code == 403
    ok = {"position": clerk_pos.pk, "capability": "org.view_staff", "scope": 3}
    response = api.post("/api/v1/org/position-capabilities/", ok, format="json")
    assert response.status_code == 200 and response.json()["scope"] == 3


def test_api_the_gm_hires_changes_and_ends(cast, api_for):
    api = api_for(cast.user_a)
    deputy = _pos(cast.a, "deputy_gm")
    response = api.post(
        "/api/v1/org/staff/",
        {"username": "fu.zong", "name": "副总", "employee_no": "G4", "positions": [deputy.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["username"] == "da_fu.zong"
    assert [a["position"] for a in body["assignments"]] == ["deputy_gm"]
    cashier = _pos(cast.a, "cashier")
    response = api.patch(
        f"/api/v1/org/staff/{body['id']}/",
        {"positions": [cashier.pk], "phone": "13800000001"},
        format="json",
    )
    assert response.status_code == 200
    assert [a["position"] for a in response.json()["assignments"]] == ["cashier"]
    response = api.post(
        f"/api/v1/org/staff/{body['id']}/end/", {"end_date": "2099-01-01"}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    with dealership_context(cast.a):
        assert AuditEntry.objects.filter(object_id=str(body["id"])).count() == 3


def test_api_cannot_name_another_dealerships_position(cast, api_for):
    foreign = _pos(cast.b, "cashier")
    response = api_for(cast.user_a).post(
        "/api/v1/org/staff/",
        {"username": "x", "name": "某人", "employee_no": "G5", "positions": [foreign.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "positions" in response.json()["error"]["fields"]
