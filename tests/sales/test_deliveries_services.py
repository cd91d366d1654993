"""Deliveries (交车): the whole hand-over in one transaction — car delivered, crm vehicle the
customer's from the delivery day, order and lead delivered, and exactly one follow-up event
for the satisfaction call; every refusal names its field and leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from crm import services as crm_services
from crm.models import Customer, CustomerEvent, Ownership, Vehicle
from dealership.tenancy import dealership_context
from sales import services
from sales.models import Delivery, Lead, Order, OrderStatus, StockStatus, StockVehicle
from tests.sales.conftest import make_customer, make_stock
from tests.sales.stock_helpers import delivery_kwargs, make_order, order_with_car, photo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _deliver(user, dealership, order, **overrides):
    with dealership_context(dealership):
        return services.delivery_create(actor=user, **delivery_kwargs(order, **overrides))


def _counts(dealership):
    with dealership_context(dealership):
        return (
            Delivery.objects.count(),
            CustomerEvent.objects.count(),
            Vehicle.objects.count(),
            Ownership.objects.count(),
            StockVehicle.objects.filter(status=StockStatus.DELIVERED).count(),
            Order.objects.filter(status=OrderStatus.DELIVERED).count(),
        )


def test_delivery_hands_over_the_car_and_records_one_event(cast, staff):
    order, car = order_with_car(cast.a, staff.consultant)
    delivery = _deliver(staff.consultant, cast.a, order, documents=["keys", "invoice", "keys"])
    with dealership_context(cast.a):
        delivery = Delivery.objects.get(pk=delivery.pk)
        assert delivery.documents == ["invoice", "keys"]  # codes, in the list's order, once
        assert delivery.checklist == ["exterior", "functions"]
        assert delivery.customer_id == order.customer_id and delivery.stock_vehicle_id == car.pk
        assert delivery.consultant_id == staff.consultant.pk
        assert delivery.created_by_id == staff.consultant.pk
        car = StockVehicle.objects.get(pk=car.pk)
        assert car.status == StockStatus.DELIVERED and car.delivered_on == TODAY()
        assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
        assert Lead.objects.get(pk=order.lead_id).stage == "delivered"
        vehicle = Vehicle.objects.get(vin=car.vin)
        assert vehicle.owner_id == order.customer_id and delivery.vehicle_id == vehicle.pk
        assert vehicle.mileage == 12 and vehicle.model == car.model
        ownership = Ownership.objects.get(vehicle=vehicle)
        assert (ownership.customer_id, ownership.start, ownership.end) == (
            order.customer_id,
            TODAY(),
            None,
        )
        event = CustomerEvent.objects.get()
        assert (event.kind, event.customer_id, event.vehicle_id, event.occurred_on) == (
            "sales",
            order.customer_id,
            vehicle.pk,
            TODAY(),
        )
        assert event.staff_id == staff.consultant.pk
        assert (event.source_type, event.source_id) == ("sales.delivery", delivery.pk)
        assert event.amount == order.price  # what the customer paid counts for their tier
        # reporting the same delivery again returns the same row
        again = crm_services.customer_event_record(
            actor=staff.consultant,
            kind="sales",
            customer=order.customer,
            vehicle=vehicle,
            source=delivery,
            occurred_on=TODAY(),
        )
        assert again.pk == event.pk and CustomerEvent.objects.count() == 1


def test_a_second_delivery_of_the_order_is_refused_and_leaves_one_event(cast, staff):
    order, _car = order_with_car(cast.a, staff.consultant)
    _deliver(staff.consultant, cast.a, order)
    before = _counts(cast.a)
    with pytest.raises(ValidationError) as excinfo:
        _deliver(staff.sales_manager, cast.a, order)
    assert "order" in excinfo.value.message_dict
    assert "already been delivered" in str(excinfo.value)
    assert _counts(cast.a) == before
    with dealership_context(cast.a):
        assert CustomerEvent.objects.count() == 1


def test_an_existing_crm_vehicle_is_transferred_to_the_buyer(cast, staff):
    order, car = order_with_car(cast.a, staff.consultant)
    previous = make_customer(cast.a, staff.consultant2, name="李四")
    with dealership_context(cast.a):
        old = crm_services.vehicle_create(
            actor=staff.sales_manager,
            owner=previous,
            since=TODAY() - dt.timedelta(days=30),
            vin=car.vin,
        )
    # the consultant may not change the other consultant's customer's vehicle: done all the same
    delivery = _deliver(staff.consultant, cast.a, order)
    with dealership_context(cast.a):
        vehicle = Vehicle.objects.get(pk=old.pk)
        assert delivery.vehicle_id == old.pk and vehicle.owner_id == order.customer_id
        periods = list(Ownership.objects.filter(vehicle=vehicle).order_by("start"))
        assert [(p.customer_id, p.start, p.end) for p in periods] == [
            (previous.pk, TODAY() - dt.timedelta(days=30), TODAY()),
            (order.customer_id, TODAY(), None),
        ]


@pytest.mark.parametrize(
    "overrides, field, text",
    [
        ({"delivered_on": TODAY() + dt.timedelta(days=2)}, "delivered_on", "future"),
        ({"delivered_on": TODAY() - dt.timedelta(days=6)}, "delivered_on", "before the order"),
        ({"delivered_on": None}, "delivered_on", ""),
        ({"documents": ["invoice", "passport"]}, "documents", "passport"),
        ({"checklist": ["nope"]}, "checklist", "nope"),
        ({"mileage": -1}, "mileage", ""),
        ({"mileage": 50000}, "mileage", ""),
        ({"photo": "gif"}, "photo", "JPEG"),
        ({"photo": "empty"}, "photo", "empty"),
    ],
)
def test_bad_input_is_refused_naming_the_field(cast, staff, overrides, field, text):
    order, _car = order_with_car(cast.a, staff.consultant)
    if overrides.get("photo") == "gif":
        overrides["photo"] = photo("x.png", b"GIF89a" + b"\0" * 200)
    elif overrides.get("photo") == "empty":
        overrides["photo"] = photo("x.png", b"")
    before = _counts(cast.a)
    with pytest.raises(ValidationError) as excinfo:
        _deliver(staff.consultant, cast.a, order, **overrides)
    assert field in excinfo.value.message_dict, excinfo.value
    assert text in str(excinfo.value)
    assert _counts(cast.a) == before


def test_delivery_before_the_car_arrived_is_refused(cast, staff):
    order, _car = order_with_car(
        cast.a, staff.consultant, arrived_on=TODAY(), ordered_on=TODAY() - dt.timedelta(9)
    )
    with pytest.raises(ValidationError) as excinfo:
        _deliver(staff.consultant, cast.a, order, delivered_on=TODAY() - dt.timedelta(days=1))
    assert "delivered_on" in excinfo.value.message_dict and "arrived" in str(excinfo.value)


def test_orders_that_cannot_be_delivered(cast, staff):
    factory = make_order(cast.a, staff.consultant, factory=True)
    with pytest.raises(ValidationError) as excinfo:
        _deliver(staff.consultant, cast.a, factory)
    assert "no vehicle in stock for this order" in str(excinfo.value)
    order, _car = order_with_car(cast.a, staff.consultant, status=OrderStatus.CANCELLED)
    with pytest.raises(ValidationError) as excinfo:
        _deliver(staff.consultant, cast.a, order)
    assert "cancelled" in str(excinfo.value)
    free = make_stock(cast.a)
    order = make_order(cast.a, staff.consultant, car=free, car_status=StockStatus.IN_STOCK)
    with pytest.raises(ValidationError) as excinfo:
        _deliver(staff.consultant, cast.a, order)
    assert "not reserved" in str(excinfo.value)
    assert _counts(cast.a)[0] == 0


def test_everything_is_rolled_back_when_a_later_step_fails(cast, staff):
    order, car = order_with_car(cast.a, staff.consultant)
    before = _counts(cast.a)
    with (
        mock.patch("crm.services.customer_event_record", side_effect=RuntimeError("crm is down")),
        pytest.raises(RuntimeError),
    ):
        _deliver(staff.consultant, cast.a, order, photo=photo())
    assert _counts(cast.a) == before
    with dealership_context(cast.a):
        assert StockVehicle.objects.get(pk=car.pk).status == StockStatus.RESERVED
        assert Lead.objects.get(pk=order.lead_id).stage == "order"
        assert not Customer.objects.get(pk=order.customer_id).vehicles.exists()


def test_photo_is_stored_privately(cast, staff, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    order, _car = order_with_car(cast.a, staff.consultant)
    delivery = _deliver(staff.consultant, cast.a, order, photo=photo())
    assert delivery.photo.startswith(f"sales/deliveries/{cast.a.pk}/")
    assert (tmp_path / delivery.photo).exists()


def test_who_may_deliver(cast, staff):
    order, _car = order_with_car(cast.a, staff.consultant)
    with pytest.raises(Http404):
        _deliver(staff.consultant2, cast.a, order)  # not their order
    with pytest.raises(PermissionDenied):
        _deliver(staff.cr_specialist, cast.a, order)
    assert _counts(cast.a)[0] == 0
    # the info clerk (department) records it for the consultant
    delivery = _deliver(staff.sales_info_clerk, cast.a, order)
    assert delivery.consultant_id == staff.consultant.pk
    assert delivery.created_by_id == staff.sales_info_clerk.pk
