"""Base API classes: every endpoint on tenant data goes through the access chokepoint."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, viewsets

from dealership.access import action_for_method, get_object_for_user, restricted_queryset
from dealership.exports.pages import ApiExportMixin
from dealership.policies import policy_for
from dealership.tenancy.context import _scope
from dealership.tenancy.middleware import stream_in_scope
from dealership.tenancy.resolve import resolve_scope


class TenantScopeMixin:
    """Re-resolves the tenant scope after DRF authentication (token users are anonymous to the
    middleware) and resets it when the response is finished."""

    def perform_authentication(self, request):
        super().perform_authentication(request)
        if not request.user.is_authenticated:
            return
        # API clients working in several dealerships pick one with "X-Workspace: d:<id>"; a
        # workspace the user does not belong to is an error, never a silent fallback (a client
        # holding a revoked id must not write into another dealership unnoticed)
        choice = request.headers.get("X-Workspace")
        if choice is not None:
            check_workspace_choice(request.user, choice)
        if getattr(request._request, "tenant_scope", None) is None or choice:
            scope = resolve_scope(
                request.user, getattr(request._request, "session", None), choice=choice
            )
            request._request.tenant_scope = scope
            self._tenant_token = _scope.set(scope)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_tenant_token", None)
        if token is not None:
            if getattr(response, "streaming", False):  # streamed after this returns
                response.streaming_content = stream_in_scope(
                    response.streaming_content, _scope.get()
                )
            _scope.reset(token)
            self._tenant_token = None
        return super().finalize_response(request, response, *args, **kwargs)


WORKSPACE_KEY = re.compile(r"^[dg]:[1-9][0-9]{0,18}$")


def check_workspace_choice(user, choice: str) -> None:
    """400 for a malformed ``X-Workspace``, 403 for one the user does not work in."""
    from dealership.selectors import user_workspaces

    if not WORKSPACE_KEY.match(choice):
        raise exceptions.ParseError(
            _("X-Workspace must be d:<dealership id> or g:<group id>, e.g. d:3.")
        )
    if choice not in {w.key for w in user_workspaces(user)}:
        raise exceptions.PermissionDenied(
            _("You do not work in the workspace %(workspace)s; GET /api/v1/me/ lists yours.")
            % {"workspace": choice}
        )


class HasTenant(permissions.BasePermission):
    message = _("You are not a member of any dealership.")

    def has_permission(self, request, view):
        return getattr(request._request, "tenant_scope", None) is not None


class PolicyPermission(permissions.BasePermission):
    """Model-level check of the registered policy: a disallowed action answers 403."""

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view):
        if view.kwargs.get(view.lookup_url_kwarg or view.lookup_field) is not None:
            # one object: it is looked up first (get_object_for_user), so an object outside the
            # scope answers 404 and an allowed-to-see-but-not-to-act one 403, as on the pages
            return True
        return policy_for(view.model).allows(request.user, view.policy_action(), view.model)


class TenantViewSetMixin(ApiExportMixin, TenantScopeMixin):
    """Reads through the access chokepoint. Subclasses set ``model`` and ``serializer_class``
    and may override :meth:`base_queryset` to add ``select_related``; they never build
    querysets that bypass :meth:`get_queryset`."""

    model = None
    permission_classes = [permissions.IsAuthenticated, HasTenant, PolicyPermission]
    # ?format=csv|xlsx on a list: the list as a file (dealership.exports.pages.ApiExportMixin)

    def policy_action(self) -> str:
        return action_for_method(self.request.method)

    def base_queryset(self):
        return self.model._default_manager.all()

    def answer(self, obj, code: int = 200):
        """``obj`` (written by a service) read again as the API shows it, with status ``code``."""
        from rest_framework.response import Response

        obj = self.base_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no request, no tenant
            return self.model._base_manager.none()
        return restricted_queryset(self.request.user, self.model, "view", self.base_queryset())

    def get_object(self):
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        obj = get_object_for_user(
            self.request.user, self.model, self.policy_action(), self.base_queryset(), **lookup
        )
        self.check_object_permissions(self.request, obj)
        return obj


class TenantModelViewSet(TenantViewSetMixin, viewsets.ModelViewSet):
    """A viewset over a tenant model (list, read, create, change, delete)."""


class TenantReadOnlyModelViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """A viewset that only lists and reads (extra actions may still write through services)."""
