"""Sets the tenant scope of each request from the logged-in user's membership."""

from __future__ import annotations

from dealership.tenancy.context import tenant_context
from dealership.tenancy.resolve import resolve_scope


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            from dealership.selectors import user_workspaces

            request.workspaces = user_workspaces(user)
        else:
            request.workspaces = []
        scope = resolve_scope(user, request.session, workspaces=request.workspaces)
        request.tenant_scope = scope
        with tenant_context(scope):
            return self.get_response(request)
