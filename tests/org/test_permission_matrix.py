"""The permission matrix, generated from the template: for every standard position, every
capability and every data scope, what its holder is allowed (200), refused (403) or not shown
(404). The expectations are computed from the template data, not from the policy code."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dealership.tenancy import dealership_context
from org.access import user_access
from org.capabilities import Capability, DataScope
from org.models import Position
from org.template import capability_grants, org_chart, template_position_codes
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

DEPARTMENT_OF = {p["code"]: d["code"] for d in org_chart()["departments"] for p in d["positions"]}


def _colleague_positions(code: str) -> tuple[str, str]:
    """A position in the same department and one in another department."""
    dept = DEPARTMENT_OF[code]
    same = next(c for c, d in DEPARTMENT_OF.items() if d == dept and c != code)
    other = next(c for c, d in DEPARTMENT_OF.items() if d != dept)
    return same, other


def _expect_row(scope: DataScope | None, relation: str) -> int:
    if scope is None:
        return 403
    visible = {
        DataScope.OWN: {"own"},
        DataScope.DEPARTMENT: {"own", "department"},
        DataScope.DEALERSHIP: {"own", "department", "other"},
    }[scope]
    return 200 if relation in visible else 404


@pytest.mark.parametrize("code", template_position_codes())
def test_position_matrix(cast, code):
    grants = capability_grants()[code]
    same_code, other_code = _colleague_positions(code)
    me = UserFactory(username=f"me_{code}")
    mine = hire(me, cast.a, code)
    same = hire(UserFactory(), cast.a, same_code)
    other = hire(UserFactory(), cast.a, other_code)
    with dealership_context(cast.a):
        positions = {
            key: Position.objects.get(code=c).pk
            for key, c in (("own", code), ("department", same_code), ("other", other_code))
        }
    with dealership_context(cast.b):
        foreign_position = Position.objects.get(code=code).pk
        foreign_staff = cast.user_b.staff_records.get().pk

    # the grants themselves: every capability of the vocabulary at the template's scope
    with dealership_context(cast.a):
        granted = dict(user_access(me).grants)
    assert granted == {cap: grants[cap] for cap in Capability.values if cap in grants}

    client = Client()
    client.force_login(me)

    def status(url, method="get", **data):
        return getattr(client, method)(url, data).status_code

    staff_scope = grants.get("org.view_staff")
    for relation, staff in (("own", mine), ("department", same), ("other", other)):
        assert status(reverse("org:staff_detail", args=[staff.pk])) == _expect_row(
            staff_scope, relation
        ), relation
    assert status(reverse("org:staff_detail", args=[foreign_staff])) == 404

    chart_scope = grants.get("org.view_chart")
    for relation, pk in positions.items():
        assert status(reverse("org:position_detail", args=[pk])) == _expect_row(
            chart_scope, relation
        ), relation
    assert status(reverse("org:position_detail", args=[foreign_position])) == 404

    can_edit = chart_scope is not None and "org.change_chart" in grants
    assert status(reverse("org:position_edit", args=[positions["own"]])) == (
        200 if can_edit else 403
    )
    assert status(reverse("org:chart")) == (200 if chart_scope else 403)
    # every member opens the audit log; it lists only what they may read (tests/dealership/
    # test_audit.py)
    assert status(reverse("platform:audit_list")) == 200
    assert status(reverse("platform:jobrun_list")) == (
        200 if "platform.view_jobruns" in grants else 403
    )
    assert status(reverse("org:staff_create")) == (200 if "org.change_staff" in grants else 403)
    # nobody changes the rights of a position they hold; another position's row only when all
    # it grants is within the actor's own (another department: "own" or "whole dealership")
    cell = {"capability": "reports.view", "scope": "3"}
    may_change = "org.change_capabilities" in grants
    assert status(reverse("org:capabilities"), "post", position=positions["own"], **cell) == 403
    other_within = all(
        grants.get(cap, 0) == DataScope.DEALERSHIP or grants.get(cap, 0) == scope == DataScope.OWN
        for cap, scope in capability_grants()[other_code].items()
    )
    expected = (
        200
        if may_change and other_within and grants.get("reports.view") == DataScope.DEALERSHIP
        else 403
    )
    assert (
        status(reverse("org:capabilities"), "post", position=positions["other"], **cell) == expected
    )
    assert status(reverse("org:profile")) == 200


@pytest.mark.parametrize("code", ["hq_director", "hq_analyst"])
def test_hq_positions_read_the_group_and_write_nothing(cast, code):
    from dealership.models import GroupMembership

    GroupMembership.objects.filter(user=cast.hq_user).update(position_code=code)
    client = Client()
    client.force_login(cast.hq_user)
    with dealership_context(cast.b):
        b_position = Position.objects.get(code="gm").pk
        b_staff = cast.user_b.staff_records.get().pk
    with dealership_context(cast.c):
        c_position = Position.objects.get(code="gm").pk
    assert client.get(reverse("org:position_detail", args=[b_position])).status_code == 200
    assert client.get(reverse("org:position_detail", args=[c_position])).status_code == 404
    staff_expected = 200 if code == "hq_director" else 403
    assert client.get(reverse("org:staff_detail", args=[b_staff])).status_code == staff_expected
    assert client.get(reverse("org:position_edit", args=[b_position])).status_code == 403
    assert (
        client.post(
            reverse("org:capabilities"),
            {"position": b_position, "capability": "reports.view", "scope": "3"},
        ).status_code
        == 403
    )
