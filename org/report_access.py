"""Who reads which report: a report belongs to a department (its declaration's template code);
holders of ``reports.view`` read the reports of their own department (department scope) or all
of them (dealership scope; HQ at group scope), and ``reports.export_oem`` submits OEM reports
and exports the group's pack. Installed at start-up as the report framework's gate and as the
access rules of its rows."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dealership.models import GroupExport, OemSubmission, ReportRun
from dealership.policies import Policy, register_policy
from dealership.reports.access import set_report_gate
from dealership.tenancy.context import current_scope
from org.access import ModelAccess, UserAccess, register_model_access, user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope


def _department_codes(access: UserAccess) -> frozenset[str]:
    """The template codes of the user's departments (read with their grants)."""
    return access.department_codes


def _my_department_reports(path: str):
    return lambda access: Q(**{f"{path}__in": _department_codes(access)})


def report_gate(user, report, action) -> bool:
    """May ``user`` read (``view``) or submit (``export``) ``report`` in the current scope?"""
    access = user_access(user)
    scope = access.scope_for(C.REPORTS_VIEW if action == "view" else C.REPORTS_EXPORT_OEM)
    if scope is None:
        return False
    if scope >= DataScope.DEALERSHIP:
        return True
    if scope == DataScope.DEPARTMENT:
        return report.department in _department_codes(access)
    return False


class GroupExportPolicy(Policy):
    """An HQ user's group exports: read and made by the HQ users of that group who hold
    ``reports.export_oem``; nobody inside a dealership sees them."""

    def allows(self, user, action, model) -> bool:
        scope = current_scope()
        if scope is None or not scope.is_hq or not getattr(user, "is_authenticated", False):
            return False
        return user_access(user).has(C.REPORTS_EXPORT_OEM)

    def restrict(self, user, action, queryset: QuerySet) -> QuerySet:
        if not self.allows(user, action, queryset.model):
            return queryset.none()
        return queryset.filter(group_id=current_scope().group_id)


def register() -> None:
    set_report_gate(report_gate)
    register_model_access(
        ReportRun,
        ModelAccess(
            view=C.REPORTS_VIEW,
            change=C.REPORTS_VIEW,
            department=_my_department_reports("department_code"),
        ),
    )
    register_model_access(
        OemSubmission,
        ModelAccess(
            view=C.REPORTS_VIEW,
            change=C.REPORTS_EXPORT_OEM,
            department=_my_department_reports("run__department_code"),
        ),
    )
    register_policy(GroupExport, GroupExportPolicy())
