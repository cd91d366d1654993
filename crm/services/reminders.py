"""Service reminders (车务提醒): whom to remind of maintenance, insurance renewal and the annual
inspection, listed each morning by the job ``crm.service_reminders``, then worked by the CRM
team (an SMS, a phone call, or skipped with a note).

The rules (for every vehicle of the dealership that has an owner; dates are local days):

* **Window.** A due date is listed from ``FollowUpSettings.remind_days_before`` days ahead;
  a run also lists due dates of the last :data:`LOOKBACK_DAYS` days that it has not listed yet
  (a run after downtime catches up). One :class:`~crm.models.ServiceReminder` per (vehicle,
  kind, due date) — a unique constraint — so running again, late, or for the missed days
  creates nothing twice.
* **Maintenance.** The base is the vehicle's last service visit (the latest ``CustomerEvent`` of
  kind service), else its delivery (the first of kind sales), else its registration date. It is
  due ``maintenance_months`` after the base — or earlier by kilometres: the car's pace is its
  odometer (``Vehicle.mileage``) over the days from its delivery (else registration) to the day
  of the reading (the last service visit, where the workshop reads it, else the day the vehicle
  record last changed), counted only over at least :data:`MIN_PACE_DAYS` days; the maintenance
  is then due when the estimated odometer reaches its value at the base plus
  ``maintenance_km``, i.e. ``maintenance_km ÷ km per day`` days after the base. Both inputs
  change only when the car is serviced or its record edited, so the due date is stable from
  day to day. An open maintenance reminder is closed (skipped, with the reason) when the car
  comes back for service after it was listed.
* **Insurance renewal.** Yearly, on the anniversary of the delivery (else of the registration):
  the compulsory (交强险) and commercial policies start when the car is bought.
* **Annual inspection (年检).** From the registration date (else the delivery), by the rule for
  private small passenger cars of the 2014 inspection reform: the inspection-exempt label
  (免检标志) in years 2, 4 and 6, then an inspection every year until year 15, then every six
  months. (The reform of October 2022 extended the exemption to ten years — label in years 6
  and 10, yearly after year 10; :data:`INSPECTION_YEARS` is where to change it.)

Working a reminder needs ``crm.change_member`` (the CRM team holds it); an SMS is refused when
the customer has not consented to SMS (PIPL) or has no mobile number."""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    CustomerEvent,
    EventKind,
    ReminderKind,
    ReminderState,
    ServiceReminder,
    Vehicle,
)
from crm.services.followups import followup_settings
from crm.services.retention import add_months
from crm.services.texts import PLACEHOLDERS, check_placeholders, render
from dealership.access import lock_for_user
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope

Kind = ReminderKind
LOOKBACK_DAYS = 7
MIN_PACE_DAYS = 30
# the inspection years from the registration, then every six months after the last one
INSPECTION_YEARS = (2, 4, 6, *range(7, 16))
REMINDER_FIELDS = ("state", "done_at", "done_by", "note")
PLACEHOLDERS_DUE = (*PLACEHOLDERS, "due")


def _anniversaries(anchor: dt.date, low: dt.date, high: dt.date, months: list[int]):
    return [d for d in (add_months(anchor, m) for m in months) if low <= d <= high]


def maintenance_due(
    *,
    delivered_on: dt.date | None,
    registered_on: dt.date | None,
    last_service_on: dt.date | None,
    mileage: int | None,
    reading_on: dt.date | None,
    months: int,
    km: int,
) -> tuple[dt.date, str] | None:
    """The next maintenance due date of a vehicle and why (see the module), or ``None``."""
    start = delivered_on or registered_on
    base = last_service_on or start
    if base is None:
        return None
    due, why = add_months(base, months), "months"
    if mileage and start and reading_on and (reading_on - start).days >= MIN_PACE_DAYS:
        per_day = mileage / (reading_on - start).days
        by_km = base + dt.timedelta(days=math.ceil(km / per_day))
        if by_km < due:
            due, why = by_km, "km"
    if why == "km":
        basis = _("%(km)s km after %(base)s at about %(pace)s km a day") % {
            "km": km,
            "base": f"{base:%Y-%m-%d}",
            "pace": round(mileage / (reading_on - start).days),
        }
    else:
        basis = _("%(months)s months after %(base)s") % {
            "months": months,
            "base": f"{base:%Y-%m-%d}",
        }
    where = _("the last service") if last_service_on else _("the delivery")
    return due, f"{basis} ({where})"


def insurance_due(*, delivered_on, registered_on, low: dt.date, high: dt.date):
    anchor = delivered_on or registered_on
    if anchor is None:
        return []
    years = range(max(1, low.year - anchor.year - 1), high.year - anchor.year + 1)
    return _anniversaries(anchor, low, high, [12 * y for y in years])


