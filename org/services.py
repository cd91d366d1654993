"""Writes of the org chart. Each service runs in one transaction, re-reads the object it
changes through the access chokepoint (404 outside the actor's scope, 403 if not allowed) and
records an audit entry with the values before and after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from dealership.access import get_object_for_user
from dealership.models import Dealership, Membership
from dealership.tenancy import get_scope
from org import ceiling
from org.access import forget_user_access
from org.capabilities import Capability, DataScope
from org.models import (
    AuditEntry,
    Department,
    Position,
    PositionAssignment,
    PositionCapability,
    StaffMember,
)
from org.template import capability_grants, org_chart

User = get_user_model()

# --- audit --------------------------------------------------------------------------------------


def _snapshot(obj, fields: Iterable[str] | None = None) -> dict:
    data = model_to_dict(obj, fields=fields)
    return {
        key: (value.isoformat() if isinstance(value, dt.date) else value)
        for key, value in data.items()
    }


def audit_record(*, actor, action: str, obj, before: dict | None, after: dict | None) -> AuditEntry:
    return AuditEntry.objects.create(
        dealership_id=obj.dealership_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


def _save_audited(*, actor, obj, before: dict | None, fields=None, validate=None):
    """Validate, save and audit a create (``before is None``) or an update."""
    obj.full_clean()
    if validate is not None:
        validate(obj)
    obj.save()
    action = AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE
    audit_record(actor=actor, action=action, obj=obj, before=before, after=_snapshot(obj, fields))
    return obj


# --- the standard template -------------------------------------------------------------------


def org_chart_apply_template(dealership: Dealership) -> None:
    """Create the standard departments, positions and capabilities that are missing.

    Existing rows are never overwritten, so a dealership's own edits survive a re-run.
    """
    template = org_chart()
    grants = capability_grants()
    positions: dict[str, Position] = {}
    reports_to: dict[str, str | None] = {}
    for d_order, dept in enumerate(template["departments"], start=1):
        department, _created = Department.objects.get_or_create(
            dealership=dealership,
            code=dept["code"],
            defaults={
                "kind": dept["kind"],
                "name_zh": dept["name_zh"],
                "name_en": dept["name_en"],
                "order": d_order * 10,
            },
        )
        for p_order, pos in enumerate(dept["positions"], start=1):
            position, created = Position.objects.get_or_create(
                dealership=dealership,
                code=pos["code"],
                defaults={
                    "department": department,
                    "name_zh": pos["name_zh"],
                    "name_en": pos["name_en"],
                    "is_manager": pos.get("is_manager", False),
                    "responsibilities": pos.get("responsibilities", []),
                    "order": p_order * 10,
                },
            )
            positions[pos["code"]] = position
            if created:
                reports_to[pos["code"]] = pos.get("reports_to")
                PositionCapability.objects.bulk_create(
                    [
                        PositionCapability(
                            dealership=dealership, position=position, capability=cap, scope=scope
                        )
                        for cap, scope in grants.get(pos["code"], {}).items()
                    ],
                    ignore_conflicts=True,
                )
    for code, parent in reports_to.items():
        if parent and parent in positions:
            Position.objects.filter(pk=positions[code].pk).update(reports_to=positions[parent])


# --- departments --------------------------------------------------------------------------------


@transaction.atomic
def department_create(
    *, actor, code: str, name_zh: str, name_en: str = "", kind: str = "custom", order: int = 100
) -> Department:
    _require(actor, Department, "add")
    department = Department(code=code, name_zh=name_zh, name_en=name_en, kind=kind, order=order)
    department.dealership_id = get_scope().current_id
    return _save_audited(actor=actor, obj=department, before=None)


@transaction.atomic
def department_update(*, actor, department_id: int, **changes) -> Department:
    department = _lock(actor, Department, department_id)
    before = _snapshot(department)
    for field, value in changes.items():
        setattr(department, field, value)
    return _save_audited(actor=actor, obj=department, before=before)


@transaction.atomic
def department_delete(*, actor, department_id: int) -> None:
    department = _lock(actor, Department, department_id, action="delete")
    count = Position.objects.filter(department=department).count()
    if count:
        raise ValidationError(
            _("The department %(name)s still has %(count)d position(s); move or delete them first.")
            % {"name": department.name, "count": count}
        )
    before = _snapshot(department)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=department, before=before, after=None
    )
    department.delete()


# --- positions ----------------------------------------------------------------------------------

PositionUsageCheck = Callable[[Position], "str | None"]
_usage_checks: list[PositionUsageCheck] = []


def register_position_usage_check(check: PositionUsageCheck) -> None:
    """Apps that refer to positions (approval chains) say why one cannot be deleted."""
    if check not in _usage_checks:
        _usage_checks.append(check)


def unregister_position_usage_check(check: PositionUsageCheck) -> None:
    if check in _usage_checks:
        _usage_checks.remove(check)


def _check_reporting_line(position: Position) -> None:
    if position.reports_to_id is None:
        return
    if position.reports_to.dealership_id != position.dealership_id:
        raise ValidationError(
            {"reports_to": _("A position can only report to a position of the same dealership.")}
        )
    seen = {position.pk}
    chain = [position.name]
    current = position.reports_to
    while current is not None:
        chain.append(current.name)
        if current.pk in seen:
            raise ValidationError(
                {
                    "reports_to": _("This would make a reporting cycle: %(chain)s.")
                    % {"chain": " → ".join(chain)}
                }
            )
        seen.add(current.pk)
        current = (
            Position.objects.filter(pk=current.reports_to_id).first()
            if current.reports_to_id
            else None
        )


_POSITION_FIELDS = Position.EDITABLE_FIELDS


@transaction.atomic
def position_create(
    *,
    actor,
    department: Department,
    code: str,
    name_zh: str,
    name_en: str = "",
    responsibilities: list | None = None,
    reports_to: Position | None = None,
    is_manager: bool = False,
    order: int = 100,
) -> Position:
    _require(actor, Position, "add")
    position = Position(
        department=department,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        responsibilities=responsibilities or [],
        reports_to=reports_to,
        is_manager=is_manager,
        order=order,
    )
    position.dealership_id = get_scope().current_id
    return _save_audited(
        actor=actor,
        obj=position,
        before=None,
        fields=_POSITION_FIELDS,
        validate=_check_reporting_line,
    )


@transaction.atomic
def position_update(*, actor, position_id: int, **changes) -> Position:
    position = _lock(actor, Position, position_id)
    before = _snapshot(position, _POSITION_FIELDS)
    department = changes.get("department")
    if department is not None and department.pk != position.department_id:
        # the department decides what "own department" grants reach: a move changes rights
        ceiling.check_position_in_reach(actor, position, department_id=department.pk)
    for field, value in changes.items():
        setattr(position, field, value)
    return _save_audited(
        actor=actor,
        obj=position,
        before=before,
        fields=_POSITION_FIELDS,
        validate=_check_reporting_line,
    )


@transaction.atomic
def position_delete(*, actor, position_id: int) -> None:
    position = _lock(actor, Position, position_id, action="delete")
    reasons = []
    holders = PositionAssignment.objects.filter(position=position, staff__is_active=True).count()
    if holders:
        reasons.append(_("%(count)d person(s) hold this position") % {"count": holders})
    reports = Position.objects.filter(reports_to=position).count()
    if reports:
        reasons.append(_("%(count)d position(s) report to it") % {"count": reports})
    reasons.extend(reason for check in _usage_checks if (reason := check(position)))
    if reasons:
        raise ValidationError(
            _("The position %(name)s cannot be deleted: %(reasons)s.")
            % {"name": position.name, "reasons": _("; ").join(str(r) for r in reasons)}
        )
    before = _snapshot(position, _POSITION_FIELDS)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=position, before=before, after=None
    )
    PositionAssignment.objects.filter(
        position=position
    ).delete()  # ended staff keep the audit trail
    position.delete()


# --- staff --------------------------------------------------------------------------------------


def _assignment_snapshot(staff: StaffMember) -> dict:
    data = _snapshot(staff, ("employee_no", "phone", "start_date", "end_date", "is_active"))
    data["positions"] = sorted(
        PositionAssignment.objects.filter(staff=staff).values_list("position__code", flat=True)
    )
    data["primary_position"] = (
        PositionAssignment.objects.filter(staff=staff, is_primary=True)
        .values_list("position__code", flat=True)
        .first()
    )
    return data


def _set_positions(
    actor, staff: StaffMember, positions: list[Position], primary: Position | None, since: dt.date
) -> None:
    """Give ``staff`` exactly ``positions``. Every position added or taken away must be within
    the actor's reach (:mod:`org.ceiling`); positions kept are not re-checked."""
    if not positions:
        raise ValidationError({"positions": _("Choose at least one position.")})
    foreign = [p for p in positions if p.dealership_id != staff.dealership_id]
    if foreign:
        raise ValidationError({"positions": _("Choose positions of this dealership.")})
    primary = primary if primary in positions else positions[0]
    current = {
        a.position_id: a.position
        for a in PositionAssignment.objects.filter(staff=staff).select_related("position")
    }
    wanted = {p.pk: p for p in positions}
    changed = [p for pk, p in wanted.items() if pk not in current]
    changed += [p for pk, p in current.items() if pk not in wanted]
    if changed:
        ceiling.check_not_self(
            actor,
            staff,
            _("You cannot change your own positions; ask the general manager or HR."),
        )
        ceiling.check_assignable(actor, changed)
    PositionAssignment.objects.filter(staff=staff).exclude(position_id__in=wanted).delete()
    for position in positions:
        if position.pk not in current:
            PositionAssignment.objects.create(
                dealership_id=staff.dealership_id,
                staff=staff,
                position=position,
                since=since,
                is_primary=position == primary,
            )
    PositionAssignment.objects.filter(staff=staff).exclude(position=primary).update(
        is_primary=False
    )
    PositionAssignment.objects.filter(staff=staff, position=primary).update(is_primary=True)


