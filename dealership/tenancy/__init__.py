"""Row-based multi-tenancy: every tenant-owned row carries its ``dealership``.

Reads go through :class:`~dealership.tenancy.models.TenantManager`, which filters by the scope
held in a :mod:`contextvars` variable and *fails closed*: with no scope in context it raises
:class:`TenantContextMissing` instead of returning every row.
"""

from dealership.tenancy.context import (
    TenantContextMissing,
    TenantScope,
    TenantViolation,
    current_scope,
    dealership_context,
    get_scope,
    system_context,
    tenant_context,
)

__all__ = [
    "TenantContextMissing",
    "TenantScope",
    "TenantViolation",
    "current_scope",
    "dealership_context",
    "get_scope",
    "system_context",
    "tenant_context",
]
