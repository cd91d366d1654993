"""The parts stock: every change is a :class:`~aftersales.models.PartMovement` row written with
the part's row locked (``select_for_update``), the part's ``on_hand`` kept equal to the sum of
its movements and never below zero, ``reserved`` never above ``on_hand``. Two people taking the
last part at the same moment: the second waits for the first, then finds none left.

Callers (repair orders, counter sales, receipts, stock counts) check their own rights first;
these functions need the actor to *see* the part only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.models import MovementKind, Part, PartMovement
from dealership.access import get_object_for_user
from dealership.actors import is_system_actor
from dealership.audit import save_audited
from dealership.tenancy import get_scope

__all__ = ["lock_part", "part_move", "part_reserve", "part_unreserve", "quantity_of"]

OUT = {MovementKind.ISSUE, MovementKind.COUNTER_SALE}
IN = {MovementKind.RECEIPT, MovementKind.RETURN, MovementKind.COUNTER_RETURN, MovementKind.OPENING}


def quantity_of(value, field: str = "quantity", *, allow_zero: bool = False) -> Decimal:
    """A quantity from input: a number above zero (or zero) with at most two decimals."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= Decimal("1e9"):
        raise ValidationError({field: _("Enter a number with at most two decimals.")})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: _("Enter a quantity above zero.")})
    return amount


def lock_part(actor, part_id) -> Part:
    """The part, locked, if the actor may see it (404 otherwise)."""
    return get_object_for_user(
        actor, Part, "view", Part.objects.select_for_update(), pk=getattr(part_id, "pk", part_id)
    )


def _short(part: Part, wanted: Decimal, have: Decimal, field: str) -> ValidationError:
    return ValidationError(
        {
            field: _("Only %(have)s %(unit)s of %(part)s left; %(wanted)s asked for.")
            % {
                "have": have.normalize(),
                "unit": part.unit,
                "part": part,
                "wanted": wanted.normalize(),
            }
        }
    )


@transaction.atomic
def part_reserve(*, actor, part_id, quantity, field: str = "quantity") -> Part:
    """Set ``quantity`` aside for a repair order (not yet issued)."""
    part = lock_part(actor, part_id)
    quantity = quantity_of(quantity, field)
    if part.available < quantity:
        raise _short(part, quantity, part.available, field)
    part.reserved += quantity
    part.save(update_fields=["reserved"])
    return part


@transaction.atomic
def part_unreserve(*, actor, part_id, quantity) -> Part:
    part = lock_part(actor, part_id)
    part.reserved = max(part.reserved - quantity_of(quantity), Decimal("0"))
    part.save(update_fields=["reserved"])
    return part


@transaction.atomic
def part_move(
    *,
    actor,
    part_id,
    kind: str,
    quantity,
    unit_cost=None,
    from_reserved=Decimal("0"),
    note: str = "",
    field: str = "quantity",
    **links,
) -> PartMovement:
    """Move ``quantity`` (> 0) of the part in or out as ``kind`` (an adjustment takes a signed
    quantity); ``from_reserved`` of it was reserved (an issue of a reserved repair line). The
    movement names what caused it: ``repair_line``, ``purchase_line``, ``sale_line`` or
    ``count_line``."""
    part = lock_part(actor, part_id)
    if kind == MovementKind.ADJUSTMENT:
        signed = quantity if isinstance(quantity, Decimal) else Decimal(str(quantity))
        if signed == 0:
            raise ValidationError({field: _("Nothing to adjust.")})
    elif kind in OUT:
        signed = -quantity_of(quantity, field)
    elif kind in IN:
        signed = quantity_of(quantity, field)
    else:
        raise ValidationError({"kind": _("Unknown kind of movement.")})
    released = min(quantity_of(from_reserved, field, allow_zero=True), part.reserved)
    free = part.on_hand - part.reserved + released
    if signed < 0 and free + signed < 0:
        raise _short(part, -signed, free, field)
    part.on_hand += signed
    part.reserved -= released
    part.save(update_fields=["on_hand", "reserved"])
    movement = PartMovement(
        dealership_id=get_scope().current_id,
        part=part,
        kind=kind,
        quantity=signed,
        unit_cost=part.cost if unit_cost is None else unit_cost,
        note=note[:200],
        created_by=None if is_system_actor(actor) else actor,
        **links,
    )
    return save_audited(actor=actor, obj=movement, before=None)
