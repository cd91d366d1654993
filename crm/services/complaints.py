"""Writes of complaints (投诉).

* :func:`complaint_create` — a complaint taken by hand (phone, letter, e-mail, walk-in, passed
  on by the OEM); :func:`complaint_from_survey` — one opened by a follow-up call (a low score,
  or the customer's words). Both route the complaint by category to the responsible department
  of the org chart (``ROUTES``), give it to the head of that department (assigned; registered
  when nobody heads it), set the deadline by severity (``FollowUpSettings``) and number it
  ``TS<YYYYMM>-<nnnn>``. A major complaint tells the CRM director and the GM at once and is
  marked for coordination with the OEM.
* :func:`complaint_assign`, :func:`complaint_start`, :func:`complaint_resolve`,
  :func:`complaint_confirm`, :func:`complaint_close`, :func:`complaint_reopen`,
  :func:`complaint_update` — the state machine registered → assigned → in progress →
  resolved → confirmed → closed, with reopen.
* :func:`complaints_check_deadlines` — the daily job's work: the owner reminded once the day
  before the deadline, the department's manager and the CRM director (the GM for a major one)
  told once when it has passed.

Every write is audited and logged as a :class:`~crm.models.ComplaintEntry`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from crm.models import Complaint, ComplaintEntry, Customer, FollowUp, SurveyResponse, Vehicle
from crm.models.complaints import (
    OPEN_COMPLAINT_STATES,
    ROUTES,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    ComplaintState,
)
from crm.models.customers import EventKind
from dealership.access import get_object_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.notifications import PositionHolders, notify
from dealership.numbering import NumbersExhausted, insert_numbered
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

__all__ = [
    "HEADS",
    "assignable_users",
    "complaint_assign",
    "complaint_close",
    "complaint_confirm",
    "complaint_create",
    "complaint_from_survey",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_start",
    "complaint_update",
    "complaints_check_deadlines",
    "department_heads",
    "in_crm_team",
    "may_assign",
]

S = ComplaintState

# department code -> the positions that head it (the owner by default, who may assign)
HEADS = {
    "sales": ("sales_manager",),
    "aftersales": ("service_manager",),
    "crm": ("customer_relations_manager",),
}
# the CRM team's managers: they assign any complaint and call the customer back
CRM_MANAGERS = ("crm_director", "customer_relations_manager")
# who calls the customer back to confirm a resolution: the CRM team
CRM_DEPARTMENT = "crm"

# the follow-up's kind -> the category of the complaint it opens
SURVEY_CATEGORY = {
    EventKind.SALES: ComplaintCategory.SALES_PROCESS,
    EventKind.SERVICE: ComplaintCategory.SERVICE_QUALITY,
}

# notification kinds (declared in crm/notifications.py)
KIND_ASSIGNED = "crm.complaint_assigned"
KIND_MAJOR = "crm.complaint_major"
KIND_DUE = "crm.complaint_due"
KIND_OVERDUE = "crm.complaint_overdue"

TEXT_MAX = 5000


# --- routing, owners, deadlines -------------------------------------------------------------------


def _department_for(category: str):
    from org.models import Department

    code = ROUTES.get(category)
    if code is None:
        return None
    return Department.objects.filter(code=code).first()


def department_heads(department) -> list[int]:
    """The user ids of the people heading ``department`` today: the holders of its manager
    position (``HEADS``), else of any of its manager positions; sorted."""
    from org.models import PositionAssignment
    from org.selectors import holding_on

    if department is None:
        return []
    today = timezone.localdate()
    rows = PositionAssignment.objects.filter(holding_on(today), position__department=department)
    codes = HEADS.get(department.code, ())
    ids = set(rows.filter(position__code__in=codes).values_list("staff__user_id", flat=True))
    if not ids:
        ids = set(rows.filter(position__is_manager=True).values_list("staff__user_id", flat=True))
    return sorted(ids)


def _default_owner(department) -> int | None:
    """The head of ``department`` with the fewest open complaints (ties: lowest id)."""
    heads = department_heads(department)
    if not heads:
        return None
    counts = dict(
        Complaint.objects.filter(owner_id__in=heads, state__in=OPEN_COMPLAINT_STATES)
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    return min(heads, key=lambda uid: (counts.get(uid, 0), uid))


def _deadline(received_at: dt.datetime, severity: str) -> dt.datetime:
    from crm.services.followups import followup_settings

    rules = followup_settings()
    days = (
        rules.complaint_days_major
        if severity == ComplaintSeverity.MAJOR
        else rules.complaint_days_normal
    )
    return received_at + dt.timedelta(days=days)


def _route(complaint: Complaint) -> None:
    """Department and default owner by category; the state follows the owner."""
    complaint.department = _department_for(complaint.category)
    complaint.owner_id = _default_owner(complaint.department)
    complaint.state = S.ASSIGNED if complaint.owner_id else S.REGISTERED


# --- log, notifications ---------------------------------------------------------------------------


def _log(complaint: Complaint, *, actor, action: str, from_state="", to_state="", note=""):
    return ComplaintEntry.objects.create(
        dealership_id=complaint.dealership_id,
        complaint=complaint,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        note=(note or "")[:TEXT_MAX],
    )


def _notify_owner(complaint: Complaint) -> None:
    if not complaint.owner_id:
        return
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.filter(pk=complaint.owner_id).first()
    if owner is None:
        return
    notify(
        KIND_ASSIGNED,
        [owner],
        format_lazy(gettext_lazy("Complaint {number} is yours to handle"), number=complaint.number),
        obj=complaint,
        body=complaint.description[:500],
        key=f"complaint:{complaint.pk}:owner:{complaint.owner_id}:{complaint.reopened}",
    )


def _notify_major(complaint: Complaint) -> None:
    notify(
        KIND_MAJOR,
        [PositionHolders("crm_director", "gm")],
        format_lazy(
            gettext_lazy("Major complaint {number}: {customer}"),
            number=complaint.number,
            customer=complaint.customer.name,
        ),
        obj=complaint,
        body=complaint.description[:500],
        key=f"complaint:{complaint.pk}:major",
    )


# --- creating -------------------------------------------------------------------------------------


def _text(value, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": TEXT_MAX}})
    return text


def _register(complaint: Complaint, *, actor, note: str = "") -> Complaint:
    """Route, number, save, audit and log a new complaint (in the caller's transaction)."""
    complaint.deadline = _deadline(complaint.received_at, complaint.severity)
    complaint.oem_coordination = complaint.severity == ComplaintSeverity.MAJOR
    _route(complaint)
    complaint.full_clean(exclude=["number"])
    received = timezone.localtime(complaint.received_at)
    try:
        insert_numbered(complaint, f"TS{received:%Y%m}-", constraint="crm_complaint_unique_number")
    except NumbersExhausted:
        raise ValidationError(_("No free complaint number was found; try again.")) from None
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=complaint,
        before=None,
        after=snapshot(complaint),
    )
    _log(complaint, actor=actor, action="registered", to_state=S.REGISTERED, note=note)
    if complaint.state == S.ASSIGNED:
        _log(
            complaint,
            actor=actor,
            action="assigned",
            from_state=S.REGISTERED,
            to_state=S.ASSIGNED,
            note=_("Routed to %(department)s.") % {"department": complaint.department},
        )
        _notify_owner(complaint)
    if complaint.severity == ComplaintSeverity.MAJOR:
        _notify_major(complaint)
    return complaint


