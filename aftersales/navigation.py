"""Navigation entries of after-sales, each shown only to who may open it. The pages behind them
carry tabs (service: appointments, rescues; workshop: bays; parts: purchase orders, counter
sales, stock counts; claims: technical cases; the service board: day confirmation)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, register_nav


def may(model_name: str, action: str = "view"):
    """A check ``(request) -> bool``: may the user ``action`` rows of the after-sales model?"""

    def check(request) -> bool:
        from django.apps import apps

        from dealership.access import can

        if getattr(request, "tenant_scope", None) is None:
            return False
        return can(request.user, apps.get_model("aftersales", model_name), action)

    return check


def register() -> None:
    for key, label, url_name, order, model in (
        (
            "aftersales_repairs",
            _("Repair orders"),
            "aftersales:repairorder_list",
            50,
            "RepairOrder",
        ),
        (
            "aftersales_appointments",
            _("Appointments"),
            "aftersales:appointment_list",
            51,
            "Appointment",
        ),
        ("aftersales_workshop", _("Workshop board"), "aftersales:workshop_board", 52, "Job"),
        ("aftersales_parts", _("Parts"), "aftersales:part_list", 53, "Part"),
        (
            "aftersales_claims",
            _("Warranty claims"),
            "aftersales:warrantyclaim_list",
            54,
            "WarrantyClaim",
        ),
        ("aftersales_board", _("Service board"), "aftersales:board", 55, "ServiceDayConfirmation"),
    ):
        register_nav(NavItem(key, label, url_name, order=order, visible=may(model)))
    # the service manager's breakdown of the targets; each person sees theirs on the dashboard
    register_nav(
        NavItem(
            "aftersales_targets",
            _("After-sales targets"),
            "aftersales:target_list",
            order=56,
            visible=may("ServiceTarget", "add"),
        )
    )
