"""Unreachable customers sent to the sales department (联系方式核实).

A customer whose follow-up ended unreachable (three failed attempts by default: phone off,
call forwarded, no connection) goes, on the next Monday's list, to the consultant who sold to
them — the event's consultant for a sales follow-up; for a service follow-up the customer's
owner consultant, else the advisor who served them — as a :class:`~crm.models.ContactCheck`
due ``FollowUpSettings.contact_check_days`` days later.

* :func:`contact_checks_weekly` — the job ``crm.unreachable_weekly`` (Mondays): one check per
  unreachable follow-up that has none for its current unreachable spell, each consultant told
  once a week with their list (the sales managers about checks nobody can take).
* :func:`contact_checks_escalate` — the job ``crm.contact_check_escalation`` (daily): open
  checks past their day are reported to the sales managers, once (``escalated_at``).
* :func:`contactcheck_return` — the consultant returns a verified mobile number: the customer's
  number is corrected (audited) and the follow-up goes back on the call list
  (:func:`crm.services.followups.reopen`; the consultant needs no right to the follow-up).
* :func:`contactcheck_close` — closed without new contact details (a note says why)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import ContactCheck, ContactCheckState, Customer, EventKind, FollowUp
from crm.models import FollowUpStatus as S
from crm.services.followups import followup_settings, reopen
from dealership.access import lock_for_user
from dealership.audit import save_audited, snapshot

SALES_MANAGERS = ("sales_manager",)
CHECK_FIELDS = ("state", "returned_at", "returned_by", "mobile", "note")


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def needing_check(day: dt.date):
    """Unreachable follow-ups (by ``day``) whose current unreachable spell has no check yet:
    none open, none made since the follow-up was last reopened (a check closed without new
    contacts is not sent again), none for the week of ``day``."""
    checks = ContactCheck.objects.filter(followup=OuterRef("pk"))
    return (
        FollowUp.objects.filter(status=S.UNREACHABLE, closed_on__lte=day)
        .exclude(Exists(checks.filter(state=ContactCheckState.OPEN)))
        .exclude(Exists(checks.filter(week=monday_of(day))))
        .exclude(Q(reopened_at__isnull=True) & Exists(checks))
        .exclude(Exists(checks.filter(created_at__gte=OuterRef("reopened_at"))))
        .select_related("event", "customer")
        .order_by("pk")
    )


def consultant_for(followup: FollowUp) -> int | None:
    """Who verifies the customer's contacts: the consultant of a sales event (else the
    customer's owner); for a service event the owner consultant, else the advisor."""
    staff, owner = followup.event.staff_id, followup.customer.owner_id
    if followup.kind == EventKind.SALES:
        return staff or owner
    return owner or staff


