"""The surveys and questionnaires API: lists with their answers / questions (constant
queries), a survey recorded through the service (400 naming the answer, 404 / 403 as on the
pages), questionnaires created, changed (a new version when answered) and put in use by
holders of ``crm.change_survey`` only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Complaint, Questionnaire, SurveyResponse
from crm.services import surveys as services
from dealership.tenancy import dealership_context
from tests.crm.test_surveys_services import due_followup, full_answers, questions, record

pytestmark = pytest.mark.django_db

SURVEYS = "/api/v1/crm/surveys/"
QUESTIONNAIRES = "/api/v1/crm/questionnaires/"


def payload(cast, followup, **overrides) -> dict:
    answers = [
        {"question": pk, "value": value} for pk, value in full_answers(cast, followup.kind).items()
    ]
    return {"followup": followup.pk, "answers": answers, **overrides}


def test_a_survey_is_recorded_and_read_back_with_its_answers(cast, team, api_for):
    followup = due_followup(cast, team)
    api = api_for(team.sales_followup_specialist)
    response = api.post(SURVEYS, payload(cast, followup, comment="好"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["followup"] == followup.pk and body["channel"] == "call"
    assert body["kind"] == "sales" and body["score"] == "9.00"
    assert len(body["answers"]) == len(full_answers(cast))
    first = body["answers"][0]
    assert {"question", "question_text", "question_kind", "score", "yes", "text"} <= set(first)
    detail = api.get(f"{SURVEYS}{body['id']}/").json()
    assert detail["answers"] == body["answers"]
    listed = api.get(SURVEYS).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


def test_a_bad_answer_answers_400_naming_the_question_and_saves_nothing(cast, team, api_for):
    followup = due_followup(cast, team)
    score = questions(cast)["score"][0]
    data = payload(cast, followup)
    for row in data["answers"]:
        if row["question"] == score.pk:
            row["value"] = 42
    response = api_for(team.sales_followup_specialist).post(SURVEYS, data, format="json")
    assert response.status_code == 400
    assert f"q_{score.pk}" in response.json()["error"]["fields"]
    bad_shape = api_for(team.sales_followup_specialist).post(
        SURVEYS, {"followup": followup.pk, "answers": "all good"}, format="json"
    )
    assert bad_shape.status_code == 400
    with dealership_context(cast.a):
        assert not SurveyResponse.objects.filter(followup=followup).exists()


def test_a_second_survey_on_the_same_channel_answers_400(cast, team, api_for):
    followup = due_followup(cast, team)
    api = api_for(team.sales_followup_specialist)
    assert api.post(SURVEYS, payload(cast, followup), format="json").status_code == 201
    again = api.post(SURVEYS, payload(cast, followup), format="json")
    assert again.status_code == 400
    assert "already has a survey" in again.json()["error"]["message"] + str(
        again.json()["error"].get("fields")
    )
    face = api.post(SURVEYS, payload(cast, followup, channel="face_to_face"), format="json")
    assert face.status_code == 201


def test_a_low_score_through_the_api_opens_a_complaint(cast, team, api_for):
    followup = due_followup(cast, team)
    low = questions(cast)["score"][0]
    data = payload(cast, followup)
    for row in data["answers"]:
        if row["question"] == low.pk:
            row["value"] = 1
    assert (
        api_for(team.sales_followup_specialist).post(SURVEYS, data, format="json").status_code
        == 201
    )
    with dealership_context(cast.a):
        assert Complaint.objects.filter(followup=followup).exists()


def test_who_may_record_and_read_surveys(cast, team, api_for):
    followup = due_followup(cast, team)
    data = payload(cast, followup)
    assert (
        api_for(team.sales_followup_specialist2).post(SURVEYS, data, format="json").status_code
        == 404
    )
    assert api_for(team.sales_manager).post(SURVEYS, data, format="json").status_code == 403
    assert api_for(cast.user_b).post(SURVEYS, data, format="json").status_code == 404
    assert api_for(cast.hq_user).post(SURVEYS, data, format="json").status_code == 403
    survey = record(cast, team.sales_followup_specialist, followup, full_answers(cast))
    assert api_for(team.sales_manager).get(f"{SURVEYS}{survey.pk}/").status_code == 200
    assert api_for(team.sales_followup_specialist2).get(f"{SURVEYS}{survey.pk}/").status_code == 404
    assert api_for(cast.user_b).get(f"{SURVEYS}{survey.pk}/").status_code == 404
    assert api_for(cast.user_b).get(SURVEYS).json()["results"] == []


def test_the_survey_list_filters_and_runs_a_constant_number_of_queries(cast, team, api_for):
    api = api_for(team.crm_director)
    followup = due_followup(cast, team)
    record(cast, team.sales_followup_specialist, followup, full_answers(cast, score=10))
    api.get(SURVEYS)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(SURVEYS).json()["results"]) == 1
    for score in (3, 6, 8):
        followup = due_followup(cast, team)
        record(cast, team.sales_followup_specialist, followup, full_answers(cast, score=score))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(SURVEYS).json()["results"]) == 4
    assert len(many) == len(one)
    assert len(api.get(SURVEYS, {"score_below": "7"}).json()["results"]) == 2
    assert len(api.get(SURVEYS, {"kind": "service"}).json()["results"]) == 0
    assert len(api.get(SURVEYS, {"followup": followup.pk}).json()["results"]) == 1
    assert len(api.get(SURVEYS, {"month": "1999-01"}).json()["results"]) == 0
    assert len(api.get(SURVEYS, {"score_below": "abc", "month": "x"}).json()["results"]) == 4


# --- questionnaires ------------------------------------------------------------------------------


def test_questionnaires_are_read_with_their_questions(cast, team, api_for):
    api = api_for(team.sales_followup_specialist)
    body = api.get(QUESTIONNAIRES, {"kind": "service"}).json()
    assert [row["kind"] for row in body["results"]] == ["service"]
    assert body["results"][0]["is_active"] and body["results"][0]["questions"]
    assert (
        api_for(cast.user_b).get(f"{QUESTIONNAIRES}{body['results'][0]['id']}/").status_code == 404
    )


def test_the_questionnaire_list_runs_a_constant_number_of_queries(cast, team, api_for):
    api = api_for(team.crm_director)
    api.get(QUESTIONNAIRES)
    with CaptureQueriesContext(connection) as few:
        api.get(QUESTIONNAIRES)
    with dealership_context(cast.a):
        for n in range(3):
            services.questionnaire_create(
                actor=team.crm_director,
                kind="service",
                title=f"草稿 {n}",
                questions=[{"text": "满意吗？", "kind": "score"}],
            )
    with CaptureQueriesContext(connection) as many:
        assert api.get(QUESTIONNAIRES).json()["count"] == 5
    assert len(many) == len(few)


def test_questionnaires_are_created_changed_and_put_in_use_by_crm_change_survey(
    cast, team, api_for
):
    new = {
        "kind": "sales",
        "title": "SSI 2027",
        "complaint_below": 6,
        "questions": [
            {"text": "满意吗？", "kind": "score"},
            {"text": "渠道？", "kind": "choice", "choices": ["网络", "朋友"], "required": False},
        ],
    }
    assert (
        api_for(team.sales_followup_specialist).post(QUESTIONNAIRES, new, format="json").status_code
        == 403
    )
    assert api_for(cast.hq_user).post(QUESTIONNAIRES, new, format="json").status_code == 403
    api = api_for(team.crm_director)
    created = api.post(QUESTIONNAIRES, new, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["version"] == 2 and not body["is_active"] and len(body["questions"]) == 2
    changed = api.patch(f"{QUESTIONNAIRES}{body['id']}/", {"title": "SSI 2027 定稿"}, format="json")
    assert changed.status_code == 200 and changed.json()["id"] == body["id"]  # no answers yet
    activated = api.post(f"{QUESTIONNAIRES}{body['id']}/activate/")
    assert activated.status_code == 200 and activated.json()["is_active"]
    followup = due_followup(cast, team)
    survey = record(
        cast,
        team.sales_followup_specialist,
        followup,
        {questions(cast)["score"][0].pk: 9},
    )
    assert survey.questionnaire_id == body["id"]
    answered = api.patch(
        f"{QUESTIONNAIRES}{body['id']}/",
        {"questions": [{"text": "您满意吗？", "kind": "score"}]},
        format="json",
    )
    assert answered.status_code == 200
    assert answered.json()["id"] != body["id"] and answered.json()["version"] == 3
    assert answered.json()["is_active"]
    with dealership_context(cast.a):
        kept = Questionnaire.objects.get(pk=body["id"])
        assert kept.questions.count() == 2 and kept.title == "SSI 2027 定稿"
    bad = api.post(QUESTIONNAIRES, {**new, "questions": []}, format="json")
    assert bad.status_code == 400
    other = api_for(cast.user_b).patch(
        f"{QUESTIONNAIRES}{body['id']}/", {"title": "x"}, format="json"
    )
    assert other.status_code == 404
