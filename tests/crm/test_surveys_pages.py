"""The survey pages: the face-to-face survey at the delivery ceremony, the surveys list (filters,
constant queries) and one survey as it was asked, the questionnaires (read by whoever reads
follow-ups, changed with ``crm.change_survey``; a change of a version with answers makes the
next version), and who gets 403 / 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Complaint, FollowUp, Questionnaire, SurveyResponse
from crm.services import surveys as services
from dealership.tenancy import dealership_context
from tests.crm.test_surveys_services import due_followup, full_answers, questions, record
from tests.db_roles import in_scope_of

pytestmark = pytest.mark.django_db


def face_url(followup) -> str:
    return reverse("crm:survey_face_to_face", kwargs={"pk": followup.pk})


def answers_data(cast, kind="sales", **overrides) -> dict:
    data = {}
    for pk, value in full_answers(cast, kind).items():
        data[f"q_{pk}"] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    data.update(overrides)
    return data


# --- face to face --------------------------------------------------------------------------------


def test_a_face_to_face_survey_is_taken_on_the_delivery_day(cast, team, client_for):
    followup = due_followup(cast, team, days_ago=0)  # the ceremony is today; no call yet
    client = client_for(team.sales_followup_specialist)
    page = client.get(face_url(followup))
    assert page.status_code == 200
    assert 'id="survey-form"' in page.content.decode()
    response = client.post(face_url(followup), answers_data(cast, comment="礼品已领取"))
    assert response.status_code == 302
    with dealership_context(cast.a):
        survey = SurveyResponse.objects.get(followup=followup)
        assert survey.channel == "face_to_face" and survey.comment == "礼品已领取"
        assert FollowUp.objects.get(pk=followup.pk).status == "scheduled"  # call still to make
    assert response.url == survey.get_absolute_url()
    again = client.get(face_url(followup)).content.decode()
    assert 'data-testid="face-to-face-blocked"' in again
    second = client.post(face_url(followup), answers_data(cast))
    assert second.status_code == 400
    with dealership_context(cast.a):
        assert SurveyResponse.objects.filter(followup=followup).count() == 1


def test_a_face_to_face_survey_with_a_low_score_opens_a_complaint(cast, team, client_for):
    followup = due_followup(cast, team, days_ago=0)
    low = questions(cast)["score"][0]
    response = client_for(team.sales_followup_specialist).post(
        face_url(followup), answers_data(cast, **{f"q_{low.pk}": "4"})
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        assert Complaint.objects.filter(followup=followup).count() == 1


def test_face_to_face_errors_are_shown_and_nothing_is_saved(cast, team, client_for):
    followup = due_followup(cast, team, days_ago=0)
    required = questions(cast)["score"][0]
    data = answers_data(cast, **{f"q_{required.pk}": ""})
    response = client_for(team.sales_followup_specialist).post(face_url(followup), data)
    assert response.status_code == 400
    with in_scope_of(response):
        assert f"q_{required.pk}" in response.context["form"].errors
    with dealership_context(cast.a):
        assert not SurveyResponse.objects.filter(followup=followup).exists()


def test_no_face_to_face_survey_for_a_service_visit(cast, team, client_for):
    followup = due_followup(cast, team, kind="service")
    client = client_for(team.service_followup_specialist)
    assert 'data-testid="face-to-face-blocked"' in client.get(face_url(followup)).content.decode()
    assert client.post(face_url(followup), answers_data(cast, "service")).status_code == 400


def test_face_to_face_needs_the_right_to_work_the_followup(cast, team, client_for):
    followup = due_followup(cast, team, days_ago=0)
    assert client_for(team.sales_manager).get(face_url(followup)).status_code == 403
    assert client_for(team.sales_followup_specialist2).get(face_url(followup)).status_code == 404
    assert client_for(cast.user_b).post(face_url(followup), answers_data(cast)).status_code == 404
    assert client_for(cast.hq_user).post(face_url(followup), answers_data(cast)).status_code == 403
    with dealership_context(cast.a):
        assert not SurveyResponse.objects.filter(followup=followup).exists()


def test_the_call_screen_links_to_the_face_to_face_survey(cast, team, client_for):
    followup = due_followup(cast, team, days_ago=0)
    page = client_for(team.sales_followup_specialist).get(
        reverse("crm:followup_call", kwargs={"pk": followup.pk})
    )
    assert face_url(followup) in page.content.decode()


# --- surveys list and detail ---------------------------------------------------------------------


def _surveys(cast, team, n: int, score=9):
    for _ in range(n):
        followup = due_followup(cast, team)
        record(cast, team.sales_followup_specialist, followup, full_answers(cast, score=score))


def test_the_survey_list_and_detail(cast, team, client_for):
    followup = due_followup(cast, team)
    low = questions(cast)["score"][0]
    survey = record(
        cast,
        team.sales_followup_specialist,
        followup,
        {**full_answers(cast), low.pk: 5},
        comment="交车等太久",
    )
    client = client_for(team.customer_relations_manager)
    listing = client.get(reverse("crm:survey_list"))
    assert listing.status_code == 200
    assert survey.get_absolute_url() in listing.content.decode()
    detail = client.get(survey.get_absolute_url()).content.decode()
    assert low.text in detail and "交车等太久" in detail
    with dealership_context(cast.a):
        complaint = Complaint.objects.get(followup=followup)
    assert complaint.number in detail
    assert reverse("crm:followup_call", kwargs={"pk": followup.pk}) in detail


def test_the_survey_list_filters(cast, team, client_for):
    _surveys(cast, team, 1, score=10)
    _surveys(cast, team, 1, score=5)
    service = due_followup(cast, team, kind="service")
    record(cast, team.service_followup_specialist, service, full_answers(cast, "service"))
    client = client_for(team.crm_director)

    def rows(**params):
        response = client.get(reverse("crm:survey_list"), params)
        assert response.status_code == 200
        with in_scope_of(response):
            return [row.record for row in response.context["table"].page.object_list]

    assert len(rows()) == 3
    assert len(rows(kind="service")) == 1
    assert len(rows(score_below="6")) == 1
    assert len(rows(channel="face_to_face")) == 0
    this_month = timezone.localdate().strftime("%Y-%m")
    last_year = (timezone.localdate() - dt.timedelta(days=400)).strftime("%Y-%m")
    assert len(rows(month=this_month)) == 3
    assert len(rows(month=last_year)) == 0
    assert len(rows(month="not-a-month", score_below="x")) == 3  # ignored, reported


def test_the_survey_list_runs_a_constant_number_of_queries(cast, team, client_for):
    client = client_for(team.crm_director)
    url = reverse("crm:survey_list")
    _surveys(cast, team, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _surveys(cast, team, 4)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)


def test_who_sees_which_surveys(cast, team, client_for):
    followup = due_followup(cast, team)
    survey = record(cast, team.sales_followup_specialist, followup, full_answers(cast))
    url = survey.get_absolute_url()
    assert client_for(team.sales_followup_specialist).get(url).status_code == 200
    assert client_for(team.sales_manager).get(url).status_code == 200  # their consultant's
    assert client_for(team.sales_followup_specialist2).get(url).status_code == 404
    assert client_for(cast.user_b).get(url).status_code == 404
    response = client_for(team.sales_followup_specialist2).get(reverse("crm:survey_list"))
    with in_scope_of(response):
        assert list(response.context["table"].page.object_list) == []


# --- questionnaires ------------------------------------------------------------------------------


def _active(cast, kind="sales") -> Questionnaire:
    with dealership_context(cast.a):
        return services.active_questionnaire(kind)


def questionnaire_post(questionnaire, **overrides) -> dict:
    rows = list(questionnaire.questions.all()) if questionnaire else []
    data = {
        "title": questionnaire.title if questionnaire else "新问卷",
        "script": "您好",
        "complaint_below": "6",
        "questions-TOTAL_FORMS": str(len(rows) + 1),
        "questions-INITIAL_FORMS": str(len(rows)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "50",
    }
    for n, question in enumerate(rows):
        data.update(
            {
                f"questions-{n}-position": str(question.position),
                f"questions-{n}-text": question.text,
                f"questions-{n}-kind": question.kind,
                f"questions-{n}-choices": "\n".join(question.choices),
            }
        )
        if question.required:
            data[f"questions-{n}-required"] = "on"
    # the empty line as a browser posts it (its select and its ticked box)
    data.update({f"questions-{len(rows)}-kind": "score", f"questions-{len(rows)}-required": "on"})
    data.update(overrides)
    return data


def test_questionnaire_pages_answer_200_for_their_readers_and_writers(cast, team, client_for):
    active = _active(cast)
    for user in (team.sales_followup_specialist, team.crm_director, team.sales_manager):
        client = client_for(user)
        assert client.get(reverse("crm:questionnaire_list")).status_code == 200
        assert client.get(active.get_absolute_url()).status_code == 200
    director = client_for(team.crm_director)
    assert director.get(reverse("crm:questionnaire_create")).status_code == 200
    assert (
        director.get(reverse("crm:questionnaire_edit", kwargs={"pk": active.pk})).status_code == 200
    )
    specialist = client_for(team.sales_followup_specialist)
    assert specialist.get(reverse("crm:questionnaire_create")).status_code == 403
    edit = reverse("crm:questionnaire_edit", kwargs={"pk": active.pk})
    assert specialist.get(edit).status_code == 403
    assert specialist.post(edit, questionnaire_post(active)).status_code == 403
    assert client_for(cast.user_b).get(active.get_absolute_url()).status_code == 404
    assert client_for(cast.user_b).post(edit, questionnaire_post(active)).status_code == 404


def test_a_new_questionnaire_from_the_page(cast, team, client_for):
    data = questionnaire_post(
        None,
        kind="service",
        **{
            "questions-0-position": "2",
            "questions-0-text": "是否一次修好？",
            "questions-0-kind": "yes_no",
            "questions-0-required": "on",
        },
    )
    data.update(
        {
            "questions-TOTAL_FORMS": "3",
            "questions-1-position": "1",
            "questions-1-text": "维修质量满意吗？",
            "questions-1-kind": "score",
            "questions-1-required": "on",
            "questions-2-kind": "score",  # an empty line: ignored
            "questions-2-required": "on",
        }
    )
    response = client_for(team.crm_director).post(reverse("crm:questionnaire_create"), data)
    assert response.status_code == 302
    with dealership_context(cast.a):
        created = Questionnaire.objects.get(title="新问卷")
        assert created.kind == "service" and not created.is_active
        assert [q.text for q in created.questions.all()] == ["维修质量满意吗？", "是否一次修好？"]


def test_a_questionnaire_without_questions_or_with_a_bad_option_list_is_refused(
    cast, team, client_for
):
    client = client_for(team.crm_director)
    empty = questionnaire_post(None, kind="sales")
    assert client.post(reverse("crm:questionnaire_create"), empty).status_code == 400
    bad = questionnaire_post(
        None,
        kind="sales",
        **{
            "questions-0-text": "渠道？",
            "questions-0-kind": "choice",
            "questions-0-choices": "只有一个",
        },
    )
    response = client.post(reverse("crm:questionnaire_create"), bad)
    assert response.status_code == 400
    assert "two options" in response.content.decode()
    with dealership_context(cast.a):
        assert not Questionnaire.objects.filter(title="新问卷").exists()


def test_editing_a_version_with_answers_on_the_page_makes_the_next_version(cast, team, client_for):
    followup = due_followup(cast, team)
    record(cast, team.sales_followup_specialist, followup, full_answers(cast))
    active = _active(cast)
    edit = reverse("crm:questionnaire_edit", kwargs={"pk": active.pk})
    client = client_for(team.crm_director)
    assert 'data-testid="new-version-note"' in client.get(edit).content.decode()
    with dealership_context(cast.a):
        data = questionnaire_post(active, **{"questions-0-DELETE": "on"})
    response = client.post(edit, data)
    assert response.status_code == 302
    with dealership_context(cast.a):
        new = services.active_questionnaire("sales")
        old = Questionnaire.objects.get(pk=active.pk)
        assert new.pk != old.pk and new.version == old.version + 1
        assert new.questions.count() == old.questions.count() - 1
        assert response.url == new.get_absolute_url()
        assert new.complaint_below == 6


def test_editing_a_version_without_answers_changes_it_in_place(cast, team, client_for):
    active = _active(cast, "service")
    edit = reverse("crm:questionnaire_edit", kwargs={"pk": active.pk})
    with dealership_context(cast.a):
        data = questionnaire_post(active, title="CSI 修订")
    assert client_for(team.crm_director).post(edit, data).status_code == 302
    with dealership_context(cast.a):
        same = Questionnaire.objects.get(pk=active.pk)
        assert same.title == "CSI 修订" and same.is_active


def test_putting_a_questionnaire_in_use(cast, team, client_for):
    with dealership_context(cast.a):
        draft = services.questionnaire_create(
            actor=team.crm_director,
            kind="sales",
            title="SSI 新版",
            questions=[{"text": "满意吗？", "kind": "score"}],
        )
    url = reverse("crm:questionnaire_activate", kwargs={"pk": draft.pk})
    assert client_for(team.sales_followup_specialist).post(url).status_code == 403
    assert client_for(cast.user_b).post(url).status_code == 404
    assert client_for(team.crm_director).post(url).status_code == 302
    assert _active(cast).pk == draft.pk


def test_the_questionnaire_list_runs_a_constant_number_of_queries(cast, team, client_for):
    client = client_for(team.crm_director)
    url = reverse("crm:questionnaire_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with dealership_context(cast.a):
        for n in range(3):
            services.questionnaire_create(
                actor=team.crm_director,
                kind="sales",
                title=f"草稿 {n}",
                questions=[{"text": "满意吗？", "kind": "score"}],
            )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
