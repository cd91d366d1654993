"""The shell on a phone (390×844) and its feedback: a slide-in menu, no sideways scrolling,
tables that scroll inside themselves, messages as toasts, the workspace always shown."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dealership.tenancy import dealership_context
from org.models import Department
from tests.cast import build_cast
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_dashboard_and_staff_list_fit_a_phone(login, page, live_server):
    from tests.factories import JobRunFactory

    cast = build_cast()
    # the GM's panel of recent job runs names each job: long names without spaces
    JobRunFactory(dealership=cast.a, job="aftersales.day_confirmation_reminder_of_the_month")
    page.set_viewport_size(PHONE)
    page = login("user_a", PASSWORD)
    assert page.url == f"{live_server.url}/dashboard/"
    assert "aftersales.day_confirmation_reminder_of_the_month" in page.content()
    assert _page_width(page) <= 390
    # the top bar fits: the workspace is shown, logging out is one line (an icon button)
    assert "甲店" in page.locator("[data-testid=current-workspace]").inner_text()
    logout = page.locator("[data-testid=logout]")
    assert logout.is_visible()
    assert logout.bounding_box()["height"] < 40
    assert logout.bounding_box()["x"] + logout.bounding_box()["width"] <= 390
    # the menu is hidden until the toggle opens it
    nav = page.locator("[data-testid=main-nav]")
    assert not nav.is_visible()
    page.click("[data-testid=nav-toggle]")
    page.wait_for_selector("#app-sidebar.show")
    assert nav.is_visible()
    assert page.locator("[data-nav=staff]").is_visible()
    page.click("[data-nav=staff]")
    page.wait_for_url(re.compile(r"/org/staff/"))
    assert _page_width(page) <= 390
    assert not page.locator("[data-testid=main-nav]").is_visible()
    # the table scrolls inside its own box, the page does not
    box = page.locator(".table-responsive").first
    assert box.is_visible()
    assert box.evaluate("el => el.getBoundingClientRect().right") <= 390


def test_sidebar_is_a_full_height_column_on_desktop(login, page):
    build_cast()
    page.set_viewport_size({"width": 1366, "height": 900})
    page = login("user_a", PASSWORD)
    assert page.locator("[data-testid=main-nav]").is_visible()
    assert not page.locator("[data-testid=nav-toggle]").is_visible()
    sidebar = page.locator("#app-sidebar").bounding_box()
    top = page.locator("[data-testid=topbar]").bounding_box()
    assert sidebar["y"] + sidebar["height"] >= 900 - 1
    assert sidebar["y"] == pytest.approx(top["y"] + top["height"], abs=1)
    assert _page_width(page) <= 1366
    assert "退出登录" in page.locator("[data-testid=logout]").inner_text()


def test_a_saved_form_says_so_in_a_toast(login, page, live_server):
    cast = build_cast()
    with dealership_context(cast.a):
        department = Department.objects.order_by("pk").first()
    page = login("user_a", PASSWORD)
    page.goto(f"{live_server.url}/org/departments/{department.pk}/edit/")
    page.click("[data-testid=service-form] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    toast = page.locator("[data-testid=messages] .toast[data-level=success]")
    assert toast.inner_text().strip() == "已保存。"
    assert toast.is_visible()
    # floating (enhanced by JavaScript), and a success hides itself
    assert (
        page.locator("[data-testid=messages]").evaluate("el => getComputedStyle(el).position")
        == "fixed"
    )
    toast.wait_for(state="detached", timeout=8000)


def test_switching_workspace_confirms_where_you_are(login, page):
    cast = build_cast()
    both = UserFactory(username="both", name="两店店员")
    hire(both, cast.a, "gm")
    hire(both, cast.b, "gm")
    page = login("both", PASSWORD)
    # the oldest membership is the default
    switcher = page.locator("[data-testid=workspace-switcher] select")
    assert switcher.evaluate("el => el.selectedOptions[0].text") == "甲店"
    switcher.select_option(label="乙店")
    page.wait_for_selector("[data-testid=messages] .toast")
    assert page.locator("[data-testid=messages]").inner_text().strip() == "已切换到：乙店"
    assert (
        page.locator("[data-testid=workspace-switcher] select").evaluate(
            "el => el.selectedOptions[0].text"
        )
        == "乙店"
    )


def test_hq_sees_its_group_as_the_workspace(login, page):
    build_cast()
    page = login("hq_user", PASSWORD)
    assert (
        page.locator("[data-testid=current-workspace]").inner_text().strip()
        == "集团总部：华晟汽车集团"
    )


def test_favicon_is_served(page, live_server):
    response = page.goto(f"{live_server.url}/favicon.ico")
    assert response.status == 200
    assert response.url.endswith("/static/favicon.svg")
    page.goto(f"{live_server.url}/accounts/login/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(f"{live_server.url}{href}").status == 200


# the admin office, marketing, the service desk, targets, sales plans, price lists, the
# sub-dealer network, after-sales targets, finance's ad claims and decorations, the report
# calendar: each page and its form fit a phone (tables scroll inside their own box)
PHONE_PAGES = [
    "org:notice_list",
    "org:notice_create",
    "org:meeting_list",
    "org:meeting_create",
    "org:actionitem_list",
    "org:training_list",
    "org:training_create",
    "org:rota",
    "org:attendance",
    "crm:adplan_list",
    "crm:adplan_create",
    "crm:event_list",
    "crm:event_create",
    "crm:competitor_ad_list",
    "crm:competitor_ad_create",
    "crm:enquiry_list",
    "crm:enquiry_create",
    "crm:proposal_list",
    "crm:letter_list",
    "crm:tier_list",
    "crm:tier_create",
    "crm:datacheck_list",
    "crm:satisfaction",
    "crm:satisfaction_target_add",
    "crm:satisfaction_action_list",
    "crm:contact_rate",
    "crm:contact_misses",
    "sales:plan_list",
    "sales:plan_create",
    "sales:pricelist_list",
    "sales:pricelist_create",
    "sales:subdealer_list",
    "sales:subdealer_create",
    "aftersales:target_list",
    "aftersales:target_create",
    "finance:adclaim_list",
    "finance:adclaim_create",
    "finance:decorationrequest_list",
    "finance:decorationrequest_create",
    "platform:report_calendar",
]


def test_the_office_marketing_and_target_pages_fit_a_phone(login, page, live_server):
    build_cast()
    page.set_default_timeout(60000)  # forty pages: a slow machine is not a failure
    page.set_viewport_size(PHONE)
    page = login("user_a", PASSWORD)
    too_wide = {}
    for name in PHONE_PAGES:
        response = page.goto(f"{live_server.url}{reverse(name)}")
        assert response.status == 200, name
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > page.evaluate("window.innerWidth"):
            too_wide[name] = width
    assert too_wide == {}
