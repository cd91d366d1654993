"""The approval kinds of sales, registered with the engine: a lost lead (战败, kind
``sales.lost_lead``, defined with the lead services) and a discount above the consultant's limit
(``sales.discount``, defined with the quote services), both to the sales manager; a sales plan
(``sales.plan``: sales manager or director, deputy GM, GM) and a price list
(``sales.price_list``: sales director, deputy GM, GM)."""

from __future__ import annotations


def register() -> None:
    from org.approvals.kinds import register_request_kind
    from sales import notifications
    from sales.services.leads import LOST_LEAD_KIND
    from sales.services.pricing import PRICE_LIST_KIND
    from sales.services.quotes import DISCOUNT_KIND
    from sales.services.salesplans import SALES_PLAN_KIND

    register_request_kind(LOST_LEAD_KIND)
    register_request_kind(DISCOUNT_KIND)
    register_request_kind(SALES_PLAN_KIND)
    register_request_kind(PRICE_LIST_KIND)
    notifications.register()
    _register_discount_limits()


def _register_discount_limits() -> None:
    """Every dealership (new ones, and existing ones when the initializers run again) gets a
    discount limit per sales position (after the org chart, whose positions they name)."""
    from dealership.registry import register_dealership_initializer
    from sales.services.quotes import discount_limits_seed

    register_dealership_initializer(discount_limits_seed)
