"""The customer-service desk: enquiries (咨询) logged by the customer-service specialists, and
improvement proposals (改进建议) — feedback that is not a complaint — routed to the responsible
department and tracked to an answer.

Each write is one transaction: the object re-read through the access chokepoint (locked), the
values checked, then saved and audited. A proposal moves open → answered → accepted / closed:

* ``proposal_create`` (the CRM team, ``crm.change_enquiry``; from a follow-up call or an
  enquiry, whose customer it keeps) routes it to a department of the org chart and tells the
  department's head;
* ``proposal_answer`` — the head of that department (or the CRM managers for it) answers;
* ``proposal_accept`` / ``proposal_close`` — the CRM team records the outcome (accepted: the
  department will act on it; closed: not taken up, or withdrawn while still open);
* ``proposals_remind_overdue`` (the daily job) reminds the heads of each open proposal past its
  answer date once (``reminded_at`` and the notification key), and tells the CRM managers."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import (
    Customer,
    Enquiry,
    EnquiryChannel,
    EnquiryTopic,
    FollowUp,
    ImprovementProposal,
    ProposalSource,
    ProposalState,
)
from crm.services.validators import normalise_phone
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.audit import save_audited, snapshot
from dealership.figures import local_today
from dealership.notifications import PositionHolders, notify
from dealership.tenancy import get_scope

__all__ = [
    "ENQUIRY_FIELDS",
    "KIND_PROPOSAL_OVERDUE",
    "KIND_PROPOSAL_ROUTED",
    "PROPOSAL_ANSWER_DAYS",
    "PROPOSAL_FIELDS",
    "enquiry_create",
    "enquiry_update",
    "may_answer",
    "proposal_accept",
    "proposal_answer",
    "proposal_close",
    "proposal_create",
    "proposals_remind_overdue",
]

ENQUIRY_FIELDS = (
    "channel",
    "topic",
    "question",
    "answer",
    "customer",
    "caller_name",
    "caller_phone",
    "received_at",
)
PROPOSAL_FIELDS = (
    "source",
    "followup",
    "enquiry",
    "customer",
    "subject",
    "feedback",
    "department",
    "state",
    "answer_by",
    "answer",
    "answered_by",
    "answered_at",
    "outcome",
    "closed_by",
    "closed_at",
    "reminded_at",
)
TEXT_MAX = 5000
PROPOSAL_ANSWER_DAYS = 7  # the department answers within a week unless told otherwise
CRM_MANAGERS = ("crm_director", "customer_relations_manager")

# notification kinds (declared in crm/desk.py)
KIND_PROPOSAL_ROUTED = "crm.proposal_routed"
KIND_PROPOSAL_OVERDUE = "crm.proposal_overdue"
KIND_PROPOSAL_ANSWERED = "crm.proposal_answered"

S = ProposalState


def _pk(value):
    return getattr(value, "pk", value)


def _text(value, field: str, *, required=None, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required is not None and not text:
        raise ValidationError({field: _("Give the %(label)s.") % {"label": required}})
    if len(text) > limit:
        raise ValidationError(
            {field: _("At most %(limit)d characters, please.") % {"limit": limit}}
        )
    return text


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


def _pick(actor, model, value, field: str, message):
    """The ``model`` row ``value`` names if the actor may see it (else a 400 on ``field``)."""
    try:
        return get_object_for_user(actor, model, "view", pk=int(_pk(value)))
    except (TypeError, ValueError, Http404, PermissionDenied):
        raise ValidationError({field: message}) from None


def _customer(actor, value) -> Customer | None:
    """A customer of the dealership the actor may see, or None."""
    if value in (None, ""):
        return None
    return _pick(actor, Customer, value, "customer", _("Choose a customer from the list."))


def _moment(value, field: str) -> dt.datetime:
    if value in (None, ""):
        return timezone.now()
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({field: _("Give a date and time as YYYY-MM-DD HH:MM.")}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({field: _("This cannot be in the future.")})
    return moment


# --- enquiries ----------------------------------------------------------------------------------


def _check_enquiry(actor, enquiry: Enquiry, customer_value) -> None:
    if enquiry.channel not in EnquiryChannel.values:
        raise ValidationError({"channel": _("Pick a channel from the list.")})
    if enquiry.topic not in EnquiryTopic.values:
        raise ValidationError({"topic": _("Pick a topic from the list.")})
    enquiry.question = _text(enquiry.question, "question", required=_("question"))
    enquiry.answer = _text(enquiry.answer, "answer")
    enquiry.caller_name = _text(enquiry.caller_name, "caller_name", limit=100)
    enquiry.caller_phone = normalise_phone(enquiry.caller_phone, "caller_phone")
    enquiry.customer = _customer(actor, customer_value)
    enquiry.received_at = _moment(enquiry.received_at, "received_at")


@transaction.atomic
def enquiry_create(
    *,
    actor,
    channel: str,
    topic: str,
    question: str,
    answer: str = "",
    customer=None,
    caller_name: str = "",
    caller_phone: str = "",
    received_at=None,
) -> Enquiry:
    """Log an enquiry taken by ``actor`` (now, unless ``received_at`` says when)."""
    check_model_permission(actor, Enquiry, "add")
    enquiry = Enquiry(
        dealership_id=get_scope().current_id,
        channel=channel,
        topic=topic,
        question=question,
        answer=answer,
        caller_name=caller_name,
        caller_phone=caller_phone,
        received_at=received_at,
        taken_by=_person(actor),
    )
    _check_enquiry(actor, enquiry, customer)
    return save_audited(actor=actor, obj=enquiry, before=None, fields=ENQUIRY_FIELDS)


@transaction.atomic
def enquiry_update(*, actor, enquiry_id, **fields) -> Enquiry:
    """Correct an enquiry or add the answer given later (a call back)."""
    unknown = sorted(set(fields) - set(ENQUIRY_FIELDS))
    if unknown:
        raise ValidationError(_("%(field)s cannot be changed.") % {"field": ", ".join(unknown)})
    enquiry = lock_for_user(actor, Enquiry, _pk(enquiry_id), "change")
    before = snapshot(enquiry, ENQUIRY_FIELDS)
    customer = fields.pop("customer", enquiry.customer_id)
    for name, value in fields.items():
        setattr(enquiry, name, value)
    _check_enquiry(actor, enquiry, customer)
    return save_audited(actor=actor, obj=enquiry, before=before, fields=ENQUIRY_FIELDS)


# --- improvement proposals ----------------------------------------------------------------------


def department_heads(department_id) -> list[int]:
    """The user ids of the people heading the department today (its manager positions)."""
    from org.models import PositionAssignment
    from org.selectors import holding_on

    if not department_id:
        return []
    return sorted(
        set(
            PositionAssignment.objects.filter(
                holding_on(timezone.localdate()),
                position__department_id=department_id,
                position__is_manager=True,
            ).values_list("staff__user_id", flat=True)
        )
    )


def _department(value):
    from org.models import Department

    try:
        return Department.objects.get(pk=int(_pk(value)))
    except (TypeError, ValueError, Department.DoesNotExist):
        raise ValidationError({"department": _("Choose a department from the list.")}) from None


def _answer_by(value) -> dt.date:
    today = local_today()
    if value in (None, ""):
        return today + dt.timedelta(days=PROPOSAL_ANSWER_DAYS)
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({"answer_by": _("Give a date as YYYY-MM-DD.")}) from None
    if value < today:
        raise ValidationError({"answer_by": _("The answer date cannot be in the past.")})
    return value


def _users(ids):
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(pk__in=ids))


def _tell_heads(proposal: ImprovementProposal) -> None:
    recipients = _users(department_heads(proposal.department_id))
    if not recipients:  # nobody heads it today: the CRM team's managers follow it up
        recipients = [PositionHolders(*CRM_MANAGERS)]
    notify(
        KIND_PROPOSAL_ROUTED,
        recipients,
        format_lazy(
            gettext_lazy("Improvement proposal for your department: {subject}"),
            subject=proposal.subject,
        ),
        obj=proposal,
        body=proposal.feedback[:500],
        key=f"proposal:{proposal.pk}:routed:{proposal.department_id}",
    )


@transaction.atomic
def proposal_create(
    *,
    actor,
    department,
    subject: str,
    feedback: str,
    followup=None,
    enquiry=None,
    customer=None,
    answer_by=None,
) -> ImprovementProposal:
    """Route a customer's suggestion to ``department``: from a follow-up call (``followup``) or
    an enquiry (``enquiry``), whose customer it keeps, or other feedback (``customer`` optional).
    The department's head is told; the answer is due by ``answer_by`` (a week by default)."""
    check_model_permission(actor, ImprovementProposal, "add")
    if followup not in (None, "") and enquiry not in (None, ""):
        raise ValidationError(_("A proposal comes from a follow-up call or an enquiry, not both."))
    proposal = ImprovementProposal(
        dealership_id=get_scope().current_id,
        source=ProposalSource.OTHER,
        subject=_text(subject, "subject", required=_("subject"), limit=200),
        feedback=_text(feedback, "feedback", required=_("customer's suggestion")),
        department=_department(department),
        answer_by=_answer_by(answer_by),
        raised_by=_person(actor),
    )
    if followup not in (None, ""):
        row = _pick(actor, FollowUp, followup, "followup", _("Unknown follow-up call."))
        proposal.source = ProposalSource.FOLLOWUP
        proposal.followup = row
        proposal.customer_id = row.event.customer_id
    elif enquiry not in (None, ""):
        row = _pick(actor, Enquiry, enquiry, "enquiry", _("Unknown enquiry."))
        proposal.source = ProposalSource.ENQUIRY
        proposal.enquiry = row
        proposal.customer_id = row.customer_id
    else:
        proposal.customer = _customer(actor, customer)
    save_audited(actor=actor, obj=proposal, before=None, fields=PROPOSAL_FIELDS)
    _tell_heads(proposal)
    return proposal


