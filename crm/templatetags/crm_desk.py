"""``{% customer_tier customer %}``: the customer's tier and standing on the customer's page
(for who may see it)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("crm/desk/customer_tier.html", takes_context=True)
def customer_tier(context, customer):
    from crm.views.desk import customer_tier_block

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return customer_tier_block(user, customer)
