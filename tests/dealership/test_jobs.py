"""Scheduled work: calendar rules, the dispatcher, idempotency, catch-up, failures, run_jobs."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone

from dealership import services
from dealership.jobs import Daily, Monthly, Weekly, is_working_day, register_job, unregister_job
from dealership.models import JobRun
from dealership.notifications.models import Notification
from dealership.tenancy import current_scope, system_context
from dealership.tenancy.models import TenantQuerySet
from tests.db_roles import lock_held_elsewhere
from tests.dealership.test_notification_delivery import _employee

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALLS: list[tuple[str, int, dt.date, object]] = []


@pytest.fixture
def only_test_jobs(monkeypatch):
    """The scheduler sees only the jobs a test registers, not the apps' own."""
    monkeypatch.setattr("dealership.jobs._jobs", {})


@pytest.fixture
def jobs(only_test_jobs):
    """Two jobs registered for the test (and no other): a daily 09:30 report and one that
    always fails."""
    CALLS.clear()

    @register_job("test.daily_report", Daily(at=dt.time(9, 30)), "Daily report")
    def daily_report(*, dealership, run_date):
        CALLS.append(("daily", dealership.pk, run_date, current_scope()))
        return f"report for {dealership.code}"

    @register_job("test.broken", Monthly(day=1, at=dt.time(8, 0)), "Always fails")
    def broken(*, dealership, run_date):
        raise RuntimeError("OEM portal refused the upload")

    yield
    unregister_job("test.daily_report")
    unregister_job("test.broken")


@pytest.fixture
def admin_manager(cast):
    return _employee(cast, "admin_mgr", "admin_manager")


def _runs(**filters):
    with system_context():
        return list(
            JobRun.objects.filter(**filters).order_by("dealership__code", "run_date", "job")
        )


def _at(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _make_opened(cast, day):
    from dealership.models import Dealership

    Dealership.objects.update(created_at=dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI))


class TestCalendar:
    def test_chinese_working_days_include_make_up_days(self):
        assert not is_working_day(dt.date(2026, 10, 1))  # National Day
        assert is_working_day(dt.date(2026, 1, 4))  # a Sunday made a working day

    def test_monthly_first_working_day_skips_holidays(self):
        first = Monthly(day=0)
        assert first.is_due_on(dt.date(2026, 1, 4)) and not first.is_due_on(dt.date(2026, 1, 2))
        assert first.is_due_on(dt.date(2026, 10, 8)) and not first.is_due_on(dt.date(2026, 10, 1))

    def test_monthly_last_day_and_weekly(self):
        assert Monthly(day=-1).is_due_on(dt.date(2026, 2, 28))
        assert Monthly(day=31).is_due_on(dt.date(2026, 4, 30))
        assert Weekly(weekday=0).is_due_on(dt.date(2026, 11, 23))
        assert not Weekly(weekday=0).is_due_on(dt.date(2026, 11, 24))


