"""Pages and API of complaints: who sees what (the sales manager the complaints routed to sales,
a follow-up specialist their own, the CRM manager all, a sales consultant nothing, another
dealership 404, HQ read-only), the create form and its customer picker, the detail's log and
the buttons the viewer may use, the actions posted by form and API with the same rules, 400s
naming the field or the state, the dashboard panel, the customer page, and constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Complaint, FollowUp, Vehicle
from crm.services import complaints as svc
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner, valid_vin

pytestmark = pytest.mark.django_db

API = "/api/v1/crm/complaints/"


def _complaint(cast, actor, *, category="sales_process", severity="normal", customer=None):
    customer = customer or make_owner(cast.a)
    with dealership_context(cast.a):
        return svc.complaint_create(
            actor=actor,
            customer=customer,
            channel="phone",
            category=category,
            severity=severity,
            description="Promised floor mats never came.",
        )


def _reload(cast, complaint) -> Complaint:
    with dealership_context(cast.a):
        return Complaint.objects.get(pk=complaint.pk)


@pytest.fixture
def rows(cast, team):
    sales = _complaint(cast, team.cr_specialist)
    service = _complaint(cast, team.cr_specialist, category="service_time")
    staff = _complaint(cast, team.customer_relations_manager, category="staff")
    return {"sales": sales, "service": service, "staff": staff}


def _listed(response) -> set[int]:
    return {row.record.pk for row in response.context["table"].page.object_list}


# --- pages ----------------------------------------------------------------------------------------


def test_pages_answer_200(cast, team, client_for, rows):
    complaint = rows["sales"]
    client = client_for(team.customer_relations_manager)
    for url in (
        "/crm/complaints/",
        "/crm/complaints/?state=open&severity=major&category=price&overdue=on&month=2026-01&q=TS",
        "/crm/complaints/?month=2026-13&department=abc",
        "/crm/complaints/new/",
        "/crm/complaints/new/?q=李",
        f"/crm/complaints/new/?customer={complaint.customer_id}",
        f"/crm/complaints/{complaint.pk}/",
        f"/crm/complaints/{complaint.pk}/edit/",
        f"/crm/complaints/{complaint.pk}/assign/",
        f"/crm/complaints/{complaint.pk}/resolve/",
    ):
        assert client.get(url).status_code == 200, url


def test_who_sees_which_complaints(cast, team, client_for, rows):
    sales, service, staff = rows["sales"], rows["service"], rows["staff"]
    seen = {
        "customer_relations_manager": {sales.pk, service.pk, staff.pk},
        "sales_manager": {sales.pk},
        "service_manager": {service.pk},
        "cr_specialist": {sales.pk, service.pk},  # registered by them
        "sales_followup_specialist": set(),
    }
    for code, expected in seen.items():
        response = client_for(getattr(team, code)).get("/crm/complaints/")
        assert response.status_code == 200, code
        assert _listed(response) == expected, code
    assert client_for(team.gm).get("/crm/complaints/").status_code == 200
    # the sales manager: the service complaint is not theirs to see
    client = client_for(team.sales_manager)
    assert client.get(f"/crm/complaints/{sales.pk}/").status_code == 200
    assert client.get(f"/crm/complaints/{service.pk}/").status_code == 404


def test_a_sales_consultant_has_no_complaint_pages(cast, team, client_for, api_for, rows):
    client = client_for(team.sales_consultant)
    for url in ("/crm/complaints/", "/crm/complaints/new/", f"/crm/complaints/{rows['sales'].pk}/"):
        assert client.get(url).status_code == 403, url
    assert api_for(team.sales_consultant).get(API).status_code == 403
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert b'href="/crm/complaints/"' not in dashboard.content
    assert "crm_open_complaints" not in [w.key for w, _data in dashboard.context["widgets"]]


def test_another_dealership_gets_404_and_sees_nothing(cast, team, client_for, api_for, rows):
    complaint = rows["sales"]
    client = client_for(cast.user_b)
    for url in (
        f"/crm/complaints/{complaint.pk}/",
        f"/crm/complaints/{complaint.pk}/edit/",
        f"/crm/complaints/{complaint.pk}/start/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/crm/complaints/{complaint.pk}/start/", {}).status_code == 404
    assert _listed(client.get("/crm/complaints/")) == set()
    api = api_for(cast.user_b)
    assert api.get(f"{API}{complaint.pk}/").status_code == 404
    assert api.post(f"{API}{complaint.pk}/start/", {}, format="json").status_code == 404
    assert len(api.get(API).json()["results"]) == 0
    assert _reload(cast, complaint).state == "assigned"


def test_hq_reads_but_changes_nothing(cast, team, client_for, api_for, rows):
    complaint = rows["sales"]
    client = client_for(cast.hq_user)
    response = client.get(f"/crm/complaints/{complaint.pk}/")
    if response.status_code == 200:  # HQ positions that read complaints
        assert response.context["actions"] == []
        assert not response.context["may_edit"]
    assert client.post(f"/crm/complaints/{complaint.pk}/start/", {}).status_code in (403, 404)
    assert _reload(cast, complaint).state == "assigned"


def test_the_detail_shows_the_log_and_only_the_viewers_buttons(cast, team, client_for, rows):
    complaint = rows["sales"]

    def buttons(user):
        response = client_for(user).get(f"/crm/complaints/{complaint.pk}/")
        assert response.status_code == 200
        return [a["code"] for a in response.context["actions"]], response

    codes, response = buttons(team.sales_manager)
    assert codes == ["assign", "start", "resolve"]
    assert b'data-testid="complaint-log"' in response.content
    assert [e.action for e in response.context["entries"]] == ["registered", "assigned"]
    assert response.context["may_edit"]
    # the specialist who registered it: no assigning
    codes, _ = buttons(team.cr_specialist)
    assert codes == ["start", "resolve"]
    # the deputy GM reads complaints, changes none
    codes, response = buttons(team.deputy_gm)
    assert codes == [] and not response.context["may_edit"]
    with dealership_context(cast.a):
        svc.complaint_resolve(
            actor=team.sales_manager, complaint_id=complaint.pk, resolution="Mats fitted."
        )
    assert buttons(team.sales_manager)[0] == ["reopen"]
    assert buttons(team.customer_relations_manager)[0] == ["confirm", "reopen"]


def test_the_customer_phone_on_the_detail_is_masked_without_the_right(cast, team, client_for, rows):
    complaint = rows["sales"]
    with dealership_context(cast.a):
        mobile = complaint.customer.mobile
    shown = client_for(team.customer_relations_manager).get(f"/crm/complaints/{complaint.pk}/")
    assert shown.context["mobile"] == mobile
    masked = client_for(team.cr_specialist).get(f"/crm/complaints/{complaint.pk}/")
    assert masked.context["mobile"] == f"{mobile[:3]}****{mobile[-4:]}"


def test_the_whole_way_through_the_pages(cast, team, client_for, rows):
    complaint = rows["sales"]
    base = f"/crm/complaints/{complaint.pk}"
    manager = client_for(team.sales_manager)
    response = manager.post(
        f"{base}/assign/", {"assign-owner": team.sales_consultant.pk, "assign-note": "Yours."}
    )
    assert response.status_code == 302 and response["Location"] == f"{base}/"
    assert _reload(cast, complaint).owner_id == team.sales_consultant.pk
    # outside the department or the CRM team: refused on the form (the choice is not offered)
    response = manager.post(f"{base}/assign/", {"assign-owner": team.service_advisor.pk})
    assert response.status_code == 400
    assert manager.post(f"{base}/start/", {"start-note": ""}).status_code == 302
    response = manager.post(f"{base}/resolve/", {"resolve-resolution": ""})
    assert response.status_code == 400
    assert "resolution" in response.context["form"].errors
    manager.post(f"{base}/resolve/", {"resolve-resolution": "Mats fitted."})
    # confirming is the CRM team's: 403 for the sales manager
    assert manager.post(f"{base}/confirm/", {"confirm-feedback": "Fine"}).status_code == 403
    crm = client_for(team.customer_relations_manager)
    assert crm.post(f"{base}/confirm/", {"confirm-feedback": "Happy."}).status_code == 302
    # closing twice: the second is refused with the state's message
    assert crm.post(f"{base}/close/", {"close-note": ""}).status_code == 302
    response = crm.post(f"{base}/close/", {"close-note": ""})
    assert response.status_code == 400
    assert "cannot be closed" in str(response.context["form"].non_field_errors())
    assert crm.post(f"{base}/reopen/", {"reopen-reason": "Mats missing."}).status_code == 302
    reopened = _reload(cast, complaint)
    assert (reopened.state, reopened.reopened) == ("in_progress", 1)
    assert reopened.owner_id == team.sales_consultant.pk


def test_the_sales_consultant_owner_cannot_open_the_page_but_is_told(cast, team, client_for, rows):
    # a consultant holds no complaint capability: being the owner does not open the pages
    complaint = rows["sales"]
    with dealership_context(cast.a):
        svc.complaint_assign(
            actor=team.sales_manager, complaint_id=complaint.pk, owner_id=team.sales_consultant.pk
        )
    assert client_for(team.sales_consultant).get(
        f"/crm/complaints/{complaint.pk}/"
    ).status_code == (403)


def test_create_by_form_with_the_customer_from_the_customer_page(cast, team, client_for):
    customer = make_owner(cast.a, team.sales_consultant, name="王伟")
    with dealership_context(cast.a):
        vehicle = Vehicle.objects.create(
            dealership=cast.a, vin=valid_vin(), plate="粤A12345", owner=customer
        )
    client = client_for(team.cr_specialist)
    page = client.get(f"/crm/complaints/new/?customer={customer.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["customer"] == customer.pk
    assert f'<option value="{customer.pk}" selected>'.encode() in page.content
    assert f'<option value="{vehicle.pk}">'.encode() in page.content
    received = timezone.localtime() - dt.timedelta(hours=1)
    data = {
        "customer": customer.pk,
        "vehicle": vehicle.pk,
        "channel": "walk_in",
        "category": "delivery",
        "severity": "major",
        "description": "The car was delivered dirty.",
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(f"/crm/complaints/new/?customer={customer.pk}", data)
    assert response.status_code == 302, response.content
    with dealership_context(cast.a):
        complaint = Complaint.objects.get()
    assert response["Location"] == f"/crm/complaints/{complaint.pk}/"
    assert (complaint.vehicle_id, complaint.severity, complaint.oem_coordination) == (
        vehicle.pk,
        "major",
        True,
    )
    assert complaint.owner_id == team.sales_manager.pk
    # the customer page lists it, with a link to register another
    page = client_for(team.customer_relations_manager).get(f"/crm/customers/{customer.pk}/")
    assert b'data-testid="customer-complaints"' in page.content
    assert complaint.number.encode() in page.content
    assert f"/crm/complaints/new/?customer={customer.pk}".encode() in page.content


def test_create_form_refuses_bad_input_and_offers_only_visible_customers(cast, team, client_for):
    theirs = make_owner(cast.a, team.sales_consultant, name="张三")
    other = make_owner(cast.a, team.service_advisor, name="张四")
    client = client_for(team.sales_manager)
    page = client.get("/crm/complaints/new/?q=张")
    assert f'<option value="{theirs.pk}">'.encode() in page.content
    assert f'<option value="{other.pk}"'.encode() not in page.content
    data = {
        "customer": other.pk,
        "channel": "phone",
        "category": "price",
        "severity": "normal",
        "description": "Too expensive.",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post("/crm/complaints/new/", data)
    assert response.status_code == 400
    assert "customer" in response.context["form"].errors
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/crm/complaints/new/", {**data, "customer": theirs.pk, "received_at": future}
    )
    assert response.status_code == 400
    assert "received_at" in response.context["form"].errors
    with dealership_context(cast.a):
        assert not Complaint.objects.exists()


def test_edit_reroutes_by_category(cast, team, client_for, rows):
    complaint = rows["sales"]
    client = client_for(team.customer_relations_manager)
    response = client.post(
        f"/crm/complaints/{complaint.pk}/edit/",
        {"category": "parts", "severity": "normal", "description": "Parts late.", "note": ""},
    )
    assert response.status_code == 302
    moved = _reload(cast, complaint)
    assert (moved.category, moved.owner_id) == ("parts", team.service_manager.pk)
    # now outside the sales manager's department: 404 for them
    assert client_for(team.sales_manager).get(f"/crm/complaints/{complaint.pk}/").status_code == 404


def test_filters(cast, team, client_for, rows):
    major = _complaint(cast, team.cr_specialist, severity="major", category="price")
    client = client_for(team.customer_relations_manager)
    assert _listed(client.get("/crm/complaints/?severity=major")) == {major.pk}
    assert _listed(client.get("/crm/complaints/?category=staff")) == {rows["staff"].pk}
    with dealership_context(cast.a):
        from org.models import Department

        sales = Department.objects.get(code="sales")
        Complaint.objects.filter(pk=rows["service"].pk).update(
            deadline=timezone.now() - dt.timedelta(hours=1)
        )
    assert _listed(client.get(f"/crm/complaints/?department={sales.pk}")) == {
        rows["sales"].pk,
        major.pk,
    }
    response = client.get("/crm/complaints/?overdue=on")
    assert _listed(response) == {rows["service"].pk}
    assert b'data-testid="overdue"' in response.content
    month = f"{timezone.localdate():%Y-%m}"
    assert len(_listed(client.get(f"/crm/complaints/?month={month}"))) == 4
    assert _listed(client.get("/crm/complaints/?month=2001-01")) == set()
    assert _listed(client.get(f"/crm/complaints/?q={major.number}")) == {major.pk}
    with dealership_context(cast.a):
        svc.complaint_resolve(
            actor=team.sales_manager, complaint_id=rows["sales"].pk, resolution="Done."
        )
    assert rows["sales"].pk not in _listed(client.get("/crm/complaints/?state=open"))
    assert _listed(client.get("/crm/complaints/?state=resolved")) == {rows["sales"].pk}


def test_the_followup_specialist_sees_the_complaint_of_their_call(cast, team, client_for):
    event = make_event(cast.a, kind="sales", staff=team.sales_consultant)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
        from crm.models import Questionnaire, SurveyResponse

        questionnaire = Questionnaire.objects.filter(kind="sales").first()
        response = SurveyResponse.objects.create(
            dealership=cast.a,
            followup=followup,
            questionnaire=questionnaire,
            taken_at=timezone.now(),
            taken_by=followup.specialist,
        )
        complaint = svc.complaint_from_survey(
            actor=followup.specialist, response=response, reason="Unhappy with the delivery."
        )
    mine = client_for(followup.specialist)
    assert _listed(mine.get("/crm/complaints/")) == {complaint.pk}
    page = mine.get(f"/crm/complaints/{complaint.pk}/")
    assert page.status_code == 200
    assert page.context["followup_ids"] == {followup.pk}
    other = (
        team.sales_followup_specialist2
        if followup.specialist_id == team.sales_followup_specialist.pk
        else team.sales_followup_specialist
    )
    assert client_for(other).get(f"/crm/complaints/{complaint.pk}/").status_code == 404


# --- the dashboard panel and the navigation -------------------------------------------------------


def test_the_open_complaints_panel_counts_by_age_overdue_first(cast, team, client_for, rows):
    with dealership_context(cast.a):
        now = timezone.now()
        Complaint.objects.filter(pk=rows["service"].pk).update(
            received_at=now - dt.timedelta(days=10), deadline=now - dt.timedelta(days=3)
        )
        Complaint.objects.filter(pk=rows["staff"].pk).update(received_at=now - dt.timedelta(days=4))
    response = client_for(team.customer_relations_manager).get("/dashboard/")
    assert b'data-testid="complaint-ages"' in response.content
    widget = next(w for w in response.context["widgets"] if w[0].key == "crm_open_complaints")
    data = widget[1]
    assert (data["days_0_2"], data["days_3_7"], data["days_over_7"]) == (1, 1, 1)
    assert data["overdue"] == 1
    assert data["rows"][0].pk == rows["service"].pk
    # the sales manager: only the one routed to sales
    response = client_for(team.sales_manager).get("/dashboard/")
    widget = next(w for w in response.context["widgets"] if w[0].key == "crm_open_complaints")
    assert widget[1]["total"] == 1
    assert b'href="/crm/complaints/"' in response.content


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_reads_and_filters(cast, team, api_for, rows):
    api = api_for(team.customer_relations_manager)
    body = api.get(API).json()
    assert len(body["results"]) == 3
    assert {r["id"] for r in api.get(API, {"category": "staff"}).json()["results"]} == {
        rows["staff"].pk
    }
    detail = api.get(f"{API}{rows['sales'].pk}/").json()
    assert detail["number"] == rows["sales"].number
    assert detail["department_code"] == "sales"
    assert detail["owner"]["id"] == team.sales_manager.pk
    assert [e["action"] for e in detail["entries"]] == ["registered", "assigned"]
    assert detail["overdue"] is False
    sales = api_for(team.sales_manager).get(API).json()
    assert {r["id"] for r in sales["results"]} == {rows["sales"].pk}


def test_api_create_update_and_actions_with_the_same_rules(cast, team, api_for):
    customer = make_owner(cast.a, team.sales_consultant)
    api = api_for(team.cr_specialist)
    response = api.post(
        API,
        {
            "customer": customer.pk,
            "channel": "email",
            "category": "price",
            "description": "Charged twice.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["owner"]["id"]) == ("assigned", team.sales_manager.pk)
    pk = body["id"]
    # bad input: 400 naming the field
    bad = api.post(API, {"customer": customer.pk, "channel": "followup"}, format="json")
    assert bad.status_code == 400
    assert {"channel", "category", "description"} <= set(bad.json()["error"]["fields"])
    # a state error: 400 with the message
    response = api.post(f"{API}{pk}/close/", {}, format="json")
    assert response.status_code == 400
    assert "cannot be closed" in str(response.json())
    # the specialist does not assign (403); the sales manager does, within the department
    assert (
        api.post(
            f"{API}{pk}/assign/", {"owner": team.sales_consultant.pk}, format="json"
        ).status_code
        == 403
    )
    manager = api_for(team.sales_manager)
    response = manager.post(f"{API}{pk}/assign/", {"owner": team.service_advisor.pk}, format="json")
    assert response.status_code == 400 and "owner" in response.json()["error"]["fields"]
    response = manager.post(
        f"{API}{pk}/assign/", {"owner": team.sales_consultant.pk}, format="json"
    )
    assert (
        response.status_code == 200 and response.json()["owner"]["id"] == team.sales_consultant.pk
    )
    response = api.patch(f"{API}{pk}/", {"severity": "major"}, format="json")
    assert response.status_code == 200
    assert response.json()["oem_coordination"] is True
    assert api.patch(f"{API}{pk}/", {"severity": "huge"}, format="json").status_code == 400
    assert manager.post(f"{API}{pk}/start/", {}, format="json").status_code == 200
    assert manager.post(f"{API}{pk}/resolve/", {}, format="json").status_code == 400
    response = manager.post(f"{API}{pk}/resolve/", {"resolution": "Refunded."}, format="json")
    assert response.json()["state"] == "resolved"
    assert manager.post(f"{API}{pk}/confirm/", {"feedback": "OK"}, format="json").status_code == 403
    assert api.post(f"{API}{pk}/confirm/", {"feedback": "OK"}, format="json").status_code == 200
    crm = api_for(team.customer_relations_manager)
    assert crm.post(f"{API}{pk}/close/", {}, format="json").json()["state"] == "closed"
    response = crm.post(f"{API}{pk}/reopen/", {"reason": "Charged again."}, format="json")
    assert (response.json()["state"], response.json()["reopened"]) == ("in_progress", 1)
    assert api.put(f"{API}{pk}/", {}, format="json").status_code == 405
    assert api.delete(f"{API}{pk}/").status_code == 405


def test_api_sales_consultant_cannot_create(cast, team, api_for):
    customer = make_owner(cast.a, team.sales_consultant)
    response = api_for(team.sales_consultant).post(
        API,
        {"customer": customer.pk, "channel": "phone", "category": "price", "description": "x"},
        format="json",
    )
    assert response.status_code == 403


# --- constant queries -----------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # what a first visit reads once (cached menus) is not counted
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, team, client_for, api_for):
    client = client_for(team.customer_relations_manager)
    api = api_for(team.customer_relations_manager)
    urls = ("/crm/complaints/", f"{API}", "/dashboard/")
    # the first one already tells the viewer (the bell then has something to list)
    _complaint(cast, team.cr_specialist, category="staff", severity="major")
    few = [_count(client if not u.startswith("/api") else api, u) for u in urls]
    for n in range(6):
        _complaint(
            cast,
            team.cr_specialist,
            category=("price", "parts", "staff")[n % 3],
            severity=("normal", "major")[n % 2],
        )
    many = [_count(client if not u.startswith("/api") else api, u) for u in urls]
    assert few == many
