"""Amounts of money in sales' writes (quotes, orders, trade-ins, price lists, sales plans)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ZERO = Decimal("0")
CENT = Decimal("0.01")


def money(value, field: str, *, required: bool = False, default=ZERO) -> Decimal | None:
    """``value`` (a number, or text) as an amount in yuan of at most two decimals, not negative;
    a ``ValidationError`` on ``field`` otherwise. Empty: ``default``, or an error if ``required``."""
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Enter an amount in yuan.")})
        return default
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter the amount as a number.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter the amount as a number.")})
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount.as_tuple().exponent < -2 or amount >= Decimal("1e10"):
        raise ValidationError({field: _("Enter an amount in yuan with at most two decimals.")})
    return amount.quantize(CENT)
