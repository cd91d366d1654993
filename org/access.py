"""Position-based access: the policy behind ``Model.objects.for_user(user, action)``.

A user's **grants** in the current scope are the capabilities of the positions they hold (or,
for an HQ user, of their HQ position, at group scope). Each model declares which capability
each action needs and what "own" and "own department" mean for its rows
(:func:`register_model_access`). Explicit per-object grants (django-guardian) widen a user's
rows for models that declare ``grantable=True``. A model that declared nothing is closed to
everyone but system code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from dealership.access_cache import cached
from dealership.actors import is_system_actor
from dealership.models import GroupMembership
from dealership.policies import READ_ACTIONS, Policy
from dealership.tenancy.context import current_scope
from org.capabilities import Capability, DataScope
from org.models import PositionAssignment, PositionCapability
from org.template import hq_positions


@dataclass(frozen=True)
class UserAccess:
    """What a user may do in the current scope (computed once per user and scope)."""

    user_id: int | None
    grants: dict[str, DataScope] = field(default_factory=dict)
    position_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    department_codes: frozenset[str] = frozenset()  # their template codes (sales, crm…)
    position_codes: frozenset[str] = frozenset()  # the positions' template codes (gm…)
    headed_department_ids: frozenset[int] = frozenset()  # those of its manager positions
    writable: bool = False
    is_system: bool = False

    def scope_for(self, capability: Capability | str | None) -> DataScope | None:
        if capability is None:
            return None
        if self.is_system:
            return DataScope.GROUP
        return self.grants.get(str(capability))

    def has(self, capability: Capability | str) -> bool:
        return self.scope_for(capability) is not None


@dataclass(frozen=True)
class ModelAccess:
    view: Capability
    change: Capability | None = None  # add / change / delete
    own: Callable[[UserAccess], Q] | None = None
    department: Callable[[UserAccess], Q] | None = None
    grantable: bool = False

    def capability(self, action: str) -> Capability | None:
        return self.view if action in READ_ACTIONS else self.change


_access: dict[type[Model], ModelAccess] = {}


def register_model_access(model: type[Model], access: ModelAccess) -> None:
    _access[model] = access


def model_access(model: type[Model]) -> ModelAccess | None:
    return _access.get(model)


def user_access(user) -> UserAccess:
    """The user's grants in the current tenant scope; cached on the user object per scope."""
    scope = current_scope()
    if scope is None or user is None or not getattr(user, "is_authenticated", False):
        return UserAccess(user_id=None)
    if scope.is_system or is_system_actor(user):
        return UserAccess(
            user_id=getattr(user, "pk", None),
            is_system=True,
            writable=scope.is_system or bool(scope.writable_ids),
        )
    cache = user.__dict__.setdefault("_org_access", {})
    # HQ's grants are its group position's, whichever of the group's dealerships the scope
    # reads (the e-CRB board reads them one at a time): one entry per group
    key = ("hq", scope.group_id) if scope.is_hq else scope
    if key not in cache:
        cache[key] = compute_user_access(user, scope)
    return cache[key]


#: the shape of :class:`UserAccess` in the access cache: moved with its fields, so that a new
#: release never reads what the previous one kept (a field missing from it would read empty)
ACCESS_SHAPE = 2


def compute_user_access(user, scope) -> UserAccess:
    """Grants of ``user`` in ``scope``, from the access cache (no query) or the database."""
    key = f"{user.pk}:{scope.cache_key_part}:{'w' if scope.writable_ids else 'r'}"
    return cached(f"grants.{ACCESS_SHAPE}", key, lambda: _user_access(user, scope))


