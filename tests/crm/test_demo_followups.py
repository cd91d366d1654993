"""The follow-up demo (``crm.demo.seed_followups``) and the safety net it relies on
(``crm.services.followups.followups_ensure``).

The demo is seeded once for the module — dealership A of the cast with its CRM department and
the people it works with, no sales or after-sales demo: the seeder adds the months behind us
itself — inside a transaction rolled back at the end. Today's call list and the next days' are
known, the history is consistent (every done call has its connected attempt and its survey,
whose score is the mean of its answers), complaints exist in every state, the outreach is
there, today's jobs find nothing more to do and seeding again adds nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from crm.models import (
    AttemptOutcome,
    CallAttempt,
    Complaint,
    ContactCheck,
    ContactCheckState,
    CustomerEvent,
    EventKind,
    FollowUp,
    FollowUpStatus,
    Membership,
    ReminderState,
    RetentionList,
    ServiceReminder,
    SmsCampaign,
    SmsDelivery,
    SurveyAnswer,
    SurveyChannel,
    SurveyResponse,
)
from crm.models.complaints import ComplaintState
from crm.models.followups import OPEN_STATUSES, UNREACHABLE_OUTCOMES
from dealership.models import Notification
from dealership.tenancy import dealership_context

S = FollowUpStatus
CRM_JOBS = [
    "crm.followup_list",
    "crm.unreachable_weekly",
    "crm.contact_check_escalation",
    "crm.retention_lists",
    "crm.service_reminders",
    "crm.sms_send_approved",
    "crm.complaint_deadlines",
]
TEAM = (
    "sales_followup_specialist",
    "service_followup_specialist",
    "customer_relations_manager",
    "crm_director",
    "cr_specialist",
    "sales_consultant",
    "sales_manager",
    "service_advisor",
    "service_manager",
    "deputy_gm",
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Dealership A staffed and seeded with the follow-up demo, once for the module."""
    from crm import demo
    from tests.cast import build_cast
    from tests.factories import UserFactory, hire

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        cast = build_cast()
        people = {}
        for code in TEAM:
            people[code] = UserFactory(username=f"demo_{code}", name=f"demo {code}")
            hire(people[code], cast.a, code)
        second = UserFactory(username="demo_sales_consultant2", name="demo consultant 2")
        hire(second, cast.a, "sales_consultant")
        demo.seed_followups([cast.a])
        people["gm"] = cast.user_a
    yield SimpleNamespace(dealership=cast.a, people=people, today=timezone.localdate())
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _counts() -> dict:
    return {
        "events": CustomerEvent.objects.count(),
        "followups": sorted(Counter(FollowUp.objects.values_list("status", flat=True)).items()),
        "attempts": CallAttempt.objects.count(),
        "surveys": SurveyResponse.objects.count(),
        "answers": SurveyAnswer.objects.count(),
        "complaints": sorted(
            Counter(
                (state, escalated is None, reminded is None)
                for state, escalated, reminded in Complaint.objects.values_list(
                    "state", "escalated_at", "reminded_at"
                )
            ).items()
        ),
        "checks": sorted(
            Counter(
                (state, escalated is None)
                for state, escalated in ContactCheck.objects.values_list("state", "escalated_at")
            ).items()
        ),
        "reminders": sorted(
            Counter(ServiceReminder.objects.values_list("state", flat=True)).items()
        ),
        "retention": RetentionList.objects.count(),
        "members": Membership.objects.count(),
        "campaigns": sorted(Counter(SmsCampaign.objects.values_list("state", flat=True)).items()),
        "sms": SmsDelivery.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _mean(scores):
    return (Decimal(sum(scores)) / Decimal(len(scores))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


# --- the safety net ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_followups_ensure_gives_every_event_without_one_its_followup_once(cast, team):
    from crm.services.followups import followup_settings, followups_ensure, window_for
    from tests.crm.conftest import make_owner

    today = timezone.localdate()
    called = make_owner(cast.a, team.sales_consultant)
    silent = make_owner(cast.a, team.sales_consultant, consent_call=False)
    with dealership_context(cast.a):
        events = CustomerEvent.objects.bulk_create(
            [
                CustomerEvent(
                    dealership=cast.a,
                    kind=kind,
                    customer=customer,
                    occurred_on=today - dt.timedelta(days=back),
                    source_type="tests.bulk",
                    source_id=n,
                )
                for n, (kind, customer, back) in enumerate(
                    [
                        ("sales", called, 4),  # due today
                        ("sales", called, 10),  # overdue
                        ("sales", called, 1),  # scheduled
                        ("service", called, 3),  # due, the service specialist's
                        ("sales", silent, 4),  # no consent: not called
                    ]
                )
            ]
        )
        made = followups_ensure(day=today)
        assert len(made) == 5 and FollowUp.objects.count() == 5
        rows = {f.event_id: f for f in FollowUp.objects.all()}
        statuses = [rows[e.pk].status for e in events]
        assert statuses == [S.DUE, S.OVERDUE, S.SCHEDULED, S.DUE, S.NOT_CALLED]
        assert rows[events[4].pk].specialist_id is None and rows[events[4].pk].reason
        # balanced between the two sales specialists; the service one gets the service call
        sales = Counter(rows[e.pk].specialist_id for e in events[:3])
        assert set(sales) == {team.sales_followup_specialist.pk, team.sales_followup_specialist2.pk}
        assert rows[events[3].pk].specialist_id == team.service_followup_specialist.pk
        first = rows[events[0].pk]
        assert (first.window_start, first.window_end) == window_for(
            events[0].occurred_on, followup_settings()
        )
        assert first.published_on == today and rows[events[2].pk].published_on is None
        assert followups_ensure(day=today) == []  # run again: nothing new
        assert FollowUp.objects.count() == 5


# --- the demo ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_todays_list_and_the_next_days_lists_are_known(world):
    from crm.selectors.followups import call_list, calls_widget

    today, people = world.today, world.people
    with dealership_context(world.dealership):
        for code in ("sales_followup_specialist", "service_followup_specialist"):
            specialist = people[code]
            panel = calls_widget(specialist, today)
            assert panel["due"] > 0 and panel["rows"], code
            for k in (1, 2, 3):
                later = call_list(specialist, today + dt.timedelta(days=k))
                assert later.filter(status__in=OPEN_STATUSES).exists(), (code, k)
        everyone = calls_widget(people["customer_relations_manager"], today)
        assert everyone["overdue"] > 0  # e.g. a customer whose verified number came back
        for k in (1, 2):  # the deliveries and visits of the last days join the next lists
            day = today + dt.timedelta(days=k)
            assert FollowUp.objects.filter(window_start=day, status__in=OPEN_STATUSES).exists()
        # some of today's calls have had a failed attempt already
        assert CallAttempt.objects.filter(
            followup__status=S.DUE, outcome__in=[*UNREACHABLE_OUTCOMES, "busy", "no_answer"]
        ).exists()


@pytest.mark.django_db
def test_the_history_of_the_calls_is_consistent(world):
    from crm.services.followups import status_on

    today = world.today
    with dealership_context(world.dealership):
        assert not CustomerEvent.objects.filter(followups__isnull=True).exists()
        rows = list(FollowUp.objects.select_related("customer"))
        ended = [f for f in rows if f.window_end < today and f.status != S.NOT_CALLED]
        by_status = Counter(f.status for f in ended)
        assert by_status[S.DONE] >= 0.8 * len(ended)
        assert by_status[S.UNREACHABLE] and by_status[S.OVERDUE]
        attempts: dict[int, list[CallAttempt]] = {}
        for attempt in CallAttempt.objects.order_by("at", "pk"):
            attempts.setdefault(attempt.followup_id, []).append(attempt)
        surveys = {
            s.followup_id: s for s in SurveyResponse.objects.filter(channel=SurveyChannel.CALL)
        }
        for followup in rows:
            tried = attempts.get(followup.pk, [])
            if followup.status == S.NOT_CALLED:
                assert not followup.customer.consent_call and not tried
                continue
            assert followup.status == status_on(followup, today)  # open rows up to date
            for attempt in tried:
                assert attempt.specialist_id == followup.specialist_id or followup.reopened_at
                assert timezone.localdate(attempt.at) >= followup.window_start
                assert attempt.at <= timezone.now()
            if followup.status == S.DONE:
                last = tried[-1]
                assert last.outcome in (AttemptOutcome.CONNECTED, AttemptOutcome.REFUSED)
                assert timezone.localdate(last.at) == followup.closed_on
                assert followup.completed_at == last.at
                if last.outcome == AttemptOutcome.CONNECTED:
                    survey = surveys[followup.pk]
                    assert timezone.localdate(survey.taken_at) == followup.closed_on
                else:
                    assert followup.pk not in surveys
            elif followup.status == S.UNREACHABLE:
                failed = [a for a in tried if a.outcome in UNREACHABLE_OUTCOMES]
                assert len(failed) >= 3 and followup.closed_on == timezone.localdate(failed[-1].at)
            else:
                assert followup.closed_on is None and followup.pk not in surveys
        # every survey's score is the mean of its score answers, on the questions it was asked
        answers: dict[int, list[SurveyAnswer]] = {}
        for answer in SurveyAnswer.objects.select_related("question"):
            answers.setdefault(answer.response_id, []).append(answer)
        responses = list(SurveyResponse.objects.all())
        assert len(responses) > 100
        for response in responses:
            given = answers[response.pk]
            assert all(a.question.questionnaire_id == response.questionnaire_id for a in given)
            assert all(a.question_text == a.question.text for a in given)
            assert response.score == _mean([a.score for a in given if a.score is not None])
        scores = [r.score for r in responses]
        assert sum(scores) / len(scores) > Decimal(8)  # mostly 8–10
        face_to_face = [r for r in responses if r.channel == SurveyChannel.FACE_TO_FACE]
        assert face_to_face
        kinds = set(
            FollowUp.objects.filter(pk__in=[r.followup_id for r in face_to_face]).values_list(
                "kind", flat=True
            )
        )
        assert kinds == {EventKind.SALES}
        # the unreachable customers' contact checks: returned, closed, open, escalated
        checks = Counter(ContactCheck.objects.values_list("state", flat=True))
        assert checks[ContactCheckState.OPEN] and checks[ContactCheckState.CLOSED]
        assert checks[ContactCheckState.RETURNED]
        assert ContactCheck.objects.filter(
            state=ContactCheckState.OPEN, due_on__lt=today, escalated_at__isnull=False
        ).exists()
        back = FollowUp.objects.filter(
            reopened_at__isnull=False, status__in=OPEN_STATUSES, contact_checks__state="returned"
        )
        assert back.exists()  # verified contacts returned: on the call list again


@pytest.mark.django_db
def test_complaints_in_every_state(world):
    now = timezone.now()
    with dealership_context(world.dealership):
        complaints = list(Complaint.objects.prefetch_related("entries"))
        assert {c.state for c in complaints} == set(ComplaintState.values)
        assert any(c.reopened and c.state == ComplaintState.IN_PROGRESS for c in complaints)
        major = [c for c in complaints if c.severity == "major"]
        assert major and all(c.oem_coordination for c in major)
        overdue = [
            c
            for c in complaints
            if c.state in ("registered", "assigned", "in_progress") and c.deadline < now
        ]
        assert overdue and all(c.escalated_at for c in overdue)
        from_calls = [c for c in complaints if c.followup_id]
        assert from_calls and all(c.channel == "followup" for c in from_calls)
        low = set(  # the calls whose survey had a score under the threshold
            SurveyAnswer.objects.filter(
                response__channel=SurveyChannel.CALL, score__lt=7
            ).values_list("response__followup_id", flat=True)
        )
        assert {c.followup_id for c in from_calls} <= low
        for complaint in complaints:
            times = [e.at for e in complaint.entries.all()]
            assert times == sorted(times) and times[0] == complaint.received_at
            assert all(t <= now for t in times)
            if complaint.state == ComplaintState.CLOSED:
                assert complaint.received_at <= complaint.resolved_at <= complaint.closed_at


@pytest.mark.django_db
def test_the_outreach_of_the_month(world):
    today, people = world.today, world.people
    with dealership_context(world.dealership):
        lists = list(RetentionList.objects.all())
        assert {lst.month for lst in lists} == {
            today.replace(day=1),
            (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1),
        }
        acknowledged = [lst for lst in lists if lst.acknowledged_at]
        assert [lst.acknowledged_by_id for lst in acknowledged] == [people["service_manager"].pk]
        assert sum(lst.entries.count() for lst in lists) > 0
        reminders = Counter(ServiceReminder.objects.values_list("state", flat=True))
        assert reminders[ReminderState.SENT] and reminders[ReminderState.CALLED]
        assert reminders[ReminderState.OPEN]
        buyers = CustomerEvent.objects.filter(kind="sales").values("customer_id").distinct().count()
        members = Membership.objects.all()
        assert 0.15 * buyers < members.count() < 0.45 * buyers
        assert members.filter(left_on__isnull=False).exists()
        assert members.filter(last_login_on__gt=today - dt.timedelta(days=30)).exists()
        campaigns = {c.state: c for c in SmsCampaign.objects.select_related("request")}
        assert set(campaigns) == {"draft", "submitted", "sent"}
        from org.approvals.services import current_step

        step = current_step(campaigns["submitted"].request)
        assert {a.user_id for a in step.approvers.all()} == {people["deputy_gm"].pk}
        sent = Counter(campaigns["sent"].deliveries.values_list("state", flat=True))
        assert sent["sent"] and sent["skipped"]


@pytest.mark.django_db
def test_the_board_and_todays_jobs(world):
    from crm.selectors.board import board
    from dealership.models import JobRun
    from dealership.services import jobs_run_for_date

    today = world.today
    with dealership_context(world.dealership):
        shown = board(world.people["customer_relations_manager"], today)
        values = {c.figure.code: c.value for s in shown.sections for c in s.cells}
        assert values["crm.followups_due"] > 0
        assert values["crm.ssi"] and values["crm.csi"]
        for _name, months in shown.trend:
            assert sum(v is not None for v in months) >= 5  # several months of SSI and CSI
        before = _counts()
    runs = jobs_run_for_date(run_date=today, dealerships=[world.dealership], job_names=CRM_JOBS)
    assert runs and all(run.state == JobRun.State.SUCCEEDED for run in runs), [
        (run.job, run.error) for run in runs
    ]
    with dealership_context(world.dealership):
        assert _counts() == before  # the demo starts where today's jobs leave it


@pytest.mark.django_db
def test_seeding_again_adds_nothing(world):
    from crm import demo

    with dealership_context(world.dealership):
        before = _counts()
    demo.seed_followups([world.dealership])
    with dealership_context(world.dealership):
        assert _counts() == before
