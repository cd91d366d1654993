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
from tests.db_roles import in_scope_of
from tests.isolation import (
    ALL_ROUTES,
    ALL_TENANT_MODELS,
    HQ_OWN_STATE_ROUTES,
    discover_write_routes,
    make_tenant_object,
    tenant_snapshot,
    undeclared_routes,
)

pytestmark = pytest.mark.django_db

DETAIL_ROUTES = [r for r in ALL_ROUTES if r.detail]
LIST_ROUTES = [r for r in ALL_ROUTES if not r.detail]
OBJECT_WRITE_ROUTES = discover_write_routes(with_pk=True)
CREATE_WRITE_ROUTES = discover_write_routes(with_pk=False)


def test_every_route_is_covered_or_declared():
    """A view with no tenant ``model`` is tested here only if declared tenant-free (with why)."""
    assert undeclared_routes() == [], (
        "routes with no tenant model: give the view `model = ...` or declare it in "
        "tests.isolation.TENANT_FREE_ROUTES"
    )


def test_write_discovery_finds_the_known_write_routes():
    found = {str(r) for r in OBJECT_WRITE_ROUTES + CREATE_WRITE_ROUTES}
    expected = {
        "html:org:department_edit:POST",
        "html:org:department_delete:POST",
        "html:org:position_edit:POST",
        "html:org:position_delete:POST",
        "html:org:staff_edit:POST",
        "html:org:staff_end:POST",
        "html:org:staff_share:POST",
        "html:org:staff_create:POST",
        "api:org-api:department-detail:PUT",
        "api:org-api:department-detail:PATCH",
        "api:org-api:department-detail:DELETE",
        "api:org-api:position-detail:DELETE",
        "api:org-api:staff-detail:PATCH",
        "api:org-api:staff-end:POST",
        "api:org-api:department-list:POST",
        "api:org-api:staff-list:POST",
        "api:org-api:positioncapability-list:POST",
    }
    assert expected <= found, expected - found


