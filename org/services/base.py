"""What every org service does first: check the model permission, or re-read the object
through the chokepoint, locked for update, inside the service's transaction."""

from __future__ import annotations

from dealership.access import check_model_permission, get_object_for_user


def require(actor, model, action: str) -> None:
    """403 unless ``actor`` may ``action`` some ``model`` row (e.g. ``add``)."""
    check_model_permission(actor, model, action)


def lock(actor, model, pk: int, action: str = "change"):
    """Re-read the object through the chokepoint inside the transaction, locked for update
    (404 outside the actor's scope, 403 if the action is not allowed)."""
    return get_object_for_user(actor, model, action, model.objects.select_for_update(), pk=pk)
