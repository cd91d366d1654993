"""SMS campaigns: placeholders checked, the audience from the saved filter and its preview, the
approval chain through the engine (requester → department head → deputy GM → GM → sent),
sending that skips customers without SMS consent, records failures and never sends twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import (
    ReminderKind,
    ServiceReminder,
    SmsCampaign,
    SmsCampaignState,
    SmsDelivery,
    SmsDeliveryState,
)
from crm.selectors.outreach import sms_preview
from crm.services import outreach as services
from crm.services.sms import INTERRUPTED, KIND_CODE, audience_clean
from dealership import sms
from dealership.jobs import get_job
from dealership.models import JobRun
from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from org.approvals.models import ApprovalChain, ApprovalRequest
from tests.crm.conftest import make_owner
from tests.crm.test_outreach_support import delivered, frozen, run_job, vehicle_for

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


class FailingFor:
    """A gateway that refuses one number (set by the test)."""

    number = ""

    def send(self, message):
        if message.to == FailingFor.number:
            raise RuntimeError("isv.MOBILE_NUMBER_ILLEGAL")
        sms.outbox.append(message)


@pytest.fixture
def outbox(settings):
    settings.SMS_BACKEND = "dealership.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def owners(cast, team):
    staff = team.sales_consultant
    people = {}
    people["k5_jan"], k5, _event = delivered(cast.a, dt.date(2026, 1, 10), staff=staff, name="一号")
    people["k3_feb"], k3, _event = delivered(cast.a, dt.date(2026, 2, 10), staff=staff, name="二号")
    people["k5_jan"].car, people["k3_feb"].car = k5, k3
    with dealership_context(cast.a):
        type(k3).objects.filter(pk=k3.pk).update(model="K3")
    people["no_consent"] = delivered(
        cast.a, dt.date(2026, 3, 10), staff=staff, name="三号", consent_sms=False
    )[0]
    people["no_mobile"] = delivered(
        cast.a, dt.date(2026, 3, 12), staff=staff, name="四号", mobile=None
    )[0]
    # an owner who bought elsewhere (no delivery here), a K5 serviced here
    people["elsewhere"] = make_owner(cast.a, staff, name="五号")
    vehicle_for(cast.a, people["elsewhere"], model="K5 Pro", plate="粤A88888")
    people["prospect"] = make_owner(cast.a, staff, name="六号")  # owns nothing: never in it
    return people


def _create(actor, **fields):
    data = {
        "name": "Spring check",
        "text": "{name}您好，{plate}（{model}）春季免费检测。{dealership}",
    }
    return services.sms_campaign_create(actor=actor, **(data | fields))


# --- writing the campaign -----------------------------------------------------------------------


def test_placeholders_are_checked_when_the_campaign_is_written(cast, team):
    manager = team.customer_relations_manager
    with dealership_context(cast.a):
        with pytest.raises(ValidationError, match=r"Unknown placeholder \{mileage\}"):
            _create(manager, text="{name} {mileage}")
        with pytest.raises(ValidationError, match="no pair"):
            _create(manager, text="{name")
        with pytest.raises(ValidationError, match=r"Unknown placeholder \{name!r\}"):
            _create(manager, text="{name!r}")
        with pytest.raises(ValidationError, match="Unknown placeholder"):
            _create(manager, text="{name.__class__}")
        campaign = _create(manager, text="{{优惠}} {name}")
        assert campaign.state == SmsCampaignState.DRAFT and campaign.created_by == manager
        updated = services.sms_campaign_update(
            actor=manager, campaign_id=campaign.pk, audience={"model": " K5 ", "members_only": "on"}
        )
        assert updated.audience == {"model": "K5", "members_only": True}


def test_the_audience_filter_is_checked():
    assert audience_clean({"delivered_from": "2026-01", "maintenance_due": False}) == {
        "delivered_from": "2026-01"
    }
    for bad, field in (
        ({"delivered_from": "2026-13"}, "delivered_from"),
        ({"delivered_from": "2026-05", "delivered_to": "2026-04"}, "delivered_to"),
        ({"colour": "red"}, "audience"),
        ({"members_only": "perhaps"}, "members_only"),
    ):
        with pytest.raises(ValidationError) as error:
            audience_clean(bad)
        assert field in error.value.message_dict


def test_only_campaign_planners_write_campaigns(cast, team):
    with dealership_context(cast.a), pytest.raises(PermissionDenied):
        _create(team.sales_consultant)


# --- the audience and its preview ---------------------------------------------------------------


def test_the_preview_counts_the_audience_and_renders_the_first_messages(cast, team, owners):
    manager = team.customer_relations_manager
    with dealership_context(cast.a):
        everyone = sms_preview(manager, audience={}, text="{name} {plate}")
        assert (everyone.total, everyone.no_consent, everyone.no_mobile, everyone.sendable) == (
            5,
            1,
            1,
            3,
        )
        k5 = sms_preview(manager, audience={"model": "k5"}, text="{name}:{model}:{plate}")
        assert (k5.total, k5.sendable) == (4, 2)  # 一号, 三号, 四号, 五号 (K5 Pro)
        texts = sorted(s["text"] for s in k5.samples)
        assert texts == [
            "一号:Kia K5:" + owners["k5_jan"].car.plate,
            "五号:Kia K5 Pro:粤A88888",
        ]
        assert {s["phone"] for s in k5.samples} == {
            owners["k5_jan"].mobile,
            owners["elsewhere"].mobile,
        }  # the CRM manager sees full numbers (and each is logged)
        window = sms_preview(
            manager,
            audience={"delivered_from": "2026-02", "delivered_to": "2026-03"},
            text="{name}",
        )
        assert window.total == 3  # 二号, 三号, 四号
        both = sms_preview(
            manager, audience={"model": "K5", "delivered_to": "2026-02"}, text="{name}"
        )
        assert both.total == 1  # a K5 delivered by February: 一号
        ServiceReminder.objects.create(
            dealership=cast.a,
            kind=ReminderKind.MAINTENANCE,
            customer=owners["k3_feb"],
            vehicle=owners["k3_feb"].car,
            due_on=TODAY,
            listed_on=TODAY,
        )
        assert sms_preview(manager, audience={"maintenance_due": True}, text="x").total == 1
        services.membership_join(actor=manager, customer_id=owners["elsewhere"].pk)
        members = sms_preview(manager, audience={"members_only": True}, text="{name}")
        assert (members.total, [s["text"] for s in members.samples]) == (1, ["五号"])
        # a CR specialist sees the customers, not their numbers
        masked = sms_preview(team.cr_specialist, audience={}, text="{name}")
        assert masked.total == 5 and len(masked.samples) == 3
        assert all("****" in s["phone"] for s in masked.samples)
    # a marketing specialist (no customer rights) gets the counts, not the customers
    from tests.factories import UserFactory, hire

    planner = UserFactory(username="team_marketing_specialist", name="planner")
    hire(planner, cast.a, "marketing_specialist")
    with dealership_context(cast.a):
        counted = sms_preview(planner, audience={}, text="{name}")
        assert (counted.total, counted.samples) == (5, [])


# --- the approval chain and sending -------------------------------------------------------------


def _decide(actor, request_id, decision="approve", comment=""):
    return approvals.request_decide(
        actor=actor, request_id=request_id, decision=decision, comment=comment
    )


def _waiting_for(request_id) -> set[int]:
    request = ApprovalRequest.objects.get(pk=request_id)
    step = approvals.current_step(request)
    return {a.user_id for a in step.approvers.all()} if step else set()


def test_submit_dept_head_deputy_gm_gm_then_send(cast, team, owners, outbox):
    manager = team.customer_relations_manager
    with frozen(TODAY), dealership_context(cast.a):
        approvals.chains_seed(cast.a)
        campaign = _create(manager)
        submitted = services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk)
        assert submitted.state == SmsCampaignState.SUBMITTED
        assert submitted.audience_count == 5
        request = submitted.request
        assert request.kind == KIND_CODE and request.status == "pending"
        with pytest.raises(ValidationError, match="Only an approved campaign is sent"):
            services.sms_campaign_send(actor=manager, campaign_id=campaign.pk)
        with pytest.raises(ValidationError, match="Only a draft can be changed"):
            services.sms_campaign_update(actor=manager, campaign_id=campaign.pk, name="x")
        for approver in (team.crm_director, team.deputy_gm, team.gm):
            assert _waiting_for(request.pk) == {approver.pk}
            assert SmsCampaign.objects.get(pk=campaign.pk).state == SmsCampaignState.SUBMITTED
            _decide(approver, request.pk)
        assert SmsCampaign.objects.get(pk=campaign.pk).state == SmsCampaignState.APPROVED
        result = services.sms_campaign_send(actor=manager, campaign_id=campaign.pk)
        assert (result.sent, result.skipped, result.failed) == (3, 1, 1)
        sent = SmsCampaign.objects.get(pk=campaign.pk)
        assert sent.state == SmsCampaignState.SENT and sent.sent_at is not None
        rows = {d.customer_id: d for d in SmsDelivery.objects.filter(campaign=campaign)}
        assert rows[owners["no_consent"].pk].state == SmsDeliveryState.SKIPPED
        assert rows[owners["no_mobile"].pk].state == SmsDeliveryState.FAILED
        assert "no mobile" in rows[owners["no_mobile"].pk].error
        assert rows[owners["k5_jan"].pk].state == SmsDeliveryState.SENT
        assert rows[owners["k5_jan"].pk].text.startswith("一号您好，")
        assert "{" not in rows[owners["k5_jan"].pk].text
        with pytest.raises(ValidationError, match="already sent"):
            services.sms_campaign_send(actor=manager, campaign_id=campaign.pk)
    assert sorted(m.key for m in outbox) == sorted(
        f"crm.sms:{campaign.pk}:{owners[k].pk}" for k in ("k5_jan", "k3_feb", "elsewhere")
    )
    assert owners["no_consent"].mobile not in {m.to for m in outbox}
    assert "Store A" not in outbox[0].text and "甲店" in outbox[0].text  # the dealership's name


def test_an_interrupted_send_resumes_without_sending_twice(cast, team, owners, outbox, settings):
    manager = team.customer_relations_manager
    with frozen(TODAY), dealership_context(cast.a):
        campaign = _create(manager)
        SmsCampaign.objects.filter(pk=campaign.pk).update(state=SmsCampaignState.APPROVED)
        # the run that crashed had written this row (and perhaps sent the message)
        SmsDelivery.objects.create(
            dealership=cast.a,
            campaign=campaign,
            customer=owners["k5_jan"],
            mobile=owners["k5_jan"].mobile,
            state=SmsDeliveryState.FAILED,
            error=INTERRUPTED,
        )
        settings.SMS_BACKEND = "tests.crm.test_sms_services.FailingFor"
        FailingFor.number = owners["k3_feb"].mobile
        result = services.sms_campaign_send(actor=manager, campaign_id=campaign.pk)
        assert (result.sent, result.failed, result.skipped, result.already) == (1, 2, 1, 1)
        failed = SmsDelivery.objects.get(campaign=campaign, customer=owners["k3_feb"])
        assert failed.state == SmsDeliveryState.FAILED
        assert failed.error == "isv.MOBILE_NUMBER_ILLEGAL"
        assert SmsCampaign.objects.get(pk=campaign.pk).state == SmsCampaignState.SENT
    assert [m.to for m in outbox] == [owners["elsewhere"].mobile]  # nobody twice


def test_the_job_sends_approved_campaigns(cast, team, owners, outbox):
    manager = team.customer_relations_manager
    with frozen(TODAY), dealership_context(cast.a):
        draft = _create(manager, name="draft")
        approved = _create(manager, name="approved")
        SmsCampaign.objects.filter(pk=approved.pk).update(state=SmsCampaignState.APPROVED)
    with frozen(TODAY, 10):
        run = run_job(cast.a, TODAY, "crm.sms_send_approved")
    assert run.state == JobRun.State.SUCCEEDED, run.error
    assert f"#{approved.pk}: 3 sent, 1 skipped, 1 failed" in run.result
    assert get_job("crm.sms_send_approved") is not None
    with dealership_context(cast.a):
        assert SmsCampaign.objects.get(pk=approved.pk).state == SmsCampaignState.SENT
        assert SmsCampaign.objects.get(pk=draft.pk).state == SmsCampaignState.DRAFT
    assert len(outbox) == 3


def test_rejected_cannot_be_sent_returned_goes_back_to_draft(cast, team, owners, outbox):
    manager = team.customer_relations_manager
    with frozen(TODAY), dealership_context(cast.a):
        approvals.chains_seed(cast.a)
        campaign = _create(manager)
        request = services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk).request
        _decide(team.crm_director, request.pk, "return", "say which check")
        back = SmsCampaign.objects.get(pk=campaign.pk)
        assert back.state == SmsCampaignState.DRAFT and back.request_id == request.pk
        services.sms_campaign_update(
            actor=manager, campaign_id=campaign.pk, text="{name}：免费空调检测。"
        )
        again = services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk)
        assert again.request_id == request.pk
        assert ApprovalRequest.objects.get(pk=request.pk).round == 2
        _decide(team.crm_director, request.pk)
        _decide(team.deputy_gm, request.pk, "reject", "not now")
        assert SmsCampaign.objects.get(pk=campaign.pk).state == SmsCampaignState.REJECTED
        with pytest.raises(ValidationError, match="Only an approved campaign is sent"):
            services.sms_campaign_send(actor=manager, campaign_id=campaign.pk)
        with pytest.raises(ValidationError, match="Only a draft is sent for approval"):
            services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk)
    assert outbox == []


def test_withdrawn_goes_back_to_draft_without_its_request(cast, team, owners):
    manager = team.customer_relations_manager
    with frozen(TODAY), dealership_context(cast.a):
        approvals.chains_seed(cast.a)
        campaign = _create(manager)
        request = services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk).request
        approvals.request_withdraw(actor=manager, request_id=request.pk)
        back = SmsCampaign.objects.get(pk=campaign.pk)
        assert (back.state, back.request_id) == (SmsCampaignState.DRAFT, None)
        fresh = services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk)
        assert fresh.request_id not in (None, request.pk)


def test_a_dealership_without_the_chain_gets_it_when_a_campaign_is_submitted(cast, team, owners):
    manager = team.customer_relations_manager
    with frozen(TODAY), dealership_context(cast.a):
        ApprovalChain.objects.filter(kind=KIND_CODE).delete()
        campaign = _create(manager)
        submitted = services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk)
        chain = ApprovalChain.objects.get(kind=KIND_CODE)
        assert [s.approver_type for s in chain.steps.order_by("order")] == [
            "department_head",
            "position",
            "position",
        ]
        assert [s.position.code for s in chain.steps.order_by("order")[1:]] == ["deputy_gm", "gm"]
        assert submitted.state == SmsCampaignState.SUBMITTED


def test_nobody_to_reach_is_not_submitted(cast, team):
    manager = team.customer_relations_manager
    with frozen(TODAY), dealership_context(cast.a):
        campaign = _create(manager, audience={"model": "no such model"})
        with pytest.raises(ValidationError, match="Nobody in this audience"):
            services.sms_campaign_submit(actor=manager, campaign_id=campaign.pk)


def test_the_campaign_is_sent_by_its_owner_or_a_crm_manager(cast, team, owners, outbox):
    from tests.factories import UserFactory, hire

    planner = UserFactory(username="team_marketing_specialist", name="planner")
    hire(planner, cast.a, "marketing_specialist")
    with frozen(TODAY), dealership_context(cast.a):
        mine = _create(planner)
        theirs = _create(team.customer_relations_manager)
        SmsCampaign.objects.filter(pk__in=[mine.pk, theirs.pk]).update(
            state=SmsCampaignState.APPROVED
        )
        from django.http import Http404

        with pytest.raises(Http404):  # a planner sees their own campaigns only
            services.sms_campaign_send(actor=planner, campaign_id=theirs.pk)
        assert services.sms_campaign_send(actor=planner, campaign_id=mine.pk).sent == 3
        assert services.sms_campaign_send(actor=team.crm_director, campaign_id=theirs.pk).sent
