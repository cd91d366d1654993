"""Writes of the N+3..N+5 follow-up calls (回访).

* :func:`followup_schedule` — one follow-up per customer event, in the event's transaction
  (called by :func:`crm.services.customer_event_record`): window from the dealership's rules,
  a specialist assigned (balanced among the holders of the sales or service follow-up
  position), status by date; a customer without consent to calls is not called (reason kept).
* :func:`followups_ensure` — the safety net: the follow-up of every customer event that has
  none (written in bulk without :func:`followup_schedule`: demo data, an import, a failure),
  made as ``followup_schedule`` would have made it on the day given. Idempotent.
* :func:`followups_refresh` — the daily job's work for a day: rows pass scheduled → due →
  overdue by date and join the day's list. Idempotent; run for a later day after downtime it
  does what the missed days would have done, once.
* :func:`followup_attempt_record` — one call attempt; connected or refused ends the follow-up,
  the third (by the dealership's rule) phone-off / forwarded / no-connection attempt makes the
  customer unreachable.
* :func:`followup_reopen` (the CRM managers) and :func:`reopen` (the same, for a service that
  has already checked the actor's right, e.g. a consultant returning verified contacts),
  :func:`followup_assign`.
* :func:`followup_list_publish` — the daily job ``crm.followup_list``: refresh, give rows
  without a specialist to one, tell each specialist once a day how many calls are due and
  overdue (the CRM managers about rows nobody can take).
* :func:`followup_settings_update` — the dealership's rules (``crm.change_survey``); a new
  window applies to follow-ups scheduled from then on.

The status a row has on a day is :func:`status_on` (pure), so lists for past and future days
are computed from dates, and the stored status is what the job last set."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    AttemptOutcome,
    CallAttempt,
    CustomerEvent,
    EventKind,
    FollowUp,
    FollowUpSettings,
    FollowUpStatus,
)
from crm.models.followups import OPEN_STATUSES, UNREACHABLE_OUTCOMES
from dealership.access import lock_for_user
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

S = FollowUpStatus

# the position whose holders call after each kind of event
SPECIALISTS = {
    EventKind.SALES: ("sales_followup_specialist",),
    EventKind.SERVICE: ("service_followup_specialist",),
}
# outcomes that end the follow-up: the customer was reached
REACHED = (AttemptOutcome.CONNECTED, AttemptOutcome.REFUSED)


def followup_settings() -> FollowUpSettings:
    """The current dealership's follow-up rules (created with the defaults when missing)."""
    dealership_id = get_scope().current_id
    found = FollowUpSettings.objects.filter(dealership_id=dealership_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FollowUpSettings.objects.create(dealership_id=dealership_id)
    except IntegrityError:
        return FollowUpSettings.objects.get(dealership_id=dealership_id)


def window_for(event_date: dt.date, rules: FollowUpSettings) -> tuple[dt.date, dt.date]:
    return (
        event_date + dt.timedelta(days=rules.window_start),
        event_date + dt.timedelta(days=rules.window_end),
    )


def status_on(followup: FollowUp, day: dt.date) -> str:
    """The status ``followup`` has on ``day`` if nothing else happens to it (an open row by
    its window; a closed or not-called row keeps its status)."""
    if followup.status not in OPEN_STATUSES:
        return followup.status
    if day < followup.window_start:
        return S.SCHEDULED
    if day <= followup.window_end:
        return S.DUE
    return S.OVERDUE


def assignable_positions(kind: str) -> tuple[str, ...]:
    """The positions whose holders may be given a follow-up of ``kind``."""
    return (*SPECIALISTS[kind], "customer_service_specialist")


def _least_busy(kind: str, on: dt.date) -> int | None:
    """The holder of the kind's follow-up position with the fewest open follow-ups (ties: the
    one who has had fewest so far, then the lowest id); ``None`` when nobody holds it."""
    from org.selectors import holders_of

    holders = holders_of(*SPECIALISTS[kind], on=on)
    if not holders:
        return None
    counts = {
        row["specialist_id"]: (row["open"], row["total"])
        for row in FollowUp.objects.filter(specialist_id__in=holders)
        .values("specialist_id")
        .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)), total=Count("pk"))
    }
    return min(holders, key=lambda uid: (*counts.get(uid, (0, 0)), uid))


