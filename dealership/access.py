"""The one way views and API endpoints fetch objects and lists for a user.

* out of the user's tenant or data scope → 404 (the object's existence is not revealed);
* visible but the action is not allowed → 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dealership.policies import policy_for

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def action_for_method(method: str) -> str:
    return METHOD_ACTIONS.get(method.upper(), "change")


def check_model_permission(user, model: type[Model], action: str) -> None:
    if not policy_for(model).allows(user, action, model):
        raise PermissionDenied(_("You do not have permission to perform this action."))


def can(user, model: type[Model], action: str) -> bool:
    """May ``user`` do ``action`` on ``model`` at all (to show or hide a link or a button)?"""
    return policy_for(model).allows(user, action, model)


def permitted_ids(user, model: type[Model], action: str, ids) -> set:
    """Which of ``ids`` the user may open for ``action`` (to link only to those), in one query
    however many ids — none when the user may open every row of the scope — and none when the
    action is not allowed at all (the page would answer 403). ``ids`` are those of rows the page
    read in the current scope (the foreign keys of listed rows)."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted or not can(user, model, action):
        return set()
    policy = policy_for(model)
    if policy.covers_scope(user, action, model):
        return wanted
    rows = policy.restrict(user, action, model._default_manager.filter(pk__in=wanted))
    return set(rows.values_list("pk", flat=True))


def restricted_queryset(
    user, model: type[Model], action: str = "view", queryset: QuerySet | None = None
) -> QuerySet:
    """Rows of ``model`` the user may ``action``; raises 403 when the action is not allowed."""
    check_model_permission(user, model, action)
    base = queryset if queryset is not None else model._default_manager.all()
    return policy_for(model).restrict(user, action, base)


def get_object_for_user(
    user, model: type[Model], action: str = "view", queryset: QuerySet | None = None, **lookup
):
    """The object matching ``lookup`` if the user may ``action`` it (404 / 403 otherwise)."""
    base = queryset if queryset is not None else model._default_manager.all()
    try:
        obj = base.get(**lookup)  # the tenant scope: another dealership's object is a 404
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Not found.")) from None
    policy = policy_for(model)
    check_model_permission(user, model, "view")
    if not policy.restrict(user, "view", base).filter(pk=obj.pk).exists():
        raise Http404(_("Not found."))  # outside the user's data scope
    if action != "view":
        check_model_permission(user, model, action)
        if not policy.restrict(user, action, base).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("You do not have permission to perform this action."))
    return obj


def lock_for_user(user, model: type[Model], pk, action: str = "change"):
    """A service's first read: the object re-read through the chokepoint inside the service's
    transaction, locked for update (404 outside the user's scope, 403 if not allowed)."""
    return get_object_for_user(
        user, model, action, model._default_manager.select_for_update(), pk=pk
    )
