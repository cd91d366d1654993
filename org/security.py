"""Whose login events a GM reads and whose lockout they lift (registered with the platform's
:func:`dealership.security.audience.register_security_audience`).

Holders of ``org.view_audit`` (the GM and deputy GM) see the login events of everyone who is or
was a member of the dealerships of their current scope (HQ: the group's, read-only), and unlock
the members of the dealership they work in now — never another dealership's people."""

from __future__ import annotations

from dealership.models import Membership
from dealership.tenancy.context import current_scope
from org.access import user_access
from org.capabilities import Capability as C


def login_event_audience(viewer, action: str):
    scope = current_scope()
    if scope is None or scope.is_system or not user_access(viewer).has(C.ORG_VIEW_AUDIT):
        return None
    dealership_ids = scope.dealership_ids if action == "view" else scope.writable_ids
    if not dealership_ids:
        return None  # HQ reads, and unlocks nobody
    return Membership.objects.filter(dealership_id__in=dealership_ids).values("user_id")
