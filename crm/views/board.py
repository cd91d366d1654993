"""Pages of crm: board."""

from __future__ import annotations

urlpatterns: list = []


def register_nav() -> None:
    """Navigation entries of the area, each shown only to who may open it."""


def register_widgets() -> None:
    """Dashboard panels of the area."""
