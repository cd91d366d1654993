"""The customer-service desk: enquiries (咨询) and improvement proposals (改进建议) — the services
(checks, audit, routing and the answer by the department's head, the overdue reminder once),
who sees and does what (a specialist their own, the CRM managers everything, the head of the
responsible department its proposals without any crm right, a consultant nothing, dealership B
nothing of A's), the pages, the API and the monthly enquiry report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from crm.models import Enquiry, ImprovementProposal, ProposalState
from crm.services import enquiries as services
from dealership.models import AuditEntry
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from tests.crm.factories import FACTORIES
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
API = "/api/v1/crm/"
CODES = (
    "customer_service_specialist",
    "customer_relations_manager",
    "service_manager",
    "sales_manager",
    "sales_consultant",
)


@pytest.fixture
def people(cast) -> dict:
    made = {"gm": cast.user_a}
    for code in CODES:
        user = UserFactory(username=f"desk_{code}", name=f"desk {code}")
        hire(user, cast.a, code)
        made[code] = user
    other = UserFactory(username="desk_specialist2", name="desk specialist 2")
    hire(other, cast.a, "customer_service_specialist")
    made["specialist2"] = other
    return made


def department(dealership, code):
    from org.models import Department

    with dealership_context(dealership):
        return Department.objects.get(code=code)


def enquire(dealership, actor, **fields):
    values = {"channel": "phone", "topic": "booking", "question": "周六能保养吗？", **fields}
    with dealership_context(dealership):
        return services.enquiry_create(actor=actor, **values)


def propose(dealership, actor, code="aftersales", **fields):
    values = {
        "department": department(dealership, code).pk,
        "subject": "周日也开放保养",
        "feedback": "客户工作日没空。",
        **fields,
    }
    with dealership_context(dealership):
        return services.proposal_create(actor=actor, **values)


# --- enquiries: services ------------------------------------------------------------------------


def test_an_enquiry_is_logged_with_who_took_it_and_audited(cast, people):
    clerk = people["customer_service_specialist"]
    enquiry = enquire(cast.a, clerk, answer="已预约 9:30", caller_name="王先生")
    assert enquiry.taken_by == clerk
    assert enquiry.received_at <= timezone.now()
    with dealership_context(cast.a):
        assert AuditEntry.objects.filter(object_id=str(enquiry.pk), actor=clerk).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"topic": "weather"}, "topic"),
        ({"question": "  "}, "question"),
        ({"customer": 999999}, "customer"),
        ({"received_at": "tomorrow"}, "received_at"),
        ({"received_at": timezone.now() + dt.timedelta(days=2)}, "received_at"),
    ],
)
def test_bad_enquiries_are_refused_with_the_field(cast, people, fields, field):
    with pytest.raises(ValidationError) as error:
        enquire(cast.a, people["customer_service_specialist"], **fields)
    assert field in error.value.message_dict


def test_another_dealerships_customer_cannot_be_named(cast, people):
    other = FACTORIES["CustomerStanding"](dealership=cast.b).customer
    with pytest.raises(ValidationError):
        enquire(cast.a, people["customer_service_specialist"], customer=other.pk)


def test_a_specialist_corrects_their_own_enquiry_not_a_colleagues(cast, people):
    mine = enquire(cast.a, people["customer_service_specialist"])
    theirs = enquire(cast.a, people["specialist2"])
    with dealership_context(cast.a):
        services.enquiry_update(
            actor=people["customer_service_specialist"], enquiry_id=mine.pk, answer="已回电"
        )
        assert Enquiry.objects.get(pk=mine.pk).answer == "已回电"
        with pytest.raises(Http404):
            services.enquiry_update(
                actor=people["customer_service_specialist"], enquiry_id=theirs.pk, answer="x"
            )
        with pytest.raises(ValidationError):
            services.enquiry_update(
                actor=people["customer_service_specialist"], enquiry_id=mine.pk, taken_by=1
            )


def test_a_consultant_cannot_log_enquiries(cast, people):
    with pytest.raises(PermissionDenied):
        enquire(cast.a, people["sales_consultant"])


# --- proposals: routing, answer, outcome, reminders ---------------------------------------------


def test_a_proposal_from_an_enquiry_keeps_its_customer_and_tells_the_head(cast, people):
    customer = FACTORIES["CustomerStanding"](dealership=cast.a).customer
    enquiry = enquire(cast.a, people["customer_service_specialist"], customer=customer.pk)
    proposal = propose(cast.a, people["customer_relations_manager"], enquiry=enquiry.pk)
    assert proposal.source == "enquiry"
    assert proposal.customer_id == customer.pk
    assert proposal.state == ProposalState.OPEN
    assert proposal.answer_by == timezone.localdate() + dt.timedelta(days=7)
    with dealership_context(cast.a):
        told = Notification.objects.filter(kind=services.KIND_PROPOSAL_ROUTED)
        assert set(told.values_list("recipient_id", flat=True)) == {people["service_manager"].pk}


def test_a_proposal_from_a_followup_call(cast, people):
    followup = FACTORIES["FollowUp"](dealership=cast.a)
    proposal = propose(cast.a, people["customer_relations_manager"], followup=followup.pk)
    assert proposal.source == "followup"
    assert proposal.customer_id == followup.event.customer_id
    with pytest.raises(ValidationError):
        propose(cast.a, people["customer_relations_manager"], followup=followup.pk, enquiry=1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"department": 999999}, "department"),
        ({"subject": ""}, "subject"),
        ({"feedback": " "}, "feedback"),
        ({"answer_by": "2020-01-01"}, "answer_by"),
        ({"answer_by": "soon"}, "answer_by"),
        ({"enquiry": 999999}, "enquiry"),
    ],
)
def test_bad_proposals_are_refused(cast, people, fields, field):
    with pytest.raises(ValidationError) as error:
        propose(cast.a, people["customer_relations_manager"], **fields)
    assert field in error.value.message_dict


def test_the_head_of_the_department_answers_then_the_crm_team_accepts(cast, people):
    proposal = propose(cast.a, people["customer_relations_manager"])
    with dealership_context(cast.a):
        with pytest.raises((PermissionDenied, Http404)):  # sales does not answer after-sales'
            services.proposal_answer(
                actor=people["sales_manager"], proposal_id=proposal.pk, answer="x"
            )
        answered = services.proposal_answer(
            actor=people["service_manager"], proposal_id=proposal.pk, answer="周日下午开放"
        )
        assert answered.state == ProposalState.ANSWERED
        assert answered.answered_by == people["service_manager"]
        assert Notification.objects.filter(
            kind="crm.proposal_answered", recipient=people["customer_relations_manager"]
        ).exists()
        with pytest.raises(PermissionDenied):  # the department does not settle it
            services.proposal_accept(actor=people["service_manager"], proposal_id=proposal.pk)
        accepted = services.proposal_accept(
            actor=people["customer_relations_manager"], proposal_id=proposal.pk, outcome="执行"
        )
        assert accepted.state == ProposalState.ACCEPTED
        with pytest.raises(ValidationError):
            services.proposal_answer(
                actor=people["service_manager"], proposal_id=proposal.pk, answer="again"
            )


def test_closing_needs_a_reason_and_an_unsettled_proposal(cast, people):
    proposal = propose(cast.a, people["customer_relations_manager"])
    with dealership_context(cast.a):
        with pytest.raises(ValidationError):
            services.proposal_close(
                actor=people["customer_relations_manager"], proposal_id=proposal.pk
            )
        with pytest.raises(ValidationError):  # open: nothing to accept yet
            services.proposal_accept(
                actor=people["customer_relations_manager"], proposal_id=proposal.pk
            )
        closed = services.proposal_close(
            actor=people["customer_relations_manager"], proposal_id=proposal.pk, outcome="重复"
        )
        assert closed.state == ProposalState.CLOSED


def test_overdue_proposals_are_reminded_once(cast, people):
    proposal = propose(cast.a, people["customer_relations_manager"])
    later = proposal.answer_by + dt.timedelta(days=1)
    with dealership_context(cast.a):
        assert [p.pk for p in services.proposals_remind_overdue(day=later)] == [proposal.pk]
        assert services.proposals_remind_overdue(day=later) == []
        assert services.proposals_remind_overdue(day=later + dt.timedelta(days=3)) == []
        told = set(
            Notification.objects.filter(kind=services.KIND_PROPOSAL_OVERDUE).values_list(
                "recipient_id", flat=True
            )
        )
        assert {people["service_manager"].pk, people["customer_relations_manager"].pk} <= told
        assert ImprovementProposal.objects.get(pk=proposal.pk).reminded_at is not None


def test_an_answered_proposal_is_not_reminded(cast, people):
    proposal = propose(cast.a, people["customer_relations_manager"])
    with dealership_context(cast.a):
        services.proposal_answer(
            actor=people["service_manager"], proposal_id=proposal.pk, answer="好"
        )
        assert (
            services.proposals_remind_overdue(day=proposal.answer_by + dt.timedelta(days=2)) == []
        )


# --- who sees what ------------------------------------------------------------------------------


def test_visibility_of_proposals(cast, people):
    aftersales = propose(cast.a, people["customer_relations_manager"])
    sales = propose(cast.a, people["customer_relations_manager"], code="sales")
    other = propose(cast.b, cast.user_b, code="sales")
    with dealership_context(cast.a):

        def seen(user):
            return set(
                ImprovementProposal.objects.for_user(user, "view").values_list("pk", flat=True)
            )

        assert seen(people["customer_relations_manager"]) == {aftersales.pk, sales.pk}
        assert seen(cast.user_a) == {aftersales.pk, sales.pk}
        assert seen(people["service_manager"]) == {aftersales.pk}
        assert seen(people["sales_manager"]) == {sales.pk}
        assert seen(people["customer_service_specialist"]) == set()
        assert other.pk not in seen(cast.user_a)
        from dealership.access import can

        assert not can(people["sales_consultant"], ImprovementProposal, "view")
        assert not can(people["sales_consultant"], Enquiry, "view")


# --- pages --------------------------------------------------------------------------------------


def test_the_enquiry_pages(cast, people, client_for):
    clerk = client_for(people["customer_service_specialist"])
    page = clerk.get("/crm/enquiries/new/")
    assert page.status_code == 200
    posted = clerk.post(
        "/crm/enquiries/new/",
        {
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "channel": "wechat",
            "topic": "warranty",
            "question": "空调异响在保修期内吗？",
            "answer": "",
            "caller_name": "李女士",
        },
    )
    assert posted.status_code == 302
    with dealership_context(cast.a):
        enquiry = Enquiry.objects.get(question="空调异响在保修期内吗？")
    listing = clerk.get("/crm/enquiries/?channel=wechat")
    assert "空调异响" in listing.content.decode()
    detail = clerk.get(f"/crm/enquiries/{enquiry.pk}/")
    assert detail.status_code == 200
    assert 'data-testid="route-proposal"' in detail.content.decode()  # they route feedback
    bad = clerk.post("/crm/enquiries/new/", {"channel": "phone", "topic": "x", "question": ""})
    assert bad.status_code == 400
    assert client_for(people["sales_consultant"]).get("/crm/enquiries/").status_code == 403
    assert client_for(cast.user_b).get(f"/crm/enquiries/{enquiry.pk}/").status_code == 404
    head = client_for(people["service_manager"])  # answers proposals, reads no enquiry
    assert head.get(f"/crm/enquiries/{enquiry.pk}/").status_code == 403


def test_the_proposal_pages_and_the_heads_answer(cast, people, client_for):
    proposal = propose(cast.a, people["customer_relations_manager"])
    head = client_for(people["service_manager"])
    listing = head.get("/crm/proposals/")
    assert listing.status_code == 200
    assert proposal.subject in listing.content.decode()
    detail = head.get(f"/crm/proposals/{proposal.pk}/").content.decode()
    assert 'data-testid="action-answer"' in detail
    assert 'data-testid="action-accept"' not in detail
    assert (
        head.post(f"/crm/proposals/{proposal.pk}/answer/", {"answer-answer": ""}).status_code == 400
    )
    answered = head.post(f"/crm/proposals/{proposal.pk}/answer/", {"answer-answer": "周日开放"})
    assert answered.status_code == 302
    sales = client_for(people["sales_manager"])
    assert sales.get(f"/crm/proposals/{proposal.pk}/").status_code == 404
    manager = client_for(people["customer_relations_manager"])
    page = manager.get(f"/crm/proposals/{proposal.pk}/").content.decode()
    assert 'data-testid="action-accept"' in page
    created = manager.post(
        "/crm/proposals/new/",
        {
            "department": department(cast.a, "sales").pk,
            "subject": "展厅增加儿童区",
            "feedback": "带孩子的客户提出。",
        },
    )
    assert created.status_code == 302
    assert client_for(people["sales_consultant"]).get("/crm/proposals/").status_code == 403


# --- API ----------------------------------------------------------------------------------------


def test_the_api(cast, people, api_for):
    clerk = api_for(people["customer_service_specialist"])
    made = clerk.post(
        f"{API}enquiries/",
        {"channel": "phone", "topic": "vehicles", "question": "K5 落地价？", "answer": "约 18 万"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["taken_by"]["id"] == people["customer_service_specialist"].pk
    assert clerk.get(f"{API}enquiries/?channel=phone").status_code == 200
    assert clerk.get(f"{API}enquiries/?channel=fax").status_code == 400
    assert clerk.get(f"{API}enquiries/?month=2026-13").status_code == 400
    patched = clerk.patch(
        f"{API}enquiries/{made.json()['id']}/", {"answer": "已回电"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["answer"] == "已回电"
    manager = api_for(people["customer_relations_manager"])
    routed = manager.post(
        f"{API}improvement-proposals/",
        {
            "department": department(cast.a, "aftersales").pk,
            "subject": "周日保养",
            "feedback": "客户建议",
            "enquiry": made.json()["id"],
        },
        format="json",
    )
    assert routed.status_code == 201, routed.content
    pk = routed.json()["id"]
    head = api_for(people["service_manager"])
    assert head.get(f"{API}improvement-proposals/").json()["results"][0]["id"] == pk
    assert (
        head.post(f"{API}improvement-proposals/{pk}/answer/", {}, format="json").status_code == 400
    )
    answer = head.post(f"{API}improvement-proposals/{pk}/answer/", {"answer": "好"}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "answered"
    assert (
        head.post(f"{API}improvement-proposals/{pk}/accept/", {}, format="json").status_code == 403
    )
    accept = manager.post(f"{API}improvement-proposals/{pk}/accept/", {}, format="json")
    assert accept.json()["state"] == "accepted"
    assert api_for(cast.user_b).get(f"{API}improvement-proposals/{pk}/").status_code == 404
    assert api_for(people["sales_consultant"]).get(f"{API}enquiries/").status_code == 403
    assert manager.get(f"{API}improvement-proposals/?state=nope").status_code == 400


# --- the monthly report -------------------------------------------------------------------------


def test_the_monthly_enquiry_report(cast, people):
    from crm.reports.desk import enquiries_monthly
    from dealership.actors import SYSTEM
    from dealership.reports.periods import Period

    clerk = people["customer_service_specialist"]
    enquire(cast.a, clerk, channel="phone", topic="booking", answer="好")
    enquire(cast.a, clerk, channel="wechat", topic="booking")
    enquire(cast.a, clerk, channel="phone", topic="parts", answer="有货")
    enquire(cast.b, cast.user_b, channel="phone", topic="parts")
    with dealership_context(cast.a):
        period = Period.containing("month", timezone.localdate())
        content = enquiries_monthly(SYSTEM, period)
    figures = {str(label): value for label, value, _kind in content.figures}
    assert figures["Enquiries"] == 3
    assert figures["Answered"] == 2
    rows = {row[0]: row for row in content.tables[0].rows}
    assert rows["Service booking"][1:3] == [1, 0]  # phone, in person
    assert rows["Service booking"][3] == 1  # WeChat
    assert sum(row[-2] for row in content.tables[0].rows) == 3


def test_the_call_screen_offers_to_route_a_suggestion(cast, people, client_for):
    followup = FACTORIES["FollowUp"](dealership=cast.a)
    page = client_for(people["customer_relations_manager"]).get(followup.get_absolute_url())
    assert page.status_code == 200
    assert f"/crm/proposals/new/?followup={followup.pk}" in page.content.decode()
    form = client_for(people["customer_relations_manager"]).get(
        f"/crm/proposals/new/?followup={followup.pk}"
    )
    assert form.status_code == 200
    assert 'name="customer"' not in form.content.decode()  # the call's customer


def test_the_heads_dashboard_lists_the_proposals_to_answer(cast, people, client_for):
    proposal = propose(cast.a, people["customer_relations_manager"])
    page = client_for(people["service_manager"]).get("/dashboard/").content.decode()
    assert 'data-widget="crm_proposals_to_answer"' in page
    assert proposal.get_absolute_url() in page
    sales = client_for(people["sales_manager"]).get("/dashboard/").content.decode()
    assert 'data-widget="crm_proposals_to_answer"' not in sales


def test_hq_reads_enquiries_and_proposals_but_changes_nothing(cast, people, client_for, api_for):
    enquiry = enquire(cast.a, people["customer_service_specialist"])
    proposal = propose(cast.a, people["customer_relations_manager"])
    hq = api_for(cast.hq_user)
    listed = hq.get(f"{API}enquiries/")
    assert listed.status_code == 200
    assert enquiry.pk in [row["id"] for row in listed.json()["results"]]
    made = hq.post(
        f"{API}enquiries/", {"channel": "phone", "topic": "other", "question": "x"}, format="json"
    )
    assert made.status_code == 403
    answered = hq.post(
        f"{API}improvement-proposals/{proposal.pk}/answer/", {"answer": "x"}, format="json"
    )
    assert answered.status_code in (403, 404)
    page = client_for(cast.hq_user).get(f"/crm/proposals/{proposal.pk}/")
    if page.status_code == 200:
        assert page.context["actions"] == []


# --- a caller who is not a customer: their phone number -----------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("+86 138-0013-8000", "13800138000"), ("027-8888 6666", "02788886666"), ("", "")],
)
def test_a_callers_phone_is_kept_normalised(cast, people, typed, kept):
    enquiry = enquire(
        cast.a, people["customer_service_specialist"], caller_name="王先生", caller_phone=typed
    )
    assert enquiry.caller_phone == kept


@pytest.mark.parametrize("typed", ["12345", "1380013800x", "9" * 40, "+1 415 555 2671", "138\x00"])
def test_a_bad_callers_phone_is_refused_with_the_field(cast, people, typed):
    with pytest.raises(ValidationError) as error:
        enquire(cast.a, people["customer_service_specialist"], caller_phone=typed)
    assert "caller_phone" in error.value.message_dict


def test_a_callers_phone_is_masked_but_for_who_took_it_and_the_phone_readers(
    cast, people, client_for, api_for
):
    clerk = people["customer_service_specialist"]
    enquiry = enquire(cast.a, clerk, caller_name="王先生", caller_phone="13800138000")
    page = f"/crm/enquiries/{enquiry.pk}/"
    # who took the call and the CRM manager (customers' numbers dealership-wide): in full
    for user in (clerk, people["customer_relations_manager"]):
        shown = client_for(user).get(page)
        assert shown.status_code == 200
        assert "13800138000" in shown.text and 'data-testid="caller-phone"' in shown.text
        listed = api_for(user).get(f"{API}enquiries/{enquiry.pk}/")
        assert listed.json()["caller_phone"] == "13800138000"
    # HQ reads the enquiry with the number masked: on the page, in the list and in the API
    hq_page = client_for(cast.hq_user).get(page)
    assert hq_page.status_code == 200
    assert "13800138000" not in hq_page.text and "138****8000" in hq_page.text
    hq_list = client_for(cast.hq_user).get("/crm/enquiries/")
    assert "13800138000" not in hq_list.text and "138****8000" in hq_list.text
    hq_api = api_for(cast.hq_user).get(f"{API}enquiries/{enquiry.pk}/")
    assert hq_api.json()["caller_phone"] == "138****8000"
    # the audit log masks it for who may not read customers' numbers
    from dealership.audit import masked_values

    accountant = UserFactory(username="desk_accountant", name="desk accountant")
    hire(accountant, cast.a, "accountant")  # reads no customer's number
    with dealership_context(cast.a):
        entry = AuditEntry.objects.filter(object_id=str(enquiry.pk)).latest("pk")
        assert masked_values(accountant, entry, entry.after)["caller_phone"] == "138****8000"
        assert masked_values(clerk, entry, entry.after)["caller_phone"] == "13800138000"


def test_a_callers_phone_through_the_page_and_the_api(cast, people, client_for, api_for):
    clerk = client_for(people["customer_service_specialist"])
    fields = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "topic": "vehicles",
        "question": "K5 有现车吗？",
        "caller_name": "赵先生",
    }
    bad = clerk.post("/crm/enquiries/new/", {**fields, "caller_phone": "12345"})
    assert bad.status_code == 400 and "caller_phone" in bad.context["form"].errors
    long = clerk.post("/crm/enquiries/new/", {**fields, "caller_phone": "1" * 500})
    assert long.status_code == 400
    ok = clerk.post("/crm/enquiries/new/", {**fields, "caller_phone": "139 0000 1111"})
    assert ok.status_code == 302
    with dealership_context(cast.a):
        assert Enquiry.objects.get(question="K5 有现车吗？").caller_phone == "13900001111"
    api = api_for(people["customer_service_specialist"])
    refused = api.post(
        f"{API}enquiries/",
        {"channel": "phone", "topic": "other", "question": "x", "caller_phone": "abc"},
        format="json",
    )
    assert refused.status_code == 400 and "caller_phone" in refused.json()["error"]["fields"]
    made = api.post(
        f"{API}enquiries/",
        {"channel": "phone", "topic": "other", "question": "x", "caller_phone": "02788886666"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["caller_phone"] == "02788886666"
    patched = api.patch(
        f"{API}enquiries/{made.json()['id']}/", {"caller_phone": "1" * 31}, format="json"
    )
    assert patched.status_code == 400
