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


def _names_me(report, access: UserAccess) -> bool:
    """Does the report name one of the user's positions as a recipient or an owner? Who is told
    about a report reads it, whatever department it belongs to (the admin manager, told of
    the customer department's thank-you-letter mail log)."""
    return not access.position_codes.isdisjoint((*report.recipients, *report.owners))


def _reports_naming_me(access: UserAccess) -> list[str]:
    from dealership.reports.registry import all_reports

    return [report.code for report in all_reports() if _names_me(report, access)]


def _my_department_reports(path: str):
    return lambda access: Q(**{f"{path}__in": _department_codes(access)})


def _my_reports(access: UserAccess) -> Q:
    """Runs of my departments' reports and of the reports that name my positions."""
    return Q(department_code__in=_department_codes(access)) | Q(
        report__in=_reports_naming_me(access)
    )


def report_gate(user, report, action) -> bool:
    """May ``user`` read (``view``) or submit (``export``) ``report`` in the current scope?"""
    access = user_access(user)
    scope = access.scope_for(C.REPORTS_VIEW if action == "view" else C.REPORTS_EXPORT_OEM)
    if scope is None:
        return False
    if scope >= DataScope.DEALERSHIP:
        return True
    if scope == DataScope.DEPARTMENT:
        if report.department in _department_codes(access):
            return True
        return action == "view" and _names_me(report, access)
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
            department=_my_reports,
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
