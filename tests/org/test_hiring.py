"""Hiring never takes over a login of another tenant (issue: "a hire takes over logins of other
groups"): a hire creates a new login in the dealership's own namespace, or gives access to a
colleague already working in the same group, picked from a list; nothing in the answer tells
whether a username exists elsewhere; nobody's default workspace changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dealership.models import Membership
from dealership.tenancy import dealership_context
from dealership.tenancy.resolve import resolve_scope
from org import selectors, services
from org.models import Position, StaffMember
from tests.factories import hire

pytestmark = pytest.mark.django_db


def _pos(dealership, code) -> Position:
    with dealership_context(dealership):
        return Position.objects.get(code=code)


def _hire_payload(cast, **extra):
    return {
        "employee_no": "H1",
        "positions": [_pos(cast.a, "admin_clerk").pk],
        "start_date": "2026-11-01",
        **extra,
    }


def test_typing_another_tenants_username_creates_a_new_login(cast, hr, api_for):
    """HR of A types the usernames of group 2's GM and of an HQ director: each becomes a new
    login in A's namespace; the existing people are untouched."""
    api = api_for(hr)
    for n, existing in enumerate((cast.user_c, cast.hq_user)):
        response = api.post(
            "/api/v1/org/staff/",
            _hire_payload(cast, username=existing.username, name="新人", employee_no=f"H{n}"),
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["username"] == f"da_{existing.username}"
        assert response.json()["name"] == "新人"
        existing.refresh_from_db()
        assert existing.name != "新人"
        assert not Membership.objects.filter(user=existing, dealership=cast.a).exists()
    scope = resolve_scope(cast.user_c)
    assert scope.current_id == cast.c.pk


def test_the_answer_is_the_same_for_taken_and_free_usernames_elsewhere(cast, hr, api_for):
    """Whether a username exists in another dealership changes nothing in the answer."""
    api = api_for(hr)
    taken = api.post(
        "/api/v1/org/staff/",
        _hire_payload(cast, username="user_c", name="甲", employee_no="H7"),
        format="json",
    )
    free = api.post(
        "/api/v1/org/staff/",
        _hire_payload(cast, username="nobody_has_this", name="乙", employee_no="H8"),
        format="json",
    )
    assert taken.status_code == free.status_code == 201


def test_a_name_taken_in_the_dealerships_own_namespace_is_refused_clearly(cast, hr, api_for):
    api = api_for(hr)
    first = api.post(
        "/api/v1/org/staff/", _hire_payload(cast, username="wang", name="王"), format="json"
    )
    assert first.status_code == 201
    second = api.post(
        "/api/v1/org/staff/",
        _hire_payload(cast, username="wang", name="王二", employee_no="H2"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert second.status_code == 400
    assert "da_wang" in str(second.json()["error"]["fields"]["username"])


def test_a_colleague_of_the_group_is_picked_from_the_list(cast, hr, api_for):
    api = api_for(hr)
    listed = api.get("/api/v1/org/staff/colleagues/").json()
    ids = {row["id"] for row in listed}
    assert cast.user_b.pk in ids  # B is in the same group
    assert cast.user_c.pk not in ids and cast.hq_user.pk not in ids and hr.pk not in ids
    response = api.post(
        "/api/v1/org/staff/", _hire_payload(cast, colleague=cast.user_b.pk), format="json"
    )
    assert response.status_code == 201
    assert response.json()["username"] == "user_b"
    assert response.json()["name"] == cast.user_b.name  # never replaced
    # their default workspace is still their own dealership (session and token alike)
    assert resolve_scope(cast.user_b).current_id == cast.b.pk
    token_api = api_for(cast.user_b)
    staff = token_api.get("/api/v1/org/staff/").json()["results"]
    assert {row["dealership"] for row in staff} == {"b"}
    a_staff = token_api.get("/api/v1/org/staff/", HTTP_X_WORKSPACE=f"d:{cast.a.pk}")
    assert a_staff.status_code == 200  # an admin clerk in A sees their own record there
    assert {(row["dealership"], row["username"]) for row in a_staff.json()["results"]} == {
        ("a", "user_b")
    }


@pytest.mark.parametrize("who", ["user_c", "hq_user", "missing"])
def test_nobody_outside_the_group_can_be_picked_and_the_answer_reveals_nothing(
    cast, hr, api_for, who
):
    api = api_for(hr)
    user_id = getattr(cast, who).pk if who != "missing" else 987654
    response = api.post("/api/v1/org/staff/", _hire_payload(cast, colleague=user_id), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "colleague": [translation.gettext("Choose a colleague from the list.")]
    }
    assert not Membership.objects.filter(user_id=user_id, dealership=cast.a).exists()


def test_picking_a_colleague_and_typing_a_login_is_refused(cast, hr):
    with dealership_context(cast.a), pytest.raises(ValidationError):
        services.staff_hire(
            actor=hr,
            colleague_id=cast.user_b.pk,
            username="x",
            name="某人",
            employee_no="H3",
            positions=[Position.objects.get(code="admin_clerk")],
        )
    assert not Membership.objects.filter(user=cast.user_b, dealership=cast.a).exists()


def test_hire_form_lists_group_colleagues_only(cast, hr, client_for):
    client = client_for(hr)
    form = client.get("/org/staff/new/").context["form"]
    offered = set(form.fields["colleague"].queryset)
    assert cast.user_b in offered
    assert not offered & {cast.user_c, cast.hq_user, cast.user_a, hr}
    response = client.post(
        "/org/staff/new/",
        {**_hire_payload(cast), "colleague": cast.user_c.pk},
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=cast.user_c, dealership=cast.a).exists()
    response = client.post("/org/staff/new/", {**_hire_payload(cast), "colleague": cast.user_b.pk})
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert StaffMember.objects.get(user=cast.user_b).employee_no == "H1"


def test_group_colleagues_selector_excludes_people_already_here(cast, hr):
    hire(cast.user_b, cast.a, "cashier")
    with dealership_context(cast.a):
        assert cast.user_b not in set(selectors.group_colleagues(hr))


def test_only_system_code_employs_a_given_login(cast, hr):
    """Employing an existing login directly is for system code (the demo seeder), not people."""
    from django.core.exceptions import PermissionDenied

    from dealership.actors import SYSTEM

    with dealership_context(cast.a):
        clerk = Position.objects.get(code="admin_clerk")
        with pytest.raises(PermissionDenied):
            services.staff_hire(actor=hr, user=cast.user_c, employee_no="H9", positions=[clerk])
        assert not Membership.objects.filter(user=cast.user_c, dealership=cast.a).exists()
        staff = services.staff_hire(
            actor=SYSTEM, user=cast.user_c, employee_no="H9", positions=[clerk]
        )
    assert staff.user == cast.user_c
