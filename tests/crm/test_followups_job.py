"""The daily job ``crm.followup_list``: rows pass scheduled → due → overdue by date, each
specialist is told once a day how many calls are due and overdue, rows nobody holds go to a
specialist or are reported to the CRM managers; run twice = once; after downtime it catches up
once; the dealership chooses the time it runs."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.models import FollowUp, FollowUpSettings
from crm.notifications import FOLLOWUP_LIST, FOLLOWUP_UNASSIGNED
from dealership import services as platform
from dealership.jobs import Daily, get_job
from dealership.models import JobRun
from dealership.tenancy import dealership_context, system_context
from tests.crm.conftest import make_event, make_owner
from tests.crm.test_followups_support import (
    MONDAY,
    at,
    followup_of,
    frozen,
    notes,
    opened,
    publish,
    reload,
    run_job,
)
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _event_on(cast, day, **kwargs):
    """An event reported on its own day N (as sales and after-sales report them)."""
    with frozen(day, 11):
        return make_event(cast.a, occurred_on=day, **kwargs)


def _list_counts(cast, day) -> dict[int, tuple[int, int]]:
    """Expected {specialist: (due, overdue)} from the rows themselves."""
    from crm.selectors.followups import call_list_q

    counts: dict[int, list[int]] = {}
    with dealership_context(cast.a):
        for row in FollowUp.objects.filter(call_list_q(day), status__in=["due", "overdue"]):
            pair = counts.setdefault(row.specialist_id, [0, 0])
            pair[0 if row.window_end >= day else 1] += 1
    return {k: tuple(v) for k, v in counts.items()}


def test_the_job_is_registered_daily_at_the_dealerships_list_time(cast):
    job = get_job("crm.followup_list")
    assert job.schedule == Daily(at=dt.time(8, 0))
    assert job.owners == ("customer_relations_manager",)
    with system_context():
        assert job.time_for(cast.a) == dt.time(8, 0)  # no rules saved yet: the default
    with dealership_context(cast.a):
        FollowUpSettings.objects.create(dealership=cast.a, list_time=dt.time(7, 15))
    with system_context():
        assert job.time_for(cast.a) == dt.time(7, 15)
        assert job.time_for(cast.b) == dt.time(8, 0)


def test_the_list_moves_rows_by_date_and_tells_each_specialist_once(cast, team):
    consultant = team.sales_consultant
    overdue = _event_on(cast, MONDAY - 6 * DAY, staff=consultant)
    due = [_event_on(cast, MONDAY - 3 * DAY, staff=consultant) for _ in range(3)]
    service = _event_on(cast, MONDAY - 3 * DAY, kind="service", staff=team.service_advisor)
    later = _event_on(cast, MONDAY - DAY, staff=consultant)
    no_consent = make_owner(cast.a, consultant, consent_call=False)
    not_called = _event_on(cast, MONDAY - 4 * DAY, customer=no_consent, staff=consultant)
    assert followup_of(cast.a, overdue).status == "scheduled"  # nobody ran the job yet

    with frozen(MONDAY, 8, 5):
        result = publish(cast.a, MONDAY)
        assert "5 joined the list, 1 overdue" in result
        status = {e: reload(cast.a, followup_of(cast.a, e)).status for e in (overdue, later)}
        assert status == {overdue: "overdue", later: "scheduled"}
        assert {followup_of(cast.a, e).status for e in [*due, service]} == {"due"}
        assert followup_of(cast.a, not_called).status == "not_called"
        assert followup_of(cast.a, due[0]).published_on == MONDAY
        expected = _list_counts(cast, MONDAY)
        told = notes(cast.a, FOLLOWUP_LIST)
        assert sorted(uid for uid, _key, _subject in told) == sorted(expected)
        assert team.service_followup_specialist.pk in expected
        for uid, key, subject in told:
            assert key == f"crm.followup_list:{uid}:2030-03-04"
            d, o = expected[uid]
            assert subject == f"Follow-up calls today: {d} due, {o} overdue"
        # the job again (a retry, a second worker, run_jobs by hand): nothing moves, nobody told
        assert "0 joined the list, 0 overdue" in publish(cast.a, MONDAY)
        assert notes(cast.a, FOLLOWUP_LIST) == told
        assert followup_of(cast.a, overdue).status == "overdue"


def _three_rows(cast, team):
    """Rows whose lists the skipped days would have changed: N = -7 (due on -4, overdue on
    -1), N = -6 (due on -3, overdue on 0), N = -5 (due on -2, still due on 0)."""
    staff = team.sales_consultant
    return [_event_on(cast, MONDAY - n * DAY, staff=staff) for n in (7, 6, 5)]


def test_after_three_days_without_the_job_one_run_catches_up_once(cast, team):
    first, second, third = _three_rows(cast, team)
    with frozen(MONDAY - 4 * DAY, 8, 5):
        publish(cast.a, MONDAY - 4 * DAY)
    before = notes(cast.a, FOLLOWUP_LIST)
    assert {key[-10:] for _uid, key, _s in before} == {"2030-02-28"}
    # the scheduler was down on -3, -2 and -1; on Monday one run does what they would have
    with frozen(MONDAY, 8, 5):
        result = publish(cast.a, MONDAY)
        assert "2 joined the list, 2 overdue" in result  # each row moved once
        assert [followup_of(cast.a, e).status for e in (first, second, third)] == [
            "overdue",
            "overdue",
            "due",
        ]
        assert followup_of(cast.a, first).published_on == MONDAY - 4 * DAY
        assert followup_of(cast.a, third).published_on == MONDAY
        told = notes(cast.a, FOLLOWUP_LIST)
        today = [n for n in told if n[1].endswith("2030-03-04")]
        assert sorted(uid for uid, *_ in today) == sorted(_list_counts(cast, MONDAY))
        assert len(told) == len(before) + len(today)  # nothing for the days missed
        assert "0 joined the list, 0 overdue" in publish(cast.a, MONDAY)
        assert notes(cast.a, FOLLOWUP_LIST) == told


def _execute(run_ids):
    with system_context():
        for run_id in run_ids:
            platform.job_run_execute(job_run_id=run_id)


def _dispatch(now) -> list[int]:
    """A dispatcher pass at ``now``; the ids of the follow-up list's runs it enqueued."""
    enqueued: list[int] = []
    platform.jobs_dispatch(now=now, enqueue=lambda run_id, _d: enqueued.append(run_id))
    with system_context():
        wanted = set(
            JobRun.objects.filter(pk__in=enqueued, job="crm.followup_list").values_list(
                "pk", flat=True
            )
        )
    return [run_id for run_id in enqueued if run_id in wanted]


