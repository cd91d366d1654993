"""Who decides a step, resolved when the step opens: the holders of its position that day, the
head of the requester's department, or a named person; then the two rules that change that.

* **Nobody approves their own request.** When the requester is among a step's approvers they
  are left out; if nobody is left, the step passes to the next level up: the holders of the
  position that the step's position reports to (and further up while only the requester holds
  it). When nobody is above (the GM's own request at the GM's step), the step is skipped and
  says why.
* **Delegation.** An approver with a delegation covering the day is replaced by the delegate,
  recorded "delegate on behalf of approver" (never when the delegate is the requester).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from org.approvals.models import ApproverType, Delegation
from org.models import Position, PositionAssignment


@dataclass
class Resolved:
    approvers: list[tuple[int, int | None]]  # (user id, on behalf of user id)
    position_codes: list[str]
    note: str = ""


def holders(position_ids, on: dt.date) -> list[int]:
    """The users holding any of the positions on day ``on`` (employed that day)."""
    rows = PositionAssignment.objects.filter(
        Q(position_id__in=list(position_ids), since__lte=on, staff__is_active=True)
        & Q(staff__start_date__lte=on)
        & (Q(staff__end_date__isnull=True) | Q(staff__end_date__gte=on))
    ).values_list("staff__user_id", flat=True)
    return sorted(set(rows))


def department_head(position: Position | None) -> Position | None:
    """The head of ``position``'s department along its reporting line: the highest manager
    position reached without leaving the department (the position itself when it is the top)."""
    if position is None:
        return None
    head = position if position.is_manager else None
    current, seen = position, {position.pk}
    while current.reports_to_id and current.reports_to_id not in seen:
        parent = Position.objects.select_related("reports_to").get(pk=current.reports_to_id)
        if parent.department_id != position.department_id:
            break
        seen.add(parent.pk)
        current = parent
        if current.is_manager:
            head = current
    return head or current


def _delegated(
    user_ids: list[int], *, requester_id: int, on: dt.date
) -> list[tuple[int, int | None]]:
    delegations = {
        d.delegator_id: d.delegate_id
        for d in Delegation.objects.filter(delegator_id__in=user_ids, start__lte=on, end__gte=on)
    }
    result, seen = [], set()
    for user_id in user_ids:
        delegate = delegations.get(user_id)
        pair = (delegate, user_id) if delegate and delegate != requester_id else (user_id, None)
        if pair[0] not in seen:
            seen.add(pair[0])
            result.append(pair)
    return result


def resolve(step: dict, *, request, on: dt.date) -> Resolved:
    """The approvers of a snapshot ``step`` of ``request`` on day ``on``."""
    requester_id = request.requester_id
    position = None
    if step["approver_type"] == ApproverType.PERSON:
        users = [step["person_id"]] if step.get("person_id") else []
        users = [u for u in users if u in holders_of_any(u, on)]
    else:
        if step["approver_type"] == ApproverType.DEPARTMENT_HEAD:
            position = department_head(request.requester_position)
        elif step.get("position_id"):
            position = Position.objects.filter(pk=step["position_id"]).first()
        alternate = step.get("alternate_id")
        ids = [p for p in (position.pk if position else None, alternate) if p]
        users = holders(ids, on)
    note = ""
    codes = [c for c in ((position.code if position else ""), step.get("alternate_code", "")) if c]
    others = [u for u in users if u != requester_id]
    if not others:
        # the requester's own step (or a vacant position): it passes to the next level up
        while position is not None and not others:
            position = (
                Position.objects.filter(pk=position.reports_to_id).first()
                if position.reports_to_id
                else None
            )
            if position is not None:
                others = [u for u in holders([position.pk], on) if u != requester_id]
        if others:
            codes = [position.code]
            note = "passed_up"
        else:
            note = "self_top"
    return Resolved(
        approvers=_delegated(others, requester_id=requester_id, on=on),
        position_codes=codes,
        note=note,
    )


def holders_of_any(user_id: int, on: dt.date) -> set[int]:
    """``{user_id}`` when the person holds any position that day (still works here)."""
    working = PositionAssignment.objects.filter(
        Q(staff__user_id=user_id, since__lte=on, staff__is_active=True)
        & (Q(staff__end_date__isnull=True) | Q(staff__end_date__gte=on))
    ).exists()
    return {user_id} if working else set()