def followup_schedule(*, actor, event: CustomerEvent) -> FollowUp:
    """The follow-up of ``event`` (created once; called again it returns the existing one).
    Runs inside the caller's transaction; the caller has checked the actor's right to the
    event, so the row is written for the event's dealership whatever the actor may see."""
    existing = FollowUp.objects.filter(event=event).first()
    if existing is not None:
        return existing
    rules = followup_settings()
    start, end = window_for(event.occurred_on, rules)
    followup = FollowUp(
        dealership_id=event.dealership_id,
        event=event,
        kind=event.kind,
        customer=event.customer,
        vehicle=event.vehicle,
        event_date=event.occurred_on,
        window_start=start,
        window_end=end,
    )
    today = timezone.localdate()
    if not event.customer.consent_call:
        followup.status = S.NOT_CALLED
        followup.reason = _("The customer has not consented to calls.")
    else:
        followup.status = status_on(followup, today)
        followup.specialist_id = _least_busy(event.kind, today)
        if followup.status != S.SCHEDULED:
            followup.published_on = today
    try:
        with transaction.atomic():
            return save_audited(actor=actor, obj=followup, before=None)
    except IntegrityError:  # the same event scheduled at the same moment: keep the first
        return FollowUp.objects.get(event=event)


def followups_ensure(*, day: dt.date | None = None, audit: bool = True) -> list[FollowUp]:
    """The follow-up of every customer event of the current dealership that has none (an event
    written in bulk without :func:`followup_schedule` — demo data, an import — or left without
    one by a failure), made in bulk as ``followup_schedule`` would make it on ``day`` (today by
    default): the window from the dealership's rules; not called without consent (the reason
    kept); else the status on ``day``, the specialist of the kind with the fewest open
    follow-ups (balanced over the new rows too) and, once the window has opened, on the list
    since ``day``. Audited as system code unless ``audit`` is false. Idempotent: an event that
    has its follow-up is left alone (one per event, a unique constraint); returns the rows
    created now."""
    from org.selectors import holders_of

    day = day or timezone.localdate()
    events = list(
        CustomerEvent.objects.filter(followups__isnull=True)
        .select_related("customer")
        .order_by("occurred_on", "pk")
    )
    if not events:
        return []
    rules = followup_settings()
    # kind -> {specialist: [open, total]}, as _least_busy counts them
    load: dict[str, dict[int, list[int]]] = {}
    for kind in {event.kind for event in events}:
        holders = holders_of(*SPECIALISTS[kind], on=day)
        counts = {
            row["specialist_id"]: [row["open"], row["total"]]
            for row in FollowUp.objects.filter(specialist_id__in=holders)
            .values("specialist_id")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)), total=Count("pk"))
        }
        load[kind] = {uid: counts.get(uid, [0, 0]) for uid in holders}
    no_consent = _("The customer has not consented to calls.")
    rows = []
    for event in events:
        start, end = window_for(event.occurred_on, rules)
        followup = FollowUp(
            dealership_id=event.dealership_id,
            event=event,
            kind=event.kind,
            customer=event.customer,
            vehicle_id=event.vehicle_id,
            event_date=event.occurred_on,
            window_start=start,
            window_end=end,
        )
        if not event.customer.consent_call:
            followup.status = S.NOT_CALLED
            followup.reason = no_consent
        else:
            followup.status = status_on(followup, day)
            people = load.get(event.kind)
            if people:
                chosen = min(people, key=lambda uid, p=people: (*p[uid], uid))
                people[chosen][0] += followup.status in OPEN_STATUSES
                people[chosen][1] += 1
                followup.specialist_id = chosen
            if followup.status != S.SCHEDULED:
                followup.published_on = day
        rows.append(followup)
    try:
        with transaction.atomic():
            created = FollowUp.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:  # some were made meanwhile: one by one, keeping theirs
        created = []
        for followup in rows:
            try:
                with transaction.atomic():
                    followup.save()
            except IntegrityError:
                continue
            created.append(followup)
    if audit and created:
        from dealership.models import AuditEntry

        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    dealership_id=followup.dealership_id,
                    actor=None,
                    action=AuditEntry.Action.CREATE,
                    object_type=FollowUp._meta.label,
                    object_id=str(followup.pk),
                    object_repr=str(followup)[:200],
                    before=None,
                    after=snapshot(followup),
                )
                for followup in created
            ],
            batch_size=500,
        )
    return created


