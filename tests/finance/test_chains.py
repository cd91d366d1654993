"""Data-driven: the positions each finance kind's default chain asks, step by step, for a
request by a sales consultant of dealership A (every position staffed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealership.tenancy import dealership_context
from finance import kinds as K
from finance import services
from org.approvals import services as approvals
from org.approvals.models import ApprovalRequest, StepApprover
from tests.finance.conftest import approve_all, pdf, png

pytestmark = pytest.mark.django_db

HEAD = ["sales_director"]
EXPECTED = {
    K.GENERAL: [["cr_specialist"], ["crm_director"], ["deputy_gm"], ["gm"]],
    K.CONTRACT_APPROVAL: [HEAD, ["finance_manager"], ["deputy_gm"], ["gm"]],
    K.CONTRACT_STAMPING: [HEAD, ["gm", "deputy_gm"]],
    K.PAYMENT: [HEAD, ["accountant"], ["finance_manager"], ["deputy_gm"], ["gm"]],
    K.CASH_ADVANCE: [HEAD, ["finance_manager"], ["deputy_gm"], ["gm"]],
    K.REIMBURSEMENT: [HEAD, ["accountant"], ["finance_manager"], ["deputy_gm"], ["gm"]],
    K.PROMO_ORDER: [HEAD, ["deputy_gm"], ["gm"], ["customer_relations_manager"]],
    K.PROMO_REIMBURSEMENT: [HEAD, ["accountant"], ["finance_manager"], ["deputy_gm"], ["gm"]],
    K.BUDGET: [HEAD, ["deputy_gm"], ["gm"]],
}


def _fields(kind, cast, staff):
    if kind == K.PROMO_REIMBURSEMENT:
        with dealership_context(cast.a):
            order = services.promo_order_create(
                actor=staff.consultant,
                subject="礼品",
                amount=Decimal("10"),
                supplier="S",
                items="伞",
                submit=True,
            )
        approve_all(cast.a, order.request)
        return {"promo_order": order.pk}, {"invoice": png()}
    if kind == K.BUDGET:
        from dealership.actors import SYSTEM
        from org.models import Department, Position
        from org.services import position_capability_set

        with dealership_context(cast.a):
            department = Department.objects.get(code="sales")
            position_capability_set(  # budgets are planned by whoever holds this capability
                actor=SYSTEM,
                position_id=Position.objects.get(code="sales_consultant").pk,
                capability="finance.change_budget",
                scope=2,
            )
        return {
            "department": department.pk,
            "year": 2030,
            "period": "year",
            "category": "office",
        }, {}
    return {
        K.GENERAL: ({"category": "printing"}, {}),
        K.CONTRACT_APPROVAL: ({"counterparty": "X公司"}, {"contract": pdf()}),
        K.CONTRACT_STAMPING: ({"counterparty": "X公司", "copies": 2}, {"contract": pdf()}),
        K.PAYMENT: (
            {"payee": "P", "bank_name": "B", "bank_account": "1234", "category": "office"},
            {"invoice": png()},
        ),
        K.CASH_ADVANCE: ({}, {}),
        K.REIMBURSEMENT: ({"type": "expense", "category": "travel"}, {"invoice": png()}),
        K.PROMO_ORDER: ({"supplier": "S", "items": "伞"}, {}),
    }[kind]


@pytest.mark.parametrize("kind", list(EXPECTED), ids=lambda k: k.split(".")[1])
def test_chain_positions_for_a_sales_consultants_request(cast, staff, kind):
    fields, files = _fields(kind, cast, staff)
    with dealership_context(cast.a):
        record = services.record_create(
            actor=staff.consultant,
            kind=kind,
            subject=f"测试 {kind}",
            amount=Decimal("100.00"),
            files=files,
            submit=True,
            **fields,
        )
        request = record.request
        while request.status == ApprovalRequest.Status.PENDING:
            waiting = (
                StepApprover.objects.filter(
                    step__request=request, step__round=request.round, step__status="open"
                )
                .select_related("user")
                .first()
            )
            request = approvals.request_decide(
                actor=waiting.user, request_id=request.pk, decision="approve"
            )
        assert request.status == ApprovalRequest.Status.APPROVED
        codes = [
            step.position_codes
            for step in request.steps.filter(round=request.round).order_by("order")
        ]
    assert codes == EXPECTED[kind]
