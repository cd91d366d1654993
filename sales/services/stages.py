"""The stages of a lead: new → contacted → test drive → quote → order → delivered, or lost.
A test drive, a quote, an order and a delivery move their lead forward (never back)."""

from __future__ import annotations

from dealership.audit import save_audited, snapshot
from sales.models import STAGE_ORDER, Lead, Stage

__all__ = ["lead_advance", "stage_rank"]


def stage_rank(stage: str) -> int:
    return STAGE_ORDER.index(stage) if stage in STAGE_ORDER else -1


def lead_advance(*, actor, lead: Lead, stage: str) -> Lead:
    """Move ``lead`` (already locked by the caller) forward to ``stage`` if it is further on;
    a lead at that stage or beyond stays where it is. A lost lead is not moved (it must be
    reactivated first; the caller refuses the work on it)."""
    if lead.stage == Stage.LOST or stage_rank(stage) <= stage_rank(lead.stage):
        return lead
    before = snapshot(lead, ["stage"])
    lead.stage = stage
    return save_audited(actor=actor, obj=lead, before=before, fields=["stage"])
