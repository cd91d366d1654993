"""Dashboards and the menu fit the position: work panels only for work that exists, the API
documentation for people who write, the whole team counted, dealerships by name, jobs plainly."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dealership import jobs
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def _page(client_for, user, language="zh-hans") -> str:
    client = client_for(user)
    client.cookies["erp_language"] = language
    return client.get("/dashboard/").content.decode()


@pytest.mark.parametrize(
    ("language", "title", "absent"),
    [("zh-hans", None, ["财务", "报销"]), ("en", "People and positions", ["finance", "reimburse"])],
)
def test_the_hr_manager_panel_speaks_of_people_not_finance(
    cast, client_for, language, title, absent
):
    manager = UserFactory()
    hire(manager, cast.a, "hr_manager")
    page = _page(client_for, manager, language)
    assert 'data-family="admin_finance"' in page  # HR sits in admin & finance …
    panel = page.split('data-widget="family"')[1].split("</section>")[0]
    text = panel.split('data-family="admin_finance"')[1]
    for word in absent:  # … but its panel is about people
        assert word not in text.lower(), word
    assert 'href="/org/staff/"' in panel
    if title:
        assert title in panel


def test_the_gm_panel_links_to_the_org_pages(cast, client_for):
    page = _page(client_for, cast.user_a, "en")
    panel = page.split('data-widget="family"')[1].split("</section>")[0]
    for url in ("/org/chart/", "/org/staff/", "/org/capabilities/", "/platform/audit/"):
        assert f'href="{url}"' in panel, url
    assert "not available yet" not in page


@pytest.mark.parametrize("code", ["sales_consultant", "accountant", "service_advisor"])
def test_positions_of_modules_not_built_yet_get_no_panel_announcing_them(cast, client_for, code):
    person = UserFactory()
    hire(person, cast.a, code)
    for language in ("zh-hans", "en"):
        page = _page(client_for, person, language)
        assert 'data-widget="family"' not in page
        assert "尚未" not in page and "not available yet" not in page


def test_the_api_documentation_is_for_people_who_write(cast, client_for):
    """Everyone on staff may submit requests (so may write through the API); HQ only reads."""
    assert 'data-nav="api_docs"' not in _page(client_for, cast.hq_user)
    assert client_for(cast.hq_user).get("/api/docs/").status_code == 200  # still reachable
    consultant = UserFactory()
    hire(consultant, cast.a, "sales_consultant")
    assert 'data-nav="api_docs"' in _page(client_for, consultant)
    hr = UserFactory()
    hire(hr, cast.a, "hr_manager")
    assert 'data-nav="api_docs"' in _page(client_for, hr)
    assert 'data-nav="api_docs"' in _page(client_for, cast.user_a)


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", None), ("en", "Showing 8 of 10.")])
def test_my_team_says_how_many_it_shows(cast, client_for, language, shown):
    manager = UserFactory()
    hire(manager, cast.a, "sales_manager")
    for i in range(9):
        hire(UserFactory(name=f"顾问{i}"), cast.a, "sales_consultant")
    response = client_for(manager)
    response.cookies["erp_language"] = language
    page = response.get("/dashboard/").content.decode()
    team = page.split('data-widget="team"')[1].split("</section>")[0]
    assert team.count("<li>") == 8
    assert 'data-testid="team-more"' in team and "10" in team
    assert 'href="/org/staff/"' in team
    if shown:
        assert shown in team


def test_a_small_team_is_listed_whole(cast, client_for):
    manager = UserFactory()
    hire(manager, cast.a, "sales_manager")
    hire(UserFactory(name="王顾问"), cast.a, "sales_consultant")
    team = _page(client_for, manager).split('data-widget="team"')[1].split("</section>")[0]
    assert team.count("<li>") == 2 and "王顾问" in team
    assert 'data-testid="team-more"' not in team


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_hq_headcounts_name_dealerships(cast, client_for, language):
    page = _page(client_for, cast.hq_user, language)
    table = page.split('data-testid="headcounts"')[1].split("</table>")[0]
    name = cast.a.name_en if language == "en" else cast.a.name_zh
    assert name in table
    assert f"<td>{cast.a.code}</td>" not in table


@pytest.mark.parametrize(
    ("language", "text"),
    [("zh-hans", None), ("en", "No scheduled job is registered yet")],
)
def test_jobs_say_plainly_when_none_is_registered(cast, client_for, monkeypatch, language, text):
    monkeypatch.setattr(jobs, "_jobs", {})
    client = client_for(cast.user_a)
    client.cookies["erp_language"] = language
    for url in ("/dashboard/", "/platform/jobs/"):
        page = client.get(url).content.decode()
        assert 'data-testid="no-jobs"' in page, url
        if text:
            assert text in page, url


def test_jobs_panel_does_not_say_so_when_jobs_are_registered(cast, client_for, monkeypatch):
    monkeypatch.setattr(jobs, "_jobs", {"x": SimpleNamespace(name="x")})
    page = client_for(cast.user_a).get("/dashboard/").content.decode()
    assert 'data-testid="no-jobs"' not in page
