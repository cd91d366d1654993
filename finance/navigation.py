"""Navigation entries of finance, each shown only to who may open it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, register_nav


def _may(model_name: str, action: str = "view"):
    def check(request) -> bool:
        from django.apps import apps

        from dealership.access import can

        if getattr(request, "tenant_scope", None) is None:
            return False
        return can(request.user, apps.get_model("finance", model_name), action)

    return check


def register() -> None:
    register_nav(
        NavItem(
            "finance_requests",
            _("Finance requests"),
            "finance:payment_list",
            order=200,
            visible=_may("Payment"),
        )
    )
    register_nav(
        NavItem("budgets", _("Budgets"), "finance:budget_list", order=210, visible=_may("Budget"))
    )
