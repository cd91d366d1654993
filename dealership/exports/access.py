"""Who reads the record of exports: each person their own, and the readers of the export log
(a check the org module registers: who may read the audit log) every export of the workspace.
Only exports taken in the current workspace (this dealership, or this HQ's group) are seen; a
file taken in a dealership one no longer works in is not downloadable from elsewhere. Nobody
writes a record through a generic route: exporting a list writes it."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet

from dealership.policies import READ_ACTIONS, Policy
from dealership.tenancy.context import current_scope

_log_readers: list[Callable] = []


def register_export_log_reader(check: Callable) -> None:
    """``check(user) -> bool``: may ``user`` read every export of the workspace?"""
    _log_readers.append(check)


def reads_export_log(user) -> bool:
    return any(check(user) for check in _log_readers)


def workspace_filter(scope) -> Q:
    if scope.is_system:
        return Q()
    if scope.is_hq:
        return Q(group_id=scope.group_id)
    return Q(dealership_id__in=scope.dealership_ids)


class ListExportPolicy(Policy):
    def allows(self, user, action, model) -> bool:
        authenticated = getattr(user, "is_authenticated", False)
        return bool(authenticated and current_scope() is not None and action in READ_ACTIONS)

    def restrict(self, user, action, queryset: QuerySet) -> QuerySet:
        if not self.allows(user, action, queryset.model):
            return queryset.none()
        rows = queryset.filter(workspace_filter(current_scope()))
        if reads_export_log(user):
            return rows
        return rows.filter(requested_by_id=user.pk)
