"""Unreachable customers (联系方式核实): three failed attempts (phone off, forwarded, no
connection; busy does not count) → unreachable → Monday's list to the consultant who sold to
them (told once) → the consultant returns a verified mobile → the customer's number is
corrected, the follow-up reopens and is on the call list again. Overdue checks go to the
sales manager once (frozen clock). Pages and API, permissions and isolation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import ContactCheck, Customer, FollowUp
from crm.notifications import CONTACT_CHECK_OVERDUE, UNREACHABLE_LIST
from crm.services import contact_checks as checks
from crm.services import followups as services
from dealership.models import AuditEntry
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner
from tests.crm.test_followups_support import MONDAY, frozen, notes, run_job
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
N = MONDAY - 7 * DAY  # a delivery on the Monday before: called Thursday to Saturday


def _in_a(cast, function, **kwargs):
    with dealership_context(cast.a):
        return function(**kwargs)


def _reload(cast, model, pk):
    with dealership_context(cast.a):
        return model.objects.get(pk=pk)


def _unreachable(cast, team, *, kind="sales", staff=None, customer=None) -> FollowUp:
    """A delivery on N, called on N+3: phone off, busy, forwarded, no connection."""
    staff = staff or team.sales_consultant
    with frozen(N, 11):
        event = make_event(cast.a, kind=kind, occurred_on=N, staff=staff, customer=customer)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
    specialist = followup.specialist
    with frozen(N + 3 * DAY, 10):
        for outcome in ("phone_off", "busy", "forwarded"):
            _in_a(
                cast,
                services.followup_attempt_record,
                actor=specialist,
                followup_id=followup.pk,
                outcome=outcome,
            )
            assert _reload(cast, FollowUp, followup.pk).status == "due", outcome
        _in_a(
            cast,
            services.followup_attempt_record,
            actor=specialist,
            followup_id=followup.pk,
            outcome="no_connection",
        )
    followup = _reload(cast, FollowUp, followup.pk)
    assert (followup.status, followup.failed_attempts) == ("unreachable", 3)
    assert followup.closed_on == N + 3 * DAY
    return followup


def _checks(cast, **lookup) -> list[ContactCheck]:
    with dealership_context(cast.a):
        return list(ContactCheck.objects.filter(**lookup).order_by("pk"))


def test_the_whole_chain_from_three_failed_calls_to_the_call_list_again(cast, team, client_for):
    consultant = team.sales_consultant
    followup = _unreachable(cast, team)
    customer = _reload(cast, Customer, followup.customer_id)
    with frozen(MONDAY, 9, 5):
        run = run_job(cast.a, MONDAY, "crm.unreachable_weekly")
        assert run.state == "succeeded" and "1 contact checks, 1 told" in run.result
        (check,) = _checks(cast)
        assert (check.consultant_id, check.week, check.due_on, check.state) == (
            consultant.pk,
            MONDAY,
            MONDAY + 3 * DAY,
            "open",
        )
        told = notes(cast.a, UNREACHABLE_LIST)
        assert [(uid, key) for uid, key, _s in told] == [
            (consultant.pk, f"crm.unreachable_weekly:{consultant.pk}:2030-03-04")
        ]
        with dealership_context(cast.a):
            body = Notification.objects.get(kind=UNREACHABLE_LIST).body_en
        assert customer.name in body and "2030-03-07" in body
        # the job again: nothing new, nobody told twice
        with dealership_context(cast.a):
            assert "0 contact checks" in checks.contact_checks_weekly(dealership=cast.a, day=MONDAY)
        assert len(_checks(cast)) == 1 and notes(cast.a, UNREACHABLE_LIST) == told

    with frozen(MONDAY + DAY, 10):
        client = client_for(consultant)
        assert client.get("/crm/follow-ups/").status_code == 403  # no follow-up pages …
        listing = client.get("/crm/contact-checks/").content.decode()
        assert f'data-check="{check.pk}"' in listing  # … but their contact checks
        detail = client.get(f"/crm/contact-checks/{check.pk}/").content.decode()
        assert 'data-testid="return-form"' in detail and customer.name in detail
        new_mobile = "13912345678"
        response = client.post(
            f"/crm/contact-checks/{check.pk}/return/",
            {"mobile": "+86 139-1234-5678", "note": "new number from the customer's wife"},
        )
        assert response.status_code == 302
        assert response["Location"] == f"/crm/contact-checks/{check.pk}/"
        check = _reload(cast, ContactCheck, check.pk)
        assert (check.state, check.mobile, check.returned_by_id) == (
            "returned",
            new_mobile,
            consultant.pk,
        )
        assert _reload(cast, Customer, customer.pk).mobile == new_mobile
        with dealership_context(cast.a):
            change = AuditEntry.objects.get(
                object_type="crm.Customer", object_id=str(customer.pk), action="update"
            )
        assert change.actor_id == consultant.pk
        assert (change.before["mobile"], change.after["mobile"]) == (customer.mobile, new_mobile)
        followup = _reload(cast, FollowUp, followup.pk)
        # the window (N+3..N+5) has passed: back on the list as overdue, attempts afresh
        assert (followup.status, followup.failed_attempts, followup.closed_on) == (
            "overdue",
            0,
            None,
        )
        assert followup.reopened_at is not None
        calls = client_for(followup.specialist).get("/crm/calls/").content.decode()
        assert f'data-followup="{followup.pk}"' in calls
        # answered: no form any more, a second answer is refused
        again = client.post(f"/crm/contact-checks/{check.pk}/return/", {"mobile": new_mobile})
        assert again.status_code == 400 and "already been answered" in again.content.decode()


def test_who_sees_and_answers_a_contact_check(cast, team, client_for):
    followup = _unreachable(cast, team)
    with frozen(MONDAY, 9, 5):
        run_job(cast.a, MONDAY, "crm.unreachable_weekly")
    (check,) = _checks(cast)
    url = f"/crm/contact-checks/{check.pk}/"
    second = UserFactory(username="cc_consultant2", name="consultant two")
    hire(second, cast.a, "sales_consultant")
    other = client_for(second)
    assert other.get(url).status_code == 404
    assert other.post(f"{url}return/", {"mobile": "13912345678"}).status_code == 404
    assert f'data-check="{check.pk}"' not in other.get("/crm/contact-checks/").content.decode()
    outsider = client_for(cast.user_b)
    assert outsider.get(url).status_code == 404
    assert outsider.post(f"{url}close/", {"note": "x"}).status_code == 404
    manager = client_for(team.sales_manager)  # the consultant's department
    assert manager.get(url).status_code == 200
    crm = client_for(team.customer_relations_manager)
    assert f'data-check="{check.pk}"' in crm.get("/crm/contact-checks/").content.decode()
    # the specialist reads follow-ups, not the customer master's checks it cannot change
    assert _reload(cast, FollowUp, followup.pk).status == "unreachable"


def test_a_number_another_customer_has_is_refused_and_nothing_changes(cast, team, client_for):
    followup = _unreachable(cast, team)
    taken = make_owner(cast.a, None, name="另一位客户", mobile="13800138000")
    with frozen(MONDAY, 9, 5):
        run_job(cast.a, MONDAY, "crm.unreachable_weekly")
    (check,) = _checks(cast)
    client = client_for(team.sales_consultant)
    for mobile, message in (
        ("13800138000", "already belongs to customer"),
        ("12345", "not a valid mainland mobile number"),
        ("", "This field is required"),
    ):
        response = client.post(f"/crm/contact-checks/{check.pk}/return/", {"mobile": mobile})
        assert response.status_code == 400 and message in response.content.decode(), mobile
    assert _reload(cast, ContactCheck, check.pk).state == "open"
    assert _reload(cast, FollowUp, followup.pk).status == "unreachable"
    assert _reload(cast, Customer, taken.pk).mobile == "13800138000"


def test_closed_without_new_contacts_is_not_sent_again(cast, team, client_for):
    followup = _unreachable(cast, team)
    with frozen(MONDAY, 9, 5):
        run_job(cast.a, MONDAY, "crm.unreachable_weekly")
    (check,) = _checks(cast)
    client = client_for(team.sales_consultant)
    assert client.post(f"/crm/contact-checks/{check.pk}/close/", {"note": ""}).status_code == 400
    done = client.post(f"/crm/contact-checks/{check.pk}/close/", {"note": "customer moved away"})
    assert done.status_code == 302
    check = _reload(cast, ContactCheck, check.pk)
    assert (check.state, check.note) == ("closed", "customer moved away")
    assert _reload(cast, FollowUp, followup.pk).status == "unreachable"
    with frozen(MONDAY + 7 * DAY, 9, 5):
        assert (
            "0 contact checks" in run_job(cast.a, MONDAY + 7 * DAY, "crm.unreachable_weekly").result
        )
    assert len(_checks(cast)) == 1


def test_an_overdue_check_is_escalated_to_the_sales_manager_once(cast, team):
    _unreachable(cast, team)
    with frozen(MONDAY, 9, 5):
        run_job(cast.a, MONDAY, "crm.unreachable_weekly")
    (check,) = _checks(cast)
    assert check.due_on == MONDAY + 3 * DAY  # Thursday
    with frozen(MONDAY + 3 * DAY, 9, 30):
        assert (
            "0 contact checks escalated"
            in run_job(cast.a, MONDAY + 3 * DAY, "crm.contact_check_escalation").result
        )
    assert notes(cast.a, CONTACT_CHECK_OVERDUE) == []
    with frozen(MONDAY + 4 * DAY, 9, 30):
        run = run_job(cast.a, MONDAY + 4 * DAY, "crm.contact_check_escalation")
        assert "1 contact checks escalated" in run.result
    told = notes(cast.a, CONTACT_CHECK_OVERDUE)
    assert [(uid, key) for uid, key, _s in told] == [
        (team.sales_manager.pk, f"crm.contact_check_overdue:{check.pk}")
    ]
    assert "2030-03-07" in told[0][2]
    check = _reload(cast, ContactCheck, check.pk)
    assert check.escalated_at is not None
    for n in (5, 6):
        with frozen(MONDAY + n * DAY, 9, 30):
            run = run_job(cast.a, MONDAY + n * DAY, "crm.contact_check_escalation")
            assert "0 contact checks escalated" in run.result
    assert notes(cast.a, CONTACT_CHECK_OVERDUE) == told
    assert _reload(cast, ContactCheck, check.pk).escalated_at == check.escalated_at


def test_who_checks_a_service_customer_and_who_is_told_when_nobody_can(cast, team):
    owned = make_owner(cast.a, team.sales_consultant)
    by_owner = _unreachable(cast, team, kind="service", staff=team.service_advisor, customer=owned)
    by_advisor = _unreachable(
        cast, team, kind="service", staff=team.service_advisor, customer=make_owner(cast.a, None)
    )
    leaver = UserFactory(username="cc_leaver", name="left us")
    hire(leaver, cast.a, "sales_consultant")
    gone = _unreachable(cast, team, staff=leaver)
    from dealership.actors import SYSTEM
    from org import services as org
    from org.models import StaffMember

    with dealership_context(cast.a):
        staff = StaffMember.objects.get(user=leaver)
        org.staff_end(actor=SYSTEM, staff_id=staff.pk, end_date=dt.date(2025, 6, 1))
    with frozen(MONDAY, 9, 5):
        run_job(cast.a, MONDAY, "crm.unreachable_weekly")
    made = {c.followup_id: c.consultant_id for c in _checks(cast)}
    assert made == {
        by_owner.pk: team.sales_consultant.pk,
        by_advisor.pk: team.service_advisor.pk,
        gone.pk: None,
    }
    told = {key: uid for uid, key, _s in notes(cast.a, UNREACHABLE_LIST)}
    assert told["crm.unreachable_weekly:nobody:2030-03-04"] == team.sales_manager.pk


def test_the_consultant_reopens_only_through_the_check(cast, team):
    followup = _unreachable(cast, team)
    with dealership_context(cast.a), pytest.raises(PermissionDenied):
        services.followup_reopen(actor=team.sales_consultant, followup_id=followup.pk)
    with frozen(MONDAY, 10):
        reopened = _in_a(
            cast,
            services.followup_reopen,
            actor=team.customer_relations_manager,
            followup_id=followup.pk,
            reason="number found in the DMS",
        )
    assert reopened.status == "overdue" and reopened.reason == "number found in the DMS"
    with dealership_context(cast.a), pytest.raises(ValidationError):
        services.followup_reopen(actor=team.customer_relations_manager, followup_id=followup.pk)


def _rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-check="(\d+)"', html)]


def test_the_api_lists_and_answers_contact_checks(cast, team, api_for):
    _unreachable(cast, team)
    with frozen(MONDAY, 9, 5):
        run_job(cast.a, MONDAY, "crm.unreachable_weekly")
    (check,) = _checks(cast)
    api = api_for(team.sales_consultant)
    listed = api.get("/api/v1/crm/contact-checks/").json()["results"]
    assert [row["id"] for row in listed] == [check.pk]
    row = listed[0]
    assert row["consultant"]["id"] == team.sales_consultant.pk and row["state"] == "open"
    assert row["due_on"] == "2030-03-07"
    assert api.get("/api/v1/crm/contact-checks/?state=closed").json()["results"] == []
    assert api.get("/api/v1/crm/contact-checks/?state=lost").status_code == 400
    second = UserFactory(username="cc_api_consultant2", name="consultant two")
    hire(second, cast.a, "sales_consultant")
    assert api_for(second).get(f"/api/v1/crm/contact-checks/{check.pk}/").status_code == 404
    assert api_for(cast.user_b).get(f"/api/v1/crm/contact-checks/{check.pk}/").status_code == 404
    url = f"/api/v1/crm/contact-checks/{check.pk}/return/"
    bad = api.post(url, {"mobile": "0000"}, format="json")
    assert bad.status_code == 400 and "mobile" in bad.json()["error"]["fields"]
    done = api.post(url, {"mobile": "13912345000", "note": "checked"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "returned" and done.json()["mobile"] == "13912345000"
    assert api.post(url, {"mobile": "13912345001"}, format="json").status_code == 400


@pytest.mark.parametrize("where", ["page", "api"])
def test_the_contact_check_lists_run_a_constant_number_of_queries(
    cast, team, client_for, api_for, where, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import TENANT_FACTORIES

    factory = TENANT_FACTORIES[ContactCheck]

    def check_for(user):
        made = factory(dealership=cast.a)
        with dealership_context(cast.a):
            ContactCheck.objects.filter(pk=made.pk).update(consultant=user)

    check_for(team.sales_consultant)
    client = client_for(team.sales_manager) if where == "page" else api_for(team.sales_manager)
    url = "/crm/contact-checks/" if where == "page" else "/api/v1/crm/contact-checks/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(5):
        check_for(team.sales_consultant)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    count = (
        len(_rows(response.content.decode()))
        if where == "page"
        else len(response.json()["results"])
    )
    assert count == 6
