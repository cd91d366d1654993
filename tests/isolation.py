"""Discovery helpers for the generic isolation test: every tenant model, every API list/detail
route and every HTML list/detail view over a tenant model, every write route (HTML forms and
API methods), found by walking the URLconf. A route whose view names no tenant ``model`` must be
declared in :data:`TENANT_FREE_ROUTES`, or :func:`undeclared_routes` reports it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic.list import MultipleObjectMixin
from model_bakery import baker

from dealership.checks import tenant_models
from dealership.tenancy import dealership_context
from dealership.tenancy.models import TenantModel
from tests.factories import TENANT_FACTORIES


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, for reverse()
    model: type
    kind: str  # "api" | "html"
    detail: bool

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


def _view_model(callback):
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    model = getattr(cls, "model", None)
    if isinstance(model, type) and issubclass(model, TenantModel):
        return cls, model
    return cls, None


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry


def discover_routes() -> list[Route]:
    routes = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        cls, model = _view_model(pattern.callback)
        if model is None:
            continue
        groups = set(pattern.pattern.regex.groupindex)
        if "format" in groups:
            continue  # DRF's format-suffix twin of a route already found
        if groups - {"pk"}:
            raise AssertionError(
                f"{name}: tenant routes must identify objects by 'pk' only, not {groups}"
            )
        kind = "api" if hasattr(pattern.callback, "cls") else "html"
        detail = "pk" in groups
        if kind == "html" and not hasattr(cls, "get"):
            continue  # a form's POST target (e.g. staff/<pk>/share/): a write route, not a read
        if kind == "html" and not detail and not issubclass(cls, MultipleObjectMixin):
            continue  # a create form, not a list
        if kind == "api" and not detail and "list" not in pattern.callback.actions.values():
            continue
        if kind == "api" and detail and "retrieve" not in pattern.callback.actions.values():
            continue  # an action on one object (e.g. POST staff/<pk>/end/), not a read
        routes[name] = Route(name=name, model=model, kind=kind, detail=detail)
    return sorted(routes.values(), key=str)


def make_tenant_object(model, dealership):
    """A saved row of ``model`` in ``dealership``; tenant foreign keys point into the same one."""
    factory = TENANT_FACTORIES.get(model)
    if factory is not None:
        return factory(dealership=dealership)
    kwargs = {"dealership": dealership}
    for field in model._meta.concrete_fields:
        related = field.related_model
        if (
            field.many_to_one
            and not field.null
            and field.name != "dealership"
            and isinstance(related, type)
            and issubclass(related, TenantModel)
        ):
            kwargs[field.name] = make_tenant_object(related, dealership)
    if "content_object" in kwargs and any(f.name == "permission" for f in model._meta.fields):
        # a per-object grant (django-guardian): the permission must be one of its object's
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        target = type(kwargs["content_object"])
        kwargs["permission"] = Permission.objects.get(
            content_type=ContentType.objects.get_for_model(target),
            codename=f"view_{target._meta.model_name}",
        )
    with dealership_context(dealership):
        return baker.make(model, **kwargs)


# Routes whose view names no tenant model: each is declared here, with why it needs no generated
# isolation test. A new view without ``model`` fails test_every_route_is_covered_or_declared.
TENANT_FREE_ROUTES: dict[str, str] = {
    "home": "redirect to the dashboard",
    "favicon": "redirect to a static file",
    "dashboard": "widgets read the current scope only (no id in the URL)",
    "no_access": "static page",
    "workspace_switch": "POST of a workspace the user is a member of (tests/dealership)",
    "login": "authentication",
    "logout": "authentication",
    "password_change": "the user's own login",
    "password_change_done": "the user's own login",
    "password_reset": "authentication",
    "password_reset_done": "authentication",
    "password_reset_confirm": "authentication",
    "password_reset_complete": "authentication",
    "set_language": "the session's language",
    "api-token": "authentication",
    "api-tokens": "the caller's own API tokens (tests/dealership/test_tokens)",
    "api-token-revoke": "one of the caller's own API tokens (tests/dealership/test_tokens)",
    "api-logout-all": "the caller's own API tokens (tests/dealership/test_tokens)",
    "crm:customer_options": "search matches among the customers the viewer may see, no id in "
    "the URL (another dealership's never: tests/crm/test_customer_picker)",
    "platform:report_list": "the reports the viewer reads (no id; the gate: tests/reports)",
    "platform:report_calendar": "the month's reports of the current dealership (no id; "
    "tests/reports/test_report_calendar)",
    "crm:letters_submit": "POST of letter ids, each re-read through the chokepoint by the "
    "service (tests/crm/test_desk_letters)",
    "platform:report_detail": "a report by code, gathered in the current scope (tests/reports)",
    "platform:report_generate": "POST: a new version in the current scope (tests/reports)",
    "platform:reportrun_file": "a run's file by pk and kind, through the chokepoint (tests/reports)",
    "platform:hq_matrix": "HQ only: its group's dealerships (no id; tests/reports/test_group_pages)",
    "platform:hq_export_create": "POST: an export of the HQ's own group (tests/reports/test_group)",
    "platform:hq_export_detail": "a group export (not a tenant row): its policy, other group → 404",
    "platform:hq_export_file": "a group export's file: its policy, other group → 404 (test_group_pages)",
    "platform:security_events": "login events, not tenant rows: by audience (test_lockout)",
    "platform:security_unlock": "people of the GM's own dealership only (test_lockout)",
    "api-me": "the user's own profile and workspaces",
    "search": "the top bar's search: each provider's rows through the chokepoint, no id in the "
    "URL (test_search_never_finds_another_dealerships_rows below, tests/dealership/test_search)",
    "api-search": "the search as JSON, same rules (tests/dealership/test_search)",
    "api-schema": "OpenAPI document",
    "api-docs": "Swagger UI",
    "admin:": "the Django admin (superusers only), every route of it",
    "platform:document_print": "a customer document: the object read through the chokepoint "
    "as its page (other dealership 404, no right 403; tests/sales/test_quote_documents)",
    "platform:document_versions": "a document's versions: the object's chokepoint (test_quote_documents)",
    "platform:document_version": "one kept version: the object's chokepoint (test_quote_documents)",
    "platform:export_list": "the record of list exports (not tenant rows): the workspace's only, "
    "one's own unless one reads the audit log (tests/dealership/test_exports)",
    "platform:export_detail": "a list export: its policy, other dealership → 404 (test_exports)",
    "platform:export_file": "a list export's file: its requester only (test_exports)",
    "platform-api:listexport-list": "the record of list exports: as the page (test_exports)",
    "platform-api:listexport-detail": "a list export: its policy (test_exports)",
    "platform-api:listexport-file": "a list export's file: its requester only (test_exports)",
    "platform-api:document-pdf": "a customer document's PDF: the object's chokepoint "
    "(tests/sales/test_quote_documents)",
    "platform-api:health": "checks for anyone; run counts via the chokepoint (test_health)",
    "platform-api:dealership-list": "platform rows: the dealerships of the user's memberships",
    "platform-api:dealership-detail": "platform rows: the dealerships of the user's memberships",
    "*:api-root": "the DRF router index of every app's API",
    "org:chart": "the chart(s) of the current scope (no id in the URL); HQ: tests/org",
    "org:profile": "the user's own positions",
    "org:audit_list": "redirect of an old link to platform:audit_list (tested there)",
    "org:audit_detail": "redirect of an old link to platform:audit_detail (tested there)",
    "org:capabilities": "the matrix of the current scope; its POST is in FOREIGN_KEY_PAYLOADS",
    "org:letterhead": "the letterhead of the dealership one works in now, no id in the URL "
    "(another dealership's never; HQ 403: tests/org/test_letterhead)",
    "org:approval_inbox": "the user's own waiting steps (tests/org/test_approval_*)",
    "notifications:bell": "the user's own unread count (tests/dealership/test_notifications)",
    "notifications:preferences": "the user's own channels, not tenant rows (test_notifications)",
    "crm:customer_import": "creates rows in the current scope only; no id (tests/crm)",
    "crm:customer_duplicates": "customers read through the chokepoint; no id (tests/crm)",
    "crm:customer_merge": "POST of ids looked up through the chokepoint (tests/crm)",
    "sales:delivery_photo": "a delivery's photo through its access check (test_stock_pages_*)",
    "sales:board": "counts read through the chokepoint; no id (tests/sales/test_plans_*)",
    "sales:meeting": "counts read through the chokepoint; no id (tests/sales/test_plans_*)",
    "sales:meeting_pdf": "the meeting sheet as PDF; no id (tests/sales/test_plans_*)",
    "sales:target_list": "targets read through the chokepoint; no id (tests/sales/test_plans_*)",
    "sales:daily": "the day's orders and deliveries through the chokepoint (test_plans_*)",
    "sales-api:meeting-sheet-list": "counts read through the chokepoint (test_plans_*)",
    "aftersales:workshop_board": "jobs read through the chokepoint; no id (test_workshop_pages)",
    "aftersales:my_jobs": "the user's own jobs through the chokepoint (test_workshop_pages)",
    "aftersales:efficiency": "sums read through the chokepoint; no id (test_workshop_pages)",
    "aftersales-api:efficiency-list": "sums read through the chokepoint (test_workshop_api)",
    "aftersales:warrantyclaim_photo": "a claim's photo through its access check (test_claims_*)",
    "aftersales:board": "counts read through the chokepoint; no id (test_claims_*)",
    "aftersales:target_list": "targets read through the chokepoint; no id (test_targets)",
    "aftersales:daily": "the day's repair orders through the chokepoint (test_claims_*)",
    "aftersales-api:service-day-list": "counts read through the chokepoint (test_claims_*)",
    "aftersales:parts_to_issue": "part lines of visible parts / repair orders (test_parts_*)",
    "crm:board": "key figures read through the chokepoint; no id (tests/crm/test_board_*)",
    "crm-api:crm-board-list": "key figures read through the chokepoint (test_board_pages)",
    "crm:satisfaction": "SSI/CSI of a month read through the chokepoint; no id (test_targets)",
    "crm:contact_rate": "contact rates read through the chokepoint; no id (test_targets)",
    "crm:contact_misses": "a month's missed follow-ups through the chokepoint (test_targets)",
}

# Write routes HQ may use although its scope is read-only: they change only the user's own
# reading state (tests/dealership/test_notifications covers them, across tenants too).
HQ_OWN_STATE_ROUTES: dict[str, str] = {
    "notifications:read": "marks one of the user's own notifications read",
    "notifications:read_all": "marks the user's own notifications read",
    "notifications-api:notification-read": "marks one of the user's own notifications read",
    "notifications-api:notification-read-all": "marks the user's own notifications read",
}


def _declared_free(name: str) -> bool:
    return name in TENANT_FREE_ROUTES or any(
        (key.endswith(":") and name.startswith(key))
        or (key.startswith("*:") and name.endswith(key[1:]))
        for key in TENANT_FREE_ROUTES
    )


def undeclared_routes() -> list[str]:
    """Named routes whose view has no tenant ``model`` and that are not declared tenant-free."""
    missing = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if "format" in pattern.pattern.regex.groupindex:
            continue
        if _view_model(pattern.callback)[1] is None and not _declared_free(name):
            missing.append(f"{name} ({pattern.pattern})")
    return sorted(set(missing))


@dataclass(frozen=True)
class WriteRoute:
    name: str
    model: type
    kind: str  # "api" | "html"
    method: str  # "get" (an HTML form that edits), "post", "put", "patch", "delete"

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}:{self.method.upper()}"


READ_METHODS = {"get", "head", "options"}


def discover_write_routes(*, with_pk: bool) -> list[WriteRoute]:
    """Every write route over a tenant model: with ``with_pk``, those naming one object in the
    URL (HTML edit/delete/end/share views, GET and POST; API detail and detail actions); else
    the ones without (HTML create forms, API create and list actions that write)."""
    routes = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        cls, model = _view_model(pattern.callback)
        groups = set(pattern.pattern.regex.groupindex)
        if model is None or "format" in groups or ("pk" in groups) != with_pk:
            continue
        if hasattr(pattern.callback, "cls"):
            allowed = set(cls.http_method_names)
            methods = {
                m for m in pattern.callback.actions if m not in READ_METHODS and m in allowed
            }
            kind = "api"
        else:
            if issubclass(cls, MultipleObjectMixin) or cls.__name__.endswith("DetailView"):
                continue  # a read-only page
            methods = {m for m in ("get", "post") if hasattr(cls, m)}
            kind = "html"
        for method in methods:
            route = WriteRoute(name=name, model=model, kind=kind, method=method)
            routes[str(route)] = route
    return sorted(routes.values(), key=str)


def tenant_snapshot() -> dict:
    """Every tenant table's rows (ids and values), to prove a refused write changed nothing."""
    from dealership.tenancy import system_context

    with system_context():
        return {
            model._meta.label: sorted(map(repr, model._base_manager.order_by("pk").values()))
            for model in ALL_TENANT_MODELS
        }


ALL_TENANT_MODELS = sorted(tenant_models(), key=lambda m: m._meta.label)
ALL_ROUTES = discover_routes()
