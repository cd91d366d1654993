"""Marketing (003 §4.1.3(3), §4.2.1, §4.2.3, §4.2.7): the monthly advertising plan, marketing
events with their invitations and evidence, and the competitor-advertising log. Every write is
one transaction: the object re-read through the access chokepoint (locked), checked, saved and
audited. Who plans holds ``crm.change_campaign`` (a specialist: their own rows).

* **Advertising plan** (广告计划, kind ``crm.advertising_plan``): a draft for a month (one per
  month unless rejected) with its lines and, optionally, the draft event proposal it carries;
  submitted (at least one line) through marketing specialist → department manager → deputy GM
  → GM, the finance manager and the sales information clerk (the sales front desk) informed;
  approved, it is marked sent to the OEM on a day (due by the 15th) and filed with sales,
  after-sales and finance (their managers are told once). Returned or withdrawn brings it back
  to draft; rejected ends it (a new plan may then be made for the month). The job
  ``crm.advertising_plan_reminder`` tells the planners once a month when next month's plan is
  not submitted by the 10th.
* **Marketing event** (市场活动, kind ``crm.marketing_event``): the proposal is edited while a
  draft and submitted through department manager → deputy GM → GM; once approved its
  execution plan is written, customers and owner-club members are invited (each reply and
  attendance recorded), evidence files are kept, and after it started it is summarised against
  the expected effect. A draft or approved event may be cancelled.
* **Competitor advertising** (相关汽车品牌广告投放): brand, channel, medium, size or slot, day,
  estimated cost."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import (
    AdChannel,
    AdvertisingPlan,
    AdvertisingPlanLine,
    CompetitorAd,
    Customer,
    EventEvidence,
    EventInvitation,
    EventState,
    EvidenceKind,
    InvitationChannel,
    InvitationReply,
    MarketingEvent,
    MarketingEventKind,
    Membership,
    PlanState,
)
from crm.services.intelligence import _date, _text, _unknown, _yuan
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.actors import SYSTEM
from dealership.audit import audit_record, save_audited, snapshot
from dealership.figures import local_today
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.approvals.kinds import RequestKind, Step

__all__ = [
    "ADVERTISING_PLAN_KIND",
    "MARKETING_EVENT_KIND",
    "advertising_plan_create",
    "advertising_plan_line_add",
    "advertising_plan_line_delete",
    "advertising_plan_mark_sent",
    "advertising_plan_reminders",
    "advertising_plan_submit",
    "advertising_plan_update",
    "competitor_ad_create",
    "competitor_ad_delete",
    "competitor_ad_update",
    "event_evidence_add",
    "event_evidence_delete",
    "event_invitation_attendance",
    "event_invitation_create",
    "event_invitation_reply",
    "event_invite_members",
    "marketing_event_cancel",
    "marketing_event_create",
    "marketing_event_submit",
    "marketing_event_summarise",
    "marketing_event_update",
    "next_month",
]

PLAN_KIND = "crm.advertising_plan"
EVENT_KIND = "crm.marketing_event"
PLAN_FIELDS = ("month", "title", "notes", "event", "state", "request", "submitted_on")
PLAN_EDITABLE = ("month", "title", "notes", "event")
PLAN_SENT_FIELDS = ("state", "sent_to_oem_on")
LINE_FIELDS = ("plan", "channel", "description", "starts_on", "ends_on", "cost")
PROPOSAL_FIELDS = (
    "kind",
    "theme",
    "purpose",
    "starts_at",
    "ends_at",
    "place",
    "audience",
    "publicity",
    "budget",
    "expected_effect",
    "expected_attendance",
    "expected_leads",
)
SUMMARY_FIELDS = (
    "actual_attendance",
    "leads_reported",
    "orders_reported",
    "actual_cost",
    "summary",
)
EVENT_FIELDS = (*PROPOSAL_FIELDS, "state", "request", "execution_plan", *SUMMARY_FIELDS)
INVITATION_FIELDS = ("event", "customer", "club_member", "channel", "reply", "guests", "attended")
AD_FIELDS = ("brand", "channel", "medium", "size", "published_on", "cost_estimate", "note")
FILED_WITH = ("sales_manager", "service_manager", "finance_manager")
PLANNERS = ("marketing_specialist", "marketing_manager")
PLAN_DUE_DAY, OEM_DUE_DAY = 10, 15
EVIDENCE_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
}

# notification kinds (registered in crm.notifications)
KIND_PLAN_MISSING = "crm.advertising_plan_missing"  # crm.notifications
KIND_PLAN_FILED = "crm.advertising_plan_filed"


def _pk(value):
    return getattr(value, "pk", value)


def _count(value, field: str, *, default=0, allow_none: bool = False):
    if value in (None, ""):
        if allow_none:
            return None
        value = default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Give a whole number.")}) from None
    if number < 0:
        raise ValidationError({field: _("A number cannot be negative.")})
    if number > 1_000_000:
        raise ValidationError({field: _("This number is too large.")})
    return number


def _moment(value, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9, 0))
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ValidationError({field: _("Give a date and time as YYYY-MM-DD HH:MM.")}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _choice(value, field: str, choices) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("Pick a value from the list.")})
    return value


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _month_start(value, field: str = "month") -> dt.date:
    if isinstance(value, str) and len(value.strip()) == 7:
        value = f"{value.strip()}-01"
    return _date(value, field).replace(day=1)


def _ensure_chain(dealership_id: int, kind: str) -> None:
    """A dealership opened before the kind existed gets the default chain now, as the engine's
    initializer does for new ones (existing chains are never touched)."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalChain

    if not ApprovalChain.objects.filter(kind=kind).exists():
        from dealership.models import Dealership

        approvals.chains_seed(Dealership.objects.get(pk=dealership_id))


