"""The marketing event journey in the browser, in Chinese: a marketing specialist of dealership A
proposes a test-drive event (purpose, theme, time, place, audience, publicity, budget, expected
effect) and sends it for approval; the CRM director approves it from the request's page (the
deputy GM and the GM after them); the specialist writes the execution plan, invites the
owner-club members, records a member's reply and keeps the contract photo for the OEM's
reimbursement. Every page fits a phone's width."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealership.tenancy import dealership_context
from tests.browser.journey import log_in, submit
from tests.cast import build_cast
from tests.factories import UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def _fits_a_phone(page, name):
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow}px wider than a phone"


def test_a_specialist_proposes_an_event_gets_it_approved_and_invites_the_club(page, live_server):
    from crm.models import EventInvitation, MarketingEvent, Membership
    from org.approvals import services as approvals
    from org.approvals.services import chains_seed
    from tests.crm.conftest import make_owner

    cast = build_cast()
    with dealership_context(cast.a):
        chains_seed(cast.a)
    hire(UserFactory(username="planner", name="马专员"), cast.a, "marketing_specialist")
    hire(UserFactory(username="director", name="陈总监"), cast.a, "crm_director")
    deputy = UserFactory(username="deputy", name="副总")
    hire(deputy, cast.a, "deputy_gm")
    members = [make_owner(cast.a, name=name) for name in ("车友甲", "车友乙")]
    with dealership_context(cast.a):
        for number, member in enumerate(members):
            Membership.objects.create(
                dealership=cast.a,
                customer=member,
                member_no=f"C{number}",
                joined_on=dt.date(2026, 1, 1),
            )
    start = timezone.localtime() + dt.timedelta(days=6)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "planner")

    # the proposal
    page.goto(f"{live_server.url}/crm/marketing/events/new/")
    _fits_a_phone(page, "event-form")
    page.select_option("[name=kind]", "sales")
    page.fill("[name=theme]", "新车品鉴试驾会")
    page.fill("[name=purpose]", "新款上市，邀约老车主和意向客户")
    page.fill("[name=starts_at]", f"{start:%Y-%m-%dT14:00}")
    page.fill("[name=ends_at]", f"{start:%Y-%m-%dT18:00}")
    page.fill("[name=place]", "展厅")
    page.fill("[name=audience]", "车友会会员、意向客户")
    page.fill("[name=publicity]", "抖音预告、短信邀约")
    page.fill("[name=budget]", "8000")
    page.fill("[name=expected_effect]", "到店50批，留资30个")
    page.fill("[name=expected_attendance]", "50")
    page.fill("[name=expected_leads]", "30")
    submit(page, "[data-testid=service-form]")
    page.wait_for_selector("[data-testid=event-state]")
    event_url = page.url
    assert page.locator("[data-testid=event-state]").get_attribute("data-state") == "draft"
    _fits_a_phone(page, "event-draft")

    # sent for approval
    page.click("[data-testid=event-submit]")
    submit(page, "[data-testid=confirm-form]")
    assert page.locator("[data-testid=event-state]").get_attribute("data-state") == "submitted"
    request_url = page.locator("[data-testid=event-request]").get_attribute("href")

    # the CRM director approves from the request's page; the deputy GM and the GM after them
    log_in(page, live_server, "director")
    page.goto(f"{live_server.url}{request_url}")
    assert page.locator("[data-testid=marketing-event]", has_text="新车品鉴试驾会").count() == 1
    page.locator("[data-testid=decide-form] [data-testid=approve]").click()
    page.wait_for_load_state("load")
    with dealership_context(cast.a):
        event = MarketingEvent.objects.get(theme="新车品鉴试驾会")
        for approver in (deputy, cast.user_a):
            approvals.request_decide(
                actor=approver, request_id=event.request_id, decision="approve", comment=""
            )

    # the specialist: the execution plan, the club invited, a reply, the contract photo
    log_in(page, live_server, "planner")
    page.goto(event_url)
    assert page.locator("[data-testid=event-state]").get_attribute("data-state") == "approved"
    page.click("[data-testid=event-plan]")
    page.fill("[name=execution_plan]", "13:00 签到；14:00 发布；14:30 试驾")
    submit(page, "[data-testid=service-form]")
    page.goto(event_url)
    assert "13:00 签到" in page.locator("[data-testid=event-execution-plan]").inner_text()
    submit(page, "[data-testid=invite-members-form]")
    assert page.locator("[data-testid=invitation-row]").count() == 2
    assert "2" in page.locator("[data-testid=count-invited]").inner_text()
    row = page.locator("[data-testid=invitation-row]", has_text="车友甲")
    row.locator("select[name=reply]").select_option("accepted")
    row.locator("input[name=guests]").fill("2")
    with page.expect_navigation():
        row.locator("[data-testid=reply-save]").click()
    accepted = page.locator("[data-testid=invitation-row]", has_text="车友甲")
    assert accepted.locator("[data-testid=invitation-reply]").get_attribute("data-reply") == (
        "accepted"
    )
    page.select_option("[data-testid=evidence-form] [name=kind]", "contract")
    page.set_input_files(
        "[data-testid=evidence-form] [name=file]",
        files=[{"name": "合同.png", "mimeType": "image/png", "buffer": PNG}],
    )
    submit(page, "[data-testid=evidence-form]")
    assert page.locator("[data-testid=evidence-file]", has_text="合同.png").count() == 1
    _fits_a_phone(page, "event-approved")
    with dealership_context(cast.a):
        assert EventInvitation.objects.filter(event=event, reply="accepted", guests=2).count() == 1
