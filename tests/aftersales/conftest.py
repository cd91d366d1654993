"""Fixtures of the after-sales tests: dealership A of the cast staffed with the service
department — two advisors, the workshop supervisor, two technicians, the parts manager, a parts
salesperson, the warranty assessor, the service manager, the after-sales info clerk — and a
sales consultant (no after-sales rights). A's GM is ``cast.user_a``; B's GM (``cast.user_b``) is
another dealership. Builders make customers, vehicles, parts and repair orders directly (as
system code would) so each area's tests need only its own services. Messages are read in
English (the pages are Chinese by default)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import Part, PartMovement, RepairOrder, ServiceType
from crm.models import Customer, Vehicle
from crm.services.validators import vin_check_digit
from dealership.tenancy import dealership_context
from tests.english import *  # noqa: F403 (messages in English)
from tests.factories import UserFactory, hire

POSITIONS = (
    "service_advisor",
    "workshop_supervisor",
    "technician",
    "parts_manager",
    "parts_salesperson",
    "warranty_assessor",
    "service_manager",
    "aftersales_info_clerk",
    "sales_consultant",
)
_serial = itertools.count(1)


def vin(n: int | None = None) -> str:
    body = f"LFV3A23C0P{(n if n is not None else next(_serial)):07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


@dataclass
class Staff:
    gm: object
    advisor: object
    advisor2: object
    technician: object
    technician2: object
    by_code: dict

    def __getattr__(self, code):
        try:
            return self.by_code[code]
        except KeyError:
            raise AttributeError(code) from None


@pytest.fixture
def staff(cast) -> Staff:
    people = {"gm": cast.user_a}
    for code in POSITIONS:
        user = UserFactory(username=f"as_{code}", name=f"as {code}")
        hire(user, cast.a, code)
        people[code] = user
    advisor2 = UserFactory(username="as_service_advisor2", name="advisor 2")
    hire(advisor2, cast.a, "service_advisor")
    technician2 = UserFactory(username="as_technician2", name="technician 2")
    hire(technician2, cast.a, "technician")
    people.update(advisor2=advisor2, technician2=technician2)
    return Staff(
        cast.user_a,
        people["service_advisor"],
        advisor2,
        people["technician"],
        technician2,
        people,
    )


def make_vehicle(dealership, owner=None, **fields) -> Vehicle:
    """A customer (owned by ``owner``, a user, or nobody) and their car."""
    n = next(_serial)
    with dealership_context(dealership):
        customer = Customer.objects.create(
            dealership=dealership,
            name=fields.pop("name", "李四"),
            mobile=fields.pop("mobile", f"138{n:08d}"),  # 136… are the sales factories'
            owner=owner,
        )
        return Vehicle.objects.create(
            dealership=dealership,
            vin=fields.pop("vin", vin()),
            plate=fields.pop("plate", f"鄂A{n:05d}"),
            brand="起亚",
            model=fields.pop("model", "K5"),
            owner=customer,
            mileage=fields.pop("mileage", 12000),
            **fields,
        )


def make_part(dealership, on_hand="10", **fields) -> Part:
    """A part with ``on_hand`` in stock (an opening-balance movement, as the services keep it)."""
    n = next(_serial)
    with dealership_context(dealership):
        part = Part.objects.create(
            dealership=dealership,
            number=fields.pop("number", f"P{n:06d}"),
            name_zh=fields.pop("name_zh", "机油滤清器"),
            unit=fields.pop("unit", "个"),
            cost=fields.pop("cost", Decimal("30.00")),
            price=fields.pop("price", Decimal("58.00")),
            on_hand=Decimal(on_hand),
            **fields,
        )
        if part.on_hand:
            PartMovement.objects.create(
                dealership=dealership,
                part=part,
                kind="opening",
                quantity=part.on_hand,
                unit_cost=part.cost,
            )
        return part


def make_repair_order(dealership, advisor, vehicle=None, **fields) -> RepairOrder:
    vehicle = vehicle or make_vehicle(dealership)
    n = next(_serial)
    with dealership_context(dealership):
        return RepairOrder.objects.create(
            dealership=dealership,
            number=fields.pop("number", f"RO-T{n:06d}"),
            customer=vehicle.owner,
            vehicle=vehicle,
            advisor=advisor,
            service_type=fields.pop("service_type", ServiceType.MAINTENANCE_10K),
            mileage=fields.pop("mileage", (vehicle.mileage or 0) + 100),
            concerns=fields.pop("concerns", "10,000 km service"),
            checked_in_at=fields.pop("checked_in_at", timezone.now()),
            **fields,
        )
