"""The approval engine's writes. Every write runs in one transaction, re-reads the request
locked for update (two approvers deciding the same step at once: exactly one wins), checks the
rules, records the step rows (the audit trail) and an audit entry, and tells people through the
notification centre (sent after the transaction commits)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.audit import audit_record, snapshot
from dealership.jobs import is_working_day
from dealership.models import AuditEntry, Dealership
from dealership.notifications import notify
from dealership.tenancy import get_scope
from org.approvals import resolve
from org.approvals.kinds import all_request_kinds, get_request_kind
from org.approvals.models import (
    ApprovalChain,
    ApprovalRequest,
    ApprovalStep,
    ApproverType,
    ChainStep,
    Delegation,
    Mode,
    StepApprover,
)
from org.models import Position, PositionAssignment

Status = ApprovalRequest.Status
StepStatus = ApprovalStep.Status
Decision = StepApprover.Decision
REQUEST_FIELDS = ("kind", "subject", "description", "amount", "status", "round", "over_budget")


class DecisionConflict(Exception):
    """A decision on a step that is no longer (or not yet) waiting for this person (HTTP 409)."""


# --- chains -----------------------------------------------------------------------------------


def chains_seed(dealership: Dealership) -> None:
    """Give ``dealership`` the default chain of every registered kind it does not have yet
    (a dealership initializer: idempotent, existing chains are never touched)."""
    existing = set(
        ApprovalChain.objects.filter(dealership=dealership).values_list("kind", flat=True)
    )
    positions = {p.code: p for p in Position.objects.filter(dealership=dealership)}
    for kind in all_request_kinds():
        if kind.code in existing or not kind.default_chain:
            continue
        chain = ApprovalChain.objects.create(dealership=dealership, kind=kind.code)
        order = 0
        for step in kind.default_chain:
            position = positions.get(step.position) if step.position else None
            alternate = positions.get(step.alternate) if step.alternate else None
            if step.approver_type == ApproverType.POSITION and position is None:
                continue  # the dealership removed that position from its chart
            order += 1
            ChainStep.objects.create(
                dealership=dealership,
                chain=chain,
                order=order,
                label=_in(step.label, settings.LANGUAGE_CODE),
                label_en=_in(step.label, "en"),
                approver_type=step.approver_type,
                position=position,
                alternate=alternate,
                mode=step.mode,
                required_count=step.required_count,
                min_amount=step.min_amount,
                max_amount=step.max_amount,
                notify_only=step.notify_only,
            )


def _in(text, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return str(text or "")[:100]


def _step_snapshot(step: ChainStep) -> dict:
    return {
        "order": step.order,
        "label": step.label,
        "label_en": step.label_en,
        "approver_type": step.approver_type,
        "position_id": step.position_id,
        "position_code": step.position.code if step.position_id else "",
        "alternate_id": step.alternate_id,
        "alternate_code": step.alternate.code if step.alternate_id else "",
        "person_id": step.person_id,
        "mode": step.mode,
        "required_count": step.required_count,
        "min_amount": str(step.min_amount) if step.min_amount is not None else None,
        "max_amount": str(step.max_amount) if step.max_amount is not None else None,
        "notify_only": step.notify_only,
    }


def _validate_steps(dealership_id: int, steps: list[dict]) -> None:
    if not any(not s.get("notify_only") for s in steps):
        raise ValidationError({"steps": _("A chain needs at least one step that decides.")})
    for n, step in enumerate(steps, start=1):
        where = {"n": n}
        kind = step.get("approver_type")
        if kind not in ApproverType.values:
            raise ValidationError({"steps": _("Step %(n)s: choose who decides.") % where})
        if kind == ApproverType.POSITION:
            position = step.get("position")
            alternate = step.get("alternate")
            if (
                position is None
                or position.dealership_id != dealership_id
                or (alternate is not None and alternate.dealership_id != dealership_id)
            ):
                raise ValidationError(
                    {"steps": _("Step %(n)s: choose a position of this dealership.") % where}
                )
        if kind == ApproverType.PERSON:
            person = step.get("person")
            works_here = (
                person is not None
                and PositionAssignment.objects.filter(
                    dealership_id=dealership_id, staff__user=person, staff__is_active=True
                ).exists()
            )
            if not works_here:
                raise ValidationError(
                    {"steps": _("Step %(n)s: choose a person working here.") % where}
                )
        if step.get("mode") not in Mode.values:
            raise ValidationError({"steps": _("Step %(n)s: choose how many must approve.") % where})
        if step.get("mode") == Mode.AT_LEAST and (step.get("required_count") or 0) < 1:
            raise ValidationError(
                {"steps": _("Step %(n)s: at least one approval is needed.") % where}
            )
        low, high = step.get("min_amount"), step.get("max_amount")
        for value in (low, high):
            if value is not None and Decimal(value) < 0:
                raise ValidationError(
                    {"steps": _("Step %(n)s: amounts cannot be negative.") % where}
                )
        if low is not None and high is not None and Decimal(low) >= Decimal(high):
            raise ValidationError(
                {"steps": _("Step %(n)s: the lower amount must be below the upper amount.") % where}
            )


@transaction.atomic
def chain_update(
    *, actor, chain_id: int, steps: list[dict], due_working_days: int = 1, block_over_budget=False
) -> ApprovalChain:
    """Replace a chain's steps (``steps``: dicts of :class:`ChainStep` fields, ``position`` and
    ``person`` as objects). Running requests keep the chain they were submitted with."""
    chain = lock_for_user(actor, ApprovalChain, chain_id)
    if due_working_days < 1:
        raise ValidationError({"due_working_days": _("A step needs at least one working day.")})
    _validate_steps(chain.dealership_id, steps)
    before = {"steps": [_step_snapshot(s) for s in chain.steps.select_related("position")]}
    before.update(snapshot(chain, ("due_working_days", "block_over_budget")))
    chain.steps.all().delete()
    for order, step in enumerate(steps, start=1):
        ChainStep.objects.create(
            dealership_id=chain.dealership_id,
            chain=chain,
            order=order,
            label=(step.get("label") or "")[:100],
            label_en=(step.get("label_en") or "")[:100],
            approver_type=step["approver_type"],
            position=step.get("position")
            if step["approver_type"] == ApproverType.POSITION
            else None,
            alternate=step.get("alternate")
            if step["approver_type"] == ApproverType.POSITION
            else None,
            person=step.get("person") if step["approver_type"] == ApproverType.PERSON else None,
            mode=step.get("mode", Mode.ANY),
            required_count=step.get("required_count") or 1,
            min_amount=step.get("min_amount"),
            max_amount=step.get("max_amount"),
            notify_only=bool(step.get("notify_only")),
        )
    chain.due_working_days = due_working_days
    chain.block_over_budget = bool(block_over_budget)
    chain.save()
    after = {"steps": [_step_snapshot(s) for s in chain.steps.select_related("position")]}
    after.update(snapshot(chain, ("due_working_days", "block_over_budget")))
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=chain, before=before, after=after
    )
    return chain


def position_used_by_chains(position: Position) -> str | None:
    """``register_position_usage_check``: a position in a chain cannot be deleted."""
    chains = ApprovalChain.objects.filter(
        Q(steps__position=position) | Q(steps__alternate=position)
    ).distinct()
    if chains.exists():
        names = _(", ").join(str(c) for c in chains[:5])
        return _("it decides a step of the approval chains %(chains)s") % {"chains": names}
    return None


# --- requests ---------------------------------------------------------------------------------


def _primary_position(user, dealership_id) -> Position | None:
    assignment = (
        PositionAssignment.objects.filter(
            dealership_id=dealership_id, staff__user=user, staff__is_active=True
        )
        .select_related("position__department")
        .order_by("-is_primary", "pk")
        .first()
    )
    return assignment.position if assignment else None


def _check_amount(kind, amount) -> None:
    if amount is None:
        if kind.amount_required:
            raise ValidationError({"amount": _("Enter the amount in yuan.")})
        return
    if not isinstance(amount, Decimal):
        raise ValidationError({"amount": _("Enter the amount as a number.")})
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    if amount.as_tuple().exponent < -2 or amount >= Decimal("1e12"):
        raise ValidationError({"amount": _("Enter an amount in yuan with at most two decimals.")})


@transaction.atomic
def request_create(
    *, actor, kind: str, subject: str, amount: Decimal | None = None, description: str = ""
) -> ApprovalRequest:
    """A draft request of ``kind`` by ``actor`` in their department (of their primary
    position). The app that owns the kind links its own record to it."""
    check_model_permission(actor, ApprovalRequest, "add")
    request_kind = get_request_kind(kind)
    dealership_id = get_scope().current_id
    position = _primary_position(actor, dealership_id)
    if position is None:
        raise PermissionDenied(_("Only staff holding a position may submit requests."))
    if not subject.strip():
        raise ValidationError({"subject": _("Say what the request is about.")})
    _check_amount(request_kind, amount)
    request = ApprovalRequest(
        dealership_id=dealership_id,
        kind=kind,
        subject=subject.strip()[:200],
        description=description,
        requester=actor,
        requester_position=position,
        department_id=position.department_id,
        amount=amount,
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=request,
        before=None,
        after=snapshot(request, REQUEST_FIELDS),
    )
    return request


def lock_own_editable(actor, request_id) -> ApprovalRequest:
    request = lock_for_user(actor, ApprovalRequest, request_id, "view")
    if request.requester_id != actor.pk:
        raise PermissionDenied(_("Only the requester may change this request."))
    if not request.is_editable:
        raise ValidationError(
            _("This request is under way or finished; it can no longer be changed.")
        )
    return request


@transaction.atomic
def request_update(*, actor, request_id: int, **changes) -> ApprovalRequest:
    """Change a draft or returned request (its subject, description, amount)."""
    request = lock_own_editable(actor, request_id)
    before = snapshot(request, REQUEST_FIELDS)
    for field in changes:
        if field not in ("subject", "description", "amount"):
            raise ValidationError(_("%(field)s cannot be changed.") % {"field": field})
    if "amount" in changes:
        _check_amount(get_request_kind(request.kind), changes["amount"])
    if "subject" in changes and not str(changes["subject"]).strip():
        raise ValidationError({"subject": _("Say what the request is about.")})
    for field, value in changes.items():
        setattr(request, field, value.strip() if isinstance(value, str) else value)
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=request,
        before=before,
        after=snapshot(request, REQUEST_FIELDS),
    )
    return request


def _applies(step: dict, amount: Decimal | None) -> bool:
    low, high = step.get("min_amount"), step.get("max_amount")
    if amount is None:
        return low is None
    if low is not None and amount < Decimal(low):
        return False
    return not (high is not None and amount >= Decimal(high))


def _local_now(request) -> dt.datetime:
    return timezone.now().astimezone(request.dealership.zoneinfo)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` plus ``days`` working days of the mainland-China calendar (same time of day)."""
    current, left = start, days
    while left > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current.date()):
            left -= 1
    return current