def _start_request(actor, obj, *, kind: str, subject: str, description: str, amount=None):
    """Create the request (or update the returned one) of ``obj`` and return it, not yet
    submitted."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalRequest

    _ensure_chain(obj.dealership_id, kind)
    request = obj.request
    if request is not None and request.status == ApprovalRequest.Status.RETURNED:
        return approvals.request_update(
            actor=actor,
            request_id=request.pk,
            subject=subject,
            description=description,
            amount=amount,
        )
    return approvals.request_create(
        actor=actor, kind=kind, subject=subject, amount=amount, description=description
    )


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


# --- the advertising plan -----------------------------------------------------------------------


def _check_plan(plan: AdvertisingPlan, actor) -> None:
    plan.title = _text(plan.title, "title", _("title"))[:120]
    plan.notes = _text(plan.notes, "notes")
    plan.month = _month_start(plan.month)
    if plan.month < local_today().replace(day=1):
        raise ValidationError({"month": _("A plan is made for this month or a month to come.")})
    if plan.event_id is not None:
        event = get_object_for_user(actor, MarketingEvent, "view", pk=_pk(plan.event_id))
        if event.state in (EventState.REJECTED, EventState.CANCELLED):
            raise ValidationError(
                {"event": _("Attach a proposal that is neither rejected nor cancelled.")}
            )
    taken = AdvertisingPlan.objects.filter(month=plan.month).exclude(state=PlanState.REJECTED)
    if plan.pk:
        taken = taken.exclude(pk=plan.pk)
    if taken.exists():
        raise ValidationError({"month": _("This month already has an advertising plan.")})


@transaction.atomic
def advertising_plan_create(
    *, actor, title: str, month=None, notes: str = "", event=None
) -> AdvertisingPlan:
    """A draft plan for ``month`` (next month by default), optionally carrying the draft
    proposal of an event (``event``)."""
    check_model_permission(actor, AdvertisingPlan, "add")
    plan = AdvertisingPlan(
        dealership_id=get_scope().current_id,
        month=month or next_month(local_today()),
        title=title,
        notes=notes,
        event_id=_pk(event),
        created_by=actor,
    )
    _check_plan(plan, actor)
    return save_audited(actor=actor, obj=plan, before=None, fields=PLAN_FIELDS)


def _lock_plan(actor, plan_id, *, draft: bool = True) -> AdvertisingPlan:
    plan = lock_for_user(actor, AdvertisingPlan, _pk(plan_id), "change")
    if draft and plan.state != PlanState.DRAFT:
        raise ValidationError(
            _("Only a draft plan is changed; this one is %(state)s.")
            % {"state": plan.get_state_display()}
        )
    return plan


@transaction.atomic
def advertising_plan_update(*, actor, plan_id, **fields) -> AdvertisingPlan:
    """Change a draft plan's month, title, notes or attached proposal."""
    _unknown(fields, PLAN_EDITABLE)
    plan = _lock_plan(actor, plan_id)
    before = snapshot(plan, PLAN_FIELDS)
    for name, value in fields.items():
        if name == "event":
            plan.event_id = _pk(value)
        else:
            setattr(plan, name, value)
    _check_plan(plan, actor)
    return save_audited(actor=actor, obj=plan, before=before, fields=PLAN_FIELDS)


