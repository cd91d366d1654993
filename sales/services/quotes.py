"""Writes of quotes, their items and the discount approval (being written)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from org.approvals.kinds import RequestKind, Step

__all__: list[str] = []

DISCOUNT_KIND = RequestKind(
    code="sales.discount",
    label=_("Discount above the limit"),
    default_chain=[Step.at("sales_manager", alternate="sales_director")],
    amount_required=True,
)