def _runs(cast):
    with system_context():
        return {
            r.run_date: r.state
            for r in JobRun.objects.filter(dealership=cast.a, job="crm.followup_list")
        }


def test_the_dispatcher_catches_up_the_days_missed_once_each(cast, team):
    opened(MONDAY - 5 * DAY)
    first, second, third = _three_rows(cast, team)
    with frozen(MONDAY - 4 * DAY, 8, 5):
        _execute(_dispatch(at(MONDAY - 4 * DAY, 8, 5)))
    assert _runs(cast) == {MONDAY - 5 * DAY: "succeeded", MONDAY - 4 * DAY: "succeeded"}
    with frozen(MONDAY, 8, 5):
        _execute(_dispatch(at(MONDAY, 8, 5)))
        assert _runs(cast) == {MONDAY - n * DAY: "succeeded" for n in range(6)}
        assert [followup_of(cast.a, e).status for e in (first, second, third)] == [
            "overdue",
            "overdue",
            "due",
        ]
        # the missed days did their work (the third row joined the list on its day, -2) …
        assert followup_of(cast.a, third).published_on == MONDAY - 2 * DAY
        # … but only the days' own runs told anyone: the one of -4 and today's
        days = sorted({key[-10:] for _uid, key, _s in notes(cast.a, FOLLOWUP_LIST)})
        assert days == ["2030-02-28", "2030-03-04"]
        told = notes(cast.a, FOLLOWUP_LIST)
        assert _dispatch(at(MONDAY, 8, 30)) == []  # nothing left to run
        assert notes(cast.a, FOLLOWUP_LIST) == told