@transaction.atomic
def advertising_plan_line_add(
    *, actor, plan_id, channel: str, description: str, starts_on, ends_on, cost
) -> AdvertisingPlanLine:
    """A line of a draft plan: a channel, what is advertised, from when to when, its cost. It
    starts in the plan's month."""
    plan = _lock_plan(actor, plan_id)
    line = AdvertisingPlanLine(
        dealership_id=plan.dealership_id,
        plan=plan,
        channel=_choice(channel, "channel", AdChannel),
        description=_text(description, "description", _("description"))[:200],
        starts_on=_date(starts_on, "starts_on"),
        ends_on=_date(ends_on, "ends_on"),
        cost=_yuan(cost, "cost"),
    )
    if line.ends_on < line.starts_on:
        raise ValidationError({"ends_on": _("The period cannot end before it starts.")})
    if line.starts_on.replace(day=1) != plan.month:
        raise ValidationError(
            {
                "starts_on": _("A line starts in the plan's month (%(month)s).")
                % {"month": f"{plan.month:%Y-%m}"}
            }
        )
    return save_audited(actor=actor, obj=line, before=None, fields=LINE_FIELDS)


@transaction.atomic
def advertising_plan_line_delete(*, actor, line_id) -> None:
    line = lock_for_user(actor, AdvertisingPlanLine, _pk(line_id), "change")
    _lock_plan(actor, line.plan_id)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=line,
        before=snapshot(line, LINE_FIELDS),
        after=None,
    )
    line.delete()


def plan_total(plan: AdvertisingPlan):
    from decimal import Decimal

    total = plan.lines.aggregate(total=Sum("cost"))["total"]
    return total if total is not None else Decimal("0.00")


def _plan_subject(plan: AdvertisingPlan) -> str:
    return (
        _("Advertising plan %(month)s: %(title)s")
        % {
            "month": f"{plan.month:%Y-%m}",
            "title": plan.title,
        }
    )[:200]


def _plan_description(plan: AdvertisingPlan) -> str:
    lines = [
        f"{line.get_channel_display()} · {line.description} · "
        f"{line.starts_on:%m-%d}–{line.ends_on:%m-%d} · ¥{line.cost}"
        for line in plan.lines.order_by("starts_on", "pk")
    ]
    if plan.event_id:
        lines.append(_("Event proposal: %(theme)s") % {"theme": plan.event.theme})
    if plan.notes:
        lines.append(plan.notes)
    return "\n".join(lines)


@transaction.atomic
def advertising_plan_submit(*, actor, plan_id) -> AdvertisingPlan:
    """Send a draft plan with at least one line for approval (a plan returned for changes goes
    round again on the same request)."""
    from org.approvals import services as approvals

    plan = _lock_plan(actor, plan_id)
    _check_plan(plan, actor)
    if not plan.lines.exists():
        raise ValidationError(_("Add at least one line to the plan before submitting it."))
    total = plan_total(plan)
    request = _start_request(
        actor,
        plan,
        kind=PLAN_KIND,
        subject=_plan_subject(plan),
        description=_plan_description(plan),
        amount=total if total > 0 else None,
    )
    before = snapshot(plan, PLAN_FIELDS)
    plan.request = request
    plan.state = PlanState.SUBMITTED
    plan.submitted_on = local_today()
    save_audited(actor=actor, obj=plan, before=before, fields=PLAN_FIELDS)
    approvals.request_submit(actor=actor, request_id=request.pk)
    plan.refresh_from_db()  # approved at once when nobody is there to decide
    return plan


@transaction.atomic
def advertising_plan_mark_sent(*, actor, plan_id, sent_on=None) -> AdvertisingPlan:
    """Record that the approved plan went to the OEM on ``sent_on`` (today by default), and
    file it with sales, after-sales and finance: their managers are told once."""
    from dealership.notifications import PositionHolders, notify

    plan = _lock_plan(actor, plan_id, draft=False)
    if plan.state != PlanState.APPROVED:
        raise ValidationError(
            _("Only an approved plan is sent to the OEM; this one is %(state)s.")
            % {"state": plan.get_state_display()}
        )
    sent_on = _date(sent_on or local_today(), "sent_on")
    if sent_on > local_today():
        raise ValidationError({"sent_on": _("The day it was sent cannot be in the future.")})
    if plan.submitted_on and sent_on < plan.submitted_on:
        raise ValidationError({"sent_on": _("The plan cannot be sent before it was submitted.")})
    before = snapshot(plan, PLAN_SENT_FIELDS)
    plan.state = PlanState.SENT
    plan.sent_to_oem_on = sent_on
    save_audited(actor=actor, obj=plan, before=before, fields=PLAN_SENT_FIELDS)
    notify(
        KIND_PLAN_FILED,
        [PositionHolders(*FILED_WITH)],
        format_lazy(
            gettext_lazy("Advertising plan {month} approved and sent to the OEM"),
            month=f"{plan.month:%Y-%m}",
        ),
        obj=plan,
        body=plan.title,
        key=f"crm.adplan:{plan.pk}:filed",
    )
    return plan


