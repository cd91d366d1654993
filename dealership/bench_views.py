"""The route benchmark's instruments (``make bench``, issue #15), active only with ``DJANGO_BENCH``.

* :class:`QueryCountMiddleware` (outermost): counts every SQL statement of the request on every
  database connection and answers it in the header ``X-Bench-Queries`` (the statements Django
  sends, as ``assertNumQueries`` counts them: session, user, token, grants, scope, rows). The
  tenant backend's ``set_config`` of the scope runs inside the innermost execute wrapper and is
  counted apart, in ``X-Bench-Scope-Statements``.
* ``/bench/ceiling/``: a bare Django view answering a small JSON object, the machine's ceiling
  (no session, no database).
* ``/bench/plain/<url name>/`` for every API list route (e.g. ``/bench/plain/crm-api:customer-list/``):
  the route's own viewset with the access chokepoint taken out — its ``get_queryset()`` is
  ``base_queryset()`` (the same ``select_related``/``prefetch``), its permissions only
  ``IsAuthenticated`` and a tenant present, everything else (serializer, ``list()``, pagination,
  authentication, filters) its own — so scoped / plain throughput is the chokepoint's cost. The
  tenant scope still applies (the manager and row-level security fail closed), but the policy
  does not: a sales consultant reads every customer of the dealership there.

That is why none of it is mounted unless ``DJANGO_BENCH`` is on, and why ``check --deploy``
fails with it on (``dealership.E005``): a server with the benchmark's routes is not a
deployment. The platform names no app: the routes are found by walking the URL resolver.
"""

from __future__ import annotations

import contextlib
import threading

from django.db import connections
from django.http import Http404, JsonResponse
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.views.decorators.http import require_GET
from rest_framework import permissions

from dealership.api.viewsets import HasTenant, TenantViewSetMixin

QUERIES_HEADER = "X-Bench-Queries"
SCOPE_HEADER = "X-Bench-Scope-Statements"


class StatementCounter:
    """An execute wrapper counting the statements it sees, and the tenant scope's
    ``set_config`` statements the backend ran right before them."""

    def __init__(self):
        self.statements = 0
        self.scope_statements = 0

    def __call__(self, execute, sql, params, many, context):
        connection = context["connection"]
        before = getattr(connection, "tenant_settings", None)
        self.statements += 1
        try:
            return execute(sql, params, many, context)
        finally:
            after = getattr(connection, "tenant_settings", None)
            if after is not None and after != before:
                self.scope_statements += 1


@contextlib.contextmanager
def count_statements():
    """Counts the statements run on every connection of this thread inside the block."""
    counter = StatementCounter()
    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(counter))
        yield counter


class QueryCountMiddleware:
    """Outermost middleware (added by the settings when ``DJANGO_BENCH`` is on)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with count_statements() as counter:
            response = self.get_response(request)
        response[QUERIES_HEADER] = str(counter.statements)
        response[SCOPE_HEADER] = str(counter.scope_statements)
        return response


@require_GET
def ceiling(request):
    """The machine's ceiling: a bare Django view, no session, no database."""
    return JsonResponse({"ok": True})


# --- the plain twins of the API list routes --------------------------------------------------


def walk_urls(patterns, namespace="", has_groups=False):
    """(namespaced URL name, pattern, whether it or a prefix takes arguments) of every route."""
    for entry in patterns:
        groups = has_groups or bool(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_urls(entry.url_patterns, ns, groups)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry, groups


def api_list_viewsets(resolver=None) -> dict[str, type]:
    """Every API list route (URL name → viewset class) over a tenant viewset
    (``TenantViewSetMixin``) whose GET is ``list`` and whose URL has no arguments (so DRF's
    format-suffix twins are left out)."""
    found = {}
    for name, pattern, has_groups in walk_urls((resolver or get_resolver()).url_patterns):
        callback = pattern.callback
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {}
        if (
            has_groups
            or name.startswith("bench:")
            or actions.get("get") != "list"
            or not (isinstance(cls, type) and issubclass(cls, TenantViewSetMixin))
        ):
            continue
        found[name] = cls
    return found


def _plain_queryset(self):
    return self.base_queryset()


def plain_view_class(viewset: type) -> type:
    """``viewset`` without the chokepoint: rows from ``base_queryset()`` in the tenant scope,
    permissions: logged in and a tenant present."""
    return type(
        f"Plain{viewset.__name__}",
        (viewset,),
        {
            "__module__": __name__,
            "__doc__": f"{viewset.__name__} without the access chokepoint (benchmark only).",
            "permission_classes": [permissions.IsAuthenticated, HasTenant],
            "get_queryset": _plain_queryset,
        },
    )


_plain_views: dict | None = None
_plain_lock = threading.Lock()


def plain_views() -> dict:
    """URL name → the plain twin's view function, built at the first request (the URL conf
    must be loaded to walk it)."""
    global _plain_views
    if _plain_views is None:
        with _plain_lock:
            if _plain_views is None:
                _plain_views = {
                    name: plain_view_class(viewset).as_view({"get": "list"})
                    for name, viewset in api_list_viewsets().items()
                }
    return _plain_views


def forget_plain_views() -> None:
    """For tests that change the URL conf."""
    global _plain_views
    _plain_views = None


def plain(request, route: str):
    view = plain_views().get(route)
    if view is None:
        raise Http404(route)
    return view(request)


urlpatterns = [
    path("ceiling/", ceiling, name="ceiling"),
    path("plain/<str:route>/", plain, name="plain"),
]