def followups_refresh(*, day: dt.date) -> dict[str, list[FollowUp]]:
    """Bring every open follow-up of the current dealership to its status on ``day``.

    Returns the rows that joined the list (``"due"``, newly due or newly overdue without having
    been listed) and those that became overdue (``"overdue"``), for the notifications. Rows are
    only ever moved forward (scheduled → due → overdue), so running it twice, or for a later
    day after missed ones, changes each row once."""
    joined: list[FollowUp] = []
    overdue: list[FollowUp] = []
    rows = (
        FollowUp.objects.select_for_update()
        .filter(status__in=[S.SCHEDULED, S.DUE], window_start__lte=day)
        .select_related("customer")
        .order_by("pk")
    )
    for followup in rows:
        new = status_on(followup, day)
        if new == followup.status:
            continue
        fields = ["status", "updated_at"]
        if followup.published_on is None:
            followup.published_on = day
            fields.append("published_on")
            joined.append(followup)
        if new == S.OVERDUE:
            overdue.append(followup)
        followup.status = new
        followup.save(update_fields=fields)
    return {"due": joined, "overdue": overdue}


def _open_for_call(actor, followup_id) -> FollowUp:
    followup = lock_for_user(actor, FollowUp, getattr(followup_id, "pk", followup_id), "change")
    if followup.status == S.NOT_CALLED:
        raise ValidationError(
            _("This customer is not called: %(reason)s") % {"reason": followup.reason}
        )
    if not followup.is_open:
        raise ValidationError(_("This follow-up is already closed."))
    return followup


@transaction.atomic
def followup_attempt_record(
    *, actor, followup_id, outcome: str, note: str = "", at: dt.datetime | None = None
) -> CallAttempt:
    """Record one call attempt (see the module's description). The window must be open (a
    call before day N+window_start is refused: the customer is called on the agreed days)."""
    if outcome not in AttemptOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call ended.")})
    followup = _open_for_call(actor, followup_id)
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("A call cannot be in the future.")})
    day = timezone.localdate(at)
    if day < followup.window_start:
        raise ValidationError(
            _("The call window opens on %(day)s.") % {"day": f"{followup.window_start:%Y-%m-%d}"}
        )
    attempt = CallAttempt(
        dealership_id=followup.dealership_id,
        followup=followup,
        at=at,
        specialist=actor,
        outcome=outcome,
        note=(note or "").strip()[:500],
    )
    save_audited(actor=actor, obj=attempt, before=None)
    changed = ["failed_attempts", "status", "closed_on", "completed_at", "completed_by", "reason"]
    before = snapshot(followup, changed)
    if outcome in REACHED:
        followup.status = S.DONE
        followup.closed_on = day
        followup.completed_at = at
        followup.completed_by = actor
        if outcome == AttemptOutcome.REFUSED:
            followup.reason = _("The customer refused the survey.")
    elif outcome in UNREACHABLE_OUTCOMES:
        followup.failed_attempts += 1
        if followup.failed_attempts >= followup_settings().unreachable_attempts:
            followup.status = S.UNREACHABLE
            followup.closed_on = day
            followup.reason = _("Unreachable after %(n)s attempts.") % {
                "n": followup.failed_attempts
            }
        else:
            followup.status = status_on(followup, day)
    else:
        followup.status = status_on(followup, day)
    save_audited(actor=actor, obj=followup, before=before, fields=changed)
    return attempt


REOPEN_FIELDS = ["status", "closed_on", "failed_attempts", "reopened_at", "reason", "published_on"]