@transaction.atomic
def request_submit(*, actor, request_id: int) -> ApprovalRequest:
    """Start (or, after a return, restart) the request's chain: a snapshot of the chain as it is
    now, the steps of a new round, and the first step opened."""
    request = lock_own_editable(actor, request_id)
    kind = get_request_kind(request.kind)
    _check_amount(kind, request.amount)
    kind.validate_submit(request)
    chain = ApprovalChain.objects.filter(
        dealership_id=request.dealership_id, kind=request.kind
    ).first()
    if chain is None:
        raise ValidationError(
            _("No approval chain is set up for this kind of request; ask the GM office.")
        )
    steps = [
        _step_snapshot(s)
        for s in chain.steps.select_related("position").order_by("order")
        if _applies(_step_snapshot(s), request.amount)
    ]
    if not any(not s["notify_only"] for s in steps):
        raise ValidationError(
            _("The approval chain has no step for this amount; ask the GM office.")
        )
    if request.over_budget and chain.block_over_budget:
        raise ValidationError(
            {
                "amount": _(
                    "This request is over its department's budget, which this chain does not allow."
                )
            }
        )
    before = snapshot(request, REQUEST_FIELDS)
    request.round += 1
    request.status = Status.PENDING
    request.submitted_at = timezone.now()
    request.finished_at = None
    request.chain_snapshot = {"due_working_days": chain.due_working_days, "steps": steps}
    request.save()
    ApprovalStep.objects.bulk_create(
        [
            ApprovalStep(
                dealership_id=request.dealership_id,
                request=request,
                round=request.round,
                order=n,
                label=_step_label(step, "zh-hans"),
                label_en=_step_label(step, "en"),
                approver_type=step["approver_type"],
                position_codes=[
                    c for c in (step["position_code"], step.get("alternate_code")) if c
                ],
                mode=step["mode"],
                required_count=step["required_count"],
                notify_only=step["notify_only"],
            )
            for n, step in enumerate(steps, start=1)
        ]
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=request,
        before=before,
        after=snapshot(request, REQUEST_FIELDS),
    )
    _advance(request)
    return request