def _crm_access(actor) -> bool:
    """Does the actor hold ``crm.change_enquiry`` (the CRM team), or is it the system?"""
    from org.access import user_access
    from org.capabilities import Capability as C

    access = user_access(actor)
    return access.is_system or access.has(C.CRM_CHANGE_ENQUIRY)


def may_answer(actor, proposal: ImprovementProposal) -> bool:
    """The heads of the responsible department answer; so do the CRM managers (dealership
    scope of ``crm.change_enquiry``), e.g. when nobody heads it."""
    from crm.access_desk import headed_department_ids
    from org.access import user_access
    from org.capabilities import Capability as C
    from org.capabilities import DataScope

    if proposal.department_id in headed_department_ids(actor):
        return True
    access = user_access(actor)
    return access.is_system or access.scope_for(C.CRM_CHANGE_ENQUIRY) in (
        DataScope.DEALERSHIP,
        DataScope.GROUP,
    )


def _lock(actor, proposal_id) -> tuple[ImprovementProposal, dict]:
    proposal = lock_for_user(actor, ImprovementProposal, _pk(proposal_id), "change")
    return proposal, snapshot(proposal, PROPOSAL_FIELDS)


@transaction.atomic
def proposal_answer(*, actor, proposal_id, answer: str) -> ImprovementProposal:
    """The department's answer (an open or answered proposal: a better answer replaces it)."""
    proposal, before = _lock(actor, proposal_id)
    if not may_answer(actor, proposal):
        raise PermissionDenied(_("Only the head of the responsible department answers it."))
    if proposal.state not in (S.OPEN, S.ANSWERED):
        raise ValidationError(_("This proposal is already settled."))
    proposal.answer = _text(answer, "answer", required=_("answer"))
    proposal.answered_by = _person(actor)
    proposal.answered_at = timezone.now()
    proposal.state = S.ANSWERED
    save_audited(actor=actor, obj=proposal, before=before, fields=PROPOSAL_FIELDS)
    if proposal.raised_by_id and proposal.raised_by_id != getattr(actor, "pk", None):
        notify(
            KIND_PROPOSAL_ANSWERED,
            _users([proposal.raised_by_id]),
            format_lazy(
                gettext_lazy("The department answered the proposal: {subject}"),
                subject=proposal.subject,
            ),
            obj=proposal,
            body=proposal.answer[:500],
            key=f"proposal:{proposal.pk}:answered:{proposal.answered_at:%Y%m%d%H%M%S}",
        )
    return proposal


