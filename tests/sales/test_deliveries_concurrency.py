"""At the same moment, on PostgreSQL, each on its own connection: two deliveries of one order
give one delivery and one follow-up event; two reservations of one car let exactly one win."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from crm.models import CustomerEvent
from dealership.tenancy import dealership_context
from sales import services
from sales.models import Delivery, StockStatus, StockVehicle
from tests.concurrency import race
from tests.sales.conftest import make_stock
from tests.sales.stock_helpers import delivery_kwargs, order_with_car

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_deliveries_of_one_order_at_once_make_one(cast, staff):
    for attempt in range(3):
        order, car = order_with_car(cast.a, staff.consultant)

        def deliver(user, order=order):
            return services.delivery_create(actor=user, **delivery_kwargs(order))

        outcomes = race(
            cast.a, lambda: deliver(staff.consultant), lambda: deliver(staff.sales_manager)
        )
        errors = [error for _result, error in outcomes if error is not None]
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], ValidationError), errors[0]
        assert "already been delivered" in str(errors[0])
        with dealership_context(cast.a):
            assert Delivery.objects.filter(order=order).count() == 1
            delivery = Delivery.objects.get(order=order)
            events = CustomerEvent.objects.filter(source_type="sales.delivery")
            assert events.filter(source_id=delivery.pk).count() == 1
            assert events.count() == attempt + 1
            assert StockVehicle.objects.get(pk=car.pk).status == StockStatus.DELIVERED


def test_two_reservations_of_one_car_at_once_one_wins(cast, staff):
    for _attempt in range(3):
        car = make_stock(cast.a)
        outcomes = race(
            cast.a,
            lambda car=car: services.stock_reserve(actor=staff.consultant, stock_vehicle_id=car.pk),
            lambda car=car: services.stock_reserve(
                actor=staff.consultant2, stock_vehicle_id=car.pk
            ),
        )
        errors = [error for _result, error in outcomes if error is not None]
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], ValidationError)
        assert "no longer free" in str(errors[0])
        with dealership_context(cast.a):
            assert StockVehicle.objects.get(pk=car.pk).status == StockStatus.RESERVED
