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


def _may_change_letterhead(request) -> bool:
    if getattr(request, "tenant_scope", None) is None:
        return False
    from org.services.letterhead import may_change_letterhead

    return may_change_letterhead(request.user)


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


TEAM_SHOWN = 8


def _team(request):
    if (
        not _is_staff(request)
        or user_access(request.user).scope_for(C.ORG_VIEW_STAFF) != DataScope.DEPARTMENT
    ):
        return None
    from org.selectors import staff_directory

    members = list(staff_directory(request.user)[: TEAM_SHOWN + 1])
    count = len(members)
    if count > TEAM_SHOWN:
        count = staff_directory(request.user).count()
    return {"count": count, "members": members[:TEAM_SHOWN], "more": count > TEAM_SHOWN}


# "Your work": what the position can do in the modules that exist today. Positions whose work
# lives in modules not built yet get no panel (nothing is announced). A position's own text
# comes first, then its family's.
WORK_BY_POSITION = {
    "hr_manager": (
        _("People and positions"),
        _(
            "Hire people, give them their positions and end employments in the staff directory; the org chart shows who holds which position."
        ),
    ),
}
WORK_BY_FAMILY = {
    "gm": (
        _("Your dealership's organisation"),
        _(
            "Keep departments, positions and the permission matrix up to date in the org chart; every change is recorded in the audit log."
        ),
    ),
}
WORK_LINKS = (
    ("org:staff_list", _("Staff directory"), C.ORG_VIEW_STAFF),
    ("org:chart", _("Org chart"), C.ORG_VIEW_CHART),
    ("org:capabilities", _("Permission matrix"), C.ORG_VIEW_CHART),
    ("platform:audit_list", _("Audit log"), C.ORG_VIEW_AUDIT),
)


def _work(request):
    from org.selectors import position_family, primary_position_code

    family = position_family(request)
    if family is None:
        return None
    work = WORK_BY_POSITION.get(primary_position_code(request)) or WORK_BY_FAMILY.get(family)
    if work is None:
        return None
    access = user_access(request.user)
    links = [(url, label) for url, label, capability in WORK_LINKS if access.has(capability)]
    return {"family": family, "title": work[0], "text": work[1], "links": links}


def _approvals(request):
    if not _can(C.FINANCE_SUBMIT_REQUEST)(request):
        return None
    from org.approvals.selectors import inbox

    waiting = inbox(request.user)
    rows = list(waiting[:5])
    return {"waiting": rows, "count": waiting.count() if rows else 0}


def _overdue(request):
    """The GM office sees every overdue step of the dealership."""
    if not _is_staff(request) or not user_access(request.user).has(C.ORG_CHANGE_CHAINS):
        return None
    from org.approvals.selectors import overdue_steps

    steps = list(overdue_steps(request.user)[:10])
    return {"steps": steps} if steps else None


def register() -> None:
    register_nav(
        NavItem(
            "approvals",
            _("My approvals"),
            "org:approval_inbox",
            order=5,
            visible=_can(C.FINANCE_SUBMIT_REQUEST),
        )
    )
    register_nav(
        NavItem(
            "approval_chains",
            _("Approval chains"),
            "org:approval_chains",
            order=140,
            visible=_can(C.ORG_CHANGE_CHAINS),
        )
    )
    register_widget(
        Widget("approvals", _("My approvals"), "org/widgets/approvals.html", _approvals, order=2)
    )
    register_widget(
        Widget(
            "overdue_approvals",
            _("Overdue approvals"),
            "org/widgets/overdue.html",
            _overdue,
            order=3,
        )
    )
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
        NavItem(
            "letterhead",
            _("Letterhead"),
            "org:letterhead",
            order=145,
            visible=_may_change_letterhead,
        )
    )
    register_nav(
        NavItem("profile", _("My positions and duties"), "org:profile", order=10, visible=_is_staff)
    )
    register_widget(Widget("family", _("Your work"), "org/widgets/family.html", _work, order=5))
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
