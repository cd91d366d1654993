"""Hiring, changing and ending employments: logins, memberships and positions kept in step,
every change of positions within the actor's reach (:mod:`org.ceiling`)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dealership.actors import is_system_actor
from dealership.audit import audit_record, snapshot
from dealership.models import AuditEntry, Dealership, Membership
from dealership.notifications import notify
from dealership.notifications.channels import absolute_url as site_url
from dealership.services import user_sign_out_everywhere
from dealership.tenancy import get_scope
from org import ceiling
from org.models import Position, PositionAssignment, StaffMember
from org.notifications import ACCOUNT_READY, POSITION_ASSIGNED, POSITION_REMOVED
from org.services.base import lock, require

User = get_user_model()


def _assignment_snapshot(staff: StaffMember) -> dict:
    data = snapshot(staff, ("employee_no", "phone", "start_date", "end_date", "is_active"))
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
) -> tuple[list[Position], list[Position]]:
    """Give ``staff`` exactly ``positions``; returns the positions (added, taken away). Every
    position added or taken away must be within the actor's reach (:mod:`org.ceiling`);
    positions kept are not re-checked."""
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
    return [wanted[pk] for pk in wanted if pk not in current], [
        current[pk] for pk in current if pk not in wanted
    ]


class _Names:
    """The positions' names, joined in whichever language the message is rendered in."""

    def __init__(self, positions: list[Position]):
        self.positions = list(positions)

    def __str__(self) -> str:
        separator = ", " if (get_language() or "").startswith("en") else "、"
        return separator.join(position.name for position in self.positions)


def _account_ready_text(user, positions):
    """How the new hire signs in: with the password they were given, or through a one-time
    link to choose one (valid ``PASSWORD_RESET_TIMEOUT``; Django's "forgot password" does not
    serve logins that never had a password)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if user.has_usable_password():
        return format_lazy(
            gettext_lazy(
                "Sign in at {url} with the login {login} and the password you were given. "
                "Your positions: {positions}."
            ),
            url=site_url("/accounts/login/"),
            login=user.username,
            positions=_Names(positions),
        )
    link = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return format_lazy(
        gettext_lazy(
            "Choose your password at {link} (the link works once, for three days), then sign in "
            "at {url} with the login {login}. Your positions: {positions}."
        ),
        link=site_url(link),
        url=site_url("/accounts/login/"),
        login=user.username,
        positions=_Names(positions),
    )


def _tell_about_positions(staff: StaffMember, added, removed, key: str) -> None:
    """The person learns which positions they were given or lost (once per change)."""
    if added:
        notify(
            POSITION_ASSIGNED,
            [staff.user],
            format_lazy(gettext_lazy("You now hold: {positions}"), positions=_Names(added)),
            obj=staff,
            body=gettext_lazy("What you may see and do follows your positions from now on."),
            key=f"{key}:assigned",
        )
    if removed:
        notify(
            POSITION_REMOVED,
            [staff.user],
            format_lazy(gettext_lazy("You no longer hold: {positions}"), positions=_Names(removed)),
            obj=staff,
            body=gettext_lazy("What you may see and do follows your positions from now on."),
            key=f"{key}:removed",
        )


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
    user=None,
) -> StaffMember:
    """Employ a person in the current dealership in ``positions``.

    Either a **new login** is created (``username``, ``name``, optional ``email`` and
    ``password``), or ``colleague_id`` names a person already working in another dealership of
    the same dealer group (one of :func:`org.selectors.group_colleagues`), whose login, name and
    default workspace stay as they are. Typing an existing username never attaches that login.

    ``user`` employs a given login: only system code (:data:`dealership.actors.SYSTEM`, e.g. the
    demo seeder) may do that.
    """
    require(actor, StaffMember, "add")
    dealership = Dealership.objects.get(pk=get_scope().current_id)
    created_login = False
    start_date = start_date or timezone.localdate()
    new_login = any((username, name, email, password))
    if colleague_id is not None and new_login:
        raise ValidationError(
            _("Either pick a colleague of the group or type a new login, not both.")
        )
    if user is not None:  # system code employs a given login
        if not is_system_actor(actor):
            raise PermissionDenied(_("You do not have permission to perform this action."))
        if colleague_id is not None or new_login:
            raise ValidationError(_("Give either a login or a new login's details, not both."))
    elif colleague_id is not None:
        from org.selectors import group_colleagues

        user = group_colleagues(actor).filter(pk=colleague_id).first()
        if user is None:
            raise ValidationError({"colleague": _("Choose a colleague from the list.")})
    elif not username:
        raise ValidationError({"username": _("Enter a username for the new login.")})
    else:
        user = _new_login(dealership, username=username, name=name, email=email, password=password)
        created_login = True
    staff = StaffMember(user=user, employee_no=employee_no, phone=phone, start_date=start_date)
    staff.dealership_id = dealership.pk
    staff.full_clean(exclude=["user"])
    staff.save()
    added, _removed = _set_positions(actor, staff, positions, primary, start_date)
    # a membership added later never becomes the person's default workspace (see
    # dealership.selectors.user_workspaces: the oldest membership comes first)
    Membership.objects.update_or_create(
        user=user, dealership_id=dealership.pk, defaults={"is_active": True}
    )
    entry = audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=staff,
        before=None,
        after=_assignment_snapshot(staff),
    )
    if created_login:
        notify(
            ACCOUNT_READY,
            [user],
            format_lazy(
                gettext_lazy("Welcome to {dealership}: your login is {login}"),
                dealership=dealership.name,
                login=user.username,
            ),
            obj=staff,
            body=_account_ready_text(user, added),
            key=f"staff:{staff.pk}:account_ready",
        )
    elif not is_system_actor(actor):  # a colleague of the group given positions here
        _tell_about_positions(staff, added, [], key=f"audit:{entry.pk}")
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
    staff = lock(actor, StaffMember, staff_id)
    if not staff.is_active:
        raise ValidationError(_("This employment has ended; it can no longer be changed."))
    before = _assignment_snapshot(staff)
    for field, value in changes.items():
        setattr(staff, field, value)
    staff.full_clean(exclude=["user"])
    staff.save()
    added, removed = [], []
    if positions is not None:
        added, removed = _set_positions(actor, staff, positions, primary, timezone.localdate())
    entry = audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=staff,
        before=before,
        after=_assignment_snapshot(staff),
    )
    _tell_about_positions(staff, added, removed, key=f"audit:{entry.pk}")
    return staff


def staff_end_check(actor, staff: StaffMember) -> None:
    """403 unless the actor may end this employment: not their own, and every position the
    person holds is within the actor's reach (HR does not end the GM's employment)."""
    ceiling.check_not_self(actor, staff, _("You cannot end your own employment."))
    ceiling.check_assignable(actor, [a.position for a in staff.assignments.all()])


@transaction.atomic
def staff_end(*, actor, staff_id: int, end_date: dt.date | None = None) -> StaffMember:
    """End an employment: the record and its positions stay as history; access ends now."""
    staff = lock(actor, StaffMember, staff_id)
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
    # access ends now: every session and API token of the person ends too
    user_sign_out_everywhere(staff.user, actor=actor, reason="employment ended")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.END,
        obj=staff,
        before=before,
        after=_assignment_snapshot(staff),
    )
    return staff
