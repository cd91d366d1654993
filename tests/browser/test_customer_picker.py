"""The customer picker (issue #15): a form lists no customers until one types a name, then the
matches load into the select in place; the chosen one is saved."""

from __future__ import annotations

import pytest

from crm.models import Customer, Membership
from dealership.tenancy import dealership_context
from tests.cast import build_cast
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gm_finds_the_customer_by_typing_and_enrols_them(login, live_server):
    cast = build_cast()
    with dealership_context(cast.a):
        for i, name in enumerate(("欧阳明", "欧阳华", "李雷")):
            Customer.objects.create(dealership=cast.a, name=name, mobile=f"1390000000{i}")
        wanted = Customer.objects.get(name="欧阳华")
    page = login("user_a", PASSWORD)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/crm/members/join/")
    select = page.locator("select[name=customer]")
    assert select.locator("option").count() == 1  # nobody listed before a search
    page.fill("[data-testid=customer-search]", "欧阳")
    page.wait_for_selector(f"select[name=customer] option[value='{wanted.pk}']", state="attached")
    labels = select.locator("option").all_inner_texts()
    assert [label.split(" (")[0] for label in labels[1:]] == ["欧阳华", "欧阳明"]  # by name
    select.select_option(str(wanted.pk))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/crm/members/**")
    with dealership_context(cast.a):
        assert Membership.objects.filter(customer=wanted).exists()
