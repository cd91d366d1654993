"""Pages and API of the service front desk: status codes, forms and 400s naming the field, who
sees and changes what (advisor own, technician their jobs' orders, supervisor and manager the
department, sales 403, HQ read-only, another dealership 404), masked phones, the invoice PDF,
constant list queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.models import Appointment, Job, RepairOrder, RepairStatus, Rescue, ServiceType
from crm.models import CustomerEvent
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_repair_order, make_vehicle
from tests.aftersales.test_repairs_services import (
    _book,
    _rescue,
    checkin,
    labour,
    ready_order,
)

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/api/v1/aftersales/appointments/"
ORDERS = "/api/v1/aftersales/repair-orders/"
RESCUES = "/api/v1/aftersales/rescues/"
NOW = timezone.now


def _local(value):
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"


# --- pages --------------------------------------------------------------------------------------


def test_pages_answer_200(cast, staff, client_for):
    order = checkin(staff.advisor, cast.a)
    labour(staff.advisor, cast.a, order)
    appointment = _book(staff.advisor, cast.a)
    rescue = _rescue(staff.advisor, cast.a, vehicle=order.vehicle_id)
    client = client_for(staff.advisor)
    with dealership_context(cast.a):
        line = order.lines.first()
    for url in (
        "/aftersales/repair-orders/",
        f"/aftersales/repair-orders/?q={order.number}&status=all&service_type=repair&advisor="
        f"{staff.advisor.pk}&date_from={timezone.localdate()}&date_to={timezone.localdate()}"
        "&sort=-total",
        "/aftersales/repair-orders/new/",
        f"/aftersales/repair-orders/new/?appointment={appointment.pk}",
        f"/aftersales/repair-orders/new/?vehicle={order.vehicle_id}",
        f"/aftersales/repair-orders/{order.pk}/",
        f"/aftersales/repair-orders/{order.pk}/edit/",
        f"/aftersales/repair-orders/{order.pk}/estimate/",
        f"/aftersales/repair-orders/{order.pk}/approve/",
        f"/aftersales/repair-orders/{order.pk}/quality-check/",
        f"/aftersales/repair-orders/{order.pk}/cancel/",
        f"/aftersales/repair-orders/{order.pk}/lines/new/",
        f"/aftersales/repair-lines/{line.pk}/remove/",
        "/aftersales/appointments/",
        f"/aftersales/appointments/?day={timezone.localdate()}&status=booked&service_type=repair",
        "/aftersales/appointments/new/",
        f"/aftersales/appointments/{appointment.pk}/",
        f"/aftersales/appointments/{appointment.pk}/edit/",
        f"/aftersales/appointments/{appointment.pk}/cancel/",
        "/aftersales/rescues/",
        "/aftersales/rescues/?result=open&q=G4",
        "/aftersales/rescues/new/",
        f"/aftersales/rescues/{rescue.pk}/",
        f"/aftersales/rescues/{rescue.pk}/edit/",
        f"/aftersales/rescues/{rescue.pk}/repair-order/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/aftersales/repair-orders/{order.pk}/").content.decode()
    assert 'data-testid="move-estimate"' in page and 'data-testid="add-line"' in page
    assert (
        'data-testid="service-tabs"' in page
        or "service-tabs" in client.get("/aftersales/repair-orders/").content.decode()
    )


def test_checkin_page_creates_the_order_and_names_bad_fields(cast, staff, client_for):
    vehicle = make_vehicle(cast.a, mileage=5000, plate="鄂A12345")
    client = client_for(staff.advisor)
    data = {
        "vehicle": "鄂A12345",
        "mileage": "4000",
        "service_type": ServiceType.MAINTENANCE_5K,
        "concerns": "5k service",
        "walk_around": ["scratches"],
    }
    response = client.post("/aftersales/repair-orders/new/", data)
    assert response.status_code == 400
    assert "5,000" in response.content.decode()
    response = client.post("/aftersales/repair-orders/new/", {**data, "vehicle": "鄂Z99999"})
    assert response.status_code == 400 and "No vehicle" in response.content.decode()
    with dealership_context(cast.a):
        assert not RepairOrder.objects.exists()
    response = client.post("/aftersales/repair-orders/new/", {**data, "mileage": "5200"})
    assert response.status_code == 302
    with dealership_context(cast.a):
        order = RepairOrder.objects.get()
    assert order.vehicle_id == vehicle.pk and response["Location"] == order.get_absolute_url()


def test_appointment_check_in_link_prefills_the_form(cast, staff, client_for):
    vehicle = make_vehicle(cast.a, plate="鄂A54321")
    appointment = _book(staff.advisor, cast.a, vehicle, concerns="brakes squeak")
    client = client_for(staff.advisor)
    page = client.get(f"/aftersales/appointments/{appointment.pk}/").content.decode()
    assert f"/aftersales/repair-orders/new/?appointment={appointment.pk}" in page
    form = client.get(f"/aftersales/repair-orders/new/?appointment={appointment.pk}")
    text = form.content.decode()
    assert "鄂A54321" in text and "brakes squeak" in text
    response = client.post(
        f"/aftersales/repair-orders/new/?appointment={appointment.pk}",
        {
            "vehicle": "鄂A54321",
            "mileage": "13000",
            "service_type": ServiceType.MAINTENANCE_10K,
            "concerns": "brakes squeak",
            "appointment": appointment.pk,
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert Appointment.objects.get(pk=appointment.pk).status == "arrived"


def test_line_and_move_pages(cast, staff, client_for):
    order = checkin(staff.advisor, cast.a)
    part = make_part(cast.a, on_hand="1")
    client = client_for(staff.advisor)
    url = f"/aftersales/repair-orders/{order.pk}/lines/new/"
    response = client.post(url, {"kind": "part", "part": part.number, "quantity": "2"})
    assert response.status_code == 400 and "Only 1" in response.content.decode()
    response = client.post(url, {"kind": "part", "part": "NOPE", "quantity": "1"})
    assert response.status_code == 400 and "No part" in response.content.decode()
    assert (
        client.post(url, {"kind": "labour", "description": "Oil", "hours": "1", "rate": "300"})[
            "Location"
        ]
        == order.get_absolute_url()
    )
    response = client.post(f"/aftersales/repair-orders/{order.pk}/start/")
    assert response.status_code == 400 and "cannot be started" in response.content.decode()
    assert client.post(f"/aftersales/repair-orders/{order.pk}/estimate/").status_code == 302
    response = client.post(f"/aftersales/repair-orders/{order.pk}/approve/", {"note": ""})
    assert response.status_code == 400
    assert (
        client.post(f"/aftersales/repair-orders/{order.pk}/approve/", {"note": "phone"}).status_code
        == 302
    )
    with dealership_context(cast.a):
        assert RepairOrder.objects.get(pk=order.pk).status == RepairStatus.APPROVED


def test_appointment_and_rescue_forms(cast, staff, client_for):
    make_vehicle(cast.a, plate="鄂A11111")
    client = client_for(staff.advisor)
    start = NOW() + dt.timedelta(days=1)
    data = {
        "vehicle": "鄂A11111",
        "starts_at": _local(start),
        "ends_at": _local(start - dt.timedelta(hours=1)),
        "service_type": ServiceType.REPAIR,
    }
    response = client.post("/aftersales/appointments/new/", data)
    assert response.status_code == 400 and "end after" in response.content.decode()
    data["ends_at"] = _local(start + dt.timedelta(hours=1))
    assert client.post("/aftersales/appointments/new/", data).status_code == 302
    rescue = {
        "called_at": _local(NOW() + dt.timedelta(hours=2)),
        "caller_name": "张",
        "caller_phone": "13800138000",
        "location": "路口",
        "problem": "no start",
    }
    response = client.post("/aftersales/rescues/new/", rescue)
    assert response.status_code == 400 and "future" in response.content.decode()
    rescue["called_at"] = _local(NOW() - dt.timedelta(minutes=10))
    assert client.post("/aftersales/rescues/new/", rescue).status_code == 302
    with dealership_context(cast.a):
        assert Appointment.objects.count() == 1 and Rescue.objects.count() == 1


def test_invoice_pdf_for_ready_and_closed_orders(cast, staff, client_for):
    order = ready_order(staff, cast)
    client = client_for(staff.advisor)
    response = client.get(f"/aftersales/repair-orders/{order.pk}/invoice.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    open_order = checkin(staff.advisor, cast.a)
    estimate = client.get(f"/aftersales/repair-orders/{open_order.pk}/invoice.pdf")
    assert estimate.status_code == 200 and "estimate" in estimate["Content-Disposition"]
    assert "invoice" in response["Content-Disposition"]
    assert (
        client_for(staff.advisor2)
        .get(f"/aftersales/repair-orders/{order.pk}/invoice.pdf")
        .status_code
        == 404
    )


def test_close_from_the_page_records_one_event(cast, staff, client_for):
    order = ready_order(staff, cast)
    client = client_for(staff.advisor)
    assert client.post(f"/aftersales/repair-orders/{order.pk}/close/").status_code == 302
    assert client.post(f"/aftersales/repair-orders/{order.pk}/close/").status_code == 400
    with dealership_context(cast.a):
        assert CustomerEvent.objects.filter(kind="service").count() == 1


# --- who sees what ------------------------------------------------------------------------------


def test_who_sees_and_changes_repair_orders(cast, staff, client_for):
    mine = checkin(staff.advisor, cast.a)
    labour(staff.advisor, cast.a, mine)
    other = checkin(staff.advisor2, cast.a)
    with dealership_context(cast.a):
        Job.objects.filter(repair_order=mine).update(technician=staff.technician)
    detail = f"/aftersales/repair-orders/{mine.pk}/"
    estimate = f"/aftersales/repair-orders/{mine.pk}/estimate/"

    def listed(user):
        page = client_for(user).get("/aftersales/repair-orders/")
        assert page.status_code == 200
        text = page.content.decode()
        return {o.number for o in (mine, other) if o.number in text}

    assert listed(staff.advisor) == {mine.number}
    assert listed(staff.advisor2) == {other.number}
    assert listed(staff.technician) == {mine.number}
    assert listed(staff.technician2) == set()
    for user in (staff.workshop_supervisor, staff.service_manager, staff.gm):
        assert listed(user) == {mine.number, other.number}, user
    assert client_for(staff.advisor2).get(detail).status_code == 404
    assert client_for(staff.technician).get(detail).status_code == 200
    assert client_for(staff.technician).post(estimate).status_code == 403
    assert (
        'data-testid="move-estimate"'
        not in client_for(staff.technician).get(detail).content.decode()
    )
    assert client_for(staff.technician2).get(detail).status_code == 404
    assert client_for(staff.sales_consultant).get("/aftersales/repair-orders/").status_code == 403
    assert client_for(staff.sales_consultant).get(detail).status_code == 403
    assert client_for(cast.user_b).get(detail).status_code == 404
    assert client_for(staff.service_manager).post(estimate).status_code == 302


def test_hq_reads_but_does_not_write(cast, staff, client_for, api_for):
    order = checkin(staff.advisor, cast.a)
    labour(staff.advisor, cast.a, order)
    client = client_for(cast.hq_user)
    assert client.get(f"/aftersales/repair-orders/{order.pk}/").status_code == 200
    assert client.post(f"/aftersales/repair-orders/{order.pk}/estimate/").status_code == 403
    assert client.get("/aftersales/repair-orders/new/").status_code == 403
    api = api_for(cast.hq_user)
    assert api.get(f"{ORDERS}{order.pk}/").status_code == 200
    assert api.post(f"{ORDERS}{order.pk}/estimate/").status_code == 403
    with dealership_context(cast.a):
        assert RepairOrder.objects.get(pk=order.pk).status == RepairStatus.OPEN


def test_appointments_and_rescues_scoped(cast, staff, client_for):
    mine = _book(staff.advisor, cast.a)
    theirs = _book(staff.advisor2, cast.a)
    rescue = _rescue(staff.advisor2, cast.a)
    assert (
        client_for(staff.advisor).get(f"/aftersales/appointments/{theirs.pk}/").status_code == 404
    )
    assert client_for(staff.advisor).get(f"/aftersales/appointments/{mine.pk}/").status_code == 200
    assert (
        client_for(staff.service_manager).get(f"/aftersales/appointments/{theirs.pk}/").status_code
        == 200
    )
    assert client_for(staff.advisor).get(f"/aftersales/rescues/{rescue.pk}/").status_code == 404
    assert (
        client_for(staff.service_manager).get(f"/aftersales/rescues/{rescue.pk}/").status_code
        == 200
    )
    assert client_for(staff.sales_consultant).get("/aftersales/appointments/").status_code == 403
    assert client_for(staff.sales_consultant).get("/aftersales/rescues/").status_code == 403
    assert client_for(cast.user_b).get(f"/aftersales/appointments/{mine.pk}/").status_code == 404


# --- API ----------------------------------------------------------------------------------------


def test_api_checkin_lines_moves_and_close(cast, staff, api_for):
    vehicle = make_vehicle(cast.a, mobile="13800138000", mileage=1000)
    part = make_part(cast.a, on_hand="2")
    api = api_for(staff.advisor)
    response = api.post(
        ORDERS,
        {"vehicle": vehicle.pk, "mileage": 900, "service_type": "repair", "concerns": "noise"},
        format="json",
    )
    assert response.status_code == 400
    assert "mileage" in response.json()["error"]["fields"]
    response = api.post(
        ORDERS,
        {"vehicle": vehicle.pk, "mileage": 1200, "service_type": "repair", "concerns": "noise"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    pk = body["id"]
    assert body["type"] == "repair" and body["status"] == "open" and body["closed_on"] is None
    assert body["customer"]["mobile"] == "13800138000"
    assert body["vehicle"]["vin"] == vehicle.vin
    response = api.post(
        f"{ORDERS}{pk}/lines/", {"kind": "part", "part": part.pk, "quantity": "3"}, format="json"
    )
    assert response.status_code == 400 and "quantity" in response.json()["error"]["fields"]
    response = api.post(
        f"{ORDERS}{pk}/lines/",
        {"kind": "labour", "description": "Diagnose", "hours": "1", "rate": "200"},
        format="json",
    )
    assert response.status_code == 201 and len(response.json()["lines"]) == 1
    assert response.json()["total"] == "200.00"
    response = api.post(f"{ORDERS}{pk}/start/")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    assert api.post(f"{ORDERS}{pk}/estimate/").json()["status"] == "estimated"
    response = api.post(f"{ORDERS}{pk}/approve/", {}, format="json")
    assert response.status_code == 400 and "note" in response.json()["error"]["fields"]
    assert api.post(f"{ORDERS}{pk}/approve/", {"note": "ok"}, format="json").status_code == 200
    assert api.post(f"{ORDERS}{pk}/start/").json()["status"] == "in_progress"
    response = api.post(f"{ORDERS}{pk}/quality-check/", {"passed": True}, format="json")
    assert response.status_code == 400 and "jobs" in response.json()["error"]["fields"]
    with dealership_context(cast.a):
        Job.objects.filter(repair_order_id=pk).update(status="done")
    assert (
        api.post(f"{ORDERS}{pk}/quality-check/", {"passed": True}, format="json").json()["status"]
        == "ready"
    )
    body = api.post(f"{ORDERS}{pk}/close/").json()
    assert body["status"] == "closed" and body["closed_on"] == str(timezone.localdate())
    assert api.post(f"{ORDERS}{pk}/close/").status_code == 400
    assert api.post(f"{ORDERS}{pk}/cancel/", {"reason": "x"}, format="json").status_code == 400
    with dealership_context(cast.a):
        assert CustomerEvent.objects.count() == 1


def test_api_masks_phones_and_scopes(cast, staff, api_for):
    vehicle = make_vehicle(cast.a, mobile="13800138000")
    order = checkin(staff.advisor, cast.a, vehicle)
    labour(staff.advisor, cast.a, order)
    with dealership_context(cast.a):
        Job.objects.filter(repair_order=order).update(technician=staff.technician)
    assert api_for(staff.technician).get(f"{ORDERS}{order.pk}/").status_code == 200
    body = api_for(cast.hq_user).get(f"{ORDERS}{order.pk}/").json()
    assert body["customer"]["mobile"] == "138****8000"
    assert api_for(staff.advisor2).get(f"{ORDERS}{order.pk}/").status_code == 404
    assert api_for(cast.user_b).get(f"{ORDERS}{order.pk}/").status_code == 404
    assert api_for(staff.sales_consultant).get(ORDERS).status_code == 403
    listed = api_for(staff.advisor2).get(ORDERS).json()
    assert len(listed["results"]) == 0
    assert (
        len(api_for(staff.advisor).get(f"{ORDERS}?status=all&q={order.number}").json()["results"])
        == 1
    )


def test_api_appointments_and_rescues(cast, staff, api_for):
    vehicle = make_vehicle(cast.a)
    api = api_for(staff.advisor)
    start = NOW() + dt.timedelta(days=2)
    response = api.post(
        APPOINTMENTS,
        {
            "vehicle": vehicle.pk,
            "starts_at": start.isoformat(),
            "ends_at": start.isoformat(),
            "service_type": "repair",
        },
        format="json",
    )
    assert response.status_code == 400 and "ends_at" in response.json()["error"]["fields"]
    response = api.post(
        APPOINTMENTS,
        {
            "vehicle": vehicle.pk,
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "service_type": "repair",
        },
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert len(api.get(APPOINTMENTS).json()["results"]) == 1
    response = api.post(f"{APPOINTMENTS}{pk}/cancel/", {"reason": "busy"}, format="json")
    assert response.json()["status"] == "cancelled"
    response = api.post(
        RESCUES,
        {
            "called_at": (NOW() - dt.timedelta(minutes=5)).isoformat(),
            "caller_name": "赵",
            "caller_phone": "1380013",
            "location": "x",
            "problem": "y",
        },
        format="json",
    )
    assert response.status_code == 400 and "caller_phone" in response.json()["error"]["fields"]
    response = api.post(
        RESCUES,
        {
            "called_at": (NOW() - dt.timedelta(minutes=5)).isoformat(),
            "caller_name": "赵",
            "caller_phone": "13800138000",
            "location": "x",
            "problem": "y",
            "vehicle": vehicle.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    rescue = response.json()["id"]
    response = api.post(f"{RESCUES}{rescue}/repair-order/", {"mileage": 50000}, format="json")
    assert response.status_code == 201 and response.json()["repair_order"]
    assert len(api.get(RESCUES).json()["results"]) == 1


# --- constant queries ---------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, staff, client_for, api_for):
    client = client_for(staff.service_manager)
    api = api_for(staff.service_manager)
    urls = [
        "/aftersales/repair-orders/?status=all",
        "/aftersales/appointments/",
        "/aftersales/rescues/",
    ]
    api_urls = [f"{ORDERS}?status=all", APPOINTMENTS, RESCUES]

    def add(n):
        for i in range(n):
            advisor = staff.advisor if i % 2 else staff.advisor2
            vehicle = make_vehicle(cast.a)
            order = make_repair_order(cast.a, advisor, vehicle)
            with dealership_context(cast.a):
                from aftersales.models import RepairLine

                RepairLine.objects.create(
                    dealership=cast.a, repair_order=order, kind="sublet", description="x"
                )
                Appointment.objects.create(
                    dealership=cast.a,
                    customer=vehicle.owner,
                    vehicle=vehicle,
                    advisor=advisor,
                    starts_at=NOW() + dt.timedelta(hours=i + 1),
                    ends_at=NOW() + dt.timedelta(hours=i + 2),
                    service_type="repair",
                )
                Rescue.objects.create(
                    dealership=cast.a,
                    called_at=NOW() - dt.timedelta(hours=i + 1),
                    caller_name="x",
                    caller_phone="13800138000",
                    location="y",
                    problem="z",
                    vehicle=vehicle,
                    customer=vehicle.owner,
                    dispatched=advisor,
                    created_by=advisor,
                    repair_order=order,
                )

    add(10)
    small = [_queries(client, u) for u in urls] + [
        _queries(api, f"{u}{'&' if '?' in u else '?'}page_size=10") for u in api_urls
    ]
    add(40)
    large = [_queries(client, u + ("&" if "?" in u else "?") + "per_page=50") for u in urls] + [
        _queries(api, f"{u}{'&' if '?' in u else '?'}page_size=50") for u in api_urls
    ]
    assert small == large
