"""Stock, delivery and allocation pages and API: status codes, forms, 400s naming the field,
who sees and changes what, masked phones, the photo download, constant list queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import CustomerEvent
from dealership.tenancy import dealership_context
from sales.models import AllocationRequest, Delivery, StockStatus, StockVehicle
from tests.sales.conftest import make_stock, vin
from tests.sales.stock_helpers import delivery_kwargs, make_order, order_with_car, photo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
STOCK = "/api/v1/sales/stock/"
DELIVERIES = "/api/v1/sales/deliveries/"
ALLOCATIONS = "/api/v1/sales/allocations/"


def _next_month():
    return (TODAY().replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _deliver(user, dealership, order, **overrides):
    from sales import services

    with dealership_context(dealership):
        return services.delivery_create(actor=user, **delivery_kwargs(order, **overrides))


def _allocation(cast, staff):
    from sales import services

    make_order(cast.a, staff.consultant, factory=True)
    with dealership_context(cast.a):
        return services.allocation_create(actor=staff.sales_manager, month=_next_month())


# --- pages --------------------------------------------------------------------------------------


def test_pages_answer_200(cast, staff, client_for):
    car = make_stock(cast.a, status=StockStatus.IN_TRANSIT, ordered_on=TODAY())
    order, _ = order_with_car(cast.a, staff.consultant)
    other, _ = order_with_car(cast.a, staff.consultant)
    delivery = _deliver(staff.consultant, cast.a, order)
    allocation = _allocation(cast, staff)
    client = client_for(staff.sales_manager)
    for url in (
        "/sales/stock/",
        "/sales/stock/?q=LVG&status=in_stock&model=K5&colour=白&age=0-30&sort=age",
        "/sales/stock/?age=90%2B&sort=-arrival",
        "/sales/stock/new/",
        f"/sales/stock/{car.pk}/",
        f"/sales/stock/{car.pk}/edit/",
        f"/sales/stock/{car.pk}/arrive/",
        "/sales/deliveries/",
        f"/sales/deliveries/?q=张&date_from={TODAY()}&date_to={TODAY()}&consultant={staff.consultant.pk}",
        f"/sales/deliveries/{delivery.pk}/",
        f"/sales/orders/{other.pk}/deliver/",
        "/sales/allocations/",
        "/sales/allocations/?status=draft",
        "/sales/allocations/new/",
        f"/sales/allocations/{allocation.pk}/",
    ):
        assert client.get(url).status_code == 200, url


def test_stock_list_filters_by_age_and_counts_by_status(cast, staff, client_for):
    old = make_stock(cast.a, arrived_on=TODAY() - dt.timedelta(days=95))
    young = make_stock(cast.a, arrived_on=TODAY() - dt.timedelta(days=5))
    make_stock(cast.a, status=StockStatus.IN_TRANSIT)
    client = client_for(staff.consultant)

    def listed(**params):
        response = client.get("/sales/stock/", params)
        return [row.record.pk for row in response.context["table"].page.object_list]

    assert listed(age="90+") == [old.pk]
    assert listed(age="0-30") == [young.pk]
    assert listed(age="31-60") == []
    assert listed(sort="age")[:2] == [old.pk, young.pk]
    assert listed(q=young.vin[-6:]) == [young.pk]
    counts = {v: n for v, _label, n in client.get("/sales/stock/").context["counts"]}
    assert counts["in_stock"] == 2 and counts["in_transit"] == 1 and counts["sold"] == 0


def test_receive_a_car_on_the_page(cast, staff, client_for):
    client = client_for(staff.sales_info_clerk)
    data = {
        "vin": vin(3),
        "model": "K5",
        "cost": "150000",
        "list_price": "179800",
        "in_transit": "0",
        "arrived_on": str(TODAY()),
    }
    response = client.post("/sales/stock/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    response = client.post("/sales/stock/new/", data)  # the same VIN again
    assert response.status_code == 400
    assert "vin" in response.context["form"].errors
    response = client.post("/sales/stock/new/", {**data, "vin": vin(4), "arrived_on": ""})
    assert response.status_code == 400 and "arrived_on" in response.context["form"].errors
    with dealership_context(cast.a):
        assert StockVehicle.objects.count() == 1


def test_arrive_on_the_page(cast, staff, client_for):
    car = make_stock(cast.a, status=StockStatus.IN_TRANSIT, ordered_on=TODAY() - dt.timedelta(3))
    client = client_for(staff.sales_manager)
    response = client.post(
        f"/sales/stock/{car.pk}/arrive/", {"arrived_on": str(TODAY() + dt.timedelta(days=1))}
    )
    assert response.status_code == 400 and "arrived_on" in response.context["form"].errors
    response = client.post(f"/sales/stock/{car.pk}/arrive/", {"arrived_on": str(TODAY())})
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert StockVehicle.objects.get(pk=car.pk).status == StockStatus.IN_STOCK


def test_consultant_sees_the_stock_but_cannot_change_it(cast, staff, client_for, api_for):
    car = make_stock(cast.a)
    client = client_for(staff.consultant)
    assert client.get("/sales/stock/").status_code == 200
    page = client.get(f"/sales/stock/{car.pk}/")
    assert page.status_code == 200 and f"/sales/stock/{car.pk}/edit/" not in page.content.decode()
    assert "/sales/stock/new/" not in client.get("/sales/stock/").content.decode()
    assert client.get("/sales/stock/new/").status_code == 403
    assert client.get(f"/sales/stock/{car.pk}/edit/").status_code == 403
    assert client.post(f"/sales/stock/{car.pk}/arrive/", {"arrived_on": TODAY()}).status_code == 403
    api = api_for(staff.consultant)
    assert api.get(f"{STOCK}{car.pk}/").status_code == 200
    assert api.patch(f"{STOCK}{car.pk}/", {"colour": "黑"}, format="json").status_code == 403
    assert api.post(STOCK, {"vin": vin(), "model": "K5"}, format="json").status_code == 403
    assert client.get("/sales/allocations/new/").status_code == 403
    # the CR specialist has no sales rights; another dealership sees nothing
    assert client_for(staff.cr_specialist).get("/sales/stock/").status_code == 403
    assert client_for(staff.cr_specialist).get(f"/sales/stock/{car.pk}/").status_code == 403
    assert client_for(cast.user_b).get(f"/sales/stock/{car.pk}/").status_code == 404
    assert api_for(cast.user_b).get(f"{STOCK}{car.pk}/").status_code == 404


def test_hq_reads_but_cannot_write(cast, staff, client_for, api_for):
    car = make_stock(cast.a)
    order, _ = order_with_car(cast.a, staff.consultant)
    delivery = _deliver(staff.consultant, cast.a, order)
    other, _ = order_with_car(cast.a, staff.consultant)
    hq = client_for(cast.hq_user)
    stock_list = hq.get("/sales/stock/")
    if stock_list.status_code == 200:  # HQ's position grants reading the stock
        assert hq.get(f"/sales/stock/{car.pk}/").status_code == 200
    assert hq.get("/sales/stock/new/").status_code == 403
    assert hq.post(f"/sales/stock/{car.pk}/arrive/", {"arrived_on": TODAY()}).status_code == 403
    assert hq.post(f"/sales/orders/{other.pk}/deliver/", {}).status_code == 403
    assert (
        api_for(cast.hq_user)
        .post(DELIVERIES, {"order": other.pk, "delivered_on": str(TODAY())}, format="json")
        .status_code
        == 403
    )
    if hq.get("/sales/deliveries/").status_code == 200:
        assert hq.get(f"/sales/deliveries/{delivery.pk}/").status_code == 200


def test_deliver_on_the_page(cast, staff, client_for, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    order, car = order_with_car(cast.a, staff.consultant)
    client = client_for(staff.consultant)
    assert client.get(f"/sales/orders/{order.pk}/deliver/").status_code == 200
    bad = client.post(
        f"/sales/orders/{order.pk}/deliver/",
        {"delivered_on": str(TODAY() + dt.timedelta(days=1)), "documents": ["invoice"]},
    )
    assert bad.status_code == 400 and "delivered_on" in bad.context["form"].errors
    response = client.post(
        f"/sales/orders/{order.pk}/deliver/",
        {
            "delivered_on": str(TODAY()),
            "documents": ["invoice", "conformity"],
            "checklist": ["exterior"],
            "mileage": "8",
            "photo": photo(),
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        delivery = Delivery.objects.get(order=order)
        assert CustomerEvent.objects.filter(source_id=delivery.pk).count() == 1
    assert response.url == f"/sales/deliveries/{delivery.pk}/"
    detail = client.get(response.url)
    assert detail.status_code == 200 and car.vin in detail.content.decode()
    picture = client.get(f"/sales/deliveries/{delivery.pk}/photo/")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content).startswith(b"\x89PNG")
    assert (
        client_for(staff.consultant2).get(f"/sales/deliveries/{delivery.pk}/photo/").status_code
        == 404
    )
    assert client_for(cast.user_b).get(f"/sales/deliveries/{delivery.pk}/photo/").status_code == 404
    again = client.post(f"/sales/orders/{order.pk}/deliver/", {"delivered_on": str(TODAY())})
    assert again.status_code == 400 and "already been delivered" in again.content.decode()


def test_factory_order_without_a_car_cannot_be_delivered_on_the_page(cast, staff, client_for):
    order = make_order(cast.a, staff.consultant, factory=True)
    client = client_for(staff.consultant)
    page = client.get(f"/sales/orders/{order.pk}/deliver/")
    assert page.status_code == 200 and "no vehicle in stock" in page.content.decode()
    response = client.post(f"/sales/orders/{order.pk}/deliver/", {"delivered_on": str(TODAY())})
    assert response.status_code == 400


def test_who_sees_which_deliveries(cast, staff, client_for, api_for):
    mine, _ = order_with_car(cast.a, staff.consultant)
    theirs, _ = order_with_car(cast.a, staff.consultant2)
    d1 = _deliver(staff.consultant, cast.a, mine)
    d2 = _deliver(staff.consultant2, cast.a, theirs)
    # consultant: own only; consultant2 cannot open the consultant's
    ids = {row["id"] for row in api_for(staff.consultant).get(DELIVERIES).json()["results"]}
    assert ids == {d1.pk}
    assert client_for(staff.consultant2).get(f"/sales/deliveries/{d1.pk}/").status_code == 404
    assert client_for(staff.consultant2).get(f"/sales/orders/{mine.pk}/deliver/").status_code == 404
    # the supervisor and manager see the department's
    for user in (staff.showroom_supervisor, staff.sales_manager):
        ids = {row["id"] for row in api_for(user).get(DELIVERIES).json()["results"]}
        assert ids == {d1.pk, d2.pk}
    assert client_for(staff.cr_specialist).get("/sales/deliveries/").status_code == 403
    assert api_for(staff.cr_specialist).get(DELIVERIES).status_code == 403
    assert client_for(cast.user_b).get(f"/sales/deliveries/{d1.pk}/").status_code == 404
    assert api_for(cast.user_b).get(f"{DELIVERIES}{d1.pk}/").status_code == 404


def test_delivery_api_shows_customer_vehicle_and_day_with_masked_phone(cast, staff, api_for):
    order, car = order_with_car(cast.a, staff.consultant)
    api = api_for(staff.consultant)
    response = api.post(
        DELIVERIES,
        {"order": order.pk, "delivered_on": str(TODAY()), "documents": ["invoice"], "mileage": 5},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["delivered_on"] == str(TODAY())
    assert body["vehicle"]["vin"] == car.vin and body["vehicle"]["model"] == car.model
    with dealership_context(cast.a):
        mobile = order.customer.mobile
    assert body["customer"] == {"id": order.customer_id, "name": "张三", "mobile": mobile}
    # without crm.view_customer_phone (taken from the info clerk's position): masked
    from org.models import PositionCapability

    with dealership_context(cast.a):
        PositionCapability.objects.filter(
            position__code="sales_info_clerk", capability="crm.view_customer_phone"
        ).delete()
    listed = api_for(staff.sales_info_clerk).get(DELIVERIES).json()["results"][0]
    assert listed["customer"]["mobile"] == f"{mobile[:3]}****{mobile[-4:]}"
    again = api.post(DELIVERIES, {"order": order.pk, "delivered_on": str(TODAY())}, format="json")
    assert again.status_code == 400 and "order" in again.json()["error"]["fields"]
    with dealership_context(cast.a):
        assert CustomerEvent.objects.count() == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"delivered_on": "2999-01-01"}, "delivered_on"),
        ({"delivered_on": "yesterday"}, "delivered_on"),
        ({"documents": ["passport"]}, "documents"),
        ({"checklist": ["x"]}, "checklist"),
        ({"mileage": -5}, "mileage"),
    ],
)
def test_delivery_api_400_names_the_field(cast, staff, api_for, payload, field):
    order, _ = order_with_car(cast.a, staff.consultant)
    data = {"order": order.pk, "delivered_on": str(TODAY()), **payload}
    response = api_for(staff.consultant).post(DELIVERIES, data, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    with dealership_context(cast.a):
        assert not Delivery.objects.exists()


def test_delivery_api_refuses_another_dealerships_order(cast, staff, api_for):
    order, _ = order_with_car(cast.b, cast.user_b)
    response = api_for(staff.sales_manager).post(
        DELIVERIES, {"order": order.pk, "delivered_on": str(TODAY())}, format="json"
    )
    assert response.status_code == 404


def test_stock_api_create_update_arrive(cast, staff, api_for):
    api = api_for(staff.sales_manager)
    response = api.post(
        STOCK,
        {
            "vin": vin(9).lower(),
            "model": "K5",
            "colour": "黑",
            "cost": "150000.00",
            "list_price": "179800.00",
            "in_transit": True,
            "ordered_on": str(TODAY() - dt.timedelta(days=7)),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["vin"] == vin(9) and body["status"] == "in_transit" and body["age_days"] is None
    response = api.patch(f"{STOCK}{body['id']}/", {"location": "A1"}, format="json")
    assert response.status_code == 200 and response.json()["location"] == "A1"
    response = api.post(
        f"{STOCK}{body['id']}/arrive/", {"arrived_on": str(TODAY() - dt.timedelta(days=8))}
    )
    assert response.status_code == 400 and "arrived_on" in response.json()["error"]["fields"]
    response = api.post(f"{STOCK}{body['id']}/arrive/", {"arrived_on": str(TODAY())})
    assert response.status_code == 200 and response.json()["status"] == "in_stock"
    for payload, field in (
        ({"vin": vin(9), "model": "K5", "cost": 1, "list_price": 1, "ordered_on": str(TODAY())},
         "vin"),  # the same VIN again
        ({"vin": "XYZ", "model": "K5", "cost": 1, "list_price": 1, "in_transit": False,
          "arrived_on": str(TODAY())}, "vin"),
        ({"vin": vin(10), "model": "K5", "cost": -1, "list_price": 1, "in_transit": False,
          "arrived_on": str(TODAY())}, "cost"),
    ):  # fmt: skip
        response = api.post(STOCK, payload, format="json")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"], response.json()
    assert (
        "ordered_on"
        in api.post(
            STOCK, {"vin": vin(11), "model": "K5", "cost": 1, "list_price": 1}, format="json"
        ).json()["error"]["fields"]
    )


def test_allocation_pages_and_api(cast, staff, client_for, api_for):
    make_order(cast.a, staff.consultant, factory=True, vehicle_model="K5")
    client = client_for(staff.sales_manager)
    response = client.post("/sales/allocations/new/", {"month": _next_month().strftime("%Y-%m")})
    assert response.status_code == 302
    with dealership_context(cast.a):
        request = AllocationRequest.objects.get()
        line = request.lines.get()
    duplicate = client.post("/sales/allocations/new/", {"month": _next_month().strftime("%Y-%m")})
    assert duplicate.status_code == 400 and "month" in duplicate.context["form"].errors
    past = client.post("/sales/allocations/new/", {"month": "2020-01"})
    assert past.status_code == 400 and "month" in past.context["form"].errors
    bad = client.post(f"/sales/allocations/{request.pk}/lines/", {f"quantity_{line.pk}": "x"})
    assert bad.status_code == 400
    ok = client.post(f"/sales/allocations/{request.pk}/lines/", {f"quantity_{line.pk}": "5"})
    assert ok.status_code == 302
    assert client.post(f"/sales/allocations/{request.pk}/rebuild/").status_code == 302
    api = api_for(staff.sales_manager)
    body = api.get(f"{ALLOCATIONS}{request.pk}/").json()
    assert body["lines"][0]["model"] == "K5" and body["lines"][0]["quantity"] == 2
    response = api.post(
        f"{ALLOCATIONS}{request.pk}/lines/", {"line": line.pk + 1000, "quantity": 1}
    )
    assert response.status_code == 400
    assert (
        client_for(staff.consultant).post(f"/sales/allocations/{request.pk}/submit/").status_code
        == 403
    )
    response = api.post(f"{ALLOCATIONS}{request.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    page = client.get(f"/sales/allocations/{request.pk}/").content.decode()
    assert f"/sales/allocations/{request.pk}/submit/" not in page
    assert api.post(f"{ALLOCATIONS}{request.pk}/rebuild/").status_code == 400
    response = api.post(ALLOCATIONS, {"month": "2020-01"}, format="json")
    assert response.status_code == 400 and "month" in response.json()["error"]["fields"]
    assert api_for(cast.user_b).get(f"{ALLOCATIONS}{request.pk}/").status_code == 404
    assert (
        client_for(cast.user_b).post(f"/sales/allocations/{request.pk}/submit/").status_code == 404
    )


# --- constant queries ---------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, staff, client_for, api_for):
    from sales import services

    client = client_for(staff.sales_manager)
    api = api_for(staff.sales_manager)
    urls = ("/sales/stock/", "/sales/deliveries/", "/sales/allocations/")
    api_urls = (STOCK, DELIVERIES, ALLOCATIONS)
    months = iter(range(0, 60))

    def add(n):
        for _ in range(n):
            order, _car = order_with_car(cast.a, staff.consultant)
            _deliver(staff.consultant, cast.a, order)
            make_stock(cast.a)
            make_order(cast.a, staff.consultant2, factory=True)
            month = _next_month()
            for _ in range(next(months)):
                month = (month + dt.timedelta(days=32)).replace(day=1)
            with dealership_context(cast.a):
                services.allocation_create(actor=staff.sales_manager, month=month)

    add(10)
    small = [_queries(client, u) for u in urls] + [
        _queries(api, f"{u}?page_size=100") for u in api_urls
    ]
    add(40)
    large = [_queries(client, u) for u in urls] + [
        _queries(api, f"{u}?page_size=100") for u in api_urls
    ]
    assert small == large


def test_dashboard_stock_panel_and_deliver_link(cast, staff, client_for):
    make_stock(cast.a, arrived_on=TODAY() - dt.timedelta(days=120))
    order, car = order_with_car(cast.a, staff.consultant)
    manager = client_for(staff.sales_manager).get(reverse("dashboard")).content.decode()
    assert 'data-testid="stock-widget"' in manager and "age=90%2B" in manager
    consultant = client_for(staff.consultant)
    assert 'data-testid="stock-widget"' not in consultant.get(reverse("dashboard")).content.decode()
    page = consultant.get(f"/sales/stock/{car.pk}/").content.decode()
    assert f"/sales/orders/{order.pk}/deliver/" in page
    page = client_for(staff.consultant2).get(f"/sales/stock/{car.pk}/").content.decode()
    assert f"/sales/orders/{order.pk}/deliver/" not in page