def _step_label(step: dict, language: str) -> str:
    """Who decides the step, named in ``language`` when the request is submitted."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    with translation.override(language):
        if step["approver_type"] == ApproverType.DEPARTMENT_HEAD:
            who = str(ApproverType.DEPARTMENT_HEAD.label)
        elif step["approver_type"] == ApproverType.PERSON:
            person = get_user_model().objects.filter(pk=step.get("person_id")).first()
            who = person.get_full_name() if person else "—"
        else:
            ids = [i for i in (step.get("position_id"), step.get("alternate_id")) if i]
            found = {p.pk: p.name for p in Position.objects.filter(pk__in=ids)}
            names = [found[i] for i in ids if i in found]
            who = " / ".join(names) or step["position_code"]
        label = (
            step.get("label_en") if language == "en" and step.get("label_en") else step.get("label")
        )
        if label:
            who = f"{label} ({who})"
        return who[:200]


def _snapshot_step(request, step: ApprovalStep) -> dict:
    return request.chain_snapshot["steps"][step.order - 1]


def _advance(request: ApprovalRequest) -> None:
    """Open the next step of the current round; inform notify-only steps, skip steps nobody can
    decide; when none is left the request is approved."""
    request = ApprovalRequest.objects.select_related("dealership", "requester_position").get(
        pk=request.pk
    )
    on = _local_now(request).date()
    for step in request.steps.filter(round=request.round, status=StepStatus.WAITING).order_by(
        "order"
    ):
        spec = _snapshot_step(request, step)
        resolved = resolve.resolve(spec, request=request, on=on)
        now = timezone.now()
        if resolved.position_codes and resolved.position_codes != step.position_codes:
            _relabel(step, resolved.position_codes, request.dealership_id)
        step.position_codes = resolved.position_codes or step.position_codes
        if spec["notify_only"]:
            step.status, step.opened_at, step.closed_at = StepStatus.INFORMED, now, now
            step.save()
            # who was told may open the request
            _assign(request, step, resolved, "approvals.informed", "informed")
            continue
        if not resolved.approvers:
            step.status, step.opened_at, step.closed_at = StepStatus.SKIPPED, now, now
            step.note = resolved.note or "nobody"
            step.save()
            continue
        step.status, step.opened_at = StepStatus.OPEN, now
        step.note = resolved.note
        step.due_at = add_working_days(
            now.astimezone(request.dealership.zoneinfo),
            request.chain_snapshot.get("due_working_days", 1),
        )
        step.save()
        _assign(request, step, resolved, "approvals.step_waiting", "waiting")
        return
    request.status = Status.APPROVED
    request.finished_at = timezone.now()
    request.save(update_fields=["status", "finished_at"])
    get_request_kind(request.kind).on_approved(request)
    _tell(
        "approvals.completed",
        [request.requester_id],
        gettext_lazy("Approved: {subject}"),
        request,
        key=f"request:{request.pk}:round:{request.round}:approved",
    )


_ASSIGNED_SUBJECTS = {
    "approvals.informed": gettext_lazy("For your information: {subject}"),
    "approvals.step_waiting": gettext_lazy("Waiting for your approval: {subject}"),
}


def _assign(request, step: ApprovalStep, resolved, kind: str, event: str) -> None:
    """The step's people (approvers, or those informed), each told once."""
    StepApprover.objects.bulk_create(
        [
            StepApprover(
                dealership_id=request.dealership_id, step=step, user_id=u, on_behalf_of_id=b
            )
            for u, b in resolved.approvers
        ]
    )
    _tell(
        kind,
        [u for u, _behalf in resolved.approvers],
        _ASSIGNED_SUBJECTS[kind],
        request,
        key=f"step:{step.pk}:{event}",
    )


