"""``/api/v1/crm/follow-ups/``: fields, ``?due_on=`` (a day's call list, past or future),
``?status=`` / ``?kind=``, clear 400s, the attempts and assign actions through the services,
permissions (own rows for a specialist, 404 elsewhere, 403 without the right), isolation and
constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm.models import CallAttempt, FollowUp, PhoneReveal
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
URL = "/api/v1/crm/follow-ups/"


def today():
    return timezone.localdate()


def _followup(cast, team, days_ago=3, specialist=None, **kwargs) -> FollowUp:
    kwargs.setdefault("staff", team.sales_consultant)
    event = make_event(cast.a, occurred_on=today() - days_ago * DAY, **kwargs)
    with dealership_context(cast.a):
        if specialist is not None:
            FollowUp.objects.filter(event=event).update(specialist=specialist)
        return FollowUp.objects.select_related("customer", "vehicle").get(event=event)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_row_shows_what_the_specialist_needs(cast, team, api_for):
    specialist = team.sales_followup_specialist
    followup = _followup(cast, team, specialist=specialist)
    body = api_for(specialist).get(f"{URL}{followup.pk}/").json()
    assert body["kind"] == "sales"
    assert body["customer"] == {"id": followup.customer_id, "name": followup.customer.name}
    assert body["vehicle"]["id"] == followup.vehicle_id
    assert body["vehicle"]["plate"] == followup.vehicle.plate
    assert body["event_date"] == str(today() - 3 * DAY)
    assert (body["window_start"], body["window_end"]) == (str(today()), str(today() + 2 * DAY))
    assert body["status"] == "due" and body["status_on_day"] == "due"
    assert body["specialist"] == {"id": specialist.pk, "name": specialist.name}
    assert body["failed_attempts"] == 0
    assert body["phone"] == followup.customer.mobile
    assert body["event_summary"] == "Delivery of K5"
    assert body["served_by"]["id"] == team.sales_consultant.pk
    with dealership_context(cast.a):
        assert PhoneReveal.objects.filter(
            user=specialist, customer=followup.customer, context="api:crm/follow-ups"
        ).exists()


def test_due_on_lists_a_days_call_list_past_or_future(cast, team, api_for):
    now = _followup(cast, team, days_ago=3)
    soon = _followup(cast, team, days_ago=1)
    gone = _followup(cast, team, days_ago=10)
    quiet = _followup(
        cast, team, customer=make_owner(cast.a, team.sales_consultant, consent_call=False)
    )
    api = api_for(team.customer_relations_manager)
    assert set(_ids(api.get(f"{URL}?due_on={today()}"))) == {now.pk, gone.pk}
    future = api.get(f"{URL}?due_on={today() + 2 * DAY}").json()["results"]
    assert {r["id"]: r["status_on_day"] for r in future} == {
        now.pk: "due",
        soon.pk: "due",
        gone.pk: "overdue",
    }
    past = api.get(f"{URL}?due_on={today() - 6 * DAY}").json()["results"]
    assert {r["id"]: r["status_on_day"] for r in past} == {gone.pk: "due"}
    assert quiet.pk not in _ids(api.get(f"{URL}?due_on={today()}"))
    assert quiet.pk not in _ids(api.get(URL))
    assert _ids(api.get(f"{URL}?status=not_called")) == [quiet.pk]
    assert set(_ids(api.get(f"{URL}?status=scheduled"))) == {soon.pk}


def test_bad_filters_answer_400_with_a_clear_message(cast, team, api_for):
    api = api_for(team.customer_relations_manager)
    for query, field in (
        ("due_on=2026-02-30", "due_on"),
        ("due_on=tomorrow", "due_on"),
        ("status=finished", "status"),
        ("kind=parts", "kind"),
    ):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 400, query
        error = response.json()["error"]
        assert field in error["fields"], query
    message = api.get(f"{URL}?due_on=tomorrow").json()["error"]["fields"]["due_on"][0]
    assert "YYYY-MM-DD" in message


def test_kind_filter(cast, team, api_for):
    sales = _followup(cast, team)
    service = _followup(cast, team, kind="service", staff=team.service_advisor)
    api = api_for(team.crm_director)
    assert _ids(api.get(f"{URL}?kind=service")) == [service.pk]
    assert _ids(api.get(f"{URL}?kind=sales")) == [sales.pk]


def test_who_sees_what(cast, team, api_for):
    mine = _followup(cast, team, specialist=team.sales_followup_specialist)
    theirs = _followup(cast, team, specialist=team.sales_followup_specialist2)
    specialist = api_for(team.sales_followup_specialist)
    assert _ids(specialist.get(URL)) == [mine.pk]
    assert specialist.get(f"{URL}{theirs.pk}/").status_code == 404
    assert specialist.post(f"{URL}{theirs.pk}/attempts/", {"outcome": "busy"}).status_code == 404
    assert set(_ids(api_for(team.customer_relations_manager).get(URL))) == {mine.pk, theirs.pk}
    consultant = api_for(team.sales_consultant)
    assert consultant.get(URL).status_code == 403
    outsider = api_for(cast.user_b)
    assert outsider.get(f"{URL}{mine.pk}/").status_code == 404
    assert mine.pk not in _ids(outsider.get(URL))
    assert outsider.post(f"{URL}{mine.pk}/assign/", {"specialist": 1}).status_code == 404


def test_attempts_are_recorded_through_the_service(cast, team, api_for):
    specialist = team.sales_followup_specialist
    followup = _followup(cast, team, specialist=specialist)
    api = api_for(specialist)
    url = f"{URL}{followup.pk}/attempts/"
    assert api.post(url, {"outcome": "eaten"}, format="json").status_code == 400
    body = api.post(url, {"outcome": "phone_off", "note": "关机"}, format="json")
    assert body.status_code == 201 and body.json()["failed_attempts"] == 1
    assert api.post(url, {"outcome": "busy"}, format="json").json()["failed_attempts"] == 1
    api.post(url, {"outcome": "forwarded"}, format="json")
    last = api.post(url, {"outcome": "no_connection"}, format="json").json()
    assert last["status"] == "unreachable" and last["failed_attempts"] == 3
    closed = api.post(url, {"outcome": "connected"}, format="json")
    assert closed.status_code == 400 and "already closed" in str(closed.json())
    with dealership_context(cast.a):
        outcomes = list(
            CallAttempt.objects.filter(followup=followup)
            .order_by("pk")
            .values_list("outcome", "specialist_id")
        )
    assert outcomes == [
        ("phone_off", specialist.pk),
        ("busy", specialist.pk),
        ("forwarded", specialist.pk),
        ("no_connection", specialist.pk),
    ]
    # a call before the window opens is refused, with the day it opens
    early = _followup(cast, team, days_ago=1, specialist=specialist)
    refused = api.post(f"{URL}{early.pk}/attempts/", {"outcome": "connected"}, format="json")
    assert refused.status_code == 400 and str(today() + 2 * DAY) in str(refused.json())


def test_assign_is_for_the_crm_managers(cast, team, api_for):
    followup = _followup(cast, team, specialist=team.sales_followup_specialist)
    url = f"{URL}{followup.pk}/assign/"
    mine = api_for(team.sales_followup_specialist)
    assert mine.post(url, {"specialist": team.sales_followup_specialist2.pk}).status_code == 403
    manager = api_for(team.customer_relations_manager)
    wrong = manager.post(url, {"specialist": team.service_followup_specialist.pk})
    assert wrong.status_code == 400 and "specialist" in wrong.json()["error"]["fields"]
    assert manager.post(url, {"specialist": "x"}).status_code == 400
    assert manager.post(url, {"specialist": cast.user_b.pk}).status_code == 400
    done = manager.post(url, {"specialist": team.sales_followup_specialist2.pk})
    assert done.status_code == 200
    assert done.json()["specialist"]["id"] == team.sales_followup_specialist2.pk
    assert api_for(cast.hq_user).post(url, {"specialist": 1}).status_code in (403, 404)


def test_the_list_runs_a_constant_number_of_queries(
    cast, team, api_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_for(team.customer_relations_manager)
    _followup(cast, team)
    api.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert len(_ids(api.get(f"{URL}?due_on={today()}"))) == 1
    for n in range(6):
        _followup(cast, team, days_ago=3 + n % 3, kind="service" if n % 2 else "sales")
    with django_assert_max_num_queries(len(one)):
        assert len(_ids(api.get(f"{URL}?due_on={today()}"))) == 7
