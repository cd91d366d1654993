"""The pure parts of the route benchmark (``scripts/bench_routes.py``, ``make bench``, #15):
which routes it measures (found in the URL conf), the statistics of a burst and the budgets it
checks. No HTTP here and no app imported (the platform names no app), so the tests and the
driver share it.

Budgets (issue #15), for every list (API and page), per persona:

* at most :attr:`Budgets.max_queries` SQL statements per request, everything included
  (session or token, user, grants, scope, rows, count), and **the same** count at page sizes
  10 and 50 (a count that grows with the page is an N+1);
* scoped / plain throughput at least :attr:`Budgets.min_ratio` (API lists: the chokepoint's cost);
* p95 ≤ :attr:`Budgets.p95_ms` and p99 ≤ :attr:`Budgets.p99_ms` at the burst's concurrency;
* no page (HTML) over :attr:`Budgets.max_html_kb` KB;
* the top bar's search (#20): p95 ≤ :attr:`Budgets.search_p95_ms` for each of
  :data:`SEARCHES`, per persona.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from django.urls import get_resolver, reverse
from django.views.generic.list import MultipleObjectMixin

API = "api"
HTML = "html"

#: the query parameter of the page size: the API's paginations, django-tables2's RequestConfig
PAGE_SIZE_PARAM = {API: "page_size", HTML: "per_page"}
PAGE_SIZES = (10, 50)


@dataclass(frozen=True)
class Route:
    kind: str  # API | HTML
    name: str  # namespaced URL name, e.g. crm-api:customer-list
    path: str  # e.g. /api/v1/crm/customers/
    plain: bool = False  # an API list with a plain twin at /bench/plain/<name>/

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    def __str__(self) -> str:
        return self.key

    def url(self, page_size: int | None = None) -> str:
        if page_size is None:
            return self.path
        return f"{self.path}?{PAGE_SIZE_PARAM[self.kind]}={page_size}"

    def plain_url(self, page_size: int | None = None) -> str:
        path = f"/bench/plain/{self.name}/"
        return path if page_size is None else f"{path}?{PAGE_SIZE_PARAM[API]}={page_size}"


def _api_get(callback) -> tuple[type | None, str | None]:
    """The DRF view class behind a route and what its GET does (a viewset's action, ``None``
    for a view that is not a viewset); ``(None, None)`` for anything else."""
    cls = getattr(callback, "cls", None)
    if not isinstance(cls, type):
        return None, None
    actions = getattr(callback, "actions", None)
    return cls, None if actions is None else actions.get("get")


def _is_api_list(callback) -> bool:
    """A DRF view whose GET lists rows: ``ListModelMixin``'s ``list`` (a viewset route mapping
    ``get`` to it, or a generic list view)."""
    from rest_framework.mixins import ListModelMixin

    cls, action = _api_get(callback)
    return cls is not None and issubclass(cls, ListModelMixin) and action in (None, "list")


def _is_api_dashboard(callback) -> bool:
    """A viewset whose ``list`` answers one object, not rows (the e-CRB board, the meeting
    sheet, the workshop's figures): it sits in the router as a ``list`` but is a dashboard,
    timed with the largest pages."""
    from rest_framework.mixins import ListModelMixin

    cls, action = _api_get(callback)
    return cls is not None and action == "list" and not issubclass(cls, ListModelMixin)


def _is_html_list(callback) -> bool:
    """A class-based page that lists: Django's ``MultipleObjectMixin`` (ListView and
    ``ScopedListView``) or django-tables2's ``SingleTableMixin``, answering GET."""
    from django_tables2.views import SingleTableMixin

    cls = getattr(callback, "view_class", None)
    return (
        isinstance(cls, type)
        and issubclass(cls, MultipleObjectMixin | SingleTableMixin)
        and hasattr(cls, "get")
    )


