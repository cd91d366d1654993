"""Issue #15: no page over 300 KB of HTML. The org pages that grew with the data — the
permission matrix (positions × capabilities, and every dealership of a group for HQ) and HQ's
group org chart (every dealership's departments, positions and people) — stay small, whatever
the number of positions, people and dealerships, in a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.tenancy import dealership_context
from org.capabilities import Capability, DataScope
from org.models import Department, Position, PositionCapability
from tests.factories import DealershipFactory, UserFactory, hire

pytestmark = pytest.mark.django_db

BUDGET = 300_000
MATRIX = "/org/capabilities/"
CHART = "/org/chart/"
CRM = [c for c in Capability if c.app == "crm"]  # the widest tab


DEPARTMENTS = ("gm_office", "sales", "aftersales", "crm", "admin_finance")


def _add_positions(dealership, count, departments=("sales",)):
    """``count`` more positions in each of ``departments``, each holding every crm capability."""
    with dealership_context(dealership):
        positions = [
            Position(
                department=department,
                code=f"bulk_{department.code}_{i}",
                name_zh=f"批量岗位{i}",
                order=500 + i,
            )
            for department in Department.objects.filter(code__in=departments)
            for i in range(count)
        ]
        Position.objects.bulk_create(positions)
        PositionCapability.objects.bulk_create(
            PositionCapability(position=p, capability=c, scope=DataScope.OWN)
            for p in positions
            for c in CRM
        )


def _measure(client, url, params):
    client.get(url, params)  # warm: the first request of a session loads grants and menus
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _rows(page) -> list[str]:
    return re.findall(r'<tr data-position="(\w+)"', page)


def test_the_matrix_shows_one_department_of_a_large_org_chart(cast, client_for):
    client = client_for(cast.user_a)
    tab = {"group": "crm", "department": "sales"}
    _page, queries = _measure(client, MATRIX, tab)
    # 30 more positions in every department: about 190 in all, 4 times a full org chart; all
    # of them on one page made it about 900 KB
    _add_positions(cast.a, 30, DEPARTMENTS)
    page, queries_after = _measure(client, MATRIX, tab)
    rows = _rows(page)
    assert sum(code.startswith("bulk_") for code in rows) == 30
    assert all(code.startswith("bulk_sales_") for code in rows if code.startswith("bulk_"))
    assert page.count('<select name="scope"') >= 30 * len(CRM)  # every cell still editable
    assert len(page.encode()) < BUDGET, len(page.encode())
    assert queries_after == queries
    first, _ = _measure(client, MATRIX, {"group": "crm"})  # the first department: its own rows
    assert {code for code in _rows(first) if code.startswith("bulk_")} == {
        f"bulk_gm_office_{i}" for i in range(30)
    }


def test_hq_reads_the_matrix_one_dealership_at_a_time(cast, client_for):
    client = client_for(cast.hq_user)
    tab = {"group": "crm", "department": "sales"}
    page, queries = _measure(client, MATRIX, tab)
    size = len(page.encode())
    group = cast.a.group
    more = [
        DealershipFactory(code=f"x{i}", name_zh=f"新店{i}", name_en=f"New {i}", group=group)
        for i in range(3)
    ]
    for dealership in (cast.b, *more):
        _add_positions(dealership, 20)
    page, queries_after = _measure(client, MATRIX, tab)
    # one more tab per dealership, nothing else: the rows are the chosen dealership's only
    assert re.findall(r'data-dealership-tab="(\w+)"', page) == ["a", "b", "x0", "x1", "x2"]
    assert set(
        re.findall(r'<tr data-position="\w+" data-pk="\d+" data-dealership="(\w+)"', page)
    ) == {"a"}
    assert len(page.encode()) - size < 3 * 600
    assert queries_after == queries
    page, _ = _measure(client, MATRIX, {**tab, "dealership": "x1"})
    assert sum(code.startswith("bulk_") for code in _rows(page)) == 20
    assert len(page.encode()) < BUDGET


def _staff(dealership, count):
    codes = ("sales_consultant", "service_advisor", "technician", "cr_specialist")
    for i in range(count):
        hire(UserFactory(), dealership, codes[i % len(codes)])


def test_hq_reads_the_group_chart_one_dealership_at_a_time(cast, client_for):
    client = client_for(cast.hq_user)
    _staff(cast.a, 10)
    page, queries = _measure(client, CHART, {})
    size = len(page.encode())
    more = [
        DealershipFactory(
            code=f"y{i}", name_zh=f"分店{i}", name_en=f"Branch {i}", group=cast.a.group
        )
        for i in range(2)
    ]
    for dealership in (cast.a, cast.b, *more):
        _staff(dealership, 30 if dealership == cast.a else 40)
    page, queries_after = _measure(client, CHART, {})
    sections = re.findall(
        r'<section[^>]*data-testid="chart" data-dealership="(\w+)"( data-open)?', page
    )
    assert [code for code, _ in sections] == ["a", "b", "y0", "y1"]
    assert [code for code, is_open in sections if is_open] == ["a"]  # the first one is open
    # the others are a heading each, whose link loads them (with or without JavaScript)
    assert (
        'hx-get="/org/chart/?dealership=y1"' in page and 'href="/org/chart/?dealership=y1"' in page
    )
    # 40 people in the open dealership instead of 10, three closed dealerships: a little more
    assert len(page.encode()) - size < 30 * 200 + 3 * 600
    assert queries_after == queries

    # opening one: its section only (htmx), or the page with that one open (a link)
    section = client.get(CHART, {"dealership": "y1"}, HTTP_HX_REQUEST="true")
    assert "HX-Request" in section["Vary"]
    html = section.content.decode()
    assert html.lstrip().startswith(
        '<section class="mb-4" data-testid="chart" data-dealership="y1" data-open'
    )
    assert "<html" not in html and html.count('data-testid="department"') == 5
    page = client.get(CHART, {"dealership": "y1"}).content.decode()
    assert re.findall(r'data-dealership="(\w+)" data-open', page) == ["y1"]
    assert len(page.encode()) < BUDGET
    # another group's dealership is not offered: the first one opens instead
    page = client.get(CHART, {"dealership": cast.c.code}).content.decode()
    assert re.findall(r'data-dealership="(\w+)" data-open', page) == ["a"]
    assert cast.c.name_zh not in page


def test_a_dealership_sees_its_own_chart_whole(cast, client_for):
    page = client_for(cast.user_a).get(CHART).content.decode()
    assert re.findall(r'data-dealership="(\w+)" data-open', page) == ["a"]
    assert 'data-testid="chart-open"' not in page
    assert page.count('data-testid="department"') == 5
