"""HQ positions decide what a dealer-group HQ login reads (issue: "HQ analysts get director
rights"). Generated from the template's HQ positions: each reads exactly what its capabilities
allow across its group, nothing of another group, and writes nothing; an HQ membership
without a valid HQ position grants nothing at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dealership.models import GroupMembership
from dealership.tenancy import dealership_context
from org.models import Position
from org.template import hq_positions
from tests.factories import GroupMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# page → the capability it needs
PAGES = {
    "org:chart": "org.view_chart",
    "org:capabilities": "org.view_chart",
    "org:staff_list": "org.view_staff",
    "platform:jobrun_list": "platform.view_jobruns",
}
API = {
    "/api/v1/org/positions/": "org.view_chart",
    "/api/v1/org/staff/": "org.view_staff",
    "/api/v1/platform/job-runs/": "platform.view_jobruns",
}


def _hq_login(cast, code):
    user = UserFactory(username=f"hq_{code}_login")
    GroupMembershipFactory(user=user, group=cast.group1, position_code=code)
    return user


@pytest.mark.parametrize("code", sorted(hq_positions()))
def test_each_hq_position_reads_what_it_holds(cast, code, client_for, api_for):
    capabilities = set(hq_positions()[code]["capabilities"])
    user = _hq_login(cast, code)
    client = client_for(user)
    assert client.get("/dashboard/").status_code == 200
    for name, capability in PAGES.items():
        expected = 200 if capability in capabilities else 403
        assert client.get(reverse(name)).status_code == expected, (code, name)
    # the audit log opens for everyone and lists what they may read (tests/dealership/test_audit)
    assert client.get(reverse("platform:audit_list")).status_code == 200
    api = api_for(user)
    for url, capability in API.items():
        response = api.get(url)
        expected = 200 if capability in capabilities else 403
        assert response.status_code == expected, (code, url)
        if expected == 200:
            assert {row["dealership"] for row in response.json()["results"]} <= {"a", "b"}
    # writes nothing, whatever it holds
    with dealership_context(cast.a):
        position = Position.objects.get(code="cashier")
    assert client.post(reverse("org:position_edit", args=[position.pk]), {}).status_code == 403
    assert api.patch(f"/api/v1/org/positions/{position.pk}/", {"order": 1}).status_code == 403


def test_the_analyst_does_not_read_staff_records_or_job_run_errors(cast, client_for):
    client = client_for(_hq_login(cast, "hq_analyst"))
    with dealership_context(cast.a):
        staff = cast.user_a.staff_records.get()
    assert client.get(f"/org/staff/{staff.pk}/").status_code == 403
    chart = client.get("/org/chart/")
    assert cast.user_a.name not in chart.content.decode()  # holders are staff records


@pytest.mark.parametrize("code", ["", "ceo", "hq_superuser"])
def test_an_hq_membership_without_a_valid_position_grants_nothing(cast, code, client_for, api_for):
    user = _hq_login(cast, code)
    response = client_for(user).get("/dashboard/")
    assert response.status_code == 403
    assert "platform/no_access.html" in [t.name for t in response.templates]
    assert api_for(user).get("/api/v1/org/positions/").status_code == 403


def test_a_new_hq_membership_has_no_position_by_default(cast):
    membership = GroupMembership.objects.create(user=UserFactory(), group=cast.group1)
    assert membership.position_code == ""


def test_hq_grants_are_read_once_per_group_whichever_dealerships_the_scope_reads(
    cast, django_assert_num_queries
):
    """The e-CRB board reads the group one dealership at a time: HQ's grants are those of its
    group position in each of those scopes, read once; another group's scope grants nothing."""
    from dealership.tenancy import TenantScope, tenant_context
    from org.access import user_access

    def scope(*dealerships, group=cast.group1):
        return TenantScope.for_group(group.pk, [d.pk for d in dealerships])

    hq = cast.hq_user
    with tenant_context(scope(cast.a, cast.b)):
        whole = user_access(hq)
    assert whole.grants
    with django_assert_num_queries(0):
        for one in (scope(cast.a), scope(cast.b)):
            with tenant_context(one):
                assert user_access(hq).grants == whole.grants
    with tenant_context(scope(cast.c, group=cast.c.group)):
        assert not user_access(hq).grants
