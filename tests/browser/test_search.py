"""The top bar's search in the browser (#20): a service advisor types a plate's tail in the top
bar, opens the vehicle and from it the customer; on a phone the search is an icon that opens the
search page, and nothing runs off the screen."""

from __future__ import annotations

import re

import pytest

from crm.models import Customer, Vehicle
from dealership.tenancy import dealership_context
from tests.cast import build_cast
from tests.factories import PASSWORD, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _data(cast):
    advisor = UserFactory(username="search_advisor", name="服务顾问")
    hire(advisor, cast.a, "service_advisor")
    with dealership_context(cast.a):
        customer = Customer.objects.create(dealership=cast.a, name="钱七", mobile="13912348765")
        vehicle = Vehicle.objects.create(
            dealership=cast.a,
            owner=customer,
            plate="粤A6M789",
            vin="LVGBE40K7NG000012",
            brand="起亚",
            model="K5",
        )
    return customer, vehicle


def test_a_service_advisor_finds_the_car_by_its_plate_tail_in_the_top_bar(login, page, live_server):
    cast = build_cast()
    customer, vehicle = _data(cast)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.set_default_timeout(60000)  # the first page of a session is slow on a busy machine
    page = login("search_advisor", PASSWORD)
    page.fill("[data-testid=topbar-search-input]", "6m789")
    with page.expect_navigation():
        page.press("[data-testid=topbar-search-input]", "Enter")
    assert "/search/?q=6m789" in page.url
    vehicles = page.locator("[data-testid=search-group][data-group='crm.vehicle']")
    assert "粤A6M789" in vehicles.inner_text()
    customers = page.locator("[data-testid=search-group][data-group='crm.customer']")
    assert "钱七" in customers.inner_text()
    assert "13912348765" in customers.inner_text()  # a service advisor sees the numbers
    with page.expect_navigation():
        vehicles.locator("[data-testid=search-result]").first.click()
    assert page.url.endswith(vehicle.get_absolute_url())
    page.goto(f"{live_server.url}/search/?q=8765")  # the last four digits of the mobile
    with page.expect_navigation():
        page.locator(
            "[data-testid=search-group][data-group='crm.customer'] [data-testid=search-result]"
        ).first.click()
    assert page.url.endswith(customer.get_absolute_url())
    assert "钱七" in page.content()


def test_on_a_phone_the_search_is_an_icon_and_the_page_fits(login, page, live_server):
    cast = build_cast()
    _data(cast)
    page.set_viewport_size(PHONE)
    page.set_default_timeout(60000)
    page = login("search_advisor", PASSWORD)
    assert not page.locator("[data-testid=topbar-search]").is_visible()
    link = page.locator("[data-testid=topbar-search-link]")
    assert link.is_visible()
    assert link.bounding_box()["x"] + link.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_navigation():
        link.click()
    page.wait_for_url(re.compile(r"/search/"))
    assert page.locator("[data-testid=search-hint]").is_visible()
    page.fill("[data-testid=search-input]", "粤A 6M789")
    with page.expect_navigation():
        page.press("[data-testid=search-input]", "Enter")
    assert page.locator("[data-testid=search-result]").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
