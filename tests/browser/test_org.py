"""Main journeys of the org chart: different people see different navigation and dashboards;
HQ sees its group's charts only."""

from __future__ import annotations

import pytest

from dealership.tenancy import dealership_context
from org.models import PositionCapability
from tests.cast import build_cast
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nav(page) -> set[str]:
    return set(
        page.locator("[data-testid=main-nav] [data-nav]").evaluate_all(
            "els => els.map(e => e.dataset.nav)"
        )
    )


CONSULTANT_NAV = {
    "dashboard",
    "notifications",
    "approvals",
    "finance_requests",
    "customers",
    "vehicles",
    "sales_traffic",
    "sales_leads",
    "sales_orders",
    "sales_stock",
    "sales_board",
    "crm_tiers",  # the tier rules of the customers they serve (read)
    # the admin office: notices sent to them, meetings and action items, their training, rota
    "notices",
    "meetings",
    "training",
    "rota",
    # the SSI/CSI action items they may own, and the record of their list exports
    "my_satisfaction_actions",
    "exports",
    "profile",
    "staff",
    "api_docs",
}


def test_consultant_and_gm_see_different_navigation_and_dashboards(login, live_server):
    cast = build_cast()
    consultant = UserFactory(username="consultant", name="林销售")
    hire(consultant, cast.a, "sales_consultant")

    page = login("consultant", PASSWORD)
    assert _nav(page) == CONSULTANT_NAV
    assert page.locator("[data-widget=family]").count() == 0  # no panel for unbuilt modules
    assert "销售顾问" in page.locator("[data-widget=my_positions]").inner_text()
    page.click("[data-nav=profile]")
    page.wait_for_selector("[data-testid=my-position]")
    assert page.locator("[data-testid=my-position]").count() == 1
    # the chart is not for a consultant: the 403 page inside the shell, and no chart at all
    response = page.goto(f"{live_server.url}/org/chart/")
    assert response.status == 403
    assert page.locator("[data-testid=error-status]").inner_text().strip() == "403"
    assert page.locator("[data-testid=error-page] h1").inner_text().strip() == "无权访问"
    assert _nav(page) == CONSULTANT_NAV  # still in the shell
    assert page.locator("[data-testid=chart]").count() == 0
    assert page.locator("[data-testid=department]").count() == 0

    page.context.clear_cookies()
    page = login("user_a", PASSWORD)
    assert {"org_chart", "staff", "capabilities", "audit", "job_runs", "api_docs"} <= _nav(page)
    assert page.locator("[data-family=gm]").is_visible()
    assert page.locator("[data-widget=org_overview] [data-testid=headcounts]").is_visible()
    page.click("[data-nav=org_chart]")
    page.wait_for_selector("[data-testid=department]")
    assert page.locator("[data-testid=department]").count() == 5
    assert page.locator("[data-position=sales_consultant] >> text=林销售").is_visible()


def _cell(page, position, capability):
    return page.locator(f"tr[data-position={position}] td[data-capability='{capability}']")


def _department(page, code):
    page.click(f"[data-department={code}]")
    page.wait_for_selector(f"[data-department={code}].active")


