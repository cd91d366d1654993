"""Correcting the owner's details on the call. A follow-up specialist only reads customers
(``crm.view_customer``), so the rule is explicit: the specialist **assigned** to an **open**
follow-up may correct its customer's name, mobile numbers, address and consents; who may change
the customer anyway does it through the customer service; nobody else does."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Customer, FollowUp
from crm.services.calls import followup_customer_correct, may_correct_customer
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_owner
from tests.crm.test_calls_screen import call_data, record_url, screen_url
from tests.crm.test_surveys_services import due_followup
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def correct(cast, actor, followup, **changes):
    with dealership_context(cast.a):
        return followup_customer_correct(actor=actor, followup_id=followup.pk, changes=changes)


def customer_of(cast, followup) -> Customer:
    with dealership_context(cast.a):
        return Customer.objects.get(pk=followup.customer_id)


def test_the_assigned_specialist_corrects_the_owners_details_on_the_call(cast, team, client_for):
    followup = due_followup(cast, team)
    specialist = team.sales_followup_specialist
    data = call_data(
        cast,
        followup,
        outcome="connected",
        mobile="+86 139-0000-1111",
        mobile_alt="13900002222",
        city="广州市",
        street="天河路 1 号",
    )
    response = client_for(specialist).post(record_url(followup), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = customer_of(cast, followup)
    assert (customer.mobile, customer.mobile_alt) == ("13900001111", "13900002222")
    assert (customer.city, customer.street) == ("广州市", "天河路 1 号")
    with dealership_context(cast.a):
        entry = AuditEntry.objects.filter(
            object_type="crm.Customer", object_id=str(customer.pk), action="update"
        ).latest("pk")
    assert entry.actor == specialist
    assert entry.after["street"] == "天河路 1 号"


def test_consent_given_on_the_call_is_dated_today_and_verbal(cast, team):
    customer = make_owner(cast.a, team.sales_consultant, consent_sms=False)
    from tests.crm.conftest import make_event

    event = make_event(cast.a, customer=customer, staff=team.sales_consultant)
    with dealership_context(cast.a):
        followup = FollowUp.objects.get(event=event)
        FollowUp.objects.filter(pk=followup.pk).update(specialist=team.sales_followup_specialist)
        Customer.objects.filter(pk=customer.pk).update(
            consent_call_on=timezone.localdate(), consent_call_how="written"
        )
    correct(cast, team.sales_followup_specialist, followup, consent_sms=True)
    stored = customer_of(cast, followup)
    assert stored.consent_sms is True
    assert stored.consent_sms_on == timezone.localdate()
    assert stored.consent_sms_how == "verbal"


def test_a_specialist_not_assigned_to_the_followup_may_not_correct(cast, team):
    followup = due_followup(cast, team)
    # the SSI/CSI administrator reads every follow-up but changes no customer
    admin = UserFactory(username="csi_admin_correct")
    hire(admin, cast.a, "csi_ssi_admin")
    with dealership_context(cast.a):
        followup_row = FollowUp.objects.get(pk=followup.pk)
        assert not may_correct_customer(admin, followup_row)
        assert may_correct_customer(team.sales_followup_specialist, followup_row)
    with pytest.raises(PermissionDenied):
        correct(cast, admin, followup, street="别处")
    assert customer_of(cast, followup).street == ""


def test_another_specialist_does_not_even_see_the_followup(cast, team):
    from django.http import Http404

    followup = due_followup(cast, team)
    with pytest.raises(Http404):
        correct(cast, team.sales_followup_specialist2, followup, street="别处")


def test_once_the_followup_is_closed_the_specialist_no_longer_corrects(cast, team):
    followup = due_followup(cast, team)
    with dealership_context(cast.a):
        FollowUp.objects.filter(pk=followup.pk).update(status="done")
        assert not may_correct_customer(
            team.sales_followup_specialist, FollowUp.objects.get(pk=followup.pk)
        )
    with pytest.raises(ValidationError, match="closed"):
        correct(cast, team.sales_followup_specialist, followup, street="别处")


def test_who_may_change_customers_corrects_through_the_customer_service(cast, team):
    followup = due_followup(cast, team)
    director = team.crm_director  # crm.change_customer for the whole dealership
    correct(cast, director, followup, street="新街 8 号", name="王先生")
    customer = customer_of(cast, followup)
    assert (customer.street, customer.name) == ("新街 8 号", "王先生")


def test_the_customer_checks_apply_a_duplicate_mobile_is_refused(cast, team, client_for):
    other = make_owner(cast.a, team.sales_consultant, mobile="13911112222")
    followup = due_followup(cast, team)
    with pytest.raises(ValidationError) as error:
        correct(cast, team.sales_followup_specialist, followup, mobile=other.mobile)
    assert "mobile" in error.value.message_dict
    data = call_data(cast, followup, outcome="busy", answers={}, mobile=other.mobile)
    response = client_for(team.sales_followup_specialist).post(record_url(followup), data)
    assert response.status_code == 400
    assert "already belongs" in response.content.decode()
    with dealership_context(cast.a):
        assert not FollowUp.objects.get(pk=followup.pk).attempts.exists()


def test_fields_outside_the_calls_details_cannot_be_corrected(cast, team):
    followup = due_followup(cast, team)
    with pytest.raises(ValidationError, match="cannot be corrected"):
        correct(cast, team.sales_followup_specialist, followup, owner=team.sales_manager.pk)


def test_a_reader_sees_the_details_but_cannot_edit_them(cast, team, client_for):
    followup = due_followup(cast, team)
    html = client_for(team.sales_manager).get(screen_url(followup)).content.decode()
    street = re.search(r'<input[^>]*name="street"[^>]*>', html).group(0)
    assert "disabled" in street
    assert reverse("crm:followup_call_record", kwargs={"pk": followup.pk}) in html
