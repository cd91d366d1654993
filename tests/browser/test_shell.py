"""Main journey of the shell: log in, land on the dashboard, switch language."""

from __future__ import annotations

import pytest

from tests.cast import build_cast
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_dashboard_and_language_switch(login, live_server):
    build_cast()
    page = login("user_a", PASSWORD)
    assert page.url == f"{live_server.url}/dashboard/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "欢迎" in page.locator("[data-testid=dashboard-title]").inner_text()
    assert "甲店" in page.locator("[data-widget=workspace]").inner_text()
    # the assets are served locally: htmx and bootstrap loaded
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.bootstrap") == "object"

    page.click("[data-testid=language-switcher] button[value=en]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welcome" in page.locator("[data-testid=dashboard-title]").inner_text()
    assert page.locator("[data-nav=dashboard]").inner_text() == "Dashboard"

    page.click("[data-testid=language-switcher] button[value=zh-hans]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("[data-nav=dashboard]").inner_text() == "工作台"


def test_wrong_password_and_outsider(login):
    build_cast()
    page = login("user_a", "not-the-password")
    assert "用户名和密码不匹配" in page.content()
    page = login("outsider", PASSWORD)
    assert page.locator("[data-testid=no-access]").is_visible()
