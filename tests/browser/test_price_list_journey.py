"""A price list in the browser, in Chinese (000 销售总监 "制订公司新产品市场价格,经批准后执行"):
the sales manager drafts the list of a model and trim and sends it for approval; until it is
approved a quote of that car finds no price; the sales director, the deputy GM and the GM
approve it from "我的审批"; then the list is in effect and a consultant's new quote takes its
MSRP."""

from __future__ import annotations

import pytest

from dealership.figures import local_today
from dealership.tenancy import dealership_context
from tests.browser.journey import log_in, submit
from tests.cast import build_cast
from tests.factories import UserFactory, hire
from tests.sales.conftest import make_lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODEL, TRIM = "EV5", "长续航尊享版"
SUBJECT = f"{MODEL} {TRIM}"


def _quote(page, live_server, lead_url):
    page.goto(lead_url)
    page.click("[data-testid=new-quote]")
    page.fill("[name=vehicle_model]", MODEL)
    page.fill("[name=vehicle_trim]", TRIM)
    page.fill("[name=discount]", "1000")
    with page.expect_navigation():
        page.click("[data-testid=quote-form] button[type=submit]")


def test_a_price_list_takes_effect_after_its_chain_and_prices_the_next_quote(page, live_server):
    from org.approvals.services import chains_seed
    from sales.services import discount_limits_seed

    cast = build_cast()
    with dealership_context(cast.a):
        chains_seed(cast.a)
        discount_limits_seed(cast.a)
    hire(UserFactory(username="manager", name="销售经理周涛"), cast.a, "sales_manager")
    hire(UserFactory(username="director", name="销售总监吴敏"), cast.a, "sales_director")
    hire(UserFactory(username="deputy", name="副总经理郑伟"), cast.a, "deputy_gm")
    consultant = UserFactory(username="consultant", name="销售顾问林晓")
    hire(consultant, cast.a, "sales_consultant")
    lead = make_lead(cast.a, consultant, model_of_interest=MODEL)
    lead_url = f"{live_server.url}{lead.get_absolute_url()}"
    today = local_today(cast.a)

    # the sales manager drafts the list and sends it for approval
    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/sales/price-lists/")
    page.click("[data-testid=new-price-list]")
    page.fill("[name=model]", MODEL)
    page.fill("[name=trim]", TRIM)
    page.fill("[name=msrp]", "159800")
    page.fill("[name=dealer_price]", "148000")
    page.fill("[name=floor_price]", "152000")
    page.fill("[name=valid_from]", f"{today:%Y-%m-%d}")
    page.fill("[name=notes]", "新车上市指导价")
    submit(page)
    page.wait_for_selector("[data-testid=price-list-state]")
    list_url = page.url
    assert page.locator("[data-testid=price-list-state]").inner_text().strip() == "草稿"
    fields = page.locator("[data-testid=price-list-fields]").inner_text().replace(",", "")
    assert "159800.00" in fields and "152000.00" in fields and TRIM in fields
    with page.expect_navigation():
        page.click("[data-testid=submit-price-list]")
    assert "已提交审批" in page.locator("[data-testid=messages]").inner_text()
    assert page.locator("[data-testid=price-list-state]").inner_text().strip() == "待审批"
    assert page.locator("[data-testid=in-effect]").count() == 0
    assert page.locator("[data-testid=submit-price-list]").count() == 0
    assert page.locator("[data-testid=edit-price-list]").count() == 0
    page.goto(f"{live_server.url}/sales/price-lists/?in_effect=on")
    assert page.locator("[data-testid=price-list-table]", has_text=MODEL).count() == 0

    # not in effect yet: a quote of the car finds no list price
    log_in(page, live_server, "consultant")
    _quote(page, live_server, lead_url)
    error = page.locator(".invalid-feedback")
    assert "没有生效的价格表" in error.inner_text()
    assert page.locator("[data-testid=quote-status]").count() == 0

    # the chain approves it from the inboxes
    for username in ("director", "deputy", "user_a"):
        log_in(page, live_server, username)
        page.goto(f"{live_server.url}/org/approvals/")
        item = page.locator("[data-testid=inbox-item]", has_text=SUBJECT)
        assert item.count() == 1, username
        assert "价格表" in item.inner_text()
        item.locator("[data-testid=approve]").click()
        page.wait_for_selector("[data-testid=messages]")
        assert page.locator("[data-testid=inbox-item]", has_text=SUBJECT).count() == 0
        if username != "user_a":
            page.goto(list_url)
            assert page.locator("[data-testid=in-effect]").count() == 0, username

    # in effect: the list says so, and the consultant's new quote takes its MSRP
    log_in(page, live_server, "manager")
    page.goto(list_url)
    assert page.locator("[data-testid=price-list-state]").inner_text().strip() == "已批准"
    assert page.locator("[data-testid=in-effect]").count() == 1
    page.goto(f"{live_server.url}/sales/price-lists/?in_effect=on")
    assert page.locator("[data-testid=price-list-table]", has_text=MODEL).count() == 1

    log_in(page, live_server, "consultant")
    _quote(page, live_server, lead_url)
    page.wait_for_selector("[data-testid=quote-status]")
    amounts = page.locator("[data-testid=quote-amounts]").inner_text().replace(",", "")
    assert "159800.00" in amounts
    total = page.locator("[data-testid=quote-total]").inner_text().strip().replace(",", "")
    assert total == "158800.00"
    assert SUBJECT in page.locator("[data-testid=quote-fields]").inner_text()
