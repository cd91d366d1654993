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
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.forms.models import model_to_dict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dealership.models import AuditEntry, TenantModel
from dealership.policies import READ_ACTIONS, Policy, policy_for
from dealership.tenancy.context import current_scope

UserCheck = Callable[[object], bool]

# --- writing ------------------------------------------------------------------------------------


def snapshot(obj, fields: Iterable[str] | None = None) -> dict:
    """The values of ``obj`` (or of ``fields``) as JSON: the audit's "before" and "after"."""
    data = model_to_dict(obj, fields=fields)
    return {key: _json_value(value) for key, value in data.items()}


def _json_value(value):
    """Dates and times of day as ISO text, amounts (``Decimal``) as exact text: JSON keeps them
    as they were."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def audit_record(
    *, actor, action: str, obj, before: dict | None, after: dict | None, dealership_id=None
) -> AuditEntry:
    """Record one change of ``obj`` (a tenant row) by ``actor``. A row of the tenancy core
    (the dealership itself) names the dealership the entry belongs to (``dealership_id``); its
    entries are read through an audit gate (:func:`register_audit_gate`)."""
    return AuditEntry.objects.create(
        dealership_id=dealership_id if dealership_id is not None else obj.dealership_id,
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
    """Tenant models, and the models outside the tenants an app audits behind a gate (the
    dealership's letterhead)."""
    return [
        model
        for model in apps.get_models()
        if (issubclass(model, TenantModel) and model is not AuditEntry)
        or model._meta.label in _gates
    ]


def visible_entries(user, queryset: QuerySet) -> QuerySet:
    """The entries of ``queryset`` that ``user`` may read, in one query: of a type whose every
    row of the scope the user may view (``covers_scope``), all of them (those of rows since
    deleted too); of a type the user sees some rows of, ``object_id IN (the pks the user may
    view)`` as a subquery; of a gated type, all or none."""
    whole, parts = [], []
    for model in _audited_models():
        label = model._meta.label
        gate = _gates.get(label)
        policy = policy_for(model)
        if gate is not None:
            if gate(user):
                whole.append(label)
        elif policy.allows(user, "view", model):
            if policy.covers_scope(user, "view", model):
                whole.append(label)
                continue
            visible = (
                model.objects.for_user(user, "view")
                .order_by()
                .annotate(audit_object_id=Cast("pk", output_field=CharField()))
                .values("audit_object_id")
            )
            parts.append(Q(object_type=label, object_id__in=visible))
    if whole:
        parts.append(Q(object_type__in=whole))
    if not parts:
        return queryset.none()
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return queryset.filter(condition)


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


# --- reading an entry: names, labels and values a person understands ------------------------------

ValueFormatter = Callable[[object], str]

EMPTY = "—"

#: Labels of keys that services write but that are no field of the audited model.
FIELD_LABELS = {
    "positions": _("positions"),
    "primary_position": _("primary position"),
    "capability": _("capability"),
    "scope": _("data scope"),
    "user": _("user"),
    "permission": _("permission"),
}

_formatters: dict[str, ValueFormatter] = {}


def register_value_formatter(key: str, formatter: ValueFormatter) -> None:
    """Show the values of ``key`` (in any entry's before/after) as ``formatter(value)``: an app
    names its codes (the org chart turns ``org.view_chart`` into the capability's label) without
    the platform importing it. A list is formatted item by item."""
    _formatters[key] = formatter


def unregister_value_formatter(key: str) -> None:
    _formatters.pop(key, None)


def audited_model(object_type: str) -> type[Model] | None:
    """The model an entry's ``object_type`` (``app_label.Model``) names, if it still exists."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """``org.Position`` → "岗位" / "position": the model's verbose name in the active language."""
    model = audited_model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def object_type_choices() -> list[tuple[str, str]]:
    """(label, verbose name) of every audited model, for the "what" filter."""
    return sorted(
        ((m._meta.label, str(m._meta.verbose_name)) for m in _audited_models()),
        key=lambda choice: choice[1],
    )


def _model_field(model: type[Model] | None, key: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def field_label(model: type[Model] | None, key: str) -> str:
    """The label of ``key``: the model field's verbose name, a platform label, or the key."""
    field = _model_field(model, key)
    if field is not None and hasattr(field, "verbose_name"):
        return str(field.verbose_name)
    return str(FIELD_LABELS.get(key, key))


def format_value(key: str, value, field=None, names: dict | None = None) -> str:
    """One value as a person reads it: ``None`` as "—", a list joined, a registered formatter's
    text, a choice's label, a related object's name (``names``: pk → name), yes/no."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, list | tuple):
        return ", ".join(format_value(key, item, field, names) for item in value)
    formatter = _formatters.get(key)
    if formatter is not None:
        try:
            return str(formatter(value))
        except (ValueError, KeyError, TypeError):
            return str(value)
    if field is not None and getattr(field, "choices", None):
        labels = {str(choice): label for choice, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if names is not None and field is not None and field.is_relation:
        return names.get(str(value), f"#{value}")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(k, v)}" for k, v in value.items())
    return str(value)


def _related_names(user, model: type[Model] | None, values: Iterable[dict | None]) -> dict:
    """Names of the related objects an entry's values point to, per field, for the objects the
    viewer may view (one query per foreign key field of the model); others stay ``#pk``."""
    names: dict[str, dict[str, str]] = {}
    if model is None:
        return names
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            continue
        key = field.name
        ids = {v[key] for v in values if v and v.get(key) is not None}
        related = field.related_model
        if not ids or not policy_for(related).allows(user, "view", related):
            continue
        rows = policy_for(related).restrict(
            user, "view", related._default_manager.filter(pk__in=ids)
        )
        names[key] = {str(obj.pk): str(obj) for obj in rows}
    return names


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str
    changed: bool


def entry_changes(user, entry: AuditEntry) -> list[Change]:
    """The entry's before → after, field by field, as the viewer may read it: labels in the
    active language, values formatted, masked values masked. An update lists the fields that
    changed; a creation or a deletion lists every value."""
    model = audited_model(entry.object_type)
    before = masked_values(user, entry, entry.before) or {}
    after = masked_values(user, entry, entry.after) or {}
    related = _related_names(user, model, (before, after))
    keys = list(dict.fromkeys([*before, *after]))
    rows = []
    for key in keys:
        field = _model_field(model, key)
        old, new = before.get(key), after.get(key)
        changed = old != new
        if entry.before and entry.after and not changed:
            continue
        names = related.get(key, {}) if field is not None and field.is_relation else None
        rows.append(
            Change(
                key=key,
                label=field_label(model, key),
                before=format_value(key, old, field, names) if entry.before is not None else "",
                after=format_value(key, new, field, names) if entry.after is not None else "",
                changed=changed,
            )
        )
    return rows


def changed_labels(entry: AuditEntry) -> str:
    """The labels of the fields an entry changed, for the list (no query)."""
    model = audited_model(entry.object_type)
    before, after = entry.before or {}, entry.after or {}
    keys = [
        key
        for key in dict.fromkeys([*before, *after])
        if not (entry.before and entry.after) or before.get(key) != after.get(key)
    ]
    return ", ".join(field_label(model, key) for key in keys)


def object_links(user, entries: Iterable[AuditEntry]) -> dict[tuple[str, str], tuple[str, str]]:
    """``(object_type, object_id)`` → ``(name, url)`` of the objects the viewer may open: one
    query per object type on the page, however many entries. Objects the viewer may not open
    (or deleted ones) are left out: the entry shows its recorded name as plain text."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    links = {}
    for object_type, ids in wanted.items():
        model = audited_model(object_type)
        if model is None or not hasattr(model, "get_absolute_url"):
            continue
        pks = set()
        for raw in ids:
            try:
                pks.add(model._meta.pk.to_python(raw))
            except ValidationError:
                continue
        if not pks or not policy_for(model).allows(user, "view", model):
            continue
        rows = policy_for(model).restrict(user, "view", model._default_manager.filter(pk__in=pks))
        for obj in rows:
            links[(object_type, str(obj.pk))] = (str(obj), obj.get_absolute_url())
    return links
