"""Bad input is a 400 with a clear message, never a 500, on every page and endpoint: control
characters in query parameters, form fields and JSON; JSON nested too deeply or too large;
duties without bounds; a workspace the caller does not work in (issue #9, points 4 and 5)."""

from __future__ import annotations

import json

import pytest

from dealership.tenancy import dealership_context
from org.models import Position

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/org/staff/?q=a%00b",
        "/platform/jobs/?state=a%00b",
        "/notifications/?kind=%01",
        "/org/chart/?x%00=1",
    ],
)
def test_control_characters_in_query_parameters_answer_400(cast, client_for, url):
    response = client_for(cast.user_a).get(url)
    assert response.status_code == 400
    assert (
        "控制字符" in response.content.decode() or "control characters" in response.content.decode()
    )


def test_control_characters_in_a_form_answer_400_and_change_nothing(cast, client_for):
    with dealership_context(cast.a):
        position = Position.objects.get(code="accountant")
    response = client_for(cast.user_a).post(
        f"/org/positions/{position.pk}/edit/",
        {
            "department": position.department_id,
            "code": "accountant",
            "name_zh": "会计",
            "order": 1,
            "responsibilities": "记账\x00",
        },
    )
    assert response.status_code == 400
    with dealership_context(cast.a):
        position.refresh_from_db()
    assert all("\x00" not in d["zh"] for d in position.responsibilities)


def test_api_json_with_nul_answers_400(cast, api_for):
    with dealership_context(cast.a):
        position = Position.objects.get(code="accountant")
    response = api_for(cast.user_a).patch(
        f"/api/v1/org/positions/{position.pk}/",
        {"responsibilities": [{"zh": "记账\u0000", "en": ""}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


def test_deeply_nested_json_answers_400_even_anonymously(client):
    body = "[" * 5000 + "]" * 5000
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    nested = json.dumps({"a": "deep"})
    for _ in range(25):
        nested = "[" + nested + "]"
    assert (
        client.post("/api/v1/auth/token/", nested, content_type="application/json").status_code
        == 400
    )


def test_a_json_body_over_the_cap_answers_400(cast, api_for, settings):
    settings.API_MAX_JSON_BYTES = 2048
    response = api_for(cast.user_a).post(
        "/api/v1/org/departments/",
        {"code": "x", "name_zh": "x" * 5000, "kind": "custom"},
        format="json",
    )
    assert response.status_code == 400


def test_duties_are_bounded(cast, api_for):
    with dealership_context(cast.a):
        position = Position.objects.get(code="accountant")
        before = list(position.responsibilities)
    api = api_for(cast.user_a)
    many = [{"zh": f"职责{n}", "en": ""} for n in range(20000)]
    url = f"/api/v1/org/positions/{position.pk}/"
    assert api.patch(url, {"responsibilities": many}, format="json").status_code == 400
    long = [{"zh": "长" * 301, "en": ""}]
    assert api.patch(url, {"responsibilities": long}, format="json").status_code == 400
    with dealership_context(cast.a):
        position.refresh_from_db()
    assert position.responsibilities == before
    fine = [{"zh": "编制凭证", "en": "Prepares vouchers"}]
    assert api.patch(url, {"responsibilities": fine}, format="json").status_code == 200


# --- X-Workspace ---------------------------------------------------------------------------------


def test_a_workspace_the_caller_does_not_work_in_is_refused(cast, api_for):
    api = api_for(cast.user_a)
    other = api.get("/api/v1/org/positions/", HTTP_X_WORKSPACE=f"d:{cast.b.pk}")
    assert other.status_code == 403
    assert f"d:{cast.b.pk}" in other.json()["error"]["message"]
    write = api.post(
        "/api/v1/org/departments/",
        {"code": "x1", "name_zh": "新部门", "kind": "custom"},
        format="json",
        HTTP_X_WORKSPACE=f"d:{cast.b.pk}",
    )
    assert write.status_code == 403
    with dealership_context(cast.b):
        from org.models import Department

        assert not Department.objects.filter(code="x1").exists()


@pytest.mark.parametrize("value", ["3", "d:", "d:abc", "x:1", "d:1;drop", "d:01"])
def test_a_malformed_workspace_answers_400(cast, api_for, value):
    response = api_for(cast.user_a).get("/api/v1/org/positions/", HTTP_X_WORKSPACE=value)
    assert response.status_code == 400
    assert "X-Workspace" in response.json()["error"]["message"]


def test_the_callers_own_workspace_works(cast, api_for):
    response = api_for(cast.user_a).get("/api/v1/org/positions/", HTTP_X_WORKSPACE=f"d:{cast.a.pk}")
    assert response.status_code == 200
