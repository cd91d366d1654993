"""Writes of the sub-dealer network (二级网络): sub-dealers with their contact, region, contract
and state, looked after by someone of the sales department, and their periodic assessments
(period, units sold, score out of 100, findings). Kept with ``sales.change_network``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealership.access import check_model_permission, lock_for_user
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope
from sales.models import SubDealer, SubDealerAssessment, SubDealerState

__all__ = [
    "SUBDEALER_FIELDS",
    "subdealer_assess",
    "subdealer_create",
    "subdealer_update",
]

SUBDEALER_FIELDS = (
    "name",
    "contact_name",
    "contact_phone",
    "region",
    "address",
    "contract_start",
    "contract_end",
    "state",
    "manager",
    "notes",
)
ASSESSMENT_FIELDS = ("sub_dealer", "period_start", "period_end", "units", "score", "findings")


def _pk(value):
    return getattr(value, "pk", value)


def _manager(actor, value):
    """The person who looks after the sub-dealer: a member of staff of this dealership holding
    a sales position (default: the actor)."""
    from django.contrib.auth import get_user_model

    from org.models import PositionAssignment

    if value in (None, ""):
        return actor
    try:
        user_id = int(_pk(value))
    except (TypeError, ValueError):
        raise ValidationError({"manager": _("Choose someone of the sales department.")}) from None
    held = PositionAssignment.objects.filter(
        staff__user_id=user_id, staff__is_active=True, position__department__code="sales"
    ).exists()
    if not held:
        raise ValidationError({"manager": _("Choose someone of the sales department.")})
    return get_user_model().objects.get(pk=user_id)


def _check(dealer: SubDealer) -> None:
    for name in ("name", "contact_name", "contact_phone", "region", "address", "notes"):
        setattr(dealer, name, (getattr(dealer, name) or "").strip())
    if not dealer.name:
        raise ValidationError({"name": _("Enter the sub-dealer's name.")})
    if not dealer.contact_name:
        raise ValidationError({"contact_name": _("Enter the contact person.")})
    if not dealer.region:
        raise ValidationError({"region": _("Enter the region the sub-dealer covers.")})
    if dealer.state not in SubDealerState.values:
        raise ValidationError({"state": _("Choose one of the states.")})
    for name in ("contract_start", "contract_end"):
        value = getattr(dealer, name)
        if value is not None and not isinstance(value, dt.date):
            raise ValidationError({name: _("Enter a valid date.")})
    if (
        dealer.contract_start
        and dealer.contract_end
        and dealer.contract_end < dealer.contract_start
    ):
        raise ValidationError({"contract_end": _("The contract cannot end before it starts.")})
    if dealer.state == SubDealerState.ACTIVE and dealer.contract_start is None:
        raise ValidationError(
            {"contract_start": _("An active sub-dealer has a contract: enter its start.")}
        )
    clash = SubDealer.objects.filter(name__iexact=dealer.name).exclude(pk=dealer.pk).exists()
    if clash:
        raise ValidationError({"name": _("There is already a sub-dealer of this name.")})
    dealer.full_clean(exclude=["manager"])


@transaction.atomic
def subdealer_create(
    *,
    actor,
    name: str,
    contact_name: str,
    region: str,
    contact_phone: str = "",
    address: str = "",
    contract_start=None,
    contract_end=None,
    state: str = SubDealerState.PROSPECT,
    manager=None,
    notes: str = "",
) -> SubDealer:
    check_model_permission(actor, SubDealer, "add")
    dealer = SubDealer(
        dealership_id=get_scope().current_id,
        name=name,
        contact_name=contact_name,
        contact_phone=contact_phone,
        region=region,
        address=address,
        contract_start=contract_start,
        contract_end=contract_end,
        state=state or SubDealerState.PROSPECT,
        manager=_manager(actor, manager),
        notes=notes,
    )
    _check(dealer)
    return save_audited(actor=actor, obj=dealer, before=None, fields=SUBDEALER_FIELDS)


@transaction.atomic
def subdealer_update(*, actor, subdealer_id, **fields) -> SubDealer:
    unknown = set(fields) - set(SUBDEALER_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    dealer = lock_for_user(actor, SubDealer, _pk(subdealer_id), "change")
    before = snapshot(dealer, SUBDEALER_FIELDS)
    if "manager" in fields:
        value = fields.pop("manager")
        if value not in (None, "") and _pk(value) != dealer.manager_id:
            dealer.manager = _manager(actor, value)
    for name, value in fields.items():
        setattr(dealer, name, value)
    _check(dealer)
    return save_audited(actor=actor, obj=dealer, before=before, fields=SUBDEALER_FIELDS)


@transaction.atomic
def subdealer_assess(
    *,
    actor,
    subdealer_id,
    period_start,
    period_end,
    score,
    units=0,
    findings: str = "",
) -> SubDealerAssessment:
    """The assessment of a sub-dealer for a period (one per period start)."""
    check_model_permission(actor, SubDealerAssessment, "add")
    dealer = lock_for_user(actor, SubDealer, _pk(subdealer_id), "change")
    for name, value in (("period_start", period_start), ("period_end", period_end)):
        if not isinstance(value, dt.date):
            raise ValidationError({name: _("Enter a valid date.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    for name, value, top in (("score", score, 100), ("units", units, 100000)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise ValidationError(
                {name: _("Enter a whole number from 0 to %(max)d.") % {"max": top}}
            )
    if SubDealerAssessment.objects.filter(sub_dealer=dealer, period_start=period_start).exists():
        raise ValidationError(
            {"period_start": _("This sub-dealer has already been assessed for this period.")}
        )
    assessment = SubDealerAssessment(
        dealership_id=dealer.dealership_id,
        sub_dealer=dealer,
        period_start=period_start,
        period_end=period_end,
        units=units,
        score=score,
        findings=(findings or "").strip(),
        assessed_by=actor,
    )
    assessment.full_clean(exclude=["assessed_by"])
    return save_audited(actor=actor, obj=assessment, before=None, fields=ASSESSMENT_FIELDS)