class TestDispatcher:
    def test_runs_only_after_the_local_due_time(self, cast, jobs):
        _make_opened(cast, dt.date(2026, 11, 23))
        enqueued = []
        services.jobs_dispatch(now=_at(2026, 11, 23, 9, 0), enqueue=lambda *a: enqueued.append(a))
        assert enqueued == [] and _runs(job="test.daily_report") == []
        services.jobs_dispatch(now=_at(2026, 11, 23, 9, 31), enqueue=lambda *a: enqueued.append(a))
        runs = _runs(job="test.daily_report")
        assert [(r.dealership_id, r.run_date) for r in runs] == [
            (d.pk, dt.date(2026, 11, 23)) for d in (cast.a, cast.b, cast.c)
        ]
        assert sorted(enqueued) == sorted((r.pk, r.dealership_id) for r in runs)

    def test_dispatching_twice_never_duplicates_work(self, cast, jobs):
        _make_opened(cast, dt.date(2026, 11, 23))
        now = _at(2026, 11, 23, 10, 0)

        def execute(run_id, dealership_id):
            with system_context():
                services.job_run_execute(job_run_id=run_id)

        services.jobs_dispatch(now=now, enqueue=execute)
        services.jobs_dispatch(now=now, enqueue=execute)
        services.jobs_dispatch(now=now + dt.timedelta(minutes=5), enqueue=execute)
        assert len(_runs(job="test.daily_report")) == 3
        assert len([c for c in CALLS if c[0] == "daily"]) == 3
        assert {r.state for r in _runs(job="test.daily_report")} == {JobRun.State.SUCCEEDED}

    def test_days_missed_during_downtime_are_caught_up(self, cast, jobs, settings):
        settings.JOBS_CATCHUP_DAYS = 7
        _make_opened(cast, dt.date(2026, 11, 1))
        services.jobs_dispatch(now=_at(2026, 11, 23, 8, 0), enqueue=lambda *a: None)
        days = sorted({r.run_date for r in _runs(job="test.daily_report", dealership=cast.a)})
        # the 7 previous days are due; today is not yet (before 09:30)
        assert days == [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(7)]

    def test_no_back_fill_before_the_dealership_opened(self, cast, jobs):
        _make_opened(cast, dt.date(2026, 11, 22))
        services.jobs_dispatch(now=_at(2026, 11, 23, 10, 0), enqueue=lambda *a: None)
        assert {r.run_date for r in _runs(job="test.daily_report")} == {
            dt.date(2026, 11, 22),
            dt.date(2026, 11, 23),
        }

    def test_jobs_run_in_the_dealerships_scope(self, cast, jobs):
        runs = services.jobs_run_for_date(
            run_date=dt.date(2026, 11, 23), dealerships=[cast.a], job_names=None
        )
        assert [r.state for r in runs] == [JobRun.State.SUCCEEDED]
        (_, dealership_id, _, scope) = CALLS[0]
        assert (
            dealership_id == cast.a.pk
            and scope.dealership_ids == {cast.a.pk}
            and not scope.is_system
        )

    def test_failure_is_recorded_and_retried_with_backoff_up_to_the_limit(
        self, cast, jobs, settings, admin_manager
    ):
        settings.JOBS_MAX_ATTEMPTS = 3
        settings.JOBS_RETRY_BASE_SECONDS = 300
        _make_opened(cast, dt.date(2026, 11, 1))

        def execute(run_id, dealership_id):
            with system_context():
                services.job_run_execute(job_run_id=run_id)

        def dispatch_at(minute):
            moment = _at(2026, 12, 1, 8, 0) + dt.timedelta(minutes=minute)
            with time_machine.travel(moment, tick=False):
                services.jobs_dispatch(now=timezone.now(), enqueue=execute)
            (run,) = _runs(job="test.broken", dealership=cast.a, run_date=dt.date(2026, 12, 1))
            return run

        run = dispatch_at(0)
        assert (run.state, run.attempts) == (JobRun.State.FAILED, 1)
        assert "OEM portal refused the upload" in run.error
        assert run.next_attempt_at == _at(2026, 12, 1, 8, 5)  # 5 minutes later
        assert dispatch_at(4).attempts == 1  # not before its next attempt
        run = dispatch_at(5)
        assert run.attempts == 2 and run.next_attempt_at == _at(2026, 12, 1, 8, 15)  # doubled
        run = dispatch_at(15)
        assert (run.state, run.attempts, run.next_attempt_at) == (JobRun.State.FAILED, 3, None)
        assert dispatch_at(120).attempts == 3  # it gave up
        # the owners heard at the first failure and when it gave up, not in between
        with system_context():
            subjects = sorted(
                Notification.objects.filter(
                    dealership=cast.a, kind="platform.job_failed"
                ).values_list("subject_en", flat=True)
            )
        assert subjects and {s.split(":")[0] for s in subjects} == {
            "Scheduled job failed",
            "Scheduled job failed and will be retried",
        }

    def test_a_redelivered_message_does_not_retry_before_the_backoff(self, cast, jobs, settings):
        """A failed run's message delivered again (a retried task) finds its next attempt not due
        yet and does nothing."""
        settings.JOBS_RETRY_BASE_SECONDS = 300
        (run,) = services.job_runs_ensure(
            dealership=cast.a, run_date=dt.date(2026, 12, 1), jobs=[services.get_job("test.broken")]
        )
        with system_context():
            failed = services.job_run_execute(job_run_id=run.pk)
            assert (failed.state, failed.attempts) == (JobRun.State.FAILED, 1)
            assert services.job_run_execute(job_run_id=run.pk) is None
            assert JobRun.objects.get(pk=run.pk).attempts == 1
            with time_machine.travel(failed.next_attempt_at, tick=False):
                assert services.job_run_execute(job_run_id=run.pk).attempts == 2

    def test_a_failing_dealership_never_blocks_the_others(self, cast, jobs):
        _make_opened(cast, dt.date(2026, 11, 23))

        @register_job("test.poison_in_a", Daily(at=dt.time(9, 0)), "Fails in one dealership")
        def poison(*, dealership, run_date):
            if dealership.pk == cast.a.pk:
                raise RuntimeError("poison")
            CALLS.append(("poison", dealership.pk, run_date, None))

        def execute(run_id, dealership_id):
            with system_context():
                services.job_run_execute(job_run_id=run_id)

        services.jobs_dispatch(now=_at(2026, 11, 23, 10, 0), enqueue=execute)
        states = {
            (r.dealership_id, r.state)
            for r in _runs(job="test.poison_in_a", run_date=dt.date(2026, 11, 23))
        }
        assert states == {
            (cast.a.pk, JobRun.State.FAILED),
            (cast.b.pk, JobRun.State.SUCCEEDED),
            (cast.c.pk, JobRun.State.SUCCEEDED),
        }
        assert {r.state for r in _runs(job="test.daily_report")} == {JobRun.State.SUCCEEDED}

    def test_the_jobs_writes_and_its_success_commit_together(self, cast, jobs, settings):
        """A run whose success cannot be recorded keeps none of its writes: the state update
        is in the job's transaction."""
        from dealership.models import AuditEntry

        @register_job("test.writes", Daily(at=dt.time(0, 0)), "Writes an audit entry")
        def writes(*, dealership, run_date):
            AuditEntry.objects.create(
                dealership=dealership, action=AuditEntry.Action.CREATE, object_repr="effect"
            )

        (run,) = services.job_runs_ensure(
            dealership=cast.a,
            run_date=dt.date(2026, 11, 23),
            jobs=[services.get_job("test.writes")],
        )
        real_update = TenantQuerySet.update

        def refuse_success(qs, **values):
            if values.get("state") == JobRun.State.SUCCEEDED:
                raise OperationalError("server closed the connection")
            return real_update(qs, **values)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(TenantQuerySet, "update", refuse_success)
            with system_context():
                finished = services.job_run_execute(job_run_id=run.pk)
        assert finished.state == JobRun.State.FAILED
        assert "server closed the connection" in finished.error
        with system_context():
            assert not AuditEntry.objects.filter(object_repr="effect").exists()

    def test_a_run_lost_by_a_dead_worker_is_retried(self, cast, jobs, settings):
        """A run left ``running`` whose worker holds no lock (PostgreSQL: its connection is
        gone) is released at the next dispatch, however recent."""
        (run,) = services.job_runs_ensure(
            dealership=cast.a,
            run_date=dt.date(2026, 11, 23),
            jobs=[j for j in [services.get_job("test.daily_report")]],
        )
        with system_context():
            JobRun.objects.filter(pk=run.pk).update(
                state=JobRun.State.RUNNING, attempts=1, started_at=timezone.now()
            )
        assert services.job_runs_release_stale(now=timezone.now()) == 1
        with system_context():
            released = JobRun.objects.get(pk=run.pk)
            assert released.state == JobRun.State.FAILED
            assert "stopped before it finished" in released.error
            finished = services.job_run_execute(job_run_id=run.pk)
        assert finished.state == JobRun.State.SUCCEEDED and finished.attempts == 2

    def test_a_run_whose_worker_holds_its_lock_is_left_alone(self, cast, jobs):
        (run,) = services.job_runs_ensure(
            dealership=cast.a,
            run_date=dt.date(2026, 11, 23),
            jobs=[services.get_job("test.daily_report")],
        )
        with system_context():
            JobRun.objects.filter(pk=run.pk).update(
                state=JobRun.State.RUNNING, attempts=1, started_at=timezone.now()
            )
        with lock_held_elsewhere(services.LOCK, run.pk):
            assert services.job_runs_release_stale(now=timezone.now()) == 0
            with system_context():
                assert services.job_run_execute(job_run_id=run.pk) is None
        with system_context():
            assert JobRun.objects.get(pk=run.pk).state == JobRun.State.RUNNING

    def test_a_claimed_run_cannot_be_claimed_again(self, cast, jobs):
        (run,) = services.job_runs_ensure(
            dealership=cast.a,
            run_date=dt.date(2026, 11, 23),
            jobs=[services.get_job("test.daily_report")],
        )
        with system_context():
            assert services.job_run_claim(job_run_id=run.pk) == 1
            with lock_held_elsewhere(services.LOCK, run.pk):
                # its worker is alive: nobody else can execute it
                assert services.job_run_execute(job_run_id=run.pk) is None

    def test_days_beyond_the_catch_up_window_are_recorded_as_missed(
        self, cast, jobs, settings, admin_manager
    ):
        settings.JOBS_CATCHUP_DAYS = 2
        _make_opened(cast, dt.date(2026, 11, 1))
        services.jobs_dispatch(now=_at(2026, 11, 10, 10, 0), enqueue=lambda *a: None)
        # the dispatcher is down from the 10th at 10:00 to the 20th at 10:00
        services.jobs_dispatch(now=_at(2026, 11, 20, 10, 0), enqueue=lambda *a: None)
        runs = _runs(job="test.daily_report", dealership=cast.a)
        by_day = {r.run_date: r.state for r in runs}
        assert [d for d, s in sorted(by_day.items()) if s == JobRun.State.MISSED] == [
            dt.date(2026, 11, 11) + dt.timedelta(days=i) for i in range(7)
        ]  # the 11th to the 17th; the 18th to the 20th are in the window
        assert all(by_day[dt.date(2026, 11, d)] == JobRun.State.PENDING for d in (18, 19, 20))
        assert by_day[dt.date(2026, 11, 10)] == JobRun.State.PENDING  # from the earlier pass
        with system_context():
            missed = Notification.objects.filter(dealership=cast.a, subject_en__contains="missed")
            assert [n.subject_en for n in missed] == [
                "7 scheduled runs were missed from 2026-11-11 to 2026-11-17: the scheduler was down"
            ]
        # a second pass reports nothing again; missed runs are never enqueued by themselves
        enqueued = []
        services.jobs_dispatch(now=_at(2026, 11, 20, 10, 5), enqueue=lambda *a: enqueued.append(a))
        with system_context():
            assert missed.count() == 1
            missed_ids = set(
                JobRun.objects.filter(state=JobRun.State.MISSED).values_list("pk", flat=True)
            )
        assert missed_ids and not missed_ids & {run_id for run_id, _ in enqueued}
        # an operator runs a missed day with run_jobs
        (run,) = services.jobs_run_for_date(
            run_date=dt.date(2026, 11, 12), dealerships=[cast.a], job_names=["test.daily_report"]
        )
        assert run.state == JobRun.State.SUCCEEDED

    def test_missed_days_start_when_the_dealership_opened(self, cast, jobs, settings):
        settings.JOBS_CATCHUP_DAYS = 2
        _make_opened(cast, dt.date(2026, 11, 1))
        services.jobs_dispatch(now=_at(2026, 11, 1, 10, 0), enqueue=lambda *a: None)
        _make_opened(cast, dt.date(2026, 11, 15))
        services.jobs_dispatch(now=_at(2026, 11, 20, 10, 0), enqueue=lambda *a: None)
        missed = [
            r.run_date for r in _runs(job="test.daily_report", dealership=cast.a, state="missed")
        ]
        assert missed == [dt.date(2026, 11, 15), dt.date(2026, 11, 16), dt.date(2026, 11, 17)]

    def test_each_pass_is_recorded(self, cast, jobs):
        from dealership.models import DispatcherPass

        services.jobs_dispatch(now=_at(2026, 11, 20, 10, 0), enqueue=lambda *a: None, interval=30)
        beat = DispatcherPass.objects.get(name="jobs")
        assert beat.last_pass_at == _at(2026, 11, 20, 10, 0) and beat.interval == 30


