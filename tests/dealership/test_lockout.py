"""Logins (#9.2): 5 failures of one name from one IP address lock it out on the login form, the
token endpoint and the admin; the answer never tells whether the name exists; the cool-off
ends the lockout; the GM unlocks people of their own dealership; every event is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from dealership.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (lockout test)"
LOCKED = "Too many failed login attempts"


def _form_login(client, username, password, ip="10.0.0.1", **extra):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password, **extra},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=UA,
    )


def _token_login(username, password, ip="10.0.0.1"):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=UA,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _fail_form(username, times=5, ip="10.0.0.1"):
    client = Client()
    return [_form_login(client, username, "wrong", ip=ip) for _ in range(times)]


def test_five_failures_lock_the_form_and_the_right_password_is_refused(cast):
    answers = _fail_form("user_a")
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    locked = _form_login(Client(), "user_a", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in locked.client.session
    assert 'data-testid="locked-out"' in locked.content.decode()
    # another address is not locked out (the lockout is per name and IP address)
    assert _form_login(Client(), "user_a", PASSWORD, ip="10.0.0.2").status_code == 302


def test_unknown_and_known_names_answer_alike(cast):
    known, unknown = _fail_form("user_a"), _fail_form("nobody_here")
    assert [r.status_code for r in known] == [r.status_code for r in unknown]

    def message(response):
        page = response.content.decode()
        return page.count("alert-danger"), 'data-testid="locked-out"' in page

    assert [message(r) for r in known] == [message(r) for r in unknown]
    assert known[0].context["form"].errors == unknown[0].context["form"].errors
    # locked out: the same answer for a name that exists (right password) and one that does not
    a, b = _form_login(Client(), "user_a", PASSWORD), _form_login(Client(), "nobody_here", "x")
    assert a.status_code == b.status_code == 429
    assert message(a) == message(b)


def test_token_endpoint_locks_out_in_the_error_shape(cast):
    answers = [_token_login("user_a", "wrong") for _ in range(5)]
    assert [r.status_code for r in answers] == [400, 400, 400, 400, 429]
    unknown = [_token_login("nobody_here", "wrong") for _ in range(5)]
    assert [r.json() for r in unknown[:4]] == [r.json() for r in answers[:4]]
    locked = _token_login("user_a", PASSWORD)
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "locked_out" and LOCKED in error["message"]
    assert locked.json() == _token_login("nobody_here", "x").json()
    assert _token_login("user_a", PASSWORD, ip="10.0.0.9").status_code == 200


def test_admin_login_locks_out(cast):
    admin = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    client = Client()
    answers = [
        client.post(
            "/admin/login/",
            {"username": admin.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )
        for _ in range(5)
    ]
    assert [r.status_code for r in answers][-1] == 429
    refused = client.post(
        "/admin/login/", {"username": admin.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_the_cool_off_ends_the_lockout(cast, settings):
    _fail_form("user_a")
    assert _form_login(Client(), "user_a", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    assert _form_login(Client(), "user_a", PASSWORD).status_code == 302


def test_events_are_recorded_with_ip_and_user_agent(cast):
    client = Client()
    assert _form_login(client, "user_a", PASSWORD).status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.1", HTTP_USER_AGENT=UA)
    _fail_form("user_a")
    _form_login(Client(), "user_a", PASSWORD)  # refused: locked out
    kinds = list(
        SecurityEvent.objects.filter(user=cast.user_a).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[:2] == ["login", "logout"]
    assert sorted(kinds[2:]) == ["failure"] * 6 + ["lockout"]  # 5 wrong, 1 refused; 1 lockout
    assert (
        SecurityEvent.objects.filter(user=cast.user_a)
        .exclude(ip_address="10.0.0.1", user_agent=UA)
        .count()
        == 0
    )
    failures = SecurityEvent.objects.filter(username="user_a", kind="failure").order_by("pk")
    assert [f.detail for f in failures] == [""] * 5 + ["locked out"]
    _fail_form("ghost_name", times=1)
    ghost = SecurityEvent.objects.get(username="ghost_name")
    assert ghost.kind == "failure" and ghost.user is None


@pytest.fixture
def clerk_a(cast):
    person = UserFactory(username="da_clerk")
    hire(person, cast.a, "sales_consultant")
    return person


def test_the_gm_unlocks_a_person_of_their_dealership(cast, clerk_a, client_for):
    _fail_form(clerk_a.username)
    assert _form_login(Client(), clerk_a.username, PASSWORD).status_code == 429
    gm = client_for(cast.user_a)
    page = gm.get("/platform/security/")
    assert page.status_code == 200
    assert f"/platform/security/unlock/{clerk_a.pk}/" in page.content.decode()
    response = gm.post(f"/platform/security/unlock/{clerk_a.pk}/", HTTP_USER_AGENT=UA)
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=clerk_a.username).exists()
    unlock = SecurityEvent.objects.get(kind="unlock")
    assert unlock.user == clerk_a and unlock.actor == cast.user_a and unlock.user_agent == UA
    assert _form_login(Client(), clerk_a.username, PASSWORD).status_code == 302


def test_the_gm_cannot_unlock_another_dealership_nor_read_its_events(cast, clerk_a, client_for):
    _fail_form("user_b", times=1)
    _fail_form(clerk_a.username, times=1)
    gm_b = client_for(cast.user_b)
    assert gm_b.post(f"/platform/security/unlock/{clerk_a.pk}/").status_code == 404
    names = [e.username for e in gm_b.get("/platform/security/").context["events"]]
    assert "user_b" in names and clerk_a.username not in names
    # a person without org.view_audit sees nothing and unlocks nobody
    clerk = client_for(clerk_a)
    assert clerk.get("/platform/security/").status_code == 403
    assert clerk.post(f"/platform/security/unlock/{cast.user_a.pk}/").status_code == 403


def test_superusers_see_everything_and_unlock_in_the_admin(cast):
    admin = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    _fail_form("user_c")
    client = Client()
    client.force_login(admin)
    assert "user_c" in [e.username for e in client.get("/platform/security/").context["events"]]
    response = client.post(
        "/admin/dealership/user/",
        {"action": "unlock_logins", "_selected_action": [cast.user_c.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="user_c").exists()
    assert SecurityEvent.objects.filter(kind="unlock", user=cast.user_c, actor=admin).exists()
