"""Writes of the call screen: one follow-up call recorded in one transaction.

* :func:`followup_customer_correct` — the owner's details verified on the call. Who may change
  the customer anyway (``crm.change_customer`` over them) changes them through
  :func:`crm.services.customer_update`; besides them, **the specialist assigned to an open
  follow-up may correct the owner's name, mobile numbers, address and consents** of that
  follow-up's customer (a follow-up specialist only reads customers otherwise). Anyone else is
  refused (403). The same validation applies either way (mobile numbers, duplicates, consent).
* :func:`followup_call_record` — the details corrected, the call attempt recorded
  (:func:`crm.services.followups.followup_attempt_record`) and, when the call connected, the
  survey (:func:`crm.services.surveys.survey_record`, which may open a complaint); any error
  leaves nothing saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    AttemptOutcome,
    CallAttempt,
    ConsentMethod,
    Customer,
    FollowUp,
    FollowUpStatus,
    SurveyChannel,
    SurveyResponse,
)
from dealership.access import lock_for_user, permitted_ids
from dealership.audit import save_audited, snapshot

__all__ = [
    "CORRECTABLE_FIELDS",
    "CallResult",
    "followup_call_record",
    "followup_customer_correct",
    "may_correct_customer",
]

# what the specialist verifies and corrects on the call
CORRECTABLE_FIELDS = (
    "name",
    "mobile",
    "mobile_alt",
    "province",
    "city",
    "district",
    "street",
    "consent_call",
    "consent_sms",
)
NOTE_MAX = 500


@dataclass(frozen=True)
class CallResult:
    followup: FollowUp
    attempt: CallAttempt
    survey: SurveyResponse | None
    customer_changed: bool


def _pk(value):
    return getattr(value, "pk", value)


def may_correct_customer(user, followup: FollowUp) -> bool:
    """May ``user`` correct the details of ``followup``'s customer on the call? (Those who may
    change the customer anyway, and the specialist assigned to the open follow-up.)"""
    if permitted_ids(user, Customer, "change", [followup.customer_id]):
        return True
    return followup.is_open and followup.specialist_id == getattr(user, "pk", None)


def _with_consent_dates(customer: Customer, changes: dict) -> dict:
    """Consent given on the call: dated today, given verbally (the call is recorded)."""
    changes = dict(changes)
    for kind in ("call", "sms"):
        field = f"consent_{kind}"
        if changes.get(field) is True and not getattr(customer, field):
            changes.setdefault(f"{field}_on", timezone.localdate())
            changes.setdefault(f"{field}_how", ConsentMethod.VERBAL)
    return changes


@transaction.atomic
def followup_customer_correct(*, actor, followup_id, changes: dict) -> Customer | None:
    """Correct the details of the follow-up's customer (``changes``: some of
    :data:`CORRECTABLE_FIELDS`); ``None`` when nothing changed. See the module's rule."""
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These details cannot be corrected on the call: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    followup = lock_for_user(actor, FollowUp, _pk(followup_id), "view")
    if not changes:
        return None
    customer_id = followup.customer_id
    if permitted_ids(actor, Customer, "change", [customer_id]):
        from crm.services.customers import customer_update

        current = Customer.objects.get(pk=customer_id)
        return customer_update(
            actor=actor, customer_id=customer_id, **_with_consent_dates(current, changes)
        )
    if followup.specialist_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            _(
                "Only the specialist of this follow-up, or who may change the customer, "
                "corrects the owner's details."
            )
        )
    if not followup.is_open:
        raise ValidationError(
            _("This follow-up is closed; its customer's details stay as they are.")
        )
    # the assigned specialist, on the call: the same checks as a change of the customer
    from crm.services.customers import CUSTOMER_FIELDS, _clean

    customer = Customer.objects.select_for_update().get(pk=customer_id)
    before = snapshot(customer, CUSTOMER_FIELDS)
    for name, value in _with_consent_dates(customer, changes).items():
        setattr(customer, name, value)
    _clean(customer)
    return save_audited(actor=actor, obj=customer, before=before, fields=CUSTOMER_FIELDS)


@transaction.atomic
def followup_call_record(
    *,
    actor,
    followup_id,
    outcome: str,
    note: str = "",
    customer_changes: dict | None = None,
    answers: dict | None = None,
    comment: str = "",
    complaint: str = "",
    at: dt.datetime | None = None,
) -> CallResult:
    """Record one call of a follow-up: the owner's details corrected (``customer_changes``),
    the attempt with its ``outcome`` and ``note``, and — when it connected — the survey
    (``answers`` by question id, the customer's ``comment``, and ``complaint``: what the
    customer complains about, which opens a complaint). For other outcomes the answers are
    ignored. All or nothing."""
    from crm.services.followups import followup_attempt_record
    from crm.services.surveys import survey_record

    if outcome not in AttemptOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call ended.")})
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    followup = lock_for_user(actor, FollowUp, _pk(followup_id), "change")
    if followup.status == FollowUpStatus.NOT_CALLED:
        raise ValidationError(
            _("This customer is not called: %(reason)s") % {"reason": followup.reason}
        )
    if not followup.is_open:
        raise ValidationError(_("This follow-up is already closed."))
    day = timezone.localdate(at) if at else timezone.localdate()
    if day < followup.window_start:
        raise ValidationError(
            _("The call window opens on %(day)s.") % {"day": f"{followup.window_start:%Y-%m-%d}"}
        )
    connected = outcome == AttemptOutcome.CONNECTED
    if str(complaint or "").strip() and not connected:
        raise ValidationError(
            {
                "complaint": _(
                    "A complaint is taken on a connected call; otherwise register it on the "
                    "complaints page."
                )
            }
        )
    customer = followup_customer_correct(
        actor=actor, followup_id=followup.pk, changes=dict(customer_changes or {})
    )
    survey = None
    if connected:
        survey = survey_record(
            actor=actor,
            followup_id=followup.pk,
            answers=answers or {},
            channel=SurveyChannel.CALL,
            comment=comment,
            complaint=complaint,
            at=at,
        )
    attempt = followup_attempt_record(
        actor=actor, followup_id=followup.pk, outcome=outcome, note=note, at=at
    )
    return CallResult(
        followup=FollowUp.objects.get(pk=followup.pk),
        attempt=attempt,
        survey=survey,
        customer_changed=customer is not None,
    )
