"""The notification centre's reads: a person's own notifications, the bell's count, links to
the objects they still may open, and the deliveries watched with the job runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from dealership.access_cache import cached_for_user
from dealership.audit import object_links
from dealership.models import Delivery, Notification
from dealership.tenancy.context import current_scope


def notifications_for_user(
    user,
    *,
    unread_only: bool = False,
    kind: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first."""
    rows = Notification.objects.for_user(user, "view").annotate(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    )
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    if since:
        rows = rows.filter(created_at__date__gte=since)
    if until:
        rows = rows.filter(created_at__date__lte=until)
    return rows.order_by("-unread", "-created_at", "-pk")


def unread_count(user) -> int:
    """The bell's number, on every page: kept in the cache until the person's notifications
    change (the services forget it when they tell, read or mark all read)."""
    scope = current_scope()
    return cached_for_user(
        "unread",
        getattr(user, "pk", None),
        scope.cache_key_part if scope is not None else "none",
        lambda: Notification.objects.for_user(user, "view").filter(read_at__isnull=True).count(),
    )


def links_for(user, notifications) -> dict[int, str]:
    """Notification id → the URL of its object, for the objects the user may still open (one
    query per object type on the page)."""
    rows = [n for n in notifications if n.object_type and n.object_id]
    links = object_links(user, rows)
    return {
        n.pk: links[(n.object_type, n.object_id)][1]
        for n in rows
        if (n.object_type, n.object_id) in links
    }


def deliveries_for_user(user, *, state: str = "", channel: str = "") -> QuerySet[Delivery]:
    rows = Delivery.objects.for_user(user, "view").select_related("robot", "recipient")
    if state:
        rows = rows.filter(state=state)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-created_at", "-pk")


def failing_deliveries(user) -> QuerySet[Delivery]:
    return deliveries_for_user(user).filter(
        state__in=[Delivery.State.RETRYING, Delivery.State.FAILED]
    )
