"""Builders of the stock and delivery tests: orders made directly with the ORM (as system code
would, inside the dealership's context), so these tests need no service of the orders area."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dealership.tenancy import dealership_context
from sales.models import Order, OrderStatus, StockStatus, StockVehicle
from tests.sales.conftest import make_lead, make_stock

_numbers = itertools.count(1)
TODAY = timezone.localdate


def make_order(dealership, consultant, *, car=None, factory=False, **fields) -> Order:
    """An order of ``consultant`` (a new lead and customer); with ``car`` the car is reserved
    for it, with ``factory`` it waits for a car from the OEM."""
    lead = fields.pop("lead", None) or make_lead(dealership, consultant, stage="order")
    with dealership_context(dealership):
        if car is not None:
            StockVehicle.objects.filter(pk=car.pk).update(
                status=fields.pop("car_status", StockStatus.RESERVED)
            )
        model = car.model if car is not None else fields.pop("vehicle_model", "K5")
        return Order.objects.create(
            dealership=dealership,
            number=fields.pop("number", f"SO{next(_numbers):06d}"),
            lead=lead,
            customer=lead.customer,
            consultant=consultant,
            stock_vehicle=car,
            vehicle_model=model,
            vehicle_trim=fields.pop("vehicle_trim", car.trim if car is not None else ""),
            vehicle_colour=fields.pop("vehicle_colour", car.colour if car is not None else "白"),
            price=fields.pop("price", Decimal("170000.00")),
            deposit=fields.pop("deposit", Decimal("5000.00")),
            deposit_paid_on=fields.pop("deposit_paid_on", TODAY() - dt.timedelta(days=5)),
            ordered_on=fields.pop("ordered_on", TODAY() - dt.timedelta(days=5)),
            status=fields.pop("status", OrderStatus.FACTORY if factory else OrderStatus.OPEN),
            **fields,
        )


def order_with_car(dealership, consultant, **fields) -> tuple[Order, StockVehicle]:
    car = make_stock(dealership, arrived_on=fields.pop("arrived_on", TODAY() - dt.timedelta(10)))
    order = make_order(dealership, consultant, car=car, **fields)
    return order, car


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name="handover.png", content=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else png_bytes())


def delivery_kwargs(order, **overrides) -> dict:
    kwargs = {
        "order_id": order.pk,
        "delivered_on": TODAY(),
        "documents": ["invoice", "conformity", "keys"],
        "checklist": ["exterior", "functions"],
        "mileage": 12,
        "notes": "",
    }
    kwargs.update(overrides)
    return kwargs
