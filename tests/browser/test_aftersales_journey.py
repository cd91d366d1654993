"""The after-sales journey in the browser, in Chinese, at a phone's width: a service advisor of
dealership A books an appointment for a customer's car, checks the car in from it (mileage above
the last), adds a labour line and a part line, estimates the order and records the customer's
approval; the workshop supervisor assigns the job to a technician on the workshop board; the
technician clocks on and finishes on "我的工单"; the parts manager issues the part from "待发料";
the workshop supervisor passes the quality check; the advisor hands the car over and closes the
order. The order shows closed, its invoice summary is a PDF and the CRM holds exactly one
service event (for the satisfaction call) for the order.

Every page the journey opens must fit a phone's width (no horizontal scroll)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_vehicle
from tests.browser.journey import log_in, submit
from tests.cast import build_cast
from tests.factories import UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits_a_phone(page, name):
    page.wait_for_load_state("load")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide at a phone's 390px"


def _move(page, move):
    """A status move on the repair order's page: a POST button or a link to a form."""
    with page.expect_navigation():
        page.click(f"[data-testid=move-{move}]")
    errors = page.locator(".invalid-feedback, .alert-danger")
    assert errors.count() == 0, errors.all_inner_texts()


def _status(page):
    return page.locator("[data-testid=repairorder-status]").get_attribute("data-status")