def inspection_due(*, registered_on, delivered_on, low: dt.date, high: dt.date):
    anchor = registered_on or delivered_on
    if anchor is None:
        return []
    months = [12 * y for y in INSPECTION_YEARS]
    last = months[-1]
    age = (high.year - anchor.year) * 12 + 12
    months += list(range(last + 6, max(age, last) + 7, 6))
    return _anniversaries(anchor, low, high, months)


def _local_day(moment) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def _close_serviced(day: dt.date) -> int:
    """Open maintenance reminders of cars that came back for service after being listed are
    closed (skipped, with the day of the visit)."""
    closed = 0
    open_rows = ServiceReminder.objects.filter(kind=Kind.MAINTENANCE, state=ReminderState.OPEN)
    latest = dict(
        CustomerEvent.objects.filter(
            kind=EventKind.SERVICE,
            vehicle_id__in=open_rows.values("vehicle_id"),
            occurred_on__lte=day,
        )
        .values_list("vehicle_id")
        .annotate(last=Max("occurred_on"))
    )
    for reminder in open_rows.select_for_update().order_by("pk"):
        visit = latest.get(reminder.vehicle_id)
        if visit is None or visit < reminder.listed_on:
            continue
        reminder.state = ReminderState.SKIPPED
        reminder.done_at = timezone.now()
        reminder.note = _("Came for service on %(day)s.") % {"day": f"{visit:%Y-%m-%d}"}
        reminder.save(update_fields=["state", "done_at", "note"])
        closed += 1
    return closed


@transaction.atomic
def reminders_list(*, day: dt.date) -> list[ServiceReminder]:
    """The daily job's work for ``day`` in the current dealership: the reminders that are due
    within the window (see the module), each created once. Returns those created now."""
    rules = followup_settings()
    _close_serviced(day)
    low = day - dt.timedelta(days=LOOKBACK_DAYS)
    high = day + dt.timedelta(days=rules.remind_days_before)
    dealership_id = get_scope().current_id
    events = {
        row["vehicle_id"]: row
        for row in CustomerEvent.objects.filter(vehicle__isnull=False, occurred_on__lte=day)
        .values("vehicle_id")
        .annotate(
            delivered=Min("occurred_on", filter=Q(kind=EventKind.SALES)),
            serviced=Max("occurred_on", filter=Q(kind=EventKind.SERVICE)),
        )
    }
    # a car with an open maintenance reminder gets no second one (its due date may have moved
    # with an edit of its record)
    pending = set(
        ServiceReminder.objects.filter(kind=Kind.MAINTENANCE, state=ReminderState.OPEN).values_list(
            "vehicle_id", flat=True
        )
    )
    wanted: list[ServiceReminder] = []
    for vehicle in Vehicle.objects.filter(owner__isnull=False).only(
        "pk", "owner_id", "registration_date", "mileage", "updated_at"
    ):
        facts = events.get(vehicle.pk, {})
        delivered, serviced = facts.get("delivered"), facts.get("serviced")
        registered = vehicle.registration_date

        def add(kind, due, basis, vehicle=vehicle):
            wanted.append(
                ServiceReminder(
                    dealership_id=dealership_id,
                    kind=kind,
                    customer_id=vehicle.owner_id,
                    vehicle_id=vehicle.pk,
                    due_on=due,
                    basis=basis[:200],
                    listed_on=day,
                )
            )

        found = maintenance_due(
            delivered_on=delivered,
            registered_on=registered,
            last_service_on=serviced,
            mileage=vehicle.mileage,
            reading_on=serviced or _local_day(vehicle.updated_at),
            months=rules.maintenance_months,
            km=rules.maintenance_km,
        )
        if found is not None and low <= found[0] <= high and vehicle.pk not in pending:
            add(Kind.MAINTENANCE, *found)
        for due in insurance_due(
            delivered_on=delivered, registered_on=registered, low=low, high=high
        ):
            since = _("delivered") if delivered else _("registered")
            add(
                Kind.INSURANCE,
                due,
                _("yearly since %(day)s (%(since)s)")
                % {"day": f"{delivered or registered:%Y-%m-%d}", "since": since},
            )
        for due in inspection_due(
            registered_on=registered, delivered_on=delivered, low=low, high=high
        ):
            anchor = registered or delivered
            add(
                Kind.INSPECTION,
                due,
                _("%(age)s since the registration on %(day)s")
                % {"age": _age(anchor, due), "day": f"{anchor:%Y-%m-%d}"},
            )
    existing = set(
        ServiceReminder.objects.filter(due_on__gte=low, due_on__lte=high).values_list(
            "vehicle_id", "kind", "due_on"
        )
    )
    new = [r for r in wanted if (r.vehicle_id, r.kind, r.due_on) not in existing]
    ServiceReminder.objects.bulk_create(new, ignore_conflicts=True)
    return new