def _settle(actor, proposal_id, *, state: str, outcome: str, allowed) -> ImprovementProposal:
    proposal, before = _lock(actor, proposal_id)
    if not _crm_access(actor):
        raise PermissionDenied(_("The CRM team records the outcome of a proposal."))
    if proposal.state not in allowed:
        raise ValidationError(
            _("A proposal “%(state)s” cannot be settled like this.")
            % {"state": proposal.get_state_display()}
        )
    proposal.outcome = _text(outcome, "outcome")
    proposal.state = state
    proposal.closed_by = _person(actor)
    proposal.closed_at = timezone.now()
    return save_audited(actor=actor, obj=proposal, before=before, fields=PROPOSAL_FIELDS)


@transaction.atomic
def proposal_accept(*, actor, proposal_id, outcome: str = "") -> ImprovementProposal:
    """The CRM team accepts the department's answer (the department acts on it)."""
    return _settle(actor, proposal_id, state=S.ACCEPTED, outcome=outcome, allowed=(S.ANSWERED,))


@transaction.atomic
def proposal_close(*, actor, proposal_id, outcome: str = "") -> ImprovementProposal:
    """Close a proposal not taken up (answered) or withdrawn (still open); say why."""
    if not str(outcome or "").strip():
        raise ValidationError({"outcome": _("Say why the proposal is closed.")})
    return _settle(
        actor, proposal_id, state=S.CLOSED, outcome=outcome, allowed=(S.OPEN, S.ANSWERED)
    )


