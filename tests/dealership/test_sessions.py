"""Sessions that end (#9.3): at a password change (but the one that changed it), at the end of
the employment, after the idle time, and at browser close without "remember me"."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from dealership.actors import SYSTEM
from dealership.models import SecurityEvent
from dealership.security.middleware import LAST_ACTIVITY
from dealership.tenancy import dealership_context
from org import services
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = pytest.mark.django_db


def _login(username, password=PASSWORD, **extra) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password, **extra}
    )
    assert response.status_code == 302, response.status_code
    return client


def _token(username, password=PASSWORD) -> APIClient:
    body = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
        .json()
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    return api


def _logged_in(client) -> bool:
    return client.get("/dashboard/").status_code == 200


def test_a_password_change_ends_the_other_sessions_and_every_token(cast):
    here, elsewhere = _login("user_a"), _login("user_a")
    api = _token("user_a")
    assert _logged_in(here) and _logged_in(elsewhere) and api.get("/api/v1/me/").status_code == 200
    response = here.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Long-Pass-2026",
            "new_password2": "Another-Long-Pass-2026",
        },
    )
    assert response.status_code == 302
    assert _logged_in(here)
    assert not _logged_in(elsewhere)
    assert api.get("/api/v1/me/").status_code == 401


def test_ending_the_employment_ends_sessions_and_tokens(cast):
    person = UserFactory(username="da_leaver")
    staff = hire(person, cast.a, "sales_consultant")
    browser, api = _login(person.username), _token(person.username)
    assert _logged_in(browser) and api.get("/api/v1/me/").status_code == 200
    with dealership_context(cast.a):
        services.staff_end(actor=SYSTEM, staff_id=staff.pk)
    assert browser.get("/dashboard/").status_code == 302  # to the login
    assert api.get("/api/v1/me/").status_code == 401
    assert SecurityEvent.objects.filter(kind="signed_out", user=person).exists()
    # a new login works again (to the "no access" page), the old session stays ended
    assert _login(person.username).get("/dashboard/").status_code == 403


def test_an_idle_session_ends(cast, settings):
    client = _login("user_a")
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - settings.SESSION_IDLE_HOURS * 3600 - 5
    session.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SecurityEvent.objects.filter(kind="logout", user=cast.user_a, detail="idle").exists()


def test_an_active_session_stays(cast, settings):
    client = _login("user_a")
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - settings.SESSION_IDLE_HOURS * 3600 + 600
    session.save()
    assert _logged_in(client)
    assert client.session[LAST_ACTIVITY] >= int(time.time()) - 5  # the clock starts again


def test_without_remember_me_the_session_ends_at_browser_close(cast, settings):
    assert _login("user_a").session.get_expire_at_browser_close() is True
    remembered = _login("user_a", remember_me="on").session
    assert remembered.get_expire_at_browser_close() is False
    assert remembered.get_expiry_age() <= settings.SESSION_REMEMBER_DAYS * 24 * 3600
