"""Writes of the SSI / CSI targets and their action plans (001 CSI/SSI管理员: 制定满意度目标及行动
计划执行), with ``crm.change_csi_plan`` (the CSI/SSI admin, the CRM managers):

* :func:`satisfaction_target_set` — the month's target of a kind (created, or changed when it
  exists): target score 0–10 and the would-recommend share (%);
* :func:`satisfaction_action_create` / :func:`satisfaction_action_update` — an action item
  with its owner (active staff of the dealership) and due date;
* :func:`satisfaction_action_progress` — the state and result: by the admin, or by the item's
  owner (who reads it as "own" without the capability to plan);
* :func:`satisfaction_actions_remind` — the daily job: each overdue open item reminded once
  (``reminded_at``, notification key) to its owner and the CSI/SSI admin.

Each write runs in one transaction, re-reads its row through the chokepoint and is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    ActionState,
    EventKind,
    SatisfactionAction,
    SatisfactionTarget,
)
from crm.models.targets import OPEN_ACTION_STATES
from dealership.access import can, lock_for_user
from dealership.audit import save_audited, snapshot

__all__ = [
    "satisfaction_action_create",
    "satisfaction_action_progress",
    "satisfaction_action_update",
    "satisfaction_actions_remind",
    "satisfaction_target_set",
]

TARGET_FIELDS = ("kind", "month", "target_score", "referral_target", "note")
ACTION_FIELDS = ("target", "title", "detail", "owner", "due_on", "state", "result", "done_at")
PLANNERS = ("csi_ssi_admin", "customer_relations_manager")


def _pk(value):
    return getattr(value, "pk", value)


def _score(value) -> Decimal:
    try:
        score = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"target_score": _("Give a score between 0 and 10.")}) from None
    if not Decimal(0) <= score <= Decimal(10):
        raise ValidationError({"target_score": _("Give a score between 0 and 10.")})
    return score


def _writable_dealership(actor):
    from org.access import user_access

    access = user_access(actor)
    if not access.writable:
        raise PermissionDenied(_("You do not have permission to perform this action."))
    from dealership.tenancy import get_scope

    return get_scope().current_id


@transaction.atomic
def satisfaction_target_set(
    *,
    actor,
    kind: str,
    month: dt.date,
    target_score,
    referral_target: int | None = None,
    note: str = "",
) -> SatisfactionTarget:
    """Set the target of ``kind`` (sales: SSI, service: CSI) for the month of ``month``."""
    if not can(actor, SatisfactionTarget, "change"):
        raise PermissionDenied(_("Only the CSI/SSI administrator sets satisfaction targets."))
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Choose sales (SSI) or service (CSI).")})
    if referral_target is not None and not 0 <= int(referral_target) <= 100:
        raise ValidationError({"referral_target": _("Give a share between 0 and 100 %.")})
    dealership_id = _writable_dealership(actor)
    first = month.replace(day=1)
    found = (
        SatisfactionTarget.objects.for_user(actor, "change")
        .select_for_update()
        .filter(kind=kind, month=first)
        .first()
    )
    before = snapshot(found, TARGET_FIELDS) if found else None
    target = found or SatisfactionTarget(
        dealership_id=dealership_id, kind=kind, month=first, created_by=actor
    )
    target.target_score = _score(target_score)
    target.referral_target = None if referral_target is None else int(referral_target)
    target.note = (note or "").strip()
    return save_audited(actor=actor, obj=target, before=before, fields=TARGET_FIELDS)


def _owner(owner):
    """The owner must be active staff of the current dealership."""
    from org.models import StaffMember

    owner_id = _pk(owner)
    if not owner_id or not StaffMember.objects.filter(user_id=owner_id, is_active=True).exists():
        raise ValidationError({"owner": _("Choose an active member of staff.")})
    return owner_id


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    return title


@transaction.atomic
def satisfaction_action_create(
    *, actor, target_id, title: str, owner, due_on: dt.date, detail: str = ""
) -> SatisfactionAction:
    target = lock_for_user(actor, SatisfactionTarget, _pk(target_id), "change")
    action = SatisfactionAction(
        dealership_id=target.dealership_id,
        target=target,
        title=_check_title(title),
        detail=(detail or "").strip(),
        owner_id=_owner(owner),
        due_on=due_on,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return save_audited(actor=actor, obj=action, before=None, fields=ACTION_FIELDS)


@transaction.atomic
def satisfaction_action_update(*, actor, action_id, **fields) -> SatisfactionAction:
    """Change the title, details, owner or due date (``crm.change_csi_plan``)."""
    unknown = set(fields) - {"title", "detail", "owner", "due_on"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    action = lock_for_user(actor, SatisfactionAction, _pk(action_id), "change")
    before = snapshot(action, ACTION_FIELDS)
    if "title" in fields:
        action.title = _check_title(fields["title"])
    if "detail" in fields:
        action.detail = (fields["detail"] or "").strip()
    if "owner" in fields and _pk(fields["owner"]) != action.owner_id:
        action.owner_id = _owner(fields["owner"])
        action.reminded_at = None  # the new owner is reminded when it is overdue
    if "due_on" in fields and fields["due_on"] != action.due_on:
        action.due_on = fields["due_on"]
        action.reminded_at = None
    return save_audited(actor=actor, obj=action, before=before, fields=ACTION_FIELDS)


@transaction.atomic
def satisfaction_action_progress(
    *, actor, action_id, state: str, result: str = ""
) -> SatisfactionAction:
    """Move the item to ``state`` with its ``result``: the planners (``crm.change_csi_plan``),
    or the item's owner (who may not cancel it)."""
    if state not in ActionState.values:
        raise ValidationError({"state": _("Unknown state.")})
    action = lock_for_user(actor, SatisfactionAction, _pk(action_id), "view")
    planner = can(actor, SatisfactionAction, "change") and bool(
        SatisfactionAction.objects.for_user(actor, "change").filter(pk=action.pk).exists()
    )
    if not planner:
        if action.owner_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Only the owner or the CSI/SSI administrator updates it."))
        if state == ActionState.CANCELLED:
            raise PermissionDenied(_("Only the CSI/SSI administrator cancels an action item."))
        from org.access import user_access

        if not user_access(actor).writable:
            raise PermissionDenied(_("You do not have permission to perform this action."))
    result = (result or "").strip()
    if state == ActionState.DONE and not result:
        raise ValidationError({"result": _("Say what was done.")})
    before = snapshot(action, ACTION_FIELDS)
    action.state = state
    if result:
        action.result = result
    action.done_at = timezone.now() if state == ActionState.DONE else None
    return save_audited(actor=actor, obj=action, before=before, fields=ACTION_FIELDS)


