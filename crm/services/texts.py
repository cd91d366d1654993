"""Messages to customers with placeholders (``{name}``, ``{plate}``, ``{model}``,
``{dealership}``; reminders also ``{due}``): checked when written (an unknown placeholder is a
clear error, never a crash when sending) and rendered per customer."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PLACEHOLDERS = ("name", "plate", "model", "dealership")


def check_placeholders(text: str, allowed=PLACEHOLDERS, field: str = "text") -> None:
    """``ValidationError`` on ``field`` for a placeholder other than ``allowed`` (or a lone
    brace); ``{{`` and ``}}`` write a brace."""
    try:
        parts = list(string.Formatter().parse(text or ""))
    except ValueError:
        raise ValidationError(
            {field: _("A brace { or } has no pair; write {{ or }} for a brace itself.")}
        ) from None
    unknown = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            unknown.append("{" + name + (f"!{conversion}" if conversion else "") + "}")
    if unknown:
        raise ValidationError(
            {
                field: _("Unknown placeholder %(found)s; use %(allowed)s.")
                % {
                    "found": ", ".join(dict.fromkeys(unknown)),
                    "allowed": ", ".join("{" + name + "}" for name in allowed),
                }
            }
        )


def render(text: str, values: dict) -> str:
    """``text`` with its (checked) placeholders filled in; missing values are empty."""
    filled = dict.fromkeys(PLACEHOLDERS, "")
    filled.update({key: "" if value is None else value for key, value in values.items()})
    return (text or "").format_map(filled)
