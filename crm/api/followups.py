"""REST API of crm: followups."""

from __future__ import annotations


def register(router) -> None:
    """Register the area's viewsets on the crm router."""
