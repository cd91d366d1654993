"""The permission matrix page: one capability group at a time, small pages, a constant number
of queries, a read-only view for those who cannot change it, the dealership in the group view,
and in-place answers ("saved" or the reason) after each change."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.tenancy import dealership_context
from org.capabilities import CAPABILITY_GROUPS, Capability, DataScope
from org.models import Department, Position, PositionCapability
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

URL = "/org/capabilities/"


def _position(dealership, code) -> Position:
    with dealership_context(dealership):
        return Position.objects.get(code=code)


def _columns(page: str) -> list[str]:
    return re.findall(r'<th scope="col" id="cap-[^"]*" title="([^"]+)"', page)


@pytest.mark.parametrize("group", list(CAPABILITY_GROUPS))
def test_each_group_tab_shows_its_capabilities_in_a_small_page(cast, client_for, group):
    response = client_for(cast.user_a).get(URL, {"group": group})
    assert response.status_code == 200
    assert len(response.content) < 300_000, len(response.content)
    page = response.content.decode()
    assert _columns(page) == [c.value for c in Capability if c.app == group]
    assert f'data-group="{group}"' in page
    assert re.search(rf'class="nav-link active" aria-current="page" data-group="{group}"', page)
    for key in CAPABILITY_GROUPS:  # every tab is a plain link, working without JavaScript
        assert f'href="{URL}?group={key}&amp;department=gm_office"' in page


def test_the_first_group_is_the_default_and_unknown_groups_fall_back_to_it(cast, client_for):
    client = client_for(cast.user_a)
    first = next(iter(CAPABILITY_GROUPS))
    for query in ({}, {"group": "nonsense"}):
        page = client.get(URL, query).content.decode()
        assert _columns(page) == [c.value for c in Capability if c.app == first]


def test_an_htmx_tab_request_gets_the_pane_only(cast, client_for):
    response = client_for(cast.user_a).get(URL, {"group": "sales"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="matrix-pane"')
    assert "<html" not in page and 'data-group="sales"' in page
    assert "HX-Request" in response["Vary"]


def _add_positions(dealership, count):
    with dealership_context(dealership):
        department = Department.objects.get(code="sales")
        for i in range(count):
            position = Position.objects.create(
                department=department, code=f"extra_{i}", name_zh=f"额外岗位{i}", order=900 + i
            )
            for capability in (Capability.CRM_VIEW_CUSTOMER, Capability.CRM_CHANGE_CUSTOMER):
                PositionCapability.objects.create(
                    position=position, capability=capability, scope=DataScope.OWN
                )


@pytest.mark.parametrize("who", ["user_a", "hq_user"])
def test_the_matrix_runs_a_constant_number_of_queries(cast, client_for, who):
    client = client_for(getattr(cast, who))
    client.get(URL, {"group": "crm", "department": "sales"})
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, {"group": "crm", "department": "sales"}).status_code == 200
    _add_positions(cast.a, 12)
    for i in range(6):
        hire(UserFactory(), cast.a, "sales_consultant" if i % 2 else "technician")
    with CaptureQueriesContext(connection) as after:
        response = client.get(URL, {"group": "crm", "department": "sales"})
    assert response.content.decode().count('data-position="extra_') == 12
    assert len(after) == len(before)


def test_those_who_cannot_change_it_get_a_read_only_view(cast, client_for):
    director = UserFactory()
    hire(director, cast.a, "sales_director")  # sees the chart, does not edit the matrix
    for user in (director, cast.hq_user):
        page = client_for(user).get(URL).content.decode()
        assert 'data-testid="matrix-help-readonly"' in page
        assert 'data-testid="matrix-help-edit"' not in page
        assert "修改即时生效" not in page and "Changes apply at once" not in page
        assert 'name="scope"' not in page and "hx-post" not in page
    page = client_for(cast.user_a).get(URL).content.decode()
    assert 'data-testid="matrix-help-edit"' in page and "修改即时生效" in page


def test_the_group_view_shows_one_dealership_at_a_time(cast, client_for):
    client = client_for(cast.hq_user)
    page = client.get(URL, {"group": "crm"}).content.decode()
    tabs = re.findall(r'data-dealership-tab="(\w+)"', page)
    assert tabs == [cast.a.code, cast.b.code]  # the group's dealerships, not another group's
    assert cast.c.name_zh not in page
    headers = re.findall(r'data-testid="matrix-dealership">(.*?)</th>', page, re.S)
    assert len(headers) == 1 and cast.a.name_zh in headers[0]  # the first one by default
    assert set(re.findall(r'data-dealership="(\w+)"', page)) == {cast.a.code}
    # the tabs keep the chosen dealership, the dealerships keep the chosen tab
    assert f"?group=sales&amp;dealership={cast.a.code}&amp;department=gm_office" in page
    assert f"?group=crm&amp;dealership={cast.b.code}&amp;department=gm_office" in page
    page = client.get(URL, {"group": "crm", "dealership": cast.b.code}).content.decode()
    assert set(re.findall(r'data-dealership="(\w+)"', page)) == {cast.b.code}
    # another group's dealership is not offered: the first one instead
    page = client.get(URL, {"dealership": cast.c.code}).content.decode()
    assert set(re.findall(r'data-dealership="(\w+)"', page)) == {cast.a.code}
    # a dealership's own matrix has no such header nor choice
    own = client_for(cast.user_a).get(URL).content.decode()
    assert 'data-testid="matrix-dealership"' not in own and "data-dealership-tab" not in own


def test_the_matrix_shows_one_department_at_a_time(cast, client_for):
    client = client_for(cast.user_a)
    page = client.get(URL, {"group": "crm"}).content.decode()
    tabs = re.findall(r'data-department="(\w+)"', page)
    assert tabs == ["gm_office", "sales", "aftersales", "crm", "admin_finance"]
    assert re.search(
        r'class="nav-link active" aria-current="page" data-department="gm_office"', page
    )
    rows = set(re.findall(r'<tr data-position="(\w+)"', page))
    assert "gm" in rows and "sales_consultant" not in rows  # the first department by default
    page = client.get(URL, {"group": "crm", "department": "sales"}).content.decode()
    rows = set(re.findall(r'<tr data-position="(\w+)"', page))
    assert "sales_consultant" in rows and "gm" not in rows and "accountant" not in rows
    # the group tabs keep the department, the department tabs keep the group
    assert f'href="{URL}?group=org&amp;department=sales"' in page
    assert f'href="{URL}?group=crm&amp;department=crm"' in page
    # an unknown department: the first one
    page = client.get(URL, {"department": "nonsense"}).content.decode()
    assert "gm" in set(re.findall(r'<tr data-position="(\w+)"', page))


def test_a_change_answers_saved_in_its_cell(cast, client_for):
    accountant = _position(cast.a, "accountant")
    response = client_for(cast.user_a).post(
        URL,
        {"position": accountant.pk, "capability": "org.view_audit", "scope": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    cell = response.content.decode()
    assert cell.startswith('<td data-capability="org.view_audit"')
    assert 'data-testid="matrix-saved"' in cell and "已保存" in cell
    assert '<option value="3" selected>全店</option>' in cell  # the select keeps its value


def test_a_refused_change_answers_the_reason_in_its_cell(cast, client_for):
    gm = _position(cast.a, "gm")
    accountant = _position(cast.a, "accountant")
    client = client_for(cast.user_a)
    # the GM's own row (e.g. from a stale page): refused, the cell says why, nothing changes
    response = client.post(
        URL,
        {"position": gm.pk, "capability": "org.view_audit", "scope": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    cell = response.content.decode()
    assert cell.startswith("<td") and 'class="matrix-error"' in cell
    assert 'data-testid="matrix-error"' in cell and gm.name_zh in cell
    assert "<select" not in cell and "全店" in cell  # read-only, as it stands
    with dealership_context(cast.a):
        assert PositionCapability.objects.filter(position=gm, capability="org.view_audit").exists()
    # an invalid scope: 400, with the message in the cell and the select as it stands
    response = client.post(
        URL,
        {"position": accountant.pk, "capability": "org.view_audit", "scope": "4"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400


def test_an_editor_gets_selects_of_what_they_may_grant_and_locks_elsewhere(cast, hr, client_for):
    with dealership_context(cast.a):
        PositionCapability.objects.create(
            position=Position.objects.get(code="hr_manager"),
            capability=Capability.ORG_CHANGE_CAPABILITIES,
            scope=DataScope.DEALERSHIP,
        )
    clerk = _position(cast.a, "admin_clerk")
    page = client_for(hr).get(URL, {"department": "admin_finance"}).content.decode()
    assert 'data-testid="matrix-help-edit"' in page
    row = re.search(r'<tr data-position="admin_clerk".*?</tr>', page, re.S).group(0)
    chart = re.search(r'<td data-capability="org.view_chart">.*?</td>', row, re.S).group(0)
    assert 'name="scope"' in chart and f'data-pk="{clerk.pk}"' in row
    audit = re.search(r'<td data-capability="org.view_audit">.*?</td>', row, re.S).group(0)
    assert 'name="scope"' not in audit and "bi-lock" in audit  # HR does not hold it
    own = re.search(r'<tr data-position="hr_manager"[^>]*>', page).group(0)
    assert "data-locked" in own  # HR's own row
    # no sales capability: nothing to grant in the sales tab
    assert 'name="scope"' not in client_for(hr).get(URL, {"group": "sales"}).content.decode()
