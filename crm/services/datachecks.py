"""Writes of the day-N+1 data check (003 §4.4.1C: 更新系统中前日销售交车/入库客户的通讯地址及相关资料).

* :func:`datachecks_list` — the daily job ``crm.data_check_list``: one :class:`DataCheck` per
  follow-up whose day N was yesterday (or a missed day of the last week, when the job ran late),
  each specialist told once per day (notification key). Run twice or late, it lists each
  follow-up once and tells nobody twice.
* :func:`datacheck_confirm` — the details are right (checked).
* :func:`datacheck_correct` — the details were wrong: the customer is changed through
  :func:`crm.services.calls.followup_customer_correct` (who may change the customer goes through
  ``customer_update``; the specialist of the open follow-up corrects name, mobiles, address and
  consents), audited like any change of the customer; the check is corrected.
* :func:`datacheck_unreachable` — the details could not be verified (no answer, no address).

Each write locks the check through the chokepoint (``change``: the follow-up's specialist, the
CRM managers) and is audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Customer, DataCheck, DataCheckState, FollowUp
from dealership.access import lock_for_user
from dealership.audit import save_audited, snapshot

__all__ = [
    "CATCH_UP_DAYS",
    "datacheck_confirm",
    "datacheck_correct",
    "datacheck_unreachable",
    "datachecks_list",
]

# how far back a late run lists follow-ups it has not listed yet
CATCH_UP_DAYS = 7
FIELDS = ("state", "checked_at", "checked_by", "changed_fields", "note")
NOTE_MAX = 500


def _pk(value):
    return getattr(value, "pk", value)


def datachecks_list(*, dealership, day: dt.date) -> str:
    """List, for ``day`` (the morning of day N+1), the follow-ups of the deliveries and service
    visits of the day before (and of the missed days of the last :data:`CATCH_UP_DAYS`), and
    tell each specialist once. In the dealership's tenant scope (the job)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from crm.notifications import DATA_CHECK_LIST
    from crm.services.followups import CRM_MANAGERS
    from dealership.notifications import PositionHolders, notify
    from dealership.notifications.services import local_today

    since = day - dt.timedelta(days=CATCH_UP_DAYS)
    with transaction.atomic():
        missing = list(
            FollowUp.objects.filter(event_date__gte=since, event_date__lt=day)
            .exclude(data_checks__isnull=False)
            .values("pk", "customer_id", "kind", "event_date")
        )
        DataCheck.objects.bulk_create(
            [
                DataCheck(
                    dealership_id=dealership.pk,
                    followup_id=row["pk"],
                    customer_id=row["customer_id"],
                    kind=row["kind"],
                    event_date=row["event_date"],
                    listed_on=row["event_date"] + dt.timedelta(days=1),
                )
                for row in missing
            ],
            ignore_conflicts=True,  # a second run at the same time lists nothing twice
        )
        result = f"{day:%Y-%m-%d}: {len(missing)} listed"
        if day < local_today(dealership):
            return f"{result}; nobody told (a past day)"
        counts = (
            DataCheck.objects.filter(state=DataCheckState.OPEN, listed_on__lte=day)
            .values("followup__specialist_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        told = 0
        for row in counts:
            specialist_id = row["followup__specialist_id"]
            recipients = (
                [get_user_model()(pk=specialist_id)]
                if specialist_id
                else [PositionHolders(*CRM_MANAGERS)]
            )
            told += len(
                notify(
                    DATA_CHECK_LIST,
                    recipients,
                    format_lazy(gettext_lazy("Customer details to verify: {n}"), n=row["n"]),
                    body=gettext_lazy(
                        "Yesterday's delivered and serviced customers are under “Data checks”: "
                        "verify their phone and address before the satisfaction call."
                    ),
                    key=f"{DATA_CHECK_LIST}:{specialist_id or 0}:{day:%Y-%m-%d}",
                    dealership=dealership,
                )
            )
    return f"{result}; {told} told"


def _close(*, actor, check_id, state: str, note: str, changed=(), from_states=None) -> DataCheck:
    check = lock_for_user(actor, DataCheck, _pk(check_id), "change")
    allowed = from_states or (DataCheckState.OPEN,)
    if check.state not in allowed:
        raise ValidationError(
            _("This data check is already %(state)s.") % {"state": check.get_state_display()}
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": NOTE_MAX}})
    before = snapshot(check, FIELDS)
    check.state = state
    check.checked_at = timezone.now()
    check.checked_by = actor if getattr(actor, "pk", None) else None
    check.note = note
    if changed:
        check.changed_fields = sorted(set(check.changed_fields) | set(changed))
    return save_audited(actor=actor, obj=check, before=before, fields=FIELDS)


@transaction.atomic
def datacheck_confirm(*, actor, check_id, note: str = "") -> DataCheck:
    """The customer's phone and address are right."""
    return _close(actor=actor, check_id=check_id, state=DataCheckState.CHECKED, note=note)


@transaction.atomic
def datacheck_unreachable(*, actor, check_id, note: str = "") -> DataCheck:
    """The details could not be verified (the customer could not be reached)."""
    return _close(actor=actor, check_id=check_id, state=DataCheckState.UNREACHABLE, note=note)


@transaction.atomic
def datacheck_correct(*, actor, check_id, changes: dict, note: str = "") -> DataCheck:
    """Correct the customer's details (``changes``: some of
    :data:`crm.services.calls.CORRECTABLE_FIELDS`) and mark the check corrected. A check
    already checked or marked unreachable may still be corrected (details found later)."""
    from crm.services.calls import followup_customer_correct

    check = lock_for_user(actor, DataCheck, _pk(check_id), "change")
    current = Customer.objects.get(pk=check.customer_id)
    changed = {
        name: value for name, value in (changes or {}).items() if getattr(current, name) != value
    }
    if not changed:
        raise ValidationError(_("Nothing to correct: the details are as on file."))
    followup_customer_correct(actor=actor, followup_id=check.followup_id, changes=changed)
    return _close(
        actor=actor,
        check_id=check.pk,
        state=DataCheckState.CORRECTED,
        note=note,
        changed=changed,
        from_states=tuple(DataCheckState.values),
    )
