"""The approval journey in the browser, in Chinese: a sales consultant submits a payment with
its invoice; each approver of the chain logs in and approves from "我的审批"; the consultant
then sees the request approved with every step, who decided and when."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dealership.tenancy import dealership_context
from tests.browser.journey import log_in
from tests.cast import build_cast
from tests.factories import PNG_BYTES, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAIN = ["sales_director", "accountant", "finance_manager", "deputy_gm", "gm"]


def test_a_payment_goes_through_the_whole_chain_from_the_inboxes(page, live_server, tmp_path):
    cast = build_cast()
    with dealership_context(cast.a):
        from org.approvals.services import chains_seed

        chains_seed(cast.a)
    hire(UserFactory(username="consultant", name="林顾问"), cast.a, "sales_consultant")
    for code in CHAIN[:-1]:
        hire(UserFactory(username=code, name=code), cast.a, code)
    invoice = tmp_path / "发票.png"
    invoice.write_bytes(PNG_BYTES)

    log_in(page, live_server, "consultant")
    page.goto(f"{live_server.url}/finance/payments/new/")
    page.fill("[name=subject]", "展厅打印纸采购")
    page.fill("[name=amount]", "1280.50")
    page.fill("[name=payee]", "武汉文具有限公司")
    page.fill("[name=bank_name]", "招商银行")
    page.fill("[name=bank_account]", "6225880012345678")
    page.select_option("[name=category]", index=1)
    page.set_input_files("[name=invoice]", str(invoice))
    page.click("button[name=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "展厅打印纸采购" in page.content()

    for code in CHAIN:
        log_in(page, live_server, "user_a" if code == "gm" else code)
        page.goto(f"{live_server.url}/org/approvals/")
        item = page.locator("[data-testid=inbox-item]", has_text="展厅打印纸采购")
        assert item.count() == 1, code
        item.locator("[data-testid=approve]").click()
        page.wait_for_selector("[data-testid=messages]")
        assert page.locator("[data-testid=inbox-item]", has_text="展厅打印纸采购").count() == 0

    log_in(page, live_server, "consultant")
    page.goto(f"{live_server.url}/org/approvals/requests/?mine=1")
    page.click("text=展厅打印纸采购")
    page.wait_for_selector("[data-testid=request-status]")
    assert page.locator("[data-testid=request-status]").inner_text().strip() == "已通过"
    steps = page.locator("[data-testid=step]")
    assert steps.count() == len(CHAIN)
    for n in range(len(CHAIN)):
        assert steps.nth(n).get_attribute("data-status") == "approved"
        assert (
            steps.nth(n).locator("[data-testid=approver]").first.get_attribute("data-decision")
            == "approve"
        )
    # the invoice previews on the page, served only through the permission-checked view
    image = page.locator("[data-testid=attachments] img")
    assert image.count() == 1
    # waited for by reading the property (wait_for_function polls with eval: the CSP refuses it)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 2
