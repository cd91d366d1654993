"""``{% customer_complaints customer %}``: the complaints of a customer that the viewer may
see, on the customer's page, with a link to register one (for who may)."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("crm/complaints/_customer_complaints.html", takes_context=True)
def customer_complaints(context, customer):
    from crm.models import Complaint
    from crm.selectors.complaints import customer_complaints as rows
    from dealership.access import can
    from org.access import user_access

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, Complaint, "view"):
        return {"shown": False}
    add_url = None
    if user_access(user).writable and can(user, Complaint, "add"):
        add_url = reverse("crm:complaint_create") + f"?customer={customer.pk}"
    return {"shown": True, "complaints": rows(user, customer), "add_url": add_url}
