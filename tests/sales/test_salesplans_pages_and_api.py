"""Pages and API of sales plans, price lists and sub-dealers: the sales manager drafts and
sends, the approvers decide on the engine's page, the consultant sees only approved price lists
(and may not open plans), the GM sees everything, another dealership gets 404, bad input 400."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from sales.models import PlanState, PriceList, PriceListState, SalesPlan, SubDealer
from tests.factories import UserFactory, hire
from tests.sales.conftest import make_lead

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
PLANS, PRICES, DEALERS = "/sales/plans/", "/sales/price-lists/", "/sales/sub-dealers/"
API = "/api/v1/sales/"


@pytest.fixture
def chain(cast, staff):
    director = UserFactory(username="sp_director", name="sales director")
    hire(director, cast.a, "sales_director")
    deputy = UserFactory(username="sp_deputy", name="deputy")
    hire(deputy, cast.a, "deputy_gm")
    staff.by_code.update(sales_director=director, deputy_gm=deputy)
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
    return staff


def approve_all(cast, request_id, *people):
    for person in people:
        with dealership_context(cast.a):
            approvals.request_decide(actor=person, request_id=request_id, decision="approve")


def test_the_plan_pages(cast, chain, client_for):
    staff = chain
    manager = client_for(staff.sales_manager)
    assert manager.get(PLANS).status_code == 200
    assert manager.get(f"{PLANS}new/").status_code == 200
    data = {
        "period": "month",
        "starts_on": f"{TODAY():%Y-%m}",
        "notes": "",
        "l-TOTAL_FORMS": "3",
        "l-INITIAL_FORMS": "0",
        "l-0-model": "K5",
        "l-0-units": "30",
        "l-0-revenue": "5400000",
        "l-1-model": "Sportage",
        "l-1-units": "10",
        "l-1-revenue": "1500000",
    }
    bad = manager.post(f"{PLANS}new/", {**data, "starts_on": "someday"})
    assert bad.status_code == 400
    bad = manager.post(f"{PLANS}new/", {**data, "l-1-model": "k5"})
    assert (bad.status_code == 400 and "K5" in bad.content.decode()) or "k5" in bad.content.decode()
    response = manager.post(f"{PLANS}new/", data)
    assert response.status_code == 302
    with dealership_context(cast.a):
        plan = SalesPlan.objects.get()
    page = manager.get(response.url).content.decode()
    assert 'data-testid="submit-plan"' in page and 'data-testid="plan-actuals"' in page
    edit = manager.get(f"{PLANS}{plan.pk}/edit/")
    assert edit.status_code == 200
    assert manager.post(f"{PLANS}{plan.pk}/submit/").status_code == 302
    with dealership_context(cast.a):
        plan.refresh_from_db()
    assert plan.state == PlanState.PENDING
    page = manager.get(f"{PLANS}{plan.pk}/").content.decode()
    assert 'data-testid="submit-plan"' not in page and 'data-testid="plan-request"' in page
    approve_all(cast, plan.request_id, staff.sales_director, staff.deputy_gm, staff.gm)
    page = manager.get(f"{PLANS}{plan.pk}/").content.decode()
    assert 'data-testid="send-plan"' in page
    future = (TODAY() + dt.timedelta(days=3)).isoformat()
    assert manager.post(f"{PLANS}{plan.pk}/oem/", {"submitted_on": future}).status_code == 302
    with dealership_context(cast.a):
        plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED  # refused, with a message
    assert manager.post(f"{PLANS}{plan.pk}/oem/", {"submitted_on": ""}).status_code == 302
    with dealership_context(cast.a):
        plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED and plan.submitted_on == TODAY()
    # the board shows the month's plan to the floor's managers
    board = manager.get("/sales/board/").content.decode()
    assert 'data-testid="board-plan"' in board and 'data-testid="tab-plans"' in board
    dashboard = manager.get("/dashboard/").content.decode()
    assert 'data-testid="widget-plan-month"' in dashboard
    # a consultant may not open plans (own scope sees none) nor draft one
    consultant = client_for(staff.consultant)
    assert consultant.get(f"{PLANS}{plan.pk}/").status_code == 404
    assert consultant.get(f"{PLANS}new/").status_code == 403
    assert 'data-testid="tab-plans"' not in consultant.get("/sales/board/").content.decode()
    # another dealership
    assert client_for(cast.user_b).get(f"{PLANS}{plan.pk}/").status_code == 404


def test_the_price_list_pages_and_the_quote_form(cast, chain, client_for):
    staff = chain
    manager = client_for(staff.sales_manager)
    data = {
        "model": "K5",
        "trim": "",
        "msrp": "179800",
        "dealer_price": "165000",
        "floor_price": "170000",
        "valid_from": TODAY().isoformat(),
        "notes": "",
    }
    assert manager.post(f"{PRICES}new/", {**data, "floor_price": "190000"}).status_code == 400
    response = manager.post(f"{PRICES}new/", data)
    assert response.status_code == 302
    with dealership_context(cast.a):
        price = PriceList.objects.get()
    consultant = client_for(staff.consultant)
    assert consultant.get(f"{PRICES}{price.pk}/").status_code == 404  # a draft
    assert manager.post(f"{PRICES}{price.pk}/submit/").status_code == 302
    with dealership_context(cast.a):
        price.refresh_from_db()
    assert price.state == PriceListState.PENDING
    approve_all(cast, price.request_id, staff.sales_director, staff.deputy_gm, staff.gm)
    listed = consultant.get(f"{PRICES}?in_effect=on").content.decode()
    assert 'data-testid="in-effect"' in listed and f"{PRICES}{price.pk}/" in listed
    page = consultant.get(f"{PRICES}{price.pk}/").content.decode()
    assert (
        'data-testid="submit-price-list"' not in page
        and 'data-testid="edit-price-list"' not in page
    )
    assert consultant.get(f"{PRICES}new/").status_code == 403
    # the quote form takes the MSRP in effect for the lead's model
    lead = make_lead(cast.a, staff.consultant, model_of_interest="K5")
    form = consultant.get(f"/sales/quotes/new/?lead={lead.pk}").content.decode()
    assert 'value="179800' in form
    assert client_for(cast.user_b).get(f"{PRICES}{price.pk}/").status_code == 404
    # a newer draft shows in the history of the model on the page of the manager
    later = {**data, "msrp": "175800", "valid_from": (TODAY() + dt.timedelta(days=30)).isoformat()}
    assert manager.post(f"{PRICES}new/", later).status_code == 302
    history = manager.get(f"{PRICES}{price.pk}/").content.decode()
    assert 'data-testid="price-list-history"' in history and "175,800" in history
    own = consultant.get(f"{PRICES}{price.pk}/").content.decode()
    assert 'data-testid="price-list-history"' not in own  # the draft is not the consultant's


def test_the_sub_dealer_pages(cast, staff, client_for):
    manager = client_for(staff.sales_manager)
    data = {
        "name": "番禺二级店",
        "contact_name": "李四",
        "contact_phone": "13900000000",
        "region": "番禺",
        "address": "",
        "contract_start": "2026-01-01",
        "contract_end": "2025-12-31",
        "state": "active",
        "manager": staff.consultant.pk,
        "notes": "",
    }
    assert manager.post(f"{DEALERS}new/", data).status_code == 400
    response = manager.post(f"{DEALERS}new/", {**data, "contract_end": "2026-12-31"})
    assert response.status_code == 302
    with dealership_context(cast.a):
        dealer = SubDealer.objects.get()
    assert dealer.manager == staff.consultant
    assess = f"{DEALERS}{dealer.pk}/assess/"
    assert manager.get(assess).status_code == 200
    assert (
        manager.post(
            assess,
            {
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
                "units": "12",
                "score": "101",
            },
        ).status_code
        == 400
    )
    assert (
        manager.post(
            assess,
            {
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
                "units": "12",
                "score": "88",
            },
        ).status_code
        == 302
    )
    page = manager.get(f"{DEALERS}{dealer.pk}/").content.decode()
    assert "88" in page and 'data-testid="assess-subdealer"' in page
    # the consultant who looks after it sees it, without the buttons; another one does not
    own = client_for(staff.consultant).get(f"{DEALERS}{dealer.pk}/")
    assert own.status_code == 200 and 'data-testid="assess-subdealer"' not in own.content.decode()
    assert client_for(staff.consultant).get(assess).status_code == 403
    assert client_for(staff.consultant2).get(f"{DEALERS}{dealer.pk}/").status_code == 404
    assert client_for(cast.user_b).get(f"{DEALERS}{dealer.pk}/").status_code == 404


def test_the_api(cast, chain, api_for):
    staff = chain
    manager = api_for(staff.sales_manager)
    created = manager.post(
        f"{API}sales-plans/",
        {
            "period": "quarter",
            "starts_on": "2027-Q1",
            "lines": [{"model": "K5", "units": 90, "revenue": "16200000"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert plan["starts_on"] == "2027-01-01" and plan["label"] == "2027-Q1"
    bad = manager.post(
        f"{API}sales-plans/", {"period": "quarter", "starts_on": "2027-Q9"}, format="json"
    )
    assert bad.status_code == 400 and "starts_on" in bad.json()["error"]["fields"]
    detail = manager.get(f"{API}sales-plans/{plan['id']}/").json()
    assert detail["actuals"]["rows"][0]["model"] == "K5"
    assert manager.get(f"{API}sales-plans/?state=bogus").status_code == 400
    submitted = manager.post(f"{API}sales-plans/{plan['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "pending"
    early = manager.post(f"{API}sales-plans/{plan['id']}/send-to-oem/", {}, format="json")
    assert early.status_code == 400
    # price lists
    price = manager.post(
        f"{API}price-lists/",
        {
            "model": "K5",
            "msrp": "179800",
            "dealer_price": "165000",
            "floor_price": "170000",
            "valid_from": TODAY().isoformat(),
        },
        format="json",
    )
    assert price.status_code == 201
    price_id = price.json()["id"]
    assert manager.get(f"{API}price-lists/in-effect/?model=K5").status_code == 404
    assert manager.post(f"{API}price-lists/{price_id}/submit/").status_code == 200
    with dealership_context(cast.a):
        request_id = PriceList.objects.get(pk=price_id).request_id
    approve_all(cast, request_id, staff.sales_director, staff.deputy_gm, staff.gm)
    consultant = api_for(staff.consultant)
    found = consultant.get(f"{API}price-lists/in-effect/?model=k5&trim=any")
    assert found.status_code == 200 and found.json()["msrp"] == "179800.00"
    assert consultant.get(f"{API}price-lists/in-effect/").status_code == 400
    assert consultant.post(f"{API}price-lists/", {}, format="json").status_code == 403
    assert consultant.get(f"{API}sales-plans/").json()["results"] == []
    # sub-dealers and their assessments
    dealer = manager.post(
        f"{API}sub-dealers/",
        {"name": "花都二级店", "contact_name": "王五", "region": "花都"},
        format="json",
    )
    assert dealer.status_code == 201 and dealer.json()["state"] == "prospect"
    dealer_id = dealer.json()["id"]
    assessed = manager.post(
        f"{API}sub-dealers/{dealer_id}/assessments/",
        {"period_start": "2026-01-01", "period_end": "2026-06-30", "score": 75, "units": 30},
        format="json",
    )
    assert assessed.status_code == 201
    assert len(manager.get(f"{API}sub-dealers/{dealer_id}/assessments/").json()) == 1
    assert manager.get(f"{API}sub-dealers/").json()["results"][0]["latest_score"] == 75
    assert consultant.post(
        f"{API}sub-dealers/{dealer_id}/assessments/",
        {"period_start": "2026-07-01", "period_end": "2026-12-31", "score": 75},
        format="json",
    ).status_code in (403, 404)
    other = api_for(cast.user_b)
    for url in (
        f"{API}sales-plans/{plan['id']}/",
        f"{API}price-lists/{price_id}/",
        f"{API}sub-dealers/{dealer_id}/",
    ):
        assert other.get(url).status_code == 404
    assert Decimal(found.json()["floor_price"]) == Decimal("170000")
