"""Writes of showroom traffic, leads, test drives and key accounts (being written)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from org.approvals.kinds import RequestKind, Step

__all__: list[str] = []

LOST_LEAD_KIND = RequestKind(
    code="sales.lost_lead",
    label=_("Lost lead"),
    default_chain=[Step.at("sales_manager", alternate="sales_director")],
    amount_required=False,
)
