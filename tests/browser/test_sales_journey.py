"""The sales journey in the browser, in Chinese, at a phone's width: a sales consultant of
dealership A records a walk-in (a new customer, opening a lead), books a test drive, quotes a
free car of the stock with an accessory and a discount within their limit, takes the order with
a deposit, records the balance paid and hands the car over. The delivery shows the customer and
the car, the lead is delivered and the CRM holds one satisfaction-call event for the customer.
A second journey: a discount above the consultant's limit waits for the sales manager, who
approves it from "我的审批"; then the consultant takes the order.

Every page the journey passes must fit a phone's width (wide tables scroll inside their
``.table-responsive``). With ``SALES_SHOTS=<folder>`` the pages are also saved there as
screenshots at phone and desktop width (to look at them)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone, translation

from dealership.tenancy import dealership_context
from tests.browser.journey import log_in, submit
from tests.cast import build_cast
from tests.factories import UserFactory, hire
from tests.sales.conftest import make_lead, make_stock, vin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = os.environ.get("SALES_SHOTS", "")


def _fits_a_phone(page, name):
    """The page has no horizontal scroll at phone width; with SALES_SHOTS saves it at phone and
    desktop width. Leaves the page at phone width."""
    page.set_viewport_size(PHONE)
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow}px wider than a phone"
    if SHOTS:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)
        page.set_viewport_size(PHONE)


def _setup(cast):
    from org.approvals.services import chains_seed
    from sales.services import discount_limits_seed

    with dealership_context(cast.a):
        chains_seed(cast.a)
        discount_limits_seed(cast.a)  # consultant 3,000 CNY, sales manager 20,000 CNY


def test_a_consultant_takes_a_walk_in_to_the_delivery(page, live_server):
    from crm.models import Customer, CustomerEvent, EventKind
    from sales.models import Stage

    cast = build_cast()
    _setup(cast)
    hire(UserFactory(username="consultant", name="林顾问"), cast.a, "sales_consultant")
    hire(UserFactory(username="manager", name="周经理"), cast.a, "sales_manager")
    car = make_stock(cast.a, vin=vin(), model="K5", colour="极光白")
    today = timezone.localdate()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "consultant")

    # a walk-in: a new customer, a lead opened
    page.goto(f"{live_server.url}/sales/traffic/new/")
    _fits_a_phone(page, "visit-form")
    page.fill("[name=name]", "王建国")
    page.fill("[name=mobile]", "13912345678")
    page.fill("[name=models_of_interest]", "K5")
    page.select_option("[name=intent]", "H")
    assert page.is_checked("[name=open_lead]")
    submit(page)
    page.goto(f"{live_server.url}/sales/traffic/")
    assert page.locator("table", has_text="王建国").count() == 1
    _fits_a_phone(page, "traffic-list")
    page.go_back()

    # open the lead, book a test drive
    page.click("[data-testid=visit-lead]")
    page.wait_for_selector("[data-testid=lead-stage]")
    lead_url = page.url
    assert page.locator("[data-testid=lead-fields]", has_text="王建国").count() == 1
    _fits_a_phone(page, "lead-detail")
    page.click("[data-testid=new-testdrive]")
    page.fill("[name=licence_number]", "420102199001011234")
    page.fill("[name=licence_expires_on]", (today + dt.timedelta(days=900)).isoformat())
    page.fill("[name=route]", "展厅—二环—展厅")
    submit(page)

    # a quote of the free stock car, an accessory, a discount within the limit
    page.goto(lead_url)
    page.click("[data-testid=new-quote]")
    page.select_option("[name=stock_vehicle]", str(car.pk))
    page.fill("[name=discount]", "2000")
    page.fill("[name=items-0-name]", "全车脚垫")
    page.fill("[name=items-0-quantity]", "1")
    page.fill("[name=items-0-unit_price]", "800")
    _fits_a_phone(page, "quote-form")
    submit(page, "[data-testid=quote-form]")
    assert page.locator("[data-testid=quote-status]").get_attribute("data-status") == "approved"
    assert page.locator("[data-testid=quote-amounts]", has_text="全车脚垫").count() == 1
    # 179,800 − 2,000 + 800
    total = page.locator("[data-testid=quote-total]").inner_text().strip().replace(",", "")
    assert total == "178600.00"

    # the order with a deposit, the balance paid with the invoice
    page.click("[data-testid=order-quote]")
    page.fill("[name=deposit]", "5000")
    submit(page)
    page.wait_for_selector("[data-testid=order-status]")
    assert car.vin in page.locator("[data-testid=order-vin]").inner_text()
    page.click("[data-testid=pay-order]")
    page.fill("[name=invoice_no]", "FP20250001")
    submit(page)
    assert page.locator("[data-testid=order-payment]", has_text="FP20250001").count() == 1
    _fits_a_phone(page, "order-detail")

    # the hand-over: documents, checklist
    page.click("[data-testid=deliver-order]")
    assert page.locator("[data-testid=delivery-problem]").count() == 0
    _fits_a_phone(page, "delivery-form")
    for box in page.locator("[name=documents], [name=checklist]").all():
        box.check()
    page.fill("[name=mileage]", "8")
    submit(page)
    fields = page.locator("[data-testid=delivery-fields]")
    assert "王建国" in fields.inner_text() and car.vin in fields.inner_text()
    _fits_a_phone(page, "delivery-detail")

    page.goto(lead_url)
    stage = page.locator("[data-testid=lead-stage]")
    assert stage.get_attribute("data-stage") == Stage.DELIVERED
    with translation.override("zh-hans"):
        assert stage.inner_text().strip() == str(Stage.DELIVERED.label)
    with dealership_context(cast.a):
        customer = Customer.objects.get(mobile="13912345678")
        assert customer.name == "王建国"
        assert CustomerEvent.objects.filter(customer=customer, kind=EventKind.SALES).count() == 1

    # the floor's pages, as the sales manager
    log_in(page, live_server, "manager")
    for name, url in (
        ("traffic-list-manager", "/sales/traffic/"),
        ("lead-list", "/sales/leads/"),
        ("order-list", "/sales/orders/"),
        ("delivery-list", "/sales/deliveries/"),
        ("stock-list", "/sales/stock/"),
        ("sales-board", "/sales/board/"),
        ("meeting-sheet", "/sales/meeting/"),
    ):
        page.goto(f"{live_server.url}{url}")
        assert page.locator("main, body").first.inner_text()
        _fits_a_phone(page, name)


def test_a_discount_above_the_limit_is_approved_by_the_sales_manager(page, live_server):
    from sales.models import Order, OrderStatus

    cast = build_cast()
    _setup(cast)
    consultant = UserFactory(username="consultant", name="林顾问")
    hire(consultant, cast.a, "sales_consultant")
    hire(UserFactory(username="manager", name="周经理"), cast.a, "sales_manager")
    lead = make_lead(cast.a, consultant, model_of_interest="K5")
    with dealership_context(cast.a):
        name = lead.customer.name = "赵大客户"
        lead.customer.save(update_fields=["name"])
    car = make_stock(cast.a, vin=vin(), model="K5")
    page.set_viewport_size(PHONE)

    log_in(page, live_server, "consultant")
    page.goto(f"{live_server.url}/sales/leads/{lead.pk}/")
    page.click("[data-testid=new-quote]")
    page.select_option("[name=stock_vehicle]", str(car.pk))
    page.fill("[name=discount]", "5000")  # above the consultant's 3,000
    submit(page, "[data-testid=quote-form]")
    quote_url = page.url
    assert page.locator("[data-testid=quote-status]").get_attribute("data-status") == "pending"
    assert page.locator("[data-testid=order-quote]").count() == 0

    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/org/approvals/")
    item = page.locator("[data-testid=inbox-item]", has_text=name)
    assert item.count() == 1
    item.locator("[data-testid=approve]").click()
    page.wait_for_selector("[data-testid=messages]")
    assert page.locator("[data-testid=inbox-item]", has_text=name).count() == 0

    log_in(page, live_server, "consultant")
    page.goto(quote_url)
    assert page.locator("[data-testid=quote-status]").get_attribute("data-status") == "approved"
    page.click("[data-testid=order-quote]")
    page.fill("[name=deposit]", "10000")
    submit(page)
    assert page.locator("[data-testid=order-status]").count() == 1
    with dealership_context(cast.a):
        order = Order.objects.get(lead_id=lead.pk)
        assert order.status == OrderStatus.OPEN and order.stock_vehicle_id == car.pk
        assert order.deposit == 10000
