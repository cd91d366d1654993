"""Workshop API: bays, jobs (filters, assign, clock-on, clock-off), time entries, efficiency;
permissions and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.models import Bay, Job, JobStatus, RepairStatus, TimeEntry
from aftersales.selectors import workshop as selectors
from dealership.tenancy import dealership_context
from tests.aftersales.test_workshop_pages import _add_jobs
from tests.aftersales.test_workshop_services import make_bay, make_job

pytestmark = pytest.mark.django_db

API = "/api/v1/aftersales/"


def action(job, name):
    return f"{API}jobs/{job.pk}/{name}/"


def test_bays_api(cast, staff, api_for):
    api = api_for(staff.workshop_supervisor)
    response = api.post(f"{API}bays/", {"code": "a1", "name": "快修"}, format="json")
    assert response.status_code == 201, response.content
    bay = response.json()
    assert (bay["code"], bay["is_active"]) == ("A1", True)
    duplicate = api.post(f"{API}bays/", {"code": "A1", "name": "x"}, format="json")
    assert duplicate.status_code == 400
    assert "code" in duplicate.json()["error"]["fields"]
    assert api.post(f"{API}bays/", {"code": "", "name": ""}, format="json").status_code == 400
    response = api.patch(f"{API}bays/{bay['id']}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    listed = api.get(f"{API}bays/", {"active": "0"}).json()
    assert [row["id"] for row in listed["results"]] == [bay["id"]]
    advisor = api_for(staff.advisor)
    assert advisor.get(f"{API}bays/").status_code == 200
    assert (
        advisor.post(f"{API}bays/", {"code": "B1", "name": "x"}, format="json").status_code == 403
    )
    assert advisor.patch(f"{API}bays/{bay['id']}/", {"name": "x"}, format="json").status_code == 403
    assert (
        api_for(cast.hq_user)
        .post(f"{API}bays/", {"code": "B1", "name": "x"}, format="json")
        .status_code
        == 403
    )
    assert api_for(cast.user_b).get(f"{API}bays/{bay['id']}/").status_code == 404
    assert api_for(staff.sales_consultant).get(f"{API}bays/").status_code == 403
    with dealership_context(cast.a):
        assert Bay.objects.count() == 1


def test_jobs_api_assign_clock_on_clock_off(cast, staff, api_for):
    job = make_job(cast.a, staff.advisor)
    bay = make_bay(cast.a)
    supervisor = api_for(staff.workshop_supervisor)
    response = supervisor.post(
        action(job, "assign"), {"technician": staff.technician.pk, "bay": bay.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["technician"], data["bay"], data["bay_code"]) == (
        staff.technician.pk,
        bay.pk,
        "A1",
    )
    assert data["repair_order"]["number"] == job.repair_order.number
    assert data["repair_order"]["plate"] == job.repair_order.vehicle.plate
    bad = supervisor.post(action(job, "assign"), {"technician": staff.advisor.pk}, format="json")
    assert bad.status_code == 400 and "technician" in bad.json()["error"]["fields"]
    assert (
        supervisor.post(action(job, "assign"), {"technician": "x"}, format="json").status_code
        == 400
    )

    technician = api_for(staff.technician)
    response = technician.post(action(job, "clock-on"))
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress" and response.json()["clocked_on_at"]
    twice = technician.post(action(job, "clock-on"))
    assert twice.status_code == 400
    assert "Already clocked on" in str(twice.json()["error"])
    response = technician.post(action(job, "clock-off"), {"finished": True}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "done" and response.json()["finished_at"]
    with dealership_context(cast.a):
        assert Job.objects.get(pk=job.pk).repair_order.status == RepairStatus.IN_PROGRESS
    entries = technician.get(f"{API}time-entries/", {"job": job.pk}).json()["results"]
    assert len(entries) == 1 and entries[0]["ended_at"] and entries[0]["minutes"] == 0


def test_jobs_api_permissions(cast, staff, api_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    # technician2: not their job, not their order → 404 on every action
    for name in ("clock-on", "clock-off", "assign"):
        assert (
            api_for(staff.technician2).post(action(job, name), {}, format="json").status_code == 404
        )
    assert api_for(staff.technician2).get(f"{API}jobs/{job.pk}/").status_code == 404
    # the technician does not assign
    response = api_for(staff.technician).post(
        action(job, "assign"), {"technician": staff.technician2.pk}, format="json"
    )
    assert response.status_code == 403
    # the advisor sees the jobs of their orders but cannot clock
    advisor = api_for(staff.advisor)
    assert advisor.get(f"{API}jobs/{job.pk}/").status_code == 200
    assert advisor.post(action(job, "clock-on")).status_code == 403
    assert api_for(staff.advisor2).get(f"{API}jobs/{job.pk}/").status_code == 404
    assert api_for(staff.sales_consultant).get(f"{API}jobs/").status_code == 403
    assert api_for(staff.sales_consultant).post(action(job, "clock-on")).status_code == 403
    hq = api_for(cast.hq_user)
    assert hq.get(f"{API}jobs/{job.pk}/").status_code == 200
    assert hq.post(action(job, "clock-on")).status_code == 403
    assert api_for(cast.user_b).get(f"{API}jobs/{job.pk}/").status_code == 404
    assert api_for(cast.user_b).post(action(job, "clock-on")).status_code == 404
    with dealership_context(cast.a):
        assert not TimeEntry.objects.exists()
    # the supervisor (department) and the GM clock for the technician
    assert api_for(staff.workshop_supervisor).post(action(job, "clock-on")).status_code == 200
    assert api_for(staff.gm).post(action(job, "clock-off"), {}, format="json").status_code == 200


def test_jobs_api_filters(cast, staff, api_for):
    bay = make_bay(cast.a)
    mine = make_job(cast.a, staff.advisor, technician=staff.technician, bay=bay)
    theirs = make_job(cast.a, staff.advisor, technician=staff.technician2)
    old = make_job(cast.a, staff.advisor, technician=staff.technician2)
    with dealership_context(cast.a):
        Job.objects.filter(pk=old.pk).update(
            status=JobStatus.DONE, finished_at=timezone.now() - dt.timedelta(days=5)
        )
    api = api_for(staff.workshop_supervisor)

    def ids(**params):
        response = api.get(f"{API}jobs/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {mine.pk, theirs.pk, old.pk}
    assert ids(technician=staff.technician.pk) == {mine.pk}
    assert ids(status="done") == {old.pk}
    assert ids(day=timezone.localdate().isoformat()) == {mine.pk, theirs.pk}
    assert ids(bay=bay.pk) == {mine.pk}
    assert ids(q=mine.repair_order.number) == {mine.pk}
    for bad in ({"status": "nope"}, {"day": "2026-13-01"}, {"technician": "abc"}):
        response = api.get(f"{API}jobs/", bad)
        assert response.status_code == 400, bad
    # a technician lists their own jobs only
    own = api_for(staff.technician).get(f"{API}jobs/").json()["results"]
    assert {row["id"] for row in own} == {mine.pk}


def test_efficiency_api_is_the_selectors(cast, staff, api_for):
    _add_jobs(cast, staff, 6, 0)
    today = timezone.localdate()
    api = api_for(staff.service_manager)
    response = api.get(f"{API}efficiency/")
    assert response.status_code == 200
    with dealership_context(cast.a):
        expected = selectors.efficiency(staff.service_manager, today.replace(day=1), today)
    assert response.json() == expected.as_dict()
    assert {row["technician"] for row in response.json()["rows"]} == {
        staff.technician.pk,
        staff.technician2.pk,
    }
    ranged = api.get(f"{API}efficiency/", {"from": today.isoformat(), "to": today.isoformat()})
    assert ranged.status_code == 200 and ranged.json()["from"] == today.isoformat()
    assert api.get(f"{API}efficiency/", {"from": "x"}).status_code == 400
    backwards = {"from": today.isoformat(), "to": (today - dt.timedelta(days=1)).isoformat()}
    assert api.get(f"{API}efficiency/", backwards).status_code == 400
    assert api_for(staff.sales_consultant).get(f"{API}efficiency/").status_code == 403
    assert api_for(cast.user_b).get(f"{API}efficiency/").json()["rows"] == []
    own = api_for(staff.technician).get(f"{API}efficiency/").json()["rows"]
    assert [row["technician"] for row in own] == [staff.technician.pk]


def _queries(api, url):
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_api_lists_use_a_constant_number_of_queries(cast, staff, api_for):
    api = api_for(staff.workshop_supervisor)
    urls = [f"{API}jobs/", f"{API}time-entries/", f"{API}bays/", f"{API}efficiency/"]
    _add_jobs(cast, staff, 10, 0)
    counts_10 = [_queries(api, url) for url in urls]
    _add_jobs(cast, staff, 40, 10)
    counts_50 = [_queries(api, url) for url in urls]
    assert counts_10 == counts_50
