"""Reports that pass an approval chain before they count as submitted (``register_report(...,
approval=True)``: the 15th/30th tracking reports, 竞品价格跟踪表 and the like).

A generated run of such a report waits (``done``) until a person who may generate the report
submits it for approval; the chain itself belongs to the approvals engine, which the platform
does not know: the app that owns the engine registers a :class:`ApprovalGate` here. While the
chain runs the run is ``awaiting_approval``; approved, it is ``approved`` and only then are its
recipients told and, for an OEM report, its submission to the car maker made. Rejected or
withdrawn, it is ``done`` again (a corrected version can be generated and submitted); returned
for changes, it is ``done`` and the same request is submitted again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dealership.access import check_model_permission, get_object_for_user
from dealership.actors import SYSTEM
from dealership.audit import audit_record, snapshot
from dealership.models import ReportRun
from dealership.reports.access import may_read_report
from dealership.reports.models import RunStatus
from dealership.reports.registry import Report, get_report

AUDITED = ("status", "version", "approval_request_id")


@dataclass(frozen=True)
class ApprovalGate:
    """What the approvals engine offers the report framework.

    ``submit(actor, run, report, request_id)`` starts (or, after a return, restarts) the chain of
    the run and returns the request's id; ``url(request_id, user)`` is the request's page, or None
    when ``user`` may not open it."""

    submit: Callable[..., int]
    url: Callable[[int, object], str | None]


_gate: ApprovalGate | None = None


def register_approval_gate(gate: ApprovalGate) -> None:
    global _gate
    _gate = gate


def approval_gate() -> ApprovalGate | None:
    return _gate


def _latest_version(run: ReportRun) -> int:
    return ReportRun.objects.filter(
        dealership_id=run.dealership_id, report=run.report, period_key=run.period_key
    ).aggregate(top=Max("version"))["top"]


def may_submit_for_approval(user, run: ReportRun, report: Report | None) -> bool:
    """Offer the button: an approval report's newest finished version, to who may make one."""
    from dealership.access import can

    return (
        report is not None
        and report.approval
        and _gate is not None
        and run.status == RunStatus.DONE
        and may_read_report(user, report)
        and can(user, ReportRun, "add")
    )


def approval_url(run: ReportRun, user) -> str | None:
    """The page of the run's approval request, if it has one and ``user`` may open it."""
    if _gate is None or not run.approval_request_id:
        return None
    return _gate.url(run.approval_request_id, user)


def report_run_submit_for_approval(*, actor, run_id: int) -> ReportRun:
    """``actor`` submits a finished run of an approval report to its chain."""
    if _gate is None:
        raise ValidationError(_("No approval engine is installed."))
    with transaction.atomic():
        run = get_object_for_user(actor, ReportRun, "view", pk=run_id)
        check_model_permission(actor, ReportRun, "add")  # a read-only scope (HQ): 403
        run = ReportRun.objects.select_for_update().get(pk=run.pk)
        report = get_report(run.report)
        if report is not None and not may_read_report(actor, report):
            raise PermissionDenied(_("You may not read this report."))
        if report is None or not report.approval:
            raise ValidationError(_("This report does not pass an approval chain."))
        if run.status == RunStatus.AWAITING_APPROVAL:
            raise ValidationError(_("This report is already waiting for approval."))
        if run.status != RunStatus.DONE:
            raise ValidationError(
                _("Only a finished report that is not yet approved can be submitted.")
            )
        if run.version != _latest_version(run):
            raise ValidationError(
                _("A newer version of this report exists; submit the newest one.")
            )
        before = snapshot(run, AUDITED)
        request_id = run.approval_request_id
        if request_id is None:
            # an earlier version's chain returned for changes goes on with this version
            earlier = (
                ReportRun.objects.select_for_update()
                .filter(
                    dealership_id=run.dealership_id,
                    report=run.report,
                    period_key=run.period_key,
                    status=RunStatus.DONE,
                    approval_request_id__isnull=False,
                )
                .exclude(pk=run.pk)
                .first()
            )
            if earlier is not None:
                request_id = earlier.approval_request_id
                earlier.approval_request_id = None
                earlier.save(update_fields=["approval_request_id"])
        run.approval_request_id = _gate.submit(
            actor=actor, run=run, report=report, request_id=request_id
        )
        run.status = RunStatus.AWAITING_APPROVAL
        run.save(update_fields=["approval_request_id", "status"])
        audit_record(
            actor=actor, action="update", obj=run, before=before, after=snapshot(run, AUDITED)
        )
    return run


def report_run_approval_decided(*, request_id: int, decision: str) -> ReportRun | None:
    """The engine tells the outcome of a run's chain (``approved``, ``returned``, ``rejected``
    or ``withdrawn``), inside its own transaction and tenant scope."""
    run = ReportRun.objects.select_for_update().filter(approval_request_id=request_id).first()
    if run is None or run.status != RunStatus.AWAITING_APPROVAL:
        return None
    before = snapshot(run, AUDITED)
    report = get_report(run.report)
    if decision == "approved":
        run.status = RunStatus.APPROVED
    else:
        run.status = RunStatus.DONE
        if decision != "returned":  # a returned request is submitted again, the others end
            run.approval_request_id = None
    run.save(update_fields=["status", "approval_request_id"])
    audit_record(
        actor=SYSTEM, action="update", obj=run, before=before, after=snapshot(run, AUDITED)
    )
    if run.status == RunStatus.APPROVED and report is not None:
        from dealership.reports.services import report_run_counts

        report_run_counts(run, report)
    return run