def plan_is_late(plan: AdvertisingPlan) -> bool:
    """Sent to the OEM after the 15th of the month before the planned one."""
    if plan.sent_to_oem_on is None:
        return False
    due = (plan.month - dt.timedelta(days=1)).replace(day=OEM_DUE_DAY)
    return plan.sent_to_oem_on > due


def advertising_plan_reminders(*, dealership, day: dt.date) -> str:
    """The job's work: from the 10th, when next month's plan is not yet submitted, tell the
    plan's planner (or the marketing specialists and manager when there is no draft) — once per
    month (the notification key)."""
    from dealership.notifications import PositionHolders, notify

    if day.day < PLAN_DUE_DAY:
        return "not yet due"
    month = next_month(day)
    plan = (
        AdvertisingPlan.objects.filter(month=month)
        .exclude(state=PlanState.REJECTED)
        .select_related("created_by")
        .first()
    )
    if plan is not None and plan.state != PlanState.DRAFT:
        return "submitted"
    recipients = [plan.created_by] if plan is not None else [PositionHolders(*PLANNERS)]
    told = notify(
        KIND_PLAN_MISSING,
        recipients,
        format_lazy(
            gettext_lazy("Next month's advertising plan ({month}) is not submitted yet"),
            month=f"{month:%Y-%m}",
        ),
        obj=plan,
        body=gettext_lazy(
            "The plan is due by the 10th and goes to the OEM by the 15th after its approval."
        ),
        key=f"crm.adplan_missing:{month:%Y-%m}",
        dealership=dealership,
    )
    return f"{len(told)} reminded"


def _plan_of(request):
    return AdvertisingPlan.objects.select_for_update().filter(request_id=request.pk).first()


def _plan_move(request, state: str, *, actor=None, unlink: bool = False) -> None:
    plan = _plan_of(request)
    if plan is None or plan.state == PlanState.SENT:
        return
    before = snapshot(plan, PLAN_FIELDS)
    plan.state = state
    if unlink:
        plan.request = None
    save_audited(actor=actor or _decider(request), obj=plan, before=before, fields=PLAN_FIELDS)


def _plan_details(request, user) -> list:
    from django.utils.html import format_html

    from dealership.access import permitted_ids

    plan = AdvertisingPlan.objects.filter(request_id=request.pk).select_related("event").first()
    if plan is None:
        return []
    title = str(plan)
    if permitted_ids(user, AdvertisingPlan, "view", [plan.pk]):
        title = format_html(
            '<a href="{}" data-testid="advertising-plan">{}</a>', plan.get_absolute_url(), title
        )
    rows = [(_("Advertising plan"), title), (_("Total cost"), f"¥{plan_total(plan)}")]
    if plan.event_id:
        rows.append((_("Event proposal"), plan.event.theme))
    return rows


def _create_url_of(model, url_name: str):
    def create_url(user):
        from django.urls import NoReverseMatch, reverse

        from dealership.access import can

        if not can(user, model, "add"):
            return None
        try:
            return reverse(url_name)
        except NoReverseMatch:
            return None

    return create_url


def _edit_url_of(model):
    def edit_url(request):
        obj = model.objects.filter(request_id=request.pk).first()
        return obj.get_absolute_url() if obj is not None else None

    return edit_url


ADVERTISING_PLAN_KIND = RequestKind(
    code=PLAN_KIND,
    label=gettext_lazy("Advertising plan"),
    default_chain=[
        Step.department_head(),
        Step.at("deputy_gm"),
        Step.at("gm"),
        Step.informed("finance_manager"),
        Step.informed("sales_info_clerk"),
    ],
    amount_required=False,
    on_approved=lambda request: _plan_move(request, PlanState.APPROVED),
    on_rejected=lambda request: _plan_move(request, PlanState.REJECTED),
    on_returned=lambda request: _plan_move(request, PlanState.DRAFT),
    on_withdrawn=lambda request: _plan_move(
        request, PlanState.DRAFT, actor=request.requester, unlink=True
    ),
    details=_plan_details,
    create_url=_create_url_of(AdvertisingPlan, "crm:adplan_create"),
    edit_url=_edit_url_of(AdvertisingPlan),
)


# --- marketing events ---------------------------------------------------------------------------


