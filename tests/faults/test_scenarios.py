"""Scheduled work survives faults, proven with real processes: a Celery worker (prefork pool),
Celery beat or the ``run_scheduler`` dispatcher, Redis and PostgreSQL, each killed, flushed or
restarted while work is under way. The fault job's effect is a row written in the run's
transaction, so "exactly once" is counted (``Stage.effects``), not assumed.

Each test waits for at most about a minute for its runs to settle; a healthy run of the whole
file takes two to three minutes, most of it starting workers.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest

# django_db: pytest-django then creates the test database, which the stage copies
pytestmark = [pytest.mark.faults, pytest.mark.django_db]

DAY = dt.timedelta(days=1)


def test_a_pool_child_killed_mid_run_is_run_again_and_takes_effect_once(stage):
    today = stage.today()
    stage.control(sleep=3)
    stage.procs.worker()
    stage.procs.dispatcher("--interval", "1")
    child = stage.wait_started("a", today)
    os.kill(child, signal.SIGKILL)

    runs = stage.wait_settled(2)
    assert {key: run[0] for key, run in runs.items()} == {
        ("a", today): "succeeded",
        ("b", today): "succeeded",
    }
    assert runs["a", today][1] == 2, "the killed attempt, then the one that finished"
    assert stage.effects() == {("a", today): 1, ("b", today): 1}


def test_the_whole_worker_killed_and_restarted(stage):
    today = stage.today()
    stage.control(sleep=3)
    worker = stage.procs.worker()
    stage.procs.dispatcher("--interval", "1")
    stage.wait_started("a", today)
    stage.procs.kill(worker)  # the main process and its pool, mid-run
    assert stage.states()["a", today] == "running"
    stage.procs.worker()

    runs = stage.wait_settled(2)
    assert {run[0] for run in runs.values()} == {"succeeded"}
    assert runs["a", today][1] >= 2
    assert stage.effects() == {("a", today): 1, ("b", today): 1}


def test_redis_flushed_and_restarted_with_runs_queued(stage):
    today = stage.today()
    stage.open("a", today - 2 * DAY)
    once = stage.procs.dispatcher("--once")  # no worker yet: the runs wait in the queue
    assert once.wait(timeout=60) == 0
    redis = stage.servers.redis
    assert redis.queued() == 4 and set(stage.states().values()) == {"pending"}

    redis.command("FLUSHALL")
    redis.kill()
    redis.start()
    assert redis.queued() == 0, "the queued runs are gone with the broker"

    stage.procs.worker()
    stage.procs.dispatcher("--interval", "1")  # derives the due work from PostgreSQL again
    runs = stage.wait_settled(4)
    assert {run[0] for run in runs.values()} == {"succeeded"}
    assert {run[1] for run in runs.values()} == {1}
    assert stage.effects() == {
        ("a", today - 2 * DAY): 1,
        ("a", today - DAY): 1,
        ("a", today): 1,
        ("b", today): 1,
    }


def test_the_dispatcher_down_for_three_days(stage):
    """The dispatcher's last pass was three days ago; A opened ten days ago, B yesterday. With a
    catch-up window of one day, the day before it is recorded as missed and reported, the days
    in the window run once each, and nothing runs before B opened."""
    today = stage.today()
    stage.open("a", today - 10 * DAY)
    stage.open("b", today - DAY)
    stage.sql(
        "INSERT INTO dealership_jobrun (dealership_id, job, run_date, state, attempts, "
        "created_at, result, error, worker) "
        "SELECT d.id, 'faults.effect', day, 'succeeded', 1, now(), '', '', '' "
        "FROM dealership_dealership d, generate_series(%s::date, %s::date, '1 day') day "
        "WHERE d.code = 'a'",
        (today - 10 * DAY, today - 3 * DAY),
    )
    stage.sql(
        "INSERT INTO dealership_dispatcherpass (name, last_pass_at, interval, host) "
        "VALUES ('jobs', now() - interval '3 days', 1, 'gone')"
    )
    stage.procs.worker()
    stage.procs.dispatcher("--interval", "1", JOBS_CATCHUP_DAYS="1")

    runs = stage.wait_settled(8 + 3 + 2)
    states = {key: run[0] for key, run in runs.items()}
    assert states["a", today - 2 * DAY] == "missed"
    assert "catch-up window of 1 days" in runs["a", today - 2 * DAY][2]
    for key in [("a", today - DAY), ("a", today), ("b", today - DAY), ("b", today)]:
        assert states[key] == "succeeded", key
    assert not [key for key in states if key[0] == "b" and key[1] < today - DAY]
    assert stage.effects() == {
        ("a", today - DAY): 1,
        ("a", today): 1,
        ("b", today - DAY): 1,
        ("b", today): 1,
    }
    (told,) = stage.sql(
        "SELECT n.subject_en FROM dealership_notification n "
        "JOIN dealership_dealership d ON d.id = n.dealership_id "
        "WHERE d.code = 'a' AND n.subject_en LIKE %s",
        ("%missed%",),
    )
    assert told == (
        f"1 scheduled runs were missed from {today - 2 * DAY} to {today - 2 * DAY}: "
        "the scheduler was down",
    )


def test_two_beat_processes_by_mistake_never_duplicate_a_run(stage):
    today = stage.today()
    for code in ("a", "b"):
        stage.open(code, today - 2 * DAY)
    stage.procs.worker()
    stage.procs.beat()
    stage.procs.beat()
    stage.wait_settled(6)
    time.sleep(3)  # both keep dispatching: nothing more may happen
    runs = stage.runs()
    assert len(runs) == 6 and {run[0] for run in runs.values()} == {"succeeded"}
    assert {run[1] for run in runs.values()} == {1}, "no run was even attempted twice"
    assert set(stage.effects().values()) == {1} and len(stage.effects()) == 6


def test_a_failing_job_is_retried_with_backoff_then_given_up_and_blocks_nobody(stage):
    today = stage.today()
    stage.control(fail_in=["a"])
    stage.procs.worker(JOBS_MAX_ATTEMPTS="3")
    stage.procs.dispatcher("--interval", "1", JOBS_MAX_ATTEMPTS="3")

    runs = stage.wait_settled(2)
    state, attempts, error, next_attempt_at = runs["a", today]
    assert (state, attempts, next_attempt_at) == ("failed", 3, None)
    assert "fault injected: the OEM portal is down for a" in error
    assert runs["b", today][0] == "succeeded"
    assert stage.effects() == {("b", today): 1}, "a failed run keeps none of its writes"
    started = [stage.marker("a", today, n).stat().st_mtime for n in (1, 2, 3)]
    assert started[1] - started[0] >= 1 and started[2] - started[1] >= 2, "1 s, then 2 s"
    told = stage.sql(
        "SELECT n.subject_en FROM dealership_notification n "
        "JOIN dealership_dealership d ON d.id = n.dealership_id "
        "WHERE d.code = 'a' AND n.kind = 'platform.job_failed' ORDER BY n.id"
    )
    assert [subject for (subject,) in told] == [
        f"Scheduled job failed and will be retried: Fault-suite effect ({today})",
        f"Scheduled job failed: Fault-suite effect ({today})",
    ]


def test_postgresql_restarted_under_a_running_worker(stage):
    today = stage.today()
    stage.control(sleep=3)
    stage.procs.worker()
    stage.procs.dispatcher("--interval", "1")
    stage.wait_started("a", today)
    stage.servers.postgres.restart()
    restarted = time.monotonic()

    runs = stage.wait_settled(2, timeout=60)
    assert time.monotonic() - restarted < 30, "no run hangs"
    assert {run[0] for run in runs.values()} == {"succeeded"}
    assert runs["a", today][1] == 2
    # the interrupted attempt's write went with its transaction
    assert stage.effects() == {("a", today): 1, ("b", today): 1}


@pytest.mark.parametrize(
    ("ignores_the_stop", "error"),
    [
        # stopped at the soft limit: the job gets SoftTimeLimitExceeded and its run is recorded
        (False, "exceeded its time limit of 2 seconds"),
        # it catches that and goes on: the pool child is killed at the hard limit, and the next
        # dispatcher pass releases the run (its lock went with the child's connection)
        (True, "stopped before it finished"),
    ],
    ids=["stopped", "killed"],
)
def test_a_run_past_its_time_limit_is_stopped_and_recorded(stage, ignores_the_stop, error):
    today = stage.today()
    stage.control(sleep=60, ignore_soft_limit=ignores_the_stop)
    limits = {"JOBS_TIME_LIMIT": "2", "JOBS_TIME_LIMIT_GRACE": "2", "JOBS_MAX_ATTEMPTS": "1"}
    stage.procs.worker(**limits)
    stage.procs.dispatcher("--interval", "1", **limits)

    runs = stage.wait_settled(2, timeout=45)
    for key in [("a", today), ("b", today)]:
        state, attempts, message, _ = runs[key]
        assert (state, attempts) == ("failed", 1), "its claim released, not left running"
        assert error in message
    assert stage.effects() == {}
