"""The follow-up pages: today's calls (own rows for a specialist, everyone's for the CRM
managers, overdue first), the list of all follow-ups with its filters, assigning a specialist,
the follow-up rules, the dashboard panel and the navigation; permissions, isolation, phone
numbers through ``phones_shown`` and constant query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from crm.models import FollowUp, FollowUpSettings, PhoneReveal
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def today():
    return timezone.localdate()


def _event(cast, team, days_ago=3, **kwargs):
    kwargs.setdefault("staff", team.sales_consultant)
    return make_event(cast.a, occurred_on=today() - days_ago * DAY, **kwargs)


def _followup(cast, event) -> FollowUp:
    with dealership_context(cast.a):
        return FollowUp.objects.select_related("customer").get(event=event)


def _again(cast, followup) -> FollowUp:
    with dealership_context(cast.a):
        return FollowUp.objects.get(pk=followup.pk)


def _give(cast, event, user) -> FollowUp:
    with dealership_context(cast.a):
        FollowUp.objects.filter(event=event).update(specialist=user)
    return _followup(cast, event)


def _rows(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(pk) for pk in re.findall(r'data-followup="(\d+)"', response.content.decode())]


# --- today's calls ------------------------------------------------------------------------------


def test_a_specialist_sees_their_own_calls_overdue_first_with_what_happened(cast, team, client_for):
    specialist = team.sales_followup_specialist
    late = _give(cast, _event(cast, team, days_ago=7), specialist)
    soon = _give(cast, _event(cast, team, days_ago=3), specialist)
    mid = _give(cast, _event(cast, team, days_ago=4), specialist)
    other = _give(cast, _event(cast, team), team.sales_followup_specialist2)
    _give(cast, _event(cast, team, days_ago=1), specialist)  # scheduled: not on today's list
    response = client_for(specialist).get("/crm/calls/")
    assert _rows(response) == [late.pk, mid.pk, soon.pk]
    html = response.content.decode()
    assert other.customer.mobile not in html
    row = re.search(rf'data-followup="{late.pk}".*?</tr>', html, re.S).group(0)
    assert late.customer.mobile in row  # the assigned specialist sees the full number
    assert "粤A" in row and "K5" in row  # the vehicle
    assert "Delivery of K5" in row and "team sales_consultant" in row  # what happened, by whom
    assert 'data-status="overdue"' in row
    assert f'href="/crm/follow-ups/{late.pk}/"' in row  # the call screen
    assert 'data-testid="due-count"' in html and "2 due" in html and "1 overdue" in html
    # every full number shown is logged once, with where it was shown
    with dealership_context(cast.a):
        logged = PhoneReveal.objects.filter(user=specialist, context="crm:followup_today")
        assert sorted(logged.values_list("customer_id", flat=True)) == sorted(
            f.customer_id for f in (late, mid, soon)
        )
    assert 'name="specialist"' not in html  # their own list: no filter by specialist


def test_the_crm_manager_sees_everyones_calls_and_filters_by_specialist_and_kind(
    cast, team, client_for
):
    first = _give(cast, _event(cast, team), team.sales_followup_specialist)
    second = _give(cast, _event(cast, team), team.sales_followup_specialist2)
    service = _followup(cast, _event(cast, team, kind="service", staff=team.service_advisor))
    client = client_for(team.customer_relations_manager)
    assert set(_rows(client.get("/crm/calls/"))) == {first.pk, second.pk, service.pk}
    mine = client.get(f"/crm/calls/?specialist={team.sales_followup_specialist2.pk}")
    assert _rows(mine) == [second.pk]
    assert _rows(client.get("/crm/calls/?kind=service")) == [service.pk]
    html = client.get("/crm/calls/").content.decode()
    assert 'name="specialist"' in html and f"/crm/follow-ups/{first.pk}/assign/" in html
    # a bad filter value is ignored, not an error
    assert set(_rows(client.get("/crm/calls/?specialist=abc&kind=zzz"))) == {
        first.pk,
        second.pk,
        service.pk,
    }


def test_customers_without_consent_are_on_no_list(cast, team, client_for, api_for):
    quiet = make_owner(cast.a, team.sales_consultant, consent_call=False)
    not_called = _followup(cast, _event(cast, team, customer=quiet))
    called = _followup(cast, _event(cast, team))
    assert not_called.status == "not_called"
    client = client_for(team.customer_relations_manager)
    for url in ("/crm/calls/", "/crm/follow-ups/", f"/crm/follow-ups/?due_on={today()}"):
        rows = _rows(client.get(url))
        assert called.pk in rows and not_called.pk not in rows, url
    panel = client_for(team.sales_followup_specialist).get("/dashboard/").content.decode()
    assert f"/crm/follow-ups/{not_called.pk}/" not in panel
    api = api_for(team.customer_relations_manager)
    ids = {r["id"] for r in api.get(f"/api/v1/crm/follow-ups/?due_on={today()}").json()["results"]}
    assert ids == {called.pk}
    # asked for by its status, the list of all follow-ups shows it, with why
    rows = client.get("/crm/follow-ups/?status=not_called")
    assert _rows(rows) == [not_called.pk]


def test_who_may_open_the_follow_up_pages(cast, team, client_for):
    event = _event(cast, team)
    followup = _give(cast, event, team.sales_followup_specialist)
    for user in (team.sales_consultant, team.service_advisor):
        client = client_for(user)
        for url in ("/crm/calls/", "/crm/follow-ups/", "/crm/follow-ups/rules/"):
            assert client.get(url).status_code == 403, (user.username, url)
    second = client_for(team.sales_followup_specialist2)
    assert followup.pk not in _rows(second.get("/crm/calls/"))
    assert followup.pk not in _rows(second.get("/crm/follow-ups/"))
    assert second.get(f"/crm/follow-ups/{followup.pk}/assign/").status_code == 404
    own = client_for(team.sales_followup_specialist)
    assert own.get(f"/crm/follow-ups/{followup.pk}/assign/").status_code == 403
    assert own.post(f"/crm/follow-ups/{followup.pk}/assign/", {}).status_code == 403
    outsider = client_for(cast.user_b)
    assert outsider.get(f"/crm/follow-ups/{followup.pk}/assign/").status_code == 404
    assert outsider.post(f"/crm/follow-ups/{followup.pk}/assign/", {}).status_code == 404
    assert followup.pk not in _rows(outsider.get("/crm/calls/"))
    assert followup.pk in _rows(client_for(cast.user_a).get("/crm/calls/"))  # A's GM


def test_a_sales_manager_sees_the_calls_of_their_consultants_with_numbers_masked_by_rule(
    cast, team, client_for
):
    unowned = make_owner(cast.a, None)
    followup = _followup(cast, _event(cast, team, customer=unowned))
    owned = _followup(cast, _event(cast, team))
    response = client_for(team.sales_manager).get("/crm/calls/")
    assert set(_rows(response)) == {followup.pk, owned.pk}
    html = response.content.decode()
    assert unowned.mobile not in html and f"{unowned.mobile[:3]}****{unowned.mobile[-4:]}" in html
    assert owned.customer.mobile in html  # their department's customer


# --- all follow-ups ----------------------------------------------------------------------------


def test_the_list_of_all_follow_ups_filters(cast, team, client_for):
    old = _followup(cast, _event(cast, team, days_ago=20))
    recent = _followup(cast, _event(cast, team, days_ago=2))
    service = _followup(
        cast, _event(cast, team, days_ago=3, kind="service", staff=team.service_advisor)
    )
    client = client_for(team.customer_relations_manager)
    assert _rows(client.get("/crm/follow-ups/")) == [recent.pk, service.pk, old.pk]
    assert _rows(client.get("/crm/follow-ups/?status=overdue")) == [old.pk]
    assert _rows(client.get("/crm/follow-ups/?kind=service")) == [service.pk]
    since = today() - 5 * DAY
    assert _rows(client.get(f"/crm/follow-ups/?event_from={since}")) == [recent.pk, service.pk]
    assert _rows(client.get(f"/crm/follow-ups/?event_to={since}")) == [old.pk]
    # the call list of a day to come: the recent one joins it the day after tomorrow
    later = today() + 2 * DAY
    assert set(_rows(client.get(f"/crm/follow-ups/?due_on={later}"))) == {
        old.pk,
        recent.pk,
        service.pk,
    }
    assert recent.pk not in _rows(client.get(f"/crm/follow-ups/?due_on={today()}"))
    response = client.get(f"/crm/follow-ups/?due_on={later}")
    row = re.search(rf'data-followup="{recent.pk}".*?</tr>', response.content.decode(), re.S)
    assert 'data-status="due"' in row.group(0)  # its status on that day
    bad = client.get("/crm/follow-ups/?due_on=2026-13-45&event_from=x")
    assert bad.status_code == 200 and len(_rows(bad)) == 3
    specialist = old.specialist_id
    assert set(_rows(client.get(f"/crm/follow-ups/?specialist={specialist}"))) == {
        f.pk for f in (old, recent, service) if f.specialist_id == specialist
    }


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/crm/calls/", "/crm/follow-ups/"])
def test_the_lists_run_a_constant_number_of_queries(
    cast, team, client_for, url, django_assert_max_num_queries
):
    client = client_for(team.customer_relations_manager)
    _event(cast, team)
    client.get(url)  # warm the per-process caches
    one = _count_queries(client, url)
    for n in range(6):
        _event(cast, team, days_ago=3 + n % 3, kind="service" if n % 2 else "sales")
    with django_assert_max_num_queries(one):
        assert len(_rows(client.get(url))) == 7


# --- assigning --------------------------------------------------------------------------------


def test_the_crm_manager_assigns_an_eligible_specialist(cast, team, client_for):
    followup = _give(cast, _event(cast, team), team.sales_followup_specialist)
    client = client_for(team.customer_relations_manager)
    url = f"/crm/follow-ups/{followup.pk}/assign/"
    form = client.get(url).content.decode()
    assert f'value="{team.sales_followup_specialist2.pk}"' in form
    assert f'value="{team.service_followup_specialist.pk}"' not in form  # a sales call
    refused = client.post(url, {"specialist": team.service_followup_specialist.pk})
    assert refused.status_code == 400
    assert _again(cast, followup).specialist_id == team.sales_followup_specialist.pk
    done = client.post(url, {"specialist": team.sales_followup_specialist2.pk})
    assert done.status_code == 302 and done["Location"] == "/crm/follow-ups/"
    assert _again(cast, followup).specialist_id == team.sales_followup_specialist2.pk
    with dealership_context(cast.a):
        entry = AuditEntry.objects.filter(
            object_type="crm.FollowUp", object_id=str(followup.pk), action="update"
        ).latest("pk")
        assert entry.after == {"specialist": team.sales_followup_specialist2.pk}
    assert followup.pk in _rows(client_for(team.sales_followup_specialist2).get("/crm/calls/"))
    assert followup.pk not in _rows(client_for(team.sales_followup_specialist).get("/crm/calls/"))


# --- rules ------------------------------------------------------------------------------------

RULES = {
    "window_start": 1,
    "window_end": 3,
    "list_time": "07:30",
    "contact_target": 100,
    "unreachable_attempts": 3,
    "contact_check_days": 3,
    "complaint_days_normal": 7,
    "complaint_days_major": 2,
    "maintenance_months": 6,
    "maintenance_km": 5000,
    "remind_days_before": 14,
    "member_registration_target": 30,
    "member_login_target": 30,
}


def test_everyone_with_follow_ups_reads_the_rules_the_crm_lead_changes_them(cast, team, client_for):
    reader = client_for(team.sales_followup_specialist)
    page = reader.get("/crm/follow-ups/rules/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "day N+3 and day N+5" in html and "from then on" in html
    assert "/crm/follow-ups/rules/edit/" not in html
    assert reader.get("/crm/follow-ups/rules/edit/").status_code == 403
    assert reader.post("/crm/follow-ups/rules/edit/", RULES).status_code == 403
    with dealership_context(cast.a):
        assert not FollowUpSettings.objects.exists()  # reading created nothing

    before = _followup(cast, _event(cast, team, days_ago=0))
    lead = client_for(team.crm_director)
    assert "/crm/follow-ups/rules/edit/" in lead.get("/crm/follow-ups/rules/").content.decode()
    form = lead.get("/crm/follow-ups/rules/edit/").content.decode()
    assert "scheduled from now on" in form
    wrong = lead.post("/crm/follow-ups/rules/edit/", {**RULES, "window_start": 4})
    assert wrong.status_code == 400 and "cannot end before it starts" in wrong.content.decode()
    saved = lead.post("/crm/follow-ups/rules/edit/", RULES)
    assert saved.status_code == 302 and saved["Location"] == "/crm/follow-ups/rules/"
    with dealership_context(cast.a):
        rules = FollowUpSettings.objects.get()
        assert (rules.window_start, rules.window_end, rules.list_time) == (1, 3, dt.time(7, 30))
        assert AuditEntry.objects.filter(object_type="crm.FollowUpSettings").count() == 1
    assert "day N+1 and day N+3" in reader.get("/crm/follow-ups/rules/").content.decode()
    # the call already scheduled keeps its days; the next one gets the new window
    assert _again(cast, before).window_start == before.event_date + 3 * DAY
    after = _followup(cast, _event(cast, team, days_ago=0))
    assert (after.window_start, after.window_end) == (today() + DAY, today() + 3 * DAY)
    # a manager without crm.change_survey only reads
    assert client_for(team.sales_manager).get("/crm/follow-ups/rules/edit/").status_code == 403


def test_bad_rules_are_refused_with_a_message(cast, team, client_for):
    lead = client_for(team.customer_relations_manager)
    for field, value in (("window_end", 99), ("list_time", "25:00"), ("contact_target", 101)):
        response = lead.post("/crm/follow-ups/rules/edit/", {**RULES, field: value})
        assert response.status_code == 400, field
    with dealership_context(cast.a):
        assert not FollowUpSettings.objects.filter(window_end=99).exists()


# --- dashboard and navigation --------------------------------------------------------------------


def test_the_dashboard_panel_shows_todays_calls_to_whoever_has_some(cast, team, client_for):
    specialist = team.sales_followup_specialist
    rows = [_give(cast, _event(cast, team, days_ago=3 + n % 4), specialist) for n in range(7)]
    page = client_for(specialist).get("/dashboard/")
    html = page.content.decode()
    panel = re.search(r'data-widget="crm_todays_calls".*?</section>', html, re.S).group(0)
    assert "Due: 6 · overdue: 1" in panel
    assert len(re.findall(r'href="/crm/follow-ups/\d+/"', panel)) == 5
    assert f'href="/crm/follow-ups/{rows[3].pk}/"' in panel  # overdue first
    assert 'href="/crm/calls/"' in panel
    # nothing to call today, not their work: no panel, no menu entry
    consultant = client_for(team.sales_consultant).get("/dashboard/").content.decode()
    assert "crm_todays_calls" not in consultant and 'href="/crm/calls/"' not in consultant
    empty = client_for(team.sales_followup_specialist2).get("/dashboard/").content.decode()
    assert "crm_todays_calls" in empty and "Nobody to call today." in empty
    assert 'href="/crm/calls/"' in html and 'href="/crm/follow-ups/"' in html
