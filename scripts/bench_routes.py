"""``make bench-routes`` (part of ``make bench``, issue #15): every list of the app under load.

Starts the app under gunicorn (2 sync workers, ``dealership.wsgi``) on a free loopback port
with production settings (``DJANGO_DEBUG=false``: DEBUG would keep every statement; a
throw-away secret key; no TLS redirect or secure cookies on loopback) plus ``DJANGO_BENCH``
(the statement count in ``X-Bench-Queries`` and the ``/bench/`` routes, see
``dealership/bench_views.py``), connected to PostgreSQL as the app's role so row-level security
binds as in production, with the shared cache in Redis. Then, in one run:

* the ceiling: a bare Django JSON view (``/bench/ceiling/``), the machine's requests per second;
* for every API list route and every HTML list page (found in the URL conf,
  :func:`dealership.benchmark.discover_routes`) and every persona (a position with own scope,
  one with department scope, the GM, HQ): one GET at page size 10 and one at 50 (statements,
  status; a route the persona may not open is recorded as such and not timed), then a burst
  (``--requests`` at ``--concurrency``, capped at ``--time-cap`` seconds) at the default page
  size: requests per second, p50/p95/p99, size;
* for an API list, its plain twin right after (the same viewset without the access
  chokepoint, ``/bench/plain/<name>/``): the ratio scoped / plain throughput is the figure;
* the largest pages (the dashboard, the boards, the org chart, the permission matrix of every
  capability group) and the API's boards and reports (a viewset's ``list`` that answers one
  object, not rows: not a list, so not judged as one) by statements, time and size.

Prints one table, writes ``var/bench/latest.json`` (``--out``) with the machine, the settings,
every measurement and every verdict, and exits 1 when a budget
(:class:`dealership.benchmark.Budgets`) is missed.

By hand, on a database migrated and seeded by its owner (``DATABASE_URL``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dealership_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python scripts/bench_routes.py --personas var/bench/logins.json

``--personas`` is ``{"logins": [{"persona": "own|department|gm|hq", "username", "password"}]}``
(``manage.py seed_bench --json``), or the list ``manage.py seed_demo --json`` prints (then a
sales consultant, a sales manager, the GM and the HQ director are picked).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = ("own", "department", "gm", "hq")
#: seed_demo's logins by position code, for each persona
DEMO_POSITIONS = {
    "own": ("sales_consultant",),
    "department": ("sales_manager",),
    "gm": ("general_manager", "gm"),
    "hq": ("hq_director", "director"),
}
STARTUP_TIMEOUT = 90.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- set-up ----------------------------------------------------------------------------------------


def django_setup() -> None:
    """Django in the driver, to walk the URL conf and grant the app role (never to serve)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealership.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")  # no production secret needed in the driver
    import django

    django.setup()


def grant_app_role(role: str) -> None:
    """As the owner (DATABASE_URL): create ``role`` if missing (no superuser, no BYPASSRLS) and
    grant it the app's privileges, as ``make test`` and ``bench_reports.use_app_role`` do."""
    from django.db import connection

    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            "NOBYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    connection.close()


def recreate_database(*, keep: bool = False) -> None:
    from django.db import connection

    from dealership.bench import recreate_database as recreate

    name = connection.settings_dict["NAME"]
    print(f"database {name} {'created' if recreate(keep=keep) else 'kept'}")


def url_as_role(database_url: str, role: str) -> str:
    """DATABASE_URL with ``role`` as its user and no password (trust on loopback, as the tests)."""
    parts = urlsplit(database_url)
    host = parts.hostname or ""
    netloc = f"{role}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(database_url: str, redis_url: str) -> dict:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TEST_DATABASE"))
    }
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "dealership.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_BENCH": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        # pages link their assets through {% static %}; the manifest (collectstatic) is not needed
        # to measure the HTML, which is all the benchmark fetches
        "DJANGO_MANIFEST_STATIC": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_CACHE_KEY_PREFIX": "erp-bench",
    }