def proposals_remind_overdue(*, day: dt.date | None = None) -> list[ImprovementProposal]:
    """Remind the heads of each open proposal whose answer date has passed (once), and tell
    the CRM managers. Run twice or late, each proposal is reminded once."""
    from dealership.audit import audit_record
    from dealership.models import AuditEntry

    day = day or local_today()
    now = timezone.now()
    done = []
    rows = (
        ImprovementProposal.objects.select_for_update(of=("self",))
        .filter(state=S.OPEN, answer_by__lt=day, reminded_at__isnull=True)
        .order_by("answer_by", "pk")
    )
    with transaction.atomic():
        for proposal in rows:
            before = snapshot(proposal, ["reminded_at"])
            proposal.reminded_at = now
            proposal.save(update_fields=["reminded_at", "updated_at"])
            audit_record(
                actor=None,
                action=AuditEntry.Action.UPDATE,
                obj=proposal,
                before=before,
                after=snapshot(proposal, ["reminded_at"]),
            )
            recipients = [*_users(department_heads(proposal.department_id))]
            recipients.append(PositionHolders(*CRM_MANAGERS))
            notify(
                KIND_PROPOSAL_OVERDUE,
                recipients,
                format_lazy(
                    gettext_lazy("Improvement proposal awaiting an answer since {day}: {subject}"),
                    day=f"{proposal.answer_by:%Y-%m-%d}",
                    subject=proposal.subject,
                ),
                obj=proposal,
                body=proposal.feedback[:500],
                key=f"proposal:{proposal.pk}:overdue",
            )
            done.append(proposal)
    return done
