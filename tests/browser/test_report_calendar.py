"""The report calendar (报表日历) in the browser, in Chinese: the marketing manager generates this
half month's competitor price tracking (竞品价格跟踪表, a report that passes an approval chain)
and submits it for approval; the GM opens the calendar and sees this month's reports, each with
its owners and state — the price tracking awaiting approval, linked to its run — and the page
fits a phone's width."""

from __future__ import annotations

import re

import pytest

from dealership.figures import local_today
from dealership.reports.registry import get_report
from dealership.tenancy import dealership_context
from tests.browser.journey import log_in
from tests.cast import build_cast
from tests.factories import UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TRACKING = "crm.price_tracking"


def _no_horizontal_overflow(page, name):
    page.wait_for_load_state("load")
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{name}: {width}px wide in a {inner}px window"


def _generated_run(dealership, period):
    from django.utils import timezone

    from dealership.models import ReportRun

    with dealership_context(dealership):
        return ReportRun.objects.create(
            dealership=dealership,
            report=TRACKING,
            department_code="crm",
            period_kind=period.kind,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            status="done",
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )


def test_the_gm_sees_the_months_reports_with_owners_and_the_one_awaiting_approval(
    page, live_server
):
    from org.approvals.services import chains_seed

    cast = build_cast()
    with dealership_context(cast.a):
        chains_seed(cast.a)
    hire(UserFactory(username="mkt_manager", name="市场经理李娜"), cast.a, "marketing_manager")
    hire(UserFactory(username="crm_head", name="客户总监周强"), cast.a, "crm_director")
    hire(UserFactory(username="deputy", name="副总经理"), cast.a, "deputy_gm")
    with dealership_context(cast.a):
        period = get_report(TRACKING).latest_period(local_today(cast.a))

    # this half month's price tracking is generated (by the calendar's job: made here directly,
    # the PDF is not what this test is about); its owner sends it up the chain
    run = _generated_run(cast.a, period)
    run_path = run.get_absolute_url()
    log_in(page, live_server, "mkt_manager")
    page.goto(f"{live_server.url}{run_path}")
    assert page.locator("[data-testid=status]").inner_text().strip() == "已生成"
    with page.expect_navigation():
        page.click("[data-testid=submit-approval]")
    assert page.locator("[data-testid=status]").inner_text().strip() == "审批中"
    assert page.locator("[data-testid=approval-link]").count() == 1

    # the GM's calendar of this month, at a phone's width
    log_in(page, live_server, "user_a")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/platform/reports/calendar/")
    assert "报表日历" in page.locator("h1").inner_text()
    calendar = page.locator("[data-testid=report-calendar]")
    rows = calendar.locator("tbody tr")
    assert rows.count() >= 10, "every report of the calendar due this month"
    titles = calendar.inner_text()
    for title in ("竞争品牌、同品牌价格跟踪表", "感谢信邮寄登记表"):
        assert title in titles, title

    tracking = calendar.locator(f"tr[data-report='{TRACKING}'][data-state=in_approval]")
    assert tracking.count() == 1
    assert "市场经理李娜" in tracking.inner_text(), "the owner is named"
    badge = tracking.locator(f"a.badge[href='{run_path}']").first
    assert badge.inner_text().strip() == "审批中"
    assert "text-bg-warning" in badge.get_attribute("class")
    assert tracking.locator("[data-testid=late]").count() == 0
    # every line says its state; the lines of the marketing reports name their owner
    for n in range(rows.count()):
        row = rows.nth(n)
        assert row.get_attribute("data-state"), row.inner_text()
        assert row.locator(".badge").first.inner_text().strip()
    _no_horizontal_overflow(page, "calendar")

    # on to the run, and the calendar of the next month at the phone's width
    badge.click()
    page.wait_for_url(re.compile(re.escape(run_path) + "$"))
    assert page.locator("[data-testid=status]").inner_text().strip() == "审批中"
    page.go_back()
    page.click("[data-testid=next-month]")
    page.wait_for_url(re.compile(r"month=\d{4}-\d{2}"))
    assert page.locator("[data-testid=report-calendar] tbody tr").count() >= 10
    _no_horizontal_overflow(page, "next month")
