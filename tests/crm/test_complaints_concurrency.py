"""Complaints registered at the same moment, each on its own connection (PostgreSQL): every one
gets its own number (the loser of a race for a number takes the next one)."""

from __future__ import annotations

import pytest

from crm.models import Complaint
from crm.services import complaints as svc
from dealership.tenancy import dealership_context
from tests.concurrency import race
from tests.crm.conftest import make_owner

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_complaints_get_different_numbers(cast, team):
    customers = [make_owner(cast.a) for _ in range(4)]

    def register(customer):
        return svc.complaint_create(
            actor=team.cr_specialist,
            customer=customer.pk,
            channel="phone",
            category="price",
            description="Charged twice.",
        )

    outcomes = race(cast.a, *[lambda c=c: register(c) for c in customers])
    assert [error for _result, error in outcomes] == [None] * 4
    with dealership_context(cast.a):
        numbers = sorted(Complaint.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 4
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003", "0004"]