def reopen(*, actor, followup: FollowUp, reason: str = "") -> FollowUp:
    """Put the unreachable ``followup`` (locked by the caller, whose service has checked the
    actor's right to do so) back on the call list: its status by date, the failed attempts
    counted afresh. Used by :func:`followup_reopen` and by the consultant's contact check."""
    if followup.status != S.UNREACHABLE:
        raise ValidationError(_("Only an unreachable customer's follow-up can be reopened."))
    before = snapshot(followup, REOPEN_FIELDS)
    today = timezone.localdate()
    followup.status = S.DUE  # open again; status_on() then places it by date
    followup.status = status_on(followup, today)
    followup.closed_on = None
    followup.failed_attempts = 0
    followup.reopened_at = timezone.now()
    followup.reason = (reason or _("New contact details returned.")).strip()[:200]
    if followup.published_on is None and followup.status != S.SCHEDULED:
        followup.published_on = today
    return save_audited(actor=actor, obj=followup, before=before, fields=REOPEN_FIELDS)


@transaction.atomic
def followup_reopen(*, actor, followup_id, reason: str = "") -> FollowUp:
    """Put an unreachable follow-up back on the call list (new contact details): its status by
    date, the failed attempts counted afresh (whoever may change the follow-up)."""
    followup = lock_for_user(actor, FollowUp, getattr(followup_id, "pk", followup_id), "change")
    return reopen(actor=actor, followup=followup, reason=reason)


@transaction.atomic
def followup_assign(*, actor, followup_id, specialist_id: int) -> FollowUp:
    """Give an open follow-up to another specialist (the CRM team's managers: dealership-wide
    ``crm.change_followup``). The new specialist must hold a follow-up position."""
    from org.selectors import holders_of

    if user_access(actor).scope_for(C.CRM_CHANGE_FOLLOWUP) != DataScope.DEALERSHIP:
        raise PermissionDenied(_("Only the CRM managers assign follow-up calls."))
    followup = lock_for_user(actor, FollowUp, getattr(followup_id, "pk", followup_id), "change")
    if not followup.is_open:
        raise ValidationError(_("This follow-up is already closed."))
    allowed = holders_of(*assignable_positions(followup.kind))
    try:
        specialist_id = int(getattr(specialist_id, "pk", specialist_id))
    except (TypeError, ValueError):
        specialist_id = None
    if specialist_id not in allowed:
        raise ValidationError(
            {"specialist": _("Choose someone who holds a follow-up position here.")}
        )
    before = snapshot(followup, ["specialist"])
    followup.specialist_id = specialist_id
    save_audited(actor=actor, obj=followup, before=before, fields=["specialist"])
    return followup


# --- the daily call list (the job ``crm.followup_list``) -------------------------------------


def _assign_unassigned(day: dt.date) -> int:
    """Give the open rows on ``day``'s list that nobody holds to the least busy specialist
    (someone may have taken the position since they were scheduled)."""
    from crm.selectors.followups import call_list_q
    from dealership.actors import SYSTEM

    assigned = 0
    rows = (
        FollowUp.objects.select_for_update()
        .filter(call_list_q(day), status__in=OPEN_STATUSES, specialist__isnull=True)
        .order_by("window_end", "pk")
    )
    for followup in rows:
        specialist_id = _least_busy(followup.kind, day)
        if specialist_id is None:
            continue
        before = snapshot(followup, ["specialist"])
        followup.specialist_id = specialist_id
        save_audited(actor=SYSTEM, obj=followup, before=before, fields=["specialist"])
        assigned += 1
    return assigned


def list_counts(day: dt.date) -> dict[int | None, dict[str, int]]:
    """``{specialist id (None: nobody): {"due": n, "overdue": n}}`` of the open rows on the call
    list of ``day`` (today or a later day: a past day's rows may have been closed since)."""
    from crm.selectors.followups import call_list_q

    return {
        row["specialist_id"]: {"due": row["due"], "overdue": row["overdue"]}
        for row in FollowUp.objects.filter(call_list_q(day), status__in=OPEN_STATUSES)
        .values("specialist_id")
        .annotate(
            due=Count("pk", filter=Q(window_end__gte=day)),
            overdue=Count("pk", filter=Q(window_end__lt=day)),
        )
        .order_by("specialist_id")
    }


CRM_MANAGERS = ("customer_relations_manager", "crm_director")