def _relabel(step: ApprovalStep, codes: list[str], dealership_id: int) -> None:
    """A department head's step (or one passed up) names the position that decides it."""
    positions = {
        p.code: p for p in Position.objects.filter(dealership_id=dealership_id, code__in=codes)
    }
    zh = " / ".join(positions[c].name_zh for c in codes if c in positions)
    en = " / ".join((positions[c].name_en or positions[c].name_zh) for c in codes if c in positions)
    if zh:
        step.label = f"{step.label.split('：')[0]}：{zh}"[:200]
        step.label_en = f"{step.label_en.split(': ')[0]}: {en}"[:200]


def _tell(kind: str, user_ids, subject, request: ApprovalRequest, *, key: str, body="") -> None:
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.filter(pk__in=set(user_ids)))
    if users:
        notify(
            kind,
            users,
            format_lazy(subject, subject=request.subject),
            obj=request,
            body=body,
            key=key,
        )


def current_step(request: ApprovalRequest) -> ApprovalStep | None:
    return (
        request.steps.filter(round=request.round, status=StepStatus.OPEN).order_by("order").first()
    )


def _satisfied(step: ApprovalStep) -> bool:
    rows = list(step.approvers.all())
    approvals = [r for r in rows if r.decision == Decision.APPROVE]
    if any(r.escalated for r in approvals):
        return True  # the overdue approver's manager decided in their place
    regular = [r for r in rows if not r.escalated]
    if step.mode == Mode.ALL:
        return all(r.decision == Decision.APPROVE for r in regular)
    if step.mode == Mode.AT_LEAST:
        return len(approvals) >= min(step.required_count, len(regular))
    return bool(approvals)


