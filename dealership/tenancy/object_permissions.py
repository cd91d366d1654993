"""Per-object grants (django-guardian) stored as tenant rows.

The direct foreign-key tables guardian uses for a model's object permissions hold tenant data
(who may see which record), so they carry the ``dealership`` of the object like every tenant
row: the tenant manager scopes them, the composite key ties them to the object's dealership,
and row-level security can cover them. A tenant model whose rows may be shared declares::

    class CustomerUserObjectPermission(TenantUserObjectPermission):
        content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)

        class Meta(TenantUserObjectPermission.Meta):
            constraints = tenant_object_permission_constraints()
"""

from __future__ import annotations

from django.db import models
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from dealership.tenancy.constraints import tenant_keys
from dealership.tenancy.models import TenantManager, TenantModel


class TenantUserObjectPermissionManager(TenantManager, UserObjectPermissionManager):
    pass


class TenantGroupObjectPermissionManager(TenantManager, GroupObjectPermissionManager):
    pass


class _OfTheObjectsDealership:
    def save(self, *args, **kwargs):
        if self.dealership_id is None and self.content_object_id is not None:
            self.dealership_id = (
                type(self)
                .content_object.field.related_model._base_manager.values_list(
                    "dealership_id", flat=True
                )
                .get(pk=self.content_object_id)
            )
        return super().save(*args, **kwargs)


class TenantUserObjectPermission(_OfTheObjectsDealership, UserObjectPermissionBase, TenantModel):
    objects = TenantUserObjectPermissionManager()

    class Meta:
        abstract = True


class TenantGroupObjectPermission(_OfTheObjectsDealership, GroupObjectPermissionBase, TenantModel):
    objects = TenantGroupObjectPermissionManager()

    class Meta:
        abstract = True


def tenant_object_permission_constraints(holder: str = "user") -> list:
    """Unique per (dealership, holder, permission, object), plus the tenant keys."""
    return [
        models.UniqueConstraint(
            fields=["dealership", holder, "permission", "content_object"],
            name="%(app_label)s_%(class)s_unique",
        ),
        *tenant_keys("content_object"),
    ]
