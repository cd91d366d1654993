"""Workspaces and grants are read once and kept across requests, and forgotten the moment the
org chart or the memberships change (dealership/access_cache.py): the cache saves queries but
never decides who sees what."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership import access_cache
from dealership.actors import SYSTEM
from dealership.models import Membership
from dealership.tenancy import dealership_context
from org import services
from org.models import Position, PositionAssignment, PositionCapability, StaffMember
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

LIST = "/org/staff/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.ACCESS_CACHE_SECONDS = 300


def _queries(client, url=LIST) -> tuple[int, int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured), [q["sql"] for q in captured]


ACCESS_READS = (
    'SELECT "dealership_membership".',  # workspaces
    'SELECT "org_positionassignment"."position_id"',  # positions held
    'SELECT "org_positioncapability"."capability"',  # their capabilities
)


def _access_reads(sql: list[str]) -> int:
    return sum(s.startswith(ACCESS_READS) for s in sql)


def test_a_second_request_reads_no_memberships_or_grants(cast, client_for):
    client = client_for(cast.user_a)
    _, first, first_sql = _queries(client)
    status, second, second_sql = _queries(client)
    assert status == 200
    assert _access_reads(first_sql) == 3  # memberships, assignments, capabilities
    # nor the HQ memberships, nor the bell's count
    assert _access_reads(second_sql) == 0 and second == first - 3 - 1 - 1


def test_a_capability_taken_away_counts_at_the_next_request(cast, client_for):
    manager = UserFactory()
    hire(manager, cast.a, "hr_manager")
    client = client_for(manager)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 200  # now from the cache
    with dealership_context(cast.a):
        position = Position.objects.get(code="hr_manager")
        services.position_capability_set(
            actor=SYSTEM, position_id=position.pk, capability="org.view_staff", scope=None
        )
    assert client.get(LIST).status_code == 403


def test_an_ended_employment_counts_at_the_next_request(cast, client_for):
    person = UserFactory()
    staff = hire(person, cast.a, "hr_manager")
    client = client_for(person)
    assert client.get(LIST).status_code == 200
    with dealership_context(cast.a):
        services.staff_end(actor=SYSTEM, staff_id=staff.pk)
    assert client.get(LIST).status_code in (302, 403)  # no dealership left: the no-access page


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda d: PositionAssignment.objects.filter(position__code="gm").update(
                is_primary=True
            ),
            id="queryset update",
        ),
        pytest.param(
            lambda d: PositionCapability.objects.filter(capability="org.view_staff").delete(),
            id="queryset delete",
        ),
        pytest.param(
            lambda d: StaffMember.objects.filter(pk__in=[]).update(phone=""), id="empty update"
        ),
        pytest.param(
            lambda d: Membership.objects.filter(dealership=d).update(is_active=True),
            id="membership update",
        ),
        pytest.param(lambda d: d.save(), id="dealership save"),
    ],
)
def test_every_kind_of_write_to_a_dependency_starts_a_new_generation(cast, write):
    cache = access_cache._cache()
    before = access_cache._generation(cache)
    with dealership_context(cast.a):
        write(cast.a)
    assert access_cache._generation(cache) != before


def test_the_dependencies_are_the_access_tables():
    labels = {m._meta.label for m in access_cache.dependencies()}
    assert {
        "dealership.Membership",
        "dealership.GroupMembership",
        "dealership.Dealership",
        "dealership.DealerGroup",
        "org.StaffMember",
        "org.Position",
        "org.PositionAssignment",
        "org.PositionCapability",
    } <= labels


def test_an_unreachable_cache_computes_from_the_database(cast, client_for, monkeypatch):
    client = client_for(cast.user_a)

    class Down:
        def __getattr__(self, name):
            raise ConnectionError("cache down")

    monkeypatch.setattr(access_cache, "_cache", lambda: Down())
    status, _, sql = _queries(client)
    assert status == 200 and _access_reads(sql) == 3


def test_switched_off_it_reads_every_time(cast, client_for, settings):
    settings.ACCESS_CACHE_SECONDS = 0
    client = client_for(cast.user_a)
    _queries(client)
    assert _access_reads(_queries(client)[2]) == 3


def test_the_bell_is_counted_once_and_again_when_notifications_change(cast, client_for):
    from dealership.notifications.services import notify

    client = client_for(cast.user_a)

    def bell() -> tuple[int, bool]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        counted = any('FROM "dealership_notification"' in q["sql"] for q in captured)
        return response.context["unread_notifications"], counted

    assert bell() == (0, True)
    assert bell() == (0, False)  # from the cache
    with dealership_context(cast.a):
        (told,) = notify("platform.job_failed", [cast.user_a], "任务失败", dealership=cast.a)
    assert bell() == (1, True)
    assert bell() == (1, False)
    assert client.post(f"/notifications/{told.pk}/read/").status_code in (200, 302)
    assert bell() == (0, True)


def test_the_departments_a_manager_heads_come_with_the_grants(cast, client_for):
    """The head of a department answers the proposals routed to it (crm's ProposalPolicy): which
    departments they head is kept with the grants, and forgotten when the position changes."""
    head = UserFactory()
    hire(head, cast.a, "service_manager")  # no crm capability: a head by position only
    client = client_for(head)
    assert client.get("/crm/proposals/").status_code == 200
    status, _, sql = _queries(client, "/crm/proposals/")
    assert status == 200
    assert _access_reads(sql) == 0
    assert not [s for s in sql if s.startswith('SELECT "org_position"."department_id"')]
    with dealership_context(cast.a):
        Position.objects.filter(code="service_manager").update(is_manager=False)
    assert client.get("/crm/proposals/").status_code == 403