def test_gm_edits_the_matrix_in_place(login):
    cast = build_cast()
    page = login("user_a", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("[data-nav=capabilities]")
    assert page.locator("[data-testid=matrix]").get_attribute("data-group") == "org"
    # one department at a time, the first by default
    assert page.locator("[data-department=gm_office].active").count() == 1
    assert page.locator("tr[data-position=accountant]").count() == 0
    _department(page, "admin_finance")
    assert page.url.endswith("?group=org&department=admin_finance")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # it fits
    select = _cell(page, "accountant", "org.view_audit").locator("select")
    assert select.input_value() == ""
    select.select_option("3")
    saved = _cell(page, "accountant", "org.view_audit").locator("[data-testid=matrix-saved]")
    saved.wait_for()
    assert saved.is_visible() and "已保存" in saved.inner_text()
    assert _cell(page, "accountant", "org.view_audit").locator("select").input_value() == "3"

    # a refused change (the GM lost the right meanwhile): the reason in the cell, value kept
    with dealership_context(cast.a):
        PositionCapability.objects.filter(
            position__code="gm", capability="org.change_capabilities"
        ).delete()
    select = _cell(page, "cashier", "org.view_audit").locator("select")
    select.select_option("3")
    error = _cell(page, "cashier", "org.view_audit").locator("[data-testid=matrix-error]")
    error.wait_for()
    assert error.is_visible() and error.inner_text().strip()
    assert _cell(page, "cashier", "org.view_audit").get_attribute("class") == "matrix-error"
    assert _cell(page, "cashier", "org.view_audit").locator("select").input_value() == ""

    # the header row and the position column stay put while the table scrolls
    page.set_viewport_size({"width": 1366, "height": 520})
    _department(page, "crm")
    box = page.locator(".matrix-scroll")
    header = page.locator("[data-testid=matrix] thead th").first
    first_row = page.locator("[data-testid=matrix] tbody tr th").first
    top = header.bounding_box()["y"]
    box.evaluate("el => { el.scrollTop = 400; }")
    assert abs(header.bounding_box()["y"] - top) < 1
    assert first_row.bounding_box()["y"] < top  # scrolled away

    # another group's tab, swapped in place, with its own address (the department kept)
    page.click("[data-group=sales]")
    page.wait_for_selector("[data-testid=matrix][data-group=sales]")
    assert page.url.endswith("?group=sales&department=crm")
    page.goto(page.url.split("?")[0] + "?department=admin_finance")
    assert (
        _cell(page, "accountant", "org.view_audit").inner_text().strip() == "全店"
    )  # saved, and the GM may no longer change it: read-only now


def test_hq_sees_the_matrix_read_only_by_dealership(login):
    cast = build_cast()
    page = login("hq_user", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("[data-nav=capabilities]")
    page.wait_for_selector("[data-testid=matrix-dealership]")  # the click navigates
    tabs = page.locator("[data-dealership-tab]").all_inner_texts()
    assert [t.strip() for t in tabs] == [cast.a.name_zh, cast.b.name_zh]
    headers = page.locator("[data-testid=matrix-dealership]").all_inner_texts()
    assert [h.strip() for h in headers] == [cast.a.name_zh]  # one dealership at a time
    assert page.locator("[data-testid=matrix] select").count() == 0
    assert page.locator("[data-testid=matrix-help-readonly]").is_visible()
    assert "修改即时生效" not in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.click(f"[data-dealership-tab={cast.b.code}]")
    page.wait_for_selector(f"tr[data-dealership={cast.b.code}]")
    headers = page.locator("[data-testid=matrix-dealership]").all_inner_texts()
    assert [h.strip() for h in headers] == [cast.b.name_zh]
    assert page.locator(f"tr[data-dealership={cast.a.code}]").count() == 0
    # at phone width the tabs wrap: nothing wider than the screen but the table's own box
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_hq_sees_two_dealerships_charts_not_the_third(login):
    build_cast()
    page = login("hq_user", PASSWORD)
    page.click("[data-nav=org_chart]")
    page.wait_for_selector("[data-testid=chart]")  # the click navigates
    charts = page.locator("[data-testid=chart]").evaluate_all(
        "els => els.map(e => e.dataset.dealership)"
    )
    assert charts == ["a", "b"]
    assert "capabilities" in _nav(page) and "audit" not in _nav(page)
    # one dealership open, the other loaded in place when opened
    assert page.locator("[data-dealership=a] [data-testid=department]").count() == 5
    assert page.locator("[data-dealership=b] [data-testid=department]").count() == 0
    page.click("[data-dealership=b] [data-testid=chart-open]")
    page.wait_for_selector("[data-dealership=b] [data-testid=department]")
    assert page.locator("[data-dealership=b] [data-testid=department]").count() == 5
    assert page.locator("[data-dealership=a] [data-testid=department]").count() == 5
