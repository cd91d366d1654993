"""Navigation entries and dashboard widgets of the org chart, shown by capability."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, Widget, register_nav, register_widget
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope


def _can(capability):
    def check(request) -> bool:
        return getattr(request, "tenant_scope", None) is not None and user_access(request.user).has(
            capability
        )

    return check


def _is_staff(request) -> bool:
    scope = getattr(request, "tenant_scope", None)
    return scope is not None and not scope.is_hq and bool(user_access(request.user).position_ids)


def _my_positions(request):
    if not _is_staff(request):
        return None
    from org.selectors import my_positions

    return {"assignments": my_positions(request.user)}


def _org_overview(request):
    access = user_access(request.user)
    if getattr(request, "tenant_scope", None) is None or access.scope_for(C.ORG_VIEW_CHART) not in (
        DataScope.DEALERSHIP,
        DataScope.GROUP,
    ):
        return None
    from org.selectors import department_headcounts

    return {"rows": department_headcounts(request.user)}


def _team(request):
    if (
        not _is_staff(request)
        or user_access(request.user).scope_for(C.ORG_VIEW_STAFF) != DataScope.DEPARTMENT
    ):
        return None
    from org.selectors import staff_directory

    team = staff_directory(request.user)
    return {"count": team.count(), "members": list(team[:8])}


COMING = {
    "gm": _(
        "Approvals waiting for you, and the daily orders, deliveries and check-ins, appear here once the approvals and reports modules are built. They are not available yet."
    ),
    "sales": _(
        "Showroom traffic, prospects, orders and deliveries appear here once the sales module is built. It is not available yet."
    ),
    "aftersales": _(
        "Service check-ins, repair orders and warranty claims appear here once the after-sales module is built. It is not available yet."
    ),
    "crm": _(
        "Today's follow-up calls (day N+3 to N+5), complaints and surveys appear here once the CRM module is built. It is not available yet."
    ),
    "admin_finance": _(
        "Payment requests, cash advances, reimbursements and budgets appear here once the finance module is built. It is not available yet."
    ),
    "hq": _(
        "Group reports and the monthly OEM submissions appear here once the reports module is built. They are not available yet."
    ),
    "staff": _("Your daily work appears here as the modules of your department are built."),
}
TITLES = {
    "gm": _("Approvals and daily figures"),
    "sales": _("Sales today"),
    "aftersales": _("After-sales today"),
    "crm": _("Follow-ups today"),
    "admin_finance": _("Finance and administration"),
    "hq": _("Group reports"),
    "staff": _("Your work"),
}


def _coming(request):
    from org.selectors import position_family

    family = position_family(request)
    if family is None:
        return None
    return {"family": family, "title": TITLES[family], "text": COMING[family]}


def register() -> None:
    register_nav(
        NavItem("org_chart", _("Org chart"), "org:chart", order=100, visible=_can(C.ORG_VIEW_CHART))
    )
    register_nav(
        NavItem(
            "staff",
            _("Staff directory"),
            "org:staff_list",
            order=110,
            visible=_can(C.ORG_VIEW_STAFF),
        )
    )
    register_nav(
        NavItem(
            "capabilities",
            _("Permission matrix"),
            "org:capabilities",
            order=120,
            visible=_can(C.ORG_VIEW_CHART),
        )
    )
    register_nav(
        NavItem(
            "audit",
            _("Audit log"),
            "platform:audit_list",
            order=130,
            visible=_can(C.ORG_VIEW_AUDIT),
        )
    )
    register_nav(
        NavItem("profile", _("My positions and duties"), "org:profile", order=10, visible=_is_staff)
    )
    register_widget(Widget("family", _("Your work"), "org/widgets/family.html", _coming, order=5))
    register_widget(
        Widget(
            "my_positions",
            _("My positions and duties"),
            "org/widgets/my_positions.html",
            _my_positions,
            order=10,
        )
    )
    register_widget(Widget("team", _("My team"), "org/widgets/team.html", _team, order=20))
    register_widget(
        Widget(
            "org_overview",
            _("Headcount by department"),
            "org/widgets/org_overview.html",
            _org_overview,
            order=30,
        )
    )