def _check_event(event: MarketingEvent) -> None:
    event.kind = _choice(event.kind, "kind", MarketingEventKind)
    event.theme = _text(event.theme, "theme", _("theme"))[:120]
    event.purpose = _text(event.purpose, "purpose", _("purpose"))
    event.place = _text(event.place, "place", _("place"))[:200]
    event.audience = _text(event.audience, "audience", _("audience"))[:200]
    event.publicity = _text(event.publicity, "publicity")
    event.expected_effect = _text(event.expected_effect, "expected_effect", _("expected effect"))
    event.budget = _yuan(event.budget, "budget")
    event.starts_at = _moment(event.starts_at, "starts_at")
    event.ends_at = _moment(event.ends_at, "ends_at")
    if event.ends_at < event.starts_at:
        raise ValidationError({"ends_at": _("The event cannot end before it starts.")})
    event.expected_attendance = _count(event.expected_attendance, "expected_attendance")
    event.expected_leads = _count(event.expected_leads, "expected_leads")


@transaction.atomic
def marketing_event_create(
    *,
    actor,
    theme: str,
    purpose: str,
    starts_at,
    ends_at,
    place: str,
    audience: str,
    budget,
    expected_effect: str,
    kind: str = MarketingEventKind.PROMOTION,
    publicity: str = "",
    expected_attendance=0,
    expected_leads=0,
) -> MarketingEvent:
    """An event proposal (draft) organised by ``actor``."""
    check_model_permission(actor, MarketingEvent, "add")
    event = MarketingEvent(
        dealership_id=get_scope().current_id,
        kind=kind,
        theme=theme,
        purpose=purpose,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        audience=audience,
        publicity=publicity,
        budget=budget,
        expected_effect=expected_effect,
        expected_attendance=expected_attendance,
        expected_leads=expected_leads,
        created_by=actor,
    )
    _check_event(event)
    if event.starts_at < timezone.now():
        raise ValidationError({"starts_at": _("A proposal is for an event to come.")})
    return save_audited(actor=actor, obj=event, before=None, fields=EVENT_FIELDS)


def _lock_event(actor, event_id, *states) -> MarketingEvent:
    event = lock_for_user(actor, MarketingEvent, _pk(event_id), "change")
    if states and event.state not in states:
        raise ValidationError(
            _("This cannot be done while the event is %(state)s.")
            % {"state": event.get_state_display()}
        )
    return event


@transaction.atomic
def marketing_event_update(*, actor, event_id, **fields) -> MarketingEvent:
    """Change the proposal of a draft event, or the execution plan of an approved one."""
    _unknown(fields, (*PROPOSAL_FIELDS, "execution_plan"))
    event = lock_for_user(actor, MarketingEvent, _pk(event_id), "change")
    proposal = set(fields) & set(PROPOSAL_FIELDS)
    if proposal and event.state != EventState.DRAFT:
        raise ValidationError(
            _("The proposal is changed while it is a draft only; this event is %(state)s.")
            % {"state": event.get_state_display()}
        )
    if "execution_plan" in fields and event.state not in (EventState.DRAFT, EventState.APPROVED):
        raise ValidationError(
            _("This cannot be done while the event is %(state)s.")
            % {"state": event.get_state_display()}
        )
    before = snapshot(event, EVENT_FIELDS)
    for name, value in fields.items():
        setattr(event, name, value)
    event.execution_plan = _text(event.execution_plan, "execution_plan")
    _check_event(event)
    return save_audited(actor=actor, obj=event, before=before, fields=EVENT_FIELDS)


def _event_description(event: MarketingEvent) -> str:
    local = timezone.localtime(event.starts_at)
    return "\n".join(
        part
        for part in (
            _("Purpose: %(text)s") % {"text": event.purpose},
            _("Time: %(when)s") % {"when": f"{local:%Y-%m-%d %H:%M}"},
            _("Place: %(text)s") % {"text": event.place},
            _("Audience: %(text)s") % {"text": event.audience},
            _("Publicity: %(text)s") % {"text": event.publicity} if event.publicity else "",
            _("Expected effect: %(text)s") % {"text": event.expected_effect},
        )
        if part
    )


@transaction.atomic
def marketing_event_submit(*, actor, event_id) -> MarketingEvent:
    """Send a draft proposal for approval (department manager → deputy GM → GM)."""
    from org.approvals import services as approvals

    event = _lock_event(actor, event_id, EventState.DRAFT)
    _check_event(event)
    if event.starts_at < timezone.now():
        raise ValidationError({"starts_at": _("A proposal is for an event to come.")})
    request = _start_request(
        actor,
        event,
        kind=EVENT_KIND,
        subject=(_("Marketing event: %(theme)s") % {"theme": event.theme})[:200],
        description=_event_description(event),
        amount=event.budget if event.budget > 0 else None,
    )
    before = snapshot(event, EVENT_FIELDS)
    event.request = request
    event.state = EventState.SUBMITTED
    save_audited(actor=actor, obj=event, before=before, fields=EVENT_FIELDS)
    approvals.request_submit(actor=actor, request_id=request.pk)
    event.refresh_from_db()
    return event


