"""The call screen (``crm:followup_call``) and its one POST (``crm:followup_call_record``):
the assigned specialist sees the full number (logged), records a connected call with its survey
or a failed attempt; bad input saves nothing; a follow-up not yet due is read-only, a closed one
shows its result; who may only read a follow-up reads it; others get 404 (another dealership,
another specialist's row) or 403 (HQ, a reader posting)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import CallAttempt, Complaint, Customer, FollowUp, PhoneReveal, SurveyResponse
from dealership.tenancy import dealership_context
from tests.crm.test_surveys_services import due_followup, full_answers, questions
from tests.db_roles import in_scope_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def screen_url(followup) -> str:
    return reverse("crm:followup_call", kwargs={"pk": followup.pk})


def record_url(followup) -> str:
    return reverse("crm:followup_call_record", kwargs={"pk": followup.pk})


def call_data(cast, followup, *, outcome="connected", answers=None, **extra) -> dict:
    """The form as the screen posts it, the owner's details unchanged."""
    customer = followup.customer
    data = {
        "name": customer.name,
        "mobile": customer.mobile or "",
        "mobile_alt": customer.mobile_alt,
        "province": customer.province,
        "city": customer.city,
        "district": customer.district,
        "street": customer.street,
        "outcome": outcome,
        "note": "",
        "comment": "",
        "complaint": "",
    }
    if customer.consent_call:
        data["consent_call"] = "on"
    if customer.consent_sms:
        data["consent_sms"] = "on"
    answers = full_answers(cast, followup.kind) if answers is None else answers
    for pk, value in answers.items():
        data[f"q_{pk}"] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    data.update(extra)
    return data


def state(cast, followup):
    with dealership_context(cast.a):
        row = FollowUp.objects.get(pk=followup.pk)
        return (
            row.status,
            row.failed_attempts,
            CallAttempt.objects.filter(followup=row).count(),
            SurveyResponse.objects.filter(followup=row).count(),
            Customer.objects.get(pk=row.customer_id).street,
        )


def test_the_assigned_specialist_sees_the_full_number_and_the_display_is_logged(
    cast, team, client_for
):
    followup = due_followup(cast, team)
    specialist = team.sales_followup_specialist
    response = client_for(specialist).get(screen_url(followup))
    assert response.status_code == 200
    html = response.content.decode()
    assert followup.customer.mobile in html
    assert 'id="call-form"' in html and 'id="outcome-connected"' in html
    assert 'id="outcome-phone_off"' in html and 'accesskey="c"' in html
    assert "autofocus" in html
    with dealership_context(cast.a):
        active = questions(cast)["score"][0]
        assert active.text in html  # the survey's questions
        logged = PhoneReveal.objects.filter(user=specialist, customer=followup.customer)
        assert logged.count() == 1
        assert logged.get().context == "crm:followup_call"
    assert "Delivery of K5" in html  # what happened on day N
    assert 'data-mode="work"' in html


def test_a_connected_call_with_answers_is_done_with_its_survey(cast, team, client_for):
    followup = due_followup(cast, team)
    client = client_for(team.sales_followup_specialist)
    response = client.post(record_url(followup), call_data(cast, followup, note="顺利"))
    assert response.status_code == 302
    assert response.url == reverse("crm:followup_today")
    status, failed, attempts, surveys, _street = state(cast, followup)
    assert (status, failed, attempts, surveys) == ("done", 0, 1, 1)
    with dealership_context(cast.a):
        survey = SurveyResponse.objects.get(followup=followup)
        assert survey.channel == "call" and survey.score is not None
        assert CallAttempt.objects.get(followup=followup).note == "顺利"
    followed = client.get(response.url)
    assert "recorded" in followed.content.decode()
    closed = client.get(screen_url(followup)).content.decode()
    assert 'data-testid="call-result"' in closed and survey.get_absolute_url() in closed


