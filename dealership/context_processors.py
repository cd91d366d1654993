from dealership.registry import nav_for
from dealership.tenancy.resolve import SESSION_KEY, choose_workspace


def platform(request):
    """Navigation (only what the user may open) and the workspace switcher for every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    workspaces = getattr(request, "workspaces", [])
    return {
        "nav_items": nav_for(request),
        "workspaces": workspaces,
        "current_workspace": choose_workspace(workspaces, request.session.get(SESSION_KEY)),
        "tenant_scope": getattr(request, "tenant_scope", None),
    }
