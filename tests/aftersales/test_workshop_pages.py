"""Workshop pages: the board, my jobs (clock on / off / finish), assigning, bays, efficiency,
the dashboard panels; who may open what; the lists' query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.models import Bay, Job, JobStatus, RepairStatus, TimeEntry
from dealership.tenancy import dealership_context
from tests.aftersales.test_workshop_services import make_bay, make_job

pytestmark = pytest.mark.django_db

BOARD = "/aftersales/workshop/"
MY_JOBS = "/aftersales/workshop/my-jobs/"
BAYS = "/aftersales/workshop/bays/"
EFFICIENCY = "/aftersales/workshop/efficiency/"


def job_url(job, action):
    return f"/aftersales/workshop/jobs/{job.pk}/{action}/"


def _entries(dealership, **lookup):
    with dealership_context(dealership):
        return TimeEntry.objects.filter(**lookup).count()


# --- the board -----------------------------------------------------------------------------------


def test_the_board_shows_todays_jobs_by_bay_and_technician(cast, staff, client_for):
    bay = make_bay(cast.a, "A1")
    waiting = make_job(cast.a, staff.advisor, technician=staff.technician, bay=bay)
    running = make_job(cast.a, staff.advisor, technician=staff.technician2, description="刹车片")
    client_for(staff.technician2).post(job_url(running, "clock-on"))
    client = client_for(staff.workshop_supervisor)
    page = client.get(BOARD)
    assert page.status_code == 200
    html = page.content.decode()
    for job in (waiting, running):
        assert job.repair_order.number in html
        assert job.repair_order.vehicle.plate in html
    assert "更换机油" in html and "刹车片" in html and "1.50" in html
    assert 'hx-trigger="every 60s"' in html and "<script>" not in html
    assert html.count('data-testid="board-job"') == 2
    assert "A1" in html and "on since" in html
    assert job_url(waiting, "assign") in html  # the supervisor assigns
    # the refresh answers the partial only
    partial = client.get(BOARD, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert 'id="workshop-board"' in partial.content.decode()
    # by technician, filtered
    page = client.get(BOARD, {"by": "technician", "technician": staff.technician2.pk})
    html = page.content.decode()
    assert html.count('data-testid="board-job"') == 1 and "刹车片" in html
    page = client.get(BOARD, {"bay": bay.pk})
    assert page.content.decode().count('data-testid="board-job"') == 1


def test_the_board_leaves_out_finished_orders_and_jobs_done_before_today(cast, staff, client_for):
    old = make_job(cast.a, staff.advisor, technician=staff.technician, description="旧工作")
    with dealership_context(cast.a):
        Job.objects.filter(pk=old.pk).update(
            status=JobStatus.DONE, finished_at=timezone.now() - dt.timedelta(days=3)
        )
    make_job(cast.a, staff.advisor, status=RepairStatus.CANCELLED, description="取消")
    html = client_for(staff.workshop_supervisor).get(BOARD).content.decode()
    assert "旧工作" not in html and "取消" not in html


def test_who_opens_the_board(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    assert client_for(staff.sales_consultant).get(BOARD).status_code == 403
    for user in (staff.technician, staff.advisor, staff.gm, cast.hq_user):
        page = client_for(user).get(BOARD)
        assert page.status_code == 200, user
        assert job.repair_order.number in page.content.decode()
    # neither the advisor nor HQ may assign
    for user in (staff.advisor, cast.hq_user, staff.technician):
        assert job_url(job, "assign") not in client_for(user).get(BOARD).content.decode()
    for user in (staff.advisor2, staff.technician2, cast.user_b):
        assert job.repair_order.number not in client_for(user).get(BOARD).content.decode()


# --- my jobs and clocking ------------------------------------------------------------------------


def test_a_technician_clocks_on_off_and_finishes_from_my_jobs(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    make_job(cast.a, staff.advisor, technician=staff.technician2, description="别人的")
    client = client_for(staff.technician)
    page = client.get(MY_JOBS)
    html = page.content.decode()
    assert page.status_code == 200 and job.repair_order.number in html
    assert 'data-testid="clock-on"' in html and "别人的" not in html
    assert client.post(job_url(job, "clock-on")).status_code == 302
    assert _entries(cast.a, job=job, ended_at__isnull=True) == 1
    html = client.get(MY_JOBS).content.decode()
    assert 'data-testid="clock-off"' in html and 'data-testid="clocked-on"' in html
    twice = client.post(job_url(job, "clock-on"))
    assert twice.status_code == 400
    assert "Already clocked on to this job" in twice.content.decode()
    assert client.post(job_url(job, "clock-off")).status_code == 302
    assert client.post(job_url(job, "finish")).status_code == 302
    with dealership_context(cast.a):
        assert Job.objects.get(pk=job.pk).status == JobStatus.DONE


def test_clocking_someone_elses_job(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    assert client_for(staff.technician2).post(job_url(job, "clock-on")).status_code == 404
    assert client_for(staff.advisor).post(job_url(job, "clock-on")).status_code == 403
    assert client_for(staff.advisor2).post(job_url(job, "clock-on")).status_code == 404
    assert client_for(staff.sales_consultant).post(job_url(job, "clock-on")).status_code == 403
    assert client_for(cast.hq_user).post(job_url(job, "clock-on")).status_code == 403
    assert client_for(cast.user_b).post(job_url(job, "clock-on")).status_code == 404
    assert _entries(cast.a) == 0
    # the supervisor clocks on for the department's technician
    response = client_for(staff.workshop_supervisor).post(job_url(job, "clock-on"), {"next": BOARD})
    assert response.status_code == 302 and response["Location"] == BOARD
    assert _entries(cast.a, technician=staff.technician) == 1


def test_clocking_a_closed_order_is_refused_with_a_message(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician, status=RepairStatus.OPEN)
    response = client_for(staff.technician).post(job_url(job, "clock-on"))
    assert response.status_code == 400
    assert job.repair_order.number in response.content.decode()


def test_an_unsafe_next_is_ignored(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    response = client_for(staff.technician).post(
        job_url(job, "clock-on"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == MY_JOBS


# --- assigning -----------------------------------------------------------------------------------


def test_the_supervisor_assigns_on_the_assign_page(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor)
    bay = make_bay(cast.a, "A1")
    make_bay(cast.a, "Z9", is_active=False)
    client = client_for(staff.workshop_supervisor)
    page = client.get(job_url(job, "assign"))
    html = page.content.decode()
    assert page.status_code == 200 and "technician 2" in html and "Z9" not in html
    bad = client.post(job_url(job, "assign"), {"technician": staff.advisor.pk})
    assert bad.status_code == 400
    response = client.post(
        job_url(job, "assign") + f"?next={BOARD}",
        {"technician": staff.technician.pk, "bay": bay.pk},
    )
    assert response.status_code == 302 and response["Location"] == BOARD
    with dealership_context(cast.a):
        job = Job.objects.get(pk=job.pk)
    assert (job.technician_id, job.bay_id) == (staff.technician.pk, bay.pk)


def test_who_may_assign(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    assert client_for(staff.service_manager).get(job_url(job, "assign")).status_code == 200
    assert client_for(staff.technician).get(job_url(job, "assign")).status_code == 403
    assert client_for(staff.advisor).get(job_url(job, "assign")).status_code == 403
    assert client_for(staff.sales_consultant).get(job_url(job, "assign")).status_code == 403
    assert client_for(cast.hq_user).get(job_url(job, "assign")).status_code == 403
    assert client_for(cast.user_b).get(job_url(job, "assign")).status_code == 404
    assert client_for(staff.technician2).get(job_url(job, "assign")).status_code == 404


# --- bays ----------------------------------------------------------------------------------------


def test_bays_list_create_and_edit(cast, staff, client_for):
    client = client_for(staff.workshop_supervisor)
    page = client.get(BAYS)
    assert page.status_code == 200 and 'data-testid="new-bay"' in page.content.decode()
    response = client.post(BAYS + "new/", {"code": "a1", "name": "快修", "is_active": "on"})
    assert response.status_code == 302
    with dealership_context(cast.a):
        bay = Bay.objects.get(code="A1")
    duplicate = client.post(BAYS + "new/", {"code": "A1", "name": "x"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    response = client.post(f"{BAYS}{bay.pk}/edit/", {"code": "A1", "name": "快修一"})
    assert response.status_code == 302
    with dealership_context(cast.a):
        bay = Bay.objects.get(pk=bay.pk)
    assert (bay.name, bay.is_active) == ("快修一", False)
    assert "快修一" in client.get(BAYS, {"q": "快修"}).content.decode()
    assert "快修一" not in client.get(BAYS, {"active": "1"}).content.decode()


def test_who_may_change_bays(cast, staff, client_for):
    bay = make_bay(cast.a)
    advisor = client_for(staff.advisor)
    page = advisor.get(BAYS)
    assert page.status_code == 200 and 'data-testid="new-bay"' not in page.content.decode()
    assert advisor.get(BAYS + "new/").status_code == 403
    assert advisor.post(f"{BAYS}{bay.pk}/edit/", {"code": "X", "name": "x"}).status_code == 403
    assert client_for(staff.technician).get(BAYS + "new/").status_code == 403
    assert client_for(staff.sales_consultant).get(BAYS).status_code == 403
    assert client_for(cast.hq_user).get(BAYS).status_code == 200
    assert client_for(cast.hq_user).get(BAYS + "new/").status_code == 403
    assert client_for(cast.user_b).get(f"{BAYS}{bay.pk}/edit/").status_code == 404
    assert client_for(staff.service_manager).get(f"{BAYS}{bay.pk}/edit/").status_code == 200


# --- efficiency ----------------------------------------------------------------------------------


def test_the_efficiency_page(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, hours="3.00", technician=staff.technician)
    # two hours on one day of this month, whatever the time the test runs (not across midnight)
    today = timezone.localdate()
    day = today - dt.timedelta(days=1) if today.day > 1 else today
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    now = start + dt.timedelta(minutes=120)
    with dealership_context(cast.a):
        TimeEntry.objects.create(
            dealership=cast.a,
            job=job,
            technician=staff.technician,
            started_at=start,
            ended_at=now,
        )
        Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=now)
    client = client_for(staff.service_manager)
    page = client.get(EFFICIENCY)
    html = page.content.decode()
    assert page.status_code == 200
    assert "technician" in html and "3.00" in html and "2.00" in html and "150.0%" in html
    page = client.get(EFFICIENCY, {"from": day.isoformat(), "to": day.isoformat()})
    assert "150.0%" in page.content.decode()
    old = (today - dt.timedelta(days=400)).isoformat()
    page = client.get(EFFICIENCY, {"from": old, "to": (today - dt.timedelta(days=399)).isoformat()})
    assert page.status_code == 200 and "150.0%" not in page.content.decode()
    assert client.get(EFFICIENCY, {"from": "nonsense"}).status_code == 200
    assert client_for(staff.sales_consultant).get(EFFICIENCY).status_code == 403
    assert client_for(cast.hq_user).get(EFFICIENCY).status_code == 200
    assert "150.0%" not in client_for(cast.user_b).get(EFFICIENCY).content.decode()


# --- widgets -------------------------------------------------------------------------------------


def test_dashboard_panels(cast, staff, client_for):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    html = client_for(staff.technician).get("/dashboard/").content.decode()
    assert 'data-widget="aftersales_my_jobs"' in html and job.repair_order.number in html
    assert 'data-widget="aftersales_workshop_today"' not in html
    html = client_for(staff.workshop_supervisor).get("/dashboard/").content.decode()
    assert 'data-widget="aftersales_workshop_today"' in html
    assert 'data-widget="aftersales_my_jobs"' not in html
    assert 'data-testid="workshop-today-widget"' in html
    for user in (staff.sales_consultant, staff.advisor):
        html = client_for(user).get("/dashboard/").content.decode()
        assert 'data-widget="aftersales_workshop_today"' not in html
        assert 'data-widget="aftersales_my_jobs"' not in html


# --- query counts --------------------------------------------------------------------------------


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def _add_jobs(cast, staff, n, start):
    bays = [make_bay(cast.a, f"Q{start + i}") for i in range(2)]
    for i in range(n):
        technician = staff.technician if i % 2 else staff.technician2
        job = make_job(
            cast.a,
            staff.advisor if i % 3 else staff.advisor2,
            technician=technician,
            bay=bays[i % 2],
            hours="1.00",
        )
        now = timezone.now()
        with dealership_context(cast.a):
            TimeEntry.objects.create(
                dealership=cast.a,
                job=job,
                technician=technician,
                started_at=now - dt.timedelta(minutes=30 + i),
                ended_at=now,
            )
            if i % 2:
                Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=now)


def test_pages_use_a_constant_number_of_queries(cast, staff, client_for):
    client = client_for(staff.workshop_supervisor)
    urls = [BOARD, EFFICIENCY, BAYS, MY_JOBS]
    _add_jobs(cast, staff, 10, 0)
    counts_10 = [_queries(client, url) for url in urls]
    tech_10 = _queries(client_for(staff.technician), MY_JOBS)
    _add_jobs(cast, staff, 40, 10)
    counts_50 = [_queries(client, url) for url in urls]
    tech_50 = _queries(client_for(staff.technician), MY_JOBS)
    assert counts_10 == counts_50
    assert tech_10 == tech_50
