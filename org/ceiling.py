"""The assignment ceiling: nobody grants more than they hold, nor changes their own rights.

* A capability at a data scope is **within** an actor's own when the actor holds the same
  capability at a scope at least as wide — and, when the actor's scope is their own department,
  only for positions of a department they work in.
* A position is **within reach** when every capability it grants is within the actor's own.
  Only such positions may be assigned to or taken from a person (so only the GM assigns the GM
  or the deputy GM positions). Moving a position to another department or changing its cells
  of the permission matrix also needs the actor not to hold it, and a cell may be set only to
  a scope within the actor's own.
* Nobody changes their own positions, ends their own employment, or changes a position they
  hold.

The same rules guard every write path (pages and API), because the services enforce them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from org.access import UserAccess, user_access
from org.capabilities import Capability, DataScope
from org.models import Position, PositionCapability


def covers(access: UserAccess, capability: str, scope: int, department_id: int | None) -> bool:
    """Does ``access`` hold ``capability`` at ``scope`` (or wider) for a position of
    ``department_id``?"""
    held = access.scope_for(capability)
    if held is None:
        return False
    if access.is_system or held >= DataScope.DEALERSHIP:
        return True
    if scope > held:
        return False
    if held == DataScope.DEPARTMENT:
        return department_id in access.department_ids
    return True  # own records, granted as own records


def position_grants(positions: Iterable[Position]) -> dict[int, dict[str, int]]:
    """position id → {capability: scope}, in one query."""
    grants: dict[int, dict[str, int]] = defaultdict(dict)
    ids = [p.pk for p in positions]
    for position_id, capability, scope in PositionCapability.objects.filter(
        position_id__in=ids
    ).values_list("position_id", "capability", "scope"):
        grants[position_id][capability] = scope
    return grants


def beyond_reach(
    access: UserAccess,
    position: Position,
    grants: dict[str, int],
    department_id: int | None = None,
) -> list[str]:
    """The capabilities of ``position`` that are not within ``access`` (empty: within reach).

    ``department_id`` checks the position as if it were in that department (a move)."""
    department_id = department_id if department_id is not None else position.department_id
    return sorted(
        capability
        for capability, scope in grants.items()
        if not covers(access, capability, scope, department_id)
    )


def assignable_position_ids(user, positions: Iterable[Position]) -> set[int]:
    """The ids of ``positions`` the user may assign to or take from someone else."""
    positions = list(positions)
    access = user_access(user)
    grants = position_grants(positions)
    return {p.pk for p in positions if not beyond_reach(access, p, grants.get(p.pk, {}))}


def _labels(capabilities: list[str]) -> str:
    names = dict(Capability.choices)
    return _(", ").join(str(names.get(code, code)) for code in capabilities)


def check_assignable(actor, positions: Iterable[Position]) -> None:
    """403 unless the actor may assign (or take away) every one of ``positions``."""
    positions = list(positions)
    access = user_access(actor)
    grants = position_grants(positions)
    for position in positions:
        missing = beyond_reach(access, position, grants.get(position.pk, {}))
        if missing:
            raise PermissionDenied(
                _(
                    "You may not assign the position %(position)s: it grants what you do not "
                    "hold yourself (%(capabilities)s)."
                )
                % {"position": position.name, "capabilities": _labels(missing)}
            )


def check_position_in_reach(actor, position: Position, department_id: int | None = None) -> None:
    """403 unless the actor may change what ``position`` grants (its matrix row, its
    department): they must not hold it, and all it grants must be within their own."""
    access = user_access(actor)
    if access.is_system:
        return
    if position.pk in access.position_ids:
        raise PermissionDenied(
            _("You cannot change the rights of %(position)s: you hold it yourself.")
            % {"position": position.name}
        )
    grants = position_grants([position]).get(position.pk, {})
    for department in {position.department_id, department_id} - {None}:
        missing = beyond_reach(access, position, grants, department)
        if missing:
            raise PermissionDenied(
                _(
                    "You cannot change the rights of %(position)s: it grants what you do not "
                    "hold yourself (%(capabilities)s)."
                )
                % {"position": position.name, "capabilities": _labels(missing)}
            )


def check_grant(actor, position: Position, capability: str, scope: int | None) -> None:
    """403 unless the actor may set this cell of the matrix to ``scope`` (None: remove it)."""
    check_position_in_reach(actor, position)
    if scope is not None and not covers(
        user_access(actor), capability, scope, position.department_id
    ):
        raise PermissionDenied(
            _("You cannot grant %(capability)s at a scope wider than your own.")
            % {"capability": _labels([capability])}
        )


def check_not_self(actor, staff, message: str) -> None:
    if getattr(actor, "pk", None) is not None and staff.user_id == actor.pk:
        raise PermissionDenied(message)
