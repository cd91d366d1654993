"""The day-N+1 data check (003 §4.4.1C): the morning job lists yesterday's deliveries and
service visits once (run twice or late: no duplicates), tells each specialist once; the
specialist confirms, corrects (the customer changed, audited) or marks unreachable; pages and
API; another specialist, a consultant and another dealership are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.models import Customer, DataCheck, FollowUp
from crm.notifications import DATA_CHECK_LIST
from crm.services import datachecks as services
from dealership.models import AuditEntry
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner
from tests.crm.test_followups_support import MONDAY, frozen, run_job

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _in_a(cast, function, **kwargs):
    with dealership_context(cast.a):
        return function(**kwargs)


def _events(cast, team):
    with frozen(MONDAY - DAY, 11):
        customer = make_owner(
            cast.a,
            team.sales_consultant,
            consent_call_on=MONDAY - DAY,
            consent_sms_on=MONDAY - DAY,
            consent_call_how="written",
            consent_sms_how="written",
        )
        sales = make_event(
            cast.a,
            kind="sales",
            occurred_on=MONDAY - DAY,
            staff=team.sales_consultant,
            customer=customer,
        )
        service = make_event(
            cast.a, kind="service", occurred_on=MONDAY - DAY, staff=team.service_advisor
        )
        older = make_event(cast.a, kind="sales", occurred_on=MONDAY - 20 * DAY)
    return sales, service, older


def _check(cast, event) -> DataCheck:
    with dealership_context(cast.a):
        return DataCheck.objects.select_related("followup", "customer", "followup__specialist").get(
            followup__event=event
        )


def test_job_lists_yesterday_once_and_tells_each_specialist_once(cast, team):
    sales, service, _older = _events(cast, team)
    with frozen(MONDAY, 7, 30):
        run = run_job(cast.a, MONDAY, "crm.data_check_list")
        assert run.state == "succeeded", run.error
        _in_a(cast, services.datachecks_list, dealership=cast.a, day=MONDAY)
    with dealership_context(cast.a):
        rows = list(DataCheck.objects.all())
        assert {r.followup.event_id for r in rows} == {sales.pk, service.pk}
        assert all(r.listed_on == MONDAY and r.state == "open" for r in rows)
        told = Notification.objects.filter(kind=DATA_CHECK_LIST)
        specialists = set(FollowUp.objects.values_list("specialist_id", flat=True))
        assert set(told.values_list("recipient_id", flat=True)) <= specialists
        assert told.count() == len({r.followup.specialist_id for r in rows})
    # a late run for a later day lists nothing twice
    with frozen(MONDAY + DAY, 7, 30):
        _in_a(cast, services.datachecks_list, dealership=cast.a, day=MONDAY + DAY)
    with dealership_context(cast.a):
        assert DataCheck.objects.count() == 2


def test_confirm_correct_unreachable(cast, team):
    sales, service, _older = _events(cast, team)
    with frozen(MONDAY, 8):
        _in_a(cast, services.datachecks_list, dealership=cast.a, day=MONDAY)
        check = _check(cast, sales)
        specialist = check.followup.specialist
        done = _in_a(cast, services.datacheck_confirm, actor=specialist, check_id=check.pk)
        assert done.state == "checked" and done.checked_by == specialist
        with pytest.raises(ValidationError):
            _in_a(cast, services.datacheck_unreachable, actor=specialist, check_id=check.pk)
        # found wrong later: corrected through the customer services, audited
        fixed = _in_a(
            cast,
            services.datacheck_correct,
            actor=specialist,
            check_id=check.pk,
            changes={"street": "天河路 1 号", "city": "广州"},
            note="客户告知新地址",
        )
        assert fixed.state == "corrected" and set(fixed.changed_fields) == {"street", "city"}
        with dealership_context(cast.a):
            customer = Customer.objects.get(pk=check.customer_id)
            assert customer.street == "天河路 1 号"
            assert AuditEntry.objects.filter(
                object_type="crm.Customer", object_id=str(customer.pk)
            ).exists()
            assert AuditEntry.objects.filter(
                object_type="crm.DataCheck", object_id=str(check.pk)
            ).exists()
        with pytest.raises(ValidationError):
            _in_a(
                cast,
                services.datacheck_correct,
                actor=specialist,
                check_id=check.pk,
                changes={"street": "天河路 1 号"},
            )
        other = _check(cast, service)
        gone = _in_a(
            cast,
            services.datacheck_unreachable,
            actor=other.followup.specialist,
            check_id=other.pk,
            note="无人接听",
        )
        assert gone.state == "unreachable"


def test_permissions(cast, team):
    sales, _service, _older = _events(cast, team)
    with frozen(MONDAY, 8):
        _in_a(cast, services.datachecks_list, dealership=cast.a, day=MONDAY)
        check = _check(cast, sales)
        from django.http import Http404

        # a consultant reads no follow-ups; another specialist does not see this one
        stranger = (
            team.sales_followup_specialist2
            if check.followup.specialist_id != team.sales_followup_specialist2.pk
            else team.sales_followup_specialist
        )
        for person in (team.sales_consultant, stranger):
            with pytest.raises((PermissionDenied, Http404)):
                _in_a(cast, services.datacheck_confirm, actor=person, check_id=check.pk)
        # the CRM manager may
        _in_a(
            cast,
            services.datacheck_confirm,
            actor=team.customer_relations_manager,
            check_id=check.pk,
        )
        with dealership_context(cast.b), pytest.raises((PermissionDenied, Http404)):
            services.datacheck_confirm(actor=cast.user_b, check_id=check.pk)


def test_pages_and_api(cast, team, client_for, api_for):
    sales, _service, _older = _events(cast, team)
    with frozen(MONDAY, 8):
        _in_a(cast, services.datachecks_list, dealership=cast.a, day=MONDAY)
        check = _check(cast, sales)
        specialist = check.followup.specialist
        web = client_for(specialist)
        page = web.get(reverse("crm:datacheck_list"))
        assert page.status_code == 200 and f'data-check="{check.pk}"' in page.text
        detail = web.get(reverse("crm:datacheck_detail", args=[check.pk]))
        assert detail.status_code == 200 and 'data-testid="correct"' in detail.text
        bad = web.post(reverse("crm:datacheck_correct", args=[check.pk]), {"name": ""})
        assert bad.status_code == 400
        ok = web.post(
            reverse("crm:datacheck_correct", args=[check.pk]),
            {"name": check.customer.name, "mobile": check.customer.mobile, "street": "新港路 9 号"},
        )
        assert ok.status_code == 302
        assert client_for(team.sales_consultant).get(
            reverse("crm:datacheck_detail", args=[check.pk])
        ).status_code in (403, 404)
        assert (
            client_for(cast.user_b)
            .get(reverse("crm:datacheck_detail", args=[check.pk]))
            .status_code
            == 404
        )
        api = api_for(team.customer_relations_manager)
        listed = api.get("/api/v1/crm/data-checks/")
        assert listed.status_code == 200
        assert [r["id"] for r in listed.json()["results"]].count(check.pk) == 1
        other = _check(cast, _service)
        answer = api.post(f"/api/v1/crm/data-checks/{other.pk}/confirm/", {"note": "ok"})
        assert answer.status_code == 200 and answer.json()["state"] == "checked"
        again = api.post(f"/api/v1/crm/data-checks/{other.pk}/unreachable/", {})
        assert again.status_code == 400
        assert api_for(cast.user_b).get(f"/api/v1/crm/data-checks/{other.pk}/").status_code == 404
