"""Hiring and ending an employment in Chinese (issue: the zh-Hans forms pre-filled dates as
2026/11/24, which <input type="date"> rejects, so saving said "该字段是必填项")."""

from __future__ import annotations

import re

import pytest

from dealership.tenancy import dealership_context
from org.models import Position, StaffMember
from tests.cast import build_cast
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_gm_hires_and_ends_an_employment_in_chinese(login, live_server):
    cast = build_cast()
    with dealership_context(cast.a):
        cashier = Position.objects.get(code="cashier")
    page = login("user_a", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    page.goto(f"{live_server.url}/org/staff/new/")
    start = page.locator("#id_start_date")
    assert ISO.match(start.input_value()), start.input_value()  # pre-filled, and accepted
    page.fill("#id_username", "qian.duo")
    page.fill("#id_name", "钱多多")
    page.fill("#id_employee_no", "K501")
    page.select_option("#id_positions", str(cashier.pk))
    page.click("[data-testid=service-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/org/staff/\d+/$"))
    assert page.locator("[role=alert]").inner_text().strip() == "已保存。"
    assert "钱多多" in page.locator("h1").inner_text()
    assert "da_qian.duo" in page.content()

    page.click("a[href$='/end/']")
    end = page.locator("#id_end_date")
    assert ISO.match(end.input_value()), end.input_value()
    page.click("[data-testid=service-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/org/staff/\d+/$"))
    assert "已离职" in page.locator("h1").inner_text()
    with dealership_context(cast.a):
        staff = StaffMember.objects.get(employee_no="K501")
    assert not staff.is_active and staff.end_date is not None
