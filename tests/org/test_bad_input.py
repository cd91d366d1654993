"""Bad input on the write paths this module added answers 400 with a message, never 500, and
saves nothing: empty, huge, NUL bytes, wrong types and another dealership's ids."""

from __future__ import annotations

import pytest

from dealership.models import AuditEntry, User
from dealership.tenancy import dealership_context, system_context
from org.models import Position, PositionCapability, StaffMember

pytestmark = pytest.mark.django_db

HUGE = "长" * 5000


def _pos(dealership, code):
    with dealership_context(dealership):
        return Position.objects.get(code=code).pk


def _counts():
    with system_context():
        return (
            User.objects.count(),
            StaffMember.objects.count(),
            PositionCapability.objects.count(),
            AuditEntry.objects.count(),
        )


def _hire(cast, **fields):
    return {
        "username": "ok.name",
        "name": "某人",
        "employee_no": "B1",
        "positions": [_pos(cast.a, "cashier")],
        **fields,
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"username": ""},
        {"username": "nul\x00name"},
        {"username": HUGE},
        {"name": "a\x00b"},
        {"name": HUGE},
        {"employee_no": ""},
        {"employee_no": HUGE},
        {"phone": "1\x0038"},
        {"email": "not-an-email"},
        {"start_date": "2026/11/24x"},
        {"positions": []},
        {"positions": ["x"]},
        {"positions": [10**12]},
        {"colleague": "abc"},
        {"colleague": 10**12, "username": "", "name": ""},
        {"password": "1"},
    ],
    ids=repr,
)
def test_api_hire_refuses_bad_input_with_400(cast, api_for, fields):
    before = _counts()
    response = api_for(cast.user_a).post("/api/v1/org/staff/", _hire(cast, **fields), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert _counts() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "nul\x00name", "name": "某人"},
        {"username": HUGE, "name": "某人"},
        {"username": "ok", "name": "a\x00b"},
        {"username": "ok", "name": "某人", "employee_no": "\x00"},
        {"username": "ok", "name": "某人", "start_date": "\x00"},
        {"username": "ok", "name": "某人", "colleague": "\x00"},
    ],
    ids=repr,
)
def test_hire_form_refuses_bad_input_with_400(cast, client_for, fields):
    data = {
        "employee_no": "B2",
        "start_date": "2026-11-01",
        "positions": [_pos(cast.a, "cashier")],
        **fields,
    }
    before = _counts()
    response = client_for(cast.user_a).post("/org/staff/new/", data)
    assert response.status_code == 400
    assert _counts() == before


@pytest.mark.parametrize(
    "cell",
    [
        {"position": "x", "capability": "org.view_chart", "scope": 1},
        {"position": 10**12, "capability": "org.view_chart", "scope": 1},
        {"position": None, "capability": "org.view_chart", "scope": 1},
        {"capability": "no.such", "scope": 1},
        {"capability": "org.view_chart", "scope": 4},
        {"capability": "org.view_chart", "scope": "\x00"},
        {"capability": "org.view\x00_chart", "scope": 1},
    ],
    ids=repr,
)
def test_matrix_cell_refuses_bad_input(cast, api_for, client_for, cell):
    cell = {"position": _pos(cast.a, "cashier"), **cell}
    before = _counts()
    api = api_for(cast.user_a).post("/api/v1/org/position-capabilities/", cell, format="json")
    assert api.status_code in (400, 404), api.content
    page = client_for(cast.user_a).post(
        "/org/capabilities/", {k: "" if v is None else v for k, v in cell.items()}
    )
    assert page.status_code in (400, 404)
    assert _counts() == before


def test_audit_filters_with_bad_input_never_fail(cast, client_for):
    client = client_for(cast.user_a)
    for query in ("?date_from=2026-13-45", f"?actor={HUGE}", "?page=abc"):
        assert client.get(f"/platform/audit/{query}").status_code in (200, 404), query
    assert client.get("/platform/audit/?date_from=\x00").status_code == 400  # NUL: refused