def _new_login(dealership: Dealership, *, username: str, name: str, email: str, password):
    """A new login named in the dealership's own namespace (``<prefix>_<name>``): whether a name
    is free is only ever asked within that namespace, so nothing about other dealerships'
    logins can be learnt from the answer."""
    if not name.strip():
        raise ValidationError({"name": _("Enter the person's full name.")})
    login = dealership.login_name(username)
    if User.objects.filter(username__iexact=login).exists():
        raise ValidationError(
            {
                "username": _(
                    "The login %(login)s is already taken in this dealership; choose another."
                )
                % {"login": login}
            }
        )
    user = User(username=login, name=name.strip(), email=email)
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def staff_hire(
    *,
    actor,
    employee_no: str,
    positions: list[Position],
    primary: Position | None = None,
    phone: str = "",
    start_date: dt.date | None = None,
    username: str = "",
    name: str = "",
    email: str = "",
    password: str | None = None,
    colleague_id: int | None = None,
) -> StaffMember:
    """Employ a person in the current dealership in ``positions``.

    Either a **new login** is created (``username``, ``name``, optional ``email`` and
    ``password``), or ``colleague_id`` names a person already working in another dealership of
    the same dealer group (one of :func:`org.selectors.group_colleagues`), whose login, name and
    default workspace stay as they are. Typing an existing username never attaches that login.
    """
    _require(actor, StaffMember, "add")
    dealership = Dealership.objects.get(pk=get_scope().current_id)
    start_date = start_date or timezone.localdate()
    new_login = any((username, name, email, password))
    if colleague_id is not None and new_login:
        raise ValidationError(
            _("Either pick a colleague of the group or type a new login, not both.")
        )
    if colleague_id is not None:
        from org.selectors import group_colleagues

        user = group_colleagues(actor).filter(pk=colleague_id).first()
        if user is None:
            raise ValidationError({"colleague": _("Choose a colleague from the list.")})
    elif not username:
        raise ValidationError({"username": _("Enter a username for the new login.")})
    else:
        user = _new_login(dealership, username=username, name=name, email=email, password=password)
    staff = StaffMember(user=user, employee_no=employee_no, phone=phone, start_date=start_date)
    staff.dealership_id = dealership.pk
    staff.full_clean(exclude=["user"])
    staff.save()
    _set_positions(actor, staff, positions, primary, start_date)
    # a membership added later never becomes the person's default workspace (see
    # dealership.selectors.user_workspaces: the oldest membership comes first)
    Membership.objects.update_or_create(
        user=user, dealership_id=dealership.pk, defaults={"is_active": True}
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=staff,
        before=None,
        after=_assignment_snapshot(staff),
    )
    return staff


