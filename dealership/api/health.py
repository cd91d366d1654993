"""``GET /api/v1/platform/health/``: the scheduler's health for load balancers and monitoring.

Anyone (no login) gets the status and the three checks, 200 when everything is fine and 503
when not; a signed-in user who may open the job-runs page also gets the dispatchers' passes and
the job runs by state in their dealerships. Never a URL, a host or an error text.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dealership import health as scheduler
from dealership.access import can
from dealership.api.viewsets import TenantScopeMixin
from dealership.models import JobRun


class HealthChecksSerializer(serializers.Serializer):
    database = serializers.CharField(help_text="`ok`, or `down` when it cannot be read.")
    broker = serializers.CharField(
        help_text="`ok` (reachable), `in_process` (no Redis: tasks run in this process) or "
        "`down` (unreachable)."
    )
    dispatcher = serializers.CharField(
        help_text="`ok`, `overdue` (a dispatcher has not passed for more than twice its "
        "interval, or the job dispatcher never ran) or `unknown` (the database is down)."
    )


class HealthDispatcherSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="`jobs`, `reports` or `deliveries`.")
    last_pass_at = serializers.DateTimeField(allow_null=True)
    interval = serializers.IntegerField(help_text="Seconds expected between two passes.")
    overdue = serializers.BooleanField()


class HealthJobRunsSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    running = serializers.IntegerField()
    failed_retrying = serializers.IntegerField(
        help_text="Failed with attempts left: the dispatcher retries them."
    )
    failed_given_up = serializers.IntegerField(
        help_text="Failed with every attempt used: only an operator runs them again."
    )
    missed = serializers.IntegerField(
        help_text="Due while the dispatcher was down beyond the catch-up window: never run."
    )
    oldest_pending_at = serializers.DateTimeField(allow_null=True)
    oldest_pending_age_seconds = serializers.IntegerField(allow_null=True)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="`ok`, or `degraded` when any check is not ok.")
    checks = HealthChecksSerializer()
    dispatchers = HealthDispatcherSerializer(
        many=True, required=False, help_text="Only for users who may open the job runs."
    )
    job_runs = HealthJobRunsSerializer(
        required=False,
        help_text="Only for users who may open the job runs: their dealerships' runs.",
    )


def may_see_details(request) -> bool:
    """The job-runs page's gate: signed in, working in a dealership (or HQ) and allowed to view
    job runs."""
    user = request.user
    return (
        user.is_authenticated
        and getattr(request._request, "tenant_scope", None) is not None
        and can(user, JobRun, "view")
    )


def health_data(state: scheduler.SchedulerHealth, *, details: bool) -> dict:
    data = {"status": state.status, "checks": state.checks()}
    if not details:
        return data
    data["dispatchers"] = [
        {
            "name": d.name,
            "last_pass_at": d.last_pass_at,
            "interval": d.interval,
            "overdue": d.overdue,
        }
        for d in state.dispatchers
    ]
    runs = state.runs
    if runs is not None:
        age = runs.oldest_pending_age
        data["job_runs"] = {
            "pending": runs.pending,
            "running": runs.running,
            "failed_retrying": runs.failed_retrying,
            "failed_given_up": runs.failed_given_up,
            "missed": runs.missed,
            "oldest_pending_at": runs.oldest_pending_at,
            "oldest_pending_age_seconds": int(age.total_seconds()) if age is not None else None,
        }
    return data


class HealthView(TenantScopeMixin, APIView):
    """The scheduler's health: 200 when the database and the broker answer and the dispatchers
    pass on time, 503 (``degraded``) otherwise. No login needed for the status and the checks;
    a user who may open the scheduled job runs also gets the dispatchers' passes and the job
    runs of their dealerships by state."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: HealthSerializer, 503: HealthSerializer},
        summary=str(_("Scheduler health")),
    )
    def get(self, request):
        details = may_see_details(request)
        if details:
            state = scheduler.scheduler_health(request.user)
        else:
            state = scheduler.scheduler_checks()
        response = Response(
            HealthSerializer(health_data(state, details=details)).data,
            status=status.HTTP_200_OK if state.ok else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        add_never_cache_headers(response)
        return response
