"""Writes of sales plans (销售计划, 001 销售经理): the year's, quarter's and month's plan of units
and revenue by model.

The sales manager drafts the plan (``sales.change_plan``), sends it through its chain (the
sales manager or director, the deputy GM, the GM: kind ``sales.plan``) and, once approved,
records its submission to the OEM (state "submitted" with the day). When a month's plan is
approved, the month's department targets by model (:class:`~sales.models.SalesTarget` without
a consultant) are set from its lines, with the month's total as the target of all models; the
consultants' own targets stay as the sales manager set them. Actuals against the plan are read
by :mod:`sales.selectors.salesplans`."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealership.access import check_model_permission, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.approvals.kinds import RequestKind, Step
from sales.models import PlanPeriod, PlanState, SalesPlan, SalesPlanLine, SalesTarget
from sales.money import money
from sales.periods import parse_day, period_start
from sales.services.approval import decider, request_for

__all__ = [
    "SALES_PLAN_KIND",
    "salesplan_create",
    "salesplan_send_to_oem",
    "salesplan_submit",
    "salesplan_update",
]

KIND_CODE = "sales.plan"
PLAN_FIELDS = ("period", "starts_on", "notes", "state", "request", "submitted_on", "submitted_by")
EDITABLE = (PlanState.DRAFT, PlanState.REJECTED)
MAX_LINES = 50
MAX_UNITS = 1000000


def _pk(value):
    return getattr(value, "pk", value)


def _clean_lines(lines) -> list[tuple[str, int, Decimal]]:
    cleaned, seen = [], set()
    for number, line in enumerate(lines or [], start=1):
        if not isinstance(line, dict):
            raise ValidationError({"lines": _("Line %(n)d is not a plan line.") % {"n": number}})
        model = str(line.get("model") or "").strip()
        if not model:
            raise ValidationError({"lines": _("Line %(n)d: enter the model.") % {"n": number}})
        if len(model) > 80:
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: the model name is longer than 80 characters.")
                    % {"n": number}
                }
            )
        if model.casefold() in seen:
            raise ValidationError(
                {
                    "lines": _("Line %(n)d repeats the model %(model)s.")
                    % {"n": number, "model": model}
                }
            )
        seen.add(model.casefold())
        units = line.get("units")
        try:
            if isinstance(units, bool):
                raise TypeError
            units = int(units)
        except (TypeError, ValueError):
            raise ValidationError(
                {"lines": _("Line %(n)d: the units must be a whole number.") % {"n": number}}
            ) from None
        if not 0 <= units <= MAX_UNITS:
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: the units must be between 0 and %(max)d.")
                    % {"n": number, "max": MAX_UNITS}
                }
            )
        try:
            revenue = money(line.get("revenue"), "revenue", required=True)
        except ValidationError as error:
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: %(error)s")
                    % {"n": number, "error": " ".join(error.messages)}
                }
            ) from None
        cleaned.append((model, units, revenue))
    if len(cleaned) > MAX_LINES:
        raise ValidationError(
            {"lines": _("A plan has at most %(max)d lines.") % {"max": MAX_LINES}}
        )
    return cleaned


def _replace_lines(actor, plan: SalesPlan, cleaned) -> None:
    old = list(plan.lines.all())
    for line in old:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            obj=line,
            before=snapshot(line),
            after=None,
        )
    SalesPlanLine.objects.filter(pk__in=[line.pk for line in old]).delete()
    for model, units, revenue in cleaned:
        line = SalesPlanLine(
            dealership_id=plan.dealership_id, plan=plan, model=model, units=units, revenue=revenue
        )
        save_audited(actor=actor, obj=line, before=None)


@transaction.atomic
def salesplan_create(*, actor, period: str, starts_on, lines=(), notes: str = "") -> SalesPlan:
    """A draft plan of the year, quarter or month containing ``starts_on``, with its lines
    ``[{"model", "units", "revenue"}]``. One plan per period."""
    check_model_permission(actor, SalesPlan, "add")
    start = period_start(period, starts_on)
    cleaned = _clean_lines(lines)
    if SalesPlan.objects.filter(period=period, starts_on=start).exists():
        raise ValidationError({"starts_on": _("There is already a plan for this period.")})
    plan = SalesPlan(
        dealership_id=get_scope().current_id,
        period=period,
        starts_on=start,
        notes=(notes or "").strip(),
        created_by=actor,
    )
    save_audited(actor=actor, obj=plan, before=None, fields=PLAN_FIELDS)
    _replace_lines(actor, plan, cleaned)
    return plan


@transaction.atomic
def salesplan_update(*, actor, plan_id, lines=None, notes=None) -> SalesPlan:
    """Change a draft or a rejected plan: its lines (replaced when given) and notes."""
    plan = lock_for_user(actor, SalesPlan, _pk(plan_id), "change")
    if plan.state not in EDITABLE:
        raise ValidationError(
            _("Only a draft or a rejected plan can be changed; this one is %(state)s.")
            % {"state": plan.get_state_display()}
        )
    before = snapshot(plan, PLAN_FIELDS)
    if notes is not None:
        plan.notes = str(notes).strip()
    plan.state = PlanState.DRAFT
    save_audited(actor=actor, obj=plan, before=before, fields=PLAN_FIELDS)
    if lines is not None:
        _replace_lines(actor, plan, _clean_lines(lines))
    return plan


def _totals(plan: SalesPlan) -> tuple[int, Decimal]:
    lines = list(plan.lines.all())
    return sum(line.units for line in lines), sum((line.revenue for line in lines), Decimal("0"))


@transaction.atomic
def salesplan_submit(*, actor, plan_id) -> SalesPlan:
    """Send a draft plan (with at least one line) for approval."""
    from org.approvals import services as approvals

    plan = lock_for_user(actor, SalesPlan, _pk(plan_id), "change")
    if plan.state not in EDITABLE:
        raise ValidationError(
            _("Only a draft plan is sent for approval; this one is %(state)s.")
            % {"state": plan.get_state_display()}
        )
    if not plan.lines.exists():
        raise ValidationError({"lines": _("Add the plan's lines before sending it for approval.")})
    units, revenue = _totals(plan)
    before = snapshot(plan, PLAN_FIELDS)
    request = request_for(
        actor=actor,
        obj=plan,
        kind_code=KIND_CODE,
        subject=_("Sales plan %(plan)s") % {"plan": plan},
        description=_("%(units)d units, revenue %(revenue)s CNY.")
        % {"units": units, "revenue": f"{revenue:,.2f}"},
    )
    plan.request = request
    plan.state = PlanState.PENDING
    save_audited(actor=actor, obj=plan, before=before, fields=PLAN_FIELDS)
    approvals.request_submit(actor=actor, request_id=request.pk)
    plan.refresh_from_db()  # approved at once when nobody is there to decide
    return plan


@transaction.atomic
def salesplan_send_to_oem(*, actor, plan_id, submitted_on=None) -> SalesPlan:
    """Record that the approved plan went to the OEM (on ``submitted_on``, default today)."""
    plan = lock_for_user(actor, SalesPlan, _pk(plan_id), "change")
    if plan.state != PlanState.APPROVED:
        raise ValidationError(
            _("Only an approved plan is submitted to the OEM; this one is %(state)s.")
            % {"state": plan.get_state_display()}
        )
    day = parse_day(submitted_on) if submitted_on not in (None, "") else timezone.localdate()
    if day is None:
        raise ValidationError({"submitted_on": _("Give the day as YYYY-MM-DD.")})
    if day > timezone.localdate():
        raise ValidationError({"submitted_on": _("The day of submission cannot be in the future.")})
    before = snapshot(plan, PLAN_FIELDS)
    plan.state = PlanState.SUBMITTED
    plan.submitted_on = day
    plan.submitted_by = actor
    return save_audited(actor=actor, obj=plan, before=before, fields=PLAN_FIELDS)


# --- the month's targets from an approved month plan ---------------------------------------------


def _set_department_targets(actor, plan: SalesPlan) -> None:
    """The month's department targets (no consultant): one per model of the plan and the total
    (all models); other department targets of the month are removed."""
    lines = list(plan.lines.all())
    wanted = {line.model: line.units for line in lines}
    wanted[""] = sum(wanted.values())
    existing = {
        t.model: t
        for t in SalesTarget.objects.select_for_update().filter(
            month=plan.starts_on, consultant__isnull=True
        )
    }
    for model, target in existing.items():
        if model not in wanted:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.DELETE,
                obj=target,
                before=snapshot(target),
                after=None,
            )
            target.delete()
    for model, units in wanted.items():
        target = existing.get(model)
        if target is not None:
            if target.units != units:
                before = snapshot(target)
                target.units = units
                save_audited(actor=actor, obj=target, before=before)
            continue
        save_audited(
            actor=actor,
            obj=SalesTarget(
                dealership_id=plan.dealership_id, month=plan.starts_on, model=model, units=units
            ),
            before=None,
        )


# --- the approval kind (callbacks run inside the deciding transaction) ---------------------------


def _plan_of(request) -> SalesPlan | None:
    return SalesPlan.objects.select_for_update().filter(request_id=request.pk).first()


def _move(request, state: str, *, actor=None, unlink: bool = False) -> None:
    plan = _plan_of(request)
    if plan is None or plan.state != PlanState.PENDING:
        return
    actor = actor or decider(request)
    before = snapshot(plan, PLAN_FIELDS)
    plan.state = state
    if unlink:
        plan.request = None
    save_audited(actor=actor, obj=plan, before=before, fields=PLAN_FIELDS)
    if state == PlanState.APPROVED and plan.period == PlanPeriod.MONTH:
        _set_department_targets(actor, plan)


def _approved(request) -> None:
    _move(request, PlanState.APPROVED)


def _rejected(request) -> None:
    _move(request, PlanState.REJECTED)


def _returned(request) -> None:
    _move(request, PlanState.DRAFT)


def _withdrawn(request) -> None:
    _move(request, PlanState.DRAFT, actor=request.requester, unlink=True)


def _details(request, user) -> list:
    from django.utils.html import format_html

    from dealership.access import permitted_ids

    plan = SalesPlan.objects.filter(request_id=request.pk).first()
    if plan is None:
        return []
    name = str(plan)
    if permitted_ids(user, SalesPlan, "view", [plan.pk]):
        name = format_html(
            '<a href="{}" data-testid="sales-plan">{}</a>', plan.get_absolute_url(), name
        )
    units, revenue = _totals(plan)
    rows = [(_("Sales plan"), name), (_("Units"), units), (_("Revenue"), f"{revenue:,.2f}")]
    for line in plan.lines.all():
        rows.append((line.model, f"{line.units} · {line.revenue:,.2f}"))
    return rows


def _edit_url(request) -> str | None:
    plan = SalesPlan.objects.filter(request_id=request.pk).first()
    return plan.get_absolute_url() if plan is not None else None


SALES_PLAN_KIND = RequestKind(
    code=KIND_CODE,
    label=gettext_lazy("Sales plan"),
    default_chain=[
        Step.at("sales_manager", alternate="sales_director"),
        Step.at("deputy_gm"),
        Step.at("gm"),
    ],
    amount_required=False,
    on_approved=_approved,
    on_rejected=_rejected,
    on_returned=_returned,
    on_withdrawn=_withdrawn,
    details=_details,
    edit_url=_edit_url,
)
