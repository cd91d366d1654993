"""Parts store pages and API: status codes, forms, 400s naming the field or the line, who sees
and changes what (the parts manager everything; the parts salesperson sells and sees their own
sales but cannot change parts; an advisor reads parts and issues their own order's lines; the
sales consultant nothing; HQ reads; dealership B 404), the reconciliation line, and constant
list queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales import services
from aftersales.models import (
    CounterSale,
    Part,
    PartMovement,
    PurchaseOrder,
    RepairLine,
    StockCount,
)
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_repair_order

pytestmark = pytest.mark.django_db

D = Decimal
PARTS = "/api/v1/aftersales/parts/"
MOVEMENTS = "/api/v1/aftersales/part-movements/"
POS = "/api/v1/aftersales/purchase-orders/"
SALES = "/api/v1/aftersales/counter-sales/"
COUNTS = "/api/v1/aftersales/stock-counts/"


def _line(dealership, advisor, part, quantity="1"):
    order = make_repair_order(dealership, advisor)
    with dealership_context(dealership):
        line = RepairLine.objects.create(
            dealership=dealership,
            repair_order=order,
            kind="part",
            description=f"{part.number} filter",
            part=part,
            quantity=D(quantity),
            part_state="reserved",
        )
        services.part_reserve(actor=advisor, part_id=part.pk, quantity=quantity)
    return line


def _po(cast, staff, part, quantity="5", ordered=True):
    with dealership_context(cast.a):
        order = services.purchaseorder_create(
            actor=staff.parts_manager, lines=[{"part": part.pk, "quantity": quantity}]
        )
        if ordered:
            order = services.purchaseorder_order(actor=staff.parts_manager, order_id=order.pk)
    return order


def _sale(cast, user, part, quantity="1"):
    with dealership_context(cast.a):
        return services.countersale_create(
            actor=user, buyer_name="王师傅", lines=[{"part": part.pk, "quantity": quantity}]
        )


def _count(cast, staff):
    with dealership_context(cast.a):
        return services.stockcount_create(actor=staff.parts_manager)


# --- pages ----------------------------------------------------------------------------------------


def test_pages_answer_200(cast, staff, client_for):
    part = make_part(cast.a, on_hand="3", bin="A1", reorder_point=D("5"))
    _line(cast.a, staff.advisor, part)
    order = _po(cast, staff, part)
    sale = _sale(cast, staff.parts_salesperson, part)
    count = _count(cast, staff)
    client = client_for(staff.parts_manager)
    for url in (
        "/aftersales/parts/",
        "/aftersales/parts/?q=P0&low=on&bin=A1&active=yes&sort=-on_hand",
        "/aftersales/parts/?sort=bogus&bin=nope",
        "/aftersales/parts/new/",
        f"/aftersales/parts/{part.pk}/",
        f"/aftersales/parts/{part.pk}/?kind=opening&page=9",
        f"/aftersales/parts/{part.pk}/edit/",
        "/aftersales/parts/to-issue/",
        "/aftersales/parts/to-issue/?q=RO",
        "/aftersales/purchase-orders/",
        "/aftersales/purchase-orders/?q=PO&status=ordered&sort=old",
        "/aftersales/purchase-orders/new/",
        f"/aftersales/purchase-orders/{order.pk}/",
        "/aftersales/counter-sales/",
        "/aftersales/counter-sales/?q=王&date_from=2026-01-01&sort=total",
        "/aftersales/counter-sales/new/",
        f"/aftersales/counter-sales/{sale.pk}/",
        "/aftersales/stock-counts/",
        "/aftersales/stock-counts/?posted=no",
        "/aftersales/stock-counts/new/",
        f"/aftersales/stock-counts/{count.pk}/",
        "/dashboard/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get("/aftersales/parts/?low=on").content.decode()
    assert part.number in body and "new-part" in body
    assert "parts-widget" in client.get("/dashboard/").content.decode()


def test_part_create_and_edit_pages(cast, staff, client_for):
    client = client_for(staff.parts_manager)
    data = {
        "number": "26300-35505",
        "name_zh": "机油滤清器",
        "unit": "个",
        "cost": "30",
        "price": "58",
        "reorder_point": "4",
        "opening_quantity": "6",
        "is_active": "on",
    }
    response = client.post("/aftersales/parts/new/", data)
    assert response.status_code == 302
    with dealership_context(cast.a):
        part = Part.objects.get(number="26300-35505")
        assert part.on_hand == 6 and PartMovement.objects.get(part=part).kind == "opening"
    response = client.post("/aftersales/parts/new/", data)
    assert response.status_code == 400
    assert "26300-35505 is already used" in response.content.decode()
    response = client.post(f"/aftersales/parts/{part.pk}/edit/", {**data, "price": "-1"})
    assert response.status_code == 400
    response = client.post(
        f"/aftersales/parts/{part.pk}/edit/", {**data, "price": "60", "on_hand": "99"}
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        part.refresh_from_db()
        assert part.price == 60 and part.on_hand == 6


def test_who_may_open_and_change_parts(cast, staff, client_for):
    part = make_part(cast.a)
    detail, edit = f"/aftersales/parts/{part.pk}/", f"/aftersales/parts/{part.pk}/edit/"
    for user in (staff.parts_salesperson, staff.advisor, cast.hq_user):
        client = client_for(user)
        assert client.get("/aftersales/parts/").status_code == 200
        page = client.get(detail)
        assert page.status_code == 200 and "edit-part" not in page.content.decode()
        assert "new-part" not in client.get("/aftersales/parts/").content.decode()
        assert client.get("/aftersales/parts/new/").status_code == 403
        assert client.get(edit).status_code == 403
        assert client.post(edit, {"number": "X"}).status_code == 403
    consultant = client_for(staff.sales_consultant)
    assert consultant.get("/aftersales/parts/").status_code == 403
    assert consultant.get(detail).status_code == 403
    assert client_for(cast.user_b).get(detail).status_code == 404


def test_reconciliation_shown_green_or_red(cast, staff, client_for):
    part = make_part(cast.a, on_hand="5")
    client = client_for(staff.parts_manager)
    body = client.get(f"/aftersales/parts/{part.pk}/").content.decode()
    assert "alert-success" in body and "On hand equals the sum of the movements (5)" in body
    with dealership_context(cast.a):
        Part.objects.filter(pk=part.pk).update(on_hand=D("7"))  # (a broken row, as by hand)
    body = client.get(f"/aftersales/parts/{part.pk}/").content.decode()
    assert "alert-danger" in body and "by 2" in body


def test_parts_to_issue_page(cast, staff, client_for):
    part = make_part(cast.a, on_hand="3")
    line = _line(cast.a, staff.advisor, part)
    other = _line(cast.a, staff.advisor2, part)
    manager = client_for(staff.parts_manager)
    body = manager.get("/aftersales/parts/to-issue/").content.decode()
    assert f"issue-{line.pk}" in body and f"issue-{other.pk}" in body
    advisor = client_for(staff.advisor)
    body = advisor.get("/aftersales/parts/to-issue/").content.decode()
    assert line.repair_order.number in body and other.repair_order.number not in body
    assert f"issue-{line.pk}" not in body  # the button is the parts staff's
    for user in (staff.sales_consultant, staff.parts_salesperson):
        assert client_for(user).get("/aftersales/parts/to-issue/").status_code == 403
    assert "/aftersales/parts/to-issue/" not in (
        client_for(staff.parts_salesperson).get("/aftersales/parts/").content.decode()
    )
    # the other advisor cannot issue, the advisor may (their order), the manager too
    assert (
        client_for(staff.advisor2).post(f"/aftersales/parts/lines/{line.pk}/issue/").status_code
        == 404
    )
    response = advisor.post(f"/aftersales/parts/lines/{line.pk}/issue/")
    assert response.status_code == 302
    response = manager.post(f"/aftersales/parts/lines/{line.pk}/issue/")
    assert response.status_code == 400 and "cannot be issued" in response.content.decode()
    assert manager.post(f"/aftersales/parts/lines/{other.pk}/issue/").status_code == 302
    assert manager.post(f"/aftersales/parts/lines/{other.pk}/return/").status_code == 302
    with dealership_context(cast.a):
        assert RepairLine.objects.get(pk=other.pk).part_state == "returned"
        assert Part.objects.get(pk=part.pk).on_hand == 2
    assert (
        client_for(cast.user_b).post(f"/aftersales/parts/lines/{line.pk}/issue/").status_code == 404
    )
    assert (
        client_for(cast.hq_user).post(f"/aftersales/parts/lines/{other.pk}/return/").status_code
        == 403
    )


def test_purchase_order_pages(cast, staff, client_for):
    part = make_part(cast.a, on_hand="0", reorder_point=D("2"))
    client = client_for(staff.parts_manager)
    response = client.post(
        "/aftersales/purchase-orders/new/",
        {"supplier": "OEM", "line0-part": part.pk, "line0-quantity": "0"},
    )
    assert response.status_code == 400 and "Line 1" in response.content.decode()
    response = client.post(
        "/aftersales/purchase-orders/new/",
        {"supplier": "OEM", "line0-part": part.pk, "line0-quantity": "5", "line0-unit_cost": "20"},
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        order = PurchaseOrder.objects.get()
        line = order.lines.get()
    url = f"/aftersales/purchase-orders/{order.pk}/"
    assert "order-po" in client.get(url).content.decode()
    assert client.get(f"{url}edit/").status_code == 200
    assert client.post(f"{url}order/").status_code == 302
    assert client.get(f"{url}edit/").status_code == 403  # no longer a draft
    response = client.post(f"{url}receive/", {f"receive_{line.pk}": "6"})
    assert response.status_code == 400
    assert part.number in response.content.decode() and "only 5 left" in response.content.decode()
    assert client.post(f"{url}receive/", {f"receive_{line.pk}": "2"}).status_code == 302
    assert client.post(f"{url}cancel/").status_code == 400
    with dealership_context(cast.a):
        order.refresh_from_db()
        assert order.status == "partial" and Part.objects.get(pk=part.pk).on_hand == 2
    # suggest: the part (2 on hand, reorder point 2) is on order for 3 more: 4 − 2 − 3 < 0
    response = client.post("/aftersales/purchase-orders/suggest/")
    assert response.status_code == 302 and response.url == "/aftersales/purchase-orders/"
    other = make_part(cast.a, on_hand="0", reorder_point=D("3"))
    response = client.post("/aftersales/purchase-orders/suggest/")
    assert response.status_code == 302
    with dealership_context(cast.a):
        draft = PurchaseOrder.objects.get(status="draft")
        assert list(draft.lines.values_list("part_id", "quantity")) == [(other.pk, D("6"))]
    salesperson = client_for(staff.parts_salesperson)
    assert salesperson.get("/aftersales/purchase-orders/").status_code == 200
    assert salesperson.get("/aftersales/purchase-orders/new/").status_code == 403
    assert salesperson.post(f"{url}cancel/").status_code == 403
    assert client_for(cast.user_b).get(url).status_code == 404


def test_counter_sale_pages(cast, staff, client_for):
    part = make_part(cast.a, on_hand="2")
    seller = client_for(staff.parts_salesperson)
    response = seller.post(
        "/aftersales/counter-sales/new/",
        {
            "buyer_name": "王师傅",
            "sold_on": "2020-01-01",
            "line0-part": part.pk,
            "line0-quantity": "3",
        },
    )
    assert response.status_code == 400
    assert "Line 1" in response.content.decode() and "Only 2" in response.content.decode()
    response = seller.post(
        "/aftersales/counter-sales/new/",
        {"buyer_name": "", "sold_on": "2020-01-01", "line0-part": part.pk, "line0-quantity": "1"},
    )
    assert response.status_code == 400 and "buyer" in response.content.decode()
    response = seller.post(
        "/aftersales/counter-sales/new/",
        {
            "buyer_name": "王师傅",
            "sold_on": "2020-01-01",
            "line0-part": part.pk,
            "line0-quantity": "1",
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        sale = CounterSale.objects.get()
        line = sale.lines.get()
    assert sale.total == part.price
    theirs = _sale(cast, staff.parts_manager, part)
    body = seller.get("/aftersales/counter-sales/").content.decode()
    assert sale.number in body and theirs.number not in body
    assert seller.get(f"/aftersales/counter-sales/{theirs.pk}/").status_code == 404
    url = f"/aftersales/counter-sales/{sale.pk}/"
    response = seller.post(f"{url}return/", {"line": line.pk, "quantity": "2"})
    assert response.status_code == 400 and "Only 1" in response.content.decode()
    assert seller.post(f"{url}return/", {"line": line.pk, "quantity": "1"}).status_code == 302
    manager_body = client_for(staff.parts_manager).get("/aftersales/counter-sales/").content
    assert sale.number in manager_body.decode() and theirs.number in manager_body.decode()
    advisor = client_for(staff.advisor)
    assert advisor.get("/aftersales/counter-sales/").status_code == 200
    assert advisor.get("/aftersales/counter-sales/new/").status_code == 403
    assert client_for(staff.sales_consultant).get("/aftersales/counter-sales/").status_code == 403
    assert (
        client_for(cast.hq_user)
        .post(f"{url}return/", {"line": line.pk, "quantity": "1"})
        .status_code
        == 403
    )


def test_stock_count_pages(cast, staff, client_for):
    part = make_part(cast.a, on_hand="4", bin="C3")
    client = client_for(staff.parts_manager)
    response = client.post(
        "/aftersales/stock-counts/new/", {"counted_on": "2020-01-01", "bin": "C3"}
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        count = StockCount.objects.get()
        line = count.lines.get()
    url = f"/aftersales/stock-counts/{count.pk}/"
    response = client.post(f"{url}counted/", {f"counted_{line.pk}": "-1"})
    assert response.status_code == 400 and part.number in response.content.decode()
    assert client.post(f"{url}counted/", {f"counted_{line.pk}": "3"}).status_code == 302
    assert client.post(f"{url}post/").status_code == 302
    body = client.get(url).content.decode()
    assert "post-count" not in body and "save-counts" not in body
    assert client.post(f"{url}post/").status_code == 400
    with dealership_context(cast.a):
        assert Part.objects.get(pk=part.pk).on_hand == 3
        assert PartMovement.objects.filter(kind="adjustment").count() == 1
    assert (
        client_for(staff.parts_salesperson).get("/aftersales/stock-counts/new/").status_code == 403
    )
    future = client.post("/aftersales/stock-counts/new/", {"counted_on": "2999-01-01"})
    assert future.status_code == 400


# --- API -----------------------------------------------------------------------------------------


def test_parts_api(cast, staff, api_for):
    api = api_for(staff.parts_manager)
    data = {
        "number": "x-1",
        "name_zh": "刹车片",
        "cost": "100",
        "price": "180",
        "opening_quantity": "4",
    }
    response = api.post(PARTS, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "X-1" and body["on_hand"] == "4.00" and body["available"] == "4.00"
    pk = body["id"]
    response = api.post(PARTS, data, format="json")
    assert response.status_code == 400 and "number" in str(response.json())
    response = api.patch(f"{PARTS}{pk}/", {"price": "-1"}, format="json")
    assert response.status_code == 400 and "price" in str(response.json())
    response = api.patch(f"{PARTS}{pk}/", {"price": "190", "on_hand": "99"}, format="json")
    assert response.status_code == 200 and response.json()["on_hand"] == "4.00"
    assert len(api.get(f"{PARTS}?q=X-1&low=1").json()["results"]) == 0
    assert len(api.get(f"{PARTS}?q=刹车").json()["results"]) == 1
    movements = api.get(f"{MOVEMENTS}?part={pk}").json()
    assert len(movements["results"]) == 1 and movements["results"][0]["kind"] == "opening"
    assert api.get(f"{MOVEMENTS}?part=abc").status_code == 400
    for user in (staff.parts_salesperson, staff.advisor, cast.hq_user):
        other = api_for(user)
        assert other.get(f"{PARTS}{pk}/").status_code == 200
        assert other.post(PARTS, {**data, "number": "Y"}, format="json").status_code == 403
        assert other.patch(f"{PARTS}{pk}/", {"price": "1"}, format="json").status_code == 403
    assert api_for(staff.sales_consultant).get(PARTS).status_code == 403
    assert api_for(cast.user_b).get(f"{PARTS}{pk}/").status_code == 404
    assert len(api_for(cast.user_b).get(f"{MOVEMENTS}?part={pk}").json()["results"]) == 0


def test_purchase_orders_api(cast, staff, api_for):
    part = make_part(cast.a, on_hand="0")
    api = api_for(staff.parts_manager)
    response = api.post(POS, {"lines": [{"part": part.pk, "quantity": "0"}]}, format="json")
    assert response.status_code == 400 and "Line 1" in str(response.json())
    response = api.post(POS, {"lines": [{"part": part.pk, "quantity": "3"}]}, format="json")
    assert response.status_code == 201
    order = response.json()
    line = order["lines"][0]["id"]
    assert order["number"].startswith("PO") and order["status"] == "draft"
    url = f"{POS}{order['id']}/"
    assert api.post(f"{url}order/", {}, format="json").json()["status"] == "ordered"
    response = api.post(f"{url}receive/", {"quantities": {str(line): "4"}}, format="json")
    assert response.status_code == 400 and part.number in str(response.json())
    response = api.post(f"{url}receive/", {"quantities": {str(line): "1"}}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "partial"
    assert api.post(f"{url}cancel/", {}, format="json").status_code == 400
    assert api.post(f"{POS}suggest/", {}, format="json").status_code in (201, 400)
    seller = api_for(staff.parts_salesperson)
    assert seller.get(url).status_code == 200
    assert seller.post(f"{url}cancel/", {}, format="json").status_code == 403
    assert api_for(cast.user_b).post(f"{url}cancel/", {}, format="json").status_code == 404


def test_counter_sales_api(cast, staff, api_for):
    part = make_part(cast.a, on_hand="2")
    seller = api_for(staff.parts_salesperson)
    response = seller.post(
        SALES, {"buyer_name": "x", "lines": [{"part": part.pk, "quantity": "3"}]}, format="json"
    )
    assert response.status_code == 400 and "Line 1" in str(response.json())
    response = seller.post(
        SALES, {"buyer_name": "x", "lines": [{"part": part.pk, "quantity": "2"}]}, format="json"
    )
    assert response.status_code == 201
    sale = response.json()
    assert sale["total"] == str(part.price * 2)
    line = sale["lines"][0]["id"]
    url = f"{SALES}{sale['id']}/return/"
    assert seller.post(url, {"line": line, "quantity": "3"}, format="json").status_code == 400
    response = seller.post(url, {"line": line, "quantity": "1"}, format="json")
    assert response.status_code == 200 and response.json()["lines"][0]["returned"] == "1.00"
    assert seller.post(url, {"line": 999999, "quantity": "1"}, format="json").status_code == 400
    theirs = _sale(cast, staff.parts_manager, part)
    assert seller.get(f"{SALES}{theirs.pk}/").status_code == 404
    assert {row["id"] for row in seller.get(SALES).json()["results"]} == {sale["id"]}
    assert len(api_for(staff.parts_manager).get(SALES).json()["results"]) == 2
    assert (
        api_for(staff.advisor)
        .post(
            SALES, {"buyer_name": "x", "lines": [{"part": part.pk, "quantity": "1"}]}, format="json"
        )
        .status_code
        == 403
    )


def test_stock_counts_api(cast, staff, api_for):
    part = make_part(cast.a, on_hand="3", bin="Z9")
    api = api_for(staff.parts_manager)
    assert api.post(COUNTS, {"bin": "none"}, format="json").status_code == 400
    response = api.post(COUNTS, {"bin": "Z9"}, format="json")
    assert response.status_code == 201
    count = response.json()
    line = count["lines"][0]["id"]
    url = f"{COUNTS}{count['id']}/"
    response = api.post(f"{url}counted/", {"counted": {str(line): "-2"}}, format="json")
    assert response.status_code == 400 and part.number in str(response.json())
    assert (
        api.post(f"{url}counted/", {"counted": {str(line): "5"}}, format="json").status_code == 200
    )
    response = api.post(f"{url}post/", {}, format="json")
    assert response.status_code == 200 and response.json()["posted"] is True
    assert api.post(f"{url}post/", {}, format="json").status_code == 400
    with dealership_context(cast.a):
        assert Part.objects.get(pk=part.pk).on_hand == 5
    assert api_for(staff.parts_salesperson).post(COUNTS, {}, format="json").status_code == 403
    assert api_for(cast.hq_user).get(url).status_code == 200


# --- query counts ----------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, staff, client_for, api_for):
    keep = make_part(cast.a, on_hand="1000")
    client = client_for(staff.parts_manager)
    api = api_for(staff.parts_manager)
    pages = [
        "/aftersales/parts/",
        f"/aftersales/parts/{keep.pk}/",
        "/aftersales/parts/to-issue/",
        "/aftersales/purchase-orders/",
        "/aftersales/counter-sales/",
        "/aftersales/stock-counts/",
    ]
    apis = [PARTS, f"{MOVEMENTS}?part={keep.pk}", MOVEMENTS, POS, SALES, COUNTS]

    def add(n):
        for _ in range(n):
            part = make_part(cast.a, on_hand="5")
            _line(cast.a, staff.advisor, part)
            _po(cast, staff, part, ordered=False)
            _sale(cast, staff.parts_salesperson, keep)
            with dealership_context(cast.a):
                services.stockcount_create(actor=staff.parts_manager, bin="")

    add(10)
    first = [_queries(client, url) for url in pages] + [_queries(api, url) for url in apis]
    add(40)
    second = [_queries(client, url) for url in pages] + [_queries(api, url) for url in apis]
    assert first == second
