"""Check-ins at the same moment, on PostgreSQL, each on its own connection: every repair order
gets its own number; two advisors taking the last part for their orders: one reserves it, the
other is told how many are left."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from aftersales import services
from aftersales.models import Part, RepairLine, RepairOrder
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_vehicle
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_check_ins_get_different_numbers(cast, staff):
    vehicles = [make_vehicle(cast.a) for _ in range(3)]

    def check_in(user, vehicle):
        return services.repairorder_checkin(
            actor=user,
            vehicle=vehicle.pk,
            mileage=20000,
            service_type="repair",
            concerns="noise",
        )

    outcomes = race(
        cast.a,
        lambda: check_in(staff.advisor, vehicles[0]),
        lambda: check_in(staff.advisor2, vehicles[1]),
        lambda: check_in(staff.service_manager, vehicles[2]),
    )
    assert all(error is None for _result, error in outcomes), outcomes
    with dealership_context(cast.a):
        numbers = sorted(RepairOrder.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 3
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]


def test_two_advisors_reserving_the_last_part(cast, staff):
    part = make_part(cast.a, on_hand="1")
    orders = []
    for user in (staff.advisor, staff.advisor2):
        with dealership_context(cast.a):
            orders.append(
                services.repairorder_checkin(
                    actor=user,
                    vehicle=make_vehicle(cast.a).pk,
                    mileage=20000,
                    service_type="repair",
                    concerns="x",
                )
            )

    def take(user, order):
        return services.repairline_add(
            actor=user, repair_order_id=order.pk, kind="part", part=part.pk, quantity="1"
        )

    outcomes = race(
        cast.a,
        lambda: take(staff.advisor, orders[0]),
        lambda: take(staff.advisor2, orders[1]),
    )
    errors = [error for _result, error in outcomes if error is not None]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], ValidationError)
    assert "Only 0" in errors[0].message_dict["quantity"][0]
    with dealership_context(cast.a):
        assert RepairLine.objects.count() == 1
        assert Part.objects.get(pk=part.pk).reserved == 1