@transaction.atomic
def marketing_event_cancel(*, actor, event_id) -> MarketingEvent:
    """Call off a draft or approved event (a submitted one is withdrawn in the approvals)."""
    event = _lock_event(actor, event_id, EventState.DRAFT, EventState.APPROVED)
    before = snapshot(event, EVENT_FIELDS)
    event.state = EventState.CANCELLED
    return save_audited(actor=actor, obj=event, before=before, fields=EVENT_FIELDS)


@transaction.atomic
def marketing_event_summarise(
    *,
    actor,
    event_id,
    summary: str,
    leads_reported=None,
    orders_reported=None,
    actual_cost=None,
    actual_attendance=None,
) -> MarketingEvent:
    """The summary of an approved event that has started, against its expected effect: the
    attendance (by default the guests of the invitations marked attended), the leads and
    orders the departments reported, the actual cost. It may be corrected afterwards."""
    event = _lock_event(actor, event_id, EventState.APPROVED, EventState.DONE)
    if event.starts_at > timezone.now():
        raise ValidationError(_("An event is summarised once it has taken place."))
    before = snapshot(event, EVENT_FIELDS)
    event.summary = _text(summary, "summary", _("summary"))
    event.leads_reported = _count(leads_reported, "leads_reported")
    event.orders_reported = _count(orders_reported, "orders_reported")
    event.actual_cost = _yuan(actual_cost, "actual_cost")
    attendance = _count(actual_attendance, "actual_attendance", allow_none=True)
    if attendance is None:
        attendance = event.invitations.filter(attended=True).aggregate(n=Sum("guests"))["n"] or 0
    event.actual_attendance = attendance
    event.state = EventState.DONE
    event.summarised_at = timezone.now()
    return save_audited(actor=actor, obj=event, before=before, fields=EVENT_FIELDS)


def _event_of(request):
    return MarketingEvent.objects.select_for_update().filter(request_id=request.pk).first()


def _event_move(request, state: str, *, actor=None, unlink: bool = False) -> None:
    event = _event_of(request)
    if event is None or event.state in (EventState.DONE, EventState.CANCELLED):
        return
    before = snapshot(event, EVENT_FIELDS)
    event.state = state
    if unlink:
        event.request = None
    save_audited(actor=actor or _decider(request), obj=event, before=before, fields=EVENT_FIELDS)


def _event_details(request, user) -> list:
    from django.utils.html import format_html

    from dealership.access import permitted_ids

    event = MarketingEvent.objects.filter(request_id=request.pk).first()
    if event is None:
        return []
    theme = event.theme
    if permitted_ids(user, MarketingEvent, "view", [event.pk]):
        theme = format_html(
            '<a href="{}" data-testid="marketing-event">{}</a>', event.get_absolute_url(), theme
        )
    local = timezone.localtime(event.starts_at)
    return [
        (_("Event"), theme),
        (_("Kind"), event.get_kind_display()),
        (_("Time"), f"{local:%Y-%m-%d %H:%M}"),
        (_("Place"), event.place),
        (_("Audience"), event.audience),
        (_("Budget"), f"¥{event.budget}"),
        (_("Expected effect"), event.expected_effect),
    ]


MARKETING_EVENT_KIND = RequestKind(
    code=EVENT_KIND,
    label=gettext_lazy("Marketing event"),
    default_chain=[Step.department_head(), Step.at("deputy_gm"), Step.at("gm")],
    amount_required=False,
    on_approved=lambda request: _event_move(request, EventState.APPROVED),
    on_rejected=lambda request: _event_move(request, EventState.REJECTED),
    on_returned=lambda request: _event_move(request, EventState.DRAFT),
    on_withdrawn=lambda request: _event_move(
        request, EventState.DRAFT, actor=request.requester, unlink=True
    ),
    details=_event_details,
    create_url=_create_url_of(MarketingEvent, "crm:event_create"),
    edit_url=_edit_url_of(MarketingEvent),
)


# --- invitations --------------------------------------------------------------------------------

INVITABLE = (EventState.APPROVED,)


