"""The submissions to the car maker: the list the CRM manager watches (which report, period and
version, when, the OEM's receipt) and the buttons of a run's submission card — acknowledge
(the car maker confirmed) and send again (a failed one)."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dealership.access import get_object_for_user, permitted_ids
from dealership.columns import DateTimeColumn
from dealership.models import OemSubmission
from dealership.reports import oem, selectors
from dealership.reports.registry import get_report
from dealership.views import ScopedListView, TenantRequiredMixin

State = OemSubmission.State
STATE_BADGES = {
    State.PENDING: "text-bg-secondary",
    State.SENT: "text-bg-primary",
    State.FAILED: "text-bg-danger",
    State.ACKNOWLEDGED: "text-bg-success",
}


class SubmissionTable(tables.Table):
    report = tables.Column(
        verbose_name=gettext_lazy("report"), accessor="run__report", linkify=False
    )
    dealership = tables.Column(verbose_name=gettext_lazy("dealership"))
    period = tables.Column(verbose_name=gettext_lazy("period"), accessor="run__period_key")
    version = tables.Column(verbose_name=gettext_lazy("version"), accessor="run__version")
    state = tables.Column(verbose_name=gettext_lazy("state"))
    submitted_at = DateTimeColumn(verbose_name=gettext_lazy("submitted at"), format="Y-m-d H:i")
    receipt = tables.Column(verbose_name=gettext_lazy("OEM receipt"), empty_values=("",))
    attempts = tables.Column(verbose_name=gettext_lazy("attempts"))

    class Meta:
        model = OemSubmission
        fields = (
            "report",
            "dealership",
            "period",
            "version",
            "state",
            "submitted_at",
            "receipt",
            "attempts",
        )
        attrs = {
            "class": "table table-sm table-hover align-middle",
            "data-testid": "submission-table",
        }
        row_attrs = {
            "data-state": lambda record: record.state,
            "data-key": lambda record: record.idempotency_key,
        }
        orderable = False
        empty_text = gettext_lazy("Nothing has been submitted to the car maker yet.")

    def render_report(self, record, value):
        report = get_report(value)
        return format_html(
            '<a href="{}">{}</a>', record.run.get_absolute_url(), report.title if report else value
        )

    def render_state(self, record, value):
        return format_html(
            '<span class="badge {}" title="{}">{}</span>',
            STATE_BADGES.get(record.state, "text-bg-secondary"),
            record.last_error[:300],
            value,
        )


class SubmissionListView(ScopedListView):
    """Every submission to the car maker the viewer may read (filter by state, report and
    period); the failed ones are counted on top."""

    model = OemSubmission
    table_class = SubmissionTable
    template_name = "reports/submission_list.html"

    def get_queryset(self):
        get = self.request.GET
        try:
            return oem.submissions_for_user(
                self.request.user,
                state=get.get("state") or None,
                report=get.get("report") or None,
                period_key=(get.get("period") or "").strip()[:16] or None,
            )
        except ValueError as error:
            raise BadRequest(str(error)) from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Submissions to the car maker"),
            states=State.choices,
            reports=[r for r in selectors.readable_reports(self.request.user) if r.oem],
            failed=oem.submissions_for_user(self.request.user, state=State.FAILED).count(),
        )
        return context


def _back(request, submission) -> HttpResponseRedirect:
    return HttpResponseRedirect(submission.run.get_absolute_url())


class SubmissionAcknowledgeView(TenantRequiredMixin, View):
    """POST (``receipt`` optional): the car maker confirmed the submission."""

    model = OemSubmission

    def post(self, request, pk):
        submission = get_object_for_user(request.user, OemSubmission, "change", pk=pk)
        try:
            submission = oem.submission_acknowledge(
                actor=request.user, submission=submission, receipt=request.POST.get("receipt", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Recorded: the car maker confirmed the submission."))
        return _back(request, submission)


class SubmissionResendView(TenantRequiredMixin, View):
    """POST: send a failed submission again now."""

    model = OemSubmission

    def post(self, request, pk):
        submission = get_object_for_user(request.user, OemSubmission, "change", pk=pk)
        try:
            with transaction.atomic():
                submission = oem.submission_resend(actor=request.user, submission=submission)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The submission is being sent again."))
        return _back(request, submission)


def may_change_submission(user, submission: OemSubmission | None) -> bool:
    """Show the acknowledge / send-again buttons of ``submission`` (one query)?"""
    if submission is None:
        return False
    return submission.pk in permitted_ids(user, OemSubmission, "change", [submission.pk])