def _choice(value, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: message})
    return value


MANUAL_CHANNELS = [c for c in ComplaintChannel.values if c != ComplaintChannel.FOLLOWUP]


@transaction.atomic
def complaint_create(
    *,
    actor,
    customer,
    channel: str,
    category: str,
    description: str,
    severity: str = ComplaintSeverity.NORMAL,
    vehicle=None,
    received_at: dt.datetime | None = None,
) -> Complaint:
    """Register a complaint taken by hand (see the module's description). The customer must be
    one the actor sees; the vehicle, if any, must be the customer's."""
    from dealership.access import check_model_permission

    check_model_permission(actor, Complaint, "add")
    if channel not in MANUAL_CHANNELS:
        raise ValidationError({"channel": _("Choose how the complaint was received.")})
    _choice(category, ComplaintCategory, "category", _("Choose a category."))
    _choice(severity, ComplaintSeverity, "severity", _("Choose a severity."))
    description = _text(description, "description", _("Write what the customer says."))
    if customer in (None, ""):
        raise ValidationError({"customer": _("Choose the customer.")})
    try:
        customer = get_object_for_user(
            actor, Customer, "view", pk=getattr(customer, "pk", customer)
        )
    except (Http404, PermissionDenied):  # not a customer this person may pick
        raise ValidationError({"customer": _("Choose a customer you can see.")}) from None
    if vehicle not in (None, ""):
        vehicle_id = getattr(vehicle, "pk", vehicle)
        vehicle = Vehicle.objects.filter(pk=vehicle_id, owner=customer).first()
        if vehicle is None:
            raise ValidationError({"vehicle": _("Choose one of the customer's vehicles.")})
    else:
        vehicle = None
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("A complaint cannot be received in the future.")})
    complaint = Complaint(
        dealership_id=customer.dealership_id,
        customer=customer,
        vehicle=vehicle,
        channel=channel,
        category=category,
        severity=severity,
        description=description,
        received_at=received_at,
        registered_by=actor,
    )
    return _register(complaint, actor=actor)