def _who_decided(step: ApprovalStep) -> str:
    row = step.approvers.exclude(decision="").select_related("user").order_by("-decided_at").first()
    return row.user.get_full_name() if row else ""


def _holds_a_later_step(request: ApprovalRequest, actor) -> bool:
    """Does ``actor`` hold a position of a step still waiting in this round (a decision now
    would be out of order: 409, not 403)?"""
    codes = {
        code
        for codes in request.steps.filter(
            round=request.round, status=StepStatus.WAITING
        ).values_list("position_codes", flat=True)
        for code in codes
    }
    return (
        bool(codes)
        and PositionAssignment.objects.filter(
            dealership_id=request.dealership_id,
            staff__user=actor,
            staff__is_active=True,
            position__code__in=codes,
        ).exists()
    )


@transaction.atomic
def request_decide(*, actor, request_id: int, decision: str, comment: str = "") -> ApprovalRequest:
    """``actor`` approves, rejects or returns the step that waits for them. Rejecting and
    returning need a reason. A decision on a step that is not current or already decided raises
    :class:`DecisionConflict`; by someone who is not an approver of the request, 403."""
    request = get_object_for_user(
        actor, ApprovalRequest, "view", ApprovalRequest.objects.select_for_update(), pk=request_id
    )
    check_model_permission(actor, ApprovalRequest, "change")  # an HQ scope only reads
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose approve, reject or return.")})
    comment = (comment or "").strip()
    if decision in (Decision.REJECT, Decision.RETURN) and not comment:
        raise ValidationError({"comment": _("Give the reason, so the requester knows what to do.")})
    involved = StepApprover.objects.filter(step__request=request, user=actor)
    if not involved.exists():
        if _holds_a_later_step(request, actor):
            raise DecisionConflict(
                _("This step is not open yet; it waits for an earlier approver.")
            )
        raise PermissionDenied(_("You are not an approver of this request."))
    step = current_step(request) if request.status == Status.PENDING else None
    mine = involved.filter(step=step, decision="").first() if step else None
    if mine is None and step is not None and involved.filter(step=step).exists():
        raise DecisionConflict(_("You have already decided this step."))
    if mine is None:
        last = (
            involved.exclude(step=step).order_by("-step__round", "-step__order").first()
            if step
            else involved.order_by("-step__round", "-step__order").first()
        )
        if request.status != Status.PENDING:
            raise DecisionConflict(
                _("This request is no longer waiting for a decision (%(status)s).")
                % {"status": request.get_status_display()}
            )
        if last is not None and last.step.status != StepStatus.WAITING:
            who = _who_decided(last.step)
            raise DecisionConflict(
                _("This step was already decided by %(name)s.") % {"name": who}
                if who
                else _("This step is no longer waiting for you.")
            )
        raise DecisionConflict(_("This step is not open yet; it waits for an earlier approver."))
    before = snapshot(request, REQUEST_FIELDS)
    now = timezone.now()
    mine.decision, mine.comment, mine.decided_at = decision, comment, now
    mine.save(update_fields=["decision", "comment", "decided_at"])
    kind = get_request_kind(request.kind)
    if decision == Decision.APPROVE:
        if _satisfied(step):
            step.status, step.closed_at = StepStatus.APPROVED, now
            step.save(update_fields=["status", "closed_at"])
            _tell(
                "approvals.step_decided",
                [request.requester_id],
                gettext_lazy("A step was approved: {subject}"),
                request,
                key=f"step:{step.pk}:approved",
                body=format_lazy(
                    gettext_lazy("{name} approved. {comment}"),
                    name=actor.get_full_name(),
                    comment=comment,
                ),
            )
            _advance(request)
    else:
        step.status = StepStatus.REJECTED if decision == Decision.REJECT else StepStatus.RETURNED
        step.closed_at = now
        step.save(update_fields=["status", "closed_at"])
        request.steps.filter(round=request.round, status=StepStatus.WAITING).update(
            status=StepStatus.CANCELLED
        )
        request.status = Status.REJECTED if decision == Decision.REJECT else Status.RETURNED
        request.finished_at = now if decision == Decision.REJECT else None
        request.save(update_fields=["status", "finished_at"])
        if decision == Decision.REJECT:
            kind.on_rejected(request)
            subject = gettext_lazy("Rejected: {subject}")
            event = "approvals.completed"
        else:
            kind.on_returned(request)
            subject = gettext_lazy("Returned for changes: {subject}")
            event = "approvals.returned"
        _tell(
            event,
            [request.requester_id],
            subject,
            request,
            key=f"step:{step.pk}:{decision}",
            body=format_lazy(
                gettext_lazy("{name}: {comment}"), name=actor.get_full_name(), comment=comment
            ),
        )
    request.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=request,
        before=before,
        after={
            **snapshot(request, REQUEST_FIELDS),
            "decision": decision,
            "step": step.order,
            "comment": comment,
        },
    )
    return request


