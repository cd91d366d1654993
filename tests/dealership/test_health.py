"""Scheduler health: the selector, the panel and red banner on the job-runs page, and
``GET /api/v1/platform/health/`` (checks for anyone, details for who sees the job runs)."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dealership.health import scheduler_checks, scheduler_health
from dealership.models import DispatcherPass, JobRun
from dealership.queue import dispatcher_pass_record
from dealership.tenancy import dealership_context, system_context
from tests.factories import JobRunFactory, UserFactory, hire

pytestmark = pytest.mark.django_db

CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
URL = "/api/v1/platform/health/"
State = JobRun.State


def passed(minutes_ago: float, *, name: str = "jobs", interval: int = 300) -> None:
    dispatcher_pass_record(
        name=name, now=timezone.now() - dt.timedelta(minutes=minutes_ago), interval=interval
    )


@pytest.fixture
def broker_down(settings):
    settings.CELERY_BROKER_URL = CLOSED_BROKER
    settings.REDIS_URL = CLOSED_BROKER


@pytest.fixture
def in_process(settings):
    """No Redis: Celery runs the tasks in this process (``make run``)."""
    settings.CELERY_BROKER_URL = "memory://"


@pytest.fixture
def runs(cast, settings):
    """Runs of A in every state (a failure with attempts left, one given up) and two of B."""
    settings.JOBS_MAX_ATTEMPTS = 3
    day = dt.date(2026, 3, 2)
    made = {
        "a_pending": JobRunFactory(dealership=cast.a, run_date=day, state=State.PENDING),
        "a_running": JobRunFactory(dealership=cast.a, run_date=day, state=State.RUNNING),
        "a_retrying": JobRunFactory(
            dealership=cast.a, run_date=day, state=State.FAILED, attempts=1
        ),
        "a_given_up": JobRunFactory(
            dealership=cast.a, run_date=day, state=State.FAILED, attempts=3
        ),
        "a_missed": JobRunFactory(dealership=cast.a, run_date=day, state=State.MISSED),
        "a_done": JobRunFactory(dealership=cast.a, run_date=day, state=State.SUCCEEDED),
        "b_pending": JobRunFactory(dealership=cast.b, run_date=day, state=State.PENDING),
        "b_missed": JobRunFactory(dealership=cast.b, run_date=day, state=State.MISSED),
    }
    with system_context():  # A's pending run waits for 2 hours, B's for 5
        now = timezone.now()
        JobRun.objects.filter(pk=made["a_pending"].pk).update(
            created_at=now - dt.timedelta(hours=2)
        )
        JobRun.objects.filter(pk=made["b_pending"].pk).update(
            created_at=now - dt.timedelta(hours=5)
        )
    return made


@pytest.fixture
def technician(cast):
    """A member of A whose position may not open the job runs."""
    user = UserFactory(username="a_technician")
    hire(user, cast.a, "technician")
    return user


# --- the selector ---------------------------------------------------------------------------


def test_a_job_dispatcher_that_never_ran_is_overdue(cast, in_process):
    health = scheduler_checks()
    assert [d.name for d in health.dispatchers] == ["jobs"]
    assert health.dispatchers[0].overdue and health.dispatchers[0].last_pass_at is None
    assert health.checks() == {"database": "ok", "broker": "in_process", "dispatcher": "overdue"}
    assert health.status == "degraded"


def test_overdue_after_twice_the_interval(cast, in_process):
    passed(9)  # every 5 minutes: 9 minutes is late, not yet overdue
    health = scheduler_checks()
    assert not health.dispatchers[0].overdue and health.ok and health.status == "ok"
    assert health.checks() == {"database": "ok", "broker": "in_process", "dispatcher": "ok"}
    passed(11)
    health = scheduler_checks()
    assert health.dispatchers[0].overdue and health.dispatcher == "overdue" and not health.ok


def test_reports_and_deliveries_dispatchers_are_watched_once_they_ran(cast, in_process, settings):
    from dealership.notifications.services import deliveries_dispatch
    from dealership.reports.services import report_runs_dispatch

    now = timezone.now()
    deliveries_dispatch(now=now, enqueue=lambda *a: None)
    report_runs_dispatch(now=now - dt.timedelta(minutes=5), enqueue=lambda *a: None, interval=60)
    passed(1)
    health = scheduler_checks()
    found = {d.name: d for d in health.dispatchers}
    assert list(found) == ["jobs", "reports", "deliveries"]
    assert found["deliveries"].interval == settings.NOTIFICATIONS_DISPATCH_INTERVAL
    assert not found["deliveries"].overdue and found["deliveries"].last_pass_at == now
    assert found["reports"].overdue  # 5 minutes without a pass, every minute expected
    assert health.overdue_dispatchers == [found["reports"]] and not health.ok


def test_the_broker_reachable_in_process_or_down(cast, settings):
    passed(0)
    assert scheduler_checks().broker == "ok"  # the test Redis
    settings.CELERY_BROKER_URL = "memory://"
    assert scheduler_checks().broker == "in_process" and scheduler_checks().ok
    settings.CELERY_BROKER_URL = CLOSED_BROKER
    started = timezone.now()
    health = scheduler_checks()
    assert health.broker == "down" and not health.broker_reachable and health.status == "degraded"
    assert timezone.now() - started < dt.timedelta(seconds=5)  # never hangs the page


def test_counts_by_state_in_the_users_dealerships(cast, runs, in_process):
    with dealership_context(cast.a):
        health = scheduler_health(cast.user_a)
    counts = health.runs
    assert (
        counts.pending,
        counts.running,
        counts.failed_retrying,
        counts.failed_given_up,
        counts.missed,
    ) == (1, 1, 1, 1, 1)
    assert counts.failed == 2
    assert dt.timedelta(hours=2) <= counts.oldest_pending_age < dt.timedelta(hours=2, minutes=5)
    # without a user: every dealership
    everyone = scheduler_health().runs
    assert (everyone.pending, everyone.missed) == (2, 2)
    assert everyone.oldest_pending_age >= dt.timedelta(hours=5)


def test_the_selector_costs_constant_queries(cast, in_process):
    def count():
        with dealership_context(cast.a), CaptureQueriesContext(connection) as queries:
            scheduler_health(cast.user_a)
        return len(queries)

    count()  # the user's access is read once, then cached on the user
    few = count()
    for state in State.values:
        JobRunFactory.create_batch(3, dealership=cast.a, state=state)
    passed(1)
    passed(1, name="reports", interval=60)
    assert count() == few


# --- the job-runs page ----------------------------------------------------------------------


def test_the_page_shows_the_panel_and_no_banner_when_fresh(cast, runs, client_for, in_process):
    passed(2)
    page = client_for(cast.user_a).get("/platform/jobs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="scheduler-health"' in html
    assert 'data-testid="dispatcher-down"' not in html
    panel = html.split('data-testid="scheduler-health"')[1]
    assert "2\xa0分钟前" in panel  # "2 minutes ago", in Chinese
    assert "进程内" in panel  # the broker: in process
    assert 'data-count="pending">1<' in panel and 'data-count="missed">1<' in panel
    assert 'data-count="failed_retrying">1<' in panel and 'data-count="failed_given_up">1<' in panel
    assert "2\xa0小时" in panel  # the oldest pending run's age


def test_an_overdue_dispatcher_turns_the_page_red(cast, client_for, in_process):
    passed(30)
    c = client_for(cast.user_a)
    c.post("/i18n/setlang/", {"language": "en", "next": "/platform/jobs/"})
    html = c.get("/platform/jobs/").content.decode()
    banner = html.split('data-testid="dispatcher-down"')[1].split("</div>")[0]
    assert "alert-danger" in html.split('data-testid="dispatcher-down"')[0][-80:]
    assert "Scheduled work is not being dispatched: the job dispatcher last ran at" in banner
    assert "expected every 300 seconds" in banner
    assert "Check that Celery beat / run_scheduler is running." in banner


def test_a_dispatcher_that_never_ran_turns_the_page_red(cast, client_for, in_process):
    html = client_for(cast.user_a).get("/platform/jobs/").content.decode()
    assert 'data-testid="dispatcher-down"' in html
    assert "任务调度器从未运行" in html


def test_an_unreachable_broker_turns_the_page_red(cast, client_for, broker_down):
    passed(1)
    html = client_for(cast.user_a).get("/platform/jobs/").content.decode()
    assert 'data-testid="dispatcher-down"' in html and 'data-testid="broker-down"' in html
    assert CLOSED_BROKER not in html and "127.0.0.1" not in html


def test_the_page_counts_only_the_users_dealerships(cast, runs, client_for, in_process):
    panel = client_for(cast.user_b).get("/platform/jobs/").content.decode()
    panel = panel.split('data-testid="scheduler-health"')[1]
    assert 'data-count="pending">1<' in panel and 'data-count="missed">1<' in panel
    assert 'data-count="running">0<' in panel and 'data-count="failed_given_up">0<' in panel
    hq = client_for(cast.hq_user).get("/platform/jobs/").content.decode()
    hq = hq.split('data-testid="scheduler-health"')[1]
    assert 'data-count="pending">2<' in hq and 'data-count="missed">2<' in hq


def test_the_page_filters_missed_runs(cast, runs, client_for, in_process):
    page = client_for(cast.user_a).get("/platform/jobs/?state=missed")
    rows = list(page.context["table"].page.object_list)
    assert [row.record.pk for row in rows] == [runs["a_missed"].pk]
    assert '<option value="missed" selected>' in page.content.decode()
    # an unknown state filters nothing out
    every = client_for(cast.user_a).get("/platform/jobs/?state=nonsense")
    assert len(every.context["table"].page.object_list) == 6


def test_the_page_stays_closed_to_who_may_not_see_job_runs(cast, technician, client_for):
    assert client_for(technician).get("/platform/jobs/").status_code == 403


def test_the_page_costs_constant_queries(cast, client_for, in_process):
    c = client_for(cast.user_a)
    JobRunFactory(dealership=cast.a)  # a page with rows (an empty table skips a query)
    with CaptureQueriesContext(connection) as few:
        c.get("/platform/jobs/")
    for state in State.values:
        JobRunFactory.create_batch(3, dealership=cast.a, state=state)
    passed(1)
    passed(1, name="deliveries", interval=60)
    with CaptureQueriesContext(connection) as many:
        c.get("/platform/jobs/")
    assert len(many) == len(few)


def test_the_detail_shows_the_next_attempt_and_the_worker(cast, client_for):
    run = JobRunFactory(
        dealership=cast.a,
        state=State.FAILED,
        attempts=1,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5),
        worker="worker-1:4242",
    )
    html = client_for(cast.user_a).get(f"/platform/jobs/{run.pk}/").content.decode()
    assert 'data-testid="next-attempt"' in html and "worker-1:4242" in html
    quiet = JobRunFactory(dealership=cast.a)
    html = client_for(cast.user_a).get(f"/platform/jobs/{quiet.pk}/").content.decode()
    assert 'data-testid="next-attempt"' not in html and 'data-testid="worker"' not in html


# --- the API --------------------------------------------------------------------------------


def test_anonymous_gets_only_the_checks(cast, runs, in_process):
    passed(1)
    response = APIClient().get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "in_process", "dispatcher": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_anonymous_gets_503_when_the_dispatcher_is_overdue(cast, in_process):
    passed(60)
    response = APIClient().get(URL)
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "broker": "in_process", "dispatcher": "overdue"},
    }


def test_an_unreachable_broker_is_degraded_and_names_nothing(cast, api_for, broker_down):
    passed(1)
    response = APIClient().get(URL)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down", "dispatcher": "ok"}
    detailed = api_for(cast.user_a).get(URL)
    assert detailed.status_code == 503 and detailed.json()["checks"]["broker"] == "down"
    for text in (response.content.decode(), detailed.content.decode()):
        assert "redis" not in text.lower() and "127.0.0.1" not in text


def test_a_user_who_sees_job_runs_gets_the_details_of_their_dealerships(
    cast, runs, api_for, in_process
):
    passed(1)
    passed(3, name="deliveries", interval=60)
    body = api_for(cast.user_a).get(URL).json()
    assert body["status"] == "degraded"  # the message dispatcher is 3 minutes late
    assert body["checks"]["dispatcher"] == "overdue"
    assert [(d["name"], d["interval"], d["overdue"]) for d in body["dispatchers"]] == [
        ("jobs", 300, False),
        ("deliveries", 60, True),
    ]
    assert all(
        set(d) == {"name", "last_pass_at", "interval", "overdue"} for d in body["dispatchers"]
    )
    counts = body["job_runs"]
    assert {k: counts[k] for k in counts if k.startswith(("p", "r", "f", "m"))} == {
        "pending": 1,
        "running": 1,
        "failed_retrying": 1,
        "failed_given_up": 1,
        "missed": 1,
    }
    assert 7200 <= counts["oldest_pending_age_seconds"] < 7500
    # B's GM: B's runs only; HQ of group 1: A's and B's
    theirs = api_for(cast.user_b).get(URL).json()["job_runs"]
    assert (theirs["pending"], theirs["running"], theirs["missed"]) == (1, 0, 1)
    assert theirs["oldest_pending_age_seconds"] >= 5 * 3600
    hq = api_for(cast.hq_user).get(URL).json()["job_runs"]
    assert (hq["pending"], hq["missed"]) == (2, 2)
    c_gm = api_for(cast.user_c).get(URL).json()["job_runs"]
    assert (c_gm["pending"], c_gm["missed"], c_gm["oldest_pending_age_seconds"]) == (0, 0, None)


def test_the_details_name_no_host(cast, api_for, in_process):
    passed(1)
    text = api_for(cast.user_a).get(URL).content.decode()
    assert "dispatchers" in text
    assert socket.gethostname() not in text
    assert DispatcherPass.objects.get(name="jobs").host  # recorded, shown on the page only


def test_who_may_not_see_job_runs_gets_no_details(cast, runs, technician, api_for, client_for):
    passed(1)
    for client in (api_for(technician), api_for(cast.outsider), client_for(technician)):
        body = client.get(URL).json()
        assert set(body) == {"status", "checks"}, body


def test_the_session_of_the_browser_gets_the_details(cast, client_for, in_process):
    passed(1)
    body = client_for(cast.user_a).get(URL).json()
    assert body["status"] == "ok" and "job_runs" in body


def test_the_api_costs_constant_queries(cast, api_for, in_process):
    api = api_for(cast.user_a)
    with CaptureQueriesContext(connection) as few:
        api.get(URL)
    for state in State.values:
        JobRunFactory.create_batch(3, dealership=cast.a, state=state)
    passed(1)
    passed(1, name="reports", interval=60)
    with CaptureQueriesContext(connection) as many:
        api.get(URL)
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as anonymous:
        APIClient().get(URL)
    assert len(anonymous) <= 2
