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
            response = self.get_response(request)
        if getattr(response, "streaming", False):
            # a streamed body (an export, a file) is read after this returns: it keeps the
            # request's scope until its last byte instead of running with none
            response.streaming_content = stream_in_scope(response.streaming_content, scope)
        return response


def stream_in_scope(chunks, scope):
    iterator = iter(chunks)
    while True:
        with tenant_context(scope):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk
