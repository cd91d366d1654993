"""The survey services: the default questionnaires, validation of the answers against their
questions, the score, one survey per follow-up and channel, versioned questionnaires (past
answers never change), one questionnaire in use per kind, and a low score or the customer's
complaint opening a complaint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from crm.models import (
    Complaint,
    Customer,
    FollowUp,
    Question,
    Questionnaire,
    SurveyResponse,
)
from crm.services import surveys as services
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event

pytestmark = pytest.mark.django_db


def due_followup(cast, team, *, kind="sales", days_ago=3) -> FollowUp:
    """A follow-up of A on today's call list (its window opened today), assigned to the sales
    (or service) follow-up specialist."""
    staff = team.sales_consultant if kind == "sales" else team.service_advisor
    event = make_event(
        cast.a,
        kind=kind,
        occurred_on=timezone.localdate() - dt.timedelta(days=days_ago),
        staff=staff,
    )
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
        specialist = (
            team.sales_followup_specialist if kind == "sales" else team.service_followup_specialist
        )
        FollowUp.objects.filter(pk=followup.pk).update(specialist=specialist)
        Customer.objects.filter(pk=followup.customer_id).update(  # consents as recorded
            consent_call_on=followup.event_date,
            consent_call_how="written",
            consent_sms_on=followup.event_date,
            consent_sms_how="written",
        )
        return FollowUp.objects.select_related("customer", "vehicle", "event").get(pk=followup.pk)


def questions(cast, kind="sales") -> dict[str, list[Question]]:
    """The active questionnaire's questions of ``kind`` by their kind of answer."""
    with dealership_context(cast.a):
        active = services.active_questionnaire(kind)
        by_kind: dict[str, list[Question]] = {}
        for question in active.questions.all():
            by_kind.setdefault(question.kind, []).append(question)
        return by_kind


def full_answers(cast, kind="sales", score=9) -> dict[int, object]:
    answers = {}
    for qkind, rows in questions(cast, kind).items():
        for question in rows:
            answers[question.pk] = {
                "score": score,
                "yes_no": True,
                "choice": (question.choices or ["?"])[0],
                "text": "很好",
            }[qkind]
    return answers


def record(cast, actor, followup, answers, **kwargs):
    with dealership_context(cast.a):
        return services.survey_record(
            actor=actor, followup_id=followup.pk, answers=answers, **kwargs
        )


# --- the default questionnaires -----------------------------------------------------------------


def test_every_dealership_starts_with_an_active_ssi_and_csi_questionnaire(cast):
    for dealership in (cast.a, cast.b):
        with dealership_context(dealership):
            active = {q.kind: q for q in Questionnaire.objects.filter(is_active=True)}
            assert set(active) == {"sales", "service"}
            assert active["sales"].questions.filter(kind="score").exists()
            assert active["service"].questions.filter(kind="yes_no").exists()
            assert "满意" in active["sales"].questions.first().text  # Chinese data


def test_the_seed_is_idempotent_and_keeps_a_dealership_own_questionnaire(cast):
    with dealership_context(cast.a):
        before = Questionnaire.objects.count(), Question.objects.count()
        services.questionnaires_seed(cast.a)
        services.questionnaires_seed(cast.a)
        assert (Questionnaire.objects.count(), Question.objects.count()) == before
        Questionnaire.objects.filter(kind="service").delete()  # none of the kind: seeded again
        services.questionnaires_seed(cast.a)
        assert Questionnaire.objects.filter(kind="service", is_active=True).count() == 1


# --- recording a survey --------------------------------------------------------------------------


