"""Writes of positions: reporting lines without cycles, and no deletion of a position still
held, reported to or used elsewhere (apps register why with
:func:`register_position_usage_check`)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org import ceiling
from org.models import Department, Position, PositionAssignment
from org.services.base import lock, require

PositionUsageCheck = Callable[[Position], "str | None"]
_usage_checks: list[PositionUsageCheck] = []


def register_position_usage_check(check: PositionUsageCheck) -> None:
    """Apps that refer to positions (approval chains) say why one cannot be deleted."""
    if check not in _usage_checks:
        _usage_checks.append(check)


def unregister_position_usage_check(check: PositionUsageCheck) -> None:
    if check in _usage_checks:
        _usage_checks.remove(check)


def _check_reporting_line(position: Position) -> None:
    if position.reports_to_id is None:
        return
    if position.reports_to.dealership_id != position.dealership_id:
        raise ValidationError(
            {"reports_to": _("A position can only report to a position of the same dealership.")}
        )
    seen = {position.pk}
    chain = [position.name]
    current = position.reports_to
    while current is not None:
        chain.append(current.name)
        if current.pk in seen:
            raise ValidationError(
                {
                    "reports_to": _("This would make a reporting cycle: %(chain)s.")
                    % {"chain": " → ".join(chain)}
                }
            )
        seen.add(current.pk)
        current = (
            Position.objects.filter(pk=current.reports_to_id).first()
            if current.reports_to_id
            else None
        )


_POSITION_FIELDS = Position.EDITABLE_FIELDS


@transaction.atomic
def position_create(
    *,
    actor,
    department: Department,
    code: str,
    name_zh: str,
    name_en: str = "",
    responsibilities: list | None = None,
    reports_to: Position | None = None,
    is_manager: bool = False,
    order: int = 100,
) -> Position:
    require(actor, Position, "add")
    position = Position(
        department=department,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        responsibilities=responsibilities or [],
        reports_to=reports_to,
        is_manager=is_manager,
        order=order,
    )
    position.dealership_id = get_scope().current_id
    return save_audited(
        actor=actor,
        obj=position,
        before=None,
        fields=_POSITION_FIELDS,
        validate=_check_reporting_line,
    )


@transaction.atomic
def position_update(*, actor, position_id: int, **changes) -> Position:
    position = lock(actor, Position, position_id)
    before = snapshot(position, _POSITION_FIELDS)
    department = changes.get("department")
    if department is not None and department.pk != position.department_id:
        # the department decides what "own department" grants reach: a move changes rights
        ceiling.check_position_in_reach(actor, position, department_id=department.pk)
    for field, value in changes.items():
        setattr(position, field, value)
    return save_audited(
        actor=actor,
        obj=position,
        before=before,
        fields=_POSITION_FIELDS,
        validate=_check_reporting_line,
    )


@transaction.atomic
def position_delete(*, actor, position_id: int) -> None:
    position = lock(actor, Position, position_id, action="delete")
    reasons = []
    holders = PositionAssignment.objects.filter(position=position, staff__is_active=True).count()
    if holders:
        reasons.append(_("%(count)d person(s) hold this position") % {"count": holders})
    reports = Position.objects.filter(reports_to=position).count()
    if reports:
        reasons.append(_("%(count)d position(s) report to it") % {"count": reports})
    reasons.extend(reason for check in _usage_checks if (reason := check(position)))
    if reasons:
        raise ValidationError(
            _("The position %(name)s cannot be deleted: %(reasons)s.")
            % {"name": position.name, "reasons": _("; ").join(str(r) for r in reasons)}
        )
    before = snapshot(position, _POSITION_FIELDS)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=position, before=before, after=None
    )
    PositionAssignment.objects.filter(
        position=position
    ).delete()  # ended staff keep the audit trail
    position.delete()
