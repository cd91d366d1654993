"""The permission matrix: one cell (a capability of a position, with its data scope) at a
time, never wider than the editor's own (:mod:`org.ceiling`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealership.access import get_object_for_user
from dealership.audit import audit_record
from dealership.models import AuditEntry
from org import ceiling
from org.capabilities import Capability, DataScope
from org.models import Position, PositionCapability
from org.services.base import require


@transaction.atomic
def position_capability_set(
    *, actor, position_id: int, capability: str, scope: int | None
) -> PositionCapability | None:
    """Set one cell of the permission matrix; ``scope=None`` removes the capability."""
    require(actor, PositionCapability, "change")
    if capability not in Capability.values:
        raise ValidationError(
            {"capability": _("Unknown capability %(code)s.") % {"code": capability}}
        )
    if scope is not None and scope not in (
        DataScope.OWN,
        DataScope.DEPARTMENT,
        DataScope.DEALERSHIP,
    ):
        raise ValidationError(
            {"scope": _("Choose own records, own department or whole dealership.")}
        )
    position = get_object_for_user(actor, Position, "view", pk=position_id)
    ceiling.check_grant(actor, position, capability, scope)
    row = (
        PositionCapability.objects.select_for_update()
        .filter(position=position, capability=capability)
        .first()
    )
    before = {"capability": capability, "scope": row.scope} if row else None
    if scope is None:
        if row is not None:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.REVOKE,
                obj=position,
                before=before,
                after=None,
            )
            row.delete()
        return None
    if row is None:
        row = PositionCapability(
            dealership_id=position.dealership_id, position=position, capability=capability
        )
    row.scope = scope
    row.save()
    action = AuditEntry.Action.GRANT if before is None else AuditEntry.Action.UPDATE
    audit_record(
        actor=actor,
        action=action,
        obj=position,
        before=before,
        after={"capability": capability, "scope": scope},
    )
    return row
