"""The route benchmark's measuring stick (``make bench``, #15): the statement count of the
middleware, the plain twins of the API lists, their absence without ``DJANGO_BENCH``, the deploy
check that refuses them, and the driver's pure parts (statistics, budgets, route discovery,
personas). No test starts gunicorn."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

import dealership.urls
from dealership import bench_views
from dealership.benchmark import (
    API,
    HTML,
    Budgets,
    Burst,
    Measurement,
    discover_routes,
    judge,
    percentile,
    ratio,
)
from dealership.checks import check_bench_off
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire

# the URL conf of a server with DJANGO_BENCH on (pytest.mark.urls names this module)
urlpatterns = [
    path("bench/", include((bench_views.urlpatterns, "bench"))),
    *dealership.urls.urlpatterns,
]
CUSTOMERS = "/api/v1/crm/customers/"
PLAIN_CUSTOMERS = "/bench/plain/crm-api:customer-list/"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_routes.py"


@pytest.fixture
def bench_on(settings):
    """The middleware and the /bench/ routes of DJANGO_BENCH (the plain views built afresh for
    this URL conf)."""
    settings.BENCH = True
    settings.MIDDLEWARE = ["dealership.bench_views.QueryCountMiddleware", *settings.MIDDLEWARE]
    settings.ROOT_URLCONF = __name__
    bench_views.forget_plain_views()
    yield
    bench_views.forget_plain_views()


@pytest.fixture(scope="module")
def driver():
    spec = importlib.util.spec_from_file_location("bench_routes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


# --- the statement count ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_middleware_counts_every_statement_of_the_request():
    def view(request):
        from django.http import HttpResponse

        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1")
            cursor.executemany("SELECT %s", [(1,), (2,)])
        return HttpResponse("ok")

    response = bench_views.QueryCountMiddleware(view)(RequestFactory().get("/"))

    assert response[bench_views.QUERIES_HEADER] == "4"


@pytest.mark.django_db
def test_the_header_is_what_django_counts_for_an_api_list(cast, api_for, bench_on):
    api = api_for(cast.user_a)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(CUSTOMERS + "?page_size=10")

    assert response.status_code == 200
    assert int(response[bench_views.QUERIES_HEADER]) == len(queries) > 0


@pytest.mark.django_db
def test_the_ceiling_answers_without_touching_the_database(client, bench_on):
    response = client.get("/bench/ceiling/")

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response[bench_views.QUERIES_HEADER] == "0"


# --- the plain twins -----------------------------------------------------------------------------


@pytest.fixture
def customers(cast):
    """Dealership A: a sales consultant owning two customers, three customers of nobody; one
    customer in B."""
    from crm.models import Customer

    consultant = UserFactory(username="bench_consultant")
    hire(consultant, cast.a, "sales_consultant")
    with dealership_context(cast.a):
        for i in range(5):
            Customer.objects.create(
                dealership=cast.a,
                name=f"客户{i}",
                mobile=f"1390000{i:04d}",
                owner=consultant if i < 2 else None,
            )
    with dealership_context(cast.b):
        Customer.objects.create(dealership=cast.b, name="乙", mobile="13911110000")
    return consultant


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_the_plain_twin_lists_what_the_gm_sees(cast, customers, api_for, bench_on):
    api = api_for(cast.user_a)

    scoped, plain = _ids(api.get(CUSTOMERS)), _ids(api.get(PLAIN_CUSTOMERS))

    assert len(scoped) == 5
    assert plain == scoped


@pytest.mark.django_db
def test_the_plain_twin_has_no_access_policy_but_the_tenant_scope(
    cast, customers, api_for, bench_on
):
    api = api_for(customers)  # own scope: their two customers

    scoped, plain = _ids(api.get(CUSTOMERS)), _ids(api.get(PLAIN_CUSTOMERS))

    assert len(scoped) == 2
    assert scoped < plain
    assert len(plain) == 5  # every customer of A, none of B: the tenant scope still applies


@pytest.mark.django_db
def test_the_plain_twin_needs_a_login_and_a_known_route(client, cast, bench_on):
    assert client.get(PLAIN_CUSTOMERS).status_code in (401, 403)
    client.force_login(cast.user_a)
    assert client.get("/bench/plain/crm-api:no-such-list/").status_code == 404


@pytest.mark.django_db
def test_without_bench_there_are_no_bench_routes_nor_header(client, cast):
    client.force_login(cast.user_a)

    assert client.get("/bench/ceiling/").status_code == 404
    assert client.get(PLAIN_CUSTOMERS).status_code == 404
    assert bench_views.QUERIES_HEADER not in client.get(CUSTOMERS)


def test_the_deploy_check_refuses_bench(settings):
    settings.BENCH = True
    assert [e.id for e in check_bench_off()] == ["dealership.E005"]
    settings.BENCH = False
    assert check_bench_off() == []


def test_check_deploy_fails_with_bench_on(tmp_path):
    from tests.dealership.test_settings import PRODUCTION, _manage

    result = _manage(
        "check", "--deploy", **PRODUCTION, DJANGO_BENCH="true", DJANGO_VAR_DIR=str(tmp_path)
    )

    assert result.returncode != 0
    assert "dealership.E005" in result.stdout + result.stderr


# --- the driver's pure parts ----------------------------------------------------------------------


def test_percentiles_interpolate_between_ranks():
    values = [v / 1000 for v in range(100, 0, -1)]  # 0.001 … 0.100 s, unordered

    assert percentile(values, 50) == pytest.approx(0.0505)
    assert percentile(values, 95) == pytest.approx(0.09505)
    assert percentile(values, 99) == pytest.approx(0.09901)
    assert percentile([0.2], 99) == 0.2
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_a_burst_summary_gives_rps_and_milliseconds():
    summary = Burst([0.01] * 18 + [0.05, 0.2], wall=0.5, errors=1, size=2048).summary

    assert summary["requests"] == 20
    assert summary["rps"] == 40.0
    assert summary["p50_ms"] == 10.0
    assert summary["p99_ms"] == pytest.approx(171.5)  # 50 + (200 - 50) × 0.81 ms
    assert summary["errors"] == 1


def test_rounds_combine_into_one_burst():
    rounds = [Burst([0.01, 0.02], wall=0.5, size=10), Burst([0.03], wall=0.25, errors=1, size=12)]

    combined = Burst.combine(rounds).summary

    assert (combined["requests"], combined["rps"], combined["errors"]) == (3, 4.0, 1)
    assert combined["p50_ms"] == 20.0 and combined["bytes"] == 12


def _list(kind=API, q10=5, q50=5, p95=20.0, p99=40.0, kb=10, errors=0, plain_rps=None):
    m = Measurement(route=f"{kind}:x", kind=kind, persona="gm", status=200)
    m.queries = {10: q10, 50: q50}
    m.burst = {"rps": 100.0, "p95_ms": p95, "p99_ms": p99, "bytes": kb * 1024, "errors": errors}
    if plain_rps is not None:
        m.plain = {"status": 200, "burst": {"rps": plain_rps}}
        m.ratio = ratio(m.burst, m.plain["burst"])
    return m


def _failed(m) -> set[str]:
    return {v.budget for v in judge(m) if not v.ok}


@pytest.mark.parametrize(
    ("measurement", "failed"),
    [
        (_list(), set()),
        (_list(q10=6, q50=6), set()),
        (_list(q10=7, q50=7), {"queries"}),
        (_list(q10=4, q50=5), {"queries_constant"}),
        (_list(q10=None), {"queries"}),  # no header: the server is not a bench server
        (_list(p95=51.0), {"latency"}),
        (_list(p99=100.5), {"latency"}),
        (_list(errors=1), {"latency"}),
        (_list(plain_rps=100.0), set()),
        (_list(plain_rps=110.0), set()),  # 100 / 110 = 0.909
        (_list(plain_rps=112.0), {"ratio"}),
        (_list(kind=HTML, kb=300), set()),
        (_list(kind=HTML, kb=301), {"html_size"}),
        (_list(kind=API, kb=400), set()),  # the HTML budget is for pages
    ],
)
def test_budget_verdicts(measurement, failed):
    assert _failed(measurement) == failed


def test_a_route_the_persona_may_not_open_is_not_judged():
    m = Measurement(route="html:x", kind=HTML, persona="own", status=403, queries={10: 9})

    assert judge(m) == []
    assert m.ok


def test_a_server_error_fails_whoever_asked():
    m = Measurement(route="api:x", kind=API, persona="own", status=500)

    assert [v.budget for v in judge(m) if not v.ok] == ["status"]
    m.verdicts = judge(m)
    assert not m.ok


def test_the_budgets_are_the_issues():
    assert Budgets() == Budgets(
        max_queries=6, min_ratio=0.9, p95_ms=50, p99_ms=100, max_html_kb=300, search_p95_ms=100
    )


def test_the_search_is_timed_for_every_persona_within_its_budget():
    from dealership.benchmark import SEARCHES, judge_search, search_urls

    urls = search_urls(["gm", "hq"])
    assert len(urls) == 2 * len(SEARCHES)
    assert all(url.startswith("/search/?q=") for _label, url, _persona in urls)
    assert judge_search({"p95_ms": 80.0, "errors": 0}).ok
    assert not judge_search({"p95_ms": 120.0, "errors": 0}).ok
    assert not judge_search({"p95_ms": 20.0, "errors": 1}).ok
    assert not judge_search({"p95_ms": None, "errors": 0}).ok


def test_route_discovery_finds_api_lists_and_list_pages():
    routes = {r.key: r for r in discover_routes()}

    customers = routes["api:crm-api:customer-list"]
    assert customers.path == CUSTOMERS and customers.plain
    assert customers.url(10) == CUSTOMERS + "?page_size=10"
    assert customers.plain_url(50) == PLAIN_CUSTOMERS + "?page_size=50"
    page = routes["html:crm:customer_list"]
    assert page.url(50) == page.path + "?per_page=50"
    assert "html:org:staff_list" in routes
    # an API list without a tenant viewset behind it has no plain twin, but is measured
    assert any(r.kind == API and not r.plain for r in routes.values())
    # no detail route, no format-suffix twin, no form, no benchmark route
    assert not any("detail" in key or "<" in r.path or "format" in key for key, r in routes.items())
    assert "html:crm:customer_create" not in routes
    assert not any(key.split(":", 1)[1].startswith("bench:") for key in routes)


def test_an_api_route_answering_one_object_is_a_dashboard_not_a_list(driver):
    """The e-CRB board's ``list`` answers one object (its schema says so): it is timed with the
    largest pages for every persona, by token, and not judged as a list."""
    from dealership.benchmark import discover_api_dashboards

    lists = {r.key for r in discover_routes()}
    dashboards = {r.key: r for r in discover_api_dashboards()}
    board = "api:crm-api:crm-board-list"
    assert board in dashboards and board not in lists
    assert dashboards[board].path == "/api/v1/crm/board/"
    assert {"api:sales-api:meeting-sheet-list", "api:aftersales-api:efficiency-list"} <= set(
        dashboards
    )
    assert not set(dashboards) & lists
    assert "api:crm-api:customer-list" in lists  # a list of rows stays a list
    pages = driver.large_pages(["own", "gm", "hq"])
    assert [(url, persona) for label, url, persona in pages if label == board] == [
        ("/api/v1/crm/board/", "own"),
        ("/api/v1/crm/board/", "gm"),
        ("/api/v1/crm/board/", "hq"),
    ]


def test_personas_from_seed_bench_and_from_the_demo(driver, tmp_path):
    bench = tmp_path / "bench.json"
    bench.write_text(
        json.dumps(
            {
                "logins": [
                    {"persona": "hq", "username": "h", "password": "p"},
                    {"persona": "own", "username": "o", "password": "p"},
                ]
            }
        )
    )
    assert [p["persona"] for p in driver.load_personas(bench)] == ["own", "hq"]

    demo = tmp_path / "demo.json"
    demo.write_text(
        json.dumps(
            [
                {
                    "username": "gm",
                    "password": "p",
                    "dealership": "d1",
                    "group": None,
                    "position": "general_manager",
                },
                {
                    "username": "sc",
                    "password": "p",
                    "dealership": "d1",
                    "group": None,
                    "position": "sales_consultant",
                },
                {
                    "username": "sm",
                    "password": "p",
                    "dealership": "d1",
                    "group": None,
                    "position": "sales_manager",
                },
                {
                    "username": "hq",
                    "password": "p",
                    "dealership": None,
                    "group": "g",
                    "position": "hq_x",
                },
            ]
        )
    )
    picked = {p["persona"]: p["username"] for p in driver.load_personas(demo)}
    assert picked == {"own": "sc", "department": "sm", "gm": "gm", "hq": "hq"}


def test_the_server_connects_as_the_app_role(driver):
    url = driver.url_as_role(
        "postgres://postgres:secret@127.0.0.1:5432/dealership_bench", "erp_app"
    )
    assert url == "postgres://erp_app@127.0.0.1:5432/dealership_bench"
    env = driver.server_environment(url, "redis://127.0.0.1:6379/3")
    assert env["DJANGO_DEBUG"] == "false" and env["DJANGO_BENCH"] == "true"
    assert len(env["DJANGO_SECRET_KEY"]) >= 50


@pytest.mark.parametrize(
    "counts, expected",
    [
        ([(4, 3), (3, 3)], {10: 3, 50: 3}),  # a cache entry expired between two probes
        ([(4, 5), (4, 5)], {10: 4, 50: 5}),  # an N+1: it differs again, and is judged so
    ],
)
def test_statement_counts_that_differ_are_taken_once_more(driver, monkeypatch, counts, expected):
    from types import SimpleNamespace

    from dealership.benchmark import API, Burst, Route

    answers = iter([3] + [n for pair in counts for n in pair])
    probed = []

    def probe(_client, url, _headers):
        probed.append(url)
        queries = next(answers)
        return {"status": 200, "queries": queries, "scope_statements": 1, "bytes": 1, "ms": 1}

    monkeypatch.setattr(driver, "probe", probe)
    monkeypatch.setattr(driver, "burst", lambda *a, **k: Burst([0.01] * 10, 0.1))
    args = SimpleNamespace(concurrency=4, requests=10, time_cap=5, no_plain=True)
    route = Route(API, "crm-api:customer-list", CUSTOMERS)
    m = driver.measure_route(None, "http://x", route, "gm", {}, args)
    assert m.queries == expected
    assert len(probed) == 5  # the cold probe, then both sizes twice
    assert m.ok == (expected[10] == expected[50])
