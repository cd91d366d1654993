"""Writes of sales: plans — the month's targets (:func:`targets_set`) and the sales info
clerk's confirmation of a day's orders and deliveries (:func:`day_confirm`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealership.access import check_model_permission, permitted_ids
from dealership.actors import is_system_actor
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope
from sales.models import DayConfirmation, SalesTarget

__all__ = ["day_confirm", "targets_set"]

MAX_UNITS = 100000
SALES_POSITIONS = ("sales_consultant", "key_account_manager")


def _current_dealership_id() -> int:
    scope = get_scope()
    if scope.current_id is None:
        raise PermissionDenied(_("Choose a dealership to work in first."))
    return scope.current_id


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        from sales.selectors.plans import parse_month

        parsed = parse_month(value)
        if parsed is None:
            raise ValidationError({"month": _("Give the month as YYYY-MM.")})
        return parsed
    if not isinstance(value, dt.date):
        raise ValidationError({"month": _("Give the month as YYYY-MM.")})
    return value.replace(day=1)


def _sales_people(dealership_id: int) -> set[int]:
    from org.models import PositionAssignment

    return set(
        PositionAssignment.objects.filter(
            dealership_id=dealership_id,
            position__code__in=SALES_POSITIONS,
            staff__is_active=True,
        ).values_list("staff__user_id", flat=True)
    )


def _clean_rows(rows, dealership_id: int) -> list[tuple[int | None, str, int]]:
    people = _sales_people(dealership_id)
    cleaned: list[tuple[int | None, str, int]] = []
    seen: set[tuple[int | None, str]] = set()
    for number, row in enumerate(rows or [], start=1):
        if not isinstance(row, dict):
            raise ValidationError({"rows": _("Row %(n)d is not a target.") % {"n": number}})
        consultant = row.get("consultant")
        consultant_id = getattr(consultant, "pk", consultant)
        if consultant_id in ("", None):
            consultant_id = None
        else:
            try:
                consultant_id = int(consultant_id)
            except (TypeError, ValueError):
                consultant_id = -1
            if consultant_id not in people:
                raise ValidationError(
                    {
                        "rows": _(
                            "Row %(n)d: the consultant is not a sales consultant or key-account "
                            "manager of this dealership."
                        )
                        % {"n": number}
                    }
                )
        model = str(row.get("model") or "").strip()
        if len(model) > 80:
            raise ValidationError(
                {
                    "rows": _("Row %(n)d: the model name is longer than 80 characters.")
                    % {"n": number}
                }
            )
        units = row.get("units")
        if isinstance(units, bool) or units in (None, ""):
            raise ValidationError({"rows": _("Row %(n)d: give the units.") % {"n": number}})
        try:
            units = int(units)
        except (TypeError, ValueError):
            raise ValidationError(
                {"rows": _("Row %(n)d: the units must be a whole number.") % {"n": number}}
            ) from None
        if not 0 <= units <= MAX_UNITS:
            raise ValidationError(
                {
                    "rows": _("Row %(n)d: the units must be between 0 and %(max)d.")
                    % {"n": number, "max": MAX_UNITS}
                }
            )
        if (consultant_id, model) in seen:
            raise ValidationError(
                {"rows": _("Row %(n)d repeats a target given above.") % {"n": number}}
            )
        seen.add((consultant_id, model))
        cleaned.append((consultant_id, model, units))
    return cleaned


@transaction.atomic
def targets_set(*, actor, month, rows) -> list[SalesTarget]:
    """Replace the month's targets (those the actor may change) with ``rows``: each a dict
    ``{"consultant": user or id or None (the department), "model": "" (all models) or a model,
    "units": 0..100000}``. ``month`` is normalised to its first day. A consultant who is not a
    sales person of this dealership, a repeated row or units out of bounds are refused, naming
    the row; nothing is saved then. Every deletion and creation is audited."""
    check_model_permission(actor, SalesTarget, "change")
    check_model_permission(actor, SalesTarget, "add")
    dealership_id = _current_dealership_id()
    month = _month(month)
    cleaned = _clean_rows(rows, dealership_id)
    old = list(
        SalesTarget.objects.for_user(actor, "change").select_for_update().filter(month=month)
    )
    for target in old:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            obj=target,
            before=snapshot(target),
            after=None,
        )
    SalesTarget.objects.filter(pk__in=[t.pk for t in old]).delete()
    created = []
    for number, (consultant_id, model, units) in enumerate(cleaned, start=1):
        target = SalesTarget(
            dealership_id=dealership_id,
            month=month,
            consultant_id=consultant_id,
            model=model,
            units=units,
        )
        try:
            save_audited(actor=actor, obj=target, before=None)
        except ValidationError as error:
            raise ValidationError(
                {
                    "rows": _("Row %(n)d: %(error)s")
                    % {"n": number, "error": " ".join(error.messages)}
                }
            ) from None
        created.append((number, target))
    if created:
        allowed = permitted_ids(actor, SalesTarget, "change", [t.pk for _, t in created])
        for number, target in created:
            if target.pk not in allowed:
                raise ValidationError(
                    {
                        "rows": _("Row %(n)d: you may not set this consultant's target.")
                        % {"n": number}
                    }
                )
    return [t for _, t in created]


def may_confirm_days(actor) -> bool:
    """Holders of ``sales.change_order`` at department or dealership scope (and system code),
    in a writable scope."""
    if is_system_actor(actor):
        return True
    access = user_access(actor)
    if access.is_system:
        return True
    scope = access.scope_for(C.SALES_CHANGE_ORDER)
    return access.writable and scope is not None and scope >= DataScope.DEPARTMENT


@transaction.atomic
def day_confirm(*, actor, day) -> DayConfirmation:
    """The sales info clerk confirms that ``day``'s orders and deliveries are all entered: the
    counts (orders not cancelled, deliveries) are stored with who confirmed and when.
    Confirming again updates the row. A future day is refused."""
    check_model_permission(actor, DayConfirmation, "add")
    if not may_confirm_days(actor):
        raise PermissionDenied(
            _("Only the sales info clerk or a sales manager may confirm a day's numbers.")
        )
    dealership_id = _current_dealership_id()
    if isinstance(day, str):
        from sales.selectors.plans import parse_day

        parsed = parse_day(day)
        if parsed is None:
            raise ValidationError({"day": _("Give the day as YYYY-MM-DD.")})
        day = parsed
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        raise ValidationError({"day": _("Give the day as YYYY-MM-DD.")})
    if day > timezone.localdate():
        raise ValidationError({"day": _("A day in the future cannot be confirmed.")})
    from sales.selectors.plans import day_counts

    orders, deliveries = day_counts(actor, day)
    # the day's confirmation belongs to the dealership (one per day), whoever confirmed it last
    existing = DayConfirmation.objects.select_for_update().filter(day=day).first()
    before = snapshot(existing) if existing is not None else None
    confirmation = existing or DayConfirmation(dealership_id=dealership_id, day=day)
    confirmation.orders = orders
    confirmation.deliveries = deliveries
    confirmation.confirmed_by = actor
    return save_audited(actor=actor, obj=confirmation, before=before)
