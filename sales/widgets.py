"""Dashboard panels of sales, each shown only to who may open what it links to. Each area's
views module defines ``register_widgets()``."""

from __future__ import annotations


def register() -> None:
    from sales.views import leads, orders, plans, salesplans, stock

    for area in (leads, orders, stock, plans, salesplans):
        area.register_widgets()