def test_a_failed_attempt_stays_on_the_screen_and_the_followup_stays_open(cast, team, client_for):
    followup = due_followup(cast, team)
    client = client_for(team.sales_followup_specialist)
    data = call_data(cast, followup, outcome="phone_off", answers={}, note="关机")
    response = client.post(record_url(followup), data)
    assert response.status_code == 302 and response.url == screen_url(followup)
    assert state(cast, followup)[:4] == ("due", 1, 1, 0)
    page = client.get(response.url).content.decode()
    assert "Attempt 1 recorded" in page
    assert 'data-outcome="phone_off"' in page


def test_answers_are_ignored_when_the_call_did_not_connect(cast, team, client_for):
    followup = due_followup(cast, team)
    client = client_for(team.sales_followup_specialist)
    response = client.post(record_url(followup), call_data(cast, followup, outcome="busy"))
    assert response.status_code == 302
    assert state(cast, followup)[:4] == ("due", 0, 1, 0)


def test_the_third_failed_attempt_makes_the_customer_unreachable(cast, team, client_for):
    followup = due_followup(cast, team)
    client = client_for(team.sales_followup_specialist)
    for outcome in ("phone_off", "forwarded", "no_connection"):
        response = client.post(
            record_url(followup), call_data(cast, followup, outcome=outcome, answers={})
        )
        assert response.status_code == 302
    assert state(cast, followup)[:3] == ("unreachable", 3, 3)
    page = client.get(screen_url(followup)).content.decode()
    assert 'data-testid="call-result"' in page and "Unreachable" in page