@transaction.atomic
def request_withdraw(*, actor, request_id: int) -> ApprovalRequest:
    """The requester takes back a request that is pending (or returned, or a draft)."""
    request = lock_for_user(actor, ApprovalRequest, request_id, "view")
    if request.requester_id != actor.pk:
        raise PermissionDenied(_("Only the requester may withdraw this request."))
    if request.status not in (Status.PENDING, Status.RETURNED, Status.DRAFT):
        raise DecisionConflict(_("This request is finished; it can no longer be withdrawn."))
    before = snapshot(request, REQUEST_FIELDS)
    request.steps.filter(
        round=request.round, status__in=[StepStatus.OPEN, StepStatus.WAITING]
    ).update(status=StepStatus.CANCELLED, closed_at=timezone.now())
    request.status, request.finished_at = Status.WITHDRAWN, timezone.now()
    request.save(update_fields=["status", "finished_at"])
    get_request_kind(request.kind).on_withdrawn(request)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=request,
        before=before,
        after=snapshot(request, REQUEST_FIELDS),
    )
    return request


# --- delegation -------------------------------------------------------------------------------


@transaction.atomic
def delegation_create(
    *, actor, delegate, start: dt.date, end: dt.date, reason: str = ""
) -> Delegation:
    """While away from ``start`` to ``end``, steps that open for ``actor`` go to ``delegate``."""
    check_model_permission(actor, Delegation, "add")
    dealership_id = get_scope().current_id
    if delegate is None or delegate.pk == actor.pk:
        raise ValidationError(
            {"delegate": _("Choose a colleague; you cannot delegate to yourself.")}
        )
    if not PositionAssignment.objects.filter(
        dealership_id=dealership_id, staff__user=delegate, staff__is_active=True
    ).exists():
        raise ValidationError({"delegate": _("Choose a colleague working in this dealership.")})
    if start is None or end is None or end < start:
        raise ValidationError({"end": _("The last day cannot be before the first day.")})
    if end < timezone.localdate():
        raise ValidationError({"end": _("The delegation would already be over.")})
    overlapping = Delegation.objects.select_for_update().filter(
        delegator=actor, start__lte=end, end__gte=start
    )
    if overlapping.exists():
        raise ValidationError({"start": _("You already delegate during part of these days.")})
    delegation = Delegation(
        dealership_id=dealership_id,
        delegator=actor,
        delegate=delegate,
        start=start,
        end=end,
        reason=reason,
    )
    delegation.full_clean()
    delegation.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=delegation,
        before=None,
        after=snapshot(delegation, ("delegator", "delegate", "start", "end", "reason")),
    )
    return delegation