def test_a_survey_stores_the_answers_as_asked_and_the_mean_score(cast, team):
    followup = due_followup(cast, team)
    by_kind = questions(cast)
    scores = by_kind["score"]
    answers = full_answers(cast)
    answers[scores[0].pk], answers[scores[1].pk], answers[scores[2].pk] = 10, 8, 9
    survey = record(cast, team.sales_followup_specialist, followup, answers, comment="满意")
    with dealership_context(cast.a):
        survey.refresh_from_db()
        assert survey.score == Decimal("9.00")
        assert survey.channel == "call"
        assert survey.taken_by == team.sales_followup_specialist
        assert survey.questionnaire.is_active and survey.questionnaire.kind == "sales"
        stored = {a.question_id: a for a in survey.answers.all()}
        assert stored[scores[0].pk].score == 10
        assert stored[scores[0].pk].question_text == scores[0].text
        assert stored[by_kind["yes_no"][0].pk].yes is True
        assert stored[by_kind["choice"][0].pk].text == by_kind["choice"][0].choices[0]
        assert not Complaint.objects.filter(followup=followup).exists()


@pytest.mark.parametrize(
    ("qkind", "value"),
    [
        ("score", 11),
        ("score", -1),
        ("score", "seven"),
        ("score", 7.5),
        ("score", True),
        ("yes_no", "maybe"),
        ("yes_no", 3),
        ("choice", "not an option"),
        ("text", "x" * 2001),
        ("text", 12),
    ],
)
def test_each_answer_is_checked_against_its_question(cast, team, qkind, value):
    followup = due_followup(cast, team)
    question = questions(cast)[qkind][0]
    answers = {**full_answers(cast), question.pk: value}
    with pytest.raises(ValidationError) as error:
        record(cast, team.sales_followup_specialist, followup, answers)
    assert f"q_{question.pk}" in error.value.message_dict
    with dealership_context(cast.a):
        assert not SurveyResponse.objects.filter(followup=followup).exists()


def test_required_questions_need_an_answer_optional_ones_do_not(cast, team):
    followup = due_followup(cast, team)
    by_kind = questions(cast)
    required = by_kind["score"][0]
    optional = by_kind["text"][0]
    assert required.required and not optional.required
    answers = full_answers(cast)
    del answers[optional.pk]
    answers[required.pk] = "  "
    with pytest.raises(ValidationError) as error:
        record(cast, team.sales_followup_specialist, followup, answers)
    assert list(error.value.message_dict) == [f"q_{required.pk}"]
    answers[required.pk] = "8"  # as a form posts it
    survey = record(cast, team.sales_followup_specialist, followup, answers)
    with dealership_context(cast.a):
        assert not survey.answers.filter(question=optional).exists()


def test_an_answer_to_a_question_of_another_questionnaire_is_refused(cast, team):
    followup = due_followup(cast, team)
    service_question = questions(cast, "service")["score"][0]
    with pytest.raises(ValidationError) as error:
        record(
            cast,
            team.sales_followup_specialist,
            followup,
            {**full_answers(cast), service_question.pk: 8},
        )
    assert "answers" in error.value.message_dict


def test_one_survey_per_followup_and_channel(cast, team):
    followup = due_followup(cast, team)
    specialist = team.sales_followup_specialist
    record(cast, specialist, followup, full_answers(cast))
    with pytest.raises(ValidationError, match="already has a survey"):
        record(cast, specialist, followup, full_answers(cast))
    record(cast, specialist, followup, full_answers(cast), channel="face_to_face")
    with dealership_context(cast.a):
        assert SurveyResponse.objects.filter(followup=followup).count() == 2
        with pytest.raises(IntegrityError), transaction.atomic():
            SurveyResponse.objects.create(
                dealership=cast.a,
                followup=followup,
                questionnaire=services.active_questionnaire("sales"),
                channel="call",
                taken_at=timezone.now(),
                taken_by=specialist,
            )


def test_a_call_survey_waits_for_the_window_a_face_to_face_one_for_the_delivery(cast, team):
    specialist = team.sales_followup_specialist
    followup = due_followup(cast, team, days_ago=1)  # window opens in two days
    with pytest.raises(ValidationError, match="window opens"):
        record(cast, specialist, followup, full_answers(cast))
    survey = record(cast, specialist, followup, full_answers(cast), channel="face_to_face")
    assert survey.channel == "face_to_face"
    service = due_followup(cast, team, kind="service")
    with pytest.raises(ValidationError) as error:
        record(
            cast,
            team.service_followup_specialist,
            service,
            full_answers(cast, "service"),
            channel="face_to_face",
        )
    assert "channel" in error.value.message_dict


