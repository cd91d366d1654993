"""Navigation entries and dashboard panels of crm, each shown only to who may open it (each
area's views module defines ``register_nav()`` and ``register_widgets()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.views import may_open as _may
from dealership.registry import NavItem, register_nav


def register() -> None:
    register_nav(
        NavItem(
            "customers", _("Customers"), "crm:customer_list", order=60, visible=_may("Customer")
        )
    )
    register_nav(
        NavItem("vehicles", _("Vehicles"), "crm:vehicle_list", order=70, visible=_may("Vehicle"))
    )
    from crm.views import board, calls, complaints, followups, intelligence, outreach, surveys

    for area in (followups, calls, surveys, complaints, outreach, intelligence, board):
        area.register_nav()
        area.register_widgets()
    from crm.views import datachecks, targets

    for area in (datachecks, targets):
        area.register_nav()
        area.register_widgets()
    from crm.views import marketing as marketing_views

    marketing_views.register_nav()
    marketing_views.register_widgets()
