"""Quotes: totals computed by the service, the discount limit per position, the discount's
approval through the engine (approve → ready → an order is allowed; reject → no order)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from org.approvals.models import ApprovalRequest, StepApprover
from org.models import Position
from sales import services
from sales.models import DiscountLimit, Lead, Quote, QuoteItem, QuoteStatus, Stage, StockStatus
from tests.sales.conftest import make_lead, make_stock

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def quote(cast, actor, lead, **fields):
    fields.setdefault("vehicle_model", "K5")
    fields.setdefault("list_price", Decimal("179800"))
    with dealership_context(cast.a):
        return services.quote_create(actor=actor, lead=lead, **fields)


def test_every_dealership_has_limits_per_sales_position(cast):
    with dealership_context(cast.a):
        limits = {
            d.position.code: d.max_amount for d in DiscountLimit.objects.select_related("position")
        }
    assert limits["sales_consultant"] == Decimal("3000")
    assert limits["showroom_supervisor"] == Decimal("8000")
    assert limits["sales_manager"] == Decimal("20000")
    assert limits["sales_director"] == Decimal("50000")
    assert limits["sales_info_clerk"] == 0
    with dealership_context(cast.b):
        assert DiscountLimit.objects.count() == len(limits)
        services.discount_limits_seed(cast.b)  # idempotent
        assert DiscountLimit.objects.count() == len(limits)


def test_limit_is_the_largest_of_the_positions_held(cast, staff):
    from tests.factories import hire

    with dealership_context(cast.a):
        assert services.discount_limit_for(staff.consultant) == Decimal("3000")
        assert services.discount_limit_for(staff.cr_specialist) == 0
    hire(staff.consultant, cast.a, "showroom_supervisor")
    with dealership_context(cast.a):
        assert services.discount_limit_for(staff.consultant) == Decimal("8000")
        # who approves discounts dealership-wide would approve their own: no limit
        assert services.discount_limit_for(staff.gm) > Decimal("1e9")
        assert services.discount_limit_for(staff.sales_manager) == Decimal("20000")


def test_totals_are_computed_and_the_lead_moves_to_quote(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    q = quote(
        cast,
        staff.consultant,
        lead,
        discount="2000",
        insurance_company="人保",
        insurance_amount="5200.50",
        registration_fee="500",
        items=[
            {"name": "脚垫", "quantity": 2, "unit_price": "300"},
            {"name": "贴膜", "quantity": 1, "unit_price": "2800"},
        ],
        valid_until=TODAY() + dt.timedelta(days=7),
    )
    assert q.accessories_total == Decimal("3400.00")
    assert q.total == Decimal("179800") - 2000 + Decimal("3400") + Decimal("5200.50") + 500
    assert q.status == QuoteStatus.APPROVED and q.discount_request is None
    assert q.customer_id == lead.customer_id and q.consultant_id == staff.consultant.pk
    with dealership_context(cast.a):
        assert QuoteItem.objects.filter(quote=q).count() == 2
        assert Lead.objects.get(pk=lead.pk).stage == Stage.QUOTE


def test_a_stock_car_gives_the_vehicle_and_price(cast, staff):
    car = make_stock(cast.a, model="K3", trim="1.5L", colour="红", list_price=Decimal("99800"))
    lead = make_lead(cast.a, staff.consultant)
    q = quote(cast, staff.consultant, lead, stock_vehicle=car.pk, vehicle_model="", list_price="")
    assert (q.vehicle_model, q.vehicle_trim, q.vehicle_colour) == ("K3", "1.5L", "红")
    assert q.list_price == Decimal("99800") and q.total == Decimal("99800")
    sold = make_stock(cast.a, status=StockStatus.SOLD)
    with pytest.raises(ValidationError) as error:
        quote(cast, staff.consultant, lead, stock_vehicle=sold.pk)
    assert "stock_vehicle" in error.value.message_dict
    other = make_stock(cast.b)
    with pytest.raises(ValidationError) as error:
        quote(cast, staff.consultant, lead, stock_vehicle=other.pk)
    assert "stock_vehicle" in error.value.message_dict


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"discount": "200000"}, "discount"),
        ({"discount": "-1"}, "discount"),
        ({"list_price": ""}, "list_price"),
        ({"vehicle_model": ""}, "vehicle_model"),
        ({"valid_until": dt.date(2020, 1, 1)}, "valid_until"),
        ({"loan": True, "loan_term_months": 18, "down_payment": "1"}, "loan_term_months"),
        ({"loan": True, "loan_term_months": 36}, "down_payment"),
        ({"loan": True, "loan_term_months": 36, "down_payment": "999999"}, "down_payment"),
        ({"items": [{"name": "", "quantity": 1, "unit_price": "1"}]}, "items"),
        ({"items": [{"name": "x", "quantity": 1, "unit_price": "-1"}]}, "items"),
        ({"items": [{"name": "x", "quantity": 1, "unit_price": "1"}] * 21}, "items"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(cast, staff, fields, field):
    lead = make_lead(cast.a, staff.consultant)
    with pytest.raises(ValidationError) as error:
        quote(cast, staff.consultant, lead, **fields)
    assert field in error.value.message_dict
    with dealership_context(cast.a):
        assert not Quote.objects.exists() and not QuoteItem.objects.exists()
        assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW


def test_loan_within_the_total(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    q = quote(cast, staff.consultant, lead, loan=True, loan_term_months=36, down_payment="60000")
    assert q.loan_term_months == 36 and q.down_payment == Decimal("60000")


def test_lost_lead_and_other_peoples_leads_are_refused(cast, staff):
    lost = make_lead(cast.a, staff.consultant, stage=Stage.LOST)
    with pytest.raises(ValidationError) as error:
        quote(cast, staff.consultant, lost)
    assert "lead" in error.value.message_dict
    theirs = make_lead(cast.a, staff.consultant2)
    with pytest.raises(ValidationError) as error:
        quote(cast, staff.consultant, theirs)
    assert "lead" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        quote(cast, staff.cr_specialist, theirs)


def _approver_ids(cast, request):
    with dealership_context(cast.a):
        return set(
            StepApprover.objects.filter(step__request=request).values_list("user_id", flat=True)
        )


def test_discount_above_the_limit_waits_for_the_sales_manager(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    q = quote(cast, staff.consultant, lead, discount="5000")
    assert q.status == QuoteStatus.PENDING
    request = q.discount_request
    assert request.kind == "sales.discount" and request.amount == Decimal("5000.00")
    assert request.status == ApprovalRequest.Status.PENDING
    assert lead.customer.name in request.subject and "K5" in request.subject
    assert staff.sales_manager.pk in _approver_ids(cast, request)
    assert staff.consultant.pk not in _approver_ids(cast, request)
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.order_create(
            actor=staff.consultant,
            quote=q.pk,
            deposit="5000",
            deposit_paid_on=TODAY(),
            ordered_on=TODAY(),
        )
    assert "quote" in error.value.message_dict
    with dealership_context(cast.a):
        approvals.request_decide(
            actor=staff.sales_manager, request_id=request.pk, decision="approve"
        )
        assert Quote.objects.get(pk=q.pk).status == QuoteStatus.APPROVED
        order = services.order_create(
            actor=staff.consultant,
            quote=q.pk,
            deposit="5000",
            deposit_paid_on=TODAY(),
            ordered_on=TODAY(),
        )
        assert order.price == q.total
        assert Quote.objects.get(pk=q.pk).status == QuoteStatus.ORDERED


def test_rejected_discount_gives_no_order_then_a_new_discount_is_checked_again(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    q = quote(cast, staff.consultant, lead, discount="5000")
    with dealership_context(cast.a):
        approvals.request_decide(
            actor=staff.sales_manager,
            request_id=q.discount_request_id,
            decision="reject",
            comment="太多",
        )
        assert Quote.objects.get(pk=q.pk).status == QuoteStatus.REJECTED
        with pytest.raises(ValidationError):
            services.order_create(
                actor=staff.consultant,
                quote=q.pk,
                deposit="5000",
                deposit_paid_on=TODAY(),
                ordered_on=TODAY(),
            )
        changed = services.quote_update(actor=staff.consultant, quote_id=q.pk, discount="2500")
        assert changed.status == QuoteStatus.APPROVED
        with pytest.raises(ValidationError):  # ready quotes are no longer edited
            services.quote_update(actor=staff.consultant, quote_id=q.pk, discount="9000")


def test_returned_discount_goes_back_to_draft_and_is_resubmitted(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    q = quote(cast, staff.consultant, lead, discount="6000")
    with dealership_context(cast.a):
        approvals.request_decide(
            actor=staff.sales_manager,
            request_id=q.discount_request_id,
            decision="return",
            comment="再谈谈",
        )
        assert Quote.objects.get(pk=q.pk).status == QuoteStatus.DRAFT
        again = services.quote_update(actor=staff.consultant, quote_id=q.pk, discount="4000")
        assert again.status == QuoteStatus.PENDING
        assert again.discount_request_id == q.discount_request_id
        request = ApprovalRequest.objects.get(pk=q.discount_request_id)
        assert request.status == ApprovalRequest.Status.PENDING and request.round == 2
        assert request.amount == Decimal("4000.00")
        approvals.request_withdraw(actor=staff.consultant, request_id=request.pk)
        assert Quote.objects.get(pk=q.pk).status == QuoteStatus.DRAFT


def test_the_sales_manager_never_approves_their_own_discount(cast, staff):
    from tests.factories import UserFactory, hire

    director = UserFactory(username="sal_director", name="sales director")
    hire(director, cast.a, "sales_director")
    lead = make_lead(cast.a, staff.sales_manager)
    q = quote(cast, staff.sales_manager, lead, discount="30000")
    assert q.status == QuoteStatus.PENDING
    approvers = _approver_ids(cast, q.discount_request)
    assert staff.sales_manager.pk not in approvers
    with dealership_context(cast.a), pytest.raises(PermissionDenied):
        approvals.request_decide(
            actor=staff.sales_manager, request_id=q.discount_request_id, decision="approve"
        )


def test_limits_are_set_by_holders_of_change_plan(cast, staff):
    with dealership_context(cast.a):
        position = Position.objects.get(code="sales_consultant")
        with pytest.raises(PermissionDenied):
            services.discount_limit_set(
                actor=staff.consultant, position_id=position.pk, max_amount="9000"
            )
        with pytest.raises(ValidationError) as error:
            services.discount_limit_set(
                actor=staff.sales_manager, position_id=position.pk, max_amount="-1"
            )
        assert "max_amount" in error.value.message_dict
        services.discount_limit_set(
            actor=staff.sales_manager, position_id=position.pk, max_amount="6000"
        )
        assert services.discount_limit_for(staff.consultant) == Decimal("6000")
    lead = make_lead(cast.a, staff.consultant)
    assert quote(cast, staff.consultant, lead, discount="5000").status == QuoteStatus.APPROVED