@transaction.atomic
def delegation_delete(*, actor, delegation_id: int) -> None:
    delegation = lock_for_user(actor, Delegation, delegation_id, "delete")
    if delegation.delegator_id != actor.pk:
        raise PermissionDenied(_("Only the person who delegated may end the delegation."))
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=delegation,
        before=snapshot(delegation, ("delegator", "delegate", "start", "end", "reason")),
        after=None,
    )
    delegation.delete()


# --- deadlines --------------------------------------------------------------------------------


def deadlines_check(*, dealership: Dealership, now: dt.datetime) -> str:
    """Remind the approvers of steps due within a working day, and escalate overdue steps to
    the approvers' managers (who may then decide in their place), each exactly once."""
    reminded = escalated = 0
    open_steps = ApprovalStep.objects.filter(
        dealership=dealership, status=StepStatus.OPEN, due_at__isnull=False
    ).select_related("request__dealership", "request__requester_position")
    for step in open_steps:
        waiting = list(step.approvers.filter(decision="").values_list("user_id", flat=True))
        if step.reminded_at is None and step.due_at <= add_working_days(now, 1):
            _tell(
                "approvals.reminder",
                waiting,
                gettext_lazy("Reminder: {subject} waits for your approval"),
                step.request,
                key=f"step:{step.pk}:reminder",
            )
            ApprovalStep.objects.filter(pk=step.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            reminded += 1
        if step.escalated_at is None and step.due_at < now:
            managers = _managers_of(step, waiting, now.astimezone(dealership.zoneinfo).date())
            managers -= {step.request.requester_id}
            StepApprover.objects.bulk_create(
                [
                    StepApprover(dealership=dealership, step=step, user_id=m, escalated=True)
                    for m in sorted(managers)
                ],
                ignore_conflicts=True,
            )
            _tell(
                "approvals.escalated",
                managers,
                gettext_lazy("Overdue: {subject} (you may decide in place of the approver)"),
                step.request,
                key=f"step:{step.pk}:escalated",
            )
            ApprovalStep.objects.filter(pk=step.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            escalated += 1
    return f"{reminded} reminded, {escalated} escalated"


def _managers_of(step: ApprovalStep, user_ids, on: dt.date) -> set[int]:
    """The holders of the positions the step's approvers' positions report to."""
    positions = Position.objects.filter(
        dealership_id=step.dealership_id, code__in=step.position_codes, reports_to__isnull=False
    ).values_list("reports_to_id", flat=True)
    if not positions:  # a named person or a department head: their own positions' managers
        positions = PositionAssignment.objects.filter(
            dealership_id=step.dealership_id,
            staff__user_id__in=user_ids,
            position__reports_to__isnull=False,
        ).values_list("position__reports_to_id", flat=True)
    return set(resolve.holders(set(positions), on)) - set(user_ids)


# --- attachments ------------------------------------------------------------------------------

# What a request may carry, recognised by content (never by the file name).
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
}


def _detect(upload) -> str:
    import filetype

    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else ""


@transaction.atomic
def attachment_add(*, actor, request_id: int, file, purpose: str):
    """Attach a PDF or an image to one's own draft or returned request: the type is checked by
    content, the size capped (``ATTACHMENT_MAX_MB``); stored outside the web root."""
    from django.conf import settings

    from org.approvals.models import Attachment

    request = lock_own_editable(actor, request_id)
    if purpose not in Attachment.Purpose.values:
        raise ValidationError({"purpose": _("Say what the file is.")})
    if file is None:
        raise ValidationError({"file": _("Choose a file.")})
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if file.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": settings.ATTACHMENT_MAX_MB}}
        )
    if file.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content_type = _detect(file)
    if content_type not in ALLOWED_TYPES:
        raise ValidationError({"file": _("Attach a PDF or a photo (JPEG, PNG, WebP, HEIC).")})
    name = (getattr(file, "name", "") or "file").rsplit("/", 1)[-1][:200]
    attachment = Attachment(
        dealership_id=request.dealership_id,
        request=request,
        purpose=purpose,
        name=name,
        content_type=content_type,
        size=file.size,
        uploaded_by=actor,
    )
    attachment.file.save(name, file, save=False)  # on disk (outside the web root) first
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=attachment,
                before=None,
                after={
                    "request": request.pk,
                    "purpose": purpose,
                    "name": name,
                    "type": content_type,
                },
            )
    except Exception:
        attachment.file.storage.delete(attachment.file.name)  # no file without its row
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment_id: int) -> None:
    from org.approvals.models import Attachment

    attachment = lock_for_user(actor, Attachment, attachment_id, "view")
    lock_own_editable(actor, attachment.request_id)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=attachment,
        before={"name": attachment.name, "purpose": attachment.purpose},
        after=None,
    )
    stored = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: attachment.file.storage.delete(stored))
