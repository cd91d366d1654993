"""Every list costs a fixed, small number of SQL queries (issue #15's budget, checked on small
data here and at scale by ``make bench``): for **every** list route of the API and every list
page (discovered from the URL conf), as a position with own scope, one with department scope,
the GM and HQ, a request reads at most :data:`BUDGET` queries in all — session, user, workspaces,
grants and scope included — and the same number at page sizes 10 and 50 (no query per row)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from model_bakery import baker

from dealership.models import TenantModel, User
from dealership.tenancy import dealership_context
from tests import factories
from tests.isolation import discover_routes, make_tenant_object

pytestmark = pytest.mark.django_db

#: at most this many SQL statements per list request, everything included
BUDGET = 6
ROWS = 35  # well over the smaller page: a query per row shows as a difference

LISTS = [route for route in discover_routes() if not route.detail]


def _people(model, person) -> None:
    """Who did it (signed, filed, ordered…) set on every row, so reading them shows."""
    people = {
        f.name: person
        for f in model._meta.concrete_fields
        if f.many_to_one and f.null and f.related_model is User
    }
    if people:
        model.objects.update(**people)


def _optional_parents(model, dealership) -> None:
    """Every optional link to another tenant row (a department, a trainer…) set on every row
    where the database accepts it, so that reading what it points to shows too (a row whose
    link stays empty costs no query, and hid a query per row of the training sessions)."""
    for field in model._meta.concrete_fields:
        related = field.related_model
        if not (
            field.many_to_one
            and field.null
            and field.name != "dealership"
            and isinstance(related, type)
            and issubclass(related, TenantModel)
        ):
            continue
        try:
            with transaction.atomic():
                # a row that exists (those of the lists, made first), else a new one
                target = related.objects.order_by("pk").first() or make_tenant_object(
                    related, dealership
                )
                model.objects.filter(**{f"{field.name}__isnull": True}).exclude(
                    pk=target.pk if related is model else None
                ).update(**{field.name: target})
        except Exception:  # noqa: S112 - a constraint refuses the link here: left empty
            continue


def _rows(model, dealership) -> None:
    """:data:`ROWS` rows of ``model`` sharing their parents (so that both pages show the same
    kind of rows), else as many as its constraints allow (e.g. one per day)."""
    first = make_tenant_object(model, dealership)
    parents = {
        f.name: getattr(first, f.name)
        for f in model._meta.concrete_fields
        if f.many_to_one and getattr(first, f.attname) is not None
    }
    try:
        with transaction.atomic():
            baker.make(model, _quantity=ROWS - 1, **parents)
        return
    except Exception:  # noqa: S110 - baker cannot fill it alone (a unique date…): its factory
        pass
    for _ in range(ROWS - 1):
        try:
            with transaction.atomic():
                make_tenant_object(model, dealership)
        except IntegrityError:
            return


def _size_param(route) -> str:
    return "page_size" if route.kind == "api" else "per_page"


def _personas(cast, api_for, client_for) -> dict:
    consultant = factories.UserFactory(username="bench_consultant_t")
    manager = factories.UserFactory(username="bench_manager_t")
    factories.hire(consultant, cast.a, "sales_consultant")
    factories.hire(manager, cast.a, "sales_manager")
    people = {
        "own": consultant,
        "department": manager,
        "gm": cast.user_a,
        "hq": cast.hq_user,
    }
    return {
        name: {"api": api_for(user), "html": client_for(User.objects.get(pk=user.pk))}
        for name, user in people.items()
    }


def _queries(client, url: str, params: dict) -> tuple[int, int, list[str]]:
    # the first request of a session fills the caches; the budget is that of the requests after
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    return response.status_code, len(captured), [q["sql"][:160] for q in captured]


def test_every_list_reads_a_fixed_small_number_of_queries(
    cast, api_for, client_for, settings, monkeypatch
):
    settings.ACCESS_CACHE_SECONDS = 300  # as in production
    # the session's last activity is written once a minute, not per request: not in this minute
    monkeypatch.setattr("dealership.security.middleware.WRITE_EVERY_SECONDS", 24 * 3600)
    assert any(r.kind == "api" for r in LISTS) and any(r.kind == "html" for r in LISTS)
    with dealership_context(cast.a):
        listed = sorted({route.model for route in LISTS}, key=lambda m: m._meta.label)
        for model in listed:
            _rows(model, cast.a)
            _people(model, cast.user_a)
        for model in listed:
            _optional_parents(model, cast.a)
    personas = _personas(cast, api_for, client_for)

    misses, measured = [], 0
    for route in LISTS:
        url = reverse(route.name)
        for persona, clients in personas.items():
            client = clients[route.kind]
            status, small, sql = _queries(client, url, {_size_param(route): 10})
            if status != 200:
                continue  # not this persona's list (403) — its budget is measured by whoever may
            _, large, sql_large = _queries(client, url, {_size_param(route): 50})
            measured += 1
            if small > BUDGET or large != small:
                misses.append(
                    f"{route} as {persona}: {small} at 10, {large} at 50\n    "
                    + "\n    ".join(sql if large == small else sql_large)
                )
    # every list is measured for at least the GM, and most for several personas
    assert measured >= len(LISTS)
    assert not misses, f"{len(misses)} lists over budget:\n" + "\n".join(misses)
