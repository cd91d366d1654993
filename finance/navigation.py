"""Navigation entries of finance, each shown only to who may open it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, Widget, register_nav, register_widget


def _may(model_name: str, action: str = "view"):
    def check(request) -> bool:
        from django.apps import apps

        from dealership.access import can

        if getattr(request, "tenant_scope", None) is None:
            return False
        return can(request.user, apps.get_model("finance", model_name), action)

    return check


def _claims_waiting(request) -> dict | None:
    """Finance's panel: the advertising claims it still acts on with the OEM."""
    from django.urls import reverse

    from finance import selectors, services

    if getattr(request, "tenant_scope", None) is None or not services.may_record_oem(request.user):
        return None
    data = selectors.ad_claims_waiting(request.user)
    if not (data.to_submit or data.at_oem or data.to_be_paid):
        return None
    return {"claims": data, "list_url": reverse("finance:adclaim_list")}


def register() -> None:
    register_widget(
        Widget(
            "finance_ad_claims",
            _("Advertising claims with the OEM"),
            "finance/ad_claims_widget.html",
            _claims_waiting,
            order=60,
        )
    )
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
