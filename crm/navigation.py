"""Navigation entries and dashboard panels of crm, each shown only to who may open it (each
area's views module defines ``register_nav()`` and ``register_widgets()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, register_nav


def _may(model_name: str, action: str = "view"):
    def check(request) -> bool:
        from django.apps import apps

        from dealership.access import can

        if getattr(request, "tenant_scope", None) is None:
            return False
        return can(request.user, apps.get_model("crm", model_name), action)

    return check


def register() -> None:
    register_nav(
        NavItem(
            "customers", _("Customers"), "crm:customer_list", order=60, visible=_may("Customer")
        )
    )
    register_nav(
        NavItem("vehicles", _("Vehicles"), "crm:vehicle_list", order=70, visible=_may("Vehicle"))
    )
    from crm.views import board, calls, complaints, followups, outreach, surveys

    for area in (followups, calls, surveys, complaints, outreach, board):
        area.register_nav()
        area.register_widgets()
