"""Dashboard panels of after-sales, each shown only to who may open what it links to. Each
area's views module defines ``register_widgets()``."""

from __future__ import annotations


def register() -> None:
    from aftersales.views import claims, parts, repairs, targets, workshop

    for area in (repairs, workshop, parts, claims, targets):
        area.register_widgets()
