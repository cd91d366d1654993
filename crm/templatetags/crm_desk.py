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


@register.inclusion_tag("crm/desk/_propose_link.html", takes_context=True)
def propose_link(context, followup):
    """On the follow-up call's screen: "route the customer's suggestion as an improvement
    proposal", for who may route one."""
    from django.urls import reverse

    from crm.models import ImprovementProposal
    from dealership.access import can
    from org.access import user_access

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user_access(user).writable or not can(user, ImprovementProposal, "add"):
        return {}
    return {"url": reverse("crm:proposal_create") + f"?followup={followup.pk}"}
