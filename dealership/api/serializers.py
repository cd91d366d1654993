from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dealership.models import Dealership, JobRun, OemSubmission, ReportRun


class DealershipSerializer(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="code", read_only=True)
    group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Dealership
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "brand",
            "group",
            "time_zone",
            "address",
            "is_active",
        ]


class JobRunSerializer(serializers.ModelSerializer):
    dealership = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = JobRun
        fields = [
            "id",
            "dealership",
            "job",
            "run_date",
            "state",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "result",
            "error",
        ]


class ReportSubmissionSerializer(serializers.ModelSerializer):
    """A run's submission to the car maker: its state and the OEM's receipt."""

    class Meta:
        model = OemSubmission
        fields = ["state", "receipt", "submitted_at", "acknowledged_at"]
        read_only_fields = fields


class ReportRunSerializer(serializers.ModelSerializer):
    """A report run: which report, dealership, period and version, its state, links to its
    files (served by the permission-checked file view) and its submission to the car maker.
    The viewset prefetches ``submissions``."""

    report_title = serializers.SerializerMethodField()
    dealership = serializers.SlugRelatedField(slug_field="code", read_only=True)
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()
    submission = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "report",
            "report_title",
            "dealership",
            "period_kind",
            "period_key",
            "period_start",
            "period_end",
            "version",
            "status",
            "trigger",
            "created_at",
            "finished_at",
            "checksum",
            "pdf_url",
            "xlsx_url",
            "submission",
        ]
        read_only_fields = fields

    def get_report_title(self, run) -> str:
        from dealership.reports.registry import get_report

        report = get_report(run.report)
        return str(report.title) if report is not None else run.report

    def _file_url(self, run, kind: str) -> str | None:
        if not getattr(run, kind):
            return None
        url = reverse("platform:reportrun_file", kwargs={"pk": run.pk, "kind": kind})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, run) -> str | None:
        return self._file_url(run, "pdf")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_xlsx_url(self, run) -> str | None:
        return self._file_url(run, "xlsx")

    @extend_schema_field(ReportSubmissionSerializer(allow_null=True))
    def get_submission(self, run) -> dict | None:
        # prefetched: at most one submission per run
        submissions = list(run.submissions.all())
        if not submissions:
            return None
        return ReportSubmissionSerializer(submissions[0], context=self.context).data


class WorkspaceSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    dealership_ids = serializers.ListField(child=serializers.IntegerField())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    workspaces = WorkspaceSerializer(many=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)


class TokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The secret: send it as `Authorization: Token <token>`."
    )
    id = serializers.CharField(help_text="The token's short id (for listing and revoking).")
    expiry = serializers.DateTimeField(allow_null=True)


class TokenSerializer(serializers.Serializer):
    """An API token of the caller, never its secret."""

    id = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text="The token of this request.")