class TestRunJobsCommand:
    def test_runs_the_days_jobs_once(self, cast, jobs):
        out = StringIO()
        with pytest.raises(CommandError, match="1 job run"):
            call_command("run_jobs", "--date", "2026-12-01", "--dealership", "a", stdout=out)
        text = out.getvalue()
        assert "test.daily_report" in text and "succeeded" in text
        assert "test.broken" in text and "OEM portal refused the upload" in text
        call_command("run_jobs", "--date", "2026-12-02", stdout=StringIO())
        call_command("run_jobs", "--date", "2026-12-02", stdout=StringIO())
        assert len([c for c in CALLS if c[2] == dt.date(2026, 12, 2)]) == 3

    def test_bad_arguments_get_clear_messages(self, cast, jobs):
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("run_jobs", "--date", "23/11/2026")
        with pytest.raises(CommandError, match="No active dealership has the code 'nope'"):
            call_command("run_jobs", "--date", "2026-11-23", "--dealership", "nope")
        with pytest.raises(CommandError, match=r"No job named 'crm\.nothing'"):
            call_command("run_jobs", "--date", "2026-11-23", "--job", "crm.nothing")

    def test_run_scheduler_once_executes_due_jobs_in_process(
        self, cast, jobs, django_capture_on_commit_callbacks
    ):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        _make_opened(cast, yesterday)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_scheduler", "--once", stdout=StringIO())
        runs = _runs(job="test.daily_report", run_date=yesterday)
        assert len(runs) == 3
        assert {r.state for r in runs} == {JobRun.State.SUCCEEDED}
