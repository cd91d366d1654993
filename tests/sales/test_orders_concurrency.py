"""Two consultants ordering the same stock car at the same moment, on PostgreSQL, each on their
own connection: the car's row lock lets exactly one order through; the other is told the car is
no longer free, and the car is reserved once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dealership.tenancy import dealership_context
from sales import services
from sales.models import Order, StockStatus, StockVehicle
from tests.concurrency import race
from tests.sales.conftest import make_lead, make_stock

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_consultants_ordering_one_car_at_once(cast, staff):
    today = timezone.localdate()
    for attempt in range(3):
        car = make_stock(cast.a)
        leads = [make_lead(cast.a, staff.consultant), make_lead(cast.a, staff.consultant2)]

        def take(user, lead, car=car):
            return services.order_create(
                actor=user,
                lead=lead.pk,
                stock_vehicle=car.pk,
                price="150000",
                deposit="5000",
                deposit_paid_on=today,
                ordered_on=today,
            )

        outcomes = race(
            cast.a,
            lambda leads=leads: take(staff.consultant, leads[0]),
            lambda leads=leads: take(staff.consultant2, leads[1]),
        )
        errors = [error for _result, error in outcomes if error is not None]
        assert len(errors) == 1, (attempt, outcomes)
        assert isinstance(errors[0], ValidationError), errors[0]
        assert car.vin in errors[0].message_dict["stock_vehicle"][0]
        with dealership_context(cast.a):
            assert Order.objects.filter(stock_vehicle=car).count() == 1
            assert StockVehicle.objects.get(pk=car.pk).status == StockStatus.RESERVED
    with dealership_context(cast.a):
        numbers = list(Order.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


def test_simultaneous_orders_get_different_numbers(cast, staff):
    today = timezone.localdate()
    leads = [make_lead(cast.a, staff.consultant) for _ in range(3)]

    def take(lead):
        return services.order_create(
            actor=staff.consultant,
            lead=lead.pk,
            vehicle_model="K5",
            price="150000",
            deposit="5000",
            deposit_paid_on=today,
            ordered_on=today,
        )

    outcomes = race(cast.a, *[lambda lead=lead: take(lead) for lead in leads])
    assert all(error is None for _result, error in outcomes), outcomes
    numbers = {result.number for result, _error in outcomes}
    assert len(numbers) == 3
