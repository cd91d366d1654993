"""Market intelligence: competitor observations (竞争对手情报) and advertising spends (广告投放),
recorded by the marketing and CRM managers and the marketing specialists (``crm.change_campaign``)
for the monthly OEM submissions (:mod:`crm.reports.oem`).

Each write is one transaction: the object re-read through the access chokepoint (locked), the
values checked (a price or a cost is yuan with two decimals and never negative, an observation's
day has come, a period does not end before it starts), then saved and audited. A row recorded
by someone else is changed only within the user's data scope (a specialist: their own)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import AdChannel, AdvertisingSpend, CompetitorObservation
from dealership.access import check_model_permission, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.figures import local_today
from dealership.models import AuditEntry
from dealership.tenancy import get_scope

__all__ = [
    "OBSERVATION_FIELDS",
    "SPEND_FIELDS",
    "advertising_spend_create",
    "advertising_spend_delete",
    "advertising_spend_update",
    "competitor_observation_create",
    "competitor_observation_delete",
    "competitor_observation_update",
]

OBSERVATION_FIELDS = ("brand", "model", "price", "promotion", "observed_on", "source")
SPEND_FIELDS = (
    "channel",
    "description",
    "period_start",
    "period_end",
    "cost",
    "leads_attributed",
)
MAX_YUAN = Decimal("9999999999.99")


def _pk(value):
    return getattr(value, "pk", value)


def _text(value, field: str, label=None) -> str:
    """Stripped text; ``label`` names a required field in the message when it is empty."""
    text = str(value or "").strip()
    if label is not None and not text:
        raise ValidationError({field: _("Give the %(label)s.") % {"label": label}})
    return text


def _yuan(value, field: str) -> Decimal:
    """An amount in yuan: at most two decimals, never negative."""
    if value is None or value == "":
        raise ValidationError({field: _("Give an amount in yuan.")})
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give an amount in yuan, e.g. 159800.00.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Give an amount in yuan, e.g. 159800.00.")})
    if amount < 0:
        raise ValidationError({field: _("An amount cannot be negative.")})
    if amount > MAX_YUAN:
        raise ValidationError({field: _("This amount is too large.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("An amount in yuan has at most two decimals.")})
    return amount.quantize(Decimal("0.01"))


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("Give a date as YYYY-MM-DD.")}) from None


def _unknown(fields: dict, allowed) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(_("%(field)s cannot be changed.") % {"field": ", ".join(unknown)})


# --- competitor observations --------------------------------------------------------------------


def _check_observation(obs: CompetitorObservation) -> None:
    obs.brand = _text(obs.brand, "brand", _("competitor brand"))
    obs.model = _text(obs.model, "model", _("model"))
    obs.promotion = _text(obs.promotion, "promotion")
    obs.source = _text(obs.source, "source")
    obs.price = _yuan(obs.price, "price")
    obs.observed_on = _date(obs.observed_on, "observed_on")
    if obs.observed_on > local_today():
        raise ValidationError({"observed_on": _("An observation cannot be dated in the future.")})


@transaction.atomic
def competitor_observation_create(
    *,
    actor,
    brand: str,
    model: str,
    price,
    observed_on,
    promotion: str = "",
    source: str = "",
) -> CompetitorObservation:
    """Record a competitor's model seen at ``price`` (yuan) on ``observed_on``."""
    check_model_permission(actor, CompetitorObservation, "add")
    obs = CompetitorObservation(
        dealership_id=get_scope().current_id,
        brand=brand,
        model=model,
        price=price,
        observed_on=observed_on,
        promotion=promotion,
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _check_observation(obs)
    return save_audited(actor=actor, obj=obs, before=None, fields=OBSERVATION_FIELDS)


@transaction.atomic
def competitor_observation_update(*, actor, observation_id, **fields) -> CompetitorObservation:
    """Correct an observation (any of its fields but who recorded it)."""
    _unknown(fields, OBSERVATION_FIELDS)
    obs = lock_for_user(actor, CompetitorObservation, _pk(observation_id), "change")
    before = snapshot(obs, OBSERVATION_FIELDS)
    for name, value in fields.items():
        setattr(obs, name, value)
    _check_observation(obs)
    return save_audited(actor=actor, obj=obs, before=before, fields=OBSERVATION_FIELDS)


@transaction.atomic
def competitor_observation_delete(*, actor, observation_id) -> None:
    obs = lock_for_user(actor, CompetitorObservation, _pk(observation_id), "delete")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=obs,
        before=snapshot(obs, OBSERVATION_FIELDS),
        after=None,
    )
    obs.delete()


# --- advertising spends -------------------------------------------------------------------------


def _check_spend(spend: AdvertisingSpend) -> None:
    if spend.channel not in AdChannel.values:
        raise ValidationError({"channel": _("Pick a channel from the list.")})
    spend.description = _text(spend.description, "description", _("description"))
    spend.period_start = _date(spend.period_start, "period_start")
    spend.period_end = _date(spend.period_end, "period_end")
    if spend.period_end < spend.period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    spend.cost = _yuan(spend.cost, "cost")
    leads = spend.leads_attributed
    if leads in (None, ""):
        leads = 0
    try:
        leads = int(leads)
    except (TypeError, ValueError):
        raise ValidationError({"leads_attributed": _("Give a whole number of leads.")}) from None
    if leads < 0:
        raise ValidationError({"leads_attributed": _("The number of leads cannot be negative.")})
    spend.leads_attributed = leads


@transaction.atomic
def advertising_spend_create(
    *,
    actor,
    channel: str,
    description: str,
    period_start,
    period_end,
    cost,
    leads_attributed: int = 0,
) -> AdvertisingSpend:
    """Record money spent on a channel for a period, with the leads it brought."""
    check_model_permission(actor, AdvertisingSpend, "add")
    spend = AdvertisingSpend(
        dealership_id=get_scope().current_id,
        channel=channel,
        description=description,
        period_start=period_start,
        period_end=period_end,
        cost=cost,
        leads_attributed=leads_attributed,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _check_spend(spend)
    return save_audited(actor=actor, obj=spend, before=None, fields=SPEND_FIELDS)


@transaction.atomic
def advertising_spend_update(*, actor, spend_id, **fields) -> AdvertisingSpend:
    """Correct a spend (e.g. the leads counted later)."""
    _unknown(fields, SPEND_FIELDS)
    spend = lock_for_user(actor, AdvertisingSpend, _pk(spend_id), "change")
    before = snapshot(spend, SPEND_FIELDS)
    for name, value in fields.items():
        setattr(spend, name, value)
    _check_spend(spend)
    return save_audited(actor=actor, obj=spend, before=before, fields=SPEND_FIELDS)


@transaction.atomic
def advertising_spend_delete(*, actor, spend_id) -> None:
    spend = lock_for_user(actor, AdvertisingSpend, _pk(spend_id), "delete")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=spend,
        before=snapshot(spend, SPEND_FIELDS),
        after=None,
    )
    spend.delete()
