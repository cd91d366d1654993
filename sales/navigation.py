"""Navigation entries of sales, each shown only to who may open it. Five entries; the pages
behind them carry tabs (leads: test drives, quotes, key accounts; orders: deliveries; stock:
allocation requests; board: meeting sheet, targets, day confirmation, discount limits)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, register_nav


def may(model_name: str, action: str = "view"):
    """A check ``(request) -> bool``: may the user ``action`` rows of the sales model?"""

    def check(request) -> bool:
        from django.apps import apps

        from dealership.access import can

        if getattr(request, "tenant_scope", None) is None:
            return False
        return can(request.user, apps.get_model("sales", model_name), action)

    return check


def register() -> None:
    for key, label, url_name, order, model in (
        ("sales_traffic", _("Showroom traffic"), "sales:visit_list", 40, "Visit"),
        ("sales_leads", _("Leads"), "sales:lead_list", 42, "Lead"),
        ("sales_orders", _("Orders and deliveries"), "sales:order_list", 44, "Order"),
        ("sales_stock", _("Vehicle stock"), "sales:stock_list", 46, "StockVehicle"),
        ("sales_board", _("Sales board"), "sales:board", 48, "SalesTarget"),
    ):
        register_nav(NavItem(key, label, url_name, order=order, visible=may(model)))
