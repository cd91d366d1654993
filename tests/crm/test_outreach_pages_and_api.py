"""The outreach pages and API: who opens what (403 / 404), the phone numbers shown through
``phones_shown``, the actions (acknowledge, work a reminder, join / leave, SMS campaign from
draft to sent) on the pages and in the API, and lists with a constant number of queries."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import (
    Customer,
    Membership,
    PhoneReveal,
    ReminderKind,
    RetentionEntry,
    RetentionList,
    ServiceReminder,
    SmsCampaign,
    SmsDelivery,
    Vehicle,
)
from dealership import sms
from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from tests.crm.conftest import make_owner, valid_vin

pytestmark = pytest.mark.django_db
API = "/api/v1/crm/"
_n = itertools.count(1)


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "dealership.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _vehicle(dealership, customer, **fields):
    with dealership_context(dealership):
        return Vehicle.objects.create(
            dealership=dealership,
            vin=valid_vin(),
            plate=f"粤C{next(_n):05d}",
            model=fields.pop("model", "K5"),
            brand="Kia",
            owner=customer,
            **fields,
        )


def retention_list(dealership, *, customers: int = 1, month=dt.date(2026, 6, 1), band="3-5"):
    with dealership_context(dealership):
        made = RetentionList.objects.create(dealership=dealership, month=month, band=band)
        for _ in range(customers):
            customer = make_owner(dealership)
            RetentionEntry.objects.create(
                dealership=dealership,
                retention_list=made,
                customer=customer,
                vehicle=_vehicle(dealership, customer),
                delivered_on=dt.date(2026, 2, 1),
            )
        return made


def reminders(dealership, n: int = 1, *, consent_sms=True, kind=ReminderKind.MAINTENANCE):
    rows = []
    with dealership_context(dealership):
        for _ in range(n):
            customer = make_owner(dealership, consent_sms=consent_sms)
            rows.append(
                ServiceReminder.objects.create(
                    dealership=dealership,
                    kind=kind,
                    customer=customer,
                    vehicle=_vehicle(dealership, customer),
                    due_on=dt.date.today(),
                    listed_on=dt.date.today(),
                    basis="6 months after the delivery",
                )
            )
    return rows


def members(dealership, n: int = 1, owner=None):
    with dealership_context(dealership):
        return [
            Membership.objects.create(
                dealership=dealership,
                customer=make_owner(dealership, owner),
                member_no=f"M{next(_n):06d}",
                joined_on=dt.date(2026, 1, 1),
            )
            for _ in range(n)
        ]


def campaigns(dealership, creator, n: int = 1, deliveries: int = 0):
    rows = []
    with dealership_context(dealership):
        for i in range(n):
            campaign = SmsCampaign.objects.create(
                dealership=dealership, name=f"campaign {i}", text="{name}", created_by=creator
            )
            for _ in range(deliveries):
                customer = make_owner(dealership)
                SmsDelivery.objects.create(
                    dealership=dealership,
                    campaign=campaign,
                    customer=customer,
                    mobile=customer.mobile,
                    text="hi",
                    state="sent",
                )
            rows.append(campaign)
    return rows


# --- retention ----------------------------------------------------------------------------------


def test_retention_pages_for_after_sales_and_the_crm_team(cast, team, client_for):
    made = retention_list(cast.a, customers=2)
    with dealership_context(cast.a):
        entry = RetentionEntry.objects.filter(retention_list=made).select_related("customer")[0]
    number = entry.customer.mobile
    manager = client_for(team.service_manager)
    page = manager.get("/crm/retention/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="retention-table"' in text and 'data-testid="retention-rates"' in text
    detail = manager.get(f"/crm/retention/{made.pk}/").content.decode()
    assert number in detail  # the service manager may see phone numbers: logged
    with dealership_context(cast.a):
        assert PhoneReveal.objects.filter(user=team.service_manager, customer=entry.customer)
    assert 'data-testid="acknowledge"' in detail
    specialist = client_for(team.cr_specialist).get(f"/crm/retention/{made.pk}/")
    assert specialist.status_code == 200
    assert number not in specialist.content.decode() and number[:3] + "****" in (
        specialist.content.decode()
    )
    assert 'data-testid="acknowledge"' not in specialist.content.decode()
    assert (
        client_for(team.cr_specialist).post(f"/crm/retention/{made.pk}/acknowledge/").status_code
        == 403
    )
    assert client_for(team.sales_consultant).get("/crm/retention/").status_code == 403
    assert client_for(cast.user_b).get(f"/crm/retention/{made.pk}/").status_code == 404
    # acknowledged once, on the page
    assert manager.post(f"/crm/retention/{made.pk}/acknowledge/").status_code == 302
    after = manager.get(f"/crm/retention/{made.pk}/").content.decode()
    assert 'data-testid="acknowledged"' in after and 'data-testid="acknowledge"' not in after
    again = client_for(team.crm_director).post(f"/crm/retention/{made.pk}/acknowledge/")
    assert again.status_code == 400 and "already acknowledged" in again.content.decode()


def test_retention_api(cast, team, api_for):
    made = retention_list(cast.a, customers=2)
    api = api_for(team.service_manager)
    listed = api.get(f"{API}retention-lists/").json()
    assert [r["id"] for r in listed["results"]] == [made.pk]
    assert listed["results"][0]["customers"] == 2
    body = api.get(f"{API}retention-lists/{made.pk}/").json()
    assert len(body["entries"]) == 2 and body["entries"][0]["phone"].isdigit()
    masked = api_for(team.cr_specialist).get(f"{API}retention-lists/{made.pk}/").json()
    assert "****" in masked["entries"][0]["phone"]
    assert (
        api_for(team.cr_specialist).post(f"{API}retention-lists/{made.pk}/acknowledge/").status_code
        == 403
    )
    done = api.post(f"{API}retention-lists/{made.pk}/acknowledge/")
    assert (
        done.status_code == 200 and done.json()["acknowledged_by"]["id"] == team.service_manager.pk
    )
    assert api.post(f"{API}retention-lists/{made.pk}/acknowledge/").status_code == 400
    assert api_for(cast.user_b).get(f"{API}retention-lists/{made.pk}/").status_code == 404
    assert api_for(team.sales_consultant).get(f"{API}retention-lists/").status_code == 403


# --- reminders ----------------------------------------------------------------------------------


def test_reminder_pages(cast, team, client_for, outbox):
    consenting, refusing = reminders(cast.a)[0], reminders(cast.a, consent_sms=False)[0]
    clerk = client_for(team.crm_info_clerk)
    page = clerk.get("/crm/reminders/").content.decode()
    assert 'data-testid="reminder-table"' in page and 'data-testid="reminder-sms"' in page
    assert consenting.customer.mobile[:3] + "****" in page  # the clerk sees numbers masked
    viewer = client_for(team.service_manager).get("/crm/reminders/").content.decode()
    assert consenting.customer.mobile in viewer and 'data-testid="reminder-sms"' not in viewer
    assert client_for(team.sales_consultant).get("/crm/reminders/").status_code == 403
    form = clerk.get(f"/crm/reminders/{refusing.pk}/sms/").content.decode()
    assert 'data-testid="no-consent"' in form
    refused = clerk.post(f"/crm/reminders/{refusing.pk}/sms/", {"text": "{name}"})
    assert refused.status_code == 400 and "has not consented to SMS" in refused.content.decode()
    sent = clerk.post(f"/crm/reminders/{consenting.pk}/sms/", {"text": "{name}, {due}"})
    assert sent.status_code == 302
    assert [m.key for m in outbox] == [f"crm.reminder:{consenting.pk}"]
    assert clerk.post(f"/crm/reminders/{refusing.pk}/skip/", {"note": ""}).status_code == 400
    assert clerk.post(f"/crm/reminders/{refusing.pk}/skip/", {"note": "moved"}).status_code == 302
    done = clerk.get("/crm/reminders/?state=").content.decode()
    assert "moved" in done
    assert (
        client_for(team.service_manager)
        .post(f"/crm/reminders/{consenting.pk}/call/", {"note": "x"})
        .status_code
        == 403
    )
    assert client_for(cast.user_b).get(f"/crm/reminders/{consenting.pk}/call/").status_code == 404


def test_reminder_api(cast, team, api_for, outbox):
    reminder = reminders(cast.a)[0]
    api = api_for(team.cr_specialist)
    rows = api.get(f"{API}reminders/?state=open&kind=maintenance").json()["results"]
    assert [r["id"] for r in rows] == [reminder.pk] and "****" in rows[0]["phone"]
    assert api.get(f"{API}reminders/?state=nonsense").status_code == 400
    assert api.get(f"{API}reminders/?due_from=2026-99-01").status_code == 400
    answer = api.post(f"{API}reminders/{reminder.pk}/sms/", {}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "sent"
    assert api.post(f"{API}reminders/{reminder.pk}/call/", {}, format="json").status_code == 400
    assert len(outbox) == 1
    other = reminders(cast.a, consent_sms=False)[0]
    refused = api.post(f"{API}reminders/{other.pk}/sms/", {}, format="json")
    assert refused.status_code == 400 and "consented" in refused.content.decode()
    skip = api.post(f"{API}reminders/{other.pk}/skip/", {"note": "sold"}, format="json")
    assert skip.status_code == 200 and skip.json()["state"] == "skipped"
    assert api_for(team.sales_consultant).get(f"{API}reminders/").status_code == 403
    assert api_for(cast.user_b).post(f"{API}reminders/{other.pk}/call/", {}).status_code == 404


# --- owner club ---------------------------------------------------------------------------------


def test_member_pages(cast, team, client_for):
    customer = make_owner(cast.a, team.sales_consultant, name="会员甲")
    clerk = client_for(team.crm_info_clerk)
    page = clerk.get("/crm/members/").content.decode()
    assert 'data-testid="member-rates"' in page and 'data-testid="member-join"' in page
    joined = clerk.post("/crm/members/join/", {"customer": customer.pk, "joined_on": "2026-01-05"})
    assert joined.status_code == 302
    twice = clerk.post("/crm/members/join/", {"customer": customer.pk, "joined_on": "2026-01-05"})
    assert (
        twice.status_code == 400 and "already a member since 2026-01-05" in twice.content.decode()
    )
    with dealership_context(cast.a):
        membership = Membership.objects.get(customer=customer)
    listed = clerk.get("/crm/members/").content.decode()
    assert "会员甲" in listed and 'data-testid="member-leave"' in listed
    early = clerk.post(f"/crm/members/{membership.pk}/leave/", {"left_on": "2025-12-31"})
    assert early.status_code == 400 and "cannot leave before" in early.content.decode()
    assert (
        clerk.post(f"/crm/members/{membership.pk}/login/", {"day": "2026-01-06"}).status_code == 302
    )
    assert (
        clerk.post(f"/crm/members/{membership.pk}/leave/", {"left_on": "2026-02-01"}).status_code
        == 302
    )
    consultant = client_for(team.sales_consultant)
    mine = consultant.get("/crm/members/?status=all").content.decode()
    assert "会员甲" in mine and 'data-testid="member-join"' not in mine
    assert consultant.get("/crm/members/join/").status_code == 403
    assert client_for(cast.user_b).get(f"/crm/members/{membership.pk}/login/").status_code == 404


def test_member_api(cast, team, api_for):
    customer = make_owner(cast.a)
    api = api_for(team.crm_info_clerk)
    created = api.post(f"{API}members/", {"customer": customer.pk}, format="json")
    assert created.status_code == 201, created.content
    member = created.json()
    assert member["customer"]["id"] == customer.pk and member["left_on"] is None
    twice = api.post(f"{API}members/", {"customer": customer.pk}, format="json")
    assert twice.status_code == 400 and "already a member" in twice.content.decode()
    assert api.post(f"{API}members/", {"customer": 10**9}, format="json").status_code == 404
    left = api.post(f"{API}members/{member['id']}/leave/", {}, format="json")
    assert left.status_code == 200 and left.json()["left_on"]
    assert [r["id"] for r in api.get(f"{API}members/?status=left").json()["results"]] == [
        member["id"]
    ]
    assert (
        api_for(team.sales_consultant)
        .post(f"{API}members/", {"customer": customer.pk}, format="json")
        .status_code
        == 403
    )
    assert api_for(cast.user_b).get(f"{API}members/{member['id']}/").status_code == 404


# --- SMS campaigns ------------------------------------------------------------------------------


def test_sms_pages_from_draft_to_sent(cast, team, client_for, outbox):
    buyer = make_owner(cast.a, name="车主一")
    _vehicle(cast.a, buyer)
    silent = make_owner(cast.a, name="车主二", consent_sms=False)
    _vehicle(cast.a, silent)
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
    manager = client_for(team.customer_relations_manager)
    bad = manager.post("/crm/sms/new/", {"name": "x", "text": "{name} {price}"})
    assert bad.status_code == 400 and "Unknown placeholder {price}" in bad.content.decode()
    made = manager.post(
        "/crm/sms/new/", {"name": "Summer", "text": "{name}：{plate} 夏季检测", "model": "K5"}
    )
    assert made.status_code == 302
    with dealership_context(cast.a):
        campaign = SmsCampaign.objects.get(name="Summer")
    assert made["Location"] == f"/crm/sms/{campaign.pk}/"
    detail = manager.get(f"/crm/sms/{campaign.pk}/").content.decode()
    assert 'data-testid="audience-total"' in detail and "2 customers" in detail
    assert "1 without SMS consent (will be skipped)" in detail
    assert "车主一：粤C" in detail and buyer.mobile in detail
    assert 'data-testid="sms-submit"' in detail and 'data-testid="sms-send"' not in detail
    assert (
        manager.post(
            f"/crm/sms/{campaign.pk}/edit/", {"name": "Summer!", "text": "{name}"}
        ).status_code
        == 302
    )
    assert manager.post(f"/crm/sms/{campaign.pk}/submit/").status_code == 302
    submitted = manager.get(f"/crm/sms/{campaign.pk}/").content.decode()
    assert 'data-state="submitted"' in submitted and 'data-testid="sms-edit"' not in submitted
    assert (
        manager.post(f"/crm/sms/{campaign.pk}/edit/", {"name": "y", "text": "y"}).status_code == 400
    )
    with dealership_context(cast.a):
        request_id = SmsCampaign.objects.get(pk=campaign.pk).request_id
    # the approvers see the campaign's facts on the engine's page
    engine = client_for(team.crm_director).get(f"/org/approvals/{request_id}/")
    assert engine.status_code == 200 and "Summer!" in engine.content.decode()
    for approver in (team.crm_director, team.deputy_gm, team.gm):
        with dealership_context(cast.a):
            approvals.request_decide(actor=approver, request_id=request_id, decision="approve")
    ready = manager.get(f"/crm/sms/{campaign.pk}/").content.decode()
    assert 'data-state="approved"' in ready and 'data-testid="sms-send"' in ready
    assert manager.post(f"/crm/sms/{campaign.pk}/send/").status_code == 302
    log = manager.get(f"/crm/sms/{campaign.pk}/").content.decode()
    assert 'data-state="sent"' in log and 'data-testid="sms-deliveries"' in log
    assert "1 sent, 1 skipped (no SMS consent), 0 failed." in log
    assert buyer.mobile not in log.split('data-testid="sms-deliveries"')[1]  # masked in the log
    assert [m.to for m in outbox] == [buyer.mobile]
    again = manager.post(f"/crm/sms/{campaign.pk}/send/")
    assert again.status_code == 400 and "already sent" in again.content.decode()
    assert len(outbox) == 1


def test_sms_permissions(cast, team, client_for, api_for):
    (campaign,) = campaigns(cast.a, team.customer_relations_manager)
    consultant = client_for(team.sales_consultant)
    assert consultant.get("/crm/sms/").status_code == 403
    assert consultant.get("/crm/sms/new/").status_code == 403
    assert consultant.post("/crm/sms/new/", {"name": "x", "text": "y"}).status_code == 403
    assert (
        api_for(team.sales_consultant)
        .post(f"{API}sms-campaigns/", {"name": "x", "text": "y"}, format="json")
        .status_code
        == 403
    )
    for url in (f"/crm/sms/{campaign.pk}/", f"/crm/sms/{campaign.pk}/edit/"):
        assert client_for(cast.user_b).get(url).status_code == 404
    assert api_for(cast.user_b).get(f"{API}sms-campaigns/{campaign.pk}/").status_code == 404
    assert client_for(team.crm_director).get(f"/crm/sms/{campaign.pk}/").status_code == 200
    # the GM sees every campaign; the link to create one is on the list for who may
    assert 'data-testid="new-sms"' in client_for(cast.user_a).get("/crm/sms/").content.decode()


def test_sms_api_from_draft_to_sent(cast, team, api_for, outbox):
    buyer = make_owner(cast.a, name="车主三")
    _vehicle(cast.a, buyer, model="Sportage")
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
    api = api_for(team.customer_relations_manager)
    bad = api.post(f"{API}sms-campaigns/", {"name": "x", "text": "{nme}"}, format="json")
    assert bad.status_code == 400 and "nme" in bad.content.decode()
    worse = api.post(
        f"{API}sms-campaigns/",
        {"name": "x", "text": "{name}", "audience": {"delivered_from": "2026-13"}},
        format="json",
    )
    assert worse.status_code == 400
    made = api.post(
        f"{API}sms-campaigns/",
        {"name": "SUV", "text": "{name} {model}", "audience": {"model": "sport"}},
        format="json",
    )
    assert made.status_code == 201, made.content
    campaign = made.json()
    assert campaign["audience"] == {"model": "sport"} and campaign["state"] == "draft"
    cid = campaign["id"]
    preview = api.get(f"{API}sms-campaigns/{cid}/preview/").json()
    assert (preview["total"], preview["sendable"], preview["no_consent"]) == (1, 1, 0)
    assert preview["samples"][0]["text"] == "车主三 Kia Sportage"
    assert preview["samples"][0]["phone"] == buyer.mobile
    patched = api.patch(f"{API}sms-campaigns/{cid}/", {"name": "SUV owners"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "SUV owners"
    assert api.post(f"{API}sms-campaigns/{cid}/send/").status_code == 400  # a draft
    submitted = api.post(f"{API}sms-campaigns/{cid}/submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert api.patch(f"{API}sms-campaigns/{cid}/", {"name": "z"}, format="json").status_code == 400
    with dealership_context(cast.a):
        request_id = SmsCampaign.objects.get(pk=cid).request_id
        for approver in (team.crm_director, team.deputy_gm, team.gm):
            approvals.request_decide(actor=approver, request_id=request_id, decision="approve")
    sent = api.post(f"{API}sms-campaigns/{cid}/send/")
    assert sent.status_code == 200 and sent.json() == {
        "sent": 1,
        "skipped": 0,
        "failed": 0,
        "already": 0,
    }
    log = api.get(f"{API}sms-campaigns/{cid}/deliveries/").json()
    assert log["results"][0]["state"] == "sent" and "****" in log["results"][0]["mobile"]
    assert api.get(f"{API}sms-campaigns/?state=sent").json()["results"][0]["id"] == cid
    assert api.get(f"{API}sms-campaigns/?state=bogus").status_code == 400
    assert [m.key for m in outbox] == [f"crm.sms:{cid}:{buyer.pk}"]


# --- lists run a constant number of queries -----------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def test_lists_use_a_constant_number_of_queries(cast, team, client_for, api_for):
    user = cast.user_a  # the GM: every page, every button
    client, api = client_for(user), api_for(user)
    one_list = retention_list(cast.a, customers=1, month=dt.date(2026, 5, 1))
    many_list = retention_list(cast.a, customers=12, month=dt.date(2026, 6, 1))
    reminders(cast.a, 1)
    members(cast.a, 1)
    campaigns(cast.a, team.customer_relations_manager, 1, deliveries=1)
    (few,) = campaigns(cast.a, team.customer_relations_manager, 1, deliveries=1)
    pages = ("/crm/retention/", "/crm/reminders/", "/crm/members/", "/crm/sms/")
    apis = tuple(
        f"{API}{p}" for p in ("retention-lists/", "reminders/", "members/", "sms-campaigns/")
    )
    before = [_queries(client, u) for u in pages] + [_queries(api, u) for u in apis]
    detail_one = _queries(client, f"/crm/retention/{one_list.pk}/")
    api_one = _queries(api, f"{API}retention-lists/{one_list.pk}/")
    sms_one = _queries(client, f"/crm/sms/{few.pk}/")
    retention_list(cast.a, customers=1, month=dt.date(2026, 4, 1))
    reminders(cast.a, 12)
    members(cast.a, 12)
    (busy,) = campaigns(cast.a, team.customer_relations_manager, 1, deliveries=12)
    campaigns(cast.a, team.customer_relations_manager, 10)
    after = [_queries(client, u) for u in pages] + [_queries(api, u) for u in apis]
    assert before == after
    assert _queries(client, f"/crm/retention/{many_list.pk}/") == detail_one
    assert _queries(api, f"{API}retention-lists/{many_list.pk}/") == api_one
    assert _queries(client, f"/crm/sms/{busy.pk}/") == sms_one
    with dealership_context(cast.a):
        assert Customer.objects.count() > 40