def test_only_who_works_the_followup_records_its_survey(cast, team):
    followup = due_followup(cast, team)
    with pytest.raises(Http404):  # another specialist does not see it
        record(cast, team.sales_followup_specialist2, followup, full_answers(cast))
    with pytest.raises(PermissionDenied):  # the sales manager sees it, may not work it
        record(cast, team.sales_manager, followup, full_answers(cast))
    with dealership_context(cast.b), pytest.raises(Http404):
        services.survey_record(
            actor=cast.user_b, followup_id=followup.pk, answers=full_answers(cast)
        )


# --- questionnaires: versions -------------------------------------------------------------------


def test_changing_a_questionnaire_with_answers_makes_the_next_version_past_answers_stay(cast, team):
    followup = due_followup(cast, team)
    director = team.crm_director
    survey = record(cast, team.sales_followup_specialist, followup, full_answers(cast))
    with dealership_context(cast.a):
        old = services.active_questionnaire("sales")
        old_texts = [q.text for q in old.questions.all()]
        rows = [{"text": "新问题：您对试驾是否满意？", "kind": "score", "required": True}]
        rows += [
            {"text": q.text, "kind": q.kind, "choices": q.choices, "required": q.required}
            for q in old.questions.all()
        ]
        new = services.questionnaire_update(
            actor=director, questionnaire_id=old.pk, title="SSI 2", questions=rows
        )
        old.refresh_from_db()
        assert new.pk != old.pk and new.version == old.version + 1
        assert new.is_active and not old.is_active  # it replaces the one in use
        assert [q.text for q in old.questions.all()] == old_texts  # the old version as it was
        assert old.title != "SSI 2"
        assert new.questions.first().text.startswith("新问题")
        survey.refresh_from_db()
        assert survey.questionnaire_id == old.pk
        assert {a.question.questionnaire_id for a in survey.answers.all()} == {old.pk}
        asked = [a.question_text for a in survey.answers.all()]
        assert asked and set(asked) <= set(old_texts)
    # the next survey is taken with the new version
    second = due_followup(cast, team)
    answers = full_answers(cast)
    later = record(cast, team.sales_followup_specialist, second, answers)
    assert later.questionnaire_id == new.pk


def test_a_version_without_answers_is_changed_in_place_and_reordered(cast, team):
    director = team.crm_director
    with dealership_context(cast.a):
        draft = services.questionnaire_create(
            actor=director,
            kind="sales",
            title="草稿",
            questions=[
                {"position": 2, "text": "第二", "kind": "yes_no"},
                {"position": 1, "text": "第一", "kind": "score"},
            ],
        )
        assert not draft.is_active  # the kind already has one in use
        assert [q.text for q in draft.questions.all()] == ["第一", "第二"]
        same = services.questionnaire_update(
            actor=director,
            questionnaire_id=draft.pk,
            questions=[
                {"position": 1, "text": "第二", "kind": "yes_no"},
                {"position": 2, "text": "第三", "kind": "choice", "choices": ["甲", "乙", "甲"]},
            ],
        )
        assert same.pk == draft.pk and same.version == draft.version
        assert [(q.position, q.text) for q in same.questions.all()] == [(1, "第二"), (2, "第三")]
        assert same.questions.get(text="第三").choices == ["甲", "乙"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "at least one question"),
        ([{"text": "", "kind": "score"}], "enter the question"),
        ([{"text": "问", "kind": "stars"}], "kind of answer"),
        ([{"text": "问", "kind": "choice", "choices": ["只有一个"]}], "two options"),
    ],
)
def test_questions_are_checked(cast, team, rows, message):
    with dealership_context(cast.a), pytest.raises(ValidationError, match=message):
        services.questionnaire_create(
            actor=team.crm_director, kind="service", title="T", questions=rows
        )