def _lock_invitable(actor, event_id) -> MarketingEvent:
    """The event, approved and not over; who may invite is anyone who may add invitations and
    see the event (the customer-service team invites to the marketing team's events)."""
    check_model_permission(actor, EventInvitation, "add")
    event = get_object_for_user(actor, MarketingEvent, "view", pk=_pk(event_id))
    event = MarketingEvent.objects.select_for_update().get(pk=event.pk)
    if event.state not in INVITABLE:
        raise ValidationError(
            _("Guests are invited to an approved event; this one is %(state)s.")
            % {"state": event.get_state_display()}
        )
    if event.ends_at < timezone.now():
        raise ValidationError(_("This event is over."))
    return event


def _is_member(customer_id) -> bool:
    return Membership.objects.filter(customer_id=customer_id, left_on__isnull=True).exists()


@transaction.atomic
def event_invitation_create(
    *, actor, event_id, customer_id, channel: str = InvitationChannel.PHONE, note: str = ""
) -> EventInvitation:
    """Invite a customer the actor may see (once per event)."""
    event = _lock_invitable(actor, event_id)
    customer = get_object_for_user(actor, Customer, "view", pk=_pk(customer_id))
    invitation = EventInvitation(
        dealership_id=event.dealership_id,
        event=event,
        customer=customer,
        club_member=_is_member(customer.pk),
        channel=_choice(channel, "channel", InvitationChannel),
        note=_text(note, "note")[:200],
        invited_by=actor,
    )
    if EventInvitation.objects.filter(event=event, customer=customer).exists():
        raise ValidationError({"customer": _("This customer is already invited.")})
    try:
        with transaction.atomic():
            return save_audited(actor=actor, obj=invitation, before=None, fields=INVITATION_FIELDS)
    except IntegrityError:
        raise ValidationError({"customer": _("This customer is already invited.")}) from None


@transaction.atomic
def event_invite_members(
    *, actor, event_id, channel: str = InvitationChannel.SMS
) -> list[EventInvitation]:
    """Invite every current owner-club member (车友会) not invited yet — the dealership's
    members, whoever invites: the CRM department invites for the dealership. One audit entry."""
    event = _lock_invitable(actor, event_id)
    channel = _choice(channel, "channel", InvitationChannel)
    invited = EventInvitation.objects.filter(event=event, customer_id=OuterRef("pk"))
    member = Membership.objects.filter(customer_id=OuterRef("pk"), left_on__isnull=True)
    customers = list(
        Customer.objects.filter(dealership_id=event.dealership_id)
        .filter(Exists(member))
        .exclude(Exists(invited))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = EventInvitation.objects.bulk_create(
        [
            EventInvitation(
                dealership_id=event.dealership_id,
                event=event,
                customer_id=pk,
                club_member=True,
                channel=channel,
                invited_by=actor,
            )
            for pk in customers
        ],
        ignore_conflicts=True,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=event,
        before=None,
        after={"invited_members": len(customers), "channel": channel},
    )
    return rows


@transaction.atomic
def event_invitation_reply(
    *, actor, invitation_id, reply: str, guests=None, note=None
) -> EventInvitation:
    """Record the guest's reply (accepted with how many people, declined, no answer)."""
    invitation = lock_for_user(actor, EventInvitation, _pk(invitation_id), "change")
    event = invitation.event
    if event.state not in (EventState.APPROVED, EventState.DONE):
        raise ValidationError(
            _("This cannot be done while the event is %(state)s.")
            % {"state": event.get_state_display()}
        )
    before = snapshot(invitation, INVITATION_FIELDS)
    invitation.reply = _choice(reply, "reply", InvitationReply)
    if guests not in (None, ""):
        invitation.guests = _count(guests, "guests")
        if invitation.guests < 1 or invitation.guests > 20:
            raise ValidationError({"guests": _("Give between 1 and 20 people.")})
    if note is not None:
        invitation.note = _text(note, "note")[:200]
    invitation.replied_at = None if invitation.reply == InvitationReply.PENDING else timezone.now()
    return save_audited(actor=actor, obj=invitation, before=before, fields=INVITATION_FIELDS)


@transaction.atomic
def event_invitation_attendance(*, actor, invitation_id, attended: bool) -> EventInvitation:
    """Whether the invited guest came (once the event has started)."""
    invitation = lock_for_user(actor, EventInvitation, _pk(invitation_id), "change")
    event = invitation.event
    if event.state not in (EventState.APPROVED, EventState.DONE):
        raise ValidationError(
            _("This cannot be done while the event is %(state)s.")
            % {"state": event.get_state_display()}
        )
    if event.starts_at > timezone.now():
        raise ValidationError(_("Attendance is recorded once the event has started."))
    if attended not in (True, False):
        raise ValidationError({"attended": _("Give yes or no.")})
    before = snapshot(invitation, INVITATION_FIELDS)
    invitation.attended = attended
    return save_audited(actor=actor, obj=invitation, before=before, fields=INVITATION_FIELDS)


# --- evidence -----------------------------------------------------------------------------------


def _detect(upload) -> str:
    import filetype

    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    return kind.mime if kind else ""


@transaction.atomic
def event_evidence_add(*, actor, event_id, kind: str, file) -> EventEvidence:
    """Keep a contract photo, an invoice, an event photo or a proof of publication of an
    approved or summarised event, for the OEM's reimbursement: a PDF or an image by content, at
    most ``ATTACHMENT_MAX_MB``; stored outside the web root."""
    event = _lock_event(actor, event_id, EventState.APPROVED, EventState.DONE)
    kind = _choice(kind, "kind", EvidenceKind)
    if file is None:
        raise ValidationError({"file": _("Choose a file.")})
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if file.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": settings.ATTACHMENT_MAX_MB}}
        )
    if file.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content_type = _detect(file)
    if content_type not in EVIDENCE_TYPES:
        raise ValidationError({"file": _("Attach a PDF or a photo (JPEG, PNG, WebP, HEIC).")})
    name = (getattr(file, "name", "") or "file").rsplit("/", 1)[-1][:200] or "file"
    evidence = EventEvidence(
        dealership_id=event.dealership_id,
        event=event,
        kind=kind,
        name=name,
        content_type=content_type,
        size=file.size,
        uploaded_by=actor,
    )
    evidence.file.save(f"x{EVIDENCE_TYPES[content_type]}", file, save=False)
    try:
        with transaction.atomic():
            evidence.save()
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=evidence,
                before=None,
                after={"event": event.pk, "kind": kind, "name": name, "type": content_type},
            )
    except Exception:
        evidence.file.storage.delete(evidence.file.name)  # no file without its row
        raise
    return evidence