def _app_routes(resolver):
    """(name, pattern) of every route of the URL conf whose URL takes no argument (so DRF's
    format-suffix twins, ``…\\.(?P<format>…)``, are left out), but the admin's and the
    benchmark's own."""
    from dealership.bench_views import walk_urls

    for name, pattern, has_groups in walk_urls(resolver.url_patterns):
        if not has_groups and not name.startswith(("bench:", "admin:")):
            yield name, pattern


def discover_routes(resolver=None) -> list[Route]:
    """Every API list route and every HTML list page of the URL conf (:func:`_app_routes`),
    sorted by kind and name."""
    from dealership.bench_views import api_list_viewsets

    resolver = resolver or get_resolver()
    plain = set(api_list_viewsets(resolver))
    routes = {}
    for name, pattern in _app_routes(resolver):
        callback = pattern.callback
        if _is_api_list(callback):
            kind = API
        elif _is_html_list(callback):
            kind = HTML
        else:
            continue
        routes[(kind, name)] = Route(kind, name, reverse(name), plain=kind == API and name in plain)
    return [routes[key] for key in sorted(routes)]


def discover_api_dashboards(resolver=None) -> list[Route]:
    """The API routes that answer one object from a viewset's ``list`` (boards and reports,
    :func:`_is_api_dashboard`), sorted by name: timed with the largest pages, not judged as
    lists."""
    resolver = resolver or get_resolver()
    return sorted(
        (
            Route(API, name, reverse(name))
            for name, pattern in _app_routes(resolver)
            if _is_api_dashboard(pattern.callback)
        ),
        key=lambda route: route.name,
    )


# --- statistics --------------------------------------------------------------------------------