@transaction.atomic
def staff_update(
    *,
    actor,
    staff_id: int,
    positions: list[Position] | None = None,
    primary: Position | None = None,
    **changes,
) -> StaffMember:
    staff = _lock(actor, StaffMember, staff_id)
    if not staff.is_active:
        raise ValidationError(_("This employment has ended; it can no longer be changed."))
    before = _assignment_snapshot(staff)
    for field, value in changes.items():
        setattr(staff, field, value)
    staff.full_clean(exclude=["user"])
    staff.save()
    if positions is not None:
        _set_positions(actor, staff, positions, primary, timezone.localdate())
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=staff,
        before=before,
        after=_assignment_snapshot(staff),
    )
    forget_user_access(staff.user)
    return staff


def staff_end_check(actor, staff: StaffMember) -> None:
    """403 unless the actor may end this employment: not their own, and every position the
    person holds is within the actor's reach (HR does not end the GM's employment)."""
    ceiling.check_not_self(actor, staff, _("You cannot end your own employment."))
    ceiling.check_assignable(actor, [a.position for a in staff.assignments.all()])


@transaction.atomic
def staff_end(*, actor, staff_id: int, end_date: dt.date | None = None) -> StaffMember:
    """End an employment: the record and its positions stay as history; access ends now."""
    staff = _lock(actor, StaffMember, staff_id)
    if not staff.is_active:
        raise ValidationError(_("This employment has already ended."))
    staff_end_check(actor, staff)
    end_date = end_date or timezone.localdate()
    if end_date < staff.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    before = _assignment_snapshot(staff)
    staff.end_date = end_date
    staff.is_active = False
    staff.save(update_fields=["end_date", "is_active"])
    Membership.objects.filter(user_id=staff.user_id, dealership_id=staff.dealership_id).update(
        is_active=False
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.END,
        obj=staff,
        before=before,
        after=_assignment_snapshot(staff),
    )
    return staff


