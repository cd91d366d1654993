"""Who may read whose login events and lift whose lockout.

The platform knows no org chart: apps register an *audience*, ``audience(viewer, action)`` with
``action`` ``"view"`` or ``"unlock"``, returning a queryset of user ids (``values("user_id")``
or ``values("pk")``) the viewer may act on, or ``None`` for nobody. Superusers may act on
everyone (and see the failures of names that belong to no one); everybody else on the union of
what the audiences return — nobody when no app says otherwise (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from dealership.security.models import SecurityEvent

Audience = Callable[[object, str], "QuerySet | None"]

_audiences: list[Audience] = []

VIEW = "view"
UNLOCK = "unlock"


def register_security_audience(audience: Audience) -> None:
    if audience not in _audiences:
        _audiences.append(audience)


def _is_superuser(viewer) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_superuser)


def _condition(viewer, action: str, field: str) -> Q | None:
    """``field IN (the ids of every audience)``, or ``None`` when no audience grants anything."""
    condition = None
    for audience in _audiences:
        ids = audience(viewer, action)
        if ids is None:
            continue
        part = Q(**{f"{field}__in": ids})
        condition = part if condition is None else condition | part
    return condition


def may_view(viewer) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    return _is_superuser(viewer) or _condition(viewer, VIEW, "user_id") is not None


def visible_events(viewer) -> QuerySet[SecurityEvent]:
    """The login events ``viewer`` may read (one query)."""
    events = SecurityEvent.objects.select_related("user", "actor")
    if _is_superuser(viewer):
        return events
    condition = _condition(viewer, VIEW, "user_id") if viewer.is_authenticated else None
    return events.filter(condition) if condition is not None else events.none()


def unlockable_users(viewer) -> QuerySet | None:
    """The users whose lockout ``viewer`` may lift (never themselves), or ``None`` when the
    viewer may unlock nobody at all."""
    users = get_user_model().objects.all()
    if _is_superuser(viewer):
        return users
    if not getattr(viewer, "is_authenticated", False):
        return None
    condition = _condition(viewer, UNLOCK, "pk")
    if condition is None:
        return None
    return users.filter(condition).exclude(pk=viewer.pk)
