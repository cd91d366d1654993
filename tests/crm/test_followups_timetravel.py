"""The issue's time-travel test, with a fixed cast and a frozen clock: a delivery (through the
real sales service) and a closed repair order (through the real after-sales service) on day N,
and one of each reported as the modules report them, are on nobody's call list on N+1 and
N+2, appear on N+3, are still there on N+5 and are overdue on N+6 — on the page, in the API
(``?due_on=``) and in the stored status after the daily job has run each day. The follow-up is
created in the event's transaction: one per event, none when the transaction rolls back."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction

from crm.models import FollowUp, Vehicle
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner, valid_vin
from tests.crm.test_followups_support import MONDAY, frozen, run_job

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
N = MONDAY  # day N


def _sold(cast, consultant):
    """A delivery through ``sales.services.delivery_create`` on today's (frozen) date."""
    from sales import services as sales
    from tests.sales.conftest import make_lead
    from tests.sales.stock_helpers import delivery_kwargs, order_with_car

    customer = make_owner(cast.a, consultant, name="王交车")
    lead = make_lead(cast.a, consultant, customer=customer, stage="order")
    order, _car = order_with_car(cast.a, consultant, lead=lead)
    with dealership_context(cast.a):
        return sales.delivery_create(actor=consultant, **delivery_kwargs(order))


def _serviced(cast, advisor):
    """A repair order closed through ``aftersales.services.repairorder_close`` today."""
    from aftersales import services as aftersales
    from tests.aftersales.conftest import make_repair_order

    customer = make_owner(cast.a, None, name="赵保养")
    with dealership_context(cast.a):
        vehicle = Vehicle.objects.create(
            dealership=cast.a, vin=valid_vin(), plate="粤B12345", model="K3", owner=customer
        )
    order = make_repair_order(cast.a, advisor, vehicle=vehicle, status="ready")
    with dealership_context(cast.a):
        return aftersales.repairorder_close(actor=advisor, repair_order_id=order.pk)


def _followups(cast, **lookup) -> list[FollowUp]:
    with dealership_context(cast.a):
        return list(FollowUp.objects.filter(**lookup).select_related("event").order_by("pk"))


def _page_rows(client) -> dict[int, str]:
    """{follow-up id: status shown} of today's calls page."""
    response = client.get("/crm/calls/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<tr[^>]*data-followup="(\d+)"[^>]*>(.*?)</tr>', html, re.S)
    return {int(pk): re.search(r'data-status="(\w+)"', row).group(1) for pk, row in rows}


def _api_rows(api, day) -> dict[int, str]:
    response = api.get(f"/api/v1/crm/follow-ups/?due_on={day:%Y-%m-%d}&page_size=200")
    assert response.status_code == 200, response.content
    return {row["id"]: row["status_on_day"] for row in response.json()["results"]}


EXPECTED = {1: None, 2: None, 3: "due", 4: "due", 5: "due", 6: "overdue"}


def test_day_n_plus_3_to_5_then_overdue_on_the_page_in_the_api_and_stored(
    cast, team, client_for, api_for
):
    with frozen(N, 15):
        delivery = _sold(cast, team.sales_consultant)
        repair = _serviced(cast, team.service_advisor)
        make_event(cast.a, kind="sales", staff=team.sales_consultant)
        make_event(cast.a, kind="service", staff=team.service_advisor)
    rows = _followups(cast)
    assert len(rows) == 4
    sources = {(r.kind, r.event.source_type, r.event.source_id) for r in rows}
    assert ("sales", "sales.delivery", delivery.pk) in sources
    assert ("service", "aftersales.repairorder", repair.pk) in sources
    assert {r.event_date for r in rows} == {N}
    specialists = {
        team.sales_followup_specialist.pk,
        team.sales_followup_specialist2.pk,
        team.service_followup_specialist.pk,
    }
    people = [
        team.sales_followup_specialist,
        team.sales_followup_specialist2,
        team.service_followup_specialist,
        team.customer_relations_manager,
    ]
    ids = {r.pk for r in rows}
    for n, expected in EXPECTED.items():
        day = N + n * DAY
        with frozen(day, 9):
            assert run_job(cast.a, day).state == "succeeded"
            stored = {r.pk: r.status for r in _followups(cast)}
            assert set(stored.values()) == {expected or "scheduled"}, (n, stored)
            for person in people:
                page = _page_rows(client_for(person))
                api = _api_rows(api_for(person), day)
                own = (
                    ids
                    if person == team.customer_relations_manager
                    else {r.pk for r in rows if r.specialist_id == person.pk}
                )
                if expected is None:
                    assert not (page.keys() | api.keys()) & ids, (n, person)
                    continue
                assert page.keys() & ids == own, (n, person.username)
                assert api.keys() & ids == own, (n, person.username)
                assert {page[pk] for pk in own} <= {expected}
                assert {api[pk] for pk in own} <= {expected}
            # the API lists the same days for a day asked in advance (a future list)
            manager = api_for(team.customer_relations_manager)
            if n <= 3:
                future = _api_rows(manager, N + 3 * DAY)
                assert ids <= future.keys()
    assert {r.specialist_id for r in rows} <= specialists


def test_a_delivery_schedules_exactly_one_followup_in_its_transaction(cast, team):
    with frozen(N, 15):
        _sold(cast, team.sales_consultant)
        (followup,) = _followups(cast)
        assert (followup.kind, followup.window_start, followup.window_end) == (
            "sales",
            N + 3 * DAY,
            N + 5 * DAY,
        )
        with pytest.raises(RuntimeError), transaction.atomic():
            _sold(cast, team.sales_consultant)
            assert len(_followups(cast)) == 2  # inside the delivery's transaction …
            raise RuntimeError("the hand-over fails after the event")
        assert len(_followups(cast)) == 1  # … and gone with it


def test_a_closed_repair_order_schedules_exactly_one_followup_in_its_transaction(cast, team):
    with frozen(N, 15):
        repair = _serviced(cast, team.service_advisor)
        (followup,) = _followups(cast)
        assert followup.kind == "service" and followup.event.source_id == repair.pk
        assert followup.specialist_id == team.service_followup_specialist.pk
        with pytest.raises(RuntimeError), transaction.atomic():
            _serviced(cast, team.service_advisor)
            assert len(_followups(cast, kind="service")) == 2
            raise RuntimeError("closing fails after the event")
        assert len(_followups(cast)) == 1