def test_discovery_finds_the_known_routes_and_models():
    """The generic tests below really cover the platform's and the org chart's models."""
    from dealership.models import AuditEntry
    from org.models import (
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
        with in_scope_of(response):
            ids = {obj.pk for obj in response.context["object_list"]}
    assert ours.pk in ids
    assert theirs.pk not in ids
    assert _get(route, cast.outsider, client_for, api_for, url).status_code == 403


def _send(route, user, client_for, api_for, url, data=None):
    if route.kind == "api":
        return getattr(api_for(user), route.method)(url, data or {}, format="json")
    return getattr(client_for(user), route.method)(url, data or {})


@pytest.mark.parametrize("route", OBJECT_WRITE_ROUTES, ids=str)
def test_write_routes_answer_404_across_tenants_and_change_nothing(
    cast, route, client_for, api_for
):
    theirs = make_tenant_object(route.model, cast.b)
    url = reverse(route.name, kwargs={"pk": theirs.pk})
    before = tenant_snapshot()
    for user in (cast.user_a, cast.user_c):  # the GMs of the same and of the other group
        response = _send(route, user, client_for, api_for, url)
        assert response.status_code == 404, (user.username, response.status_code)
    assert _send(route, cast.outsider, client_for, api_for, url).status_code in (403, 404)
    assert tenant_snapshot() == before


@pytest.mark.parametrize("route", DETAIL_ROUTES, ids=str)
def test_hq_of_one_group_opens_nothing_of_the_other(cast, route, client_for, api_for):
    theirs = make_tenant_object(route.model, cast.c)
    url = reverse(route.name, kwargs={"pk": theirs.pk})
    assert _get(route, cast.user_c, client_for, api_for, url).status_code == 200, "control"
    assert _get(route, cast.hq_user, client_for, api_for, url).status_code == 404


@pytest.mark.parametrize("route", LIST_ROUTES, ids=str)
def test_hq_of_one_group_lists_nothing_of_the_other(cast, route, client_for, api_for):
    theirs = make_tenant_object(route.model, cast.c)
    url = reverse(route.name)
    response = _get(route, cast.hq_user, client_for, api_for, url)
    if response.status_code == 403:
        return  # HQ's position does not grant this list at all
    assert response.status_code == 200
    if route.kind == "api":
        api, page, ids = api_for(cast.hq_user), response.json(), set()
        for _ in range(50):
            ids |= {row["id"] for row in page["results"]}
            if not page.get("next"):
                break
            page = api.get(page["next"]).json()
    else:
        with in_scope_of(response):
            ids = {obj.pk for obj in response.context["object_list"]}
    assert theirs.pk not in ids


@pytest.fixture
def hq_holding_every_capability(monkeypatch):
    """The HQ director's position grants every capability, writes included: HQ stays read-only
    all the same (the scope is read-only, not only the template)."""
    import sys

    from org import template
    from org.capabilities import Capability

    original = template.hq_positions
    positions = {code: dict(p) for code, p in original().items()}
    positions["hq_director"]["capabilities"] = list(Capability.values)
    for name, module in list(sys.modules.items()):  # wherever the grants are computed
        if name.split(".")[0] == "org" and getattr(module, "hq_positions", None) is original:
            monkeypatch.setattr(module, "hq_positions", lambda: positions)


def _write_url(route, obj):
    return reverse(route.name, kwargs={"pk": obj.pk}) if obj is not None else reverse(route.name)


HQ_WRITE_ROUTES = [
    r for r in OBJECT_WRITE_ROUTES + CREATE_WRITE_ROUTES if r.name not in HQ_OWN_STATE_ROUTES
]


@pytest.mark.parametrize("route", HQ_WRITE_ROUTES, ids=str)
def test_hq_holding_a_capability_gets_403_on_every_write_route(
    cast, route, client_for, api_for, hq_holding_every_capability
):
    ours = make_tenant_object(route.model, cast.a) if route in OBJECT_WRITE_ROUTES else None
    url = _write_url(route, ours)
    assert _get_any(cast.hq_user, client_for, "/org/chart/").status_code == 200, "HQ reads"
    before = tenant_snapshot()
    response = _send(route, cast.hq_user, client_for, api_for, url, _payload(route, cast, ours))
    assert response.status_code == 403, response.status_code
    assert tenant_snapshot() == before


def test_hq_holding_a_capability_cannot_set_a_matrix_cell(
    cast, client_for, hq_holding_every_capability
):
    from org.models import Position

    with dealership_context(cast.a):
        position = Position.objects.get(code="accountant")
    before = tenant_snapshot()
    response = client_for(cast.hq_user).post(
        reverse("org:capabilities"),
        {"position": position.pk, "capability": "org.view_audit", "scope": "3"},
    )
    assert response.status_code == 403
    assert tenant_snapshot() == before


def _get_any(user, client_for, url):
    return client_for(user).get(url)


def _payload(route, cast, obj) -> dict:
    """A payload that would be accepted from someone allowed to write (so only the rule
    under test refuses it)."""
    from org.models import Department, Position

    with dealership_context(cast.a):
        department = Department.objects.order_by("pk").first()
        position = Position.objects.get(code="sales_consultant")
    if route.model is Department:
        return {"code": "hq-new", "name_zh": "新部门", "kind": "custom", "order": 5}
    if route.model is Position:
        return {"department": department.pk, "code": "hq-new", "name_zh": "新岗位", "order": 5}
    if route.name.endswith("positioncapability-list"):
        return {"position": position.pk, "capability": "org.view_audit", "scope": 3}
    return {
        "username": "hq_new",
        "name": "新员工",
        "employee_no": "HQ001",
        "positions": [position.pk],
        "position": [position.pk],
        "start_date": "2025-01-01",
    }


# --- rows shared with one colleague --------------------------------------------------------------


def test_a_record_shared_with_one_colleague_stays_hidden_from_the_others(cast, client_for):
    """Two consultants (own records only): sharing a staff record with C shows it to C, not
    to D who holds the same position."""
    from org import services
    from org.models import StaffMember
    from tests.factories import UserFactory, hire

    shared = hire(UserFactory(username="shared_person"), cast.a, "accountant")
    c_user, d_user = UserFactory(username="consultant_c"), UserFactory(username="consultant_d")
    hire(c_user, cast.a, "sales_consultant")
    hire(d_user, cast.a, "sales_consultant")
    with dealership_context(cast.a):
        services.object_permission_grant(actor=cast.user_a, user=c_user, obj=shared)
    url = reverse("org:staff_detail", kwargs={"pk": shared.pk})
    assert client_for(c_user).get(url).status_code == 200
    assert client_for(d_user).get(url).status_code == 404
    with dealership_context(cast.a):
        assert StaffMember.objects.for_user(c_user, "view").filter(pk=shared.pk).exists()
        assert not StaffMember.objects.for_user(d_user, "view").filter(pk=shared.pk).exists()


# --- payloads naming another dealership's rows ---------------------------------------------------


def _fk_cases():
    """(case id, method, url name, needs a pk, field, many): every writable related field to a
    tenant model of the API's model serializers, found generically, plus the hire and update
    payloads of the staff API (serializers of their own)."""
    from rest_framework import relations

    from dealership.tenancy.models import TenantModel

    cases = []
    for route in ALL_ROUTES:
        if route.kind != "api" or route.detail:
            continue
        view = _viewset(route.name)
        serializer_class = getattr(view, "serializer_class", None)
        if serializer_class is None or "post" not in view.http_method_names:
            continue
        for name, field in serializer_class().fields.items():
            many = isinstance(field, relations.ManyRelatedField)
            relation = field.child_relation if many else field
            if field.read_only or not isinstance(relation, relations.PrimaryKeyRelatedField):
                continue
            target = getattr(relation.queryset, "model", None)
            if not (isinstance(target, type) and issubclass(target, TenantModel)):
                continue
            detail = route.name.replace("-list", "-detail")
            cases.append((f"{route.name}:POST:{name}", "post", route.name, False, name, many))
            if "patch" in view.http_method_names:
                cases.append((f"{detail}:PATCH:{name}", "patch", detail, True, name, many))
    cases += [
        ("org-api:staff-list:POST:positions", "post", "org-api:staff-list", False, "positions", 1),
        ("org-api:staff-list:POST:primary", "post", "org-api:staff-list", False, "primary", 0),
        (
            "org-api:staff-detail:PATCH:positions",
            "patch",
            "org-api:staff-detail",
            1,
            "positions",
            1,
        ),
    ]
    return cases


def _viewset(url_name):
    from django.urls import get_resolver

    from tests.isolation import _walk

    for name, pattern in _walk(get_resolver().url_patterns):
        if name == url_name:
            return pattern.callback.cls
    raise LookupError(url_name)


FK_CASES = _fk_cases()


def test_foreign_key_payloads_are_found():
    ids = {case[0] for case in FK_CASES}
    assert {
        "org-api:position-list:POST:department",
        "org-api:position-detail:PATCH:reports_to",
        "org-api:staff-list:POST:positions",
    } <= ids


def _valid_payload(url_name, cast) -> tuple[dict, object]:
    """A payload A's GM may send (and the model of the object it is sent to)."""
    from org.models import Department, Position, PositionCapability, StaffMember

    with dealership_context(cast.a):
        department = Department.objects.order_by("pk").first()
        position = Position.objects.get(code="sales_consultant")
    if "position-capability" in url_name or "positioncapability" in url_name:
        payload = {"position": position.pk, "capability": "org.view_audit", "scope": 3}
        return payload, PositionCapability
    if "position" in url_name:
        payload = {"department": department.pk, "code": "fk-test", "name_zh": "测试岗位"}
        return payload, Position
    if "department" in url_name:
        return {"code": "fk-test", "name_zh": "测试部门"}, Department
    payload = {
        "username": "fk_test",
        "name": "测试员工",
        "employee_no": "FK001",
        "positions": [position.pk],
    }
    return payload, StaffMember


def _theirs_of(field, cast):
    from org.models import Department, Position, StaffMember

    with dealership_context(cast.b):
        return {
            "department": Department.objects.order_by("pk").first(),
            "position": Position.objects.get(code="sales_consultant"),
            "positions": Position.objects.get(code="sales_consultant"),
            "primary": Position.objects.get(code="sales_consultant"),
            "reports_to": Position.objects.get(code="sales_manager"),
            "staff": StaffMember.objects.order_by("pk").first(),
        }[field]


# The matrix API takes the position as a plain id and looks it up through the chokepoint: another
# dealership's position is "not found" (404) rather than an invalid field (400).
NOT_FOUND_INSTEAD_OF_400 = {"org-api:positioncapability-list:POST:position"}


@pytest.mark.parametrize("case", FK_CASES, ids=lambda c: c[0])
def test_payloads_naming_another_dealerships_row_answer_400(cast, case, api_for):
    _id, method, url_name, with_pk, field, many = case
    payload, model = _valid_payload(url_name, cast)
    theirs = _theirs_of(field, cast)
    if with_pk:
        ours = make_tenant_object(model, cast.a)
        if model.__name__ == "StaffMember":
            from tests.factories import UserFactory, hire

            ours = hire(UserFactory(username="fk_staff"), cast.a, "sales_consultant")
        url = reverse(url_name, kwargs={"pk": ours.pk})
        payload = {}
    else:
        url = reverse(url_name)
    payload[field] = [theirs.pk] if many else theirs.pk
    before = tenant_snapshot()
    response = getattr(api_for(cast.user_a), method)(url, payload, format="json")
    if _id in NOT_FOUND_INSTEAD_OF_400:
        assert response.status_code == 404
    else:
        assert response.status_code == 400, (response.status_code, response.content[:300])
        assert field in response.json()["error"].get("fields", {}), response.json()
    assert tenant_snapshot() == before


# --- the top bar's search (dealership.search): every registered result type ----------------------

# a value of each kind a provider can be found by, written into the row before searching
SEARCH_PROBES = {
    "name": "隔离探针客户",
    "document": "ZZ209912-4321",
    "plate": "粤Z43T21",
    "vin": "LFV3A23CXP3000018",
    "mobile": "13912344321",
}


def _search_probe(provider, obj) -> str:
    """Write a findable value into ``obj`` (or the row its first probe-able field reads) in the
    system scope; the query that finds it."""
    for search_field in provider.fields:
        path = search_field.path
        if path is None or search_field.kind not in SEARCH_PROBES:
            continue
        *relations, name = path.split("__")
        target = obj
        for relation in relations:
            target = getattr(target, relation)
        value = SEARCH_PROBES[search_field.kind]
        with system_context():
            type(target)._base_manager.filter(pk=target.pk).update(**{name: value})
        return value
    raise AssertionError(f"{provider.key}: no field to probe")


def _search_urls(user, client_for, api_for, kind, query) -> set[str]:
    if kind == "api":
        response = api_for(user).get(reverse("api-search"), {"q": query})
        assert response.status_code == 200, response.content[:300]
        return {line["url"] for group in response.json()["groups"] for line in group["lines"]}
    response = client_for(user).get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return {line.url for group in response.context["outcome"].groups for line in group.lines}


def _search_cases():
    from dealership.search import search_providers

    return [(p, kind) for p in search_providers() for kind in ("html", "api")]


@pytest.mark.parametrize("case", _search_cases(), ids=lambda c: f"{c[1]}:{c[0].key}")
def test_search_never_finds_another_dealerships_rows(cast, case, client_for, api_for):
    """B's row is found by B (the control), never by A's GM (same group), C's GM or the HQ of
    the other group; the outsider has no search at all."""
    provider, kind = case
    theirs = make_tenant_object(provider.model, cast.b)
    query = _search_probe(provider, theirs)
    with dealership_context(cast.b):
        url = provider.url(provider.model._base_manager.get(pk=theirs.pk))
    assert url in _search_urls(cast.user_b, client_for, api_for, kind, query), "control"
    for user in (cast.user_a, cast.user_c):
        assert url not in _search_urls(user, client_for, api_for, kind, query)
    other = make_tenant_object(provider.model, cast.c)
    query_c = _search_probe(provider, other)
    with dealership_context(cast.c):
        url_c = provider.url(provider.model._base_manager.get(pk=other.pk))
    assert url_c in _search_urls(cast.user_c, client_for, api_for, kind, query_c), "control"
    assert url_c not in _search_urls(cast.hq_user, client_for, api_for, kind, query_c)
    if kind == "api":
        response = api_for(cast.outsider).get(reverse("api-search"), {"q": query})
    else:
        response = client_for(cast.outsider).get(reverse("search"), {"q": query})
    assert response.status_code == 403
