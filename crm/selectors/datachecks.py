"""Reads of the day-N+1 data checks, through the access chokepoint (a specialist: the checks of
their follow-ups; the CRM managers: the dealership's)."""

from __future__ import annotations

import datetime as dt

from crm.models import DataCheck, DataCheckState


def datachecks_for_user(
    user, *, day: dt.date | None = None, state: str = "", kind: str = "", specialist=None
):
    """The checks ``user`` may see; ``day``: listed that morning (default: every open one and
    the ones listed today), ``state``, ``kind``, ``specialist`` filter."""
    rows = DataCheck.objects.for_user(user, "view").select_related(
        "customer", "followup", "followup__specialist", "followup__vehicle", "checked_by"
    )
    if day is not None:
        rows = rows.filter(listed_on=day)
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if specialist is not None:
        rows = rows.filter(followup__specialist=specialist)
    return rows.order_by("-listed_on", "kind", "pk")


def open_count(user) -> int:
    return DataCheck.objects.for_user(user, "view").filter(state=DataCheckState.OPEN).count()
