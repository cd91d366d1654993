"""The two weekly reports due Monday 12:00: the customer-department weekly report (calls,
reach, data checks, satisfaction, complaints of the week) and the face-to-face questionnaire
analysis; each scheduled run gives its page, PDF and workbook, once per week."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.models import FollowUp
from crm.services import datachecks
from crm.services.surveys import active_questionnaire, survey_record
from dealership.actors import SYSTEM
from dealership.models import ReportRun
from dealership.reports import get_report
from dealership.reports.periods import Period
from dealership.reports.services import report_run_scheduled
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event
from tests.crm.test_followups_support import MONDAY, frozen
from tests.crm.test_targets import _surveyed

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
LAST_WEEK = Period("week", MONDAY - 7 * DAY, MONDAY - DAY)


def _gather(code, cast):
    with dealership_context(cast.a):
        return get_report(code).gather(SYSTEM, LAST_WEEK)


def _figures(content) -> dict:
    return {str(label): value for label, value, _kind in content.figures}


def test_customer_weekly(cast, team):
    # a delivery on Monday - 6: reached on N+3 (last week) with a survey
    _surveyed(cast, team, n_day=MONDAY - 6 * DAY)
    with frozen(MONDAY - 5 * DAY, 8), dealership_context(cast.a):
        datachecks.datachecks_list(dealership=cast.a, day=MONDAY - 5 * DAY)
    with frozen(MONDAY, 12):
        content = _gather("crm.customer_weekly", cast)
    figures = _figures(content)
    assert figures["Calls made"] == 1
    assert figures["Customers reached"] == 1
    assert figures["Customer details checked (day N+1)"] == 1
    assert figures["SSI (mean score)"] is not None
    assert {str(t.title) for t in content.tables} >= {"Complaints by category"}


def test_face_to_face_and_scheduled_run(cast, team, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    n_day = MONDAY - 5 * DAY
    with frozen(n_day, 11):
        event = make_event(cast.a, kind="sales", occurred_on=n_day, staff=team.sales_consultant)
        with dealership_context(cast.a):
            followup = FollowUp.objects.select_related("specialist").get(event=event)
            questionnaire = active_questionnaire("sales")
            answers = {}
            for q in questionnaire.questions.all():
                answers[q.pk] = {"score": 9, "yes_no": True, "choice": (q.choices or [""])[0]}.get(
                    q.kind, "很好"
                )
            survey_record(
                actor=followup.specialist,
                followup_id=followup.pk,
                answers=answers,
                channel="face_to_face",
                comment="交车仪式很用心",
            )
    with frozen(MONDAY, 12):
        content = _gather("crm.face_to_face_weekly", cast)
        figures = _figures(content)
        assert figures["Face-to-face questionnaires"] == 1
        comments = next(t for t in content.tables if str(t.title) == "Customers' comments")
        assert comments.rows[0][3] == "交车仪式很用心"
        for code in ("crm.face_to_face_weekly", "crm.customer_weekly"):
            with dealership_context(cast.a):
                report_run_scheduled(report=get_report(code), dealership=cast.a, run_date=MONDAY)
                report_run_scheduled(report=get_report(code), dealership=cast.a, run_date=MONDAY)
                runs = list(ReportRun.objects.filter(report=code))
            assert len(runs) == 1 and runs[0].status == "done", runs[0].error
            assert runs[0].pdf and runs[0].xlsx