def _survey_description(response: SurveyResponse, reason: str) -> str:
    reason = reason or ""
    lines = []
    if reason.strip():
        lines.append(reason.strip())
    threshold = response.questionnaire.complaint_below
    # the low scores not already named in the reason (the survey service may name them)
    low = [
        answer
        for answer in response.answers.all()
        if answer.score is not None
        and answer.score < threshold
        and answer.question_text not in reason
    ]
    if low:
        lines.append(_("Low scores (under %(n)s):") % {"n": threshold})
        lines.extend(f"- {answer.question_text}: {answer.score}" for answer in low)
    if response.comment.strip():
        lines.append(_("Customer's comment: %(comment)s") % {"comment": response.comment.strip()})
    if not lines:
        lines.append(_("The customer complained on the follow-up call."))
    return "\n".join(lines)[:TEXT_MAX]


@transaction.atomic
def complaint_from_survey(*, actor, response, reason: str = "") -> Complaint:
    """Open a complaint for the follow-up of ``response`` (a survey with a score under the
    questionnaire's threshold, or the customer's complaint on the call); returns it.

    Runs inside the caller's transaction (the survey's). The actor needs only the right to
    change the follow-up (their own); the complaint is registered by them, so it is theirs.
    The follow-up's open complaint from a call is reused (the new words are logged on it), so
    a low score and a complaint on the same call open one complaint."""
    response_id = getattr(response, "pk", response)
    response = (
        SurveyResponse.objects.select_related("questionnaire", "followup__customer")
        .prefetch_related("answers")
        .get(pk=response_id)
    )
    followup = get_object_for_user(actor, FollowUp, "change", pk=response.followup_id)
    description = _survey_description(response, reason)
    existing = (
        Complaint.objects.select_for_update()
        .filter(
            followup=followup,
            channel=ComplaintChannel.FOLLOWUP,
            state__in=OPEN_COMPLAINT_STATES,
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        _log(existing, actor=actor, action="note", note=description)
        return existing
    complaint = Complaint(
        dealership_id=followup.dealership_id,
        customer=followup.customer,
        vehicle_id=followup.vehicle_id,
        followup=followup,
        channel=ComplaintChannel.FOLLOWUP,
        category=SURVEY_CATEGORY.get(followup.kind, ComplaintCategory.OTHER),
        severity=ComplaintSeverity.NORMAL,
        description=description,
        received_at=min(response.taken_at, timezone.now()),
        registered_by=actor,
    )
    return _register(complaint, actor=actor)


# --- the state machine ----------------------------------------------------------------------------

ALLOWED = {
    "assign": (S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS),
    "start": (S.ASSIGNED,),
    "resolve": (S.ASSIGNED, S.IN_PROGRESS),
    "confirm": (S.RESOLVED,),
    "close": (S.CONFIRMED,),
    "reopen": (S.RESOLVED, S.CONFIRMED, S.CLOSED),
    "update": (*OPEN_COMPLAINT_STATES,),
}


def _lock(actor, complaint_id, action: str) -> Complaint:
    # checked through the chokepoint, then locked: the rule "own" joins the follow-up (an
    # outer join, which FOR UPDATE refuses), so the lock is taken on the row alone
    checked = get_object_for_user(
        actor, Complaint, "change", pk=getattr(complaint_id, "pk", complaint_id)
    )
    complaint = Complaint.objects.select_for_update().get(pk=checked.pk)
    if complaint.state not in ALLOWED[action]:
        raise ValidationError(
            _("A complaint that is %(state)s cannot be %(action)s — only one that is %(allowed)s.")
            % {
                "state": complaint.get_state_display().lower(),
                "action": _past(action),
                "allowed": _(" or ").join(str(S(s).label).lower() for s in ALLOWED[action]),
            }
        )
    return complaint


def _past(action: str) -> str:
    return {
        "assign": pgettext("complaint action", "assigned"),
        "start": pgettext("complaint action", "started"),
        "resolve": pgettext("complaint action", "resolved"),
        "confirm": pgettext("complaint action", "confirmed"),
        "close": pgettext("complaint action", "closed"),
        "reopen": pgettext("complaint action", "reopened"),
        "update": pgettext("complaint action", "changed"),
    }[action]


def _scope(actor) -> DataScope | None:
    return user_access(actor).scope_for(C.CRM_CHANGE_COMPLAINT)


def _crm_department_ids() -> set[int]:
    from org.models import Department

    return set(Department.objects.filter(code=CRM_DEPARTMENT).values_list("pk", flat=True))


def _is_crm_manager(actor) -> bool:
    """A CRM manager: changes complaints dealership-wide (the GM, the CRM director and the
    customer-relations manager) — the system actor too."""
    return _scope(actor) in (DataScope.DEALERSHIP, DataScope.GROUP)


def in_crm_team(actor) -> bool:
    access = user_access(actor)
    if access.is_system or _is_crm_manager(actor):
        return True
    return bool(access.department_ids & _crm_department_ids())


def may_assign(actor, complaint: Complaint) -> bool:
    """The CRM managers assign any complaint; a department's managers (department scope of
    ``crm.change_complaint`` in the routed department) assign its complaints."""
    if _is_crm_manager(actor):
        return True
    access = user_access(actor)
    return (
        _scope(actor) == DataScope.DEPARTMENT
        and complaint.department_id is not None
        and complaint.department_id in access.department_ids
    )


def assignable_users(complaint: Complaint) -> list[int]:
    """Who may handle ``complaint``: the people of its routed department and of the CRM team
    (holding a position there today)."""
    from org.models import PositionAssignment
    from org.selectors import holding_on

    departments = _crm_department_ids()
    if complaint.department_id:
        departments.add(complaint.department_id)
    return sorted(
        set(
            PositionAssignment.objects.filter(
                holding_on(timezone.localdate()), position__department_id__in=departments
            ).values_list("staff__user_id", flat=True)
        )
    )


def _transition(complaint, *, actor, action, to_state, fields, note="", log_action=None):
    before = snapshot(Complaint.objects.get(pk=complaint.pk))
    from_state = complaint.state
    complaint.state = to_state
    save_audited(actor=actor, obj=complaint, before=before, fields=["state", *fields])
    _log(
        complaint,
        actor=actor,
        action=log_action or action,
        from_state=from_state,
        to_state=to_state,
        note=note,
    )
    return complaint


@transaction.atomic
def complaint_assign(*, actor, complaint_id, owner_id, note: str = "") -> Complaint:
    """Give the complaint to ``owner_id`` (someone of the routed department or of the CRM
    team). Only the CRM managers and the routed department's managers assign."""
    complaint = _lock(actor, complaint_id, "assign")
    if not may_assign(actor, complaint):
        raise PermissionDenied(
            _("Only the managers of the responsible department or of the CRM team assign it.")
        )
    try:
        owner_id = int(getattr(owner_id, "pk", owner_id))
    except (TypeError, ValueError):
        raise ValidationError({"owner": _("Choose who handles the complaint.")}) from None
    if owner_id not in assignable_users(complaint):
        raise ValidationError(
            {"owner": _("Choose someone of the responsible department or of the CRM team.")}
        )
    if owner_id == complaint.owner_id and complaint.state != S.REGISTERED:
        raise ValidationError({"owner": _("The complaint is already theirs.")})
    complaint.owner_id = owner_id
    to_state = S.IN_PROGRESS if complaint.state == S.IN_PROGRESS else S.ASSIGNED
    _transition(
        complaint,
        actor=actor,
        action="assign",
        to_state=to_state,
        fields=["owner"],
        note=(note or "").strip(),
        log_action="assigned",
    )
    _notify_owner(complaint)
    return complaint


@transaction.atomic
def complaint_start(*, actor, complaint_id, note: str = "") -> Complaint:
    """The owner (or whoever may change it) starts working on the complaint."""
    complaint = _lock(actor, complaint_id, "start")
    return _transition(
        complaint,
        actor=actor,
        action="start",
        to_state=S.IN_PROGRESS,
        fields=[],
        note=(note or "").strip(),
        log_action="started",
    )


@transaction.atomic
def complaint_resolve(*, actor, complaint_id, resolution: str) -> Complaint:
    """Record what was done; the CRM team then confirms it with the customer."""
    complaint = _lock(actor, complaint_id, "resolve")
    complaint.resolution = _text(resolution, "resolution", _("Write how it was resolved."))
    complaint.resolved_at = timezone.now()
    return _transition(
        complaint,
        actor=actor,
        action="resolve",
        to_state=S.RESOLVED,
        fields=["resolution", "resolved_at"],
        note=complaint.resolution,
        log_action="resolved",
    )


@transaction.atomic
def complaint_confirm(*, actor, complaint_id, feedback: str) -> Complaint:
    """The CRM team called the customer back: their confirmation of the resolution."""
    complaint = _lock(actor, complaint_id, "confirm")
    if not in_crm_team(actor):
        raise PermissionDenied(_("The CRM team confirms the resolution with the customer."))
    complaint.customer_feedback = _text(
        feedback, "feedback", _("Write what the customer said on the call back.")
    )
    return _transition(
        complaint,
        actor=actor,
        action="confirm",
        to_state=S.CONFIRMED,
        fields=["customer_feedback"],
        note=complaint.customer_feedback,
        log_action="confirmed",
    )


@transaction.atomic
def complaint_close(*, actor, complaint_id, note: str = "") -> Complaint:
    """Close a complaint the customer confirmed (the CRM team)."""
    complaint = _lock(actor, complaint_id, "close")
    if not in_crm_team(actor):
        raise PermissionDenied(_("The CRM team closes complaints."))
    complaint.closed_at = timezone.now()
    return _transition(
        complaint,
        actor=actor,
        action="close",
        to_state=S.CLOSED,
        fields=["closed_at"],
        note=(note or "").strip(),
        log_action="closed",
    )


@transaction.atomic
def complaint_reopen(*, actor, complaint_id, reason: str) -> Complaint:
    """Back to in progress with the same owner (the customer is not satisfied after all)."""
    complaint = _lock(actor, complaint_id, "reopen")
    reason = _text(reason, "reason", _("Write why the complaint is reopened."))
    complaint.reopened += 1
    complaint.resolved_at = None
    complaint.closed_at = None
    # a new deadline from now: reminded and escalated afresh
    complaint.deadline = _deadline(timezone.now(), complaint.severity)
    complaint.reminded_at = None
    complaint.escalated_at = None
    to_state = S.IN_PROGRESS if complaint.owner_id else S.REGISTERED
    return _transition(
        complaint,
        actor=actor,
        action="reopen",
        to_state=to_state,
        fields=["reopened", "resolved_at", "closed_at", "deadline", "reminded_at", "escalated_at"],
        note=reason,
        log_action="reopened",
    )


UPDATE_FIELDS = ("category", "severity", "description")


@transaction.atomic
def complaint_update(*, actor, complaint_id, note: str = "", **fields) -> Complaint:
    """Change the category, severity or description of an open complaint. A new category
    routes it again (department and owner); a new severity sets the deadline again (and a
    complaint that becomes major tells the CRM director and the GM)."""
    unknown = set(fields) - set(UPDATE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    complaint = _lock(actor, complaint_id, "update")
    before = snapshot(Complaint.objects.get(pk=complaint.pk))
    changes = []
    from_state = complaint.state
    if "description" in fields:
        description = _text(
            fields["description"], "description", _("Write what the customer says.")
        )
        if description != complaint.description:
            complaint.description = description
            changes.append(_("description"))
    became_major = False
    if "severity" in fields and fields["severity"] != complaint.severity:
        _choice(fields["severity"], ComplaintSeverity, "severity", _("Choose a severity."))
        complaint.severity = fields["severity"]
        complaint.deadline = _deadline(complaint.received_at, complaint.severity)
        complaint.reminded_at = None
        complaint.escalated_at = None
        if complaint.severity == ComplaintSeverity.MAJOR:
            complaint.oem_coordination = True
            became_major = True
        changes.append(_("severity: %(severity)s") % {"severity": complaint.get_severity_display()})
    rerouted = False
    if "category" in fields and fields["category"] != complaint.category:
        _choice(fields["category"], ComplaintCategory, "category", _("Choose a category."))
        old_department = complaint.department_id
        complaint.category = fields["category"]
        changes.append(_("category: %(category)s") % {"category": complaint.get_category_display()})
        if _department_for(complaint.category) is None or (
            _department_for(complaint.category).pk != old_department
        ):
            owner_before = complaint.owner_id
            _route(complaint)
            rerouted = complaint.owner_id != owner_before
    if not changes:
        return complaint
    save_audited(
        actor=actor,
        obj=complaint,
        before=before,
        fields=[
            "category",
            "severity",
            "description",
            "department",
            "owner",
            "state",
            "deadline",
            "oem_coordination",
        ],
    )
    text = "; ".join(str(c) for c in changes)
    if note.strip():
        text = f"{text}\n{note.strip()}"
    _log(
        complaint,
        actor=actor,
        action="updated",
        from_state=from_state if complaint.state != from_state else "",
        to_state=complaint.state if complaint.state != from_state else "",
        note=text,
    )
    if rerouted:
        _notify_owner(complaint)
    if became_major:
        _notify_major(complaint)
    return complaint


# --- deadlines (the daily job) --------------------------------------------------------------------


def complaints_check_deadlines(*, now: dt.datetime | None = None) -> dict[str, list[Complaint]]:
    """Remind the owner of each open complaint due within 24 hours (once), escalate each one
    past its deadline (once) to the department's manager and the CRM director (the GM too for
    a major one). Idempotent: ``reminded_at`` / ``escalated_at`` and the notification keys."""
    from crm.models.complaints import Complaint as Model

    now = now or timezone.now()
    reminded: list[Complaint] = []
    escalated: list[Complaint] = []
    rows = (
        Model.objects.select_for_update(of=("self",))
        .filter(state__in=OPEN_COMPLAINT_STATES, deadline__lte=now + dt.timedelta(hours=24))
        .filter(Q(reminded_at__isnull=True) | Q(escalated_at__isnull=True))
        .select_related("customer", "department")
        .order_by("deadline", "pk")
    )
    for complaint in rows:
        fields = []
        if complaint.deadline <= now:
            if complaint.escalated_at is None:
                complaint.escalated_at = now
                fields.append("escalated_at")
                _escalate(complaint)
                escalated.append(complaint)
            if complaint.reminded_at is None:  # already late when first seen: no reminder
                complaint.reminded_at = now
                fields.append("reminded_at")
        elif complaint.reminded_at is None:
            complaint.reminded_at = now
            fields.append("reminded_at")
            _remind(complaint)
            reminded.append(complaint)
        if fields:
            before = snapshot(Model.objects.get(pk=complaint.pk), fields)
            complaint.save(update_fields=[*fields, "updated_at"])
            audit_record(
                actor=None,
                action=AuditEntry.Action.UPDATE,
                obj=complaint,
                before=before,
                after=snapshot(complaint, fields),
            )
            _log(
                complaint,
                actor=None,
                action="escalated" if "escalated_at" in fields else "reminded",
            )
    return {"reminded": reminded, "escalated": escalated}


def _remind(complaint: Complaint) -> None:
    from django.contrib.auth import get_user_model

    recipients = list(get_user_model().objects.filter(pk=complaint.owner_id))
    if not recipients:  # nobody handles it yet: the CRM team's managers
        recipients = [PositionHolders(*CRM_MANAGERS)]
    deadline = timezone.localtime(complaint.deadline)
    notify(
        KIND_DUE,
        recipients,
        format_lazy(
            gettext_lazy("Complaint {number} is due by {deadline}"),
            number=complaint.number,
            deadline=f"{deadline:%Y-%m-%d %H:%M}",
        ),
        obj=complaint,
        body=complaint.description[:500],
        key=f"complaint:{complaint.pk}:due:{complaint.reopened}:{complaint.severity}",
    )


def _escalate(complaint: Complaint) -> None:
    from django.contrib.auth import get_user_model

    heads = department_heads(complaint.department)
    recipients: list = list(get_user_model().objects.filter(pk__in=heads))
    codes = ["crm_director"]
    if complaint.severity == ComplaintSeverity.MAJOR:
        codes.append("gm")
    recipients.append(PositionHolders(*codes))
    deadline = timezone.localtime(complaint.deadline)
    notify(
        KIND_OVERDUE,
        recipients,
        format_lazy(
            gettext_lazy("Complaint {number} is overdue (due {deadline})"),
            number=complaint.number,
            deadline=f"{deadline:%Y-%m-%d %H:%M}",
        ),
        obj=complaint,
        body=complaint.description[:500],
        key=f"complaint:{complaint.pk}:overdue:{complaint.reopened}:{complaint.severity}",
    )
