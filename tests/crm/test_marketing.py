"""Marketing (#18 part 4): the monthly advertising plan through its approval chain (informed
steps, sent to the OEM, filed with the departments, the reminder job), marketing events
(proposal → approval → execution plan → invitations with replies and attendance → evidence →
summary), the competitor-advertising log; who may do what (a specialist their own, a sales
consultant nothing, another dealership 404), the pages and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    AdvertisingPlan,
    CompetitorAd,
    EventEvidence,
    EventInvitation,
    EventState,
    MarketingEvent,
    Membership,
    PlanState,
)
from crm.services import marketing as services
from dealership.models import AuditEntry
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from org.approvals.models import ApprovalRequest
from tests.crm.conftest import make_owner
from tests.crm.factories import FACTORIES
from tests.crm.test_outreach_support import frozen, run_job
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
API = "/api/v1/crm/"
TODAY = dt.date(2026, 6, 8)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)
POSITIONS = (
    "marketing_manager",
    "marketing_specialist",
    "crm_director",
    "deputy_gm",
    "finance_manager",
    "sales_info_clerk",
    "sales_manager",
    "service_manager",
    "sales_consultant",
    "customer_relations_manager",
)


@pytest.fixture
def people(cast) -> dict:
    made = {"gm": cast.user_a}
    for code in POSITIONS:
        user = UserFactory(username=f"mk_{code}", name=f"mk {code}")
        hire(user, cast.a, code)
        made[code] = user
    second = UserFactory(username="mk_specialist2", name="mk specialist 2")
    hire(second, cast.a, "marketing_specialist")
    made["specialist2"] = second
    return made


def _decide(actor, request_id, decision="approve", comment=""):
    return approvals.request_decide(
        actor=actor, request_id=request_id, decision=decision, comment=comment
    )


def _waiting_for(request_id) -> set[int]:
    request = ApprovalRequest.objects.get(pk=request_id)
    step = approvals.current_step(request)
    return {a.user_id for a in step.approvers.all()} if step else set()


def _approve_all(people, request_id):
    for code in ("crm_director", "deputy_gm", "gm"):
        assert _waiting_for(request_id) == {people[code].pk}, code
        _decide(people[code], request_id)


def _plan(actor, **fields):
    return services.advertising_plan_create(actor=actor, **({"title": "7月广告计划"} | fields))


def _line(actor, plan, **fields):
    data = {
        "channel": "auto_portal",
        "description": "汽车之家 7月置顶",
        "starts_on": dt.date(2026, 7, 1),
        "ends_on": dt.date(2026, 7, 31),
        "cost": Decimal("12000.00"),
    }
    return services.advertising_plan_line_add(actor=actor, plan_id=plan.pk, **(data | fields))


def _event(actor, **fields):
    start = timezone.now() + dt.timedelta(days=5)
    data = {
        "theme": "K5 周末试驾会",
        "purpose": "新车上市，提升到店量",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=4),
        "place": "展厅",
        "audience": "意向客户和车友会会员",
        "budget": Decimal("8000.00"),
        "expected_effect": "到店50批，留资30个",
        "expected_attendance": 50,
        "expected_leads": 30,
        "publicity": "抖音、短信",
    }
    return services.marketing_event_create(actor=actor, **(data | fields))


# --- the advertising plan -----------------------------------------------------------------------


def test_the_plan_goes_through_its_chain_informs_is_sent_and_filed(cast, people):
    planner = people["marketing_specialist"]
    with frozen(TODAY), dealership_context(cast.a):
        approvals.chains_seed(cast.a)
        plan = _plan(planner)
        assert plan.month == dt.date(2026, 7, 1) and plan.state == PlanState.DRAFT
        with pytest.raises(ValidationError, match="at least one line"):
            services.advertising_plan_submit(actor=planner, plan_id=plan.pk)
        _line(planner, plan)
        _line(planner, plan, channel="radio", description="交通台", cost="3000")
        with pytest.raises(ValidationError, match="plan's month"):
            _line(planner, plan, starts_on=dt.date(2026, 8, 1), ends_on=dt.date(2026, 8, 2))
        submitted = services.advertising_plan_submit(actor=planner, plan_id=plan.pk)
        assert submitted.state == PlanState.SUBMITTED and submitted.submitted_on == TODAY
        request = submitted.request
        assert request.kind == "crm.advertising_plan" and request.amount == Decimal("15000.00")
        with pytest.raises(ValidationError, match="Only a draft plan"):
            _line(planner, plan)
        with pytest.raises(ValidationError, match="Only an approved plan"):
            services.advertising_plan_mark_sent(actor=planner, plan_id=plan.pk)
        _approve_all(people, request.pk)
        plan.refresh_from_db()
        assert plan.state == PlanState.APPROVED
        # the finance manager and the sales front desk were informed
        informed = set(
            Notification.objects.filter(kind="approvals.informed").values_list(
                "recipient_id", flat=True
            )
        )
        assert {people["finance_manager"].pk, people["sales_info_clerk"].pk} <= informed
        with pytest.raises(ValidationError, match="future"):
            services.advertising_plan_mark_sent(
                actor=planner, plan_id=plan.pk, sent_on=TODAY + dt.timedelta(days=1)
            )
        sent = services.advertising_plan_mark_sent(actor=planner, plan_id=plan.pk)
        assert sent.state == PlanState.SENT and sent.sent_to_oem_on == TODAY
        assert not services.plan_is_late(sent)
        filed = set(
            Notification.objects.filter(kind=services.KIND_PLAN_FILED).values_list(
                "recipient_id", flat=True
            )
        )
        assert filed == {
            people["sales_manager"].pk,
            people["service_manager"].pk,
            people["finance_manager"].pk,
        }
        assert AuditEntry.objects.filter(object_type="crm.AdvertisingPlan").count() >= 4


def test_one_plan_a_month_a_rejected_one_is_replaced_returned_goes_back_to_draft(cast, people):
    planner = people["marketing_specialist"]
    with frozen(TODAY), dealership_context(cast.a):
        approvals.chains_seed(cast.a)
        plan = _plan(planner)
        with pytest.raises(ValidationError, match="already has an advertising plan"):
            _plan(people["marketing_manager"])
        with pytest.raises(ValidationError, match="this month or a month to come"):
            _plan(planner, month=dt.date(2026, 5, 1))
        _line(planner, plan)
        request = services.advertising_plan_submit(actor=planner, plan_id=plan.pk).request
        _decide(people["crm_director"], request.pk, "return", "add the radio")
        plan.refresh_from_db()
        assert plan.state == PlanState.DRAFT
        _line(planner, plan, channel="radio", cost="2000")
        again = services.advertising_plan_submit(actor=planner, plan_id=plan.pk)
        assert again.request_id == request.pk and again.state == PlanState.SUBMITTED
        _decide(people["crm_director"], request.pk, "reject", "no budget")
        plan.refresh_from_db()
        assert plan.state == PlanState.REJECTED
        replacement = _plan(planner, title="重新计划")
        assert replacement.month == plan.month


def test_the_reminder_tells_the_planners_once_from_the_10th(cast, people):
    job = "crm.advertising_plan_reminder"
    run = run_job(cast.a, dt.date(2026, 6, 9), job)
    assert run.state == "succeeded" and "not yet due" in run.result
    run_job(cast.a, dt.date(2026, 6, 10), job)
    run_job(cast.a, dt.date(2026, 6, 11), job)
    with dealership_context(cast.a):
        told = list(
            Notification.objects.filter(kind=services.KIND_PLAN_MISSING).values_list(
                "recipient_id", flat=True
            )
        )
    assert sorted(told) == sorted(
        [
            people["marketing_specialist"].pk,
            people["specialist2"].pk,
            people["marketing_manager"].pk,
        ]
    )
    # a submitted plan stops the reminder (for July's: the one due in June)
    with frozen(dt.date(2026, 7, 9)), dealership_context(cast.a):
        approvals.chains_seed(cast.a)
        plan = _plan(people["marketing_specialist"], title="8月")
        _line(
            people["marketing_specialist"],
            plan,
            starts_on=dt.date(2026, 8, 3),
            ends_on=dt.date(2026, 8, 9),
        )
        services.advertising_plan_submit(actor=people["marketing_specialist"], plan_id=plan.pk)
    run = run_job(cast.a, dt.date(2026, 7, 12), job)
    assert "submitted" in run.result


# --- marketing events ---------------------------------------------------------------------------


def test_the_event_journey_proposal_approval_invitations_evidence_summary(cast, people):
    organiser = people["marketing_specialist"]
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
        event = _event(organiser)
        assert event.state == EventState.DRAFT
        customer = make_owner(cast.a, name="邀约客户")
        with pytest.raises(ValidationError, match="approved event"):
            services.event_invitation_create(
                actor=people["marketing_manager"], event_id=event.pk, customer_id=customer.pk
            )
        event = services.marketing_event_submit(actor=organiser, event_id=event.pk)
        assert event.state == EventState.SUBMITTED
        with pytest.raises(ValidationError, match="while it is a draft"):
            services.marketing_event_update(actor=organiser, event_id=event.pk, theme="x")
        _approve_all(people, event.request_id)
        event.refresh_from_db()
        assert event.state == EventState.APPROVED
        event = services.marketing_event_update(
            actor=organiser, event_id=event.pk, execution_plan="物料、人员、排期"
        )
        assert event.execution_plan == "物料、人员、排期"
        # a customer (by the manager, who sees customers) and the owner-club members
        invitation = services.event_invitation_create(
            actor=people["marketing_manager"], event_id=event.pk, customer_id=customer.pk
        )
        with pytest.raises(ValidationError, match="already invited"):
            services.event_invitation_create(
                actor=people["marketing_manager"], event_id=event.pk, customer_id=customer.pk
            )
        members = [make_owner(cast.a, name=f"会员{i}") for i in range(2)]
        for number, member in enumerate([*members, customer]):
            Membership.objects.create(
                dealership=cast.a,
                customer=member,
                member_no=f"M{number}",
                joined_on=dt.date(2026, 1, 1),
            )
        rows = services.event_invite_members(actor=organiser, event_id=event.pk)
        assert len(rows) == 2  # the customer invited already is not invited twice
        assert services.event_invite_members(actor=organiser, event_id=event.pk) == []
        invitation = services.event_invitation_reply(
            actor=people["marketing_manager"],
            invitation_id=invitation.pk,
            reply="accepted",
            guests=2,
        )
        assert invitation.reply == "accepted" and invitation.replied_at is not None
        with pytest.raises(ValidationError, match="once the event has started"):
            services.event_invitation_attendance(
                actor=organiser, invitation_id=invitation.pk, attended=True
            )
        with pytest.raises(ValidationError, match="once it has taken place"):
            services.marketing_event_summarise(
                actor=organiser,
                event_id=event.pk,
                summary="x",
                leads_reported=1,
                orders_reported=0,
                actual_cost="1",
            )
        evidence = services.event_evidence_add(
            actor=organiser,
            event_id=event.pk,
            kind="photo",
            file=SimpleUploadedFile("现场.png", PNG, content_type="image/png"),
        )
        assert evidence.content_type == "image/png" and evidence.name == "现场.png"
        with pytest.raises(ValidationError, match="PDF or a photo"):
            services.event_evidence_add(
                actor=organiser,
                event_id=event.pk,
                kind="invoice",
                file=SimpleUploadedFile(
                    "x.pdf", b"not a pdf at all", content_type="application/pdf"
                ),
            )
    # the event took place
    later = timezone.localtime(event.starts_at + dt.timedelta(hours=1))
    with frozen(later.date(), later.hour), dealership_context(cast.a):
        services.event_invitation_attendance(
            actor=organiser, invitation_id=invitation.pk, attended=True
        )
        done = services.marketing_event_summarise(
            actor=organiser,
            event_id=event.pk,
            summary="到店超预期",
            leads_reported=35,
            orders_reported=4,
            actual_cost="7600.50",
        )
        assert done.state == EventState.DONE
        assert done.actual_attendance == 2  # the guests of the invitation marked attended
        assert done.actual_cost == Decimal("7600.50")


def test_event_proposal_values_are_checked(cast, people):
    organiser = people["marketing_specialist"]
    with dealership_context(cast.a):
        with pytest.raises(ValidationError, match="cannot end before it starts"):
            _event(organiser, ends_at=timezone.now() + dt.timedelta(days=1))
        with pytest.raises(ValidationError, match="event to come"):
            start = timezone.now() - dt.timedelta(days=1)
            _event(organiser, starts_at=start, ends_at=start + dt.timedelta(hours=2))
        with pytest.raises(ValidationError, match="cannot be negative"):
            _event(organiser, budget="-1")
        with pytest.raises(ValidationError, match="theme"):
            _event(organiser, theme=" ")
        with pytest.raises(ValidationError, match="Pick a value"):
            _event(organiser, kind="party")


def test_a_specialist_keeps_their_own_a_consultant_nothing_another_dealership_404(cast, people):
    with dealership_context(cast.a):
        mine = _event(people["marketing_specialist"])
        # a colleague reads it (crm.view_marketing) but changes only their own: 403
        with pytest.raises(PermissionDenied):
            services.marketing_event_update(
                actor=people["specialist2"], event_id=mine.pk, theme="taken"
            )
        # the marketing manager changes the department's
        services.marketing_event_update(
            actor=people["marketing_manager"], event_id=mine.pk, place="广场"
        )
        with pytest.raises(PermissionDenied):
            _event(people["sales_consultant"])
        with pytest.raises(PermissionDenied):
            services.competitor_ad_create(
                actor=people["sales_consultant"],
                brand="比亚迪",
                channel="newspaper",
                medium="广州日报",
                published_on=dt.date(2026, 1, 5),
            )
        # everyone holding crm.view_marketing reads the events (the specialist reads others')
        assert (
            MarketingEvent.objects.for_user(people["specialist2"], "view")
            .filter(pk=mine.pk)
            .exists()
        )
    theirs = FACTORIES["MarketingEvent"](dealership=cast.b)
    with dealership_context(cast.a), pytest.raises(Http404):
        services.marketing_event_update(actor=cast.user_a, event_id=theirs.pk, place="x")


def test_the_competitor_ad_log(cast, people):
    specialist = people["marketing_specialist"]
    with dealership_context(cast.a):
        ad = services.competitor_ad_create(
            actor=specialist,
            brand="比亚迪",
            channel="newspaper",
            medium="广州日报",
            size="整版",
            published_on=dt.date(2026, 1, 5),
            cost_estimate="80000",
        )
        assert ad.cost_estimate == Decimal("80000.00") and ad.recorded_by == specialist
        with pytest.raises(ValidationError, match="future"):
            services.competitor_ad_update(
                actor=specialist, ad_id=ad.pk, published_on=timezone.localdate() + dt.timedelta(2)
            )
        with pytest.raises(ValidationError, match="cannot be changed"):
            services.competitor_ad_update(actor=specialist, ad_id=ad.pk, recorded_by=None)
        with pytest.raises(PermissionDenied):
            services.competitor_ad_delete(actor=people["specialist2"], ad_id=ad.pk)
        services.competitor_ad_delete(actor=specialist, ad_id=ad.pk)
        assert not CompetitorAd.objects.exists()


# --- reports ------------------------------------------------------------------------------------


def test_the_reports_gather_the_week_and_the_half_month(cast, people):
    from crm.models import CompetitorObservation
    from dealership.reports import get_report
    from dealership.reports.periods import Period

    manager = people["marketing_manager"]
    with dealership_context(cast.a):
        FACTORIES["CompetitorAd"](dealership=cast.a, published_on=dt.date(2026, 10, 13))
        FACTORIES["CompetitorAd"](
            dealership=cast.a, brand="本田", channel="tv", published_on=dt.date(2026, 10, 14)
        )
        FACTORIES["CompetitorAd"](dealership=cast.a, published_on=dt.date(2026, 10, 30))
        CompetitorObservation.objects.create(
            dealership=cast.a,
            brand=cast.a.brand.name_zh,
            model="K5",
            price=Decimal("150000"),
            observed_on=dt.date(2026, 10, 3),
        )
        CompetitorObservation.objects.create(
            dealership=cast.a,
            brand="比亚迪",
            model="秦",
            price=Decimal("99800"),
            observed_on=dt.date(2026, 10, 4),
            promotion="置换补贴",
        )
        week = Period.containing("week", dt.date(2026, 10, 14))
        weekly = get_report("crm.competitor_ads_weekly").gather(manager, week)
        assert weekly.figures[0][1] == 2
        assert [row[0] for row in weekly.tables[0].rows] == ["本田", "比亚迪"] or [
            row[0] for row in weekly.tables[0].rows
        ] == ["比亚迪", "本田"]
        half = Period.containing("half_month", dt.date(2026, 10, 10))
        prices = get_report("crm.price_tracking").gather(manager, half)
        rivals, same = prices.tables
        assert [row[0] for row in rivals.rows] == ["比亚迪"]
        assert [row[1] for row in same.rows] == ["K5"]
        assert get_report("crm.price_tracking").approval is True
        tracking = get_report("crm.market_tracking").gather(manager, half)
        assert tracking.figures[0][1] == 1  # one promotion observed
        for code in ("crm.advertising_weekly", "crm.market_weekly"):
            assert get_report(code).gather(manager, week).tables
        quarter = Period.containing("quarter", dt.date(2026, 10, 10))
        materials = get_report("crm.advertising_materials")
        assert materials.oem and materials.gather(manager, quarter).tables
        assert materials.due.is_due_on(dt.date(2027, 1, 31))
        assert not materials.due.is_due_on(dt.date(2027, 2, 28))
        assert materials.period_due_on(dt.date(2027, 1, 31)) == Period.containing(
            "quarter", dt.date(2026, 12, 1)
        )


# --- pages --------------------------------------------------------------------------------------


def test_the_pages_open_for_marketing_and_not_for_a_consultant(cast, people, client_for):
    with dealership_context(cast.a):
        event = FACTORIES["MarketingEvent"](
            dealership=cast.a, created_by=people["marketing_specialist"]
        )
        plan = FACTORIES["AdvertisingPlan"](
            dealership=cast.a, created_by=people["marketing_specialist"]
        )
        FACTORIES["AdvertisingPlanLine"](dealership=cast.a, plan=plan)
        FACTORIES["EventInvitation"](dealership=cast.a, event=event)
    urls = [
        reverse("crm:adplan_list"),
        reverse("crm:adplan_detail", args=[plan.pk]),
        reverse("crm:adplan_create"),
        reverse("crm:event_list"),
        reverse("crm:event_detail", args=[event.pk]),
        reverse("crm:event_create"),
        reverse("crm:competitor_ad_list"),
        reverse("crm:competitor_ad_create"),
    ]
    specialist = client_for(people["marketing_specialist"])
    for url in urls:
        assert specialist.get(url).status_code == 200, url
    page = specialist.get(reverse("crm:event_detail", args=[event.pk])).content.decode()
    assert 'data-testid="invite-members-form"' in page and 'data-testid="invite-form"' not in page
    manager_page = (
        client_for(people["marketing_manager"])
        .get(reverse("crm:event_detail", args=[event.pk]))
        .content.decode()
    )
    assert 'data-testid="invite-form"' in manager_page
    consultant = client_for(people["sales_consultant"])
    for url in urls:
        assert consultant.get(url).status_code == 403, url
    dashboard = (
        client_for(people["marketing_specialist"]).get(reverse("dashboard")).content.decode()
    )
    assert reverse("crm:event_list") in dashboard
    assert reverse("crm:event_list") not in consultant.get(reverse("dashboard")).content.decode()


def test_the_forms_refuse_bad_input_with_the_reason(cast, people, client_for):
    client = client_for(people["marketing_specialist"])
    start = timezone.localtime() + dt.timedelta(days=3)
    form = {
        "kind": "promotion",
        "theme": "车友会自驾游",
        "purpose": "会员关怀",
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start - dt.timedelta(hours=1):%Y-%m-%dT%H:%M}",
        "place": "从化",
        "audience": "车友会会员",
        "budget": "6000",
        "expected_effect": "参与30组",
        "expected_attendance": "30",
        "expected_leads": "5",
    }
    refused = client.post(reverse("crm:event_create"), form)
    assert refused.status_code == 400 and "cannot end before it starts" in refused.content.decode()
    form["ends_at"] = f"{start + dt.timedelta(hours=6):%Y-%m-%dT%H:%M}"
    assert client.post(reverse("crm:event_create"), form).status_code == 302
    with dealership_context(cast.a):
        event = MarketingEvent.objects.get(theme="车友会自驾游")
    assert client.post(reverse("crm:event_submit", args=[event.pk]), {}).status_code == 302
    plan = client.post(reverse("crm:adplan_create"), {"month": "2026-13", "title": "x"})
    assert plan.status_code == 400
    created = client.post(
        reverse("crm:adplan_create"),
        {"month": f"{services.next_month(timezone.localdate()):%Y-%m}", "title": "下月计划"},
    )
    assert created.status_code == 302
    with dealership_context(cast.a):
        plan = AdvertisingPlan.objects.get(title="下月计划")
    line = client.post(
        reverse("crm:adplan_line_add", args=[plan.pk]),
        {
            "channel": "tv",
            "description": "电视",
            "starts_on": "2000-01-01",
            "ends_on": "2000-01-02",
            "cost": "100",
        },
    )
    assert line.status_code == 400 and "plan&#x27;s month" in line.content.decode()


def test_evidence_files_are_served_to_who_may_see_the_event(cast, people, client_for):
    with dealership_context(cast.a):
        event = FACTORIES["MarketingEvent"](
            dealership=cast.a, created_by=people["marketing_specialist"]
        )
    client = client_for(people["marketing_specialist"])
    upload = SimpleUploadedFile("invoice.png", PNG, content_type="image/png")
    response = client.post(
        reverse("crm:evidence_add", args=[event.pk]), {"kind": "invoice", "file": upload}
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        evidence = EventEvidence.objects.get(event=event)
    served = client.get(reverse("crm:evidence_file", args=[evidence.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert client_for(people["sales_consultant"]).get(
        reverse("crm:evidence_file", args=[evidence.pk])
    ).status_code in (403, 404)
    assert (
        client_for(cast.user_b).get(reverse("crm:evidence_file", args=[evidence.pk])).status_code
        == 404
    )


# --- API ----------------------------------------------------------------------------------------


def test_api_plans_events_invitations_and_the_log(cast, people, api_for):
    api = api_for(people["marketing_manager"])
    month = services.next_month(timezone.localdate())
    created = api.post(API + "advertising-plans/", {"title": "API 计划"}, format="json")
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    assert created.json()["month"] == f"{month:%Y-%m-%d}"
    line = api.post(
        f"{API}advertising-plans/{plan_id}/lines/",
        {
            "channel": "social",
            "description": "抖音",
            "starts_on": f"{month:%Y-%m-%d}",
            "ends_on": f"{month + dt.timedelta(days=3):%Y-%m-%d}",
            "cost": "-5",
        },
        format="json",
    )
    assert line.status_code == 400
    line = api.post(
        f"{API}advertising-plans/{plan_id}/lines/",
        {
            "channel": "social",
            "description": "抖音",
            "starts_on": f"{month:%Y-%m-%d}",
            "ends_on": f"{month + dt.timedelta(days=3):%Y-%m-%d}",
            "cost": "5000",
        },
        format="json",
    )
    assert line.status_code == 201, line.json()
    assert api.get(f"{API}advertising-plans/{plan_id}/").json()["lines"][0]["cost"] == "5000.00"
    second = api.post(
        f"{API}advertising-plans/{plan_id}/lines/",
        {
            "channel": "tv",
            "description": "电视",
            "starts_on": f"{month:%Y-%m-%d}",
            "ends_on": f"{month:%Y-%m-%d}",
            "cost": "100",
        },
        format="json",
    ).json()
    assert api.delete(f"{API}advertising-plan-lines/{second['id']}/").status_code == 204
    assert len(api.get(f"{API}advertising-plans/{plan_id}/").json()["lines"]) == 1
    submitted = api.post(f"{API}advertising-plans/{plan_id}/submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert api.delete(f"{API}advertising-plan-lines/{line.json()['id']}/").status_code == 400
    assert api.get(API + "advertising-plans/", {"state": "nope"}).status_code == 400

    start = timezone.now() + dt.timedelta(days=10)
    event = api.post(
        API + "marketing-events/",
        {
            "kind": "owner_club",
            "theme": "车友会烧烤",
            "purpose": "会员关怀",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
            "place": "白云山",
            "audience": "车友会会员",
            "budget": "3000.00",
            "expected_effect": "20组家庭",
        },
        format="json",
    )
    assert event.status_code == 201, event.json()
    event_id = event.json()["id"]
    with dealership_context(cast.a):
        MarketingEvent.objects.filter(pk=event_id).update(state=EventState.APPROVED)
        customer = make_owner(cast.a, name="API 客户")
    invited = api.post(
        f"{API}marketing-events/{event_id}/invitations/", {"customer": customer.pk}, format="json"
    )
    assert invited.status_code == 201, invited.json()
    again = api.post(
        f"{API}marketing-events/{event_id}/invitations/", {"customer": customer.pk}, format="json"
    )
    assert again.status_code == 400 and "already invited" in str(again.json())
    invitation_id = invited.json()["id"]
    replied = api.post(
        f"{API}event-invitations/{invitation_id}/reply/",
        {"reply": "declined"},
        format="json",
    )
    assert replied.status_code == 200 and replied.json()["reply"] == "declined"
    listed = api.get(f"{API}marketing-events/{event_id}/invitations/").json()["results"]
    assert [row["customer_name"] for row in listed] == ["API 客户"]

    ad = api.post(
        API + "competitor-ads/",
        {
            "brand": "丰田",
            "channel": "outdoor",
            "medium": "天河路大牌",
            "published_on": "2026-01-05",
            "cost_estimate": "50000",
        },
        format="json",
    )
    assert ad.status_code == 201, ad.json()
    assert (
        api.get(API + "competitor-ads/", {"month": "2026-01"}).json()["results"][0]["brand"]
        == "丰田"
    )
    assert api.get(API + "competitor-ads/", {"month": "2026-99"}).status_code == 400


def test_api_keeps_dealerships_and_positions_apart(cast, people, api_for):
    theirs = FACTORIES["MarketingEvent"](dealership=cast.b)
    ad_b = FACTORIES["CompetitorAd"](dealership=cast.b)
    api = api_for(people["marketing_specialist"])
    assert api.get(f"{API}marketing-events/{theirs.pk}/").status_code == 404
    assert api.get(f"{API}competitor-ads/{ad_b.pk}/").status_code == 404
    assert api.get(API + "marketing-events/").json()["results"] == []
    consultant = api_for(people["sales_consultant"])
    assert consultant.get(API + "marketing-events/").status_code == 403
    assert consultant.get(API + "advertising-plans/").status_code == 403
    hq = api_for(cast.hq_user).post(API + "advertising-plans/", {"title": "x"}, format="json")
    assert hq.status_code == 403
    with dealership_context(cast.a):
        assert not EventInvitation.objects.exists()


def test_every_marketing_report_is_stored_shown_and_exported(cast, people):
    """Each report's content survives its JSON (the stored run), renders as the page's block,
    a workbook and a PDF — with events summarised and not, and costs unknown."""
    from django.utils.html import escape

    from dealership.reports import ReportContent, get_report
    from dealership.reports.periods import Period
    from dealership.reports.render import Document, html_block, pdf_bytes, xlsx_bytes

    manager = people["marketing_manager"]
    day = timezone.localdate() - dt.timedelta(days=2)
    with dealership_context(cast.a):
        held = FACTORIES["MarketingEvent"](dealership=cast.a, created_by=manager)
        start = timezone.now() - dt.timedelta(days=2)
        MarketingEvent.objects.filter(pk=held.pk).update(
            starts_at=start, ends_at=start + dt.timedelta(hours=3)
        )
        FACTORIES["EventInvitation"](dealership=cast.a, event=held, attended=True, guests=3)
        FACTORIES["CompetitorAd"](dealership=cast.a, published_on=day, cost_estimate=None)
        FACTORIES["AdvertisingSpend"](dealership=cast.a, period_start=day, period_end=day)
        FACTORIES["CompetitorObservation"](dealership=cast.a, observed_on=day, promotion="送保养")
        sheets, documents = [], []
        for code, kind in (
            ("crm.advertising_weekly", "week"),
            ("crm.market_weekly", "week"),
            ("crm.competitor_ads_weekly", "week"),
            ("crm.price_tracking", "half_month"),
            ("crm.market_tracking", "half_month"),
            ("crm.advertising_materials", "quarter"),
        ):
            report = get_report(code)
            content = report.gather(manager, Period.containing(kind, day))
            stored = ReportContent.from_json(content.to_json())
            assert escape(stored.tables[0].title) in html_block(stored), code
            document = Document(str(report.title), "甲店", code, timezone.now(), stored)
            sheets.append((str(report.title), [document]))
            documents.append(document)
        weekly = get_report("crm.advertising_weekly").gather(
            manager, Period.containing("week", day)
        )
        assert dict((str(k), v) for k, v, _kind in weekly.figures)["Attendance"] == 3
    assert xlsx_bytes(sheets)[:2] == b"PK"
    assert pdf_bytes(documents[:2], title="市场").startswith(b"%PDF")
