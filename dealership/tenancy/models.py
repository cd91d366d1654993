"""The abstract base of every tenant-owned model and its fail-closed manager."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from dealership.access_cache import AccessQuerySetMixin
from dealership.tenancy.context import TenantViolation, get_scope


class CrossTenantReference(TenantViolation):
    """A tenant row referred to a row of another dealership."""


def _tenant_foreign_keys(model) -> list[models.ForeignKey]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.many_to_one
        and field.name != "dealership"
        and isinstance(field.related_model, type)
        and issubclass(field.related_model, TenantModel)
    ]


def check_same_dealership(objs: Iterable[models.Model]) -> None:
    """Refuse rows that refer to a tenant row of another dealership (one query per foreign
    key whose targets are not already loaded). Platform rows (users, dealerships) are free.

    Outside the system scope, a target the scope cannot read is refused too: on PostgreSQL
    row-level security hides the rows of other dealerships even from ``_base_manager``."""
    objs = [obj for obj in objs if obj.dealership_id is not None]
    if not objs:
        return
    system = get_scope().is_system
    for field in _tenant_foreign_keys(type(objs[0])):
        unknown: dict[object, list] = defaultdict(list)
        for obj in objs:
            value = getattr(obj, field.attname)
            if value is None:
                continue
            target = field.get_cached_value(obj, None)
            if target is not None and target.pk == value:
                _compare(obj, field, target.dealership_id)
            else:
                unknown[value].append(obj)
        if unknown:
            owners = dict(
                field.related_model._base_manager.filter(pk__in=list(unknown)).values_list(
                    "pk", "dealership_id"
                )
            )
            for value, referring in unknown.items():
                for obj in referring:
                    if value in owners:
                        _compare(obj, field, owners[value])
                    elif not system:
                        raise _out_of_scope(obj._meta.label, field.name)
                    # in the system scope a missing target is left to the foreign key to report


def _out_of_scope(label: str, field_name: str) -> CrossTenantReference:
    return CrossTenantReference(
        f"{label}.{field_name} refers to a row outside the current tenant scope (of another "
        "dealership, or missing): a dealership's rows may refer only to rows of the same "
        "dealership."
    )


def _compare(obj, field, target_dealership_id) -> None:
    if target_dealership_id != obj.dealership_id:
        raise CrossTenantReference(
            f"{obj._meta.label}.{field.name} refers to a row of dealership "
            f"{target_dealership_id}, but the row belongs to dealership {obj.dealership_id}: "
            "a dealership's rows may refer only to rows of the same dealership."
        )


class TenantQuerySet(AccessQuerySetMixin, models.QuerySet):
    """Every write checks the scope like ``Model.save()``: rows outside the writable part of
    the scope are refused (bulk writes) or untouched (``update``/``delete`` of a filter)."""

    def _writable(self):
        scope = get_scope()
        if scope.is_system:
            return self
        return self.filter(dealership_id__in=scope.writable_ids)

    def update(self, **kwargs):
        target = kwargs.get("dealership", kwargs.get("dealership_id"))
        if target is not None:  # moving rows: the target dealership must be writable too
            get_scope().check_writable(getattr(target, "pk", target))
        rows = self._writable()
        for field in _tenant_foreign_keys(self.model):
            value = kwargs.get(field.name, kwargs.get(field.attname))
            if value is None or hasattr(value, "resolve_expression"):
                continue
            owner = getattr(value, "dealership_id", None)
            if owner is None:
                owner = (
                    field.related_model._base_manager.filter(pk=value)
                    .values_list("dealership_id", flat=True)
                    .first()
                )
                if owner is None and not get_scope().is_system:
                    raise _out_of_scope(self.model._meta.label, field.name)
            if owner is not None and rows.exclude(dealership_id=owner).exists():
                raise CrossTenantReference(
                    f"{self.model._meta.label}.{field.name} would refer to a row of dealership "
                    f"{owner} from rows of another dealership."
                )
        return super(TenantQuerySet, rows).update(**kwargs)

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        scope = get_scope()
        for obj in objs:
            if obj.dealership_id is None and scope.current_id is not None:
                obj.dealership_id = scope.current_id
            scope.check_writable(obj.dealership_id)
        check_same_dealership(objs)
        return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        scope = get_scope()
        if "dealership" in fields or "dealership_id" in fields:
            raise TenantViolation("A row's dealership cannot be changed.")
        stored = dict(
            self.model._base_manager.filter(pk__in=[o.pk for o in objs]).values_list(
                "pk", "dealership_id"
            )
        )
        for obj in objs:
            scope.check_writable(stored.get(obj.pk, obj.dealership_id))
            scope.check_writable(obj.dealership_id)
        check_same_dealership(objs)
        return super().bulk_update(objs, fields, *args, **kwargs)

    bulk_update.alters_data = True

    def delete(self):
        return super(TenantQuerySet, self._writable()).delete()

    delete.alters_data = True

    def for_user(self, user, action: str = "view"):
        """The permission chokepoint: rows ``user`` may see for ``action``.

        The platform applies the tenant scope; the policy registered for the model (see
        :mod:`dealership.policies`) narrows it further by position and explicit grants.
        """
        from dealership.policies import policy_for

        return policy_for(self.model).restrict(user, action, self)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant models: filters by the scope in context, raises without one."""

    use_in_migrations = False

    def get_queryset(self):
        scope = get_scope()
        queryset = super().get_queryset()
        if scope.is_system:
            return queryset
        return queryset.filter(dealership_id__in=scope.dealership_ids)

    def none(self):
        """An empty queryset reveals nothing, so it needs no scope (used by schema generation)."""
        return super().get_queryset().none()


class TenantModel(models.Model):
    """Abstract base for every row owned by a dealership.

    Business-unique constraints on subclasses must include ``dealership`` (enforced by the
    ``dealership.E001`` system check) so tables can later be distributed by ``dealership_id``.
    """

    dealership = models.ForeignKey(
        "dealership.Dealership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dealership"),
        editable=False,
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        scope = get_scope()
        if self.dealership_id is None and scope.current_id is not None:
            self.dealership_id = scope.current_id
        scope.check_writable(self.dealership_id)
        check_same_dealership([self])
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        get_scope().check_writable(self.dealership_id)
        return super().delete(*args, **kwargs)

    delete.alters_data = True


def tenant_models() -> list[type[models.Model]]:
    """Every installed model that is a tenant row."""
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TenantModel)]
