"""Error pages in a real browser: inside the shell, with working ways back."""

from __future__ import annotations

import pytest

from tests.cast import build_cast
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_403_and_404_pages_lead_back(login, live_server, settings):
    settings.DEBUG = True  # as in the demo: still our page, never Django's debug page
    cast = build_cast()
    consultant = UserFactory(username="gu.wen", password=PASSWORD)
    hire(consultant, cast.a, "sales_consultant")
    page = login("gu.wen", PASSWORD)
    page.click("[data-nav=profile]")
    page.wait_for_load_state("domcontentloaded")

    page.goto(f"{live_server.url}/org/chart/")  # no org.view_chart
    assert page.locator("[data-testid=error-page]").is_visible()
    assert page.locator("[data-testid=main-nav]").is_visible()
    assert "无权访问" in page.locator("h1").inner_text()
    page.click("[data-testid=error-back]")
    page.wait_for_url(f"{live_server.url}/org/me/")

    page.goto(f"{live_server.url}/no/such/page/")
    assert "页面不存在" in page.locator("h1").inner_text()
    page.click("[data-testid=language-switcher] button[value=en]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("h1").inner_text() == "Page not found"
    page.click("[data-testid=error-dashboard]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
