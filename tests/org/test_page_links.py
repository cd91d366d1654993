"""Org pages link only to pages their viewer may open; the rest is plain text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.tenancy import dealership_context
from org.models import Department, Position, PositionCapability
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def _position(dealership, code):
    with dealership_context(dealership):
        return Position.objects.get(code=code)


def test_sales_manager_gets_no_link_to_the_gm_position_they_may_not_open(cast, client_for):
    manager = UserFactory()
    hire(manager, cast.a, "sales_manager")
    director, gm = _position(cast.a, "sales_director"), _position(cast.a, "gm")
    client = client_for(manager)
    assert client.get(f"/org/positions/{gm.pk}/").status_code == 404  # outside their scope

    page = client.get(f"/org/positions/{director.pk}/").content.decode()
    assert f'href="/org/positions/{gm.pk}/"' not in page
    assert '<dd class="col-sm-9" data-testid="reports-to">总经理</dd>' in page  # named, not linked

    sales_manager = _position(cast.a, "sales_manager")  # reports to the director: a link
    page = client.get(f"/org/positions/{sales_manager.pk}/").content.decode()
    assert f'href="/org/positions/{director.pk}/"' in page
    assert client.get(f"/org/positions/{director.pk}/").status_code == 200

    # the GM may open it, so the GM gets the link
    gm_page = client_for(cast.user_a).get(f"/org/positions/{director.pk}/").content.decode()
    assert f'href="/org/positions/{gm.pk}/"' in gm_page


def test_followup_specialist_gets_no_link_to_their_own_position_page(cast, client_for):
    specialist = UserFactory(name="余回访")
    staff = hire(specialist, cast.a, "sales_followup_specialist")
    position = _position(cast.a, "sales_followup_specialist")
    client = client_for(specialist)
    assert client.get(f"/org/positions/{position.pk}/").status_code == 403  # no org.view_chart

    page = client.get(f"/org/staff/{staff.pk}/").content.decode()
    assert "销售回访专员" in page  # the position is named
    assert f'href="/org/positions/{position.pk}/"' not in page and "/org/positions/" not in page

    gm_page = client_for(cast.user_a).get(f"/org/staff/{staff.pk}/").content.decode()
    assert f'href="/org/positions/{position.pk}/"' in gm_page


def test_staff_page_links_only_the_positions_in_the_viewers_scope(cast, client_for):
    """A salesman who also holds an after-sales position: his sales manager sees both positions
    on his page but may open only the sales one."""
    manager = UserFactory()
    hire(manager, cast.a, "sales_manager")
    staff = hire(UserFactory(), cast.a, "sales_consultant", "service_advisor")
    consultant, advisor = (
        _position(cast.a, "sales_consultant"),
        _position(cast.a, "service_advisor"),
    )
    page = client_for(manager).get(f"/org/staff/{staff.pk}/").content.decode()
    assert f'href="/org/positions/{consultant.pk}/"' in page
    assert f'href="/org/positions/{advisor.pk}/"' not in page and "服务顾问" in page


def test_hq_analyst_sees_position_holders_without_links_to_staff_pages(cast, client_for):
    """The analyst reads the chart (org.view_chart) but not staff records."""
    from tests.factories import GroupMembershipFactory

    analyst = UserFactory()
    GroupMembershipFactory(user=analyst, group=cast.group1, position_code="hq_analyst")
    gm = _position(cast.a, "gm")
    client = client_for(analyst)
    page = client.get(f"/org/positions/{gm.pk}/").content.decode()
    assert client.get(f"/org/positions/{gm.pk}/").status_code == 200
    assert "/org/staff/" not in page


def test_edit_links_follow_the_rows_the_viewer_may_change(cast, client_for):
    """The GM narrows the HR manager's chart editing to their own department: the HR manager
    keeps the edit links of that department and position only."""
    hr = UserFactory()
    hire(hr, cast.a, "hr_manager")
    hr_position = _position(cast.a, "hr_manager")
    with dealership_context(cast.a):
        PositionCapability.objects.filter(
            position=hr_position, capability="org.change_chart"
        ).update(scope=2)  # own department
        own, other = (
            Department.objects.get(code="admin_finance"),
            Department.objects.get(code="sales"),
        )
    client = client_for(hr)
    chart = client.get("/org/chart/").content.decode()
    assert f'href="/org/departments/{own.pk}/edit/"' in chart
    assert f'href="/org/departments/{other.pk}/edit/"' not in chart
    assert client.get(f"/org/departments/{other.pk}/edit/").status_code == 403

    sales_manager = _position(cast.a, "sales_manager")
    page = client.get(f"/org/positions/{sales_manager.pk}/").content.decode()
    assert f'href="/org/positions/{sales_manager.pk}/edit/"' not in page
    assert client.get(f"/org/positions/{sales_manager.pk}/edit/").status_code == 403
    cashier = _position(cast.a, "cashier")
    page = client.get(f"/org/positions/{cashier.pk}/").content.decode()
    assert f'href="/org/positions/{cashier.pk}/edit/"' in page


def test_link_checks_cost_a_constant_number_of_queries(cast, client_for):
    person = hire(UserFactory(), cast.a, "sales_consultant")
    client = client_for(cast.user_a)
    url = f"/org/staff/{person.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    with dealership_context(cast.a):
        more = [p.code for p in Position.objects.exclude(code="sales_consultant")[:6]]
    hire(person.user, cast.a, *more)
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).content.decode().count('href="/org/positions/') == 7
    assert len(after) == len(before)
