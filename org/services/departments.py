"""Writes of departments."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.models import Department, Position
from org.services.base import lock, require


@transaction.atomic
def department_create(
    *, actor, code: str, name_zh: str, name_en: str = "", kind: str = "custom", order: int = 100
) -> Department:
    require(actor, Department, "add")
    department = Department(code=code, name_zh=name_zh, name_en=name_en, kind=kind, order=order)
    department.dealership_id = get_scope().current_id
    return save_audited(actor=actor, obj=department, before=None)


@transaction.atomic
def department_update(*, actor, department_id: int, **changes) -> Department:
    department = lock(actor, Department, department_id)
    before = snapshot(department)
    for field, value in changes.items():
        setattr(department, field, value)
    return save_audited(actor=actor, obj=department, before=before)


@transaction.atomic
def department_delete(*, actor, department_id: int) -> None:
    department = lock(actor, Department, department_id, action="delete")
    count = Position.objects.filter(department=department).count()
    if count:
        raise ValidationError(
            _("The department %(name)s still has %(count)d position(s); move or delete them first.")
            % {"name": department.name, "count": count}
        )
    before = snapshot(department)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=department, before=before, after=None
    )
    department.delete()
