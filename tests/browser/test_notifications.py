"""The notification centre in the browser, in Chinese, on a phone: the bell with its count, the
list, marking one read without leaving the page (htmx), opening one, and the settings."""

from __future__ import annotations

import re

import pytest

from dealership.notifications import notify
from dealership.tenancy import dealership_context
from tests.cast import build_cast
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_bell_list_read_and_settings_on_a_phone(login, page, live_server):
    cast = build_cast()
    user = UserFactory(username="consultant", name="王顾问")
    hire(user, cast.a, "sales_consultant")
    with dealership_context(cast.a):
        for text in ("客户张先生 13812345678 今天到店", "试驾预约已确认"):
            notify("platform.job_failed", [user], text, dealership=cast.a)
    page.set_viewport_size(PHONE)
    page = login("consultant", PASSWORD)
    bell = page.locator("[data-testid=bell]")
    assert bell.is_visible()
    assert page.locator("[data-testid=bell-count]").inner_text() == "2"
    assert bell.bounding_box()["x"] + bell.bounding_box()["width"] <= 390
    bell.click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    items = page.locator("[data-testid=notification]")
    assert items.count() == 2
    assert "13812345678" in page.content(), "in the app the number is shown in full"
    # mark one read in place: the item turns read and the bell counts down, no page load
    items.first.locator("[data-testid=mark-read]").click()
    page.wait_for_selector("[data-testid=notification][data-read=true]")
    assert page.locator("[data-testid=bell-count]").inner_text() == "1"
    assert page.url.endswith("/notifications/")
    # opening the other one marks it read too
    page.locator(
        "[data-testid=notification][data-read=false] [data-testid=notification-subject]"
    ).click()
    page.wait_for_selector("[data-testid=notification-detail]")
    assert page.locator("[data-testid=bell-count]").count() == 0
    # the settings: e-mail as a daily digest for this kind
    page.goto(f"{live_server.url}/notifications/preferences/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.select_option("[name='platform.job_failed__email']", "digest")
    page.click("[data-testid=save-preferences]")
    page.wait_for_selector("[data-testid=messages]")
    assert "已保存" in page.locator("[data-testid=messages]").inner_text()
    assert page.locator("[name='platform.job_failed__email']").input_value() == "digest"