@transaction.atomic
def event_evidence_delete(*, actor, evidence_id) -> None:
    """Remove a file kept by mistake (while the event is approved or summarised)."""
    evidence = lock_for_user(actor, EventEvidence, _pk(evidence_id), "change")
    _lock_event(actor, evidence.event_id, EventState.APPROVED, EventState.DONE)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=evidence,
        before={"event": evidence.event_id, "kind": evidence.kind, "name": evidence.name},
        after=None,
    )
    stored = evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: evidence.file.storage.delete(stored))


# --- the competitor-advertising log -------------------------------------------------------------


def _check_ad(ad: CompetitorAd) -> None:
    ad.brand = _text(ad.brand, "brand", _("competitor brand"))[:50]
    ad.channel = _choice(ad.channel, "channel", AdChannel)
    ad.medium = _text(ad.medium, "medium", _("medium"))[:100]
    ad.size = _text(ad.size, "size")[:100]
    ad.note = _text(ad.note, "note")
    ad.published_on = _date(ad.published_on, "published_on")
    if ad.published_on > local_today():
        raise ValidationError({"published_on": _("An advertisement seen cannot be in the future.")})
    ad.cost_estimate = (
        None if ad.cost_estimate in (None, "") else _yuan(ad.cost_estimate, "cost_estimate")
    )


@transaction.atomic
def competitor_ad_create(
    *,
    actor,
    brand: str,
    channel: str,
    medium: str,
    published_on,
    size: str = "",
    cost_estimate=None,
    note: str = "",
) -> CompetitorAd:
    """Log a competitor's advertisement seen in the local market."""
    check_model_permission(actor, CompetitorAd, "add")
    ad = CompetitorAd(
        dealership_id=get_scope().current_id,
        brand=brand,
        channel=channel,
        medium=medium,
        size=size,
        published_on=published_on,
        cost_estimate=cost_estimate,
        note=note,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _check_ad(ad)
    return save_audited(actor=actor, obj=ad, before=None, fields=AD_FIELDS)


@transaction.atomic
def competitor_ad_update(*, actor, ad_id, **fields) -> CompetitorAd:
    _unknown(fields, AD_FIELDS)
    ad = lock_for_user(actor, CompetitorAd, _pk(ad_id), "change")
    before = snapshot(ad, AD_FIELDS)
    for name, value in fields.items():
        setattr(ad, name, value)
    _check_ad(ad)
    return save_audited(actor=actor, obj=ad, before=before, fields=AD_FIELDS)


@transaction.atomic
def competitor_ad_delete(*, actor, ad_id) -> None:
    ad = lock_for_user(actor, CompetitorAd, _pk(ad_id), "delete")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=ad,
        before=snapshot(ad, AD_FIELDS),
        after=None,
    )
    ad.delete()
