"""Writes of after-sales targets per person (002 售后服务经理: the department's targets "分解给各岗位
人员"): each month the service manager gives each service advisor, technician and parts
salesperson of their departments a target of revenue, repair orders, parts sales and 5K/10K
check-ins (``aftersales.change_target``). One target per person and month; setting it again
changes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.models import ServiceTarget, TargetRole
from dealership.access import check_model_permission, lock_for_user, permitted_ids
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope

__all__ = ["TARGET_FIELDS", "servicetarget_delete", "servicetarget_set", "target_people"]

TARGET_FIELDS = ("month", "person", "role", "revenue", "repair_orders", "parts_sales", "checkins")
MAX_COUNT = 100000
CENT = Decimal("0.01")


def _pk(value):
    return getattr(value, "pk", value)


def target_people(dealership_id: int | None = None) -> dict[int, set[str]]:
    """``{user id: {role, …}}``: the active holders of the positions that get targets."""
    from org.models import PositionAssignment

    rows = PositionAssignment.objects.filter(
        position__code__in=TargetRole.values, staff__is_active=True
    )
    if dealership_id is not None:
        rows = rows.filter(dealership_id=dealership_id)
    people: dict[int, set[str]] = {}
    for user_id, code in rows.values_list("staff__user_id", "position__code"):
        people.setdefault(user_id, set()).add(code)
    return people


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.datetime.strptime(value.strip()[:7], "%Y-%m").date()
        except ValueError:
            raise ValidationError({"month": _("Give the month as YYYY-MM.")}) from None
    if not isinstance(value, dt.date):
        raise ValidationError({"month": _("Give the month as YYYY-MM.")})
    return value.replace(day=1)


def _count(value, field: str) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a whole number.")})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a whole number.")}) from None
    if number != value and not isinstance(value, str):
        raise ValidationError({field: _("Enter a whole number.")})
    if not 0 <= number <= MAX_COUNT:
        raise ValidationError(
            {field: _("Enter a whole number from 0 to %(max)d.") % {"max": MAX_COUNT}}
        )
    return number


def _money(value, field: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter the amount as a number.")}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise ValidationError({field: _("Enter an amount in yuan, not negative.")})
    if amount.as_tuple().exponent < -2:
        raise ValidationError({field: _("Enter an amount in yuan with at most two decimals.")})
    return amount.quantize(CENT)


@transaction.atomic
def servicetarget_set(
    *,
    actor,
    month,
    person,
    role: str,
    revenue=0,
    repair_orders=0,
    parts_sales=0,
    checkins=0,
) -> ServiceTarget:
    """The month's target of ``person`` in ``role`` (a service advisor, technician or parts
    salesperson of this dealership holding that position), created or changed."""
    check_model_permission(actor, ServiceTarget, "change")
    dealership_id = get_scope().current_id
    if dealership_id is None:
        raise PermissionDenied(_("Choose a dealership to work in first."))
    month = _month(month)
    if role not in TargetRole.values:
        raise ValidationError(
            {"role": _("Choose service advisor, technician or parts salesperson.")}
        )
    try:
        person_id = int(_pk(person))
    except (TypeError, ValueError):
        raise ValidationError({"person": _("Choose the person.")}) from None
    if role not in target_people(dealership_id).get(person_id, set()):
        raise ValidationError(
            {
                "person": _("This person does not hold the position of %(role)s here.")
                % {"role": TargetRole(role).label}
            }
        )
    values = {
        "role": role,
        "revenue": _money(revenue, "revenue"),
        "repair_orders": _count(repair_orders, "repair_orders"),
        "parts_sales": _money(parts_sales, "parts_sales"),
        "checkins": _count(checkins, "checkins"),
    }
    existing = (
        ServiceTarget.objects.select_for_update().filter(month=month, person_id=person_id).first()
    )
    if existing is not None:
        target = lock_for_user(actor, ServiceTarget, existing.pk, "change")
        before = snapshot(target, TARGET_FIELDS)
    else:
        target = ServiceTarget(dealership_id=dealership_id, month=month, person_id=person_id)
        before = None
    for name, value in values.items():
        setattr(target, name, value)
    target.set_by = actor
    target.full_clean(exclude=["person", "set_by"])
    target = save_audited(actor=actor, obj=target, before=before, fields=TARGET_FIELDS)
    if not permitted_ids(actor, ServiceTarget, "change", [target.pk]):
        raise PermissionDenied(_("You may not set this person's target."))
    return target


@transaction.atomic
def servicetarget_delete(*, actor, target_id) -> None:
    target = lock_for_user(actor, ServiceTarget, _pk(target_id), "change")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=target,
        before=snapshot(target, TARGET_FIELDS),
        after=None,
    )
    target.delete()