def _user_access(user, scope) -> UserAccess:
    """Grants of ``user`` in ``scope``: their positions' capabilities (2 queries), or their HQ
    position's capabilities at group scope (1 query)."""
    if scope.is_hq:
        code = (
            GroupMembership.objects.filter(user=user, group_id=scope.group_id, is_active=True)
            .values_list("position_code", flat=True)
            .first()
        )
        capabilities = hq_positions().get(code, {}).get("capabilities", [])
        return UserAccess(user_id=user.pk, grants=dict.fromkeys(capabilities, DataScope.GROUP))
    held = list(
        PositionAssignment.objects.filter(staff__user=user, staff__is_active=True).values_list(
            "position_id",
            "position__department_id",
            "position__department__code",
            "position__code",
            "position__is_manager",
        )
    )
    grants: dict[str, DataScope] = {}
    if held:
        rows = PositionCapability.objects.filter(position_id__in=[p for p, *_ in held]).values_list(
            "capability", "scope"
        )
        for capability, level in rows:
            grants[capability] = max(grants.get(capability, 0), DataScope(level))
    return UserAccess(
        user_id=user.pk,
        grants={k: DataScope(v) for k, v in grants.items()},
        position_ids=frozenset(p for p, *_ in held),
        department_ids=frozenset(d for _, d, *_ in held),
        department_codes=frozenset(code for _, _, code, *_ in held),
        position_codes=frozenset(code for *_, code, _ in held),
        headed_department_ids=frozenset(d for _, d, _, _, manager in held if manager),
        writable=bool(scope.writable_ids),
    )


def holds(capability: Capability | str) -> Callable[[object], bool]:
    """A check "does the user hold ``capability`` in the current scope?", for the platform's
    registries (audit gates, masked fields)."""
    return lambda user: user_access(user).has(capability)


class PositionPolicy(Policy):
    def allows(self, user, action, model):
        access_rules = model_access(model)
        if access_rules is None:
            return current_scope() is not None and current_scope().is_system
        access = user_access(user)
        if action not in READ_ACTIONS and not access.writable:
            return False
        return (
            access.has(access_rules.capability(action))
            if access_rules.capability(action)
            else False
        )

    def covers_scope(self, user, action, model) -> bool:
        rules = model_access(model)
        if rules is None or not self.allows(user, action, model):
            return False
        access = user_access(user)
        return access.is_system or access.scope_for(rules.capability(action)) in (
            DataScope.DEALERSHIP,
            DataScope.GROUP,
        )

    def restrict(self, user, action, queryset: QuerySet) -> QuerySet:
        rules = model_access(queryset.model)
        access = user_access(user)
        if access.is_system:
            return queryset
        if rules is None or (action not in READ_ACTIONS and not access.writable):
            return queryset.none()
        scope = access.scope_for(rules.capability(action))
        if scope in (DataScope.DEALERSHIP, DataScope.GROUP):
            return queryset
        # a model without a notion of "department" falls back to "own" for department scope
        lookup = {
            DataScope.DEPARTMENT: rules.department or rules.own,
            DataScope.OWN: rules.own,
        }.get(scope)
        condition = lookup(access) if lookup else None
        if rules.grantable:
            shared = Q(pk__in=_granted_ids(user, queryset, action))
            condition = condition | shared if condition is not None else shared
        return queryset.filter(condition) if condition is not None else queryset.none()


def _granted_ids(user, queryset: QuerySet, action: str):
    """Primary keys of rows explicitly shared with ``user`` (django-guardian), as a subquery."""
    from guardian.utils import get_user_obj_perms_model

    model = queryset.model
    perm_action = "view" if action in READ_ACTIONS else "change"
    codename = f"{perm_action}_{model._meta.model_name}"
    table = get_user_obj_perms_model(model)
    return table.objects.filter(user_id=user.pk, permission__codename=codename).values(
        "content_object_id"
    )


def has_active_position(user) -> bool:
    """Access gate: staff need an active position in the dealership; HQ users their HQ position."""
    scope = current_scope()
    if scope is None or scope.is_system:
        return scope is not None
    access = user_access(user)
    return bool(access.grants) if scope.is_hq else bool(access.position_ids)