@pytest.mark.parametrize(
    "bad",
    [
        {"outcome": ""},
        {"outcome": "hung_up"},
        {"mobile": "12345"},
        {"name": ""},
        {"note": "x" * 501},
        {"complaint": "太差了", "outcome": "busy"},
    ],
    ids=["no outcome", "unknown outcome", "bad mobile", "no name", "long note", "complaint"],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(cast, team, client_for, bad):
    followup = due_followup(cast, team)
    before = state(cast, followup)
    data = call_data(cast, followup, street="新地址 1 号", **bad)
    response = client_for(team.sales_followup_specialist).post(record_url(followup), data)
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert state(cast, followup) == before


def test_a_connected_call_needs_the_required_answers_and_saves_nothing_without(
    cast, team, client_for
):
    followup = due_followup(cast, team)
    before = state(cast, followup)
    required = questions(cast)["score"][0]
    answers = full_answers(cast)
    del answers[required.pk]
    data = call_data(cast, followup, answers=answers, street="新地址 1 号")
    response = client_for(team.sales_followup_specialist).post(record_url(followup), data)
    assert response.status_code == 400
    with in_scope_of(response):
        assert f"q_{required.pk}" in response.context["form"].errors
    assert state(cast, followup) == before  # the address was not changed either
    with dealership_context(cast.a):
        assert not PhoneReveal.objects.filter(context="").exists()


def test_a_low_score_on_the_call_opens_a_complaint(cast, team, client_for):
    followup = due_followup(cast, team)
    low = questions(cast)["score"][0]
    answers = {**full_answers(cast), low.pk: 2}
    response = client_for(team.sales_followup_specialist).post(
        record_url(followup), call_data(cast, followup, answers=answers)
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        complaint = Complaint.objects.get(followup=followup)
    page = client_for(team.sales_followup_specialist).get(screen_url(followup)).content.decode()
    assert complaint.number in page


def test_a_followup_not_yet_due_is_read_only(cast, team, client_for):
    followup = due_followup(cast, team, days_ago=1)
    client = client_for(team.sales_followup_specialist)
    page = client.get(screen_url(followup)).content.decode()
    assert 'data-testid="call-not-due"' in page
    assert 'id="call-submit"' not in page
    assert 'data-mode="not_due"' in page
    before = state(cast, followup)
    response = client.post(record_url(followup), call_data(cast, followup, outcome="busy"))
    assert response.status_code == 400
    assert state(cast, followup) == before


def test_a_customer_not_called_shows_why(cast, team, client_for):
    from tests.crm.conftest import make_event, make_owner

    customer = make_owner(cast.a, team.sales_consultant, consent_call=False)
    event = make_event(cast.a, customer=customer)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
    page = client_for(team.crm_director).get(screen_url(followup)).content.decode()
    assert 'data-testid="call-not-called"' in page and 'id="call-submit"' not in page


def test_who_may_only_read_the_followup_reads_it_and_may_not_post(cast, team, client_for):
    followup = due_followup(cast, team)  # its event was served by the sales consultant
    client = client_for(team.sales_manager)  # follow-ups of the department, read only
    page = client.get(screen_url(followup))
    assert page.status_code == 200
    assert 'data-testid="call-read-only"' in page.content.decode()
    assert 'id="call-submit"' not in page.content.decode()
    before = state(cast, followup)
    assert client.post(record_url(followup), call_data(cast, followup)).status_code == 403
    assert state(cast, followup) == before


def test_the_crm_manager_may_work_any_followup(cast, team, client_for):
    followup = due_followup(cast, team)
    client = client_for(team.customer_relations_manager)
    assert 'data-mode="work"' in client.get(screen_url(followup)).content.decode()
    response = client.post(record_url(followup), call_data(cast, followup, outcome="busy"))
    assert response.status_code == 302
    assert state(cast, followup)[2] == 1


def test_another_specialists_followup_and_another_dealership_answer_404(cast, team, client_for):
    followup = due_followup(cast, team)
    before = state(cast, followup)
    for user in (team.sales_followup_specialist2, cast.user_b):
        client = client_for(user)
        assert client.get(screen_url(followup)).status_code == 404
        assert client.post(record_url(followup), call_data(cast, followup)).status_code == 404
    assert state(cast, followup) == before


def test_hq_reads_the_screen_but_cannot_post(cast, team, client_for):
    followup = due_followup(cast, team)
    first = questions(cast)["score"][0]
    with dealership_context(cast.a):  # A's own wording, not B's (HQ reads both)
        type(first).objects.filter(pk=first.pk).update(text="甲店的问题")
    before = state(cast, followup)
    client = client_for(cast.hq_user)
    page = client.get(screen_url(followup))
    assert page.status_code == 200
    assert 'id="call-submit"' not in page.content.decode()
    assert "甲店的问题" in page.content.decode()
    assert client.post(record_url(followup), call_data(cast, followup)).status_code == 403
    assert state(cast, followup) == before


def test_the_gm_may_work_the_followup(cast, team, client_for):
    followup = due_followup(cast, team)
    client = client_for(cast.user_a)
    assert 'data-mode="work"' in client.get(screen_url(followup)).content.decode()
    response = client.post(record_url(followup), call_data(cast, followup))
    assert response.status_code == 302
    assert state(cast, followup)[0] == "done"


def test_someone_without_follow_up_rights_gets_403(cast, team, client_for):
    from tests.factories import hire

    followup = due_followup(cast, team)
    accountant = UserFactory(username="acct_calls")
    hire(accountant, cast.a, "accountant")
    client = client_for(accountant)
    assert client.get(screen_url(followup)).status_code == 403
    assert client.post(record_url(followup), call_data(cast, followup)).status_code == 403


def test_the_screen_runs_a_constant_number_of_queries(cast, team, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    followup = due_followup(cast, team)
    client = client_for(team.sales_followup_specialist)
    client.get(screen_url(followup))  # warm the session and caches
    with CaptureQueriesContext(connection) as first:
        client.get(screen_url(followup))
    for outcome in ("busy", "no_answer", "busy", "no_answer"):
        client.post(record_url(followup), call_data(cast, followup, outcome=outcome, answers={}))
    with CaptureQueriesContext(connection) as later:
        client.get(screen_url(followup))
    assert len(later) == len(first)
