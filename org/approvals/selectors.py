"""The approval engine's reads: the inbox, my requests, one request with its steps by round,
and the overdue steps the GM office watches. Each runs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from org.approvals.models import ApprovalRequest, ApprovalStep, Attachment, StepApprover


def inbox(user) -> QuerySet[StepApprover]:
    """What waits for ``user``'s decision: open steps of pending requests, due first."""
    return (
        StepApprover.objects.filter(
            user=user,
            decision="",
            step__status=ApprovalStep.Status.OPEN,
            step__request__status=ApprovalRequest.Status.PENDING,
            step__request__in=ApprovalRequest.objects.for_user(user, "view"),
        )
        .select_related("step__request__requester", "step__request__department", "on_behalf_of")
        .order_by("step__due_at", "pk")
    )


def inbox_count(user) -> int:
    return inbox(user).count()


def requests_for_user(user, *, mine: bool = False, status: str = "", kind: str = "") -> QuerySet:
    rows = ApprovalRequest.objects.for_user(user, "view").select_related("requester", "department")
    if mine:
        rows = rows.filter(requester=user)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.prefetch_related(
        Prefetch(
            "steps",
            queryset=ApprovalStep.objects.filter(status=ApprovalStep.Status.OPEN).order_by("order"),
            to_attr="open_steps",
        )
    ).order_by("-created_at", "-pk")


def steps_by_round(request: ApprovalRequest) -> list[tuple[int, list[ApprovalStep]]]:
    """The request's steps, newest round first, each with its approvers (2 queries)."""
    steps = (
        ApprovalStep.objects.filter(request=request)
        .prefetch_related(
            Prefetch(
                "approvers",
                queryset=StepApprover.objects.select_related("user", "on_behalf_of").order_by("pk"),
            )
        )
        .order_by("-round", "order")
    )
    rounds: dict[int, list[ApprovalStep]] = {}
    for step in steps:
        rounds.setdefault(step.round, []).append(step)
    return list(rounds.items())


def attachments_for(user, request: ApprovalRequest) -> list[Attachment]:
    return list(
        Attachment.objects.for_user(user, "view")
        .filter(request=request)
        .select_related("uploaded_by")
    )


def overdue_steps(user) -> QuerySet[ApprovalStep]:
    """Open steps past their due time, of the requests ``user`` may see (the GM dashboard)."""
    return (
        ApprovalStep.objects.for_user(user, "view")
        .filter(status=ApprovalStep.Status.OPEN, due_at__lt=timezone.now())
        .select_related("request__requester")
        .prefetch_related(
            Prefetch("approvers", queryset=StepApprover.objects.select_related("user"))
        )
        .order_by("due_at")
    )
