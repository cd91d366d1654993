"""Writes of showroom traffic (来店来电), leads, test drives and key accounts (大客户).

* A visit is recorded by its consultant (a supervisor or manager may record one for a consultant
  of their departments); its customer is one the actor may see, or found by mobile number, or
  created through crm's services. "Open a lead" creates a lead (or attaches the visit to the
  customer's open lead with that consultant).
* A lead moves forward only (``sales.services.stages.lead_advance``): a contact moves a new lead
  to contacted, a test drive to test drive, quotes/orders/deliveries further on.
* Lost (战败): a reason, then the sales manager's approval (kind ``sales.lost_lead``). While the
  request is pending (or returned to the requester) the lead cannot be lost again; approved →
  the lead is lost (its stage before is kept); rejected or withdrawn → the pending request is
  cleared and the lead stays where it was; returned → the requester resubmits or withdraws it
  from the approval's page (the lead keeps the link meanwhile).
* A lost lead may be reactivated (back to the stage it had, at least contacted); until then it
  refuses new work (contacts, test drives)."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Customer, CustomerKind, Source
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.actors import SYSTEM, is_system_actor
from dealership.audit import save_audited, snapshot
from org.access import user_access
from org.approvals.kinds import RequestKind, Step
from org.capabilities import Capability as C
from org.capabilities import DataScope
from sales.models import (
    Intent,
    KeyAccount,
    Lead,
    LostReason,
    Stage,
    TestDrive,
    Visit,
    VisitKind,
)
from sales.services.stages import lead_advance

__all__ = [
    "keyaccount_create",
    "keyaccount_update",
    "lead_contact",
    "lead_create",
    "lead_lose",
    "lead_reactivate",
    "lead_update",
    "lost_request_pending",
    "testdrive_create",
    "testdrive_update",
    "visit_create",
    "visit_update",
]

VISIT_FIELDS = (
    "kind",
    "visited_at",
    "left_at",
    "consultant",
    "customer",
    "lead",
    "party_size",
    "source",
    "models_of_interest",
    "intent",
    "next_contact_on",
    "first_visit",
    "notes",
)
VISIT_EDITABLE = (
    "kind",
    "visited_at",
    "left_at",
    "party_size",
    "source",
    "models_of_interest",
    "intent",
    "next_contact_on",
    "notes",
)
LEAD_FIELDS = (
    "customer",
    "consultant",
    "source",
    "model_of_interest",
    "intent",
    "stage",
    "next_contact_on",
    "key_account",
    "lost_reason",
    "lost_note",
    "lost_request",
    "stage_before_lost",
    "lost_on",
    "notes",
)
LEAD_EDITABLE = (
    "consultant",
    "source",
    "model_of_interest",
    "intent",
    "next_contact_on",
    "key_account",
    "notes",
)
TESTDRIVE_FIELDS = (
    "lead",
    "customer",
    "consultant",
    "vehicle_model",
    "vehicle_plate",
    "licence_number",
    "licence_expires_on",
    "route",
    "starts_at",
    "ends_at",
    "feedback",
)
TESTDRIVE_EDITABLE = TESTDRIVE_FIELDS[3:]
KEYACCOUNT_FIELDS = (
    "customer",
    "contact_name",
    "contact_phone",
    "contact_title",
    "industry",
    "fleet_size",
    "manager",
    "notes",
)
KEYACCOUNT_EDITABLE = KEYACCOUNT_FIELDS[1:]
# 中华人民共和国机动车驾驶证: the 18-character ID number (old ones 15, some 12) of digits and letters
LICENCE_RE = re.compile(r"^[0-9A-Z]{12,18}$")


def _pk(value):
    return getattr(value, "pk", value)


def _unknown(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            {
                sorted(unknown)[0]: _("This field cannot be changed here: %(fields)s")
                % {"fields": ", ".join(sorted(unknown))}
            }
        )


def _today() -> dt.date:
    return timezone.localdate()


# --- who and whom -------------------------------------------------------------------------------


def _person(actor, value, field: str = "consultant"):
    """The consultant (or key-account manager) of a row the actor writes: themselves for a
    consultant (who records only their own); for a supervisor or manager a person holding a
    position in one of their departments; for the GM any active staff member."""
    from org.models import StaffMember
    from sales.access_rules import department_users

    access = user_access(actor)
    scope = DataScope.DEALERSHIP if access.is_system else access.scope_for(C.SALES_CHANGE_PROSPECT)
    if value in (None, ""):
        if is_system_actor(actor):
            raise ValidationError({field: _("Choose the consultant.")})
        return actor
    if scope == DataScope.OWN and not is_system_actor(actor):
        if _pk(value) != actor.pk:
            raise ValidationError({field: _("You record only your own customers and visits.")})
        return actor
    user = get_user_model().objects.filter(pk=_pk(value)).first()
    works_here = user is not None and StaffMember.objects.filter(user=user, is_active=True).exists()
    if not works_here:
        raise ValidationError({field: _("Choose a person working in this dealership.")})
    if scope == DataScope.DEPARTMENT and user.pk != actor.pk:
        allowed = set(department_users(access).values_list("staff__user_id", flat=True))
        if user.pk not in allowed:
            raise ValidationError({field: _("Choose a consultant of your own departments.")})
    return user


def _visible(actor, model, value, field: str, message):
    """A row the actor may see, by id (another dealership's or out-of-scope id → field error)."""
    if value in (None, ""):
        return None
    try:
        return get_object_for_user(actor, model, "view", pk=_pk(value))
    except Http404:
        raise ValidationError({field: message}) from None


def _customer(actor, *, customer, name, mobile, source, owner, kind=CustomerKind.PERSON):
    """An existing customer the actor may see, or one found by mobile, or a new one."""
    from crm import services as crm

    if customer not in (None, ""):
        return _visible(actor, Customer, customer, "customer", _("Choose one of your customers."))
    name = (name or "").strip()
    number = crm.normalise_mobile(mobile, "mobile")
    if number:
        existing = crm.find_by_mobile(number)
        if existing is not None:
            try:
                return get_object_for_user(actor, Customer, "view", pk=existing.pk)
            except Http404:
                raise ValidationError(
                    {
                        "mobile": _(
                            "This number belongs to another consultant's customer; "
                            "ask your supervisor."
                        )
                    }
                ) from None
    if not name:
        if number:
            raise ValidationError({"name": _("Enter the customer's name.")})
        return None
    return crm.customer_create(
        actor=actor, name=name, mobile=number, source=source, owner=owner, kind=kind
    )


def _not_future(value, field: str, message) -> None:
    if value is not None and value > timezone.now() + dt.timedelta(minutes=1):
        raise ValidationError({field: message})


def _not_past(value, field: str) -> None:
    if value is not None and value < _today():
        raise ValidationError({field: _("The next contact date cannot be in the past.")})


def _choice(value, choices, field: str, message) -> None:
    if value not in choices.values:
        raise ValidationError({field: message})


# --- visits -------------------------------------------------------------------------------------


def _check_visit(visit: Visit) -> None:
    _not_future(visit.visited_at, "visited_at", _("The time of a visit cannot be in the future."))
    if visit.left_at is not None and visit.left_at < visit.visited_at:
        raise ValidationError({"left_at": _("The customer cannot leave before they arrived.")})
    _choice(visit.kind, VisitKind, "kind", _("Choose walk-in or phone-in."))
    _choice(visit.intent, Intent, "intent", _("Choose the intent level H, A, B or C."))


@transaction.atomic
def visit_create(
    *,
    actor,
    visited_at,
    kind=VisitKind.WALK_IN,
    consultant=None,
    customer=None,
    name: str = "",
    mobile: str = "",
    party_size: int = 1,
    source=Source.WALK_IN,
    models_of_interest: str = "",
    intent=Intent.C,
    next_contact_on=None,
    left_at=None,
    notes: str = "",
    open_lead: bool = False,
) -> Visit:
    """Record a walk-in or phone-in; with ``open_lead`` it opens a lead (or joins the customer's
    open lead with this consultant)."""
    check_model_permission(actor, Visit, "add")
    if visited_at is None:
        raise ValidationError({"visited_at": _("Enter the time of the visit.")})
    _not_past(next_contact_on, "next_contact_on")
    consultant = _person(actor, consultant)
    visit = Visit(
        kind=kind,
        visited_at=visited_at,
        left_at=left_at,
        consultant=consultant,
        party_size=party_size,
        source=source,
        models_of_interest=(models_of_interest or "").strip(),
        intent=intent,
        next_contact_on=next_contact_on,
        notes=notes or "",
    )
    _check_visit(visit)
    visit.customer = _customer(
        actor, customer=customer, name=name, mobile=mobile, source=source, owner=consultant
    )
    if visit.customer is not None:
        visit.first_visit = not Visit.objects.filter(
            customer=visit.customer, visited_at__lt=visited_at
        ).exists()
    if open_lead:
        if visit.customer is None:
            raise ValidationError({"name": _("A lead needs a customer: enter name and mobile.")})
        lead = (
            Lead.objects.select_for_update()
            .filter(customer=visit.customer, consultant=consultant)
            .exclude(stage__in=[Stage.DELIVERED, Stage.LOST])
            .order_by("-pk")
            .first()
        )
        if lead is None:
            lead = _lead_new(
                actor,
                customer=visit.customer,
                consultant=consultant,
                source=source,
                model_of_interest=visit.models_of_interest[:80],
                intent=intent,
                next_contact_on=next_contact_on,
            )
        else:
            before = snapshot(lead, LEAD_FIELDS)
            lead.intent = intent
            if next_contact_on:
                lead.next_contact_on = next_contact_on
            save_audited(actor=actor, obj=lead, before=before, fields=LEAD_FIELDS)
        visit.lead = lead
    return save_audited(actor=actor, obj=visit, before=None, fields=VISIT_FIELDS)


@transaction.atomic
def visit_update(*, actor, visit_id, **fields) -> Visit:
    """Change a visit's facts (not its consultant, customer or lead)."""
    _unknown(fields, VISIT_EDITABLE)
    visit = lock_for_user(actor, Visit, _pk(visit_id), "change")
    before = snapshot(visit, VISIT_FIELDS)
    if "next_contact_on" in fields and fields["next_contact_on"] != visit.next_contact_on:
        _not_past(fields["next_contact_on"], "next_contact_on")
    for name, value in fields.items():
        setattr(visit, name, value if value is not None or name != "notes" else "")
    _check_visit(visit)
    return save_audited(actor=actor, obj=visit, before=before, fields=VISIT_FIELDS)


# --- leads --------------------------------------------------------------------------------------


def _lead_new(actor, **fields) -> Lead:
    lead = Lead(stage=Stage.NEW, **fields)
    _choice(lead.intent, Intent, "intent", _("Choose the intent level H, A, B or C."))
    return save_audited(actor=actor, obj=lead, before=None, fields=LEAD_FIELDS)


def _key_account(actor, value):
    return _visible(actor, KeyAccount, value, "key_account", _("Choose one of your key accounts."))


@transaction.atomic
def lead_create(
    *,
    actor,
    customer=None,
    name: str = "",
    mobile: str = "",
    consultant=None,
    source=Source.WALK_IN,
    model_of_interest: str = "",
    intent=Intent.B,
    next_contact_on=None,
    key_account=None,
    notes: str = "",
) -> Lead:
    """A new lead (stage new) of a customer the actor may see (or found/created by mobile)."""
    check_model_permission(actor, Lead, "add")
    _not_past(next_contact_on, "next_contact_on")
    consultant = _person(actor, consultant)
    account = _key_account(actor, key_account)
    found = _customer(
        actor, customer=customer, name=name, mobile=mobile, source=source, owner=consultant
    )
    if found is None:
        raise ValidationError({"customer": _("Choose a customer or enter name and mobile.")})
    return _lead_new(
        actor,
        customer=found,
        consultant=consultant,
        source=source,
        model_of_interest=(model_of_interest or "").strip(),
        intent=intent,
        next_contact_on=next_contact_on,
        key_account=account,
        notes=notes or "",
    )


def _refuse_lost(lead: Lead, field: str = "lead") -> None:
    if lead.stage == Stage.LOST:
        raise ValidationError(
            {field: _("This lead is lost; reactivate it before working on it again.")}
        )


def lost_request_pending(lead: Lead) -> bool:
    """A lost-lead request is under way (pending, or returned to the requester)."""
    return lead.lost_request_id is not None and lead.stage != Stage.LOST


@transaction.atomic
def lead_update(*, actor, lead_id, **fields) -> Lead:
    """Change a lead's facts. Its stage is not edited: it moves forward by the work done
    (contacts, test drives, quotes, orders) and to lost through the approval."""
    if "stage" in fields:
        raise ValidationError(
            {"stage": _("The stage moves by the work done; it cannot be set by hand.")}
        )
    _unknown(fields, LEAD_EDITABLE)
    lead = lock_for_user(actor, Lead, _pk(lead_id), "change")
    _refuse_lost(lead, "stage")
    before = snapshot(lead, LEAD_FIELDS)
    if "consultant" in fields:
        if _pk(fields["consultant"]) == lead.consultant_id or fields["consultant"] in (None, ""):
            fields.pop("consultant")
        else:
            fields["consultant"] = _person(actor, fields["consultant"])
    if "key_account" in fields:
        fields["key_account"] = _key_account(actor, fields["key_account"])
    if "next_contact_on" in fields and fields["next_contact_on"] != lead.next_contact_on:
        _not_past(fields["next_contact_on"], "next_contact_on")
    for name, value in fields.items():
        if name in ("notes", "model_of_interest") and value is None:
            value = ""
        setattr(lead, name, value)
    _choice(lead.intent, Intent, "intent", _("Choose the intent level H, A, B or C."))
    return save_audited(actor=actor, obj=lead, before=before, fields=LEAD_FIELDS)


@transaction.atomic
def lead_contact(*, actor, lead_id, note: str, next_contact_on=None, intent=None) -> Lead:
    """Log a contact with the prospect: what was said (appended to the lead's notes), the next
    contact date and the intent level; a new lead becomes contacted."""
    lead = lock_for_user(actor, Lead, _pk(lead_id), "change")
    _refuse_lost(lead)
    if lead.stage == Stage.DELIVERED:
        raise ValidationError({"lead": _("This lead has been delivered; it is closed.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was talked about.")})
    _not_past(next_contact_on, "next_contact_on")
    if intent not in (None, ""):
        _choice(intent, Intent, "intent", _("Choose the intent level H, A, B or C."))
    before = snapshot(lead, LEAD_FIELDS)
    who = getattr(actor, "name", "") or getattr(actor, "username", "")
    line = f"{_today():%Y-%m-%d} {who}: {note}"
    lead.notes = f"{lead.notes}\n{line}".strip() if lead.notes else line
    lead.next_contact_on = next_contact_on
    if intent:
        lead.intent = intent
    save_audited(actor=actor, obj=lead, before=before, fields=LEAD_FIELDS)
    return lead_advance(actor=actor, lead=lead, stage=Stage.CONTACTED)


@transaction.atomic
def lead_lose(*, actor, lead_id, reason: str, note: str = "") -> Lead:
    """Ask for the lead to be lost (战败): a reason, then the sales manager's approval."""
    from org.approvals import services as approvals

    lead = lock_for_user(actor, Lead, _pk(lead_id), "change")
    if lead.stage == Stage.LOST:
        raise ValidationError({"reason": _("This lead is already lost.")})
    if lead.stage == Stage.DELIVERED:
        raise ValidationError({"reason": _("A delivered lead cannot be lost.")})
    if lost_request_pending(lead):
        raise ValidationError(
            {"reason": _("A request to lose this lead is already waiting for approval.")}
        )
    if reason in (None, ""):
        raise ValidationError({"reason": _("Give the reason the lead is lost.")})
    _choice(reason, LostReason, "reason", _("Choose one of the reasons."))
    note = (note or "").strip()
    if reason == LostReason.OTHER and not note:
        raise ValidationError({"note": _("Say what happened.")})
    before = snapshot(lead, LEAD_FIELDS)
    request = approvals.request_create(
        actor=actor,
        kind=LOST_LEAD_KIND.code,
        subject=_("Lost lead #%(id)s: %(lead)s") % {"id": lead.pk, "lead": lead},
        amount=None,
        description=f"{LostReason(reason).label}\n{note}".strip(),
    )
    lead.lost_reason, lead.lost_note, lead.lost_request = reason, note, request
    save_audited(actor=actor, obj=lead, before=before, fields=LEAD_FIELDS)
    approvals.request_submit(actor=actor, request_id=request.pk)
    lead.refresh_from_db()  # approved at once when nobody is there to decide
    return lead


@transaction.atomic
def lead_reactivate(*, actor, lead_id) -> Lead:
    """A lost lead back to the stage it had (at least contacted), its lost facts cleared."""
    lead = lock_for_user(actor, Lead, _pk(lead_id), "change")
    if lead.stage != Stage.LOST:
        raise ValidationError({"stage": _("Only a lost lead can be reactivated.")})
    before = snapshot(lead, LEAD_FIELDS)
    back = lead.stage_before_lost
    lead.stage = back if back and back not in (Stage.NEW, Stage.LOST) else Stage.CONTACTED
    lead.lost_reason = lead.lost_note = lead.stage_before_lost = ""
    lead.lost_request = None
    lead.lost_on = None
    return save_audited(actor=actor, obj=lead, before=before, fields=LEAD_FIELDS)


# --- the approval kind (callbacks run inside the deciding transaction) ---------------------------


def _lead_of(request):
    return (
        Lead.objects.select_for_update()
        .select_related("customer")
        .filter(lost_request_id=request.pk)
        .first()
    )


def _decider(request):
    """Who decided last (the audit's actor of the lead's change), else the system."""
    from org.approvals.models import StepApprover

    last = (
        StepApprover.objects.filter(step__request=request)
        .exclude(decision="")
        .select_related("user")
        .order_by("-decided_at")
        .first()
    )
    return last.user if last is not None else SYSTEM


def _lost_approved(request) -> None:
    lead = _lead_of(request)
    if lead is None or lead.stage == Stage.LOST:
        return
    before = snapshot(lead, LEAD_FIELDS)
    lead.stage_before_lost, lead.stage = lead.stage, Stage.LOST
    lead.lost_on = timezone.now().astimezone(request.dealership.zoneinfo).date()
    save_audited(actor=_decider(request), obj=lead, before=before, fields=LEAD_FIELDS)


def _lost_cleared(request) -> None:
    lead = _lead_of(request)
    if lead is None or lead.stage == Stage.LOST:
        return
    before = snapshot(lead, LEAD_FIELDS)
    lead.lost_request = None
    lead.lost_reason = lead.lost_note = ""
    actor = request.requester if request.status == "withdrawn" else _decider(request)
    save_audited(actor=actor, obj=lead, before=before, fields=LEAD_FIELDS)


def _lost_returned(request) -> None:
    """Returned: the lead keeps the link; its requester resubmits or withdraws the request on
    the approval's page (a new loss cannot be asked for meanwhile)."""


def _lost_details(request, user) -> list:
    from django.utils.html import format_html

    from dealership.access import permitted_ids

    lead = Lead.objects.select_related("customer").filter(lost_request_id=request.pk).first()
    if lead is None:
        return []
    name = str(lead)
    if permitted_ids(user, Lead, "view", [lead.pk]):
        name = format_html(
            '<a href="{}" data-testid="lost-lead">{}</a>', lead.get_absolute_url(), name
        )
    rows = [
        (_("Lead"), name),
        (_("Customer"), lead.customer.name),
        (_("Stage"), lead.get_stage_display()),
        (_("Reason"), lead.get_lost_reason_display() or "—"),
    ]
    if lead.lost_note:
        rows.append((_("What happened"), lead.lost_note))
    return rows


def _lost_edit_url(request) -> str | None:
    lead = Lead.objects.filter(lost_request_id=request.pk).first()
    return lead.get_absolute_url() if lead is not None else None


LOST_LEAD_KIND = RequestKind(
    code="sales.lost_lead",
    label=gettext_lazy("Lost lead"),
    default_chain=[Step.at("sales_manager", alternate="sales_director")],
    amount_required=False,
    on_approved=_lost_approved,
    on_rejected=_lost_cleared,
    on_withdrawn=_lost_cleared,
    on_returned=_lost_returned,
    details=_lost_details,
    create_url=None,
    edit_url=_lost_edit_url,
)


# --- test drives --------------------------------------------------------------------------------


def _check_testdrive(drive: TestDrive) -> None:
    drive.licence_number = re.sub(r"\s", "", drive.licence_number or "").upper()
    if not LICENCE_RE.match(drive.licence_number):
        raise ValidationError(
            {
                "licence_number": _(
                    "A driving licence number has 12 to 18 digits and letters (the ID number)."
                )
            }
        )
    if drive.licence_expires_on is None:
        raise ValidationError({"licence_expires_on": _("Enter the date the licence expires.")})
    if drive.starts_at is None:
        raise ValidationError({"starts_at": _("Enter the start of the test drive.")})
    start_day = timezone.localtime(drive.starts_at).date()
    if drive.licence_expires_on < start_day:
        raise ValidationError(
            {
                "licence_expires_on": _(
                    "The driving licence expired on %(date)s, before the test drive."
                )
                % {"date": drive.licence_expires_on.isoformat()}
            }
        )
    if drive.ends_at is not None and drive.ends_at < drive.starts_at:
        raise ValidationError({"ends_at": _("The end cannot be before the start.")})
    _not_future(drive.ends_at, "ends_at", _("The end of a test drive cannot be in the future."))
    drive.feedback = (drive.feedback or "").strip()
    if drive.feedback and drive.ends_at is None:
        raise ValidationError(
            {"feedback": _("Feedback is recorded once the test drive has ended: enter its end.")}
        )
    if not (drive.vehicle_model or "").strip():
        raise ValidationError({"vehicle_model": _("Enter the model driven.")})


@transaction.atomic
def testdrive_create(
    *,
    actor,
    lead,
    vehicle_model: str,
    licence_number: str,
    licence_expires_on,
    starts_at,
    ends_at=None,
    vehicle_plate: str = "",
    route: str = "",
    feedback: str = "",
) -> TestDrive:
    """A test drive of a lead (its customer and consultant); the lead moves to test drive."""
    check_model_permission(actor, TestDrive, "add")
    if lead in (None, ""):
        raise ValidationError({"lead": _("Choose the lead.")})
    try:
        lead = lock_for_user(actor, Lead, _pk(lead), "change")
    except Http404:
        raise ValidationError({"lead": _("Choose one of your leads.")}) from None
    except PermissionDenied:
        raise
    _refuse_lost(lead)
    drive = TestDrive(
        lead=lead,
        customer_id=lead.customer_id,
        consultant_id=lead.consultant_id,
        vehicle_model=(vehicle_model or "").strip(),
        vehicle_plate=(vehicle_plate or "").strip().upper(),
        licence_number=licence_number,
        licence_expires_on=licence_expires_on,
        route=route or "",
        starts_at=starts_at,
        ends_at=ends_at,
        feedback=feedback or "",
    )
    _check_testdrive(drive)
    drive = save_audited(actor=actor, obj=drive, before=None, fields=TESTDRIVE_FIELDS)
    lead_advance(actor=actor, lead=lead, stage=Stage.TEST_DRIVE)
    return drive


@transaction.atomic
def testdrive_update(*, actor, testdrive_id, **fields) -> TestDrive:
    """Change a test drive (e.g. its end and the customer's feedback)."""
    _unknown(fields, TESTDRIVE_EDITABLE)
    drive = lock_for_user(actor, TestDrive, _pk(testdrive_id), "change")
    before = snapshot(drive, TESTDRIVE_FIELDS)
    for name, value in fields.items():
        if name in ("vehicle_plate", "route", "feedback") and value is None:
            value = ""
        setattr(drive, name, value)
    _check_testdrive(drive)
    return save_audited(actor=actor, obj=drive, before=before, fields=TESTDRIVE_FIELDS)


# --- key accounts -------------------------------------------------------------------------------


def _check_keyaccount(account: KeyAccount) -> None:
    from crm import services as crm

    account.contact_name = (account.contact_name or "").strip()
    if not account.contact_name:
        raise ValidationError({"contact_name": _("Enter the contact person.")})
    account.contact_phone = crm.normalise_mobile(account.contact_phone, "contact_phone") or ""
    if account.fleet_size is None or account.fleet_size < 0:
        raise ValidationError({"fleet_size": _("The fleet size cannot be negative.")})
    for name in ("contact_title", "industry", "notes"):
        setattr(account, name, (getattr(account, name) or "").strip())


def _company(actor, *, customer, name, manager):
    company = _customer(
        actor,
        customer=customer,
        name=name,
        mobile="",
        source=Source.KEY_ACCOUNT,
        owner=manager,
        kind=CustomerKind.COMPANY,
    )
    if company is None:
        raise ValidationError({"customer": _("Choose the company or enter its name.")})
    if company.kind != CustomerKind.COMPANY:
        raise ValidationError({"customer": _("A key account is a company customer.")})
    if KeyAccount.objects.filter(customer=company).exists():
        raise ValidationError({"customer": _("This company is already a key account.")})
    return company


@transaction.atomic
def keyaccount_create(
    *,
    actor,
    contact_name: str,
    customer=None,
    name: str = "",
    contact_phone: str = "",
    contact_title: str = "",
    industry: str = "",
    fleet_size: int = 0,
    manager=None,
    notes: str = "",
) -> KeyAccount:
    """A key account: a company customer the actor may see (or created with ``name``)."""
    check_model_permission(actor, KeyAccount, "add")
    manager = _person(actor, manager, "manager")
    account = KeyAccount(
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_title=contact_title,
        industry=industry,
        fleet_size=fleet_size if fleet_size is not None else 0,
        manager=manager,
        notes=notes,
    )
    _check_keyaccount(account)
    account.customer = _company(actor, customer=customer, name=name, manager=manager)
    return save_audited(actor=actor, obj=account, before=None, fields=KEYACCOUNT_FIELDS)


@transaction.atomic
def keyaccount_update(*, actor, keyaccount_id, **fields) -> KeyAccount:
    _unknown(fields, KEYACCOUNT_EDITABLE)
    account = lock_for_user(actor, KeyAccount, _pk(keyaccount_id), "change")
    before = snapshot(account, KEYACCOUNT_FIELDS)
    if "manager" in fields:
        if fields["manager"] in (None, "") or _pk(fields["manager"]) == account.manager_id:
            fields.pop("manager")
        else:
            fields["manager"] = _person(actor, fields["manager"], "manager")
    for name, value in fields.items():
        setattr(account, name, value)
    _check_keyaccount(account)
    return save_audited(actor=actor, obj=account, before=before, fields=KEYACCOUNT_FIELDS)
