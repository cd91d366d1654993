"""Sales plans, price lists and the sub-dealer network (#18): drafts, their approval chains
(plan: sales manager/director → deputy GM → GM; price list: sales director → deputy GM → GM),
the submission of a plan to the OEM, the month's department targets set by an approved month
plan, the price list in effect used by quotes (MSRP pre-filled, floor price → approval), and
sub-dealers with their assessments — each refusal names its field and saves nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from org.approvals.models import ApprovalRequest
from sales import services
from sales.models import (
    PlanState,
    PriceList,
    PriceListState,
    QuoteStatus,
    SalesPlan,
    SalesTarget,
    SubDealer,
    SubDealerAssessment,
)
from sales.selectors.salesplans import effective_ids, plan_actuals, price_in_effect
from tests.factories import UserFactory, hire
from tests.sales.conftest import make_lead

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def chain_people(cast, staff):
    director = UserFactory(username="sal_director", name="sales director")
    hire(director, cast.a, "sales_director")
    deputy = UserFactory(username="sal_deputy", name="deputy gm")
    hire(deputy, cast.a, "deputy_gm")
    staff.by_code["sales_director"] = director
    staff.by_code["deputy_gm"] = deputy
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
    return staff


def in_a(cast, function, **kwargs):
    with dealership_context(cast.a):
        return function(**kwargs)


def decide(cast, actor, request_id, decision="approve"):
    return in_a(
        cast,
        approvals.request_decide,
        actor=actor,
        request_id=request_id,
        decision=decision,
        comment="" if decision == "approve" else "please change",
    )


LINES = [
    {"model": "K5", "units": 30, "revenue": "5400000"},
    {"model": "Sportage", "units": 20, "revenue": "3000000.50"},
]


# --- sales plans --------------------------------------------------------------------------------


def test_a_month_plan_goes_through_its_chain_sets_the_targets_and_goes_to_the_oem(
    cast, chain_people
):
    staff = chain_people
    month = TODAY().replace(day=1)
    plan = in_a(
        cast,
        services.salesplan_create,
        actor=staff.sales_manager,
        period="month",
        starts_on=f"{month:%Y-%m}",
        lines=LINES,
    )
    assert plan.state == PlanState.DRAFT and plan.starts_on == month
    # a consultant's own target survives; the department's are replaced by the plan's
    with dealership_context(cast.a):
        SalesTarget.objects.create(
            dealership=cast.a, month=month, consultant=staff.consultant, units=4
        )
        SalesTarget.objects.create(dealership=cast.a, month=month, model="Old", units=9)
    with pytest.raises(ValidationError):  # not approved yet
        in_a(cast, services.salesplan_send_to_oem, actor=staff.sales_manager, plan_id=plan.pk)
    plan = in_a(cast, services.salesplan_submit, actor=staff.sales_manager, plan_id=plan.pk)
    assert plan.state == PlanState.PENDING
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get(kind="sales.plan")
    # the requester holds the first step: it is the director's (or skipped), then deputy, GM
    for person in (staff.sales_director, staff.deputy_gm, staff.gm):
        with dealership_context(cast.a):
            request.refresh_from_db()
        if request.status == "approved":
            break
        try:
            decide(cast, person, request.pk)
        except (PermissionDenied, ValidationError):
            continue
    with dealership_context(cast.a):
        plan.refresh_from_db()
        assert plan.state == PlanState.APPROVED
        targets = {
            (t.consultant_id, t.model): t.units for t in SalesTarget.objects.filter(month=month)
        }
    assert targets == {
        (staff.consultant.pk, ""): 4,
        (None, "K5"): 30,
        (None, "Sportage"): 20,
        (None, ""): 50,
    }
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.salesplan_send_to_oem,
            actor=staff.sales_manager,
            plan_id=plan.pk,
            submitted_on=TODAY() + dt.timedelta(days=1),
        )
    assert "submitted_on" in excinfo.value.message_dict
    plan = in_a(cast, services.salesplan_send_to_oem, actor=staff.sales_manager, plan_id=plan.pk)
    assert plan.state == PlanState.SUBMITTED and plan.submitted_on == TODAY()
    assert plan.submitted_by == staff.sales_manager
    with pytest.raises(ValidationError):  # no longer editable
        in_a(cast, services.salesplan_update, actor=staff.sales_manager, plan_id=plan.pk, lines=[])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period": "week", "starts_on": "2027-01"}, "period"),
        ({"period": "year", "starts_on": "20x7"}, "starts_on"),
        ({"lines": [{"model": "", "units": 1, "revenue": 1}]}, "lines"),
        ({"lines": [{"model": "K5", "units": -1, "revenue": 1}]}, "lines"),
        ({"lines": [{"model": "K5", "units": "many", "revenue": 1}]}, "lines"),
        ({"lines": [{"model": "K5", "units": 1, "revenue": "-5"}]}, "lines"),
        (
            {
                "lines": [
                    {"model": "K5", "units": 1, "revenue": 1},
                    {"model": "k5", "units": 1, "revenue": 1},
                ]
            },
            "lines",
        ),
    ],
)
def test_bad_plans_are_refused_naming_the_field(cast, staff, kwargs, field):
    arguments = {"period": "quarter", "starts_on": "2027-Q2", "lines": LINES, **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.salesplan_create, actor=staff.sales_manager, **arguments)
    assert field in excinfo.value.message_dict
    with dealership_context(cast.a):
        assert not SalesPlan.objects.exists()


def test_periods_are_normalised_and_one_plan_per_period(cast, staff):
    quarter = in_a(
        cast,
        services.salesplan_create,
        actor=staff.sales_manager,
        period="quarter",
        starts_on=dt.date(2027, 5, 17),
        lines=LINES,
    )
    assert quarter.starts_on == dt.date(2027, 4, 1) and quarter.ends_on == dt.date(2027, 6, 30)
    year = in_a(
        cast,
        services.salesplan_create,
        actor=staff.sales_manager,
        period="year",
        starts_on="2027",
        lines=LINES,
    )
    assert year.ends_on == dt.date(2027, 12, 31) and year.label == "2027"
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.salesplan_create,
            actor=staff.sales_manager,
            period="quarter",
            starts_on="2027-Q2",
        )
    assert "starts_on" in excinfo.value.message_dict


def test_consultants_may_not_plan_and_an_empty_plan_is_not_submitted(cast, staff):
    with pytest.raises(PermissionDenied):
        in_a(
            cast,
            services.salesplan_create,
            actor=staff.consultant,
            period="month",
            starts_on="2027-01",
        )
    plan = in_a(
        cast,
        services.salesplan_create,
        actor=staff.sales_manager,
        period="month",
        starts_on="2027-01",
    )
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.salesplan_submit, actor=staff.sales_manager, plan_id=plan.pk)
    assert "lines" in excinfo.value.message_dict


def test_a_rejected_plan_is_changed_and_sent_again(cast, chain_people):
    staff = chain_people
    plan = in_a(
        cast,
        services.salesplan_create,
        actor=staff.sales_manager,
        period="month",
        starts_on="2027-02",
        lines=LINES,
    )
    in_a(cast, services.salesplan_submit, actor=staff.sales_manager, plan_id=plan.pk)
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get(kind="sales.plan")
    decide(cast, staff.sales_director, request.pk, "reject")
    with dealership_context(cast.a):
        plan.refresh_from_db()
    assert plan.state == PlanState.REJECTED
    plan = in_a(
        cast,
        services.salesplan_update,
        actor=staff.sales_manager,
        plan_id=plan.pk,
        lines=[{"model": "K5", "units": 40, "revenue": "7200000"}],
        notes="more K5",
    )
    assert plan.state == PlanState.DRAFT
    with dealership_context(cast.a):
        assert [(line.model, line.units) for line in plan.lines.all()] == [("K5", 40)]
        assert AuditEntry.objects.filter(object_type="sales.SalesPlanLine").count() >= 4
    plan = in_a(cast, services.salesplan_submit, actor=staff.sales_manager, plan_id=plan.pk)
    assert plan.state == PlanState.PENDING


def test_actuals_count_orders_and_deliveries_of_the_period_by_model(cast, staff):
    from sales.models import OrderStatus
    from tests.sales.test_plans_sheet import delivery, order

    plan = in_a(
        cast,
        services.salesplan_create,
        actor=staff.sales_manager,
        period="quarter",
        starts_on="2025-Q1",
        lines=LINES,
    )
    delivery(cast.a, staff.consultant, dt.date(2025, 1, 10), model="K5")
    delivery(cast.a, staff.consultant2, dt.date(2025, 3, 31), model="k5")
    delivery(cast.a, staff.consultant, dt.date(2025, 3, 2), model="EV6")  # not planned
    delivery(cast.a, staff.consultant, dt.date(2025, 4, 1), model="K5")  # next quarter
    order(cast.a, staff.consultant, dt.date(2025, 2, 1), model="Sportage")
    order(
        cast.a,
        staff.consultant,
        dt.date(2025, 2, 2),
        model="Sportage",
        status=OrderStatus.CANCELLED,
    )
    with dealership_context(cast.a):
        actuals = plan_actuals(staff.sales_manager, plan)
        own = plan_actuals(staff.consultant2, plan)
    rows = {row.model: row for row in actuals.rows}
    assert [row.model for row in actuals.rows] == ["K5", "Sportage", "EV6"]
    assert (rows["K5"].delivered, rows["K5"].delivered_revenue) == (2, Decimal("340000"))
    assert rows["K5"].percent == 7  # 2 of 30
    assert (rows["Sportage"].ordered, rows["Sportage"].delivered) == (1, 0)
    assert (rows["EV6"].units, rows["EV6"].delivered) == (0, 1)
    assert actuals.total.units == 50 and actuals.total.revenue == Decimal("8400000.50")
    assert actuals.total.delivered == 3 and actuals.until == dt.date(2025, 3, 31)
    # whoever sees fewer orders counts fewer (the chokepoint)
    assert own.total.delivered <= 1


# --- price lists --------------------------------------------------------------------------------


def price_list(cast, actor, **fields):
    arguments = {
        "model": "K5",
        "trim": "2.0L 豪华版",
        "msrp": "179800",
        "dealer_price": "165000",
        "floor_price": "170000",
        "valid_from": TODAY(),
        **fields,
    }
    return in_a(cast, services.pricelist_create, actor=actor, **arguments)


def approve_list(cast, staff, price):
    price = in_a(cast, services.pricelist_submit, actor=staff.sales_manager, pricelist_id=price.pk)
    for person in (staff.sales_director, staff.deputy_gm, staff.gm):
        decide(cast, person, price.request_id)
    with dealership_context(cast.a):
        price.refresh_from_db()
    return price


def test_a_price_list_takes_effect_only_after_its_chain(cast, chain_people):
    staff = chain_people
    price = price_list(cast, staff.sales_manager)
    with dealership_context(cast.a):
        assert price_in_effect("K5", "2.0L 豪华版") is None
    price = in_a(cast, services.pricelist_submit, actor=staff.sales_manager, pricelist_id=price.pk)
    assert price.state == PriceListState.PENDING
    with dealership_context(cast.a):
        request = ApprovalRequest.objects.get(pk=price.request_id)
        steps = [s.position_codes for s in request.steps.order_by("order")]
    assert steps == [["sales_director"], ["deputy_gm"], ["gm"]]
    decide(cast, staff.sales_director, request.pk)
    decide(cast, staff.deputy_gm, request.pk)
    with dealership_context(cast.a):
        assert price_in_effect("K5", "2.0L 豪华版") is None  # the GM has not decided yet
    decide(cast, staff.gm, request.pk)
    with dealership_context(cast.a):
        assert price_in_effect("k5", "2.0l 豪华版").pk == price.pk
        assert price_in_effect("K5", "other trim") is None
        assert effective_ids() == {price.pk}
        price.refresh_from_db()
        assert price.approved_at is not None
        entry = AuditEntry.objects.filter(object_type="sales.PriceList").order_by("-pk").first()
        assert entry.actor == staff.gm


def test_a_newer_list_supersedes_the_previous_from_its_date(cast, chain_people):
    staff = chain_people
    first = approve_list(cast, staff, price_list(cast, staff.sales_manager))
    later = approve_list(
        cast,
        staff,
        price_list(
            cast, staff.sales_manager, msrp="175800", valid_from=TODAY() + dt.timedelta(days=10)
        ),
    )
    with dealership_context(cast.a):
        assert price_in_effect("K5", "2.0L 豪华版").pk == first.pk
        assert price_in_effect("K5", "2.0L 豪华版", TODAY() + dt.timedelta(days=10)).pk == later.pk
        assert effective_ids(TODAY() + dt.timedelta(days=11)) == {later.pk}
    # a second list for the same day replaces the first one
    same_day = approve_list(cast, staff, price_list(cast, staff.sales_manager, msrp="178800"))
    with dealership_context(cast.a):
        first.refresh_from_db()
        assert first.state == PriceListState.SUPERSEDED
        assert price_in_effect("K5", "2.0L 豪华版").pk == same_day.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"model": " "}, "model"),
        ({"msrp": "abc"}, "msrp"),
        ({"msrp": "0"}, "msrp"),
        ({"floor_price": "180000"}, "floor_price"),
        ({"dealer_price": "-1"}, "dealer_price"),
        ({"dealer_price": "190000"}, "dealer_price"),
        ({"valid_from": "soon"}, "valid_from"),
    ],
)
def test_bad_price_lists_are_refused(cast, staff, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        price_list(cast, staff.sales_manager, **fields)
    assert field in excinfo.value.message_dict
    with dealership_context(cast.a):
        assert not PriceList.objects.exists()


def test_price_lists_are_drafted_by_the_sales_department_only(cast, staff):
    with pytest.raises(PermissionDenied):
        price_list(cast, staff.consultant)
    past = price_list(cast, staff.sales_manager, valid_from=TODAY() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as excinfo:
        in_a(cast, services.pricelist_submit, actor=staff.sales_manager, pricelist_id=past.pk)
    assert "valid_from" in excinfo.value.message_dict


def test_quotes_take_the_msrp_in_effect_and_a_price_below_the_floor_waits(cast, chain_people):
    staff = chain_people
    approve_list(cast, staff, price_list(cast, staff.sales_manager))
    lead = make_lead(cast.a, staff.consultant)
    quote = in_a(
        cast,
        services.quote_create,
        actor=staff.consultant,
        lead=lead,
        vehicle_model="K5",
        vehicle_trim="2.0L 豪华版",
        discount="2000",
    )
    assert quote.list_price == Decimal("179800") and quote.status == QuoteStatus.APPROVED
    # within the sales manager's own limit, but below the floor: it waits for approval
    lead2 = make_lead(cast.a, staff.consultant)
    quote = in_a(
        cast,
        services.quote_create,
        actor=staff.sales_manager,
        lead=lead2,
        vehicle_model="K5",
        vehicle_trim="2.0L 豪华版",
        discount="12000",
    )
    assert quote.status == QuoteStatus.PENDING and quote.discount_request_id
    # a list price typed below the floor without a discount waits too (the amount decided is
    # how far it is under the MSRP in effect)
    quote = in_a(
        cast,
        services.quote_create,
        actor=staff.consultant,
        lead=make_lead(cast.a, staff.consultant),
        vehicle_model="K5",
        vehicle_trim="2.0L 豪华版",
        list_price="165000",
    )
    assert quote.status == QuoteStatus.PENDING
    with dealership_context(cast.a):
        assert ApprovalRequest.objects.get(pk=quote.discount_request_id).amount == Decimal("14800")
    # no list in effect for another model: the list price must be typed
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.quote_create,
            actor=staff.consultant,
            lead=make_lead(cast.a, staff.consultant),
            vehicle_model="EV6",
        )
    assert "list_price" in excinfo.value.message_dict


def test_a_returned_list_goes_back_to_draft(cast, chain_people):
    staff = chain_people
    price = in_a(
        cast,
        services.pricelist_submit,
        actor=staff.sales_manager,
        pricelist_id=price_list(cast, staff.sales_manager).pk,
    )
    decide(cast, staff.sales_director, price.request_id, "return")
    with dealership_context(cast.a):
        price.refresh_from_db()
    assert price.state == PriceListState.DRAFT
    price = in_a(
        cast,
        services.pricelist_update,
        actor=staff.sales_manager,
        pricelist_id=price.pk,
        floor_price="171000",
    )
    price = in_a(cast, services.pricelist_submit, actor=staff.sales_manager, pricelist_id=price.pk)
    assert price.state == PriceListState.PENDING


# --- the sub-dealer network ---------------------------------------------------------------------


def test_sub_dealers_and_their_assessments(cast, staff):
    dealer = in_a(
        cast,
        services.subdealer_create,
        actor=staff.sales_manager,
        name="番禺二级店",
        contact_name="李四",
        region="番禺",
        contract_start=dt.date(2026, 1, 1),
        contract_end=dt.date(2026, 12, 31),
        state="active",
    )
    assert dealer.manager == staff.sales_manager
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.subdealer_create,
            actor=staff.sales_manager,
            name="番禺二级店",
            contact_name="王五",
            region="番禺",
        )
    assert "name" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        in_a(
            cast,
            services.subdealer_update,
            actor=staff.sales_manager,
            subdealer_id=dealer.pk,
            contract_end=dt.date(2025, 1, 1),
        )
    assert "contract_end" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:  # the manager must be of sales
        in_a(
            cast,
            services.subdealer_update,
            actor=staff.sales_manager,
            subdealer_id=dealer.pk,
            manager=staff.cr_specialist.pk,
        )
    assert "manager" in excinfo.value.message_dict
    dealer = in_a(
        cast,
        services.subdealer_update,
        actor=staff.sales_manager,
        subdealer_id=dealer.pk,
        manager=staff.consultant.pk,
    )
    assert dealer.manager == staff.consultant
    assessment = in_a(
        cast,
        services.subdealer_assess,
        actor=staff.sales_manager,
        subdealer_id=dealer.pk,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        units=18,
        score=86,
        findings="展厅形象需改进",
    )
    assert assessment.assessed_by == staff.sales_manager
    for kwargs, field in (
        ({"score": 101}, "score"),
        ({"period_end": dt.date(2025, 1, 1)}, "period_end"),
        ({}, "period_start"),  # the same period again
    ):
        arguments = {
            "period_start": dt.date(2026, 1, 1),
            "period_end": dt.date(2026, 3, 31),
            "score": 80,
            **kwargs,
        }
        with pytest.raises(ValidationError) as excinfo:
            in_a(
                cast,
                services.subdealer_assess,
                actor=staff.sales_manager,
                subdealer_id=dealer.pk,
                **arguments,
            )
        assert field in excinfo.value.message_dict
    # the consultant sees the sub-dealer they look after, but may not keep the network
    with dealership_context(cast.a):
        assert list(SubDealer.objects.for_user(staff.consultant, "view")) == [dealer]
        assert SubDealerAssessment.objects.for_user(staff.consultant, "view").count() == 1
        assert not SubDealer.objects.for_user(staff.consultant2, "view").exists()
    with pytest.raises(PermissionDenied):
        in_a(
            cast,
            services.subdealer_update,
            actor=staff.consultant,
            subdealer_id=dealer.pk,
            notes="x",
        )
    with dealership_context(cast.b), pytest.raises(Exception):  # noqa: B017
        services.subdealer_update(actor=cast.user_b, subdealer_id=dealer.pk, notes="x")
