"""Main journeys of the org chart: different people see different navigation and dashboards;
HQ sees its group's charts only."""

from __future__ import annotations

import pytest

from tests.cast import build_cast
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nav(page) -> set[str]:
    return set(
        page.locator("[data-testid=main-nav] [data-nav]").evaluate_all(
            "els => els.map(e => e.dataset.nav)"
        )
    )


def test_consultant_and_gm_see_different_navigation_and_dashboards(login, live_server):
    cast = build_cast()
    consultant = UserFactory(username="consultant", name="林销售")
    hire(consultant, cast.a, "sales_consultant")

    page = login("consultant", PASSWORD)
    assert _nav(page) == {"dashboard", "profile", "staff", "api_docs"}
    assert page.locator("[data-family=sales]").is_visible()
    assert "销售顾问" in page.locator("[data-widget=my_positions]").inner_text()
    page.click("[data-nav=profile]")
    assert page.locator("[data-testid=my-position]").count() == 1
    # the chart is not for a consultant: the 403 page inside the shell, and no chart at all
    response = page.goto(f"{live_server.url}/org/chart/")
    assert response.status == 403
    assert page.locator("[data-testid=error-status]").inner_text().strip() == "403"
    assert page.locator("[data-testid=error-page] h1").inner_text().strip() == "无权访问"
    assert _nav(page) == {"dashboard", "profile", "staff", "api_docs"}  # still in the shell
    assert page.locator("[data-testid=chart]").count() == 0
    assert page.locator("[data-testid=department]").count() == 0

    page.context.clear_cookies()
    page = login("user_a", PASSWORD)
    assert {"org_chart", "staff", "capabilities", "audit", "job_runs"} <= _nav(page)
    assert page.locator("[data-family=gm]").is_visible()
    assert page.locator("[data-widget=org_overview] [data-testid=headcounts]").is_visible()
    page.click("[data-nav=org_chart]")
    assert page.locator("[data-testid=department]").count() == 5
    assert page.locator("[data-position=sales_consultant] >> text=林销售").is_visible()


def test_gm_edits_the_matrix_in_place(login):
    build_cast()
    page = login("user_a", PASSWORD)
    page.click("[data-nav=capabilities]")
    row = page.locator("tr[data-position=accountant]")
    select = row.locator("select[aria-label='org.view_audit']")
    assert select.input_value() == ""
    select.select_option("3")
    page.wait_for_selector("tr[data-position=accountant] td.p-0 select.border-success")
    page.reload()
    assert (
        page.locator(
            "tr[data-position=accountant] select[aria-label='org.view_audit']"
        ).input_value()
        == "3"
    )


def test_hq_sees_two_dealerships_charts_not_the_third(login):
    build_cast()
    page = login("hq_user", PASSWORD)
    page.click("[data-nav=org_chart]")
    charts = page.locator("[data-testid=chart]").evaluate_all(
        "els => els.map(e => e.dataset.dealership)"
    )
    assert charts == ["a", "b"]
    assert "capabilities" in _nav(page) and "audit" not in _nav(page)
