"""The approval kinds of sales, registered with the engine: a lost lead (战败, kind
``sales.lost_lead``, defined with the lead services) and a discount above the consultant's limit
(``sales.discount``, defined with the quote services). Both go to the sales manager."""

from __future__ import annotations


def register() -> None:
    from org.approvals.kinds import register_request_kind
    from sales.services.leads import LOST_LEAD_KIND
    from sales.services.quotes import DISCOUNT_KIND

    register_request_kind(LOST_LEAD_KIND)
    register_request_kind(DISCOUNT_KIND)
