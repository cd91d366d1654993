"""Navigation entries and dashboard widgets the platform itself contributes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, Widget, register_nav, register_widget


def _has_tenant(request) -> bool:
    return getattr(request, "tenant_scope", None) is not None


def _can_view_job_runs(request) -> bool:
    from dealership.access import can
    from dealership.models import JobRun

    return _has_tenant(request) and can(request.user, JobRun, "view")


def _uses_the_api(request) -> bool:
    """The API documentation is for people who may write through the API: shown to users who
    may add or change rows of some tenant model (the page stays reachable at /api/docs/)."""
    if not _has_tenant(request):
        return False
    from dealership.access import can
    from dealership.audit import _audited_models

    return any(
        can(request.user, model, action)
        for model in _audited_models()
        for action in ("add", "change")
    )


def _can_set_up_robots(request) -> bool:
    from dealership.access import can
    from dealership.models import WeComRobot

    return _has_tenant(request) and can(request.user, WeComRobot, "view")


def _notifications_widget(request):
    if not _has_tenant(request):
        return None
    from dealership.notifications.kinds import kind_label
    from dealership.notifications.selectors import notifications_for_user, unread_count

    latest = list(notifications_for_user(request.user, unread_only=True)[:5])
    return {
        "items": [(n, kind_label(n.kind)) for n in latest],
        "unread": unread_count(request.user) if latest else 0,
    }


def _workspace_widget(request):
    scope = getattr(request, "tenant_scope", None)
    if scope is None:
        return None
    from dealership.selectors import dealerships_in_scope

    return {
        "dealerships": list(dealerships_in_scope(scope).select_related("brand", "group")),
        "scope": scope,
    }


def _job_runs_widget(request):
    if not _can_view_job_runs(request):
        return None
    from dealership.jobs import all_jobs
    from dealership.selectors import job_runs_for_user

    return {"runs": list(job_runs_for_user(request.user)[:5]), "registered": bool(all_jobs())}


def register_platform_entries() -> None:
    register_nav(NavItem("dashboard", _("Dashboard"), "dashboard", order=0, visible=_has_tenant))
    register_nav(
        NavItem(
            "notifications",
            _("Notifications"),
            "notifications:list",
            order=1,
            visible=_has_tenant,
        )
    )
    register_nav(
        NavItem(
            "wecom_robots",
            _("WeCom robots"),
            "notifications:robot_list",
            order=910,
            visible=_can_set_up_robots,
        )
    )
    register_nav(
        NavItem(
            "job_runs",
            _("Scheduled jobs"),
            "platform:jobrun_list",
            order=900,
            visible=_can_view_job_runs,
        )
    )
    register_nav(
        NavItem("exports", _("Exports"), "platform:export_list", order=905, visible=_has_tenant)
    )
    register_nav(
        NavItem(
            "api_docs",
            _("API documentation"),
            "api-docs",
            order=950,
            section="help",
            visible=_uses_the_api,
        )
    )
    register_widget(
        Widget(
            "notifications",
            _("Unread notifications"),
            "notifications/widget.html",
            _notifications_widget,
            order=1,
        )
    )
    register_widget(
        Widget(
            "workspace",
            _("Your workspace"),
            "platform/widgets/workspace.html",
            _workspace_widget,
            order=0,
        )
    )
    register_widget(
        Widget(
            "job_runs",
            _("Recent scheduled jobs"),
            "platform/widgets/job_runs.html",
            _job_runs_widget,
            order=900,
        )
    )
