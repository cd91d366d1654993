"""SMS campaigns (短信发送): requester → department manager → deputy GM → GM → the CRM
department sends (domain.md's approval chain, kind ``crm.sms_campaign`` of the approvals engine,
registered by :mod:`crm.kinds`).

* The **audience** is a saved filter (``SmsCampaign.audience``, JSON): the dealership's owners
  (customers who own a vehicle or had one delivered), narrowed by ``model`` (the vehicle's model
  contains it), ``delivered_from`` / ``delivered_to`` (months ``YYYY-MM`` of a delivery, of that
  model when one is given), ``maintenance_due`` (an open maintenance reminder) and
  ``members_only`` (an open owner-club membership). It is the dealership's, whoever writes the
  campaign: the CRM department sends for the dealership.
* The **message** may use ``{name}``, ``{plate}``, ``{model}``, ``{dealership}``; any other
  placeholder is refused when the campaign is saved.
* **States**: draft → submitted (the approval runs) → approved → sent; rejected ends it; a
  request returned for changes or withdrawn brings the campaign back to draft (only a draft is
  edited).
* **Sending** (:func:`sms_campaign_send`, by the campaign's owner or a CRM manager, or the job
  ``crm.sms_send_approved``): one :class:`~crm.models.SmsDelivery` per audience customer,
  unique per campaign and customer. The row is written (and committed) *before* the message
  leaves, as failed with "interrupted", then marked sent — so a run that crashes half-way is
  resumed by the next one without sending anyone a second message (a row interrupted between
  the two keeps saying it may not have gone out). Customers without SMS consent are logged as
  skipped, without a mobile number as failed; a failure of the gateway is logged and the
  others are still sent."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import (
    Customer,
    CustomerEvent,
    EventKind,
    Membership,
    ReminderKind,
    ReminderState,
    ServiceReminder,
    SmsCampaign,
    SmsCampaignState,
    SmsDelivery,
    SmsDeliveryState,
    Vehicle,
)
from crm.services.texts import PLACEHOLDERS, check_placeholders, render
from dealership.access import check_model_permission, lock_for_user
from dealership.actors import SYSTEM
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope
from org.approvals.kinds import RequestKind, Step

State = SmsCampaignState
CAMPAIGN_FIELDS = ("name", "text", "audience", "state", "audience_count", "request", "sent_at")
EDITABLE = ("name", "text", "audience")
AUDIENCE_KEYS = ("model", "delivered_from", "delivered_to", "maintenance_due", "members_only")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
KIND_CODE = "crm.sms_campaign"
INTERRUPTED = "Sending was interrupted: the message may not have gone out."

__all__ = [
    "KIND_CODE",
    "SMS_CAMPAIGN_KIND",
    "Preview",
    "audience_clean",
    "audience_queryset",
    "campaign_values",
    "sms_campaign_create",
    "sms_campaign_send",
    "sms_campaign_submit",
    "sms_campaign_update",
    "sms_campaigns_send_approved",
]


# --- the audience -------------------------------------------------------------------------------


def _month(value, field: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    match = MONTH.match(str(value).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError({field: _("Give a month as YYYY-MM, e.g. 2026-03.")})
    return match.group(0)


def _bool(value, field: str) -> bool:
    if value in (None, "", False, "false", "0", "off", 0):
        return False
    if value in (True, "true", "1", "on", 1):
        return True
    raise ValidationError({field: _("Give yes or no.")})


def audience_clean(audience) -> dict:
    """The saved filter, checked and normalised (empty values dropped)."""
    if audience in (None, ""):
        return {}
    if not isinstance(audience, dict):
        raise ValidationError({"audience": _("The audience is a filter of named values.")})
    unknown = sorted(set(audience) - set(AUDIENCE_KEYS))
    if unknown:
        raise ValidationError(
            {"audience": _("Unknown audience filter: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    clean: dict = {}
    model = audience.get("model")
    if model not in (None, ""):
        if not isinstance(model, str) or len(model.strip()) > 80:
            raise ValidationError({"model": _("Give a model name of at most 80 characters.")})
        if model.strip():
            clean["model"] = model.strip()
    start = _month(audience.get("delivered_from"), "delivered_from")
    end = _month(audience.get("delivered_to"), "delivered_to")
    if start and end and start > end:
        raise ValidationError({"delivered_to": _("The last month is before the first one.")})
    if start:
        clean["delivered_from"] = start
    if end:
        clean["delivered_to"] = end
    for key in ("maintenance_due", "members_only"):
        if _bool(audience.get(key), key):
            clean[key] = True
    return clean


def _month_range(start: str | None, end: str | None) -> Q:
    condition = Q()
    if start:
        year, month = map(int, start.split("-"))
        condition &= Q(occurred_on__gte=dt.date(year, month, 1))
    if end:
        year, month = map(int, end.split("-"))
        after = dt.date(year + month // 12, month % 12 + 1, 1)
        condition &= Q(occurred_on__lt=after)
    return condition


def audience_queryset(audience: dict, dealership_id: int | None = None) -> QuerySet[Customer]:
    """The customers the filter selects (see the module) in ``dealership_id`` (the current
    dealership by default: an HQ viewer's scope holds several)."""
    audience = audience or {}
    dealership_id = dealership_id or get_scope().current_id
    model = audience.get("model", "")
    owned = Vehicle.objects.filter(owner_id=OuterRef("pk"))
    delivered = CustomerEvent.objects.filter(kind=EventKind.SALES, customer_id=OuterRef("pk"))
    rows = Customer.objects.filter(Exists(owned) | Exists(delivered), dealership_id=dealership_id)
    if model:
        rows = rows.filter(
            Exists(owned.filter(model__icontains=model))
            | Exists(delivered.filter(vehicle__model__icontains=model))
        )
    if audience.get("delivered_from") or audience.get("delivered_to"):
        events = delivered.filter(
            _month_range(audience.get("delivered_from"), audience.get("delivered_to"))
        )
        if model:
            events = events.filter(vehicle__model__icontains=model)
        rows = rows.filter(Exists(events))
    if audience.get("maintenance_due"):
        rows = rows.filter(
            Exists(
                ServiceReminder.objects.filter(
                    customer_id=OuterRef("pk"),
                    kind=ReminderKind.MAINTENANCE,
                    state=ReminderState.OPEN,
                )
            )
        )
    if audience.get("members_only"):
        rows = rows.filter(
            Exists(Membership.objects.filter(customer_id=OuterRef("pk"), left_on__isnull=True))
        )
    return rows.order_by("pk")


def audience_counts(audience: dict, dealership_id: int | None = None) -> dict[str, int]:
    """How many customers the filter selects, and of them how many have no SMS consent
    (skipped) or no mobile number (cannot be sent) — one query."""
    no_mobile = Q(mobile__isnull=True) | Q(mobile="")
    counts = audience_queryset(audience, dealership_id).aggregate(
        total=Count("pk"),
        no_consent=Count("pk", filter=Q(consent_sms=False)),
        no_mobile=Count("pk", filter=Q(consent_sms=True) & no_mobile),
    )
    counts["sendable"] = counts["total"] - counts["no_consent"] - counts["no_mobile"]
    return counts


def _dealership_name(dealership_id: int | None = None) -> str:
    from dealership.models import Dealership

    found = Dealership.objects.filter(pk=dealership_id or get_scope().current_id).first()
    return found.name_zh if found is not None else ""


def campaign_values(customers, audience: dict, dealership_id: int | None = None) -> dict[int, dict]:
    """``{customer id: placeholder values}``: the customer's name, and the plate and model of
    their vehicle (the one of the filter's model when one is given, else the latest they own)
    — one query for all the customers."""
    ids = [c.pk for c in customers]
    model = (audience or {}).get("model", "").lower()
    vehicles: dict[int, Vehicle] = {}

    def wanted(vehicle) -> bool:
        return not model or model in (vehicle.model or "").lower()

    for vehicle in Vehicle.objects.filter(owner_id__in=ids).order_by("pk"):
        kept = vehicles.get(vehicle.owner_id)
        # the latest vehicle of the filter's model, else the latest one
        if kept is None or wanted(vehicle) or not wanted(kept):
            vehicles[vehicle.owner_id] = vehicle
    dealership = _dealership_name(dealership_id)
    values = {}
    for customer in customers:
        vehicle = vehicles.get(customer.pk)
        values[customer.pk] = {
            "name": customer.name,
            "plate": vehicle.plate if vehicle else "",
            "model": " ".join(p for p in (vehicle.brand, vehicle.model) if p) if vehicle else "",
            "dealership": dealership,
        }
    return values


@dataclass
class Preview:
    total: int
    sendable: int
    no_consent: int
    no_mobile: int
    samples: list[dict] = field(default_factory=list)  # customer, phone (as shown), text


# --- the campaign -------------------------------------------------------------------------------


def _pk(value):
    return getattr(value, "pk", value)


def _check(campaign: SmsCampaign) -> None:
    campaign.name = (campaign.name or "").strip()
    campaign.text = (campaign.text or "").strip()
    if not campaign.name:
        raise ValidationError({"name": _("Name the campaign.")})
    if not campaign.text:
        raise ValidationError({"text": _("Write the message.")})
    if len(campaign.text) > 500:
        raise ValidationError({"text": _("A message has at most 500 characters.")})
    check_placeholders(campaign.text, PLACEHOLDERS)
    campaign.audience = audience_clean(campaign.audience)


@transaction.atomic
def sms_campaign_create(*, actor, name: str, text: str, audience=None) -> SmsCampaign:
    """A draft campaign of ``actor`` (who holds ``crm.change_campaign``)."""
    check_model_permission(actor, SmsCampaign, "add")
    campaign = SmsCampaign(
        dealership_id=get_scope().current_id,
        name=name,
        text=text,
        audience=audience or {},
        created_by=actor,
    )
    _check(campaign)
    return save_audited(actor=actor, obj=campaign, before=None, fields=CAMPAIGN_FIELDS)


@transaction.atomic
def sms_campaign_update(*, actor, campaign_id, **fields) -> SmsCampaign:
    """Change a draft's name, message or audience (a campaign under approval, approved or
    sent is no longer changed)."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError(_("%(field)s cannot be changed.") % {"field": ", ".join(unknown)})
    campaign = lock_for_user(actor, SmsCampaign, _pk(campaign_id), "change")
    if campaign.state != State.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed; this campaign is %(state)s.")
            % {"state": campaign.get_state_display()}
        )
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    for name, value in fields.items():
        setattr(campaign, name, value)
    _check(campaign)
    return save_audited(actor=actor, obj=campaign, before=before, fields=CAMPAIGN_FIELDS)


def _subject(campaign: SmsCampaign) -> str:
    return (_("SMS campaign: %(name)s") % {"name": campaign.name})[:200]


def _description(campaign: SmsCampaign, count: int) -> str:
    return _("%(count)s customers.\n%(text)s") % {"count": count, "text": campaign.text}


@transaction.atomic
def sms_campaign_submit(*, actor, campaign_id) -> SmsCampaign:
    """Send a draft for approval (the SMS chain of the engine; a campaign returned for changes
    goes round again on the same request). The audience is counted now."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalChain, ApprovalRequest

    campaign = lock_for_user(actor, SmsCampaign, _pk(campaign_id), "change")
    if campaign.state != State.DRAFT:
        raise ValidationError(
            _("Only a draft is sent for approval; this campaign is %(state)s.")
            % {"state": campaign.get_state_display()}
        )
    _check(campaign)
    counts = audience_counts(campaign.audience, campaign.dealership_id)
    if counts["sendable"] == 0:
        raise ValidationError(
            {"audience": _("Nobody in this audience can receive the message (consent, mobile).")}
        )
    if not ApprovalChain.objects.filter(kind=KIND_CODE).exists():
        # a dealership opened before the kind existed: give it the default chain now, as the
        # engine's initializer does for new ones (existing chains are never touched)
        from dealership.models import Dealership

        approvals.chains_seed(Dealership.objects.get(pk=campaign.dealership_id))
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    request = campaign.request
    if request is not None and request.status == ApprovalRequest.Status.RETURNED:
        approvals.request_update(
            actor=actor,
            request_id=request.pk,
            subject=_subject(campaign),
            description=_description(campaign, counts["total"]),
        )
    else:
        request = approvals.request_create(
            actor=actor,
            kind=KIND_CODE,
            subject=_subject(campaign),
            amount=None,
            description=_description(campaign, counts["total"]),
        )
    campaign.request = request
    campaign.state = State.SUBMITTED
    campaign.audience_count = counts["total"]
    save_audited(actor=actor, obj=campaign, before=before, fields=CAMPAIGN_FIELDS)
    approvals.request_submit(actor=actor, request_id=request.pk)
    campaign.refresh_from_db()  # approved at once when nobody is there to decide
    return campaign


# --- sending ------------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    already: int = 0


def _deliver(campaign: SmsCampaign, customer: Customer, text: str, result: SendResult) -> None:
    from dealership.sms import send_sms

    mobile = customer.mobile or ""
    if not customer.consent_sms:
        state, error = SmsDeliveryState.SKIPPED, ""
    elif not mobile:
        state, error = SmsDeliveryState.FAILED, _("The customer has no mobile number.")
    else:
        state, error = None, INTERRUPTED
    try:
        with transaction.atomic():
            delivery = SmsDelivery.objects.create(
                dealership_id=campaign.dealership_id,
                campaign=campaign,
                customer=customer,
                mobile=mobile,
                text=text,
                state=state or SmsDeliveryState.FAILED,
                error=error,
            )
    except IntegrityError:  # another run took this customer at the same moment
        result.already += 1
        return
    if state == SmsDeliveryState.SKIPPED:
        result.skipped += 1
        return
    if state == SmsDeliveryState.FAILED:
        result.failed += 1
        return
    try:
        send_sms(
            dealership=campaign.dealership_id,
            to=mobile,
            text=text,
            key=f"crm.sms:{campaign.pk}:{customer.pk}",
        )
    except Exception as problem:  # a gateway error fails this message only
        delivery.state = SmsDeliveryState.FAILED
        delivery.error = (str(problem) or problem.__class__.__name__)[:300]
        result.failed += 1
    else:
        delivery.state = SmsDeliveryState.SENT
        delivery.error = ""
        result.sent += 1
    delivery.save(update_fields=["state", "error"])


def sms_campaign_send(*, actor, campaign_id) -> SendResult:
    """Send an approved campaign (its owner, a CRM manager, or the system). Not one
    transaction: each message's row is committed before the message leaves (see the module),
    so running it again resumes where it stopped and sends nobody twice."""
    with transaction.atomic():
        campaign = lock_for_user(actor, SmsCampaign, _pk(campaign_id), "change")
        if campaign.state == State.SENT:
            raise ValidationError(
                _("This campaign was already sent on %(when)s.")
                % {"when": f"{timezone.localtime(campaign.sent_at):%Y-%m-%d %H:%M}"}
            )
        if campaign.state != State.APPROVED:
            raise ValidationError(
                _("Only an approved campaign is sent; this one is %(state)s.")
                % {"state": campaign.get_state_display()}
            )
    result = SendResult()
    done = set(SmsDelivery.objects.filter(campaign=campaign).values_list("customer_id", flat=True))
    customers = [
        c for c in audience_queryset(campaign.audience, campaign.dealership_id) if c.pk not in done
    ]
    result.already = len(done)
    with translation.override(settings.LANGUAGE_CODE):
        values = campaign_values(customers, campaign.audience, campaign.dealership_id)
    for customer in customers:
        _deliver(campaign, customer, render(campaign.text, values[customer.pk]), result)
    with transaction.atomic():
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state == State.APPROVED:
            before = snapshot(campaign, CAMPAIGN_FIELDS)
            campaign.state = State.SENT
            campaign.sent_at = timezone.now()
            save_audited(actor=actor, obj=campaign, before=before, fields=CAMPAIGN_FIELDS)
    return result


def sms_campaigns_send_approved() -> list[tuple[SmsCampaign, SendResult]]:
    """The job's work: send every approved campaign of the current dealership (and finish one a
    crash interrupted)."""
    done = []
    for campaign in SmsCampaign.objects.filter(state=State.APPROVED).order_by("pk"):
        try:
            done.append((campaign, sms_campaign_send(actor=SYSTEM, campaign_id=campaign.pk)))
        except ValidationError:  # sent meanwhile by someone else
            continue
    return done


# --- the approval kind (callbacks run inside the deciding transaction) ---------------------------


def _campaign_of(request):
    return SmsCampaign.objects.select_for_update().filter(request_id=request.pk).first()


def _decider(request):
    from org.approvals.models import StepApprover

    last = (
        StepApprover.objects.filter(step__request=request)
        .exclude(decision="")
        .select_related("user")
        .order_by("-decided_at")
        .first()
    )
    return last.user if last is not None else SYSTEM


def _move(request, state: str, *, actor=None, unlink: bool = False) -> None:
    campaign = _campaign_of(request)
    if campaign is None or campaign.state in (State.SENT,):
        return
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.state = state
    if unlink:
        campaign.request = None
    save_audited(
        actor=actor or _decider(request), obj=campaign, before=before, fields=CAMPAIGN_FIELDS
    )


def _approved(request) -> None:
    _move(request, State.APPROVED)


def _rejected(request) -> None:
    _move(request, State.REJECTED)


def _returned(request) -> None:
    """Back to draft: the requester changes it and submits it again (the same request)."""
    _move(request, State.DRAFT)


def _withdrawn(request) -> None:
    """Back to draft, without the withdrawn request (a new one is made when submitted)."""
    _move(request, State.DRAFT, actor=request.requester, unlink=True)


def _details(request, user) -> list:
    from django.utils.html import format_html

    from dealership.access import permitted_ids

    campaign = SmsCampaign.objects.filter(request_id=request.pk).first()
    if campaign is None:
        return []
    name = campaign.name
    if permitted_ids(user, SmsCampaign, "view", [campaign.pk]):
        name = format_html(
            '<a href="{}" data-testid="sms-campaign">{}</a>', campaign.get_absolute_url(), name
        )
    return [
        (_("Campaign"), name),
        (_("Audience"), audience_label(campaign.audience)),
        (_("Customers"), campaign.audience_count if campaign.audience_count is not None else "—"),
        (_("Message"), campaign.text),
    ]


def _edit_url(request) -> str | None:
    campaign = SmsCampaign.objects.filter(request_id=request.pk).first()
    return campaign.get_absolute_url() if campaign is not None else None


def _create_url(user) -> str | None:
    from django.urls import NoReverseMatch, reverse

    from dealership.access import can

    if not can(user, SmsCampaign, "add"):
        return None
    try:
        return reverse("crm:sms_create")
    except NoReverseMatch:
        return None


def audience_label(audience: dict) -> str:
    """The filter in words (the pages and the approval's details)."""
    audience = audience or {}
    parts = []
    if audience.get("model"):
        parts.append(_("model contains “%(model)s”") % {"model": audience["model"]})
    start, end = audience.get("delivered_from"), audience.get("delivered_to")
    if start and end:
        parts.append(_("delivered %(start)s to %(end)s") % {"start": start, "end": end})
    elif start:
        parts.append(_("delivered from %(start)s") % {"start": start})
    elif end:
        parts.append(_("delivered until %(end)s") % {"end": end})
    if audience.get("maintenance_due"):
        parts.append(_("maintenance due"))
    if audience.get("members_only"):
        parts.append(_("owner-club members"))
    return "; ".join(parts) if parts else _("all owners")


SMS_CAMPAIGN_KIND = RequestKind(
    code=KIND_CODE,
    label=gettext_lazy("SMS campaign"),
    default_chain=[Step.department_head(), Step.at("deputy_gm"), Step.at("gm")],
    amount_required=False,
    on_approved=_approved,
    on_rejected=_rejected,
    on_withdrawn=_withdrawn,
    on_returned=_returned,
    details=_details,
    create_url=_create_url,
    edit_url=_edit_url,
)
