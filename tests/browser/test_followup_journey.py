"""The follow-up specialist's morning in the browser, in Chinese, at a phone's width: two
customers delivered four days ago are on "今日回访"; the first call connects — the specialist
answers the SSI questionnaire on the call screen and saves — and the row is done with a survey
recorded; the second customer's phone is off — one failed attempt, the follow-up stays due. Every page the journey passes fits a phone's width."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dealership.tenancy import dealership_context
from tests.browser.journey import log_in
from tests.cast import build_cast
from tests.crm.conftest import make_event, make_owner
from tests.factories import UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits_a_phone(page, name):
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow}px wider than a phone"


def _status_on_list(page, followup) -> str:
    return page.locator(f"tr[data-followup='{followup.pk}'] [data-status]").get_attribute(
        "data-status"
    )


def _answer_every_question(page):
    """A 9 for each score question, the first option of the others, a word in text ones."""
    names = page.evaluate(
        """() => [...new Set([...document.querySelectorAll(
             '#call-form input[type=radio][name^=q_]')].map(i => i.name))]"""
    )
    for name in names:
        nine = page.locator(f"#call-form input[name={name}][value='9']")
        radio = nine if nine.count() else page.locator(f"#call-form input[name={name}]").first
        page.click(f"label[for='{radio.get_attribute('id')}']")
    for area in page.locator("#call-form textarea[name^=q_]").all():
        area.fill("满意")


def test_a_specialist_works_todays_calls(page, live_server):
    from crm.models import FollowUp, FollowUpStatus, SurveyResponse
    from crm.services.surveys import questionnaires_seed

    cast = build_cast()
    with dealership_context(cast.a):
        questionnaires_seed(cast.a)
    specialist = UserFactory(username="specialist", name="回访专员")
    hire(specialist, cast.a, "sales_followup_specialist")
    consultant = UserFactory(username="consultant", name="林顾问")
    hire(consultant, cast.a, "sales_consultant")
    day_n = timezone.localdate() - dt.timedelta(days=4)
    first = make_owner(cast.a, consultant, name="王建国")
    second = make_owner(cast.a, consultant, name="李秀英")
    events = [
        make_event(cast.a, customer=first, occurred_on=day_n, staff=consultant),
        make_event(cast.a, customer=second, occurred_on=day_n, staff=consultant),
    ]
    with dealership_context(cast.a):
        rows = [FollowUp.objects.get(event=event) for event in events]
    assert {row.specialist_id for row in rows} == {specialist.pk}

    page.set_viewport_size(PHONE)
    log_in(page, live_server, "specialist")
    page.goto(f"{live_server.url}/crm/calls/")
    assert page.locator("table", has_text="王建国").count() == 1
    assert page.locator("table", has_text="李秀英").count() == 1
    _fits_a_phone(page, "today")

    # the first call connects: the survey answered on the call screen
    page.click(f"a[href='/crm/follow-ups/{rows[0].pk}/']")
    page.wait_for_selector("#call-form")
    assert page.locator("[data-testid=customer-details] input[name=mobile]").input_value() == (
        first.mobile
    )  # the assigned specialist sees the full number
    _fits_a_phone(page, "call")
    _answer_every_question(page)
    page.click("label[for=outcome-connected]")
    with page.expect_navigation():
        page.click("#call-submit")
    assert page.locator("[data-testid=form-errors]").count() == 0
    page.wait_for_url(re.compile(r"/crm/calls/"))
    # today's list keeps what was on it today: the first row is done, the second still due
    assert _status_on_list(page, rows[0]) == "done"
    assert _status_on_list(page, rows[1]) == "due"

    # the second customer's phone is off: one failed attempt, still on the list
    page.click(f"a[href='/crm/follow-ups/{rows[1].pk}/']")
    page.wait_for_selector("#call-form")
    page.click("label[for=outcome-phone_off]")
    with page.expect_navigation():
        page.click("#call-submit")
    assert page.locator("[data-testid=form-errors]").count() == 0
    assert page.locator("[data-testid=attempt][data-outcome=phone_off]").count() == 1
    page.goto(f"{live_server.url}/crm/calls/")
    assert _status_on_list(page, rows[1]) == "due"

    with dealership_context(cast.a):
        done, open_row = (FollowUp.objects.get(pk=row.pk) for row in rows)
        survey = SurveyResponse.objects.get(followup=done)
        assert (done.status, done.completed_by_id) == (FollowUpStatus.DONE, specialist.pk)
        assert survey.score is not None and survey.answers.exists()
        assert open_row.status == FollowUpStatus.DUE
        assert open_row.failed_attempts == 1
        assert not SurveyResponse.objects.filter(followup=open_row).exists()
