from dealership.registry import nav_for
from dealership.tenancy.resolve import SESSION_KEY, choose_workspace


def platform(request):
    """Navigation (only what the user may open), the workspace switcher and the bell's unread
    count (one query) for every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # a page renders more than one template with the request's context (a table, a partial):
    # the shell's values are read once per request
    if not hasattr(request, "_platform_context"):
        request._platform_context = _platform(request, user)
    return request._platform_context


def _platform(request, user) -> dict:
    workspaces = getattr(request, "workspaces", [])
    scope = getattr(request, "tenant_scope", None)
    unread = None
    if scope is not None:
        from dealership.notifications.selectors import unread_count

        unread = unread_count(user)
    return {
        "unread_notifications": unread,
        "nav_items": nav_for(request),
        "workspaces": workspaces,
        "current_workspace": choose_workspace(workspaces, request.session.get(SESSION_KEY)),
        "tenant_scope": scope,
    }
