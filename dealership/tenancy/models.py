"""The abstract base of every tenant-owned model and its fail-closed manager."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dealership.tenancy.context import get_scope


class TenantQuerySet(models.QuerySet):
    def _writable(self):
        scope = get_scope()
        if scope.is_system:
            return self
        return self.filter(dealership_id__in=scope.writable_ids)

    def update(self, **kwargs):
        return super(TenantQuerySet, self._writable()).update(**kwargs)

    update.alters_data = True

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
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        get_scope().check_writable(self.dealership_id)
        return super().delete(*args, **kwargs)

    delete.alters_data = True
