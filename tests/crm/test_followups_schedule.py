"""Follow-up scheduling: one follow-up per event, its window, its specialist, consent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm.models import FollowUp, FollowUpStatus
from crm.services.followups import status_on
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner


def _followup(cast, event) -> FollowUp:
    with dealership_context(cast.a):
        return FollowUp.objects.get(event=event)


def test_a_delivery_gets_one_followup_in_the_window_of_n_plus_3_to_5(cast, team):
    day = timezone.localdate() - dt.timedelta(days=1)
    event = make_event(cast.a, kind="sales", occurred_on=day, staff=team.sales_consultant)
    followup = _followup(cast, event)
    assert (followup.kind, followup.event_date) == ("sales", day)
    assert followup.window_start == day + dt.timedelta(days=3)
    assert followup.window_end == day + dt.timedelta(days=5)
    assert followup.status == FollowUpStatus.SCHEDULED
    assert followup.specialist_id in {
        team.sales_followup_specialist.pk,
        team.sales_followup_specialist2.pk,
    }
    assert [status_on(followup, day + dt.timedelta(days=n)) for n in range(1, 7)] == [
        "scheduled",
        "scheduled",
        "due",
        "due",
        "due",
        "overdue",
    ]


def test_followups_are_balanced_among_the_specialists_and_service_goes_to_service(cast, team):
    for _ in range(4):
        make_event(cast.a, kind="sales", staff=team.sales_consultant)
    service = make_event(cast.a, kind="service", staff=team.service_advisor)
    with dealership_context(cast.a):
        sales = list(FollowUp.objects.filter(kind="sales").values_list("specialist_id", flat=True))
    assert sorted(sales) == sorted(
        [team.sales_followup_specialist.pk] * 2 + [team.sales_followup_specialist2.pk] * 2
    )
    assert _followup(cast, service).specialist_id == team.service_followup_specialist.pk


def test_a_customer_without_consent_to_calls_is_not_called_and_the_row_says_why(cast, team):
    customer = make_owner(cast.a, team.sales_consultant, consent_call=False)
    followup = _followup(cast, make_event(cast.a, customer=customer))
    assert followup.status == FollowUpStatus.NOT_CALLED
    assert followup.specialist_id is None
    assert "consent" in followup.reason
