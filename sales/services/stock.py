"""Writes of the vehicle stock (店头库存). A car moves in transit → in stock → reserved (an order
took it) → sold (the order is paid in full) → delivered; releasing a reservation (an order
cancelled or moved to another car) puts it back. Every transition locks the car's row
(``select_for_update``) and checks its status, so two consultants cannot take one car at the same
moment: the second waits for the first and then finds it reserved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealership.access import get_object_for_user
from dealership.audit import save_audited, snapshot
from sales.models import StockStatus, StockVehicle

__all__ = ["stock_deliver", "stock_release", "stock_reserve", "stock_sell"]

STATUS_FIELDS = ("status", "delivered_on")


def _lock_visible(actor, stock_vehicle_id) -> StockVehicle:
    """The car, locked, if the actor may see it (a consultant selling a car needs no right to
    change the stock; the order services check the order's rights)."""
    return get_object_for_user(
        actor,
        StockVehicle,
        "view",
        StockVehicle.objects.select_for_update(),
        pk=getattr(stock_vehicle_id, "pk", stock_vehicle_id),
    )


def _move(actor, car: StockVehicle, status: str, **fields) -> StockVehicle:
    before = snapshot(car, STATUS_FIELDS)
    car.status = status
    for name, value in fields.items():
        setattr(car, name, value)
    return save_audited(actor=actor, obj=car, before=before, fields=STATUS_FIELDS)


@transaction.atomic
def stock_reserve(*, actor, stock_vehicle_id) -> StockVehicle:
    """Reserve a free car (in stock or in transit) for an order."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status not in (StockStatus.IN_STOCK, StockStatus.IN_TRANSIT):
        raise ValidationError(
            {
                "stock_vehicle": _("Vehicle %(vin)s is no longer free (%(status)s).")
                % {"vin": car.vin, "status": car.get_status_display()}
            }
        )
    return _move(actor, car, StockStatus.RESERVED)


@transaction.atomic
def stock_release(*, actor, stock_vehicle_id) -> StockVehicle:
    """Give a reserved or sold car back to the free stock (its order was cancelled or moved)."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status not in (StockStatus.RESERVED, StockStatus.SOLD):
        raise ValidationError({"stock_vehicle": _("This vehicle is not reserved.")})
    free = StockStatus.IN_TRANSIT if car.arrived_on is None else StockStatus.IN_STOCK
    return _move(actor, car, free)


@transaction.atomic
def stock_sell(*, actor, stock_vehicle_id) -> StockVehicle:
    """The reserved car's order is paid in full: the car is sold."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status != StockStatus.RESERVED:
        raise ValidationError({"stock_vehicle": _("Only a reserved vehicle can be sold.")})
    return _move(actor, car, StockStatus.SOLD)


@transaction.atomic
def stock_deliver(*, actor, stock_vehicle_id, on) -> StockVehicle:
    """The car is handed over to its buyer on ``on``."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status == StockStatus.DELIVERED:
        raise ValidationError(
            {"stock_vehicle": _("Vehicle %(vin)s has already been delivered.") % {"vin": car.vin}}
        )
    if car.status not in (StockStatus.RESERVED, StockStatus.SOLD):
        raise ValidationError(
            {
                "stock_vehicle": _("Vehicle %(vin)s is not in stock for this order.")
                % {"vin": car.vin}
            }
        )
    if car.arrived_on is None or on < car.arrived_on:
        raise ValidationError(
            {"delivered_on": _("The vehicle cannot be delivered before it arrived.")}
        )
    return _move(actor, car, StockStatus.DELIVERED, delivered_on=on)
