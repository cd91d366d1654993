"""Who sees and changes the customer-service desk, the thank-you letters and the customer tiers
(registered from :func:`crm.access_rules.register`).

* Enquiries: ``crm.view_enquiry`` / ``crm.change_enquiry``; "own" = taken by the user,
  "department" = taken by someone of the user's departments.
* Improvement proposals: the same capabilities; "own" = raised by the user, "department" = also
  those routed to one of the user's departments. Besides, the **head of a department** (who
  holds one of its manager positions) reads and answers the proposals routed to it without
  any crm capability (:class:`ProposalPolicy`): the sales or service manager answers what the
  customers suggest to their department.
* Thank-you letters: ``crm.change_letter`` (the CRM managers, the CR specialist, the admin
  manager who mails them, the GM). Signing goes through the approvals engine, whose approvers
  (the GM, the service manager) read the letter on the request's page and its PDF.
* Customer tiers (the rules): read with the customer master (``crm.view_customer``), set by the
  CRM managers (``crm.change_survey``, the dealership's CRM rules). A customer's standing
  follows the customer's own rules."""

from __future__ import annotations

from django.db.models import Q

from dealership.policies import READ_ACTIONS
from org.access import (
    ModelAccess,
    PositionPolicy,
    UserAccess,
    register_model_access,
    user_access,
)
from org.capabilities import Capability as C


def _department_users(access: UserAccess):
    from org.models import PositionAssignment

    return PositionAssignment.objects.filter(
        position__department_id__in=access.department_ids, staff__is_active=True
    ).values("staff__user_id")


def _everything(access: UserAccess) -> Q:
    return Q()


def headed_department_ids(user) -> frozenset[int]:
    """The departments ``user`` heads in the current scope: those of their manager positions
    (read with the grants, in the access cache; none for HQ, the system or without a
    position)."""
    return user_access(user).headed_department_ids


class ProposalPolicy(PositionPolicy):
    """The position policy, widened for the heads of the responsible department."""

    def allows(self, user, action, model):
        if super().allows(user, action, model):
            return True
        if action in ("add", "delete"):
            return False
        if action not in READ_ACTIONS and not user_access(user).writable:
            return False
        return bool(headed_department_ids(user))

    def restrict(self, user, action, queryset):
        access = user_access(user)
        if access.is_system:
            return queryset
        headed = headed_department_ids(user)
        if not headed or action in ("add", "delete"):
            return super().restrict(user, action, queryset)
        if action not in READ_ACTIONS and not access.writable:
            return queryset.none()
        if super().allows(user, action, queryset.model):
            if super().covers_scope(user, action, queryset.model):
                return queryset
            ids = super().restrict(user, action, queryset).values("pk")
            return queryset.filter(Q(pk__in=ids) | Q(department_id__in=headed))
        return queryset.filter(department_id__in=headed)


def register() -> None:
    from crm.models import (
        CustomerStanding,
        CustomerTier,
        Enquiry,
        ImprovementProposal,
        ThankYouLetter,
    )
    from dealership.policies import register_policy

    def enquiry_own(access: UserAccess) -> Q:
        return Q(taken_by_id=access.user_id)

    def enquiry_department(access: UserAccess) -> Q:
        return enquiry_own(access) | Q(taken_by_id__in=_department_users(access))

    register_model_access(
        Enquiry,
        ModelAccess(
            view=C.CRM_VIEW_ENQUIRY,
            change=C.CRM_CHANGE_ENQUIRY,
            own=enquiry_own,
            department=enquiry_department,
        ),
    )

    def proposal_own(access: UserAccess) -> Q:
        return Q(raised_by_id=access.user_id)

    def proposal_department(access: UserAccess) -> Q:
        return (
            proposal_own(access)
            | Q(raised_by_id__in=_department_users(access))
            | Q(department_id__in=list(access.department_ids))
        )

    register_model_access(
        ImprovementProposal,
        ModelAccess(
            view=C.CRM_VIEW_ENQUIRY,
            change=C.CRM_CHANGE_ENQUIRY,
            own=proposal_own,
            department=proposal_department,
        ),
    )
    from dealership.audit import register_masked_fields
    from org.access import holds

    # a caller's number reads masked in the audit log like a customer's
    register_masked_fields(Enquiry, {"caller_phone": holds(C.CRM_VIEW_CUSTOMER_PHONE)})
    register_policy(ImprovementProposal, ProposalPolicy())
    register_model_access(
        ThankYouLetter,
        ModelAccess(
            view=C.CRM_CHANGE_LETTER,
            change=C.CRM_CHANGE_LETTER,
            own=_everything,
            department=_everything,
        ),
    )
    register_model_access(
        CustomerTier,
        ModelAccess(
            view=C.CRM_VIEW_CUSTOMER,
            change=C.CRM_CHANGE_SURVEY,
            own=_everything,
            department=_everything,
        ),
    )

    def standing_own(access: UserAccess) -> Q:
        return Q(customer__owner_id=access.user_id)

    def standing_department(access: UserAccess) -> Q:
        return standing_own(access) | Q(customer__owner_id__in=_department_users(access))

    register_model_access(
        CustomerStanding,
        ModelAccess(
            view=C.CRM_VIEW_CUSTOMER,
            change=C.CRM_CHANGE_CUSTOMER,
            own=standing_own,
            department=standing_department,
        ),
    )
