"""The fault suite's job, registered in its worker and dispatcher processes instead of the
apps' own jobs.

``faults.effect`` records its effect as a row of ``fault_effect`` (dealership, day, attempt,
process) inside the run's transaction, so the suite *counts* how often a run took effect. How
it behaves is read from the one row of ``fault_control`` at every run: how long it sleeps,
which dealerships it fails in, and whether it ignores the soft time limit. Before sleeping it
writes its process id to ``$FAULTS_DIR/started-<dealership>-<day>-<attempt>.pid``, so a test
knows which pool child to kill and when.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection

from dealership import jobs
from dealership.models import JobRun

JOB = "faults.effect"


def _effect(*, dealership, run_date):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sleep, fail_in, ignore_soft_limit FROM fault_control WHERE id = 1")
        sleep, fail_in, ignore_soft_limit = cursor.fetchone()
        attempt = JobRun.objects.get(job=JOB, run_date=run_date).attempts
        cursor.execute(
            "INSERT INTO fault_effect (dealership_id, run_date, attempt, pid) "
            "VALUES (%s, %s, %s, %s)",
            [dealership.pk, run_date, attempt, os.getpid()],
        )
    marker = Path(os.environ["FAULTS_DIR"]) / f"started-{dealership.code}-{run_date}-{attempt}.pid"
    marker.write_text(str(os.getpid()))
    if dealership.code in fail_in:
        raise RuntimeError(f"fault injected: the OEM portal is down for {dealership.code}")
    deadline = time.monotonic() + sleep
    while time.monotonic() < deadline:
        try:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))
        except SoftTimeLimitExceeded:
            if not ignore_soft_limit:
                raise
    return f"effect for {dealership.code} on {run_date}"


def register() -> None:
    """Only the fault job is scheduled in the fault suite's processes."""
    jobs._jobs.clear()
    jobs.register_job(JOB, jobs.Daily(at=dt.time(0, 0)), "Fault-suite effect", owners=("gm",))(
        _effect
    )
