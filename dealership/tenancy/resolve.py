"""Turn a user (and the workspace chosen in their session) into a tenant scope."""

from __future__ import annotations

from dealership.tenancy.context import TenantScope

SESSION_KEY = "erp_workspace"


def resolve_scope(
    user, session=None, *, choice: str | None = None, workspaces=None
) -> TenantScope | None:
    """The scope of ``user``: ``None`` when anonymous or without any active membership.

    A staff member works in one dealership at a time (the one chosen in the session, else the
    first); an HQ user of a group reads every active dealership of that group.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if workspaces is None:
        from dealership.selectors import user_workspaces

        workspaces = user_workspaces(user)
    if not workspaces:
        return None
    if choice is None and session is not None:
        choice = session.get(SESSION_KEY)
    chosen = choose_workspace(workspaces, choice)
    if chosen.kind == "group":
        scope = TenantScope.for_group(chosen.object_id, chosen.dealership_ids)
    else:
        scope = TenantScope.for_dealership(chosen.object_id)
    from dealership.registry import access_gates
    from dealership.tenancy.context import tenant_context

    with tenant_context(scope):
        if not all(gate(user) for gate in access_gates()):
            return None
    return scope


def choose_workspace(workspaces, choice: str | None):
    """The workspace whose key is ``choice``, else the first one (or ``None``)."""
    return next((w for w in workspaces if w.key == choice), workspaces[0] if workspaces else None)
