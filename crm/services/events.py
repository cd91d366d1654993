"""Events that earn a customer a satisfaction call (N+3..N+5): a vehicle delivery (sales) and a
service visit (after-sales). Sales and after-sales call :func:`customer_event_record` inside the
transaction of the event; crm's follow-up scheduling builds the call list on these rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Customer, CustomerEvent, EventKind, Vehicle
from crm.services.followups import followup_schedule
from dealership.audit import save_audited
from dealership.tenancy import get_scope


def _source_key(source) -> tuple[str, int]:
    if source is None or getattr(source, "pk", None) is None:
        raise ValueError("customer_event_record needs the saved record of the event as source")
    return source._meta.label_lower, int(source.pk)


@transaction.atomic
def customer_event_record(
    *,
    actor,
    kind: str,
    customer: Customer,
    source,
    occurred_on: dt.date,
    vehicle: Vehicle | None = None,
    staff=None,
    summary: str = "",
    amount=None,
) -> CustomerEvent:
    """Record that ``customer`` had a delivery or service visit on ``occurred_on``, reported by
    ``source`` (the module's saved record). Called again for the same source, it returns the
    row already recorded: one event, one follow-up call, however often it is reported.

    The caller has already checked the actor's right to the event (a delivery, a repair order);
    the row is written with the event's dealership and audited under the actor's name, with
    its follow-up call (:func:`crm.services.followups.followup_schedule`). ``amount`` is what
    the customer paid (yuan), when the module knows it: the customer tiers count it."""
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Unknown kind of event.")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The event cannot be in the future.")})
    if amount is not None:
        try:
            amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ValidationError({"amount": _("Give an amount in yuan.")}) from None
        if not amount.is_finite() or amount < 0:
            raise ValidationError({"amount": _("An amount cannot be negative.")})
    source_type, source_id = _source_key(source)
    existing = CustomerEvent.objects.filter(source_type=source_type, source_id=source_id).first()
    if existing is not None:
        return existing
    event = CustomerEvent(
        dealership_id=get_scope().current_id,
        kind=kind,
        customer=customer,
        vehicle=vehicle,
        occurred_on=occurred_on,
        source_type=source_type,
        source_id=source_id,
        staff=staff,
        summary=summary[:200],
        amount=amount,
    )
    try:
        with transaction.atomic():  # a concurrent report of the same event: keep the first
            save_audited(actor=actor, obj=event, before=None)
    except IntegrityError:
        return CustomerEvent.objects.get(source_type=source_type, source_id=source_id)
    followup_schedule(actor=actor, event=event)
    return event
