"""A thank-you letter (购车感谢信) in the browser, in Chinese: yesterday's delivery gets its letter
from the daily job; the customer-relations specialist sends it for signature; the GM reads the
printable letter and signs it off from "我的审批"; the admin manager logs the mailing with the
tracking number; the month's mail log (感谢信邮寄登记表) lists it, and the letter's PDF link
answers a PDF in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from dealership.figures import local_today
from dealership.tenancy import dealership_context
from tests.browser.journey import log_in
from tests.cast import build_cast
from tests.factories import UserFactory, hire
from tests.reports.conftest import pdf_text
from tests.sales.conftest import make_customer, make_lead
from tests.sales.stock_helpers import delivery_kwargs, order_with_car

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUYER = "陈晓梅"
TRACKING = "SF1357924680"


def _delivered_yesterday(cast, consultant):
    """A car handed over yesterday by the delivery service, and the letters job run."""
    from crm.services.letters import letters_create
    from sales import services

    yesterday = local_today(cast.a) - dt.timedelta(days=1)
    buyer = make_customer(
        cast.a, consultant, name=BUYER, city="武汉市", district="洪山区", street="珞喻路100号"
    )
    lead = make_lead(cast.a, consultant, customer=buyer, stage="order")
    order, _car = order_with_car(cast.a, consultant, lead=lead)
    with dealership_context(cast.a):
        services.delivery_create(actor=consultant, **delivery_kwargs(order, delivered_on=yesterday))
        (letter,) = letters_create(day=yesterday)
    return letter


def test_a_delivery_letter_is_signed_mailed_and_logged(page, live_server):
    from org.approvals.services import chains_seed

    cast = build_cast()
    with dealership_context(cast.a):
        chains_seed(cast.a)
    consultant = UserFactory(username="consultant", name="销售顾问林晓")
    hire(consultant, cast.a, "sales_consultant")
    hire(UserFactory(username="cr", name="客户关系专员何静"), cast.a, "cr_specialist")
    hire(UserFactory(username="admin", name="行政经理马骏"), cast.a, "admin_manager")
    letter = _delivered_yesterday(cast, consultant)
    letter_url = f"{live_server.url}/crm/letters/{letter.pk}/"
    today = local_today(cast.a)

    # the specialist finds the drafted letter and sends it for signature
    log_in(page, live_server, "cr")
    page.goto(f"{live_server.url}/crm/letters/")
    row = page.locator("[data-testid=letter-table] tbody tr", has_text=BUYER)
    assert "待提交" in row.inner_text() and "新车交车" in row.inner_text()
    row.locator("[data-testid=select-letter]").check()
    with page.expect_navigation():
        page.click("[data-testid=submit-letters] button[type=submit]")
    assert "1" in page.locator("[data-testid=messages]").inner_text()
    row = page.locator("[data-testid=letter-table] tbody tr", has_text=BUYER)
    assert "待签字" in row.inner_text()
    page.goto(letter_url)
    assert "武汉市洪山区珞喻路100号" in page.locator("[data-testid=letter-fields]").inner_text()
    assert f"尊敬的{BUYER}" in page.locator("[data-testid=letter-text]").inner_text()

    # the GM reads the letter and signs it off from the inbox
    log_in(page, live_server, "user_a")
    page.goto(f"{live_server.url}/org/approvals/")
    item = page.locator("[data-testid=inbox-item]", has_text=BUYER)
    assert item.count() == 1
    item.locator("[data-testid=inbox-subject]").click()
    page.wait_for_selector("[data-testid=request-status]")
    pdf = page.request.get(f"{live_server.url}/crm/letters/{letter.pk}/pdf/")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    page.goto(f"{live_server.url}/org/approvals/")
    page.locator("[data-testid=inbox-item]", has_text=BUYER).locator(
        "[data-testid=approve]"
    ).click()
    page.wait_for_selector("[data-testid=messages]")
    assert page.locator("[data-testid=inbox-item]", has_text=BUYER).count() == 0

    # the admin manager logs the mailing
    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/crm/letters/")
    row = page.locator("[data-testid=letter-table] tbody tr", has_text=BUYER)
    assert "已签字" in row.inner_text() and "总经理" in row.inner_text()
    row.locator("a", has_text=BUYER).click()
    page.wait_for_selector("[data-testid=letter-state]")
    assert page.locator("[data-testid=letter-state]").get_attribute("data-state") == "signed"
    assert "甲店总经理" in page.locator("[data-testid=signed-by]").inner_text()
    form = page.locator("[data-testid=action-mail]")
    assert form.locator("[name=mail-mailed_on]").input_value() == f"{today:%Y-%m-%d}"
    form.locator("[name=mail-tracking_number]").fill(TRACKING)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("[data-testid=letter-state]").get_attribute("data-state") == "mailed"
    mailed = page.locator("[data-testid=mailed]").inner_text()
    assert f"{today:%Y-%m-%d}" in mailed and "行政经理马骏" in mailed and TRACKING in mailed
    assert page.locator("[data-testid=action-mail]").count() == 0

    # the printable letter: a PDF in Chinese, to the buyer
    href = page.locator("[data-testid=letter-pdf]").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    assert BUYER in pdf_text(body).replace(" ", "")

    # the month's mail log lists the letter (its page opens once the month is over)
    next_month = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    with time_machine.travel(
        dt.datetime.combine(next_month, dt.time(10, 0), tzinfo=cast.a.zoneinfo), tick=True
    ):
        log_in(page, live_server, "admin")
        page.goto(
            f"{live_server.url}/platform/reports/crm.thank_you_letter_log/?period={today:%Y-%m}"
        )
        content = page.locator("[data-testid=report-content]").inner_text()
    assert BUYER in content and TRACKING in content and "行政经理马骏" in content
