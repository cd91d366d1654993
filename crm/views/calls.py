"""Pages of crm: the call screen of a follow-up."""

from __future__ import annotations

urlpatterns: list = []


def register_nav() -> None:
    """Navigation entries of the area, each shown only to who may open it."""


def register_widgets() -> None:
    """Dashboard panels of the area."""
