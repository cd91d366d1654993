"""The owner club (车友会 / 会员): a customer joins (one open membership at a time — a
database constraint), leaves (on or after the day they joined), and logs in to the owner site
(the last login day is kept). Kept by the CRM team (``crm.change_member``) for the customers
they may see; the registration and login rates are in :mod:`crm.selectors.outreach`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Customer, Membership
from dealership.access import (
    check_model_permission,
    get_object_for_user,
    lock_for_user,
    permitted_ids,
)
from dealership.audit import save_audited, snapshot
from dealership.numbering import next_number

MEMBER_FIELDS = ("customer", "member_no", "joined_on", "left_on", "last_login_on")


def _pk(value):
    return getattr(value, "pk", value)


def _day(value, field: str, message: str) -> dt.date:
    if value in (None, ""):
        raise ValidationError({field: message})
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("Give the day as YYYY-MM-DD.")}) from None
    if value > timezone.localdate():
        raise ValidationError({field: _("The day cannot be in the future.")})
    return value


def _open_one(customer: Customer) -> Membership | None:
    return Membership.objects.filter(customer=customer, left_on__isnull=True).first()


def _already(open_one: Membership) -> ValidationError:
    return ValidationError(
        {
            "customer": _("%(name)s is already a member since %(day)s (no. %(no)s).")
            % {
                "name": open_one.customer.name,
                "day": f"{open_one.joined_on:%Y-%m-%d}",
                "no": open_one.member_no or "—",
            }
        }
    )


@transaction.atomic
def membership_join(*, actor, customer_id, joined_on=None, member_no: str = "") -> Membership:
    """``customer`` (one the actor may see) joins the owner club on ``joined_on`` (today by
    default); the member number is the next free ``M000001`` when none is given."""
    check_model_permission(actor, Membership, "add")
    if customer_id in (None, ""):
        raise ValidationError({"customer": _("Choose the customer.")})
    customer = get_object_for_user(actor, Customer, "view", pk=_pk(customer_id))
    joined_on = _day(joined_on or timezone.localdate(), "joined_on", _("Give the day they joined."))
    open_one = _open_one(customer)
    if open_one is not None:
        raise _already(open_one)
    member_no = (member_no or "").strip()
    if len(member_no) > 30:
        raise ValidationError({"member_no": _("A member number has at most 30 characters.")})
    membership = Membership(
        dealership_id=customer.dealership_id,
        customer=customer,
        member_no=member_no or next_number(Membership, "M", field="member_no", width=6),
        joined_on=joined_on,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=membership, before=None, fields=MEMBER_FIELDS)
    except IntegrityError:  # joined at the same moment by someone else
        raise _already(_open_one(customer)) from None
    except ValidationError as error:
        # the model's check of the open-membership constraint
        if _open_one(customer) is not None:
            raise _already(_open_one(customer)) from None
        raise error from None
    if not permitted_ids(actor, Membership, "change", [membership.pk]):
        raise PermissionDenied(_("You may not keep this customer's membership."))
    return membership


@transaction.atomic
def membership_leave(*, actor, membership_id, left_on=None) -> Membership:
    """The member leaves the club on ``left_on`` (today by default), not before they joined."""
    membership = lock_for_user(actor, Membership, _pk(membership_id))
    if membership.left_on is not None:
        raise ValidationError(
            _("This member already left on %(day)s.") % {"day": f"{membership.left_on:%Y-%m-%d}"}
        )
    left_on = _day(left_on or timezone.localdate(), "left_on", _("Give the day they left."))
    if left_on < membership.joined_on:
        raise ValidationError(
            {
                "left_on": _("They joined on %(day)s; they cannot leave before.")
                % {"day": f"{membership.joined_on:%Y-%m-%d}"}
            }
        )
    before = snapshot(membership, MEMBER_FIELDS)
    membership.left_on = left_on
    return save_audited(actor=actor, obj=membership, before=before, fields=MEMBER_FIELDS)


@transaction.atomic
def membership_login(*, actor, membership_id, day=None) -> Membership:
    """Record that the member logged in to the owner site on ``day`` (today by default); the
    latest day is kept."""
    membership = lock_for_user(actor, Membership, _pk(membership_id))
    if membership.left_on is not None:
        raise ValidationError(_("This member has left the club."))
    day = _day(day or timezone.localdate(), "day", _("Give the day of the login."))
    if day < membership.joined_on:
        raise ValidationError(
            {
                "day": _("They joined on %(day)s; a login cannot be earlier.")
                % {"day": f"{membership.joined_on:%Y-%m-%d}"}
            }
        )
    if membership.last_login_on is not None and membership.last_login_on >= day:
        return membership
    before = snapshot(membership, MEMBER_FIELDS)
    membership.last_login_on = day
    return save_audited(actor=actor, obj=membership, before=before, fields=MEMBER_FIELDS)
