from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from dealership import selectors
from dealership.api.serializers import DealershipSerializer, JobRunSerializer, MeSerializer
from dealership.api.viewsets import HasTenant, TenantReadOnlyModelViewSet, TenantScopeMixin
from dealership.models import Dealership, JobRun


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (``Authorization: Token <key>``)."""

    @extend_schema(summary=str(_("Obtain an API token")))
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


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
