"""Safe defaults (issue #9, point 6): a Content-Security-Policy without inline script, the API
description only for people who logged in, the admin only for superusers."""

from __future__ import annotations

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/org/capabilities/",
        "/notifications/",
        "/org/approvals/",
        "/org/staff/",
        "/no-such-page/",
    ],
)
def test_pages_send_a_csp_and_carry_no_inline_script(cast, client_for, url):
    response = client_for(cast.user_a).get(url)
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html)


def test_the_login_page_carries_no_inline_script(client):
    html = client.get("/accounts/login/").content.decode()
    assert not INLINE_SCRIPT.search(html) and not INLINE_HANDLER.search(html)


def test_the_api_description_needs_a_login(cast, client, client_for):
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and "/accounts/login/" in docs["Location"]
    assert client.get("/api/schema/").status_code in (401, 403)
    logged_in = client_for(cast.user_a)
    assert logged_in.get("/api/docs/").status_code == 200
    assert logged_in.get("/api/schema/").status_code == 200
    assert not INLINE_SCRIPT.search(logged_in.get("/api/docs/").content.decode())


def test_the_admin_is_for_superusers_only(cast, client):
    staff = UserFactory(username="staffer", is_staff=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    boss = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert client.get("/admin/").status_code == 200