def test_the_run_waits_for_the_dealerships_own_list_time(cast):
    opened(MONDAY)
    with dealership_context(cast.a):
        FollowUpSettings.objects.create(dealership=cast.a, list_time=dt.time(10, 30))
    _dispatch(at(MONDAY, 10, 0))
    with system_context():
        today = JobRun.objects.filter(job="crm.followup_list", run_date=MONDAY)
        assert set(today.values_list("dealership_id", flat=True)) == {cast.b.pk, cast.c.pk}
    _dispatch(at(MONDAY, 10, 31))
    with system_context():
        assert today.filter(dealership=cast.a).exists()


def test_run_jobs_twice_for_a_day_runs_it_once(cast, team):
    event = _event_on(cast, MONDAY - 3 * DAY, staff=team.sales_consultant)
    with frozen(MONDAY, 9):
        first = run_job(cast.a, MONDAY)
        assert first.state == "succeeded" and "1 joined the list" in first.result
        told = notes(cast.a, FOLLOWUP_LIST)
        assert len(told) == 1
        again = run_job(cast.a, MONDAY)
        assert again.pk == first.pk and again.result == first.result
        assert notes(cast.a, FOLLOWUP_LIST) == told
        assert followup_of(cast.a, event).status == "due"
    with system_context():
        assert JobRun.objects.filter(dealership=cast.a, job="crm.followup_list").count() == 1


def test_a_day_still_to_come_is_refused_and_nothing_moves(cast, team):
    event = _event_on(cast, MONDAY - 2 * DAY, staff=team.sales_consultant)
    with frozen(MONDAY, 9):
        run = run_job(cast.a, MONDAY + DAY)
        assert run.state == "failed" and "cannot be published before" in run.error
        assert followup_of(cast.a, event).status == "scheduled"
        assert notes(cast.a, FOLLOWUP_LIST) == []


def test_rows_nobody_holds_go_to_a_new_specialist_or_to_the_crm_managers_once(cast):
    managers = []
    for code in ("customer_relations_manager", "crm_director"):
        user = UserFactory(username=f"fl_{code}", name=code)
        hire(user, cast.a, code)
        managers.append(user.pk)
    event = _event_on(cast, MONDAY - 3 * DAY, staff=cast.user_a)
    assert followup_of(cast.a, event).specialist_id is None  # nobody held the position
    with frozen(MONDAY, 8, 5):
        publish(cast.a, MONDAY)
        publish(cast.a, MONDAY)
        told = notes(cast.a, FOLLOWUP_UNASSIGNED)
        assert sorted(uid for uid, *_ in told) == sorted(managers)
        assert {key for _uid, key, _s in told} == {"crm.followup_unassigned:2030-03-04"}
        assert told[0][2] == "Follow-up calls without a specialist on 2030-03-04: 1"
    specialist = UserFactory(username="fl_specialist", name="new specialist")
    hire(specialist, cast.a, "sales_followup_specialist")
    with frozen(MONDAY + DAY, 8, 5):
        assert "1 assigned" in publish(cast.a, MONDAY + DAY)
        assert followup_of(cast.a, event).specialist_id == specialist.pk
        assert notes(cast.a, FOLLOWUP_UNASSIGNED) == told  # not again: it has someone now
        assert [n[:2] for n in notes(cast.a, FOLLOWUP_LIST)] == [
            (specialist.pk, f"crm.followup_list:{specialist.pk}:2030-03-05")
        ]


def test_an_event_written_without_its_follow_up_gets_it_from_the_next_run(cast, team):
    """The safety net: an event written in bulk (an import) without its follow-up is on the
    call list after the next daily run, once."""
    from crm.models import CustomerEvent

    day = MONDAY
    with frozen(day, 11):
        event = make_event(cast.a, occurred_on=day - 4 * DAY, staff=team.sales_consultant)
    with dealership_context(cast.a):
        FollowUp.objects.filter(event=event).delete()
        assert not FollowUp.objects.filter(event=event).exists()
    with frozen(day, 9):
        first = publish(cast.a, day)
        publish(cast.a, day)
    assert "1 missing follow-ups made" in first
    with dealership_context(cast.a):
        (row,) = FollowUp.objects.filter(event=event)
        assert CustomerEvent.objects.get(pk=event.pk).followups.count() == 1
    assert row.status == "due"
    assert row.specialist_id in {
        team.sales_followup_specialist.pk,
        team.sales_followup_specialist2.pk,
    }
