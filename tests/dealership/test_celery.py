"""Celery on the real Redis broker: a worker picks the job run up and runs it in its tenant."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from dealership.celery import app
from dealership.jobs import Daily, register_job, unregister_job
from dealership.models import JobRun
from dealership.queue import enqueue_job_run
from dealership.services import job_runs_ensure
from dealership.tenancy import current_scope, system_context
from tests.cast import build_cast

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_app():
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set: `make test` runs the suite on Redis.")
    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL)
    app.control.purge()  # messages left by an earlier, interrupted run
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(previous)


def test_a_job_run_travels_through_redis_and_runs_in_its_tenant(redis_app):
    seen = []

    @register_job("test.via_redis", Daily(), "Runs through Redis")
    def via_redis(*, dealership, run_date):
        seen.append((current_scope().dealership_ids, threading.get_ident()))
        return "done through the broker"

    try:
        cast = build_cast()
        (run,) = job_runs_ensure(
            dealership=cast.b, run_date=dt.date(2026, 11, 23), jobs=[_job("test.via_redis")]
        )
        enqueue_job_run(run.pk, cast.b.pk)  # outside a transaction: sent at once
        enqueue_job_run(run.pk, cast.b.pk)  # a duplicate message must not run it twice
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with system_context():
                run.refresh_from_db()
            if run.state == JobRun.State.SUCCEEDED and len(seen) >= 1:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        assert run.state == JobRun.State.SUCCEEDED
        assert run.result == "done through the broker"
        assert seen == [({cast.b.pk}, seen[0][1])]
        assert seen[0][1] != threading.get_ident(), "ran in the worker, not eagerly in the test"
        assert run.attempts == 1
    finally:
        unregister_job("test.via_redis")


def _job(name):
    from dealership.jobs import get_job

    return get_job(name)
