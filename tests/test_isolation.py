"""Generic tenant isolation: covers every tenant model and every route over one, by discovery.

A model or view added later is tested here without new code; a user of dealership A must never
see dealership B's rows (404 on detail, absent from lists), while B's own staff can (the control
that proves the route works). The outsider gets nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from dealership.models import JobRun
from dealership.tenancy import dealership_context, system_context
from tests.isolation import ALL_ROUTES, ALL_TENANT_MODELS, make_tenant_object

pytestmark = pytest.mark.django_db

DETAIL_ROUTES = [r for r in ALL_ROUTES if r.detail]
LIST_ROUTES = [r for r in ALL_ROUTES if not r.detail]


def test_discovery_finds_the_known_routes_and_models():
    """The generic tests below really cover the platform's and the org chart's models."""
    from org.models import (
        AuditEntry,
        Department,
        Position,
        PositionAssignment,
        PositionCapability,
        StaffMember,
    )

    org_models = {
        Department,
        Position,
        StaffMember,
        PositionAssignment,
        PositionCapability,
        AuditEntry,
    }
    assert {JobRun, *org_models} <= set(ALL_TENANT_MODELS)
    found = {(r.kind, r.model, r.detail) for r in ALL_ROUTES}
    expected = {(kind, JobRun, detail) for kind in ("api", "html") for detail in (True, False)}
    expected |= {("api", m, d) for m in (Department, Position, StaffMember) for d in (True, False)}
    expected |= {("html", m, True) for m in (Department, Position, StaffMember, AuditEntry)}
    expected |= {("html", StaffMember, False), ("html", AuditEntry, False)}
    assert expected <= found


@pytest.mark.parametrize("model", ALL_TENANT_MODELS, ids=lambda m: m._meta.label)
def test_every_tenant_model_is_isolated_by_its_manager(cast, model):
    theirs = make_tenant_object(model, cast.b)
    with dealership_context(cast.a):
        assert not model.objects.filter(pk=theirs.pk).exists()
    with dealership_context(cast.b):
        assert model.objects.filter(pk=theirs.pk).exists()
    with dealership_context(cast.c):
        assert not model.objects.filter(pk=theirs.pk).exists()
    with system_context():
        assert model.objects.filter(pk=theirs.pk).exists()


def _get(route, user, client_for, api_for, url):
    return (api_for(user) if route.kind == "api" else client_for(user)).get(url)


@pytest.mark.parametrize("route", DETAIL_ROUTES, ids=str)
def test_detail_routes_answer_404_across_tenants(cast, route, client_for, api_for):
    theirs = make_tenant_object(route.model, cast.b)
    url = reverse(route.name, kwargs={"pk": theirs.pk})
    assert _get(route, cast.user_b, client_for, api_for, url).status_code == 200, (
        "control: B sees its own row"
    )
    assert _get(route, cast.user_a, client_for, api_for, url).status_code == 404
    assert _get(route, cast.user_c, client_for, api_for, url).status_code == 404
    assert _get(route, cast.outsider, client_for, api_for, url).status_code in (403, 404)


@pytest.mark.parametrize("route", LIST_ROUTES, ids=str)
def test_list_routes_never_show_other_tenants_rows(cast, route, client_for, api_for):
    ours = make_tenant_object(route.model, cast.a)
    theirs = make_tenant_object(route.model, cast.b)
    url = reverse(route.name)
    response = _get(route, cast.user_a, client_for, api_for, url)
    assert response.status_code == 200
    if route.kind == "api":  # every page (a list such as the permission matrix is long)
        api, page, ids = api_for(cast.user_a), response.json(), set()
        for _ in range(50):
            ids |= {row["id"] for row in page["results"]}
            if not page.get("next"):
                break
            page = api.get(page["next"]).json()
    else:
        ids = {obj.pk for obj in response.context["object_list"]}
    assert ours.pk in ids
    assert theirs.pk not in ids
    assert _get(route, cast.outsider, client_for, api_for, url).status_code == 403
