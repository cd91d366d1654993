"""``/api/v1/reports/runs/``: the runs the caller may read (a dealership's own, the group's for
HQ, a department's for its manager), with file links to the permission-checked view and the
OEM's receipt, filtered by report, dealership, period and status, in a constant number of
queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.english import *  # noqa: F403 (messages in English)
from tests.reports.conftest import SAMPLE
from tests.reports.framework import SALES_SAMPLE, UTC, make_run

API = "/api/v1/reports/runs/"
ACKNOWLEDGED = dt.datetime(2026, 10, 9, 2, 0, tzinfo=UTC)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_run_as_the_api_shows_it(cast, sample_report, api_for):
    run = make_run(
        cast.a,
        files=True,
        trigger="schedule",
        status="acknowledged",
        submission={
            "state": "acknowledged",
            "channel": "https",
            "receipt": "OEM-2026-0042",
            "submitted_at": ACKNOWLEDGED - dt.timedelta(hours=1),
            "acknowledged_at": ACKNOWLEDGED,
        },
    )
    bare = make_run(cast.a, period_key="2026-08", status="failed")
    api = api_for(cast.user_a)
    listed = api.get(API).json()
    assert len(listed["results"]) == 2
    row = next(r for r in listed["results"] if r["id"] == run.pk)
    assert row == api.get(f"{API}{run.pk}/").json()
    created_at, finished_at = row.pop("created_at"), row.pop("finished_at")
    assert created_at and finished_at is None
    assert row == {
        "id": run.pk,
        "report": SAMPLE,
        "report_title": "测试月报 Sample monthly report",
        "dealership": "a",
        "period_kind": "month",
        "period_key": "2026-09",
        "period_start": "2026-09-01",
        "period_end": "2026-09-30",
        "version": 1,
        "status": "acknowledged",
        "trigger": "schedule",
        "checksum": "0" * 64,
        "pdf_url": f"http://testserver/platform/reports/runs/{run.pk}/pdf/",
        "xlsx_url": f"http://testserver/platform/reports/runs/{run.pk}/xlsx/",
        "submission": {
            "state": "acknowledged",
            "receipt": "OEM-2026-0042",
            "submitted_at": "2026-10-09T09:00:00+08:00",
            "acknowledged_at": "2026-10-09T10:00:00+08:00",
        },
    }
    other = api.get(f"{API}{bare.pk}/").json()
    assert other["pdf_url"] is None and other["xlsx_url"] is None
    assert other["submission"] is None and other["status"] == "failed"
    # newest period first
    assert [r["period_key"] for r in listed["results"]] == ["2026-09", "2026-08"]


def test_the_file_links_lead_to_the_files(cast, sample_report, api_for, client_for):
    run = make_run(cast.b, files=True)
    row = api_for(cast.hq_user).get(f"{API}{run.pk}/").json()
    response = client_for(cast.hq_user).get(row["pdf_url"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # the link is no key: someone of another group gets nothing from it
    other = client_for(cast.user_c).get(row["pdf_url"].removeprefix("http://testserver"))
    assert other.status_code == 404


def test_filters(cast, sample_report, sales_report, api_for):
    sept = make_run(cast.a, period_key="2026-09")
    sept_v2 = make_run(cast.a, period_key="2026-09", version=2, status="failed")
    aug = make_run(cast.a, period_key="2026-08")
    sales = make_run(cast.a, period_key="2026-09", report=SALES_SAMPLE)
    api = api_for(cast.user_a)
    assert ids(api.get(API)) == {sept.pk, sept_v2.pk, aug.pk, sales.pk}
    assert ids(api.get(API, {"report": SAMPLE})) == {sept.pk, sept_v2.pk, aug.pk}
    assert ids(api.get(API, {"report": SALES_SAMPLE})) == {sales.pk}
    assert ids(api.get(API, {"period": "2026-09"})) == {sept.pk, sept_v2.pk, sales.pk}
    assert ids(api.get(API, {"period": "2026-08", "report": SAMPLE})) == {aug.pk}
    assert ids(api.get(API, {"status": "failed"})) == {sept_v2.pk}
    assert ids(api.get(API, {"dealership": "a", "status": "done"})) == {sept.pk, aug.pk, sales.pk}
    assert ids(api.get(API, {"report": "no.such"})) == set()
    # a status that is none answers 400 naming the field
    bad = api.get(API, {"status": "lost"})
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]


def test_hq_sees_its_groups_runs_and_not_another_groups(cast, sample_report, api_for):
    run_a, run_b, run_c = (make_run(d) for d in (cast.a, cast.b, cast.c))
    hq = api_for(cast.hq_user)
    assert ids(hq.get(API)) == {run_a.pk, run_b.pk}
    assert ids(hq.get(API, {"dealership": "b"})) == {run_b.pk}
    assert ids(hq.get(API, {"dealership": "c"})) == set()
    assert hq.get(f"{API}{run_c.pk}/").status_code == 404
    assert hq.get(f"{API}{run_b.pk}/").json()["dealership"] == "b"


def test_a_dealership_sees_nothing_of_another(cast, sample_report, api_for):
    run_a = make_run(cast.a, files=True)
    run_c = make_run(cast.c)
    api = api_for(cast.user_c)
    assert ids(api.get(API)) == {run_c.pk}
    assert ids(api.get(API, {"dealership": "a"})) == set()
    assert api.get(f"{API}{run_a.pk}/").status_code == 404
    assert ids(api_for(cast.user_a).get(API)) == {run_a.pk}


def test_a_department_reads_its_own_reports_runs(
    cast, sample_report, sales_report, people, api_for
):
    make_run(cast.a)  # the CRM's report
    sales = make_run(cast.a, report=SALES_SAMPLE)
    assert ids(api_for(people.sales_manager).get(API)) == {sales.pk}
    assert api_for(people.consultant).get(API).status_code == 403
    assert api_for(cast.outsider).get(API).status_code == 403


def test_the_api_is_read_only(cast, sample_report, api_for):
    run = make_run(cast.a)
    api = api_for(cast.user_a)
    assert api.post(API, {"report": SAMPLE}, format="json").status_code == 405
    assert api.patch(f"{API}{run.pk}/", {"status": "done"}, format="json").status_code == 405
    assert api.delete(f"{API}{run.pk}/").status_code == 405


def _queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(API).status_code == 200
    return len(queries)


def test_the_list_takes_a_constant_number_of_queries(cast, sample_report, api_for):
    api = api_for(cast.user_a)

    def add_runs(count, start):
        for n in range(start, start + count):
            make_run(
                cast.a,
                period_key=f"{2020 + n // 12}-{n % 12 + 1:02d}",
                files=n % 2 == 0,
                submission={"state": "sent", "receipt": f"R{n}"} if n % 3 == 0 else None,
            )

    add_runs(10, 0)
    few = _queries(api)
    add_runs(20, 10)
    many = _queries(api)
    assert many == few, (few, many)
    results = api.get(API).json()["results"]
    assert len(results) == 30
    assert sum(r["submission"] is not None for r in results) == 10
