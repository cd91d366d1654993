"""The actor of writes the platform makes itself (seeding the demo, imports, scheduled jobs).

Services take an ``actor`` and check what it may do. Code that runs without a person behind it
passes :data:`SYSTEM`, which policies treat like the system scope: allowed everything inside the
tenant scope it runs in (the tenant guard still refuses rows outside it). No request can carry
it: it is not a user row and cannot log in.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class SystemActor:
    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_system_actor = True
    username = "system"

    def get_full_name(self) -> str:
        return str(_("System"))

    def __str__(self) -> str:
        return self.get_full_name()


SYSTEM = SystemActor()


def is_system_actor(actor) -> bool:
    return getattr(actor, "is_system_actor", False) is True and isinstance(actor, SystemActor)