def test_one_questionnaire_in_use_per_kind(cast, team):
    director = team.crm_director
    with dealership_context(cast.a):
        draft = services.questionnaire_create(
            actor=director,
            kind="service",
            title="CSI 2",
            questions=[{"text": "满意吗？", "kind": "score"}],
        )
        old = services.active_questionnaire("service")
        services.questionnaire_activate(actor=director, questionnaire_id=draft.pk)
        assert list(
            Questionnaire.objects.filter(kind="service", is_active=True).values_list(
                "pk", flat=True
            )
        ) == [draft.pk]
        old.refresh_from_db()
        assert not old.is_active
        with pytest.raises(IntegrityError), transaction.atomic():
            Questionnaire.objects.filter(pk=old.pk).update(is_active=True)


def test_only_crm_change_survey_edits_questionnaires(cast, team):
    with dealership_context(cast.a):
        active = services.active_questionnaire("sales")
        with pytest.raises(PermissionDenied):
            services.questionnaire_update(
                actor=team.sales_followup_specialist, questionnaire_id=active.pk, title="x"
            )
        with pytest.raises(PermissionDenied):
            services.questionnaire_create(
                actor=team.sales_manager,
                kind="sales",
                title="x",
                questions=[{"text": "q", "kind": "score"}],
            )


# --- complaints ----------------------------------------------------------------------------------


def test_a_score_below_the_threshold_opens_a_complaint(cast, team):
    followup = due_followup(cast, team)
    low = questions(cast)["score"][0]
    survey = record(
        cast, team.sales_followup_specialist, followup, {**full_answers(cast), low.pk: 3}
    )
    with dealership_context(cast.a):
        complaint = Complaint.objects.get(followup=followup)
        assert complaint.customer_id == followup.customer_id
        assert complaint.registered_by == team.sales_followup_specialist
        assert low.text in complaint.description
        assert survey.score < Decimal(9)


def test_the_threshold_is_the_questionnaires_own(cast, team):
    with dealership_context(cast.a):
        active = services.active_questionnaire("sales")
        Questionnaire.objects.filter(pk=active.pk).update(complaint_below=3)
    followup = due_followup(cast, team)
    score = questions(cast)["score"][0]
    record(cast, team.sales_followup_specialist, followup, {**full_answers(cast), score.pk: 3})
    with dealership_context(cast.a):
        assert not Complaint.objects.filter(followup=followup).exists()  # 3 is not below 3


def test_the_customers_complaint_opens_a_complaint_even_with_good_scores(cast, team):
    followup = due_followup(cast, team)
    record(
        cast,
        team.sales_followup_specialist,
        followup,
        full_answers(cast, score=10),
        complaint="交车时没有加满油",
    )
    with dealership_context(cast.a):
        complaint = Complaint.objects.get(followup=followup)
        assert "加满油" in complaint.description


def test_the_questionnaire_list_counts_questions_and_surveys_each_on_its_own(cast, team):
    """Two surveys of a questionnaire with n questions: n questions and 2 surveys, each counted
    by its own subquery; a questionnaire without surveys: 0, not NULL."""
    from crm.selectors.surveys import questionnaires_for_user

    record(cast, team.sales_followup_specialist, due_followup(cast, team), full_answers(cast))
    record(
        cast,
        team.sales_followup_specialist,
        due_followup(cast, team, days_ago=4),
        full_answers(cast),
    )
    with dealership_context(cast.a):
        services.questionnaire_create(
            actor=team.crm_director,
            kind="sales",
            title="草稿",
            questions=[{"text": "满意吗？", "kind": "score"}],
        )
        rows = {q.title: q for q in questionnaires_for_user(team.crm_director, kind="sales")}
        active = services.active_questionnaire("sales")
        assert rows[active.title].question_count == active.questions.count() > 1
        assert rows[active.title].response_count == 2
        assert (rows["草稿"].question_count, rows["草稿"].response_count) == (1, 0)
