"""Orders: deposit rules, dates, stock car reserved / factory order, pay sells, cancel releases,
numbers unique per dealership, trade-ins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealership.tenancy import dealership_context
from sales import services
from sales.models import Lead, Order, OrderStatus, Stage, StockStatus, StockVehicle, TradeIn
from tests.sales.conftest import make_lead, make_stock, vin

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def order(cast, actor, lead, **fields):
    fields.setdefault("price", "150000")
    fields.setdefault("deposit", "5000")
    fields.setdefault("deposit_paid_on", TODAY())
    fields.setdefault("ordered_on", TODAY())
    fields.setdefault("vehicle_model", "K5")
    with dealership_context(cast.a):
        return services.order_create(actor=actor, lead=lead, **fields)


def car_status(cast, car):
    with dealership_context(cast.a):
        return StockVehicle.objects.get(pk=car.pk).status


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"deposit": None}, "deposit"),
        ({"deposit": ""}, "deposit"),
        ({"deposit": "0"}, "deposit"),
        ({"deposit": "200000"}, "deposit"),
        ({"price": ""}, "price"),
        ({"deposit_paid_on": None}, "deposit_paid_on"),
        ({"deposit_paid_on": TODAY() + dt.timedelta(days=2)}, "deposit_paid_on"),
        ({"ordered_on": TODAY() + dt.timedelta(days=2)}, "ordered_on"),
        ({"expected_on": TODAY() - dt.timedelta(days=30)}, "expected_on"),
        ({"vehicle_model": ""}, "vehicle_model"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(cast, staff, fields, field):
    lead = make_lead(cast.a, staff.consultant)
    car = make_stock(cast.a)
    if field != "vehicle_model":
        fields.setdefault("stock_vehicle", car.pk)
    with pytest.raises(ValidationError) as error:
        order(cast, staff.consultant, lead, **fields)
    assert field in error.value.message_dict
    with dealership_context(cast.a):
        assert not Order.objects.exists()
        assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW
    assert car_status(cast, car) == StockStatus.IN_STOCK


def test_stock_order_reserves_the_car_and_moves_the_lead(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    car = make_stock(cast.a, model="K3", colour="红")
    o = order(cast, staff.consultant, lead, stock_vehicle=car.pk, vehicle_model="")
    assert o.status == OrderStatus.OPEN and o.stock_vehicle_id == car.pk
    assert (o.vehicle_model, o.vehicle_colour) == ("K3", "红")
    assert o.number == f"SO{TODAY():%Y%m}-0001"
    assert car_status(cast, car) == StockStatus.RESERVED
    with dealership_context(cast.a):
        assert Lead.objects.get(pk=lead.pk).stage == Stage.ORDER
    other = make_lead(cast.a, staff.consultant2)
    with pytest.raises(ValidationError) as error:
        order(cast, staff.consultant2, other, stock_vehicle=car.pk)
    assert car.vin in error.value.message_dict["stock_vehicle"][0]


def test_factory_order_then_a_car_is_assigned_then_paid(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    o = order(cast, staff.consultant, lead)
    assert o.status == OrderStatus.FACTORY and o.stock_vehicle_id is None
    transit = make_stock(cast.a, status=StockStatus.IN_TRANSIT)
    wrong = make_stock(cast.a, model="K3")
    car = make_stock(cast.a)
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.order_pay(
                actor=staff.consultant, order_id=o.pk, paid_on=TODAY(), invoice_no="1"
            )
        for bad in (transit, wrong, None):
            with pytest.raises(ValidationError) as error:
                services.order_assign_vehicle(
                    actor=staff.consultant, order_id=o.pk, stock_vehicle=bad and bad.pk
                )
            assert "stock_vehicle" in error.value.message_dict
        o = services.order_assign_vehicle(
            actor=staff.consultant, order_id=o.pk, stock_vehicle=car.pk
        )
        assert o.status == OrderStatus.OPEN
        with pytest.raises(ValidationError) as error:
            services.order_pay(
                actor=staff.consultant, order_id=o.pk, paid_on=TODAY(), invoice_no=""
            )
        assert "invoice_no" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.order_pay(
                actor=staff.consultant,
                order_id=o.pk,
                paid_on=TODAY() + dt.timedelta(days=1),
                invoice_no="A1",
            )
        assert "paid_on" in error.value.message_dict
        o = services.order_pay(
            actor=staff.consultant, order_id=o.pk, paid_on=TODAY(), invoice_no="FP 0012"
        )
        assert o.invoice_no == "FP0012" and o.paid_on == TODAY()
    assert car_status(cast, car) == StockStatus.SOLD


def test_cancel_releases_the_car(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    car = make_stock(cast.a)
    o = order(cast, staff.consultant, lead, stock_vehicle=car.pk)
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.order_cancel(actor=staff.consultant, order_id=o.pk, reason=" ")
        assert "reason" in error.value.message_dict
        o = services.order_cancel(actor=staff.consultant, order_id=o.pk, reason="客户反悔")
        assert o.status == OrderStatus.CANCELLED
        with pytest.raises(ValidationError):
            services.order_cancel(actor=staff.consultant, order_id=o.pk, reason="again")
    assert car_status(cast, car) == StockStatus.IN_STOCK
    # the car can be ordered again
    again = order(cast, staff.consultant, make_lead(cast.a, staff.consultant), stock_vehicle=car.pk)
    assert again.status == OrderStatus.OPEN


def test_numbers_are_unique_and_per_month(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    numbers = [order(cast, staff.consultant, lead).number for _ in range(3)]
    month = TODAY().replace(day=1) - dt.timedelta(days=1)
    numbers.append(
        order(cast, staff.consultant, lead, ordered_on=month, deposit_paid_on=month).number
    )
    assert numbers[:3] == [f"SO{TODAY():%Y%m}-{n:04d}" for n in (1, 2, 3)]
    assert numbers[3] == f"SO{month:%Y%m}-0001"


def test_permissions(cast, staff):
    lead = make_lead(cast.a, staff.consultant)
    o = order(cast, staff.consultant, lead)
    with dealership_context(cast.a):
        with pytest.raises(ValidationError):  # another consultant's lead
            services.order_create(
                actor=staff.consultant2,
                lead=lead.pk,
                price="1",
                deposit="1",
                deposit_paid_on=TODAY(),
                ordered_on=TODAY(),
                vehicle_model="K5",
            )
        with pytest.raises(PermissionDenied):
            services.order_cancel(actor=staff.cr_specialist, order_id=o.pk, reason="x")
        services.order_update(actor=staff.showroom_supervisor, order_id=o.pk, notes="看过")


def test_update_checks_the_deposit_again(cast, staff):
    o = order(cast, staff.consultant, make_lead(cast.a, staff.consultant))
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.order_update(actor=staff.consultant, order_id=o.pk, deposit="999999")
        assert "deposit" in error.value.message_dict
        o = services.order_update(
            actor=staff.consultant, order_id=o.pk, deposit="8000", vehicle_colour="黑"
        )
        assert o.deposit == Decimal("8000") and o.vehicle_colour == "黑"


def test_trade_in(cast, staff):
    o = order(cast, staff.consultant, make_lead(cast.a, staff.consultant))
    with dealership_context(cast.a):
        for fields, field in (
            ({"brand": "", "model": "Civic", "valuation": "1"}, "brand"),
            ({"brand": "本田", "model": "Civic", "valuation": "-1"}, "valuation"),
            ({"brand": "本田", "model": "Civic"}, "valuation"),
            ({"brand": "本田", "model": "Civic", "valuation": "1", "vin": "LVGBE40K"}, "vin"),
            (
                {
                    "brand": "本田",
                    "model": "Civic",
                    "valuation": "1",
                    "first_registered_on": TODAY() + dt.timedelta(days=1),
                },
                "first_registered_on",
            ),
        ):
            with pytest.raises(ValidationError) as error:
                services.tradein_save(actor=staff.consultant, order_id=o.pk, **fields)
            assert field in error.value.message_dict, fields
        assert not TradeIn.objects.exists()
        t = services.tradein_save(
            actor=staff.consultant,
            order_id=o.pk,
            brand="本田",
            model="思域",
            vin=vin().lower(),
            plate="粤B·12345",
            mileage=60000,
            valuation="45000",
        )
        assert t.plate == "粤B12345" and t.vin.isupper() and t.valued_by_id == staff.consultant.pk
        t = services.tradein_save(actor=staff.consultant, order_id=o.pk, valuation="43000")
        assert TradeIn.objects.get().valuation == Decimal("43000")