# --- capabilities and object grants ------------------------------------------------------------


@transaction.atomic
def position_capability_set(
    *, actor, position_id: int, capability: str, scope: int | None
) -> PositionCapability | None:
    """Set one cell of the permission matrix; ``scope=None`` removes the capability."""
    _require(actor, PositionCapability, "change")
    if capability not in Capability.values:
        raise ValidationError(
            {"capability": _("Unknown capability %(code)s.") % {"code": capability}}
        )
    if scope is not None and scope not in (
        DataScope.OWN,
        DataScope.DEPARTMENT,
        DataScope.DEALERSHIP,
    ):
        raise ValidationError(
            {"scope": _("Choose own records, own department or whole dealership.")}
        )
    position = get_object_for_user(actor, Position, "view", pk=position_id)
    ceiling.check_grant(actor, position, capability, scope)
    row = (
        PositionCapability.objects.select_for_update()
        .filter(position=position, capability=capability)
        .first()
    )
    before = {"capability": capability, "scope": row.scope} if row else None
    if scope is None:
        if row is not None:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.REVOKE,
                obj=position,
                before=before,
                after=None,
            )
            row.delete()
        return None
    if row is None:
        row = PositionCapability(
            dealership_id=position.dealership_id, position=position, capability=capability
        )
    row.scope = scope
    row.save()
    action = AuditEntry.Action.GRANT if before is None else AuditEntry.Action.UPDATE
    audit_record(
        actor=actor,
        action=action,
        obj=position,
        before=before,
        after={"capability": capability, "scope": scope},
    )
    return row


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


# --- helpers ------------------------------------------------------------------------------------


def _require(actor, model, action: str) -> None:
    from dealership.access import check_model_permission

    check_model_permission(actor, model, action)


def _lock(actor, model, pk: int, action: str = "change"):
    """Re-read the object through the chokepoint inside the transaction, locked for update."""
    return get_object_for_user(actor, model, action, model.objects.select_for_update(), pk=pk)