class Server:
    """gunicorn in its own process group, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, env: dict, *, workers: int, log: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self._log_file = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [
                str(gunicorn),
                "dealership.wsgi",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, client) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                if client.get("/bench/ceiling/").status_code == 200:
                    return
            except Exception:  # noqa: S110 (not listening yet)
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /bench/ceiling/ within {STARTUP_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()


# --- personas ------------------------------------------------------------------------------------


def load_personas(path: Path) -> list[dict]:
    """``[{"persona", "username", "password"}]`` in the order own, department, gm, hq."""
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        logins = data["logins"]
    else:  # seed_demo --json: pick one login per persona by position
        logins = []
        for persona, codes in DEMO_POSITIONS.items():
            match = next((x for c in codes for x in data if x.get("position") == c), None)
            if persona == "hq" and match is None:  # HQ: a group membership, no dealership
                match = next((x for x in data if x.get("group") and not x.get("dealership")), None)
            if match is not None:
                logins.append({"persona": persona, **match})
    order = {p: i for i, p in enumerate(PERSONAS)}
    logins = sorted(logins, key=lambda x: order.get(x["persona"], len(order)))
    if not logins:
        raise SystemExit(f"{path}: no logins")
    return logins


def log_in(client, username: str, password: str) -> tuple[dict, dict]:
    """The session cookie (login form) and the API token header of one persona."""
    page = client.get("/accounts/login/")
    token = CSRF_INPUT.search(page.text)
    if page.status_code != 200 or token is None:
        raise SystemExit(f"login page: {page.status_code}")
    answer = client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{client.base_url}/accounts/login/"},
    )
    session = answer.cookies.get("sessionid") or client.cookies.get("sessionid")
    if answer.status_code != 302 or not session:
        raise SystemExit(f"{username}: the login form answered {answer.status_code}")
    api = client.post("/api/v1/auth/token/", json={"username": username, "password": password})
    if api.status_code != 200:
        raise SystemExit(f"{username}: POST /api/v1/auth/token/ answered {api.status_code}")
    client.cookies.clear()
    return {"Cookie": f"sessionid={session}"}, {"Authorization": f"Token {api.json()['token']}"}


# --- measuring --------------------------------------------------------------------------------------


def probe(client, url: str, headers: dict) -> dict:
    """One GET: status, statements, size, time."""
    client.cookies.clear()  # only the persona's own header (an answer may set cookies)
    start = time.perf_counter()
    answer = client.get(url, headers=headers)
    elapsed = time.perf_counter() - start
    queries = answer.headers.get("X-Bench-Queries")
    scope = answer.headers.get("X-Bench-Scope-Statements")
    return {
        "status": answer.status_code,
        "queries": int(queries) if queries is not None else None,
        "scope_statements": int(scope) if scope is not None else None,
        "bytes": len(answer.content),
        "ms": round(elapsed * 1000, 2),
    }


async def _burst(
    base_url: str, url: str, headers: dict, *, requests: int, concurrency: int, time_cap: float
):
    import httpx

    from dealership.benchmark import Burst

    latencies: list[float] = []
    errors = 0
    size = 0
    issued = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:
        started = time.perf_counter()
        deadline = started + time_cap

        async def worker():
            nonlocal errors, size, issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                try:
                    answer = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                size = len(answer.content)
                if answer.status_code != 200:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return Burst(latencies, wall, errors=errors, size=size)


def burst(base_url, url, headers, *, requests, concurrency, time_cap, warmup=2):
    """A timed burst (a :class:`~dealership.benchmark.Burst`) after ``warmup`` untimed requests
    (both workers have loaded what the route needs)."""
    import httpx

    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for _ in range(warmup):
            client.get(url)
    return asyncio.run(
        _burst(
            base_url, url, headers, requests=requests, concurrency=concurrency, time_cap=time_cap
        )
    )


#: a scoped list and its plain twin are timed in this many alternating rounds, so a change in
#: the machine's load (other processes) weighs on both alike
ROUNDS = 3


def measure_route(client, base_url, route, persona, headers, args):
    from dealership.benchmark import PAGE_SIZES, Burst, Measurement, judge, ratio

    m = Measurement(route=route.key, kind=route.kind, persona=persona)
    # the first request after the login fills the caches (grants, workspaces, session): counted
    # apart, the budgets judge the requests after it
    cold = probe(client, route.url(PAGE_SIZES[0]), headers)
    m.cold_queries = cold["queries"]
    if cold["status"] != 200:  # not the persona's: recorded, neither counted nor timed
        m.status = cold["status"]
        m.verdicts = judge(m, concurrency=args.concurrency)
        return m
    # counts that differ are taken once more: a cache entry (grants, 5 minutes) that expires
    # between two probes adds a statement to one of them, while an N+1 differs every time
    for _attempt in range(2):
        for size in PAGE_SIZES:
            answer = probe(client, route.url(size), headers)
            m.queries[size] = answer["queries"]
            m.scope_statements[size] = answer["scope_statements"]
            if size == PAGE_SIZES[0]:
                m.status = answer["status"]
            if answer["status"] != 200:
                m.status = answer["status"]
                break
        if not m.opened or len(set(m.queries.values())) == 1:
            break
    if not m.opened:
        m.verdicts = judge(m, concurrency=args.concurrency)
        return m
    plain = None
    if route.plain and not args.no_plain:
        plain = {"queries": {}}
        for size in PAGE_SIZES:
            answer = probe(client, route.plain_url(size), headers)
            plain["status"] = answer["status"]
            plain["queries"][str(size)] = answer["queries"]
        m.plain = plain
    timed = {"scoped": (route.url(), [])}
    if plain is not None and plain["status"] == 200:
        timed["plain"] = (route.plain_url(), [])
    rounds = ROUNDS if len(timed) > 1 else 1
    for number in range(rounds):
        for url, bursts in timed.values():
            bursts.append(
                burst(
                    base_url,
                    url,
                    headers,
                    requests=max(args.requests // rounds, 1),
                    concurrency=args.concurrency,
                    time_cap=args.time_cap / rounds,
                    warmup=2 if number == 0 else 0,
                )
            )
    m.burst = Burst.combine(timed["scoped"][1]).summary
    if "plain" in timed:
        plain["burst"] = Burst.combine(timed["plain"][1]).summary
        m.ratio = ratio(m.burst, plain["burst"])
    m.verdicts = judge(m, concurrency=args.concurrency)
    return m


def time_page(client, base_url, case, logins, args, *, judge, requests: int) -> dict:
    """One page (``case``: label, url, persona) probed once, then timed by one client and
    judged by ``judge(first probe, burst summary)``; a page the persona may not open (403) is
    not judged, an error fails."""
    label, url, persona = case
    cookie, token = logins[persona]
    headers = token if url.startswith("/api/") else cookie
    first = probe(client, url, headers)
    page = {"page": label, "url": url, "persona": persona, **first}
    if first["status"] != 200:
        page["ok"] = first["status"] < 500
        return page
    page["burst"] = burst(
        base_url, url, headers, requests=requests, concurrency=1, time_cap=args.time_cap
    ).summary
    verdict = judge(first, page["burst"])
    page["ok"], page["verdict"] = verdict.ok, verdict.detail
    return page


def large_pages(personas: list[str]) -> list[tuple[str, str, str]]:
    """(label, url, persona) of the largest pages: the dashboard and the boards for everyone,
    with the API's boards and reports (a viewset's ``list`` answering one object,
    :func:`dealership.benchmark.discover_api_dashboards`), the org chart and the permission
    matrix of every capability group (its default department or dealership) for the GM and HQ
    (a group's)."""
    from django.urls import NoReverseMatch, reverse

    from dealership.benchmark import discover_api_dashboards
    from org.capabilities import CAPABILITY_GROUPS

    pages = []
    everyone = [p for p in personas]
    leaders = [p for p in personas if p in ("gm", "hq")]
    for name in ("dashboard", "crm:board", "sales:board", "aftersales:board", "sales:meeting"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        pages += [(name, url, p) for p in everyone]
    for route in discover_api_dashboards():
        pages += [(route.key, route.path, p) for p in everyone]
    pages += [("org:chart", reverse("org:chart"), p) for p in leaders]
    matrix = reverse("org:capabilities")
    pages += [
        (f"org:capabilities?group={g}", f"{matrix}?group={g}", p)
        for g in CAPABILITY_GROUPS
        for p in leaders
    ]
    return pages


# --- report ---------------------------------------------------------------------------------------------


def _fmt(value, spec="") -> str:
    return "—" if value is None else format(value, spec)


def print_table(ceiling: dict, measurements, pages) -> None:
    print(
        f"\nceiling /bench/ceiling/: {_fmt(ceiling['rps'])} rps, p50 {_fmt(ceiling['p50_ms'])} ms,"
        f" p95 {_fmt(ceiling['p95_ms'])} ms, p99 {_fmt(ceiling['p99_ms'])} ms"
    )
    head = (
        f"{'route':<52} {'persona':<10} {'q@10':>4} {'q@50':>4} {'rps':>7} {'p50':>7} "
        f"{'p95':>7} {'p99':>7} {'ratio':>6} {'KB':>6}  verdict"
    )
    print(head)
    print("-" * len(head))
    for m in measurements:
        if not m.opened:
            print(
                f"{m.route:<52} {m.persona:<10} {'':>4} {'':>4} {'':>7} {'':>7} {'':>7} "
                f"{'':>7} {'':>6} {'':>6}  {m.status} (not timed)"
            )
            continue
        b = m.burst or {}
        failed = [v.budget for v in m.verdicts if not v.ok]
        print(
            f"{m.route:<52} {m.persona:<10} {_fmt(m.queries.get(10)):>4} "
            f"{_fmt(m.queries.get(50)):>4} {_fmt(b.get('rps')):>7} {_fmt(b.get('p50_ms')):>7} "
            f"{_fmt(b.get('p95_ms')):>7} {_fmt(b.get('p99_ms')):>7} {_fmt(m.ratio):>6} "
            f"{b.get('bytes', 0) / 1024:>6.1f}  "
            + ("PASS" if not failed else "FAIL " + ",".join(failed))
        )
    if pages:
        print(
            f"\n{'largest pages and the search':<52} {'persona':<10} {'q':>4} {'status':>6} {'p50':>7} "
            f"{'p95':>7} {'KB':>7}  verdict"
        )
        for page in sorted(pages, key=lambda p: -(p["bytes"] or 0)):
            b = page.get("burst") or {}
            print(
                f"{page['page']:<52} {page['persona']:<10} {_fmt(page['queries']):>4} "
                f"{page['status']:>6} {_fmt(b.get('p50_ms')):>7} {_fmt(b.get('p95_ms')):>7} "
                f"{page['bytes'] / 1024:>7.1f}  "
                + (
                    "FAIL status"
                    if page["status"] >= 500
                    else ""
                    if page["status"] != 200
                    else "PASS"
                    if page["ok"]
                    else f"FAIL {page.get('verdict', '')}"
                )
            )


def machine() -> dict:
    return {
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }


def git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH)
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def git_dirty() -> bool | None:
    try:
        return bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607 (git from PATH)
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        return None


# --- main ----------------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--personas",
        type=Path,
        help="JSON logins (seed_bench --json, or seed_demo --json)",
    )
    parser.add_argument("--requests", type=int, default=30, help="requests per burst (30)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients per burst (4)")
    parser.add_argument(
        "--time-cap", type=float, default=15.0, help="seconds at most per burst (15)"
    )
    parser.add_argument(
        "--only",
        type=re.compile,
        default=None,
        help="measure only routes whose kind:name matches this regex",
    )
    parser.add_argument("--no-plain", action="store_true", help="skip the plain twins")
    parser.add_argument("--no-pages", action="store_true", help="skip the largest pages")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--app-role",
        default="erp_app",
        help="the role the server connects as (granted by DATABASE_URL's owner)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "latest.json")
    parser.add_argument(
        "--recreate-database",
        action="store_true",
        help="only drop and create DATABASE_URL's database (make bench-routes' first step)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="with --recreate-database: keep it when it exists"
    )
    args = parser.parse_args(argv)
    if not args.recreate_database and args.personas is None:
        parser.error("--personas is required")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name the benchmark's PostgreSQL database (its owner)")
    redis_url = os.environ.get("REDIS_URL", "")
    django_setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    if args.recreate_database:
        recreate_database(keep=args.keep)
        return 0
    import httpx

    from dealership.benchmark import (
        Budgets,
        discover_routes,
        judge_page_size,
        judge_search,
        search_urls,
    )

    started = time.monotonic()
    personas = load_personas(args.personas)
    routes = [r for r in discover_routes() if not args.only or args.only.search(r.key)]
    grant_app_role(args.app_role)
    server = Server(
        server_environment(url_as_role(database_url, args.app_role), redis_url),
        workers=args.workers,
        log=args.out.with_name("gunicorn.log"),
    )
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            server.wait_ready(client)
            print(
                f"gunicorn ({args.workers} workers) at {server.base_url}; "
                f"{len(routes)} routes × {len(personas)} personas",
                flush=True,
            )
            ceiling = burst(
                server.base_url,
                "/bench/ceiling/",
                {},
                requests=max(args.requests, 200),
                concurrency=args.concurrency,
                time_cap=args.time_cap,
            ).summary
            logins = {}
            for login in personas:
                logins[login["persona"]] = log_in(client, login["username"], login["password"])
            measurements = []
            for route in routes:
                for persona, (cookie, token) in logins.items():
                    headers = token if route.kind == "api" else cookie
                    m = measure_route(client, server.base_url, route, persona, headers, args)
                    measurements.append(m)
                    mark = "·" if m.ok else "x"
                    print(f"{mark} {route.key} {persona} {m.status}", flush=True)
            pages = []
            if not args.no_pages:
                for case in large_pages(list(logins)):
                    pages.append(
                        time_page(
                            client,
                            server.base_url,
                            case,
                            logins,
                            args,
                            judge=lambda first, _burst: judge_page_size(first["bytes"]),
                            requests=max(args.requests // 3, 5),
                        )
                    )
            for case in search_urls(list(logins)):  # the top bar's search (#20)
                pages.append(
                    time_page(
                        client,
                        server.base_url,
                        case,
                        logins,
                        args,
                        judge=lambda _first, summary: judge_search(summary),
                        requests=max(args.requests // 3, 10),
                    )
                )
    finally:
        server.stop()

    failed = [m for m in measurements if not m.ok] + [p for p in pages if not p["ok"]]
    print_table(ceiling, measurements, pages)
    budgets = Budgets()
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "commit": git_commit(),
        "dirty": git_dirty(),  # uncommitted changes to tracked files were measured too
        "machine": machine(),
        "settings": {
            "workers": args.workers,
            "requests": args.requests,
            "concurrency": args.concurrency,
            "time_cap_s": args.time_cap,
            "only": args.only.pattern if args.only else None,
            "plain": not args.no_plain,
            "page_sizes": [10, 50],
            "personas": {p["persona"]: p["username"] for p in personas},
            "budgets": budgets.__dict__,
            "database": urlsplit(database_url).path.lstrip("/"),
            "app_role": args.app_role,
        },
        "ceiling": ceiling,
        "lists": [m.as_dict() for m in measurements],
        "pages": pages,
        "failed": len(failed),
        "ok": not failed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(
        f"\n{len(measurements)} list measurements, {len(pages)} pages in "
        f"{report['duration_s']:.0f} s; {len(failed)} missed a budget; written to {args.out}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