def test_an_advisor_takes_a_car_from_the_appointment_to_the_closed_order(page, live_server):
    from aftersales.models import RepairLine, RepairOrder
    from crm.models import CustomerEvent

    cast = build_cast()
    hire(UserFactory(username="advisor", name="陈前台"), cast.a, "service_advisor")
    hire(UserFactory(username="supervisor", name="刘车间"), cast.a, "workshop_supervisor")
    technician = UserFactory(username="tech", name="张师傅")
    hire(technician, cast.a, "technician")
    hire(UserFactory(username="parts", name="赵配件"), cast.a, "parts_manager")
    car = make_vehicle(cast.a, name="王建国", plate="鄂A9K5K5", mileage=12000)
    part = make_part(cast.a, on_hand="10", number="26300-35505", name_zh="机油滤清器")
    page.set_viewport_size(PHONE)

    # the advisor books an appointment for the car
    log_in(page, live_server, "advisor")
    page.goto(f"{live_server.url}/aftersales/appointments/")
    _fits_a_phone(page, "appointment-list")
    page.click("[data-testid=new-appointment]")
    _fits_a_phone(page, "appointment-form")
    starts = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(minutes=30)
    page.fill("[name=vehicle]", car.plate)
    page.fill("[name=starts_at]", f"{starts:%Y-%m-%dT%H:%M}")
    page.fill("[name=ends_at]", f"{starts + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}")
    page.select_option("[name=service_type]", "maintenance_10k")
    page.fill("[name=concerns]", "一万公里保养，空调有异味")
    submit(page)
    page.wait_for_selector("[data-testid=appointment-status]")
    assert page.locator("[data-testid=appointment-fields]", has_text="王建国").count() == 1
    _fits_a_phone(page, "appointment-detail")

    # checks the car in from the appointment, mileage above the last recorded
    page.click("[data-testid=check-in]")
    _fits_a_phone(page, "checkin-form")
    assert page.input_value("[name=vehicle]") == car.plate
    page.fill("[name=mileage]", "15230")
    submit(page)
    page.wait_for_selector("[data-testid=repairorder-status]")
    order_url = page.url
    assert _status(page) == "open"
    assert page.locator("[data-testid=repairorder-fields]", has_text="15230").count() == 1
    _fits_a_phone(page, "repairorder-open")

    # a labour line and a part line
    page.click("[data-testid=add-line]")
    _fits_a_phone(page, "line-form")
    page.select_option("[name=kind]", "labour")
    page.fill("[name=description]", "更换机油机滤")
    page.fill("[name=hours]", "1.5")
    page.fill("[name=rate]", "200")
    submit(page)
    page.goto(order_url)
    page.click("[data-testid=add-line]")
    page.select_option("[name=kind]", "part")
    page.fill("[name=part]", part.number)
    page.fill("[name=quantity]", "1")
    submit(page)
    page.goto(order_url)
    lines = page.locator("[data-testid=repairorder-lines]")
    assert lines.locator("tbody tr", has_text="更换机油机滤").count() == 1
    assert lines.locator("tbody tr", has_text=part.number).count() == 1
    total = page.locator("[data-testid=total]").inner_text().strip().replace(",", "")
    assert total == "358.00"  # 1.5 h × 200 + 1 × 58
    _fits_a_phone(page, "repairorder-lines")

    # the estimate, the customer's approval
    _move(page, "estimate")
    assert _status(page) == "estimated"
    _move(page, "approve")
    _fits_a_phone(page, "approve-form")
    page.fill("[name=note]", "客户在前台签字确认")
    submit(page)
    page.goto(order_url)
    assert _status(page) == "approved"
    with dealership_context(cast.a):
        order = RepairOrder.objects.get(vehicle=car)
        job = order.jobs.get()
        part_line = RepairLine.objects.get(repair_order=order, kind="part")

    # the workshop supervisor assigns the job to the technician on the board
    log_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/aftersales/workshop/")
    _fits_a_phone(page, "workshop-board")
    card = page.locator(f"[data-testid=board-job][data-job='{job.pk}']")
    card.locator("[data-testid=assign]").click()
    _fits_a_phone(page, "assign-form")
    page.select_option("[name=technician]", str(technician.pk))
    submit(page)
    card = page.locator(f"[data-testid=board-job][data-job='{job.pk}']")
    assert "张师傅" in card.inner_text()

    # the technician clocks on and finishes on "my jobs"
    log_in(page, live_server, "tech")
    page.goto(f"{live_server.url}/aftersales/workshop/my-jobs/")
    _fits_a_phone(page, "my-jobs")
    mine = page.locator(f"[data-testid=my-job][data-job='{job.pk}']")
    with page.expect_navigation():
        mine.locator("[data-testid=clock-on]").click()
    assert page.locator("[data-testid=clocked-on]", has_text=order.number).count() == 1
    mine = page.locator(f"[data-testid=my-job][data-job='{job.pk}']")
    assert mine.locator("[data-status]").get_attribute("data-status") == "in_progress"
    _fits_a_phone(page, "my-jobs-on")
    with page.expect_navigation():
        mine.locator("[data-testid=finish]").click()
    mine = page.locator(f"[data-testid=my-job][data-job='{job.pk}']")
    assert mine.locator("[data-status]").get_attribute("data-status") == "done"

    # the parts manager issues the part line
    log_in(page, live_server, "parts")
    page.goto(f"{live_server.url}/aftersales/parts/to-issue/")
    _fits_a_phone(page, "parts-to-issue")
    with page.expect_navigation():
        page.click(f"[data-testid=issue-{part_line.pk}]")
    assert page.locator("[data-testid=errors]").count() == 0
    assert page.locator(f"[data-testid=issue-{part_line.pk}]").count() == 0

    # the workshop supervisor passes the quality check
    log_in(page, live_server, "supervisor")
    page.goto(order_url)
    assert _status(page) == "in_progress"
    _fits_a_phone(page, "repairorder-in-progress")
    _move(page, "quality_check")
    _fits_a_phone(page, "quality-check-form")
    page.check("[name=passed][value='1']")
    submit(page)
    page.goto(order_url)
    assert _status(page) == "ready"

    # the advisor hands the car over and closes the order
    log_in(page, live_server, "advisor")
    page.goto(order_url)
    _fits_a_phone(page, "repairorder-ready")
    _move(page, "close")
    page.goto(order_url)
    assert _status(page) == "closed"
    assert page.locator("[data-testid=repairorder-moves] [data-testid^=move-]").count() == 0
    _fits_a_phone(page, "repairorder-closed")
    href = page.locator("[data-testid=invoice-pdf]").get_attribute("href")
    answer = page.request.get(f"{live_server.url}{href}")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")

    with dealership_context(cast.a):
        order.refresh_from_db()
        assert order.status == "closed" and order.closed_on == timezone.localdate()
        part.refresh_from_db()
        assert part.on_hand == 9
        events = CustomerEvent.objects.filter(
            kind="service", source_type="aftersales.repairorder", source_id=order.pk
        )
        assert events.count() == 1
        event = events.get()
        assert event.customer_id == car.owner_id and event.vehicle_id == car.pk
        assert order.number in event.summary
