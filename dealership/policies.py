"""Permission policies: one object per model answering "which rows may this user see for this
action" (:meth:`Policy.restrict`) and "may this user do this action at all"
(:meth:`Policy.allows`).

The platform ships :class:`TenantPolicy` (tenant scope only; HQ scopes are read-only); ``org``
replaces it for every model with :func:`set_default_policy` (position capabilities and data
scopes). A model whose rows follow another rule than its own capability registers its policy
with :func:`register_policy`: the audit log (:class:`dealership.audit.AuditPolicy`), whose
entries follow the policies of the objects they are about.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from django.db import models

from dealership.tenancy.context import current_scope

READ_ACTIONS = frozenset({"view", "export"})


class Policy(ABC):
    @abstractmethod
    def allows(self, user, action: str, model: type[models.Model]) -> bool:
        """May ``user`` perform ``action`` on some ``model`` row? ``False`` answers 403."""

    @abstractmethod
    def restrict(self, user, action: str, queryset: models.QuerySet) -> models.QuerySet:
        """The rows of ``queryset`` that ``user`` may ``action``. Rows outside answer 404."""

    def covers_scope(self, user, action: str, model: type[models.Model]) -> bool:
        """Does :meth:`restrict` leave every row of the tenant scope (so a page may link rows it
        read without asking the database again)? ``False`` when unsure."""
        return False


class TenantPolicy(Policy):
    """Any member of a dealership may see and change its rows; HQ users may only read."""

    def allows(self, user, action, model):
        scope = current_scope()
        if scope is None or not getattr(user, "is_authenticated", False):
            return False
        if action in READ_ACTIONS:
            return True
        return bool(scope.writable_ids) or scope.is_system

    def restrict(self, user, action, queryset):
        scope = current_scope()
        if scope is None or not getattr(user, "is_authenticated", False):
            return queryset.none()
        if action in READ_ACTIONS or scope.is_system:
            return queryset
        return queryset.filter(dealership_id__in=scope.writable_ids)


_default: Policy = TenantPolicy()
_policies: dict[type[models.Model], Policy] = {}


def register_policy(model: type[models.Model], policy: Policy) -> None:
    _policies[model] = policy


def set_default_policy(policy: Policy) -> None:
    global _default
    _default = policy


def policy_for(model: type[models.Model]) -> Policy:
    return _policies.get(model, _default)
