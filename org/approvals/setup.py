"""What the approval engine plugs in at start-up (called from ``OrgConfig.ready()``): access
rules, kinds of notification, chain seeding for every dealership, the position usage check."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealership.notifications import Email, NotificationKind, register_kind

NOTIFICATION_KINDS = [
    NotificationKind(
        "approvals.step_waiting",
        _("A request waits for your approval"),
        description=_("A step of an approval chain opened for you."),
        email=Email.EACH,
    ),
    NotificationKind(
        "approvals.reminder",
        _("Reminder: an approval is due"),
        description=_("A step waiting for you is due within a working day."),
        email=Email.EACH,
    ),
    NotificationKind(
        "approvals.escalated",
        _("An approval is overdue in your team"),
        description=_("A step of someone who reports to you is overdue; you may decide it."),
        email=Email.EACH,
        optional=False,
    ),
    NotificationKind(
        "approvals.step_decided",
        _("A step of your request was approved"),
        description=_("One approver of your request approved; it moves on."),
        email=Email.OFF,
    ),
    NotificationKind(
        "approvals.returned",
        _("Your request was returned for changes"),
        description=_("An approver returned your request with a reason; change and resubmit it."),
        email=Email.EACH,
        optional=False,
    ),
    NotificationKind(
        "approvals.completed",
        _("Your request was approved or rejected"),
        description=_("The chain of your request has finished."),
        email=Email.EACH,
    ),
    NotificationKind(
        "approvals.informed",
        _("For your information: an approved request"),
        description=_("A chain informs your position when it reaches you (e.g. the ad plan)."),
        email=Email.DIGEST,
    ),
]


def _requests_of_mine(access) -> Q:
    from org.approvals.models import StepApprover

    return Q(requester_id=access.user_id) | Q(
        pk__in=StepApprover.objects.filter(user_id=access.user_id).values("step__request_id")
    )


def _through_request(path: str):
    def own(access) -> Q:
        from org.approvals.models import StepApprover

        return Q(**{f"{path}__requester_id": access.user_id}) | Q(
            **{
                f"{path}_id__in": StepApprover.objects.filter(user_id=access.user_id).values(
                    "step__request_id"
                )
            }
        )

    return own


def register() -> None:
    from dealership.registry import register_dealership_initializer
    from org.access import ModelAccess, register_model_access
    from org.approvals.models import (
        ApprovalChain,
        ApprovalRequest,
        ApprovalStep,
        Attachment,
        ChainStep,
        Delegation,
        StepApprover,
    )
    from org.approvals.services import chains_seed, position_used_by_chains
    from org.capabilities import Capability as C
    from org.services import register_position_usage_check

    def in_departments(path):
        return lambda access: Q(**{f"{path}__in": access.department_ids})

    register_model_access(
        ApprovalRequest,
        ModelAccess(
            view=C.FINANCE_SUBMIT_REQUEST,
            change=C.FINANCE_SUBMIT_REQUEST,
            own=_requests_of_mine,
            department=lambda a: _requests_of_mine(a) | Q(department_id__in=a.department_ids),
        ),
    )
    for model, path in ((ApprovalStep, "request"), (Attachment, "request")):
        register_model_access(
            model,
            ModelAccess(
                view=C.FINANCE_SUBMIT_REQUEST,
                change=C.FINANCE_SUBMIT_REQUEST,
                own=_through_request(path),
                department=lambda a, p=path: (
                    _through_request(p)(a) | Q(**{f"{p}__department_id__in": a.department_ids})
                ),
            ),
        )
    register_model_access(
        StepApprover,
        ModelAccess(
            view=C.FINANCE_SUBMIT_REQUEST,
            own=_through_request("step__request"),
            department=in_departments("step__request__department_id"),
        ),
    )
    for model in (ApprovalChain, ChainStep):
        register_model_access(
            model, ModelAccess(view=C.ORG_CHANGE_CHAINS, change=C.ORG_CHANGE_CHAINS)
        )
    register_model_access(
        Delegation,
        ModelAccess(
            view=C.FINANCE_SUBMIT_REQUEST,
            change=C.FINANCE_SUBMIT_REQUEST,
            own=lambda a: Q(delegator_id=a.user_id) | Q(delegate_id=a.user_id),
            department=lambda a: Q(delegator_id=a.user_id) | Q(delegate_id=a.user_id),
        ),
    )
    for kind in NOTIFICATION_KINDS:
        register_kind(kind)
    from org.approvals import reports

    reports.register()  # the chain of reports that pass an approval before they count
    register_dealership_initializer(chains_seed)
    register_position_usage_check(position_used_by_chains)
