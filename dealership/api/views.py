import django_filters
from django.contrib.auth import authenticate, user_logged_in
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from dealership import selectors
from dealership.api.pagination import CountedPagination
from dealership.api.serializers import (
    DealershipSerializer,
    JobRunSerializer,
    MeSerializer,
    ReportRunSerializer,
    TokenCreatedSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from dealership.api.viewsets import HasTenant, TenantReadOnlyModelViewSet, TenantScopeMixin
from dealership.models import Dealership, JobRun, OemSubmission, ReportRun
from dealership.reports.models import RunStatus
from dealership.security import services as security
from dealership.security.events import LOCKED_OUT_MESSAGE, TOKEN_LOGIN_FLAG


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_detail = LOCKED_OUT_MESSAGE


class TokenView(APIView):
    """Exchange a username and password for an API token (``Authorization: Token <token>``)
    that expires (``expiry``). Five failures of one name from one IP address lock it out for
    the cool-off (429); the answer never tells whether the name exists."""

    authentication_classes = []  # the credentials are in the body; never a session
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenCreatedSerializer},
        summary=str(_("Obtain an API token")),
    )
    def post(self, request, *args, **kwargs):
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        http_request = request._request  # django-axes marks the request the middleware sees
        user = authenticate(
            http_request,
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
        )
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                raise LockedOut()
            raise exceptions.ValidationError(_("Unable to log in with provided credentials."))
        # a successful login for django-axes (resets the failures) and last_login; recorded as
        # the token's creation, not as a session login
        setattr(http_request, TOKEN_LOGIN_FLAG, True)
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        instance, secret = security.token_create(user=user, request=http_request)
        return Response(
            TokenCreatedSerializer(
                {"token": secret, "id": security.token_id(instance), "expiry": instance.expiry}
            ).data
        )


class TokenListView(APIView):
    """The caller's API tokens that have not expired: id, created, expiry — never the secret."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=TokenSerializer(many=True), summary=str(_("My API tokens")))
    def get(self, request):
        current = request.auth if hasattr(request.auth, "token_key") else None
        rows = [
            {
                "id": security.token_id(token),
                "created": token.created,
                "expiry": token.expiry,
                "current": current is not None and token.digest == current.digest,
            }
            for token in security.live_tokens(request.user)
        ]
        return Response(TokenSerializer(rows, many=True).data)


class TokenRevokeView(APIView):
    """Revoke one of the caller's API tokens by its id (404 for any other)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None}, summary=str(_("Revoke an API token")))
    def delete(self, request, token_id: str):
        revoked = security.token_revoke(
            user=request.user, token_id_prefix=token_id, request=request._request
        )
        if not revoked:
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every API token of the caller (this one too)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary=str(_("Revoke all my API tokens")))
    def post(self, request):
        security.tokens_revoke_all(user=request.user, request=request._request, detail="logout-all")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(TenantScopeMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=MeSerializer, summary=str(_("The logged-in user and their workspaces"))
    )
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "name": user.get_full_name(),
            "email": user.email,
            "workspaces": [
                {
                    "key": w.key,
                    "kind": w.kind,
                    "name_zh": w.name_zh,
                    "name_en": w.name_en,
                    "dealership_ids": list(w.dealership_ids),
                }
                for w in selectors.user_workspaces(user)
            ],
        }
        return Response(MeSerializer(data).data)


class DealershipViewSet(TenantScopeMixin, viewsets.ReadOnlyModelViewSet):
    """The dealerships in the caller's current scope."""

    pagination_class = CountedPagination  # a short list: numbered pages, a count

    serializer_class = DealershipSerializer
    permission_classes = [permissions.IsAuthenticated, HasTenant]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dealership.objects.none()
        scope = self.request._request.tenant_scope
        return selectors.dealerships_in_scope(scope).select_related("brand", "group")


class JobRunViewSet(TenantReadOnlyModelViewSet):
    """Runs of scheduled jobs, one per dealership, job and day."""

    model = JobRun
    serializer_class = JobRunSerializer
    filterset_fields = ["state", "job", "run_date"]

    def base_queryset(self):
        return JobRun.objects.select_related("dealership").order_by("-run_date", "job", "pk")


class ReportRunFilter(django_filters.FilterSet):
    report = django_filters.CharFilter(field_name="report", help_text="A report's code.")
    dealership = django_filters.CharFilter(
        field_name="dealership__code", help_text="A dealership's code."
    )
    period = django_filters.CharFilter(
        field_name="period_key", help_text="A period's key: 2026-10, 2026-W43, 2026-10-H1 …"
    )
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = ReportRun
        fields = ["report", "dealership", "period", "status"]


class ReportRunViewSet(TenantReadOnlyModelViewSet):
    """Report runs the caller may read (``reports.view``; a department's reports at department
    scope), one per dealership, report, period and version, newest period first, with links to
    their PDF and workbook and their submission to the car maker. Filters: ``?report=<code>``,
    ``?dealership=<code>``, ``?period=<key>``, ``?status=``."""

    model = ReportRun
    serializer_class = ReportRunSerializer
    filterset_class = ReportRunFilter
    cursor_ordering = ("-period_start", "report", "-version", "-pk")

    def base_queryset(self):
        return (
            ReportRun.objects.select_related("dealership")
            .prefetch_related(
                Prefetch("submissions", queryset=OemSubmission.objects.order_by("pk"))
            )
            .defer("content", "error")
            .order_by("-period_start", "report", "-version", "-pk")
        )
