"""Discovery helpers for the generic isolation test: every tenant model, every API list/detail
route and every HTML list/detail view over a tenant model, found by walking the URLconf."""

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


ALL_TENANT_MODELS = sorted(tenant_models(), key=lambda m: m._meta.label)
ALL_ROUTES = discover_routes()
