"""The browser shell: login, password reset, dashboard, navigation, switchers, job pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD, JobRunFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_login_lands_on_the_dashboard(cast, client):
    response = client.post(
        "/accounts/login/", {"username": "user_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/dashboard/"
    page = response.content.decode()
    assert "甲店" in page and 'data-widget="workspace"' in page


def test_wrong_password_says_so(cast, client):
    response = client.post("/accounts/login/", {"username": "user_a", "password": "nope"})
    assert response.status_code == 200
    assert "用户名和密码不匹配" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_logout(cast, client_for):
    c = client_for(cast.user_a)
    assert c.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert c.get("/dashboard/").status_code == 302


def test_user_without_membership_sees_only_the_no_access_page(cast, client_for):
    c = client_for(cast.outsider)
    for url in ("/dashboard/", "/platform/jobs/"):
        response = c.get(url)
        assert response.status_code == 403
        assert 'data-testid="no-access"' in response.content.decode()
    assert 'data-nav="' not in c.get("/dashboard/").content.decode()


def test_navigation_lists_only_what_the_user_may_open(cast, client_for):
    page = client_for(cast.user_a).get("/dashboard/").content.decode()
    assert 'data-nav="dashboard"' in page and 'data-nav="job_runs"' in page


def test_password_reset_by_email(cast, client):
    cast.user_a.email = "a@example.com"
    cast.user_a.save()
    response = client.post("/accounts/password_reset/", {"email": "a@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Xin-MiMa-2026", "new_password2": "Xin-MiMa-2026"},
    )
    assert done.status_code == 302
    assert client.login(username="user_a", password="Xin-MiMa-2026")


def test_language_switch_to_english(cast, client_for):
    c = client_for(cast.user_a)
    c.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    page = c.get("/dashboard/").content.decode()
    assert '<html lang="en">' in page and "Welcome" in page


def test_hq_switches_between_group_view_and_own_dealership(cast, client_for):
    from tests.factories import MembershipFactory

    MembershipFactory(user=cast.hq_user, dealership=cast.a)
    c = client_for(cast.hq_user)
    assert "甲店" in c.get("/dashboard/").content.decode()
    c.post("/workspace/", {"workspace": f"g:{cast.group1.pk}", "next": "/dashboard/"})
    page = c.get("/dashboard/").content.decode()
    assert "甲店" in page and "乙店" in page and "丙店" not in page
    # a workspace the user does not have is ignored
    c.post("/workspace/", {"workspace": f"g:{cast.group2.pk}"})
    assert "丙店" not in c.get("/dashboard/").content.decode()


def test_job_run_pages(cast, client_for):
    run = JobRunFactory(dealership=cast.a, job="crm.followup_list", error="Traceback: boom")
    c = client_for(cast.user_a)
    assert "crm.followup_list" in c.get("/platform/jobs/").content.decode()
    detail = c.get(f"/platform/jobs/{run.pk}/").content.decode()
    assert "Traceback: boom" in detail


def test_job_run_list_is_paginated_with_constant_queries(cast, client_for):
    c = client_for(cast.user_a)
    JobRunFactory(dealership=cast.a, run_date=dt.date(2026, 1, 1))
    with CaptureQueriesContext(connection) as few:
        c.get("/platform/jobs/")
    for day in range(40):
        JobRunFactory(dealership=cast.a, run_date=dt.date(2026, 2, 1) + dt.timedelta(days=day))
    with CaptureQueriesContext(connection) as many:
        response = c.get("/platform/jobs/")
    assert len(response.context["table"].page.object_list) == 25
    assert len(many) == len(few)
