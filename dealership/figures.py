"""Key figures of the dealership, registered by the apps that own the data: yesterday's orders
(sales), 5K/10K check-ins (after-sales), follow-ups due (crm) … The e-CRB board shows them and
the daily report reuses them, so each number is computed in one place.

Apps register from their ``AppConfig.ready()``::

    register_figure(Figure("sales.orders", _("Orders"), orders_on, group="yesterday", order=10))

``compute(user, day)`` runs in the current tenant scope, reads through the access chokepoint
(``for_user``), and returns a number (``int`` or ``Decimal``; a rate as a percentage) or
``None`` when there is nothing to measure. The platform names no app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    code: str
    label: str  # a lazy translation
    compute: Callable[..., object]  # (user, day) -> number | None
    group: str = "today"
    order: int = 100
    unit: str = ""  # "%" for rates
    url_name: str = ""  # where the figure's rows are listed (optional)


_figures: dict[str, Figure] = {}


def register_figure(figure: Figure) -> None:
    existing = _figures.get(figure.code)
    if existing is not None and existing.compute is not figure.compute:
        raise ValueError(f"A figure named {figure.code!r} is already registered.")
    _figures[figure.code] = figure


def unregister_figure(code: str) -> None:
    _figures.pop(code, None)


def all_figures(group: str | None = None) -> list[Figure]:
    return sorted(
        (f for f in _figures.values() if group is None or f.group == group),
        key=lambda f: (f.group, f.order, f.code),
    )


def get_figure(code: str) -> Figure:
    try:
        return _figures[code]
    except KeyError:
        raise LookupError(f"No figure {code!r} is registered.") from None


def figure_values(user, day: dt.date, group: str | None = None) -> list[tuple[Figure, object]]:
    """Every registered figure of ``group`` for ``user`` on ``day`` (in the current scope)."""
    return [(figure, figure.compute(user, day)) for figure in all_figures(group)]
