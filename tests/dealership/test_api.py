"""API base: token auth, scope for token users, one error shape, pagination, OpenAPI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import PASSWORD, JobRunFactory

pytestmark = pytest.mark.django_db


def test_token_from_username_and_password(cast):
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"username": "user_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "user_a"
    assert [w["key"] for w in me["workspaces"]] == [f"d:{cast.a.pk}"]


def test_bad_credentials_use_the_error_shape(cast):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "user_a", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (
        error["status"] == 400
        and error["code"] == "invalid"
        and "non_field_errors" in error["fields"]
    )


def test_anonymous_gets_401_in_the_error_shape():
    error = APIClient().get("/api/v1/platform/job-runs/").json()["error"]
    assert (
        error == {"status": 401, "code": "not_authenticated", "message": error["message"]}
        and error["message"]
    )


def test_not_found_and_permission_denied_share_the_shape(cast, api_for):
    theirs = JobRunFactory(dealership=cast.b)
    not_found = api_for(cast.user_a).get(f"/api/v1/platform/job-runs/{theirs.pk}/")
    assert not_found.status_code == 404 and not_found.json()["error"]["code"] == "not_found"
    denied = api_for(cast.outsider).get("/api/v1/platform/job-runs/")
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"


def test_session_auth_works_for_the_browser(cast, client_for):
    response = client_for(cast.user_a).get("/api/v1/platform/dealerships/")
    assert [d["code"] for d in response.json()["results"]] == ["a"]


def test_hq_reads_the_group_dealerships(cast, api_for):
    codes = [
        d["code"]
        for d in api_for(cast.hq_user).get("/api/v1/platform/dealerships/").json()["results"]
    ]
    assert codes == ["a", "b"]


def test_lists_are_paginated_with_a_constant_number_of_queries(cast, api_for):
    api = api_for(cast.user_a)
    for day in range(3):
        JobRunFactory(dealership=cast.a, run_date=dt.date(2026, 11, 1) + dt.timedelta(days=day))
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/platform/job-runs/").status_code == 200
    for day in range(60):
        JobRunFactory(dealership=cast.a, run_date=dt.date(2026, 1, 1) + dt.timedelta(days=day))
    with CaptureQueriesContext(connection) as many:
        body = api.get("/api/v1/platform/job-runs/?page_size=30").json()
    assert "count" not in body and len(body["results"]) == 30 and body["next"]
    assert len(many) == len(few)
    # newest first, by a cursor: the pages hold every run once
    seen = [r["id"] for r in body["results"]]
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += [r["id"] for r in body["results"]]
    assert len(seen) == len(set(seen)) == 63 and seen == sorted(seen, reverse=True)
    # a cursor that is not one of ours is bad input, in the caller's language
    bad = api.get("/api/v1/platform/job-runs/?cursor=garbage", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400 and "第一页" in bad.json()["error"]["message"]


def test_openapi_schema_and_local_docs(cast, client_for):
    schema = client_for(cast.user_a).get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert (
        "/api/v1/auth/token/" in schema["paths"]
        and "/api/v1/platform/job-runs/{id}/" in schema["paths"]
    )
    docs = client_for(cast.user_a).get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn." not in docs and "unpkg" not in docs and "jsdelivr" not in docs


def test_api_clients_pick_a_workspace_with_a_header(cast, api_for):
    from tests.factories import hire

    hire(cast.user_a, cast.b, "gm")
    api = api_for(cast.user_a)
    assert [d["code"] for d in api.get("/api/v1/platform/dealerships/").json()["results"]] == ["a"]
    chosen = api.get("/api/v1/platform/dealerships/", HTTP_X_WORKSPACE=f"d:{cast.b.pk}").json()
    assert [d["code"] for d in chosen["results"]] == ["b"]
    # not theirs: refused (never a silent fallback to the default workspace)
    foreign = api.get("/api/v1/platform/dealerships/", HTTP_X_WORKSPACE=f"d:{cast.c.pk}")
    assert foreign.status_code == 403
