"""Finance services: required fields and attachments, amounts, write-offs against one's own
advance only, outstanding advances, budget consumption and the over-budget flag, blocking, and
the follow-up actions by the right position only. Nothing is half-saved on an error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from dealership.tenancy import dealership_context
from finance import selectors, services
from finance.models import Budget, Payment
from org.approvals.models import ApprovalChain, ApprovalRequest, Attachment
from org.models import Department
from tests.finance.conftest import approve_all, pdf, png

pytestmark = pytest.mark.django_db

PAYEE = {
    "payee": "武汉会展",
    "bank_name": "工商银行",
    "bank_account": "6222001",
    "category": "advertising",
}


def _pay(staff, amount="1000.00", submit=True, files=None, **fields):
    return services.payment_create(
        actor=staff.consultant,
        subject="车展展位费",
        amount=Decimal(amount),
        files={"invoice": png()} if files is None else files,
        submit=submit,
        **{**PAYEE, **fields},
    )


def _counts():
    return (ApprovalRequest.objects.count(), Payment.objects.count(), Attachment.objects.count())


def test_payment_needs_its_invoice_payee_and_a_positive_amount(cast, staff):
    with dealership_context(cast.a):
        before = _counts()
        with pytest.raises(ValidationError) as error:
            _pay(staff, files={})
        assert "invoice" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _pay(staff, payee="")
        assert "payee" in error.value.message_dict
        for bad in ("0", "-5"):
            with pytest.raises(ValidationError) as error:
                _pay(staff, amount=bad)
            assert "amount" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _pay(staff, files={"invoice": png("x.png").__class__("x.png", b"not an image")})
        assert "invoice" in error.value.message_dict
        assert _counts() == before
        payment = _pay(staff)
        assert payment.request.status == "pending"
        assert payment.request.attachments.get().purpose == "invoice"


def test_contract_kinds_need_the_contract_and_the_advance_no_file(cast, staff):
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.contract_approval_create(
                actor=staff.consultant, subject="合同", counterparty="X", submit=True
            )
        assert "contract" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.contract_stamping_create(
                actor=staff.consultant, subject="盖章", files={"contract": pdf()}
            )
        assert "counterparty" in error.value.message_dict
        advance = services.cash_advance_create(
            actor=staff.consultant, subject="借支", amount=Decimal("500"), submit=True
        )
        assert advance.request.status == "pending"
        general = services.general_request_create(
            actor=staff.consultant, subject="印刷", category="printing", submit=True
        )
        assert general.request.amount is None


def test_write_off_only_against_ones_own_approved_advance(cast, staff):
    with dealership_context(cast.a):
        mine = services.cash_advance_create(
            actor=staff.consultant, subject="借支", amount=Decimal("3000"), submit=True
        )
        theirs = services.cash_advance_create(
            actor=staff.consultant2, subject="借支2", amount=Decimal("800"), submit=True
        )

    def write_off(advance):
        return services.reimbursement_create(
            actor=staff.consultant,
            subject="冲账",
            amount=Decimal("1000"),
            type="write_off",
            category="travel",
            advance=advance.pk,
            files={"invoice": png()},
            submit=True,
        )

    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        write_off(mine)  # not approved yet
    assert "advance" in error.value.message_dict
    approve_all(cast.a, mine.request)
    approve_all(cast.a, theirs.request)
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            write_off(theirs)
        assert "advance" in error.value.message_dict
        record = write_off(mine)
        assert selectors.outstanding_advances([staff.consultant.pk]) == {
            staff.consultant.pk: Decimal("3000.00")
        }
    approve_all(cast.a, record.request)
    with dealership_context(cast.a):
        owed = selectors.outstanding_advances([staff.consultant.pk, staff.consultant2.pk])
    assert owed == {
        staff.consultant.pk: Decimal("2000.00"),
        staff.consultant2.pk: Decimal("800.00"),
    }


def _budget(cast, staff, amount, period="year", number=0, category="advertising"):
    with dealership_context(cast.a):
        from datetime import date

        budget = services.budget_create(
            actor=staff.gm,
            department=Department.objects.get(code="sales"),
            year=date.today().year,
            period=period,
            number=number,
            category=category,
            amount=Decimal(amount),
            submit=True,
        )
    approve_all(cast.a, budget.request)
    return budget


def test_budget_consumption_and_the_over_budget_flag(cast, staff):
    from django.utils import timezone

    today = timezone.localdate()
    _budget(cast, staff, "10000")
    _budget(cast, staff, "3000", period="month", number=today.month)  # the most specific wins
    with dealership_context(cast.a):
        first = _pay(staff, amount="2000")
        assert first.request.over_budget is False
    approve_all(cast.a, first.request)
    with dealership_context(cast.a):
        status = selectors.budget_remaining(
            department_id=first.request.department_id, category="advertising", on=today
        )
        assert (status.period, status.budget, status.spent, status.remaining) == (
            "month",
            Decimal("3000.00"),
            Decimal("2000.00"),
            Decimal("1000.00"),
        )
        second = _pay(staff, amount="1500")
        assert second.request.over_budget is True
        other = _pay(staff, amount="99999", category="office")  # no budget: not flagged
        assert other.request.over_budget is False
        # the chain may refuse over-budget requests
        ApprovalChain.objects.filter(kind="finance.payment").update(block_over_budget=True)
        before = _counts()
        with pytest.raises(ValidationError) as error:
            _pay(staff, amount="1500")
        assert "amount" in error.value.message_dict
        assert _counts() == before


def test_one_budget_per_department_period_and_category(cast, staff):
    _budget(cast, staff, "100")
    with pytest.raises(ValidationError) as error:
        _budget(cast, staff, "200")
    assert "category" in error.value.message_dict
    with dealership_context(cast.a):
        assert Budget.objects.count() == 1


def test_follow_up_actions_only_by_the_right_position(cast, staff):
    with dealership_context(cast.a):
        contract = services.contract_approval_create(
            actor=staff.consultant,
            subject="合同",
            counterparty="X",
            files={"contract": pdf()},
            submit=True,
        )
        with pytest.raises(ValidationError):  # not approved yet
            services.contract_sign(actor=staff.gm, record_id=contract.pk)
    approve_all(cast.a, contract.request)
    with dealership_context(cast.a):
        with pytest.raises(PermissionDenied):
            services.contract_sign(actor=staff.deputy_gm, record_id=contract.pk)
        signed = services.contract_sign(actor=staff.gm, record_id=contract.pk)
        assert signed.signed_by == staff.gm and signed.signed_at
        with pytest.raises(ValidationError):
            services.contract_sign(actor=staff.gm, record_id=contract.pk)
        stamping = services.contract_stamping_create(
            actor=staff.consultant,
            subject="盖章",
            counterparty="X",
            files={"contract": pdf()},
            submit=True,
        )
    approve_all(cast.a, stamping.request)
    with dealership_context(cast.a):
        with pytest.raises(PermissionDenied):
            services.stamping_file(actor=staff.gm, record_id=stamping.pk)
        assert services.stamping_file(actor=staff.admin_clerk, record_id=stamping.pk).filed_at
        order = services.promo_order_create(
            actor=staff.consultant,
            subject="礼品",
            amount=Decimal("10"),
            supplier="S",
            items="伞",
            submit=True,
        )
    approve_all(cast.a, order.request)
    with dealership_context(cast.a):
        crm = staff.customer_relations_manager
        assert services.promo_order_place(actor=crm, record_id=order.pk).ordered_by == crm


def test_returned_request_is_changed_and_submitted_again(cast, staff):
    from org.approvals import services as approvals

    with dealership_context(cast.a):
        payment = _pay(staff)
        approvals.request_decide(
            actor=staff.sales_director,
            request_id=payment.request_id,
            decision="return",
            comment="写清收款账户",
        )
        with pytest.raises(Http404):  # another consultant does not even see it
            services.payment_update(actor=staff.consultant2, record_id=payment.pk, payee="Y")
        updated = services.payment_update(
            actor=staff.consultant,
            record_id=payment.pk,
            bank_account="6222999",
            amount=Decimal("900"),
            submit=True,
        )
        assert updated.bank_account == "6222999"
        assert updated.request.status == "pending" and updated.request.round == 2
