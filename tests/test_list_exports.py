"""Every list has its export (issue #20), generated from the URL conf like the isolation and
query-budget tests: for **every** list page (``?export=csv``) and API list (``?format=csv``),
as the GM with rows in the dealership, the file holds exactly the rows the list shows (the page's
table at its largest page, the API's results), under a heading per column; a list that cannot be
read page by page says so with a 400, never a 500. Run as HQ too: what HQ may list, it exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from django.urls import reverse

from dealership.tenancy import dealership_context
from tests.isolation import discover_routes, make_tenant_object

pytestmark = pytest.mark.django_db

LISTS = [route for route in discover_routes() if not route.detail]
ROWS = 3
FULL = {"api": 200, "html": 100}  # the largest page of each kind


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _shown(client, route, url) -> int | None:
    """How many rows the list shows at its largest page (``None``: not this person's list)."""
    if route.kind == "api":
        response = client.get(url, {"page_size": FULL["api"]})
        if response.status_code != 200:
            return None
        data = response.json()
        return len(data["results"]) if isinstance(data, dict) and "results" in data else len(data)
    response = client.get(url, {"per_page": FULL["html"]})
    table = (response.context or {}).get("table") if response.status_code == 200 else None
    return None if table is None else len(table.paginated_rows)


@pytest.mark.parametrize("who", ["gm", "hq"])
def test_every_list_exports_the_rows_it_shows(cast, api_for, client_for, who):
    with dealership_context(cast.a):
        for model in sorted({route.model for route in LISTS}, key=lambda m: m._meta.label):
            for _ in range(ROWS):
                try:
                    with transaction.atomic():
                        make_tenant_object(model, cast.a)
                except Exception:  # noqa: S112 - one per day, per parent…: fewer rows then
                    continue
    user = cast.user_a if who == "gm" else cast.hq_user
    clients = {"api": api_for(user), "html": client_for(user)}
    failures, exported = [], 0
    for route in LISTS:
        client, url = clients[route.kind], reverse(route.name)
        shown = _shown(client, route, url)
        if shown is None:
            continue
        param = "format" if route.kind == "api" else "export"
        response = client.get(url, {param: "csv"})
        if response.status_code == 400:
            continue  # said why (e.g. a list that is not read page by page)
        if response.status_code != 200 or not getattr(response, "streaming", False):
            failures.append(f"{route}: {response.status_code} {response.content[:200]!r}")
            continue
        rows = _csv(response)
        exported += 1
        if not rows or not all(rows[0]):
            failures.append(f"{route}: a column without a heading: {rows[:1]}")
        elif len(rows) - 1 != shown and not (shown == FULL[route.kind] and len(rows) - 1 > shown):
            # (a full largest page: the list is longer, the file holds all of it)
            failures.append(f"{route}: the list shows {shown} rows, the file holds {len(rows) - 1}")
    assert not failures, "\n".join(failures)
    assert exported >= len(LISTS) // (2 if who == "gm" else 4)
