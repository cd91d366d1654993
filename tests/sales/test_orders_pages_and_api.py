"""Quote and order pages and API: forms and 400s naming the field, who sees and changes what,
phone masking, discount limits page, constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealership.tenancy import dealership_context
from org.models import Position
from sales import services
from sales.models import DiscountLimit, Lead, Order, OrderStatus, Quote, QuoteStatus, StockStatus
from tests.db_roles import in_scope_of
from tests.sales.conftest import make_lead, make_stock

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def a_quote(cast, actor, lead=None, **fields):
    lead = lead or make_lead(cast.a, actor)
    fields.setdefault("vehicle_model", "K5")
    fields.setdefault("list_price", Decimal("179800"))
    with dealership_context(cast.a):
        return services.quote_create(actor=actor, lead=lead, **fields)


def an_order(cast, actor, lead=None, **fields):
    lead = lead or make_lead(cast.a, actor)
    fields.setdefault("price", "150000")
    fields.setdefault("deposit", "5000")
    fields.setdefault("deposit_paid_on", TODAY())
    fields.setdefault("ordered_on", TODAY())
    fields.setdefault("vehicle_model", "K5")
    with dealership_context(cast.a):
        return services.order_create(actor=actor, lead=lead, **fields)


def formset(rows=()):
    data = {
        "items-TOTAL_FORMS": str(max(len(rows), 1)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "20",
    }
    for n, (name, quantity, price) in enumerate(rows):
        data.update(
            {
                f"items-{n}-name": name,
                f"items-{n}-quantity": quantity,
                f"items-{n}-unit_price": price,
            }
        )
    return data


# --- quotes pages ---------------------------------------------------------------------------------


def test_quote_form_creates_with_items_and_bad_input_names_the_field(cast, staff, client_for):
    lead = make_lead(cast.a, staff.consultant)
    car = make_stock(cast.a)
    client = client_for(staff.consultant)
    page = client.get(f"/sales/quotes/new/?lead={lead.pk}")
    assert page.status_code == 200 and "quote-items" in page.content.decode()
    base = {"lead": lead.pk, "vehicle_model": "K5", "list_price": "179800", "discount": "1000"}
    bad = client.post("/sales/quotes/new/", {**base, "discount": "999999", **formset()})
    assert bad.status_code == 400 and "discount" in bad.context["form"].errors
    bad = client.post(
        "/sales/quotes/new/",
        {**base, "loan": "on", "loan_term_months": "36", **formset()},
    )
    assert bad.status_code == 400 and "down_payment" in bad.context["form"].errors
    bad = client.post("/sales/quotes/new/", {**base, "stock_vehicle": 999999, **formset()})
    assert bad.status_code == 400 and "stock_vehicle" in bad.context["form"].errors
    with dealership_context(cast.a):
        assert not Quote.objects.exists()
    response = client.post(
        "/sales/quotes/new/",
        {**base, "stock_vehicle": car.pk, **formset([("脚垫", "2", "300"), ("", "", "")])},
    )
    assert response.status_code == 302, response.context["form"].errors
    with dealership_context(cast.a):
        quote = Quote.objects.get()
        assert quote.accessories_total == Decimal("600") and quote.stock_vehicle_id == car.pk
        assert quote.status == QuoteStatus.APPROVED
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and "order-quote" in detail.content.decode()
    assert client.get(f"/sales/quotes/{quote.pk}/edit/").status_code == 403  # ready: no edits


def test_quote_permissions(cast, staff, client_for):
    quote = a_quote(cast, staff.consultant)
    url = f"/sales/quotes/{quote.pk}/"
    assert client_for(staff.consultant).get(url).status_code == 200
    assert client_for(staff.consultant2).get(url).status_code == 404
    assert client_for(staff.showroom_supervisor).get(url).status_code == 200
    assert client_for(staff.sales_manager).get(url).status_code == 200
    assert client_for(staff.cr_specialist).get(url).status_code == 403
    assert client_for(staff.cr_specialist).get("/sales/quotes/").status_code == 403
    assert client_for(cast.user_b).get(url).status_code == 404
    hq = client_for(cast.hq_user)
    assert hq.get("/sales/quotes/").status_code == 200
    assert hq.get("/sales/quotes/new/").status_code == 403
    listed = client_for(staff.consultant2).get("/sales/quotes/")
    assert quote not in listed.context["object_list"]


def test_pending_quote_page_links_the_request_and_edit_after_return(cast, staff, client_for):
    from org.approvals import services as approvals

    quote = a_quote(cast, staff.consultant, discount="5000")
    client = client_for(staff.consultant)
    page = client.get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "discount-request" in page and "order-quote" not in page
    with dealership_context(cast.a):
        approvals.request_decide(
            actor=staff.sales_manager,
            request_id=quote.discount_request_id,
            decision="return",
            comment="改",
        )
    edit = client.get(f"/sales/quotes/{quote.pk}/edit/")
    assert edit.status_code == 200
    response = client.post(
        f"/sales/quotes/{quote.pk}/edit/",
        {"vehicle_model": "K5", "list_price": "179800", "discount": "2000", **formset()},
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.APPROVED


# --- orders pages ---------------------------------------------------------------------------------


def test_order_form_from_a_quote_and_bad_deposits(cast, staff, client_for):
    car = make_stock(cast.a)
    quote = a_quote(cast, staff.consultant, stock_vehicle=car.pk)
    client = client_for(staff.consultant)
    url = f"/sales/orders/new/?quote={quote.pk}"
    assert client.get(url).status_code == 200
    base = {
        "quote": quote.pk,
        "stock_vehicle": car.pk,
        "deposit_paid_on": TODAY().isoformat(),
        "ordered_on": TODAY().isoformat(),
    }
    for deposit in ("", "0", "99999999"):
        bad = client.post(url, {**base, "deposit": deposit})
        assert bad.status_code == 400 and "deposit" in bad.context["form"].errors, deposit
    future = (TODAY() + dt.timedelta(days=2)).isoformat()
    bad = client.post(url, {**base, "deposit": "5000", "ordered_on": future})
    assert bad.status_code == 400 and "ordered_on" in bad.context["form"].errors
    with dealership_context(cast.a):
        assert not Order.objects.exists()
    response = client.post(url, {**base, "deposit": "5000"})
    assert response.status_code == 302
    with dealership_context(cast.a):
        order = Order.objects.get()
        assert order.price == quote.total and order.status == OrderStatus.OPEN
    page = client.get(response["Location"]).content.decode()
    assert order.number in page and "pay-order" in page and "trade-in" in page


def test_order_on_a_lead_factory_then_actions(cast, staff, client_for):
    lead = make_lead(cast.a, staff.consultant)
    client = client_for(staff.consultant)
    assert client.get(f"/sales/orders/new/?lead={lead.pk}").status_code == 200
    response = client.post(
        "/sales/orders/new/",
        {
            "lead": lead.pk,
            "vehicle_model": "K5",
            "price": "160000",
            "deposit": "3000",
            "deposit_paid_on": TODAY().isoformat(),
            "ordered_on": TODAY().isoformat(),
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        order = Order.objects.get()
    assert order.status == OrderStatus.FACTORY
    car = make_stock(cast.a)
    assert client.get(f"/sales/orders/{order.pk}/assign-vehicle/").status_code == 200
    response = client.post(f"/sales/orders/{order.pk}/assign-vehicle/", {"stock_vehicle": car.pk})
    assert response.status_code == 302
    bad = client.post(f"/sales/orders/{order.pk}/pay/", {"paid_on": TODAY().isoformat()})
    assert bad.status_code == 400 and "invoice_no" in bad.context["form"].errors
    ok = client.post(
        f"/sales/orders/{order.pk}/pay/", {"paid_on": TODAY().isoformat(), "invoice_no": "FP1"}
    )
    assert ok.status_code == 302
    bad = client.post(f"/sales/orders/{order.pk}/trade-in/", {"brand": "本田", "model": "飞度"})
    assert bad.status_code == 400 and "valuation" in bad.context["form"].errors
    ok = client.post(
        f"/sales/orders/{order.pk}/trade-in/",
        {"brand": "本田", "model": "飞度", "valuation": "30000", "vin": ""},
    )
    assert ok.status_code == 302
    bad = client.post(f"/sales/orders/{order.pk}/cancel/", {"reason": ""})
    assert bad.status_code == 400 and "reason" in bad.context["form"].errors
    assert client.post(f"/sales/orders/{order.pk}/cancel/", {"reason": "退订"}).status_code == 302
    with dealership_context(cast.a):
        assert Order.objects.get().status == OrderStatus.CANCELLED
        car.refresh_from_db()
        assert car.status == StockStatus.IN_STOCK
        assert Lead.objects.get(pk=lead.pk).stage == "order"


def test_order_permissions_and_masked_phone(cast, staff, client_for):
    order = an_order(cast, staff.consultant)
    url = f"/sales/orders/{order.pk}/"
    with dealership_context(cast.a):
        mobile = Order.objects.get(pk=order.pk).customer.mobile
    page = client_for(staff.consultant).get(url)
    assert page.status_code == 200 and mobile in page.content.decode()
    assert client_for(staff.consultant2).get(url).status_code == 404
    assert client_for(staff.consultant2).get(f"{url}edit/").status_code == 404
    assert client_for(staff.sales_manager).get(url).status_code == 200
    assert client_for(staff.sales_manager).get(f"{url}edit/").status_code == 200
    assert client_for(staff.cr_specialist).get(url).status_code == 403
    assert client_for(cast.user_b).get(url).status_code == 404
    hq = client_for(cast.hq_user)
    hq_page = hq.get(url)
    if hq_page.status_code == 200:
        text = hq_page.content.decode()
        assert "edit-order" not in text
    assert hq.get(f"{url}edit/").status_code in (403, 404)
    assert hq.post(f"{url}cancel/", {"reason": "x"}).status_code in (403, 404)
    group = client_for(cast.hq_user).get(url)  # HQ reads orders, not phone numbers
    assert group.status_code == 200 and mobile not in group.content.decode()
    assert f"{mobile[:3]}****{mobile[-4:]}" in group.content.decode()


def _ids(client, url) -> set:
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["filter_form"].errors
    with in_scope_of(response):
        return {o.pk for o in response.context["object_list"]}


def test_order_list_filters(cast, staff, client_for):
    factory = an_order(cast, staff.consultant)
    car = make_stock(cast.a)
    stock = an_order(cast, staff.consultant, stock_vehicle=car.pk)
    client = client_for(staff.consultant)
    assert _ids(client, "/sales/orders/?factory=on") == {factory.pk}
    assert _ids(client, f"/sales/orders/?q={stock.number}") == {stock.pk}
    assert _ids(client, f"/sales/orders/?month={TODAY():%Y-%m}&sort=-price") == {
        factory.pk,
        stock.pk,
    }
    assert _ids(client, "/sales/orders/?month=2001-01") == set()
    assert _ids(client, "/sales/orders/?status=open") == {stock.pk}
    assert _ids(client_for(staff.consultant2), "/sales/orders/") == set()
    assert _ids(client_for(staff.showroom_supervisor), "/sales/orders/") == {factory.pk, stock.pk}
    assert "tab-quotes" in client.get("/sales/orders/").content.decode()
    quote = a_quote(cast, staff.consultant, vehicle_model="K3")
    assert _ids(client, "/sales/quotes/?model=K3&sort=-total") == {quote.pk}
    assert _ids(client, "/sales/quotes/?status=pending") == set()
    assert _ids(client_for(staff.consultant2), "/sales/quotes/") == set()


# --- discount limits ------------------------------------------------------------------------------


def test_discount_limits_page(cast, staff, client_for):
    with dealership_context(cast.a):
        limit = DiscountLimit.objects.get(position__code="sales_consultant")
    page = client_for(staff.consultant).get("/sales/discount-limits/")
    assert page.status_code == 200 and "save-limits" not in page.content.decode()
    assert (
        client_for(staff.consultant)
        .post("/sales/discount-limits/", {f"limit-{limit.pk}": "9"})
        .status_code
        == 403
    )
    manager = client_for(staff.sales_manager)
    assert "save-limits" in manager.get("/sales/discount-limits/").content.decode()
    bad = manager.post("/sales/discount-limits/", {f"limit-{limit.pk}": "-5"})
    assert bad.status_code == 400
    assert manager.post("/sales/discount-limits/", {f"limit-{limit.pk}": "4500"}).status_code == 302
    with dealership_context(cast.a):
        assert DiscountLimit.objects.get(pk=limit.pk).max_amount == Decimal("4500")
    assert client_for(staff.cr_specialist).get("/sales/discount-limits/").status_code == 403


# --- API ------------------------------------------------------------------------------------------


def test_api_quotes_and_orders(cast, staff, api_for):
    lead = make_lead(cast.a, staff.consultant)
    car = make_stock(cast.a)
    api = api_for(staff.consultant)
    bad = api.post(
        "/api/v1/sales/quotes/",
        {"lead": lead.pk, "vehicle_model": "K5", "list_price": "100", "discount": "200"},
        format="json",
    )
    assert bad.status_code == 400 and "discount" in bad.json()["error"]["fields"]
    response = api.post(
        "/api/v1/sales/quotes/",
        {
            "lead": lead.pk,
            "stock_vehicle": car.pk,
            "discount": "1000",
            "total": "1",
            "items": [{"name": "脚垫", "quantity": 1, "unit_price": "300"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    quote = response.json()
    assert quote["total"] == str(car.list_price - 1000 + 300) and len(quote["items"]) == 1
    assert quote["status"] == "approved"
    order = {"quote": quote["id"], "deposit_paid_on": TODAY().isoformat()}
    order["ordered_on"] = TODAY().isoformat()
    bad = api.post("/api/v1/sales/orders/", order, format="json")
    assert bad.status_code == 400 and "deposit" in bad.json()["error"]["fields"]
    response = api.post("/api/v1/sales/orders/", {**order, "deposit": "5000"}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "open" and data["vin"] == car.vin
    pk = data["id"]
    bad = api.post(f"/api/v1/sales/orders/{pk}/trade-in/", {"brand": "本田"}, format="json")
    assert bad.status_code == 400 and "model" in bad.json()["error"]["fields"]
    ok = api.post(
        f"/api/v1/sales/orders/{pk}/trade-in/",
        {"brand": "本田", "model": "飞度", "valuation": "30000"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["trade_in"]["valuation"] == "30000.00"
    bad = api.post(f"/api/v1/sales/orders/{pk}/pay/", {"invoice_no": "X"}, format="json")
    assert bad.status_code == 400 and "paid_on" in bad.json()["error"]["fields"]
    ok = api.post(
        f"/api/v1/sales/orders/{pk}/pay/",
        {"invoice_no": "X1", "paid_on": TODAY().isoformat()},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["paid_on"] == TODAY().isoformat()
    ok = api.post(f"/api/v1/sales/orders/{pk}/cancel/", {"reason": "退"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "cancelled"
    other = api_for(staff.consultant2)
    assert other.get(f"/api/v1/sales/orders/{pk}/").status_code == 404
    assert other.get(f"/api/v1/sales/quotes/{quote['id']}/").status_code == 404
    assert api_for(staff.cr_specialist).get("/api/v1/sales/orders/").status_code == 403
    assert api_for(cast.user_b).get(f"/api/v1/sales/orders/{pk}/").status_code == 404
    hq = api_for(cast.hq_user)
    assert hq.post("/api/v1/sales/orders/", {}, format="json").status_code == 403


def test_api_factory_order_and_assign_vehicle(cast, staff, api_for):
    lead = make_lead(cast.a, staff.consultant)
    api = api_for(staff.consultant)
    response = api.post(
        "/api/v1/sales/orders/",
        {
            "lead": lead.pk,
            "vehicle_model": "K5",
            "price": "150000",
            "deposit": "2000",
            "deposit_paid_on": TODAY().isoformat(),
            "ordered_on": TODAY().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "factory"
    pk = response.json()["id"]
    other_car = make_stock(cast.b)
    bad = api.post(
        f"/api/v1/sales/orders/{pk}/assign-vehicle/", {"stock_vehicle": other_car.pk}, format="json"
    )
    assert bad.status_code == 400 and "stock_vehicle" in bad.json()["error"]["fields"]
    car = make_stock(cast.a)
    ok = api.post(
        f"/api/v1/sales/orders/{pk}/assign-vehicle/", {"stock_vehicle": car.pk}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "open"


def test_api_masks_phones_and_discount_limits(cast, staff, api_for):
    order = an_order(cast, staff.consultant)
    with dealership_context(cast.a):
        mobile = Order.objects.get(pk=order.pk).customer.mobile
    row = api_for(staff.consultant).get(f"/api/v1/sales/orders/{order.pk}/").json()
    assert row["customer_mobile"] == mobile
    row = api_for(cast.hq_user).get(f"/api/v1/sales/orders/{order.pk}/").json()
    assert row["customer_mobile"] == f"{mobile[:3]}****{mobile[-4:]}"
    with dealership_context(cast.a):
        limit = DiscountLimit.objects.get(position=Position.objects.get(code="sales_consultant"))
    url = f"/api/v1/sales/discount-limits/{limit.pk}/"
    assert api_for(staff.consultant).get(url).status_code == 200
    assert (
        api_for(staff.consultant).patch(url, {"max_amount": "1"}, format="json").status_code == 403
    )
    bad = api_for(staff.sales_manager).patch(url, {"max_amount": "-1"}, format="json")
    assert bad.status_code == 400
    ok = api_for(staff.sales_manager).patch(url, {"max_amount": "3500"}, format="json")
    assert ok.status_code == 200 and ok.json()["max_amount"] == "3500.00"


# --- query counts ---------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, staff, client_for, api_for):
    client, api = client_for(staff.sales_manager), api_for(staff.sales_manager)
    urls = ["/sales/quotes/", "/sales/orders/"]
    api_urls = ["/api/v1/sales/quotes/", "/api/v1/sales/orders/", "/api/v1/sales/discount-limits/"]

    def add(n):
        for _ in range(n):
            lead = make_lead(cast.a, staff.consultant)
            a_quote(cast, staff.consultant, lead, items=[{"name": "膜", "unit_price": "1"}])
            an_order(cast, staff.consultant, lead, stock_vehicle=make_stock(cast.a).pk)

    add(10)
    pages_10 = [_count(client, f"{u}?page_size=50") for u in urls]
    api_10 = [_count(api, f"{u}?page_size=50") for u in api_urls]
    add(40)
    pages_50 = [_count(client, f"{u}?page_size=50") for u in urls]
    api_50 = [_count(api, f"{u}?page_size=50") for u in api_urls]
    assert pages_10 == pages_50
    assert api_10 == api_50


# --- the hand-over button on the order's page -----------------------------------------------------


def test_order_page_offers_the_delivery_only_to_who_may_deliver_a_live_order_with_a_car(
    cast, staff, client_for
):
    car = make_stock(cast.a)
    order = an_order(cast, staff.consultant, stock_vehicle=car.pk)
    assert order.status == OrderStatus.OPEN
    url, deliver = f"/sales/orders/{order.pk}/", f"/sales/orders/{order.pk}/deliver/"
    consultant = client_for(staff.consultant)
    page = consultant.get(url).content.decode()
    assert 'data-testid="deliver-order"' in page and deliver in page
    assert consultant.get(deliver).status_code == 200
    manager = client_for(staff.sales_manager).get(url).content.decode()
    assert deliver in manager  # the department's orders
    hq = client_for(cast.hq_user).get(url)  # reads the group, changes nothing
    assert hq.status_code == 200 and deliver not in hq.content.decode()
    # a factory order has no car to hand over yet
    factory = an_order(cast, staff.consultant)
    assert factory.status == OrderStatus.FACTORY
    assert "deliver-order" not in consultant.get(f"/sales/orders/{factory.pk}/").content.decode()
    # delivered: no second hand-over
    with dealership_context(cast.a):
        services.delivery_create(
            actor=staff.consultant, order_id=order.pk, delivered_on=TODAY(), documents=["keys"]
        )
    assert "deliver-order" not in consultant.get(url).content.decode()
    # cancelled: none either
    other = an_order(cast, staff.consultant, stock_vehicle=make_stock(cast.a).pk)
    with dealership_context(cast.a):
        services.order_cancel(actor=staff.consultant, order_id=other.pk, reason="退订")
    assert "deliver-order" not in consultant.get(f"/sales/orders/{other.pk}/").content.decode()
