"""API of the submissions to the car maker (OEM): ``reports/submissions/``.

* ``GET reports/submissions/`` — the submissions the caller may read (report, dealership,
  period, version, state, when, the OEM's receipt); filters ``?state=``, ``?report=``,
  ``?period=`` (a period key such as ``2026-10``) and ``?dealership=<code>`` (HQ);
  ``GET reports/submissions/{id}/`` — one.
* ``POST reports/submissions/{id}/acknowledge/`` (``receipt`` optional) — the car maker
  confirmed it; ``POST reports/submissions/{id}/resend/`` — send a failed one again. Both need
  ``reports.export_oem``; bad moves answer 400 with the message."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from dealership.api.services import as_drf_errors, valid
from dealership.api.viewsets import TenantReadOnlyModelViewSet
from dealership.models import OemSubmission
from dealership.reports import oem
from dealership.reports.registry import get_report


class OemSubmissionSerializer(serializers.ModelSerializer):
    report = serializers.CharField(source="run.report", read_only=True)
    report_title = serializers.SerializerMethodField()
    dealership_code = serializers.CharField(source="dealership.code", read_only=True)
    dealership_name = serializers.CharField(source="dealership.name", read_only=True)
    period = serializers.CharField(source="run.period_key", read_only=True)
    period_start = serializers.DateField(source="run.period_start", read_only=True)
    period_end = serializers.DateField(source="run.period_end", read_only=True)
    version = serializers.IntegerField(source="run.version", read_only=True)
    run_status = serializers.CharField(source="run.status", read_only=True)

    class Meta:
        model = OemSubmission
        fields = (
            "id",
            "run",
            "report",
            "report_title",
            "dealership",
            "dealership_code",
            "dealership_name",
            "period",
            "period_start",
            "period_end",
            "version",
            "run_status",
            "channel",
            "idempotency_key",
            "state",
            "attempts",
            "next_attempt_at",
            "submitted_at",
            "acknowledged_at",
            "receipt",
            "last_error",
            "created_at",
        )
        read_only_fields = fields

    def get_report_title(self, obj) -> str:
        report = get_report(obj.run.report)
        return str(report.title) if report is not None else obj.run.report


class AcknowledgeSerializer(serializers.Serializer):
    receipt = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The car maker's receipt (needed when the system did not send it).",
    )


class OemSubmissionViewSet(TenantReadOnlyModelViewSet):
    """Submissions of report runs to the car maker (read with ``reports.view``)."""

    model = OemSubmission
    serializer_class = OemSubmissionSerializer
    lookup_value_regex = r"\d+"

    def policy_action(self) -> str:
        # the actions re-read the submission for "change" in their service (404 / 403)
        return "view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OemSubmission._base_manager.none()
        params = self.request.query_params
        try:
            rows = oem.submissions_for_user(
                self.request.user,
                state=params.get("state") or None,
                report=params.get("report") or None,
                period_key=(params.get("period") or "").strip() or None,
            )
        except ValueError as error:
            raise serializers.ValidationError({"state": [str(error)]}) from None
        if params.get("dealership"):
            rows = rows.filter(dealership__code=params["dealership"])
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=OemSubmission.State.values),
            OpenApiParameter("report", str, description="A report code."),
            OpenApiParameter("period", str, description="A period key, e.g. 2026-10."),
            OpenApiParameter("dealership", str, description="A dealership's code (HQ)."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AcknowledgeSerializer, responses=OemSubmissionSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Record that the car maker confirmed the submission."""
        data = valid(AcknowledgeSerializer, request)
        submission = self.get_object()
        with as_drf_errors():
            submission = oem.submission_acknowledge(
                actor=request.user, submission=submission, receipt=data.get("receipt", "")
            )
        return self.answer(submission)

    @extend_schema(request=None, responses=OemSubmissionSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Send a failed submission again now (same idempotency key)."""
        submission = self.get_object()
        with as_drf_errors():
            submission = oem.submission_resend(actor=request.user, submission=submission)
        return self.answer(submission)

    def base_queryset(self):
        return OemSubmission.objects.select_related("run", "dealership").defer("run__content")
