"""Services of showroom traffic, leads, test drives and key accounts: visits (future times,
customers found or created by mobile, first visits, opening a lead), lead stages (forward only,
lost through the sales manager's approval, reactivation), test drives (licence checks, a lost
lead refuses them) and key accounts — each refusal names its field and saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.models import Customer, CustomerKind
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from org.approvals.models import ApprovalRequest
from sales import services
from sales.models import KeyAccount, Lead, LostReason, Stage, TestDrive, Visit
from tests.sales.conftest import make_customer, make_lead, mobile

pytestmark = pytest.mark.django_db

NOW = timezone.now
TODAY = timezone.localdate


@pytest.fixture
def chains(cast):
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)


def in_a(cast, function, **kwargs):
    with dealership_context(cast.a):
        return function(**kwargs)


def field_of(excinfo) -> set:
    return set(excinfo.value.message_dict)


def drive_kwargs(lead, **overrides):
    return {
        "lead": lead.pk,
        "vehicle_model": "K5",
        "licence_number": "420106199001011234",
        "licence_expires_on": TODAY() + dt.timedelta(days=365),
        "starts_at": NOW() - dt.timedelta(hours=1),
        **overrides,
    }


# --- visits -------------------------------------------------------------------------------------


def test_a_visit_creates_the_customer_and_opens_a_lead(cast, staff):
    visit = in_a(
        cast,
        services.visit_create,
        actor=staff.consultant,
        visited_at=NOW() - dt.timedelta(minutes=5),
        name="王伟",
        mobile="+86 138 0013 8000",
        models_of_interest="K5, Sportage",
        intent="A",
        next_contact_on=TODAY() + dt.timedelta(days=2),
        open_lead=True,
    )
    with dealership_context(cast.a):
        visit = Visit.objects.select_related("customer", "lead").get(pk=visit.pk)
        assert visit.customer.mobile == "13800138000"
        assert visit.customer.owner == staff.consultant
        assert visit.consultant == staff.consultant and visit.first_visit
        assert visit.lead.stage == Stage.NEW and visit.lead.intent == "A"
        assert visit.lead.consultant == staff.consultant
        assert AuditEntry.objects.filter(object_type="sales.Visit").count() == 1
    # a second visit finds the customer by mobile and joins the open lead
    second = in_a(
        cast,
        services.visit_create,
        actor=staff.consultant,
        visited_at=NOW(),
        name="王伟",
        mobile="13800138000",
        intent="H",
        open_lead=True,
    )
    with dealership_context(cast.a):
        assert second.customer_id == visit.customer_id and not second.first_visit
        assert second.lead_id == visit.lead_id
        assert Lead.objects.get().intent == "H"
        assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"visited_at": "future"}, "visited_at"),
        ({"mobile": "12345"}, "mobile"),
        ({"next_contact_on": "past"}, "next_contact_on"),
        ({"intent": "Z"}, "intent"),
        ({"consultant": "other"}, "consultant"),
        ({"name": "", "mobile": "", "open_lead": True}, "name"),
    ],
)
def test_a_bad_visit_is_refused_naming_the_field(cast, staff, overrides, field):
    kwargs = {"visited_at": NOW(), "name": "王伟", "mobile": "13800138000"}
    kwargs.update(overrides)
    if kwargs["visited_at"] == "future":
        kwargs["visited_at"] = NOW() + dt.timedelta(hours=2)
    if kwargs.get("next_contact_on") == "past":
        kwargs["next_contact_on"] = TODAY() - dt.timedelta(days=1)
    if kwargs.get("consultant") == "other":
        kwargs["consultant"] = staff.consultant2.pk
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.visit_create, actor=staff.consultant, **kwargs)
    assert field in field_of(excinfo)
    with dealership_context(cast.a):
        assert not Visit.objects.exists() and not Customer.objects.exists()


def test_supervisor_records_a_visit_for_a_consultant(cast, staff):
    visit = in_a(
        cast,
        services.visit_create,
        actor=staff.showroom_supervisor,
        visited_at=NOW(),
        consultant=staff.consultant2.pk,
        name="李娜",
        mobile=mobile(),
    )
    assert visit.consultant == staff.consultant2
    with dealership_context(cast.a):
        assert Customer.objects.get().owner == staff.consultant2


def test_a_visit_cannot_pick_another_consultants_customer(cast, staff):
    theirs = make_customer(cast.a, staff.consultant2)
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.visit_create,
            actor=staff.consultant,
            visited_at=NOW(),
            customer=theirs.pk,
        )
    assert "customer" in field_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:  # nor reach it by its number
        in_a(
            cast,
            services.visit_create,
            actor=staff.consultant,
            visited_at=NOW(),
            name="x",
            mobile=theirs.mobile,
        )
    assert "mobile" in field_of(excinfo)


def test_visit_update_refuses_a_future_time(cast, staff):
    visit = in_a(cast, services.visit_create, actor=staff.consultant, visited_at=NOW())
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.visit_update,
            actor=staff.consultant,
            visit_id=visit.pk,
            visited_at=NOW() + dt.timedelta(days=1),
        )
    assert "visited_at" in field_of(excinfo)
    updated = in_a(
        cast, services.visit_update, actor=staff.consultant, visit_id=visit.pk, party_size=3
    )
    assert updated.party_size == 3


# --- lead stages --------------------------------------------------------------------------------


def test_lead_create_and_contact_moves_new_to_contacted(cast, staff):
    lead = in_a(
        cast,
        services.lead_create,
        actor=staff.consultant,
        name="王伟",
        mobile="13800138000",
        model_of_interest="K5",
    )
    assert lead.stage == Stage.NEW and lead.consultant == staff.consultant
    lead = in_a(
        cast,
        services.lead_contact,
        actor=staff.consultant,
        lead_id=lead.pk,
        note="called, coming Saturday",
        next_contact_on=TODAY() + dt.timedelta(days=3),
        intent="H",
    )
    assert lead.stage == Stage.CONTACTED and lead.intent == "H"
    assert "coming Saturday" in lead.notes
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.lead_contact, actor=staff.consultant, lead_id=lead.pk, note="")
    assert "note" in field_of(excinfo)


def test_the_stage_is_not_set_by_hand_and_moves_forward_only(cast, staff):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.QUOTE)
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.lead_update,
            actor=staff.consultant,
            lead_id=lead.pk,
            stage=Stage.DELIVERED,
        )
    assert "stage" in field_of(excinfo)
    # a test drive after a quote leaves the lead at quote
    in_a(cast, services.testdrive_create, actor=staff.consultant, **drive_kwargs(lead))
    with dealership_context(cast.a):
        assert Lead.objects.get(pk=lead.pk).stage == Stage.QUOTE


def test_lost_needs_a_reason_and_the_sales_managers_approval(cast, staff, chains):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.CONTACTED)
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.lead_lose, actor=staff.consultant, lead_id=lead.pk, reason="")
    assert "reason" in field_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.lead_lose, actor=staff.consultant, lead_id=lead.pk, reason="nonsense")
    assert "reason" in field_of(excinfo)
    with dealership_context(cast.a):
        assert not ApprovalRequest.objects.exists()
    lead = in_a(
        cast,
        services.lead_lose,
        actor=staff.consultant,
        lead_id=lead.pk,
        reason=LostReason.BOUGHT_COMPETITOR,
        note="bought a Camry",
    )
    assert lead.stage == Stage.CONTACTED and services.lost_request_pending(lead)
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get()
        assert request.kind == "sales.lost_lead" and request.status == "pending"
    # while pending it cannot be lost again
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.lead_lose,
            actor=staff.consultant,
            lead_id=lead.pk,
            reason=LostReason.PRICE,
        )
    assert "reason" in field_of(excinfo)
    in_a(
        cast,
        approvals.request_decide,
        actor=staff.sales_manager,
        request_id=request.pk,
        decision="approve",
    )
    with dealership_context(cast.a):
        lead = Lead.objects.get(pk=lead.pk)
        assert lead.stage == Stage.LOST and lead.stage_before_lost == Stage.CONTACTED
        assert lead.lost_on == TODAY() and lead.lost_reason == LostReason.BOUGHT_COMPETITOR
        entry = AuditEntry.objects.filter(object_type="sales.Lead").order_by("-pk").first()
        assert entry.actor == staff.sales_manager


def test_a_rejected_loss_leaves_the_lead_unchanged(cast, staff, chains):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.TEST_DRIVE)
    in_a(
        cast,
        services.lead_lose,
        actor=staff.consultant,
        lead_id=lead.pk,
        reason=LostReason.PRICE,
    )
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get()
    in_a(
        cast,
        approvals.request_decide,
        actor=staff.sales_manager,
        request_id=request.pk,
        decision="reject",
        comment="call them once more",
    )
    with dealership_context(cast.a):
        lead = Lead.objects.get(pk=lead.pk)
        assert lead.stage == Stage.TEST_DRIVE and lead.lost_request is None
        assert lead.lost_reason == ""
    # and it may be asked for again, then withdrawn
    in_a(
        cast,
        services.lead_lose,
        actor=staff.consultant,
        lead_id=lead.pk,
        reason=LostReason.POSTPONED,
    )
    with dealership_context(cast.a):
        second = ApprovalRequest.objects.exclude(pk=request.pk).get()
    in_a(cast, approvals.request_withdraw, actor=staff.consultant, request_id=second.pk)
    with dealership_context(cast.a):
        assert Lead.objects.get(pk=lead.pk).lost_request is None


def test_a_lost_lead_refuses_work_and_is_reactivated(cast, staff, chains):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.TEST_DRIVE)
    in_a(
        cast,
        services.lead_lose,
        actor=staff.consultant,
        lead_id=lead.pk,
        reason=LostReason.UNREACHABLE,
    )
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get()
    in_a(
        cast,
        approvals.request_decide,
        actor=staff.sales_manager,
        request_id=request.pk,
        decision="approve",
    )
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.testdrive_create, actor=staff.consultant, **drive_kwargs(lead))
    assert "lead" in field_of(excinfo)
    assert "reactivate" in str(excinfo.value.message_dict["lead"])
    with pytest.raises(ValidationError):
        in_a(cast, services.lead_contact, actor=staff.consultant, lead_id=lead.pk, note="hi")
    with dealership_context(cast.a):
        assert not TestDrive.objects.exists()
    lead = in_a(cast, services.lead_reactivate, actor=staff.consultant, lead_id=lead.pk)
    assert lead.stage == Stage.TEST_DRIVE and lead.lost_request is None
    assert lead.lost_on is None and lead.lost_reason == "" and lead.stage_before_lost == ""
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.lead_reactivate, actor=staff.consultant, lead_id=lead.pk)
    assert "stage" in field_of(excinfo)


def test_reactivation_needs_the_right_to_change(cast, staff):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.LOST, stage_before_lost=Stage.NEW)
    with pytest.raises(PermissionDenied):
        in_a(cast, services.lead_reactivate, actor=staff.sales_info_clerk, lead_id=lead.pk)
    lead = in_a(cast, services.lead_reactivate, actor=staff.showroom_supervisor, lead_id=lead.pk)
    assert lead.stage == Stage.CONTACTED


# --- test drives --------------------------------------------------------------------------------


def test_a_test_drive_moves_the_lead_forward(cast, staff):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.CONTACTED)
    drive = in_a(cast, services.testdrive_create, actor=staff.consultant, **drive_kwargs(lead))
    assert drive.customer_id == lead.customer_id and drive.consultant == staff.consultant
    with dealership_context(cast.a):
        assert Lead.objects.get(pk=lead.pk).stage == Stage.TEST_DRIVE
    drive = in_a(
        cast,
        services.testdrive_update,
        actor=staff.consultant,
        testdrive_id=drive.pk,
        ends_at=NOW(),
        feedback="liked the ride",
    )
    assert drive.feedback == "liked the ride"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"licence_expires_on": "expired"}, "licence_expires_on"),
        ({"licence_number": "ABC"}, "licence_number"),
        ({"licence_number": "42010619900101123#"}, "licence_number"),
        ({"ends_at": "before"}, "ends_at"),
        ({"feedback": "nice", "ends_at": None}, "feedback"),
    ],
)
def test_a_bad_test_drive_is_refused_naming_the_field(cast, staff, overrides, field):
    lead = make_lead(cast.a, staff.consultant, stage=Stage.CONTACTED)
    kwargs = drive_kwargs(lead, **overrides)
    if kwargs["licence_expires_on"] == "expired":
        # the day before the drive starts (whatever the hour the test runs)
        start_day = timezone.localtime(kwargs["starts_at"]).date()
        kwargs["licence_expires_on"] = start_day - dt.timedelta(days=1)
    if kwargs.get("ends_at") == "before":
        kwargs["ends_at"] = kwargs["starts_at"] - dt.timedelta(minutes=10)
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.testdrive_create, actor=staff.consultant, **kwargs)
    assert field in field_of(excinfo)
    with dealership_context(cast.a):
        assert not TestDrive.objects.exists()
        assert Lead.objects.get(pk=lead.pk).stage == Stage.CONTACTED


def test_a_test_drive_of_another_consultants_lead_is_refused(cast, staff):
    lead = make_lead(cast.a, staff.consultant2)
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.testdrive_create, actor=staff.consultant, **drive_kwargs(lead))
    assert "lead" in field_of(excinfo)


# --- key accounts -------------------------------------------------------------------------------


def test_key_account_with_a_new_company(cast, staff):
    account = in_a(
        cast,
        services.keyaccount_create,
        actor=staff.consultant,
        name="武汉某某物流有限公司",
        contact_name="刘经理",
        contact_phone="13800138000",
        fleet_size=40,
    )
    assert account.customer.kind == CustomerKind.COMPANY and account.manager == staff.consultant
    with pytest.raises(ValidationError) as excinfo:  # one key account per company
        in_a(
            cast,
            services.keyaccount_create,
            actor=staff.consultant,
            customer=account.customer_id,
            contact_name="x",
        )
    assert "customer" in field_of(excinfo)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_name": " "}, "contact_name"),
        ({"customer": "person"}, "customer"),
    ],
)
def test_a_bad_key_account_is_refused(cast, staff, overrides, field):
    kwargs = {"name": "某公司", "contact_name": "刘经理", **overrides}
    if kwargs.get("customer") == "person":
        kwargs["customer"] = make_customer(cast.a, staff.consultant).pk
        kwargs.pop("name")
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.keyaccount_create, actor=staff.consultant, **kwargs)
    assert field in field_of(excinfo)
    with dealership_context(cast.a):
        assert not KeyAccount.objects.exists()
        assert not Customer.objects.filter(kind=CustomerKind.COMPANY).exists()
