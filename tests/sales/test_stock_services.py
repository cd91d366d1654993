"""Stock services: receiving cars (VIN, dates, uniqueness), changing them, arrival, the
transitions (a car cannot be reserved twice, delivered twice) and the allocation request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from sales import services
from sales.models import AllocationRequest, StockStatus, StockVehicle
from tests.sales.conftest import make_stock, vin
from tests.sales.stock_helpers import make_order

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _receive(user, dealership, **overrides):
    kwargs = {
        "vin": vin(),
        "model": "K5",
        "trim": "2.0T",
        "colour": "白",
        "cost": Decimal("150000"),
        "list_price": Decimal("179800"),
        "in_transit": False,
        "arrived_on": TODAY() - dt.timedelta(days=3),
    }
    kwargs.update(overrides)
    with dealership_context(dealership):
        return services.stock_create(actor=user, **kwargs)


def _field_error(excinfo) -> set:
    return set(excinfo.value.message_dict)


def test_receive_a_car_in_stock_and_in_transit(cast, staff):
    car = _receive(staff.sales_manager, cast.a, vin=vin(1).lower())
    assert car.status == StockStatus.IN_STOCK and car.vin == vin(1)
    assert car.age_days(TODAY()) == 3
    coming = _receive(
        staff.sales_info_clerk,
        cast.a,
        in_transit=True,
        ordered_on=TODAY() - dt.timedelta(days=20),
        arrived_on=TODAY(),  # ignored: a car in transit has not arrived
    )
    assert coming.status == StockStatus.IN_TRANSIT and coming.arrived_on is None
    with dealership_context(cast.a):
        assert AuditEntry.objects.filter(object_type="sales.StockVehicle").count() == 2


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"vin": "LVGBE40K0NG000012"}, "vin"),  # wrong check digit
        ({"vin": "SHORT"}, "vin"),
        ({"arrived_on": TODAY() + dt.timedelta(days=2)}, "arrived_on"),
        ({"arrived_on": None}, "arrived_on"),
        ({"in_transit": True, "ordered_on": None}, "ordered_on"),
        ({"in_transit": True, "ordered_on": TODAY() + dt.timedelta(days=2)}, "ordered_on"),
        ({"cost": Decimal("-1")}, "cost"),
        ({"model": " "}, "model"),
        ({"model_year": 1950}, "model_year"),
        (
            {"ordered_on": TODAY() - dt.timedelta(days=1), "arrived_on": TODAY() - dt.timedelta(5)},
            "arrived_on",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(cast, staff, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        _receive(staff.sales_manager, cast.a, **overrides)
    assert field in _field_error(excinfo)
    with dealership_context(cast.a):
        assert not StockVehicle.objects.exists()


def test_a_vin_is_unique_in_the_dealership_but_not_across(cast, staff):
    _receive(staff.sales_manager, cast.a, vin=vin(7))
    with pytest.raises(ValidationError) as excinfo:
        _receive(staff.sales_manager, cast.a, vin=vin(7))
    assert "vin" in _field_error(excinfo) and vin(7) in str(excinfo.value)
    _receive(cast.user_b, cast.b, vin=vin(7))  # another dealership may hold the same VIN


def test_consultant_sees_the_stock_but_cannot_change_it(cast, staff):
    car = make_stock(cast.a)
    with dealership_context(cast.a):
        assert StockVehicle.objects.for_user(staff.consultant, "view").filter(pk=car.pk).exists()
        with pytest.raises(PermissionDenied):
            services.stock_create(
                actor=staff.consultant, vin=vin(), model="K5", cost=1, list_price=2,
                in_transit=True, ordered_on=TODAY(),
            )  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.stock_update(actor=staff.consultant, stock_vehicle_id=car.pk, colour="黑")
    with dealership_context(cast.a), pytest.raises(PermissionDenied):
        services.stock_create(
            actor=staff.cr_specialist, vin=vin(), model="K5", cost=1, list_price=2,
            in_transit=True, ordered_on=TODAY(),
        )  # fmt: skip


def test_update_changes_data_not_status(cast, staff):
    car = make_stock(cast.a)
    with dealership_context(cast.a):
        car = services.stock_update(
            actor=staff.sales_manager, stock_vehicle_id=car.pk, colour="黑", location="B2"
        )
        assert (car.colour, car.location, car.status) == ("黑", "B2", StockStatus.IN_STOCK)
        with pytest.raises(ValidationError) as excinfo:
            services.stock_update(
                actor=staff.sales_manager, stock_vehicle_id=car.pk, status="delivered"
            )
        assert StockVehicle.objects.get(pk=car.pk).status != "delivered"
        assert "status" in str(excinfo.value)


def test_arrive_moves_in_transit_to_in_stock(cast, staff):
    car = make_stock(
        cast.a, status=StockStatus.IN_TRANSIT, ordered_on=TODAY() - dt.timedelta(days=10)
    )
    with dealership_context(cast.a):
        for day, field in (
            (TODAY() + dt.timedelta(days=2), "arrived_on"),
            (TODAY() - dt.timedelta(days=11), "arrived_on"),
        ):
            with pytest.raises(ValidationError) as excinfo:
                services.stock_arrive(
                    actor=staff.sales_manager, stock_vehicle_id=car.pk, arrived_on=day
                )
            assert field in _field_error(excinfo)
        car = services.stock_arrive(
            actor=staff.sales_manager, stock_vehicle_id=car.pk, arrived_on=TODAY()
        )
        assert car.status == StockStatus.IN_STOCK and car.arrived_on == TODAY()
        with pytest.raises(ValidationError):
            services.stock_arrive(
                actor=staff.sales_manager, stock_vehicle_id=car.pk, arrived_on=TODAY()
            )


def test_a_reserved_car_in_transit_stays_reserved_when_it_arrives(cast, staff):
    car = make_stock(cast.a, status=StockStatus.IN_TRANSIT, ordered_on=TODAY())
    with dealership_context(cast.a):
        services.stock_reserve(actor=staff.consultant, stock_vehicle_id=car.pk)
        car = services.stock_arrive(
            actor=staff.sales_manager, stock_vehicle_id=car.pk, arrived_on=TODAY()
        )
        assert car.status == StockStatus.RESERVED and car.arrived_on == TODAY()


@pytest.mark.parametrize("status", [StockStatus.RESERVED, StockStatus.SOLD, StockStatus.DELIVERED])
def test_cannot_reserve_a_car_that_is_not_free(cast, staff, status):
    car = make_stock(cast.a, status=status)
    with dealership_context(cast.a), pytest.raises(ValidationError) as excinfo:
        services.stock_reserve(actor=staff.consultant, stock_vehicle_id=car.pk)
    assert "stock_vehicle" in _field_error(excinfo)


def test_transitions_and_no_second_delivery(cast, staff):
    car = make_stock(cast.a)
    with dealership_context(cast.a):
        services.stock_reserve(actor=staff.consultant, stock_vehicle_id=car.pk)
        services.stock_sell(actor=staff.consultant, stock_vehicle_id=car.pk)
        car = services.stock_deliver(actor=staff.consultant, stock_vehicle_id=car.pk, on=TODAY())
        assert car.status == StockStatus.DELIVERED
        with pytest.raises(ValidationError):
            services.stock_deliver(actor=staff.consultant, stock_vehicle_id=car.pk, on=TODAY())
        with pytest.raises(ValidationError):
            services.stock_release(actor=staff.consultant, stock_vehicle_id=car.pk)


# --- allocation requests ------------------------------------------------------------------------


def _next_month():
    return (TODAY().replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def test_allocation_is_built_from_orders_and_stock(cast, staff):
    for _ in range(3):
        make_order(cast.a, staff.consultant, factory=True, vehicle_model="K5", vehicle_colour="黑")
    make_stock(cast.a, model="K5", colour="黑", status=StockStatus.IN_TRANSIT)
    make_stock(cast.a, model="K3", colour="白")  # one free in stock: covered
    make_stock(cast.a, model="K3", colour="红", status=StockStatus.RESERVED)  # not free
    with dealership_context(cast.a):
        request = services.allocation_create(
            actor=staff.sales_manager, month=_next_month() + dt.timedelta(days=9)
        )
        assert request.month == _next_month()
        lines = {(line.model, line.colour): line for line in request.lines.all()}
    k5 = lines[("K5", "黑")]
    assert (k5.open_orders, k5.in_stock, k5.in_transit, k5.quantity) == (3, 0, 1, 2 + 1)
    k3 = lines[("K3", "白")]
    assert (k3.open_orders, k3.in_stock, k3.in_transit, k3.quantity) == (0, 1, 0, 0)
    assert ("K3", "红") not in lines


def test_allocation_rules(cast, staff):
    make_order(cast.a, staff.consultant, factory=True)
    with dealership_context(cast.a):
        last_month = (TODAY().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        with pytest.raises(ValidationError) as excinfo:
            services.allocation_create(actor=staff.sales_manager, month=last_month)
        assert "month" in _field_error(excinfo)
        request = services.allocation_create(actor=staff.sales_manager, month=_next_month())
        with pytest.raises(ValidationError) as excinfo:
            services.allocation_create(actor=staff.sales_info_clerk, month=_next_month())
        assert "month" in _field_error(excinfo) and "already" in str(excinfo.value)
        with pytest.raises(PermissionDenied):
            services.allocation_create(actor=staff.consultant, month=TODAY())
        line = request.lines.get()
        services.allocation_line_update(actor=staff.sales_manager, line_id=line.pk, quantity=4)
        with pytest.raises(ValidationError) as excinfo:
            services.allocation_line_update(actor=staff.sales_manager, line_id=line.pk, quantity=-1)
        assert "quantity" in _field_error(excinfo)
        services.allocation_submit(actor=staff.sales_manager, allocation_id=request.pk)
        request = AllocationRequest.objects.get(pk=request.pk)
        assert request.status == "submitted" and request.submitted_by == staff.sales_manager
        assert request.submitted_at is not None
        for call in (
            lambda: services.allocation_rebuild(
                actor=staff.sales_manager, allocation_id=request.pk
            ),
            lambda: services.allocation_submit(actor=staff.sales_manager, allocation_id=request.pk),
            lambda: services.allocation_line_update(
                actor=staff.sales_manager, line_id=line.pk, quantity=1
            ),
        ):
            with pytest.raises(ValidationError):
                call()
        assert request.lines.get().quantity == 4


def test_rebuild_replaces_the_lines(cast, staff):
    with dealership_context(cast.a):
        request = services.allocation_create(actor=staff.sales_manager, month=_next_month())
        assert not request.lines.exists()
        with pytest.raises(ValidationError) as excinfo:
            services.allocation_submit(actor=staff.sales_manager, allocation_id=request.pk)
        assert "lines" in _field_error(excinfo)
    make_order(cast.a, staff.consultant, factory=True, vehicle_model="EV6")
    with dealership_context(cast.a):
        services.allocation_rebuild(actor=staff.sales_manager, allocation_id=request.pk)
        assert [(x.model, x.quantity) for x in request.lines.all()] == [("EV6", 2)]