def _working(user_ids: set[int]) -> set[int]:
    from org.models import StaffMember

    return set(
        StaffMember.objects.filter(user_id__in=user_ids, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def contact_checks_weekly(*, dealership, day: dt.date) -> str:
    """The Monday job: a check for each unreachable follow-up without one (see
    :func:`needing_check`), ``week`` = the Monday of ``day``, due ``contact_check_days``
    later; each consultant told once for the week (key ``crm.unreachable_weekly:<user>:<week>``)
    with their customers, checks whose consultant no longer works here go to nobody in
    particular and the sales managers are told. Idempotent (run again, nothing new)."""
    from dealership.actors import SYSTEM

    week = monday_of(day)
    rules = followup_settings()
    followups = list(needing_check(day).select_for_update(of=("self",)))
    wanted = {consultant_for(f) for f in followups} - {None}
    working = _working(wanted)
    created: list[ContactCheck] = []
    for followup in followups:
        consultant_id = consultant_for(followup)
        check = ContactCheck(
            dealership_id=followup.dealership_id,
            followup=followup,
            customer=followup.customer,
            consultant_id=consultant_id if consultant_id in working else None,
            week=week,
            due_on=week + dt.timedelta(days=rules.contact_check_days),
        )
        try:
            with transaction.atomic():
                created.append(save_audited(actor=SYSTEM, obj=check, before=None))
        except IntegrityError:  # made meanwhile by a concurrent run: keep that one
            continue
    told = _tell_consultants(dealership, week)
    return f"week of {week:%Y-%m-%d}: {len(created)} contact checks, {told} told"


def _tell_consultants(dealership, week: dt.date) -> int:
    """Each consultant with open checks of ``week`` is told once, with their list."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from crm.notifications import UNREACHABLE_LIST
    from dealership.notifications import PositionHolders, notify

    by_consultant: dict[int | None, list[ContactCheck]] = {}
    for check in (
        ContactCheck.objects.filter(week=week, state=ContactCheckState.OPEN)
        .select_related("customer")
        .order_by("consultant_id", "due_on", "pk")
    ):
        by_consultant.setdefault(check.consultant_id, []).append(check)
    told = 0
    for consultant_id, checks in by_consultant.items():
        names = "、".join(check.customer.name for check in checks[:20])
        if len(checks) > 20:
            names += " …"
        if consultant_id is None:
            recipients = [PositionHolders(*SALES_MANAGERS)]
            subject = format_lazy(
                gettext_lazy("{n} unreachable customers have no consultant to check them"),
                n=len(checks),
            )
        else:
            from django.contrib.auth import get_user_model

            recipients = [get_user_model()(pk=consultant_id)]
            subject = format_lazy(
                gettext_lazy("Unreachable customers to check this week: {n}"), n=len(checks)
            )
        told += len(
            notify(
                UNREACHABLE_LIST,
                recipients,
                subject,
                body=format_lazy(
                    gettext_lazy(
                        "Verify their mobile numbers and return them under “Contact checks” "
                        "by {day}: {names}"
                    ),
                    day=f"{checks[0].due_on:%Y-%m-%d}",
                    names=names,
                ),
                key=f"crm.unreachable_weekly:{consultant_id or 'nobody'}:{week:%Y-%m-%d}",
                dealership=dealership,
            )
        )
    return told


def contact_checks_escalate(*, dealership, day: dt.date) -> str:
    """Open checks whose return day is before ``day`` and not yet escalated: the sales
    managers are told about each (key ``crm.contact_check_overdue:<check>``) and the check is
    marked escalated — once, however often this runs."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from crm.notifications import CONTACT_CHECK_OVERDUE
    from dealership.actors import SYSTEM
    from dealership.notifications import PositionHolders, notify

    overdue = list(
        ContactCheck.objects.select_for_update(of=("self",))
        .filter(state=ContactCheckState.OPEN, due_on__lt=day, escalated_at__isnull=True)
        .select_related("customer", "consultant")
        .order_by("due_on", "pk")
    )
    now = timezone.now()
    for check in overdue:
        consultant = check.consultant
        notify(
            CONTACT_CHECK_OVERDUE,
            [PositionHolders(*SALES_MANAGERS)],
            format_lazy(
                gettext_lazy("Contact check overdue: {customer} (due {day})"),
                customer=check.customer.name,
                day=f"{check.due_on:%Y-%m-%d}",
            ),
            obj=check,
            body=format_lazy(
                gettext_lazy("{consultant} has not returned the customer's verified contacts."),
                consultant=(consultant.name or consultant.username)
                if consultant is not None
                else gettext_lazy("Nobody"),
            ),
            key=f"{CONTACT_CHECK_OVERDUE}:{check.pk}",
            dealership=dealership,
        )
        before = snapshot(check, ["escalated_at"])
        check.escalated_at = now
        save_audited(actor=SYSTEM, obj=check, before=before, fields=["escalated_at"])
    return f"{day:%Y-%m-%d}: {len(overdue)} contact checks escalated"


def _open_check(actor, check_id) -> ContactCheck:
    check = lock_for_user(actor, ContactCheck, getattr(check_id, "pk", check_id), "change")
    if check.state != ContactCheckState.OPEN:
        raise ValidationError(_("This contact check has already been answered."))
    return check


@transaction.atomic
def contactcheck_return(*, actor, check_id, mobile, note: str = "") -> ContactCheck:
    """The consultant (their own check; a manager: their department's) returns the customer's
    verified mobile number: the customer's number is corrected (refused when another customer
    of the dealership has it) and the follow-up goes back on the call list, its failed
    attempts counted afresh."""
    from crm.services.customers import DuplicateCustomer, find_by_mobile
    from crm.services.validators import normalise_mobile

    check = _open_check(actor, check_id)
    number = normalise_mobile(mobile, "mobile")
    if not number:
        raise ValidationError({"mobile": _("Enter the verified mobile number.")})
    existing = find_by_mobile(number, exclude_pk=check.customer_id)
    if existing is not None:
        raise DuplicateCustomer(existing, "mobile")
    customer = Customer.objects.select_for_update().get(pk=check.customer_id)
    if customer.mobile != number:
        before = snapshot(customer, ["mobile", "mobile_alt"])
        customer.mobile = number
        if customer.mobile_alt == number:
            customer.mobile_alt = ""
        save_audited(actor=actor, obj=customer, before=before, fields=["mobile", "mobile_alt"])
    before = snapshot(check, CHECK_FIELDS)
    check.state = ContactCheckState.RETURNED
    check.returned_at = timezone.now()
    check.returned_by = actor if getattr(actor, "pk", None) else None
    check.mobile = number
    check.note = (note or "").strip()[:500]
    save_audited(actor=actor, obj=check, before=before, fields=CHECK_FIELDS)
    followup = FollowUp.objects.select_for_update().get(pk=check.followup_id)
    if followup.status == S.UNREACHABLE:  # else reopened by the CRM team meanwhile
        reopen(
            actor=actor,
            followup=followup,
            reason=_("Verified contact details returned by %(name)s.")
            % {"name": getattr(actor, "name", "") or actor.username},
        )
    return check


@transaction.atomic
def contactcheck_close(*, actor, check_id, note: str) -> ContactCheck:
    """Close a check without new contact details (the customer could not be verified); the
    note says why. The follow-up stays unreachable and is not sent again."""
    check = _open_check(actor, check_id)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why there are no new contact details.")})
    before = snapshot(check, CHECK_FIELDS)
    check.state = ContactCheckState.CLOSED
    check.returned_at = timezone.now()
    check.returned_by = actor if getattr(actor, "pk", None) else None
    check.note = note[:500]
    return save_audited(actor=actor, obj=check, before=before, fields=CHECK_FIELDS)