def followup_list_publish(*, dealership, day: dt.date) -> str:
    """The daily job's work for ``day`` in the current dealership (its tenant scope): rows move
    to their status on ``day`` (:func:`followups_refresh`; events without their follow-up get
    it first, :func:`followups_ensure`), rows nobody holds go to a
    specialist, and each specialist is told once (key ``crm.followup_list:<user>:<day>``) how
    many calls are due and overdue on their list; rows nobody can take are reported once to
    the CRM managers. Run again, or for a later day after missed ones, it changes each row once
    and tells nobody twice; a run for a day already past (catching up) moves the rows but tells
    nobody (the current day's run tells them about today's list). A day after the dealership's
    today is refused: rows would become due before their time."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from crm.notifications import FOLLOWUP_LIST, FOLLOWUP_UNASSIGNED
    from dealership.notifications import PositionHolders, notify
    from dealership.notifications.services import local_today

    today = local_today(dealership)
    if day > today:
        raise ValueError(f"The call list of {day:%Y-%m-%d} cannot be published before that day.")
    made = followups_ensure(day=day)  # the safety net: events recorded without their row
    moved = followups_refresh(day=day)
    assigned = _assign_unassigned(day)
    result = (
        f"{day:%Y-%m-%d}: {len(moved['due'])} joined the list, {len(moved['overdue'])} overdue, "
        f"{assigned} assigned"
    )
    if made:
        result += f", {len(made)} missing follow-ups made"
    if day < today:
        return f"{result}; nobody told (a past day)"
    told = 0
    for specialist_id, counts in list_counts(day).items():
        if specialist_id is None:
            told += len(
                notify(
                    FOLLOWUP_UNASSIGNED,
                    [PositionHolders(*CRM_MANAGERS)],
                    format_lazy(
                        gettext_lazy("Follow-up calls without a specialist on {day}: {n}"),
                        n=counts["due"] + counts["overdue"],
                        day=f"{day:%Y-%m-%d}",
                    ),
                    body=gettext_lazy(
                        "Nobody holds the follow-up position for them: assign them on the "
                        "follow-up list."
                    ),
                    key=f"{FOLLOWUP_UNASSIGNED}:{day:%Y-%m-%d}",
                    dealership=dealership,
                )
            )
            continue
        told += len(
            notify(
                FOLLOWUP_LIST,
                [_user(specialist_id)],
                format_lazy(
                    gettext_lazy("Follow-up calls today: {due} due, {overdue} overdue"),
                    due=counts["due"],
                    overdue=counts["overdue"],
                ),
                body=format_lazy(
                    gettext_lazy("The call list of {day} is ready under “Today's calls”."),
                    day=f"{day:%Y-%m-%d}",
                ),
                key=f"{FOLLOWUP_LIST}:{specialist_id}:{day:%Y-%m-%d}",
                dealership=dealership,
            )
        )
    return f"{result}; {told} told"


def _user(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model()(pk=user_id)


# --- the rules ------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "window_start",
    "window_end",
    "list_time",
    "contact_target",
    "unreachable_attempts",
    "contact_check_days",
    "complaint_days_normal",
    "complaint_days_major",
    "maintenance_months",
    "maintenance_km",
    "remind_days_before",
    "member_registration_target",
    "member_login_target",
)


@transaction.atomic
def followup_settings_update(*, actor, **fields) -> FollowUpSettings:
    """Change the dealership's follow-up rules (``crm.change_survey``). The window applies to
    follow-ups scheduled from now on; rows already scheduled keep theirs."""
    from dealership.access import check_model_permission

    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    check_model_permission(actor, FollowUpSettings, "change")
    rules = lock_for_user(actor, FollowUpSettings, followup_settings().pk, "change")
    before = snapshot(rules, SETTINGS_FIELDS)
    for name, value in fields.items():
        setattr(rules, name, value)
    if (
        isinstance(rules.window_start, int)
        and isinstance(rules.window_end, int)
        and rules.window_start > rules.window_end
    ):
        raise ValidationError(
            {
                "window_end": _("The window cannot end before it starts (day N+%(n)s).")
                % {"n": rules.window_start}
            }
        )
    return save_audited(actor=actor, obj=rules, before=before, fields=SETTINGS_FIELDS)
