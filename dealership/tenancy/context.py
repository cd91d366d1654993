"""The current tenant scope, held in a context variable and always reset in ``finally``."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


class TenantContextMissing(RuntimeError):
    """A tenant-owned model was queried with no tenant scope in context."""


class TenantViolation(PermissionError):
    """A write touched a dealership outside the writable part of the current scope."""


@dataclass(frozen=True)
class TenantScope:
    """Which dealerships the code running now may read and write.

    * a staff member works in one dealership at a time: ``dealership_ids == writable_ids == {current}``;
    * an HQ user reads every dealership of the group and writes none (``group_id`` is set);
    * ``system`` scope (scheduler, commands) reads and writes every dealership and must be
      entered explicitly with :func:`system_context`.
    """

    dealership_ids: frozenset[int] = field(default_factory=frozenset)
    writable_ids: frozenset[int] = field(default_factory=frozenset)
    current_id: int | None = None
    group_id: int | None = None
    is_system: bool = False

    @classmethod
    def for_dealership(cls, dealership_id: int) -> TenantScope:
        ids = frozenset({int(dealership_id)})
        return cls(dealership_ids=ids, writable_ids=ids, current_id=int(dealership_id))

    @classmethod
    def for_group(cls, group_id: int, dealership_ids: Iterable[int]) -> TenantScope:
        return cls(
            dealership_ids=frozenset(dealership_ids), writable_ids=frozenset(), group_id=group_id
        )

    @classmethod
    def system(cls) -> TenantScope:
        return cls(is_system=True)

    @property
    def is_hq(self) -> bool:
        return self.group_id is not None

    def can_read(self, dealership_id: int | None) -> bool:
        return self.is_system or dealership_id in self.dealership_ids

    def can_write(self, dealership_id: int | None) -> bool:
        return self.is_system or dealership_id in self.writable_ids

    def check_writable(self, dealership_id: int | None) -> None:
        if not self.can_write(dealership_id):
            raise TenantViolation(
                f"Dealership {dealership_id} is not writable in the current tenant scope."
            )

    @property
    def cache_key_part(self) -> str:
        if self.is_system:
            return "sys"
        if self.group_id is not None:
            return "g{}-{}".format(
                self.group_id, ".".join(str(i) for i in sorted(self.dealership_ids))
            )
        return "d" + ".".join(str(i) for i in sorted(self.dealership_ids))


_scope: ContextVar[TenantScope | None] = ContextVar("tenant_scope", default=None)


def current_scope() -> TenantScope | None:
    """The scope in context, or ``None``. Use :func:`get_scope` where a scope is required."""
    return _scope.get()


def get_scope() -> TenantScope:
    scope = _scope.get()
    if scope is None:
        raise TenantContextMissing(
            "No tenant in context: tenant-owned data can only be read inside a tenant scope "
            "(the request middleware, `dealership_context(...)` in tasks and commands, or "
            "`system_context()` for platform jobs)."
        )
    return scope


@contextlib.contextmanager
def tenant_context(scope: TenantScope | None) -> Iterator[TenantScope | None]:
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def dealership_context(dealership):
    """Run code (a task, a command) as inside one dealership. Accepts a dealership or its id."""
    dealership_id = getattr(dealership, "pk", dealership)
    if dealership_id is None:
        raise TenantContextMissing("dealership_context() needs a saved dealership or its id.")
    return tenant_context(TenantScope.for_dealership(int(dealership_id)))


system_log = logging.getLogger("dealership.tenancy.system")


def system_context():
    """Cross-tenant scope for the scheduler and platform commands. Never used by requests.

    The only way past the tenant filters and PostgreSQL's row-level security (``app.system``),
    so every entry is logged with the code that asked for it (logger
    ``dealership.tenancy.system``)."""
    caller = sys._getframe(1)
    system_log.info(
        "System scope entered by %s.%s (line %s)",
        caller.f_globals.get("__name__"),
        caller.f_code.co_name,
        caller.f_lineno,
    )
    return tenant_context(TenantScope.system())
