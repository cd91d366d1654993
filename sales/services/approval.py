"""What the sales documents that pass an approval chain share (sales plans, price lists): the
chain seeded for a dealership opened before the kind existed, a request created or (returned)
updated and submitted, and who decided last (the actor of the callbacks' audit entries)."""

from __future__ import annotations

from dealership.actors import SYSTEM


def ensure_chain(kind_code: str, dealership_id: int) -> None:
    """A dealership opened before ``kind_code`` existed gets the default chains now, as the
    engine's initializer does for new ones (existing chains are never touched)."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalChain

    if not ApprovalChain.objects.filter(kind=kind_code).exists():
        from dealership.models import Dealership

        approvals.chains_seed(Dealership.objects.get(pk=dealership_id))


def request_for(*, actor, obj, kind_code: str, subject: str, description: str = ""):
    """The approval request of ``obj`` (its ``request``): the returned one updated, else a new
    one; not yet submitted."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalRequest

    ensure_chain(kind_code, obj.dealership_id)
    request = obj.request
    if (
        request is not None
        and request.status == ApprovalRequest.Status.RETURNED
        and request.requester_id == getattr(actor, "pk", None)
    ):
        return approvals.request_update(
            actor=actor, request_id=request.pk, subject=subject[:200], description=description
        )
    return approvals.request_create(
        actor=actor, kind=kind_code, subject=subject[:200], amount=None, description=description
    )


def decider(request):
    """Who decided last (the audit's actor of the document's change), else the system."""
    from org.approvals.models import StepApprover

    last = (
        StepApprover.objects.filter(step__request=request)
        .exclude(decision="")
        .select_related("user")
        .order_by("-decided_at")
        .first()
    )
    return last.user if last is not None else SYSTEM