def percentile(values, p: float) -> float | None:
    """The ``p``-th percentile (0–100) of ``values``, interpolated linearly between the closest
    ranks (as numpy's default); None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile out of range: {p}")
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Burst:
    """A timed burst: latencies in seconds of the requests that completed, its wall time."""

    latencies: list[float]
    wall: float
    errors: int = 0  # answers other than the expected status, or transport errors
    size: int = 0  # bytes of the (last) body

    @classmethod
    def combine(cls, bursts: list[Burst]) -> Burst:
        """Rounds of one route as one burst: every latency, the wall times added."""
        return cls(
            [t for b in bursts for t in b.latencies],
            sum(b.wall for b in bursts),
            errors=sum(b.errors for b in bursts),
            size=bursts[-1].size if bursts else 0,
        )

    @property
    def summary(self) -> dict:
        count = len(self.latencies)
        return {
            "requests": count,
            "errors": self.errors,
            "wall_s": round(self.wall, 4),
            "rps": round(count / self.wall, 1) if self.wall > 0 and count else None,
            "p50_ms": _ms(percentile(self.latencies, 50)),
            "p95_ms": _ms(percentile(self.latencies, 95)),
            "p99_ms": _ms(percentile(self.latencies, 99)),
            "bytes": self.size,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


# --- budgets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budgets:
    max_queries: int = 6
    min_ratio: float = 0.9
    p95_ms: float = 50.0
    p99_ms: float = 100.0
    max_html_kb: float = 300.0
    search_p95_ms: float = 100.0


#: what the search is timed with (each read as every kind it can be): a surname, a mobile's or
#: a plate's or a document number's last digits, a piece of a plate, a VIN's tail
SEARCHES = ("王", "8888", "A123", "000012")


@dataclass
class Verdict:
    budget: str
    ok: bool
    detail: str


@dataclass
class Measurement:
    """One route for one persona. ``status`` is the answer at page size 10; a route the
    persona may not open (403, 404, a redirect) is recorded with that status and not timed."""

    route: str
    kind: str
    persona: str
    status: int | None = None
    queries: dict[int, int | None] = field(default_factory=dict)  # page size -> statements
    scope_statements: dict[int, int | None] = field(default_factory=dict)
    cold_queries: int | None = None  # the first request after the login (caches empty)
    burst: dict | None = None  # Burst.summary at the default page size
    plain: dict | None = None  # the plain twin: its status, queries, Burst.summary
    ratio: float | None = None  # scoped rps / plain rps
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def opened(self) -> bool:
        return self.status == 200

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["queries"] = {str(k): v for k, v in self.queries.items()}
        data["scope_statements"] = {str(k): v for k, v in self.scope_statements.items()}
        data["ok"] = self.ok
        return data


def judge(m: Measurement, budgets: Budgets = Budgets(), *, concurrency: int = 4) -> list[Verdict]:
    """The verdicts of one list measurement (none for a route the persona may not open)."""
    if m.status is not None and m.status >= 500:
        return [Verdict("status", False, f"answered {m.status}")]
    if not m.opened:
        return []
    verdicts = []
    counts = [m.queries.get(size) for size in PAGE_SIZES]
    if any(c is None for c in counts):
        verdicts.append(Verdict("queries", False, "no X-Bench-Queries header (DJANGO_BENCH off?)"))
    else:
        worst = max(counts)
        verdicts.append(
            Verdict(
                "queries",
                worst <= budgets.max_queries,
                f"{worst} statements (budget {budgets.max_queries})",
            )
        )
        verdicts.append(
            Verdict(
                "queries_constant",
                len(set(counts)) == 1,
                "at page sizes "
                + ", ".join(f"{s}: {c}" for s, c in zip(PAGE_SIZES, counts, strict=True)),
            )
        )
    if m.burst is not None:
        p95, p99 = m.burst["p95_ms"], m.burst["p99_ms"]
        errors = m.burst["errors"]
        verdicts.append(
            Verdict(
                "latency",
                p95 is not None
                and p99 is not None
                and p95 <= budgets.p95_ms
                and p99 <= budgets.p99_ms
                and not errors,
                f"p95 {p95} ms, p99 {p99} ms at {concurrency} clients "
                f"(budget {budgets.p95_ms:g}/{budgets.p99_ms:g} ms)"
                + (f", {errors} failed requests" if errors else ""),
            )
        )
        if m.kind == HTML:
            kb = m.burst["bytes"] / 1024
            verdicts.append(Verdict("html_size", kb <= budgets.max_html_kb, f"{kb:.0f} KB"))
    if m.plain is not None:
        verdicts.append(
            Verdict(
                "ratio",
                m.ratio is not None and m.ratio >= budgets.min_ratio,
                f"scoped/plain {m.ratio} (budget ≥ {budgets.min_ratio:g})",
            )
        )
    return verdicts


def ratio(scoped: dict | None, plain: dict | None) -> float | None:
    """Scoped requests per second over plain ones."""
    if not scoped or not plain or not scoped.get("rps") or not plain.get("rps"):
        return None
    return round(scoped["rps"] / plain["rps"], 3)


def search_urls(personas) -> list[tuple[str, str, str]]:
    """(label, url, persona) of the timed searches: each query for each persona."""
    from urllib.parse import urlencode

    page = reverse("search")
    return [
        (f"search?q={q}", f"{page}?{urlencode({'q': q})}", p) for q in SEARCHES for p in personas
    ]


def judge_search(summary: dict, budgets: Budgets = Budgets()) -> Verdict:
    """The search's budget: p95 of a burst, without an error."""
    p95, errors = summary.get("p95_ms"), summary.get("errors", 0)
    ok = p95 is not None and not errors and p95 <= budgets.search_p95_ms
    return Verdict(
        "search", ok, f"p95 {p95} ms, {errors} errors (budget {budgets.search_p95_ms:g} ms)"
    )


def judge_page_size(size_bytes: int, budgets: Budgets = Budgets()) -> Verdict:
    """The HTML size budget of one of the largest pages."""
    kb = size_bytes / 1024
    return Verdict("html_size", kb <= budgets.max_html_kb, f"{kb:.0f} KB")
