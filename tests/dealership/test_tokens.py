"""API tokens that end (#9.3): knox tokens, stored hashed, with an expiry; list, revoke, revoke
all; a password change or the end of an employment ends them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from dealership.models import SecurityEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _token(username="user_a"):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def _api(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_a_token_expires_after_the_ttl_and_is_stored_hashed(cast, settings):
    body = _token()
    expiry = dt.datetime.fromisoformat(body["expiry"])
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert abs(expiry - (timezone.now() + ttl)) < dt.timedelta(minutes=1)
    stored = AuthToken.objects.get(user=cast.user_a)
    assert body["token"] not in (stored.digest, stored.token_key)
    assert SecurityEvent.objects.filter(kind="token_created", user=cast.user_a).count() == 1


def test_list_revoke_and_logout_all(cast):
    first, second = _token(), _token()
    api = _api(first["token"])
    rows = api.get("/api/v1/auth/tokens/").json()
    assert sorted(r["id"] for r in rows) == sorted([first["id"], second["id"]])
    assert all(set(r) == {"id", "created", "expiry", "current"} for r in rows)
    assert [r["current"] for r in rows if r["id"] == first["id"]] == [True]
    assert first["token"] not in str(rows) and second["token"] not in str(rows)

    assert api.delete(f"/api/v1/auth/tokens/{second['id']}/").status_code == 204
    assert _api(second["token"]).get("/api/v1/me/").status_code == 401
    assert api.get("/api/v1/me/").status_code == 200

    other = _token("user_b")
    assert api.delete(f"/api/v1/auth/tokens/{other['id']}/").status_code == 404  # not theirs
    assert _api(other["token"]).get("/api/v1/me/").status_code == 200

    third = _token()
    assert api.post("/api/v1/auth/logout-all/").status_code == 204
    assert _api(first["token"]).get("/api/v1/me/").status_code == 401
    assert _api(third["token"]).get("/api/v1/me/").status_code == 401
    assert SecurityEvent.objects.filter(kind="token_revoked", user=cast.user_a).count() == 2


def test_an_expired_token_gets_401(cast):
    body = _token()
    AuthToken.objects.filter(user=cast.user_a).update(expiry=timezone.now() - dt.timedelta(1))
    response = _api(body["token"]).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


def test_the_openapi_schema_describes_the_token_scheme(cast, client_for):
    schema = client_for(cast.user_a).get("/api/schema/?format=json").json()
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" or s.get("in") == "header" for s in schemes.values())
    assert {"/api/v1/auth/tokens/", "/api/v1/auth/logout-all/"} <= set(schema["paths"])