def _age(anchor: dt.date, due: dt.date) -> str:
    months = (due.year - anchor.year) * 12 + due.month - anchor.month
    years, rest = divmod(months, 12)
    if rest:
        return _("%(years)s years %(months)s months") % {"years": years, "months": rest}
    return _("%(years)s years") % {"years": years}


# --- working a reminder -------------------------------------------------------------------------

DEFAULT_TEXTS = {
    Kind.MAINTENANCE: "{name}您好，您的爱车{plate}（{model}）将于{due}前后到期保养，欢迎预约。{dealership}",
    Kind.INSURANCE: "{name}您好，您的爱车{plate}的保险将于{due}到期，请及时续保。{dealership}",
    Kind.INSPECTION: "{name}您好，您的爱车{plate}将于{due}前需办理年检，欢迎来店咨询。{dealership}",
}


def reminder_values(reminder: ServiceReminder) -> dict:
    from dealership.models import Dealership

    vehicle = reminder.vehicle
    dealership = Dealership.objects.filter(pk=reminder.dealership_id).first()
    return {
        "name": reminder.customer.name,
        "plate": vehicle.plate,
        "model": " ".join(p for p in (vehicle.brand, vehicle.model) if p),
        "dealership": dealership.name_zh if dealership else "",
        "due": f"{reminder.due_on:%Y-%m-%d}",
    }


def reminder_text(reminder: ServiceReminder, text: str | None = None) -> str:
    """The SMS of ``reminder``: ``text`` (or the kind's default) with its placeholders."""
    template = text if text not in (None, "") else DEFAULT_TEXTS[reminder.kind]
    check_placeholders(template, PLACEHOLDERS_DUE)
    return render(template, reminder_values(reminder))


def _open(actor, reminder_id) -> tuple[ServiceReminder, dict]:
    reminder = lock_for_user(actor, ServiceReminder, getattr(reminder_id, "pk", reminder_id))
    if reminder.state != ReminderState.OPEN:
        raise ValidationError(
            _("This reminder was already handled: %(state)s.")
            % {"state": reminder.get_state_display()}
        )
    return reminder, snapshot(reminder, REMINDER_FIELDS)


def _done(actor, reminder, before, state: str, note: str) -> ServiceReminder:
    reminder.state = state
    reminder.done_at = timezone.now()
    reminder.done_by = actor
    reminder.note = (note or "").strip()[:500]
    return save_audited(actor=actor, obj=reminder, before=before, fields=REMINDER_FIELDS)


@transaction.atomic
def reminder_send_sms(*, actor, reminder_id, text: str | None = None) -> ServiceReminder:
    """Send the customer the reminder by SMS (key ``crm.reminder:<id>``) — refused without
    their consent to SMS or a mobile number. The row is marked first; a gateway error undoes it
    and is reported."""
    from dealership.sms import send_sms

    reminder, before = _open(actor, reminder_id)
    customer = reminder.customer
    if not customer.consent_sms:
        raise ValidationError(
            _(
                "%(name)s has not consented to SMS: call them or skip the reminder. Record the "
                "consent on the customer first if they give it."
            )
            % {"name": customer.name}
        )
    if not customer.mobile:
        raise ValidationError(_("%(name)s has no mobile number.") % {"name": customer.name})
    message = reminder_text(reminder, text)
    if len(message) > 500:
        raise ValidationError({"text": _("A message has at most 500 characters.")})
    _done(actor, reminder, before, ReminderState.SENT, message)
    try:
        send_sms(
            dealership=reminder.dealership_id,
            to=customer.mobile,
            text=message,
            key=f"crm.reminder:{reminder.pk}",
        )
    except Exception as problem:  # the gateway's error, shown to the user
        raise ValidationError(
            _("The SMS could not be sent: %(error)s") % {"error": str(problem)[:200]}
        ) from problem
    return reminder


@transaction.atomic
def reminder_call(*, actor, reminder_id, note: str = "") -> ServiceReminder:
    """The customer was reminded by phone (what was said, optionally)."""
    reminder, before = _open(actor, reminder_id)
    return _done(actor, reminder, before, ReminderState.CALLED, note)


@transaction.atomic
def reminder_skip(*, actor, reminder_id, note: str) -> ServiceReminder:
    """Not reminded, and why (sold the car, serviced elsewhere …)."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the customer is not reminded.")})
    reminder, before = _open(actor, reminder_id)
    return _done(actor, reminder, before, ReminderState.SKIPPED, note)
