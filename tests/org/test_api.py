"""The org chart API: scoped like the pages, writes through the services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from org.models import Position
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def _pk(dealership, code):
    with dealership_context(dealership):
        return Position.objects.get(code=code).pk


def test_lists_are_scoped_to_the_tenant(cast, api_for):
    api = api_for(cast.user_a)
    departments = api.get("/api/v1/org/departments/").json()
    assert departments["count"] == 5 and {d["dealership"] for d in departments["results"]} == {"a"}
    positions = api.get("/api/v1/org/positions/?page_size=100").json()
    assert positions["count"] == 38
    consultant = next(p for p in positions["results"] if p["code"] == "sales_consultant")
    assert consultant["capabilities"]["sales.view_order"] == 1
    staff = api.get("/api/v1/org/staff/").json()["results"]
    assert [s["username"] for s in staff] == ["user_a"]
    assert staff[0]["assignments"][0]["position"] == "gm"


def test_hq_reads_the_group(cast, api_for):
    positions = api_for(cast.hq_user).get("/api/v1/org/positions/?page_size=200").json()
    assert positions["count"] == 76 and {p["dealership"] for p in positions["results"]} == {
        "a",
        "b",
    }


def test_consultant_sees_only_their_own_staff_record_and_no_chart(cast, api_for):
    consultant = UserFactory(username="gu.wen")
    hire(consultant, cast.a, "sales_consultant")
    api = api_for(consultant)
    assert [s["username"] for s in api.get("/api/v1/org/staff/").json()["results"]] == ["gu.wen"]
    assert api.get("/api/v1/org/positions/").status_code == 403
    with dealership_context(cast.a):
        other = cast.user_a.staff_records.get().pk
    assert api.get(f"/api/v1/org/staff/{other}/").status_code == 404


def test_create_and_validation_errors_use_the_error_shape(cast, api_for):
    api = api_for(cast.user_a)
    sales = api.get("/api/v1/org/departments/?code=sales").json()["results"][0]["id"]
    created = api.post(
        "/api/v1/org/positions/",
        {
            "department": sales,
            "code": "ev_specialist",
            "name_zh": "新能源专员",
            "reports_to": _pk(cast.a, "sales_manager"),
            "responsibilities": [{"zh": "讲解"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["code"] == "ev_specialist"
    with dealership_context(cast.a):
        assert AuditEntry.objects.filter(action="create", object_type="org.Position").exists()
    cycle = api.patch(
        f"/api/v1/org/positions/{_pk(cast.a, 'gm')}/",
        {"reports_to": created.json()["id"]},
        format="json",
    )
    assert cycle.status_code == 400
    assert (
        cycle.json()["error"]["code"] == "invalid"
        and "reports_to" in cycle.json()["error"]["fields"]
    )
    duplicate = api.post(
        "/api/v1/org/positions/",
        {"department": sales, "code": "ev_specialist", "name_zh": "重复"},
        format="json",
    )
    assert duplicate.status_code == 400


def test_a_foreign_department_cannot_be_referenced(cast, api_for):
    with dealership_context(cast.b):
        foreign = Position.objects.get(code="gm").department_id
    response = api_for(cast.user_a).post(
        "/api/v1/org/positions/",
        {"department": foreign, "code": "x", "name_zh": "x"},
        format="json",
    )
    assert response.status_code == 400 and "department" in response.json()["error"]["fields"]


def test_writes_are_refused_to_hq_and_to_positions_without_the_capability(cast, api_for):
    consultant = UserFactory()
    hire(consultant, cast.a, "sales_consultant")
    body = {"code": "x", "name_zh": "新部门"}
    assert (
        api_for(consultant).post("/api/v1/org/departments/", body, format="json").status_code == 403
    )
    assert (
        api_for(cast.hq_user).post("/api/v1/org/departments/", body, format="json").status_code
        == 403
    )
    held = _pk(cast.a, "gm")
    assert api_for(cast.user_a).delete(f"/api/v1/org/positions/{held}/").status_code == 400


def test_position_list_runs_constant_queries(cast, api_for):
    api = api_for(cast.user_a)
    with CaptureQueriesContext(connection) as small:
        api.get("/api/v1/org/staff/")
    for _ in range(20):
        hire(UserFactory(), cast.a, "technician", "cr_specialist")
    with CaptureQueriesContext(connection) as large:
        assert len(api.get("/api/v1/org/staff/").json()["results"]) == 21
    assert len(small) == len(large)
