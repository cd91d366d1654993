"""The audit log: every module's services record their writes here, and a viewer reads only
what they may see.

Writing (in a service's transaction)::

    before = snapshot(obj)
    ...change obj...
    save_audited(actor=actor, obj=obj, before=before)       # full_clean, save, audit
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=obj, before=before, after=None)

Reading (:class:`AuditPolicy`, the policy of :class:`~dealership.models.AuditEntry`): an entry
is visible when its viewer may view the object it is about — the object's own policy,
``Model.objects.for_user(user, "view")``, in one query for every model — unless an app gated
the entries about its models (:func:`register_audit_gate`: the org chart's history is for
holders of ``org.view_audit``). Entries about an object that no longer exists (deleted) stay
visible only through a gate. Values of fields an app masks (:func:`register_masked_fields`:
phones, ID numbers) are masked in the audit for viewers who would see them masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.apps import apps
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.forms.models import model_to_dict

from dealership.models import AuditEntry, TenantModel
from dealership.policies import READ_ACTIONS, Policy, policy_for
from dealership.tenancy.context import current_scope

UserCheck = Callable[[object], bool]

# --- writing ------------------------------------------------------------------------------------


def snapshot(obj, fields: Iterable[str] | None = None) -> dict:
    """The values of ``obj`` (or of ``fields``) as JSON: the audit's "before" and "after"."""
    data = model_to_dict(obj, fields=fields)
    return {
        key: (value.isoformat() if isinstance(value, dt.date) else value)
        for key, value in data.items()
    }


def audit_record(*, actor, action: str, obj, before: dict | None, after: dict | None) -> AuditEntry:
    """Record one change of ``obj`` (a tenant row) by ``actor``."""
    return AuditEntry.objects.create(
        dealership_id=obj.dealership_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


def save_audited(*, actor, obj, before: dict | None, fields=None, validate: Callable | None = None):
    """Validate, save and audit a create (``before is None``) or an update."""
    obj.full_clean()
    if validate is not None:
        validate(obj)
    obj.save()
    action = AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE
    audit_record(actor=actor, action=action, obj=obj, before=before, after=snapshot(obj, fields))
    return obj


# --- who sees which entries -----------------------------------------------------------------------

_gates: dict[str, UserCheck] = {}


def register_audit_gate(models: Iterable[type[Model]], check: UserCheck) -> None:
    """Entries about ``models`` are shown to the users for whom ``check(user)`` is true, and to
    no one else, whatever they may see of the objects (the org chart's history is read by
    holders of ``org.view_audit``, not by everyone who sees a position)."""
    for model in models:
        _gates[model._meta.label] = check


def _audited_models() -> list[type[Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and model is not AuditEntry
    ]


def visible_entries(user, queryset: QuerySet) -> QuerySet:
    """The entries of ``queryset`` that ``user`` may read: one condition per object type,
    ``object_id IN (the pks the user may view)`` as a subquery, so one query in all."""
    condition = None
    for model in _audited_models():
        label = model._meta.label
        gate = _gates.get(label)
        if gate is not None:
            part = Q(object_type=label) if gate(user) else None
        elif policy_for(model).allows(user, "view", model):
            visible = (
                model.objects.for_user(user, "view")
                .order_by()
                .annotate(audit_object_id=Cast("pk", output_field=CharField()))
                .values("audit_object_id")
            )
            part = Q(object_type=label, object_id__in=visible)
        else:
            part = None
        if part is not None:
            condition = part if condition is None else condition | part
    return queryset.filter(condition) if condition is not None else queryset.none()


class AuditPolicy(Policy):
    """Any member may open the audit log; it lists the entries they may read
    (:func:`visible_entries`). Entries are written by services only, never through a view."""

    def allows(self, user, action, model):
        scope = current_scope()
        if scope is None or not getattr(user, "is_authenticated", False):
            return False
        return action in READ_ACTIONS or scope.is_system

    def restrict(self, user, action, queryset):
        scope = current_scope()
        if scope is not None and scope.is_system:
            return queryset
        if scope is None or action not in READ_ACTIONS:
            return queryset.none()
        return visible_entries(user, queryset)


# --- masked values ------------------------------------------------------------------------------

_masked: dict[str, dict[str, UserCheck]] = {}


def register_masked_fields(model: type[Model], fields: dict[str, UserCheck]) -> None:
    """Fields of ``model`` shown masked (138****0000) to users for whom the field's check is
    false — wherever the module masks them, and in the audit's before/after values."""
    _masked.setdefault(model._meta.label, {}).update(fields)


def unregister_masked_fields(model: type[Model], *fields: str) -> None:
    masked = _masked.get(model._meta.label, {})
    for name in fields:
        masked.pop(name, None)


def mask(value) -> str:
    """``13800001234`` → ``138****1234``; a short value is hidden altogether."""
    if value is None or value == "":
        return value
    text = str(value)
    return f"{text[:3]}****{text[-4:]}" if len(text) >= 8 else "****"


def masked_values(user, entry: AuditEntry, values: dict | None) -> dict | None:
    """``values`` (an entry's before or after) with the fields ``user`` may not read masked."""
    masked = _masked.get(entry.object_type)
    if not values or not masked:
        return values
    hidden = {name for name, check in masked.items() if name in values and not check(user)}
    return {key: mask(value) if key in hidden else value for key, value in values.items()}
