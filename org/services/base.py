"""What every org service does first: check the model permission, or re-read the object
through the chokepoint, locked for update, inside the service's transaction (the platform's
:func:`dealership.access.lock_for_user`)."""

from __future__ import annotations

from dealership.access import check_model_permission, lock_for_user


def require(actor, model, action: str) -> None:
    """403 unless ``actor`` may ``action`` some ``model`` row (e.g. ``add``)."""
    check_model_permission(actor, model, action)


def lock(actor, model, pk: int, action: str = "change"):
    return lock_for_user(actor, model, pk, action)
