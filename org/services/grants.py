"""Explicit per-object grants (django-guardian): share one record with a colleague."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealership.access import get_object_for_user
from dealership.audit import audit_record
from dealership.models import AuditEntry, Membership


@transaction.atomic
def object_permission_grant(*, actor, user, obj, action: str = "view") -> None:
    """Share one object with a colleague (django-guardian), e.g. a staff record or, later, a
    customer or a complaint assigned across departments."""
    from guardian.shortcuts import assign_perm

    obj = get_object_for_user(actor, type(obj), "change", pk=obj.pk)
    if not Membership.objects.filter(
        user=user, dealership_id=obj.dealership_id, is_active=True
    ).exists():
        raise ValidationError(
            _("%(name)s does not work in this dealership.") % {"name": user.get_full_name()}
        )
    assign_perm(f"{obj._meta.app_label}.{action}_{obj._meta.model_name}", user, obj)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.GRANT,
        obj=obj,
        before=None,
        after={"user": user.username, "permission": action},
    )


@transaction.atomic
def object_permission_revoke(*, actor, user, obj, action: str = "view") -> None:
    from guardian.shortcuts import remove_perm

    obj = get_object_for_user(actor, type(obj), "change", pk=obj.pk)
    remove_perm(f"{obj._meta.app_label}.{action}_{obj._meta.model_name}", user, obj)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVOKE,
        obj=obj,
        before={"user": user.username, "permission": action},
        after=None,
    )