def satisfaction_actions_remind(*, dealership, day: dt.date) -> str:
    """The daily job: every open item due before ``day`` and not yet reminded is reminded
    once to its owner and the planners (key per item). Run twice or late: nobody twice."""
    from django.contrib.auth import get_user_model
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from crm.notifications import SATISFACTION_ACTION_OVERDUE
    from dealership.notifications import PositionHolders, notify

    told = 0
    with transaction.atomic():
        overdue = list(
            SatisfactionAction.objects.select_for_update()
            .filter(state__in=OPEN_ACTION_STATES, due_on__lt=day, reminded_at__isnull=True)
            .select_related("target")
        )
        now = timezone.now()
        for action in overdue:
            told += len(
                notify(
                    SATISFACTION_ACTION_OVERDUE,
                    [get_user_model()(pk=action.owner_id), PositionHolders(*PLANNERS)],
                    format_lazy(
                        gettext_lazy("Action item overdue ({target}): {title}"),
                        target=str(action.target),
                        title=action.title,
                    ),
                    obj=action,
                    body=format_lazy(
                        gettext_lazy("It was due on {day}. Record its progress or result."),
                        day=f"{action.due_on:%Y-%m-%d}",
                    ),
                    key=f"{SATISFACTION_ACTION_OVERDUE}:{action.pk}:{action.due_on:%Y-%m-%d}",
                    dealership=dealership,
                )
            )
            action.reminded_at = now
        SatisfactionAction.objects.bulk_update(overdue, ["reminded_at"])
    return f"{len(overdue)} overdue reminded, {told} told"
