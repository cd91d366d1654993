"""Who sees and changes finance records: a request's record is visible to whoever may view the
request (its requester, its approvers, the department or dealership scope of
``finance.submit_request``); after approval, the holders of the position that acts on it (the
admin clerk files stamped contracts, the customer-relations manager places promotional goods
orders, finance records an advertising claim's state with the OEM, the customer department's
handler records a decoration's installation). Budgets: ``finance.view_budget`` /
``finance.change_budget``, department scope meaning the budgets of one's own departments."""

from __future__ import annotations

from django.db.models import Q

from org.access import ModelAccess, UserAccess, register_model_access
from org.capabilities import Capability as C


def _approver_of(access: UserAccess):
    from org.approvals.models import StepApprover

    return StepApprover.objects.filter(user_id=access.user_id).values("step__request_id")


def _mine(access: UserAccess) -> Q:
    return Q(request__requester_id=access.user_id) | Q(request_id__in=_approver_of(access))


def _acting_position(*codes: str):
    """Approved records for holders of ``codes`` (who act on them after approval)."""
    from org.approvals.models import ApprovalRequest
    from org.models import Position

    def condition(access: UserAccess) -> Q:
        return Q(
            request__status=ApprovalRequest.Status.APPROVED,
            dealership_id__in=Position.objects.filter(
                pk__in=access.position_ids, code__in=codes
            ).values("dealership_id"),
        )

    return condition


def _rules(widened=None) -> ModelAccess:
    def own(access: UserAccess) -> Q:
        condition = _mine(access)
        return condition | widened(access) if widened else condition

    def department(access: UserAccess) -> Q:
        return own(access) | Q(request__department_id__in=access.department_ids)

    return ModelAccess(
        view=C.FINANCE_SUBMIT_REQUEST,
        change=C.FINANCE_SUBMIT_REQUEST,
        own=own,
        department=department,
    )


def register() -> None:
    from finance.models import (
        AdClaim,
        Budget,
        CashAdvance,
        ContractApproval,
        ContractStamping,
        DecorationRequest,
        GeneralRequest,
        Payment,
        PromoOrder,
        PromoReimbursement,
        Reimbursement,
    )

    for model in (
        GeneralRequest,
        ContractApproval,
        Payment,
        CashAdvance,
        Reimbursement,
        PromoReimbursement,
    ):
        register_model_access(model, _rules())
    register_model_access(ContractStamping, _rules(_acting_position("admin_clerk")))
    register_model_access(PromoOrder, _rules(_acting_position("customer_relations_manager")))
    register_model_access(AdClaim, _rules(_acting_position("accountant", "finance_manager")))
    register_model_access(
        DecorationRequest,
        _rules(_acting_position("cr_specialist", "customer_relations_manager", "crm_director")),
    )

    def budgets_of_my_departments(access: UserAccess) -> Q:
        return Q(department_id__in=access.department_ids) | _mine(access)

    register_model_access(
        Budget,
        ModelAccess(
            view=C.FINANCE_VIEW_BUDGET,
            change=C.FINANCE_CHANGE_BUDGET,
            own=budgets_of_my_departments,
            department=budgets_of_my_departments,
        ),
    )
