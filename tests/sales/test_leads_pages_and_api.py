"""Pages and API of showroom traffic, leads, test drives and key accounts: status codes, forms
and 400s naming the field, who sees what (a consultant their own, the supervisor the floor, the
CR specialist nothing, HQ read-only, another dealership 404), masked phones, constant queries
on the lists, and the "Leads to contact" panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from org.approvals.models import ApprovalRequest
from sales.models import KeyAccount, Lead, Stage, TestDrive, Visit
from tests.sales.conftest import make_customer, make_lead

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
API = "/api/v1/sales/"


def _visit(cast, consultant, **kwargs):
    customer = kwargs.pop("customer", None) or make_customer(cast.a, consultant)
    with dealership_context(cast.a):
        return Visit.objects.create(
            dealership=cast.a,
            visited_at=kwargs.pop("visited_at", timezone.now()),
            consultant=consultant,
            customer=customer,
            **kwargs,
        )


def _drive(cast, lead):
    with dealership_context(cast.a):
        return TestDrive.objects.create(
            dealership=cast.a,
            lead=lead,
            customer=lead.customer,
            consultant=lead.consultant,
            vehicle_model="K5",
            licence_number="420106199001011234",
            licence_expires_on=TODAY() + dt.timedelta(days=100),
            starts_at=timezone.now(),
        )


def _account(cast, manager, name="某物流公司"):
    customer = make_customer(cast.a, manager, name=name, kind="company")
    with dealership_context(cast.a):
        return KeyAccount.objects.create(
            dealership=cast.a, customer=customer, contact_name="刘经理", manager=manager
        )


@pytest.fixture
def rows(cast, staff):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.CONTACTED)
    return {
        "lead": lead,
        "visit": _visit(cast, staff.consultant, customer=lead.customer, lead=lead),
        "drive": _drive(cast, lead),
        "account": _account(cast, staff.consultant),
    }


def test_pages_answer_200(cast, staff, client_for, rows):
    lead, visit, drive, account = rows["lead"], rows["visit"], rows["drive"], rows["account"]
    client = client_for(staff.consultant)
    for url in (
        "/sales/traffic/",
        "/sales/traffic/?day_from=&day_to=&kind=walk_in&intent=C&q=张",
        "/sales/traffic/new/",
        f"/sales/traffic/{visit.pk}/",
        f"/sales/traffic/{visit.pk}/edit/",
        "/sales/leads/",
        "/sales/leads/?stage=contacted&intent=B&source=walk_in&overdue=on&sort=next_contact&q=张",
        "/sales/leads/new/",
        f"/sales/leads/{lead.pk}/",
        f"/sales/leads/{lead.pk}/edit/",
        f"/sales/leads/{lead.pk}/contact/",
        f"/sales/leads/{lead.pk}/lose/",
        "/sales/test-drives/",
        f"/sales/test-drives/new/?lead={lead.pk}",
        f"/sales/test-drives/{drive.pk}/",
        f"/sales/test-drives/{drive.pk}/edit/",
        "/sales/key-accounts/",
        "/sales/key-accounts/new/",
        f"/sales/key-accounts/{account.pk}/",
        f"/sales/key-accounts/{account.pk}/edit/",
    ):
        assert client.get(url).status_code == 200, url


def test_traffic_defaults_to_today_and_counts_it(cast, staff, client_for):
    _visit(cast, staff.consultant)
    _visit(cast, staff.consultant, visited_at=timezone.now() - dt.timedelta(days=3))
    client = client_for(staff.consultant)
    response = client.get("/sales/traffic/")
    assert len(response.context["table"].page.object_list) == 1
    assert response.context["today_count"] == 1
    response = client.get("/sales/traffic/", {"day_from": "", "day_to": ""})
    assert len(response.context["table"].page.object_list) == 2


def test_page_records_a_walk_in_with_a_lead(cast, staff, client_for):
    now = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    data = {
        "visited_at": now.strftime("%Y-%m-%dT%H:%M"),
        "kind": "walk_in",
        "name": "王伟",
        "mobile": "13800138000",
        "party_size": 2,
        "source": "walk_in",
        "models_of_interest": "K5",
        "intent": "A",
        "open_lead": "on",
    }
    response = client_for(staff.consultant).post("/sales/traffic/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    with dealership_context(cast.a):
        visit = Visit.objects.get()
        assert visit.lead.stage == Stage.NEW and visit.customer.name == "王伟"
    future = (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(staff.consultant).post(
        "/sales/traffic/new/", {**data, "visited_at": future}
    )
    assert response.status_code == 400 and "visited_at" in response.context["form"].errors
    response = client_for(staff.consultant).post("/sales/traffic/new/", {**data, "mobile": "12345"})
    assert response.status_code == 400 and "mobile" in response.context["form"].errors


def test_lead_page_masks_the_phone_and_shows_the_actions(cast, staff, client_for, rows):
    lead = rows["lead"]
    number = lead.customer.mobile
    page = client_for(staff.consultant).get(f"/sales/leads/{lead.pk}/").content.decode()
    assert number in page and 'data-testid="lose-lead"' in page
    assert 'data-testid="new-testdrive"' in page and 'data-testid="stage-bar"' in page
    hq = client_for(cast.hq_user).get(f"/sales/leads/{lead.pk}/")
    assert hq.status_code == 200
    assert number not in hq.content.decode() and number[:3] + "****" in hq.content.decode()
    assert 'data-testid="lose-lead"' not in hq.content.decode()


def test_lose_page_asks_the_sales_manager_then_shows_pending(cast, staff, client_for, rows):
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
    lead = rows["lead"]
    client = client_for(staff.consultant)
    response = client.post(f"/sales/leads/{lead.pk}/lose/", {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    response = client.post(f"/sales/leads/{lead.pk}/lose/", {"reason": "price", "note": "x"})
    assert response.status_code == 302
    page = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert 'data-testid="lost-pending"' in page and 'data-testid="lose-lead"' not in page
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get()
    detail = client_for(staff.sales_manager).get(f"/org/approvals/{request.pk}/")
    assert detail.status_code == 200 and 'data-testid="lost-lead"' in detail.content.decode()


def test_contact_page_moves_a_new_lead(cast, staff, client_for):
    lead = make_lead(cast.a, staff.consultant)
    response = client_for(staff.consultant).post(
        f"/sales/leads/{lead.pk}/contact/",
        {"note": "called", "next_contact_on": (TODAY() + dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert Lead.objects.get(pk=lead.pk).stage == Stage.CONTACTED


def test_test_drive_page_refuses_an_expired_licence(cast, staff, client_for, rows):
    lead = rows["lead"]
    start = timezone.localtime() - dt.timedelta(hours=1)
    data = {
        "lead": lead.pk,
        "vehicle_model": "K5",
        "licence_number": "420106199001011234",
        "licence_expires_on": (TODAY() - dt.timedelta(days=2)).isoformat(),
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
    }
    client = client_for(staff.consultant)
    response = client.post(f"/sales/test-drives/new/?lead={lead.pk}", data)
    assert response.status_code == 400
    assert "licence_expires_on" in response.context["form"].errors
    data["licence_expires_on"] = (TODAY() + dt.timedelta(days=200)).isoformat()
    response = client.post(f"/sales/test-drives/new/?lead={lead.pk}", data)
    assert response.status_code == 302
    other = make_lead(cast.a, staff.consultant2)
    response = client.post("/sales/test-drives/new/", {**data, "lead": other.pk})
    assert response.status_code == 400 and "lead" in response.context["form"].errors


# --- permissions --------------------------------------------------------------------------------


def test_a_consultant_sees_only_their_own(cast, staff, client_for, api_for, rows):
    mine = rows["lead"]
    theirs = make_lead(cast.a, staff.consultant2)
    their_visit = _visit(cast, staff.consultant2, customer=theirs.customer)
    their_drive = _drive(cast, theirs)
    their_account = _account(cast, staff.consultant2, name="另一家公司")
    other = client_for(staff.consultant2)
    assert other.get(f"/sales/leads/{mine.pk}/").status_code == 404
    assert other.get(f"/sales/leads/{mine.pk}/edit/").status_code == 404
    assert other.post(f"/sales/leads/{mine.pk}/lose/", {"reason": "price"}).status_code == 404
    assert other.get(f"/sales/traffic/{rows['visit'].pk}/").status_code == 404
    assert other.get(f"/sales/test-drives/{rows['drive'].pk}/").status_code == 404
    assert other.get(f"/sales/key-accounts/{rows['account'].pk}/").status_code == 404
    api = api_for(staff.consultant)
    for path, own, their in (
        ("leads/", mine.pk, theirs.pk),
        ("visits/", rows["visit"].pk, their_visit.pk),
        ("test-drives/", rows["drive"].pk, their_drive.pk),
        ("key-accounts/", rows["account"].pk, their_account.pk),
    ):
        ids = [r["id"] for r in api.get(f"{API}{path}?day_from=2000-01-01").json()["results"]]
        assert ids == [own], path
        assert api.get(f"{API}{path}{their}/").status_code == 404, path
        # the supervisor and the sales manager see the whole floor
        for boss in (staff.showroom_supervisor, staff.sales_manager):
            listed = api_for(boss).get(f"{API}{path}?day_from=2000-01-01").json()["results"]
            assert {r["id"] for r in listed} == {own, their}, (path, boss)
    assert client_for(staff.showroom_supervisor).get(f"/sales/leads/{mine.pk}/").status_code == 200


def test_cr_specialist_403_hq_read_only_other_dealership_404(
    cast, staff, client_for, api_for, rows
):
    lead = rows["lead"]
    cr = client_for(staff.cr_specialist)
    for url in ("/sales/traffic/", "/sales/leads/", "/sales/test-drives/", "/sales/key-accounts/"):
        assert cr.get(url).status_code == 403, url
    assert cr.get(f"/sales/leads/{lead.pk}/").status_code == 403
    assert api_for(staff.cr_specialist).get(f"{API}leads/").status_code == 403
    hq = api_for(cast.hq_user)
    assert hq.get(f"{API}leads/{lead.pk}/").status_code == 200
    assert hq.post(f"{API}leads/", {"name": "x", "mobile": "13800138000"}).status_code == 403
    assert hq.post(f"{API}leads/{lead.pk}/reactivate/").status_code == 403
    assert client_for(cast.hq_user).get("/sales/leads/new/").status_code == 403
    b = api_for(cast.user_b)
    assert b.get(f"{API}leads/{lead.pk}/").status_code == 404
    assert b.post(f"{API}leads/{lead.pk}/contact/", {"note": "x"}).status_code == 404
    assert client_for(cast.user_b).get(f"/sales/leads/{lead.pk}/").status_code == 404
    assert (
        client_for(cast.user_b).get(f"/sales/key-accounts/{rows['account'].pk}/").status_code == 404
    )


# --- API ----------------------------------------------------------------------------------------


def test_api_creates_through_the_services(cast, staff, api_for):
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
    api = api_for(staff.consultant)
    now = timezone.now().isoformat()
    response = api.post(
        f"{API}visits/",
        {"visited_at": now, "name": "王伟", "mobile": "13800138000", "open_lead": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    lead_id = response.json()["lead"]
    assert response.json()["customer_mobile"] == "13800138000"
    response = api.post(
        f"{API}leads/{lead_id}/contact/", {"note": "called", "intent": "H"}, format="json"
    )
    assert response.status_code == 200 and response.json()["stage"] == "contacted"
    response = api.post(
        f"{API}test-drives/",
        {
            "lead": lead_id,
            "vehicle_model": "K5",
            "licence_number": "420106199001011234",
            "licence_expires_on": (TODAY() + dt.timedelta(days=9)).isoformat(),
            "starts_at": now,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    response = api.post(f"{API}leads/{lead_id}/lose/", {"reason": "price"}, format="json")
    assert response.status_code == 200 and response.json()["lost_pending"] is True
    response = api.post(
        f"{API}key-accounts/", {"name": "某公司", "contact_name": "刘经理"}, format="json"
    )
    assert response.status_code == 201, response.content
    response = api.patch(f"{API}leads/{lead_id}/", {"stage": "delivered"}, format="json")
    assert response.status_code == 400 and "stage" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "path, payload, field",
    [
        ("visits/", {"visited_at": "2999-01-01T10:00:00+08:00"}, "visited_at"),
        ("visits/", {"visited_at": "2020-01-01T10:00:00+08:00", "mobile": "123"}, "mobile"),
        ("leads/", {"name": "王伟", "mobile": "12345"}, "mobile"),
        ("leads/", {"customer": 999999}, "customer"),
        ("test-drives/", {"licence_expires_on": "2000-01-01"}, "licence_expires_on"),
        ("test-drives/", {"licence_number": "x"}, "licence_number"),
        ("test-drives/", {"lead": 999999}, "lead"),
        (
            "key-accounts/",
            {"name": "某公司", "contact_name": "x", "contact_phone": "1"},
            "contact_phone",
        ),
    ],
)
def test_api_bad_input_answers_400_naming_the_field(cast, staff, api_for, path, payload, field):
    lead = make_lead(cast.a, staff.consultant)
    if path == "test-drives/":
        payload = {
            "lead": lead.pk,
            "vehicle_model": "K5",
            "licence_number": "420106199001011234",
            "licence_expires_on": (TODAY() + dt.timedelta(days=9)).isoformat(),
            "starts_at": timezone.now().isoformat(),
            **payload,
        }
    with dealership_context(cast.a):
        before = (Visit.objects.count(), Lead.objects.count(), TestDrive.objects.count())
    response = api_for(staff.consultant).post(f"{API}{path}", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    with dealership_context(cast.a):
        after = (Visit.objects.count(), Lead.objects.count(), TestDrive.objects.count())
        assert before == after and not KeyAccount.objects.exists()


def test_api_masks_phones_without_the_capability(cast, staff, api_for, rows):
    number = rows["lead"].customer.mobile
    body = api_for(cast.hq_user).get(f"{API}leads/").json()["results"][0]
    assert body["customer_mobile"] == number[:3] + "****" + number[-4:]
    assert (
        api_for(staff.consultant).get(f"{API}leads/").json()["results"][0]["customer_mobile"]
        == number
    )


# --- query counts and the panel -----------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, staff, client_for, api_for):
    client, api = client_for(staff.showroom_supervisor), api_for(staff.showroom_supervisor)
    pages = ("/sales/traffic/", "/sales/leads/", "/sales/test-drives/", "/sales/key-accounts/")
    apis = tuple(f"{API}{p}" for p in ("visits/", "leads/", "test-drives/", "key-accounts/"))

    def add(n, start):
        for i in range(start, start + n):
            consultant = staff.consultant if i % 2 else staff.consultant2
            lead = make_lead(cast.a, consultant, next_contact_on=TODAY())
            _visit(cast, consultant, customer=lead.customer, lead=lead)
            _drive(cast, lead)
            _account(cast, consultant, name=f"公司{i}")

    add(10, 0)
    counts_10 = [_queries(client, u) for u in pages] + [_queries(api, u) for u in apis]
    add(40, 10)
    counts_50 = [_queries(client, u) for u in pages] + [_queries(api, u) for u in apis]
    assert counts_10 == counts_50


def test_the_leads_to_contact_panel(cast, staff, client_for):
    due = make_lead(cast.a, staff.consultant, next_contact_on=TODAY(), model_of_interest="DUE")
    late = make_lead(
        cast.a,
        staff.consultant,
        next_contact_on=TODAY() - dt.timedelta(days=2),
        model_of_interest="LATE",
    )
    make_lead(
        cast.a,
        staff.consultant,
        next_contact_on=TODAY() + dt.timedelta(days=2),
        model_of_interest="LATER",
    )
    make_lead(
        cast.a,
        staff.consultant,
        stage=Stage.LOST,
        next_contact_on=TODAY() - dt.timedelta(days=2),
        model_of_interest="GONE",
    )
    theirs = make_lead(
        cast.a, staff.consultant2, next_contact_on=TODAY(), model_of_interest="THEIRS"
    )
    page = client_for(staff.consultant).get("/dashboard/")
    widgets = {w.key: c for w, c in page.context["widgets"]}
    panel = widgets["sales_leads_to_contact"]
    assert [lead.pk for lead in panel["leads"]] == [late.pk, due.pk]
    assert (panel["due_today"], panel["overdue"]) == (1, 1)
    supervisor = client_for(staff.showroom_supervisor).get("/dashboard/")
    panel = {w.key: c for w, c in supervisor.context["widgets"]}["sales_leads_to_contact"]
    assert {lead.pk for lead in panel["leads"]} == {late.pk, due.pk, theirs.pk}
    cr = client_for(staff.cr_specialist).get("/dashboard/")
    assert "sales_leads_to_contact" not in {w.key for w, _ in cr.context["widgets"]}
    # the overdue filter of the list
    listed = client_for(staff.consultant).get("/sales/leads/", {"overdue": "on"})
    assert [r.record.pk for r in listed.context["table"].page.object_list] == [late.pk]


def test_reactivate_page_brings_a_lost_lead_back(cast, staff, client_for):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.LOST, stage_before_lost=Stage.QUOTE)
    client = client_for(staff.consultant)
    page = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert 'data-testid="reactivate-lead"' in page and 'data-testid="new-testdrive"' not in page
    assert client.get(f"/sales/leads/{lead.pk}/reactivate/").status_code == 200
    assert client.post(f"/sales/leads/{lead.pk}/reactivate/").status_code == 302
    with dealership_context(cast.a):
        assert Lead.objects.get(pk=lead.pk).stage == Stage.QUOTE
    response = client.post(f"/sales/leads/{lead.pk}/reactivate/")
    assert response.status_code == 400  # not lost any more
    assert client_for(cast.hq_user).post(f"/sales/leads/{lead.pk}/reactivate/").status_code == 403


def test_quote_and_order_links_and_the_quotes_tab(cast, staff, client_for, rows):
    lead = rows["lead"]
    page = client_for(staff.consultant).get(f"/sales/leads/{lead.pk}/").content.decode()
    assert f"/sales/quotes/new/?lead={lead.pk}" in page
    assert f"/sales/orders/new/?lead={lead.pk}" in page
    tabs = client_for(staff.consultant).get("/sales/leads/").content.decode()
    assert 'data-testid="tab-quotes"' in tabs
    # the HQ director reads the lead but gets no buttons to write
    hq = client_for(cast.hq_user).get(f"/sales/leads/{lead.pk}/").content.decode()
    assert "/sales/quotes/new/" not in hq and "/sales/orders/new/" not in hq
