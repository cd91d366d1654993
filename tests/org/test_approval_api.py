"""The approval API and pages: the inbox, deciding (200/400/403/409 and the error shape),
withdrawing, delegations, who sees which request, attachments served by permission, the chain
editor, the dashboard panels, and lists that run a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealership.tenancy import dealership_context
from org.approvals import services
from org.approvals.models import ApprovalStep, Delegation
from tests.org import approval_fixtures
from tests.org.approval_fixtures import (
    CONSULTANT_ROUTE,
    approver_names,
    create,
    decide,
    fresh,
    open_step,
    position,
    route,
    statuses,
    submit,
    submitted,
)

# the shared fixtures (a test-only kind of request, dealership A staffed)
events, kinds, team = approval_fixtures.events, approval_fixtures.kinds, approval_fixtures.team

pytestmark = pytest.mark.django_db

API = "/api/v1/org/approval-requests/"
STEP_FIELDS = {
    "order",
    "approver_positions",
    "mode",
    "status",
    "decided_by",
    "on_behalf_of",
    "decision",
    "comment",
    "decided_at",
}


@pytest.fixture
def english(client_for):
    def make(user):
        client = client_for(user)
        client.cookies["erp_language"] = "en"
        return client

    return make


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- API: the inbox and the shape of a request ------------------------------------------------


def test_the_inbox_lists_what_waits_for_the_caller(team, api_for):
    request = submitted(team, amount="1234.50", subject="展厅灯箱维修")
    other = submitted(team, subject="第二笔")
    decide(team, "sales_director", other)
    inbox = api_for(team["sales_director"]).get(API, {"inbox": "true"})
    assert _ids(inbox) == [request.pk]
    (item,) = inbox.json()["results"]
    assert {"id", "kind", "status", "requester", "amount", "current_step", "steps"} <= set(item)
    assert item["kind"] == "test.payment" and item["status"] == "pending"
    assert item["requester"] == "sales_consultant"
    assert item["amount"] == "1234.50" and item["current_step"] == 1
    assert [s["order"] for s in item["steps"]] == [1, 2, 3, 4, 5]
    assert [s["approver_positions"] for s in item["steps"]] == CONSULTANT_ROUTE
    for step in item["steps"]:
        assert set(step) >= STEP_FIELDS
    assert item["steps"][0]["status"] == "open" and item["steps"][0]["decided_by"] is None
    assert _ids(api_for(team["accountant"]).get(API, {"inbox": "true"})) == [other.pk]
    assert _ids(api_for(team["sales_consultant"]).get(API, {"inbox": "1"})) == []


def test_a_request_appears_once_in_the_inbox_of_a_later_step(team, api_for):
    request = submitted(team)
    decide(team, "sales_director", request)
    decide(team, "accountant", request)  # two steps closed, each with a due time
    inbox = api_for(team["finance_manager"]).get(API, {"inbox": "true"})
    assert _ids(inbox) == [request.pk]
    assert len(inbox.json()["results"]) == 1
    count = api_for(team["finance_manager"]).get(f"{API}inbox-count/").json()
    assert count == {"waiting": 1}


def test_every_waiting_request_is_listed_once_in_the_api_inbox(team, api_for):
    first = submitted(team, subject="第一笔")
    decide(team, "sales_director", first)
    decide(team, "accountant", first)
    second = submitted(team, subject="第二笔")
    decide(team, "sales_director", second)
    decide(team, "accountant", second)
    inbox = api_for(team["finance_manager"]).get(API, {"inbox": "true"})
    assert len(inbox.json()["results"]) == 2
    assert sorted(_ids(inbox)) == sorted([first.pk, second.pk])


def test_deciding_through_the_api(team, api_for):
    request = submitted(team)
    api = api_for(team["sales_director"])
    response = api.post(f"{API}{request.pk}/decide/", {"decision": "approve", "comment": "同意"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["current_step"] == 2 and body["status"] == "pending"
    first = body["steps"][0]
    assert first["status"] == "approved" and first["decision"] == "approve"
    assert first["decided_by"] == "sales_director" and first["comment"] == "同意"
    assert first["decided_at"] and first["on_behalf_of"] is None
    assert open_step(team, request).order == 2


def test_reject_without_a_reason_is_a_400_naming_the_comment(team, api_for):
    request = submitted(team)
    response = api_for(team["sales_director"]).post(
        f"{API}{request.pk}/decide/", {"decision": "reject"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and "comment" in error["fields"]
    assert fresh(team, request).status == "pending"
    response = api_for(team["sales_director"]).post(
        f"{API}{request.pk}/decide/", {"decision": "reject", "comment": "预算不足"}
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_deciding_errors_are_403_and_409(team, api_for):
    second = team.hire("sales_director", "director2", "销售总监钱总")
    request = submitted(team)
    # a colleague of the requester's department who may see it but does not decide it
    supervisor = api_for(team["showroom_supervisor"]).post(
        f"{API}{request.pk}/decide/", {"decision": "approve"}
    )
    assert supervisor.status_code == 404  # own scope: another person's request is not found
    # a later step's approver deciding now
    early = api_for(team["gm"]).post(f"{API}{request.pk}/decide/", {"decision": "approve"})
    assert early.status_code == 409 and early.json()["error"]["status"] == 409
    # two holders of the department head's position: the second finds it decided
    assert approver_names(team, open_step(team, request)) == ["director2", "sales_director"]
    first = api_for(team["sales_director"]).post(
        f"{API}{request.pk}/decide/", {"decision": "approve"}
    )
    assert first.status_code == 200
    late = api_for(second).post(f"{API}{request.pk}/decide/", {"decision": "approve"})
    assert late.status_code == 409
    error = late.json()["error"]
    assert error["status"] == 409 and "销售总监赵总" in error["message"]
    assert open_step(team, request).order == 2


def test_a_non_approver_who_sees_the_request_gets_403(team, api_for):
    from tests.org.approval_fixtures import chain_update

    chain_update(team, [{"position": "accountant"}])
    request = submitted(team)
    response = api_for(team["gm"]).post(f"{API}{request.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403


def test_hq_reads_but_may_not_decide(team, api_for):
    request = submitted(team)
    response = api_for(team.cast.hq_user).post(
        f"{API}{request.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 403
    assert statuses(team, request)[0] == "open"


def test_another_groups_gm_gets_404(team, api_for, client_for):
    request = submitted(team)
    api = api_for(team.cast.user_c)
    assert api.get(f"{API}{request.pk}/").status_code == 404
    response = api.post(f"{API}{request.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
    assert request.pk not in _ids(api.get(API))
    page = client_for(team.cast.user_c)
    assert page.get(f"/org/approvals/{request.pk}/").status_code == 404
    assert (
        page.post(f"/org/approvals/{request.pk}/decide/", {"decision": "approve"}).status_code
        == 404
    )


def test_withdrawing_through_the_api(team, api_for):
    request = submitted(team)
    assert api_for(team["sales_director"]).post(f"{API}{request.pk}/withdraw/").status_code == 403
    response = api_for(team["sales_consultant"]).post(f"{API}{request.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = api_for(team["sales_consultant"]).post(f"{API}{request.pk}/withdraw/")
    assert again.status_code == 409 and again.json()["error"]["status"] == 409
    assert team.events == [("withdrawn", request.pk)]


def test_a_consultant_sees_only_their_own_requests_and_those_they_decide(team, api_for, client_for):
    other = team.hire("sales_consultant", "consultant2", "顾问小陈")
    mine = submitted(team, subject="我的申请")
    theirs = submitted(team, other, subject="别人的申请")
    assert _ids(api_for(team["sales_consultant"]).get(API)) == [mine.pk]
    assert _ids(api_for(other).get(API)) == [theirs.pk]
    assert api_for(other).get(f"{API}{mine.pk}/").status_code == 404
    director = _ids(api_for(team["sales_director"]).get(API))
    assert sorted(director) == sorted([mine.pk, theirs.pk])
    page = client_for(other).get("/org/approvals/requests/").content.decode()
    assert "别人的申请" in page and "我的申请" not in page
    assert client_for(other).get(f"/org/approvals/{mine.pk}/").status_code == 404


# --- API: delegations -------------------------------------------------------------------------


def test_delegations_through_the_api(team, api_for):
    cashier = team.hire("cashier", "cashier", "出纳小刘")
    api = api_for(team["finance_manager"])
    today = timezone.localdate()
    mine = api.post(
        "/api/v1/org/delegations/",
        {"delegate": "finance_manager", "start": str(today), "end": str(today)},
        format="json",
    )
    assert mine.status_code == 400 and "delegate" in mine.json()["error"]["fields"]
    created = api.post(
        "/api/v1/org/delegations/",
        {"delegate": "cashier", "start": str(today), "end": str(today + dt.timedelta(days=3))},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["delegator"] == "finance_manager"
    assert created.json()["delegate"] == "cashier"
    listed = api.get("/api/v1/org/delegations/").json()["results"]
    assert [(d["delegator"], d["delegate"]) for d in listed] == [("finance_manager", "cashier")]
    assert [
        d["delegate"] for d in api_for(cashier).get("/api/v1/org/delegations/").json()["results"]
    ] == ["cashier"]
    # the finance step opens for the delegate, on behalf of the finance manager
    request = submitted(team)
    decide(team, "sales_director", request)
    decide(team, "accountant", request)
    inbox = api_for(cashier).get(API, {"inbox": "true"}).json()["results"]
    assert [r["id"] for r in inbox] == [request.pk]
    (row,) = inbox[0]["steps"][2]["approvers"]
    assert row["username"] == "cashier" and row["on_behalf_of"] == "finance_manager"
    decided = api_for(cashier).post(f"{API}{request.pk}/decide/", {"decision": "approve"})
    assert decided.status_code == 200
    step = decided.json()["steps"][2]
    assert step["decided_by"] == "cashier" and step["on_behalf_of"] == "finance_manager"


def test_overlapping_delegations_are_refused_by_the_api(team, api_for):
    team.hire("cashier", "cashier")
    api = api_for(team["finance_manager"])
    today = timezone.localdate()
    for delegate, start, expected in [
        ("cashier", today, 201),
        ("accountant", today + dt.timedelta(days=1), 400),
    ]:
        response = api.post(
            "/api/v1/org/delegations/",
            {"delegate": delegate, "start": str(start), "end": str(today + dt.timedelta(days=2))},
            format="json",
        )
        assert response.status_code == expected, response.content
    with dealership_context(team.cast.a):
        assert Delegation.objects.count() == 1


# --- pages ------------------------------------------------------------------------------------


def test_approving_from_the_inbox_page_moves_the_request_on(team, english):
    request = submitted(team, subject="展厅灯箱维修")
    client = english(team["sales_director"])
    page = client.get("/org/approvals/")
    assert page.status_code == 200
    assert "展厅灯箱维修" in page.content.decode()
    assert f'data-request="{request.pk}"' in page.content.decode()
    response = client.post(
        f"/org/approvals/{request.pk}/decide/", {"decision": "approve", "next": "/org/approvals/"}
    )
    assert response.status_code == 302 and response["Location"] == "/org/approvals/"
    assert open_step(team, request).order == 2
    assert "展厅灯箱维修" not in client.get("/org/approvals/").content.decode()
    assert "展厅灯箱维修" in english(team["accountant"]).get("/org/approvals/").content.decode()


def test_rejecting_on_the_page_without_a_reason_is_a_400(team, english):
    request = submitted(team)
    client = english(team["sales_director"])
    response = client.post(
        f"/org/approvals/{request.pk}/decide/", {"decision": "reject", "next": "/org/approvals/"}
    )
    assert response.status_code == 400
    assert fresh(team, request).status == "pending"


def test_the_page_redirects_somewhere_safe(team, english):
    request = submitted(team)
    response = english(team["sales_director"]).post(
        f"/org/approvals/{request.pk}/decide/",
        {"decision": "approve", "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/org/approvals/{request.pk}/"


def test_the_request_page_shows_every_step_with_who_when_and_what(team, english):
    request = submitted(team, subject="展厅灯箱维修")
    decide(team, "sales_director", request, comment="同意维修")
    decide(team, "accountant", request, "return", "缺少发票")
    page = english(team["sales_consultant"]).get(f"/org/approvals/{request.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="step"') == 5
    assert "销售总监赵总" in html and "同意维修" in html
    assert "会计钱姐" in html and "缺少发票" in html
    assert "Approved" in html and "Returned for changes" in html
    with dealership_context(team.cast.a):
        stamps = [
            timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M")
            for a in _decided_rows(request)
        ]
    for stamp in stamps:
        assert stamp in html


def _decided_rows(request):
    from org.approvals.models import StepApprover

    return StepApprover.objects.filter(step__request=request).exclude(decision="")


def test_the_dashboard_shows_my_approvals_and_overdue_steps(team, english):
    request = submitted(team, subject="展厅灯箱维修")
    director = english(team["sales_director"]).get("/dashboard/").content.decode()
    assert 'data-testid="approvals-widget"' in director and "展厅灯箱维修" in director
    nothing = english(team["accountant"]).get("/dashboard/").content.decode()
    assert 'data-testid="approvals-widget"' not in nothing
    gm = english(team.cast.user_a).get("/dashboard/").content.decode()
    assert 'data-testid="overdue-widget"' not in gm
    with dealership_context(team.cast.a):
        ApprovalStep.objects.filter(request=request, status="open").update(
            due_at=timezone.now() - dt.timedelta(hours=1)
        )
    gm = english(team.cast.user_a).get("/dashboard/").content.decode()
    assert 'data-testid="overdue-widget"' in gm
    widget = gm.split('data-testid="overdue-widget"')[1].split("</ul>")[0]
    assert "展厅灯箱维修" in widget


# --- the chain pages --------------------------------------------------------------------------


def _formset(steps: list[dict], **chain) -> dict:
    data = {
        "due_working_days": chain.get("due_working_days", 1),
        "form-TOTAL_FORMS": len(steps),
        "form-INITIAL_FORMS": 0,
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 30,
    }
    if chain.get("block_over_budget"):
        data["block_over_budget"] = "on"
    for n, step in enumerate(steps):
        row = {"approver_type": "position", "mode": "any", "required_count": 1, **step}
        for key, value in row.items():
            data[f"form-{n}-{key}"] = value
    return data


def test_the_gm_edits_a_chain_on_its_page_for_future_requests(team, english):
    running = submitted(team)
    chain = team.chain()
    client = english(team.cast.user_a)
    page = client.get(f"/org/approvals/chains/{chain.pk}/")
    assert page.status_code == 200
    data = _formset(
        [
            {"position": position(team, "finance_manager").pk},
            {"position": position(team, "gm").pk, "alternate": position(team, "deputy_gm").pk},
        ],
        due_working_days=2,
    )
    response = client.post(f"/org/approvals/chains/{chain.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/org/approvals/chains/"
    with dealership_context(team.cast.a):
        chain.refresh_from_db()
        assert chain.due_working_days == 2
        assert [s.position.code for s in chain.steps.order_by("order")] == ["finance_manager", "gm"]
    assert route(team, running) == CONSULTANT_ROUTE  # the running request keeps its snapshot
    assert route(team, submitted(team)) == [["finance_manager"], ["gm", "deputy_gm"]]


def test_an_invalid_chain_is_shown_again_with_a_400(team, english):
    chain = team.chain()
    data = _formset([{"position": position(team, "gm").pk, "notify_only": "on"}])
    response = english(team.cast.user_a).post(f"/org/approvals/chains/{chain.pk}/", data)
    assert response.status_code == 400
    with dealership_context(team.cast.a):
        assert chain.steps.count() == 5


def test_a_consultant_may_not_open_the_chain_pages(team, english):
    chain = team.chain()
    client = english(team["sales_consultant"])
    assert client.get("/org/approvals/chains/").status_code == 403
    assert client.get(f"/org/approvals/chains/{chain.pk}/").status_code == 403
    data = _formset([{"position": position(team, "gm").pk}])
    assert client.post(f"/org/approvals/chains/{chain.pk}/", data).status_code == 403
    with dealership_context(team.cast.a):
        assert chain.steps.count() == 5


# --- attachments ------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path  # read by the storage on every use
    return tmp_path


def test_an_attachment_is_served_only_to_who_may_see_the_request(team, private_files, client_for):
    request = create(team)
    with dealership_context(team.cast.a):
        attachment = services.attachment_add(
            actor=team["sales_consultant"],
            request_id=request.pk,
            file=SimpleUploadedFile("invoice.png", PNG, content_type="image/png"),
            purpose="invoice",
        )
    submit(team, request)
    url = f"/org/approvals/files/{attachment.pk}/"
    for user in (team["sales_consultant"], team["sales_director"]):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(team.cast.user_c).get(url).status_code == 404
    colleague = team.hire("sales_consultant", "consultant2")
    assert client_for(colleague).get(url).status_code == 404  # own scope: not theirs
    assert client_for(team["accountant"]).get(url).status_code == 404  # not yet their step
    decide(team, "sales_director", request)
    assert client_for(team["accountant"]).get(url).status_code == 200


# --- lists run a fixed number of queries ------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_lists_run_a_fixed_number_of_queries(team, client_for, api_for):
    director = client_for(team["sales_director"])
    api = api_for(team["sales_director"])
    urls = ["/org/approvals/", "/org/approvals/requests/", "/org/approvals/requests/?mine=1"]
    submitted(team, subject="申请 0")
    for url in urls:
        director.get(url)  # warm the session and caches
    api.get(API, {"inbox": "true"})
    one = {url: _queries(director, url) for url in urls}
    one_api = _queries(api, f"{API}?inbox=true"), _queries(api, API)
    for n in range(1, 10):
        submitted(team, subject=f"申请 {n}")
    ten = {url: _queries(director, url) for url in urls}
    ten_api = _queries(api, f"{API}?inbox=true"), _queries(api, API)
    assert ten == one
    assert ten_api == one_api
    assert director.get("/org/approvals/").content.decode().count('data-testid="inbox-item"') == 10
