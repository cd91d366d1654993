"""The approval of a report run (报表审批): the chain a report declared with
``register_report(..., approval=True)`` passes before it counts as submitted — the 15th/30th
tracking reports (竞品价格跟踪表: surveyor → department manager → deputy GM → GM).

The engine plugs itself into the report framework as its :class:`ApprovalGate`; the link from a
run to its request is the run's ``approval_request_id``."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.approvals.kinds import RequestKind, Step

KIND_CODE = "reports.report_approval"


def _decided(decision: str):
    def hook(request) -> None:
        from dealership.reports.approval import report_run_approval_decided

        report_run_approval_decided(request_id=request.pk, decision=decision)

    return hook


def _run(request):
    from dealership.models import ReportRun

    return ReportRun.objects.filter(approval_request_id=request.pk).first()


def _details(request, user) -> list:
    from dealership.access import permitted_ids
    from dealership.models import ReportRun
    from dealership.reports.registry import get_report

    run = _run(request)
    if run is None:
        return []
    report = get_report(run.report)
    label = f"{report.title if report else run.report} · {run.period_key} · v{run.version}"
    if permitted_ids(user, ReportRun, "view", [run.pk]):
        label = format_html(
            '<a href="{}" data-testid="report-run">{}</a>', run.get_absolute_url(), label
        )
    return [
        (_("Report"), label),
        (_("Period"), f"{run.period_start:%Y-%m-%d} – {run.period_end:%Y-%m-%d}"),
    ]


def _edit_url(request) -> str | None:
    """A returned report is corrected by generating a new version from its run's page."""
    run = _run(request)
    return run.get_absolute_url() if run is not None else None


REPORT_APPROVAL_KIND = RequestKind(
    code=KIND_CODE,
    label=gettext_lazy("Report approval"),
    default_chain=[Step.department_head(), Step.at("deputy_gm"), Step.at("gm")],
    amount_required=False,
    on_approved=_decided("approved"),
    on_rejected=_decided("rejected"),
    on_returned=_decided("returned"),
    on_withdrawn=_decided("withdrawn"),
    details=_details,
    edit_url=_edit_url,
)


def submit(*, actor, run, report, request_id: int | None) -> int:
    """Start the run's chain: a new request, or the returned one submitted again."""
    from org.approvals.models import ApprovalRequest
    from org.approvals.services import request_create, request_submit

    request = None
    if request_id:
        request = ApprovalRequest.objects.filter(
            pk=request_id, status=ApprovalRequest.Status.RETURNED
        ).first()
    if request is None:
        request = request_create(
            actor=actor,
            kind=KIND_CODE,
            subject=f"{report.title} · {run.period_key}",
            description=_("Version %(version)s of the report, generated %(at)s.")
            % {
                "version": run.version,
                "at": f"{run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else "—",
            },
        )
    return request_submit(actor=actor, request_id=request.pk).pk


def url(request_id: int, user) -> str | None:
    from django.urls import reverse

    from dealership.access import permitted_ids
    from org.approvals.models import ApprovalRequest

    if not permitted_ids(user, ApprovalRequest, "view", [request_id]):
        return None
    return reverse("org:approval_detail", kwargs={"pk": request_id})


def register() -> None:
    from dealership.reports.approval import ApprovalGate, register_approval_gate
    from org.approvals.kinds import register_request_kind

    register_request_kind(REPORT_APPROVAL_KIND)
    register_approval_gate(ApprovalGate(submit=submit, url=url))
