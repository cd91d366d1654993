"""Reads of the follow-up calls. Every query goes through ``for_user``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from crm.models import FollowUp, FollowUpStatus
from dealership.access import restricted_queryset


def followups_for_user(user, *, action: str = "view") -> QuerySet[FollowUp]:
    return restricted_queryset(
        user,
        FollowUp,
        action,
        FollowUp.objects.select_related("customer", "vehicle", "event", "specialist"),
    )


def call_list_q(day: dt.date) -> Q:
    """The rows on the call list of ``day`` — past, today or future: the window has opened by
    then, the customer is called, and the row had not left the list before that day."""
    return (
        Q(window_start__lte=day)
        & ~Q(status=FollowUpStatus.NOT_CALLED)
        & (Q(closed_on__isnull=True) | Q(closed_on__gte=day))
    )


def call_list(user, day: dt.date) -> QuerySet[FollowUp]:
    """What ``user`` may see of the call list of ``day``, oldest window first."""
    return followups_for_user(user).filter(call_list_q(day)).order_by("window_end", "pk")
