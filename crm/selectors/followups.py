"""Reads of the follow-up calls and the contact checks. Every query goes through ``for_user``
(:func:`dealership.access.restricted_queryset`), with a constant number of queries per list.

Customers who have not consented to calls (``not_called``) are on no call list: not on
today's, not on any day's (``?due_on=``), not in the counts; the list of all follow-ups shows
them only when asked for that status."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from crm.models import ContactCheck, FollowUp, FollowUpStatus
from crm.models.followups import OPEN_STATUSES
from dealership.access import restricted_queryset

S = FollowUpStatus


def followups_for_user(user, *, action: str = "view") -> QuerySet[FollowUp]:
    return restricted_queryset(
        user,
        FollowUp,
        action,
        FollowUp.objects.select_related(
            "customer", "vehicle", "event", "event__staff", "specialist"
        ),
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


def status_for_day(followup: FollowUp, day: dt.date) -> str:
    """The status ``followup`` had (or will have) on ``day``: by its window while it was open
    that day (still open, or closed later), else the status it ended with."""
    open_that_day = followup.status in OPEN_STATUSES or (
        followup.closed_on is not None and followup.closed_on > day
    )
    if followup.status == S.NOT_CALLED or not open_that_day:
        return followup.status
    if day < followup.window_start:
        return S.SCHEDULED
    if day <= followup.window_end:
        return S.DUE
    return S.OVERDUE


def todays_calls(
    user, day: dt.date, *, specialist: int | None = None, kind: str = ""
) -> QuerySet[FollowUp]:
    """The call list of ``day`` as the viewer may see it: the open rows, overdue first, then by
    the end of their window; rows closed that day (done, unreachable) at the end."""
    rows = call_list(user, day)
    if specialist:
        rows = rows.filter(specialist_id=specialist)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.annotate(
        rank=Case(
            When(status__in=OPEN_STATUSES, window_end__lt=day, then=Value(0)),
            When(status__in=OPEN_STATUSES, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "window_end", "pk")


def calls_widget(user, day: dt.date, *, shown: int = 5) -> dict:
    """The dashboard panel: the open calls of ``day``'s list the viewer may see, counted (due,
    overdue) and the first ``shown`` (two queries)."""
    from django.db.models import Count

    rows = todays_calls(user, day).filter(status__in=OPEN_STATUSES)
    counts = rows.aggregate(
        due=Count("pk", filter=Q(window_end__gte=day)),
        overdue=Count("pk", filter=Q(window_end__lt=day)),
    )
    return {"due": counts["due"], "overdue": counts["overdue"], "rows": list(rows[:shown])}


def followups_filtered(
    user,
    *,
    status: str = "",
    kind: str = "",
    specialist: int | None = None,
    event_from: dt.date | None = None,
    event_to: dt.date | None = None,
    due_on: dt.date | None = None,
) -> QuerySet[FollowUp]:
    """Every follow-up the viewer may see, newest day N first, filtered. ``due_on`` keeps the
    rows on that day's call list. Rows not called (no consent) only with ``status``
    ``not_called``."""
    rows = followups_for_user(user)
    if due_on is not None:
        rows = rows.filter(call_list_q(due_on))
    # not called (no consent) only when asked for
    rows = rows.filter(status=status) if status else rows.exclude(status=S.NOT_CALLED)
    if kind:
        rows = rows.filter(kind=kind)
    if specialist:
        rows = rows.filter(specialist_id=specialist)
    if event_from is not None:
        rows = rows.filter(event_date__gte=event_from)
    if event_to is not None:
        rows = rows.filter(event_date__lte=event_to)
    if due_on is not None:
        return rows.order_by("window_end", "pk")
    return rows.order_by("-event_date", "-pk")


def contactchecks_for_user(user, *, state: str = "", action: str = "view"):
    """The contact checks the viewer may see (a consultant: their own; a sales manager: their
    department's; the CRM team: all), open first by due day."""
    rows = restricted_queryset(
        user,
        ContactCheck,
        action,
        ContactCheck.objects.select_related(
            "customer", "consultant", "followup", "followup__vehicle", "returned_by"
        ),
    )
    if state:
        rows = rows.filter(state=state)
    return rows.annotate(
        rank=Case(When(state="open", then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("rank", "due_on", "pk")
