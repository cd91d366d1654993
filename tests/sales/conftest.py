"""Fixtures of the sales tests: dealership A of the cast staffed with the sales floor — two
consultants, the showroom supervisor, the sales manager (who decides lost leads and discounts),
the sales info clerk, a CR specialist (no sales rights) — A's GM is ``cast.user_a``, B's GM
(``cast.user_b``) is another dealership. Builders make customers, leads and stock cars directly
(as system code would) so each area's tests need only its own services."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Customer
from crm.services.validators import vin_check_digit
from dealership.tenancy import dealership_context
from sales.models import Lead, StockStatus, StockVehicle
from tests.english import *  # noqa: F403 (messages in English)
from tests.factories import UserFactory, hire

POSITIONS = (
    "sales_consultant",
    "showroom_supervisor",
    "sales_manager",
    "sales_info_clerk",
    "cr_specialist",
)
_serial = itertools.count(1)


def vin(n: int | None = None) -> str:
    """A valid VIN (check digit right), different for every call without ``n``."""
    body = f"LVGBE40K0NG{(n if n is not None else next(_serial)):06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def mobile(n: int | None = None) -> str:
    return f"139{(n if n is not None else next(_serial)):08d}"


@dataclass
class Staff:
    gm: object
    consultant: object
    consultant2: object
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
        user = UserFactory(username=f"sal_{code}", name=f"sales {code}")
        hire(user, cast.a, code)
        people[code] = user
    consultant2 = UserFactory(username="sal_sales_consultant2", name="consultant 2")
    hire(consultant2, cast.a, "sales_consultant")
    people["consultant2"] = consultant2
    return Staff(cast.user_a, people["sales_consultant"], consultant2, people)


def make_customer(dealership, owner, **fields) -> Customer:
    with dealership_context(dealership):
        return Customer.objects.create(
            dealership=dealership,
            name=fields.pop("name", "张三"),
            mobile=fields.pop("mobile", mobile()),
            owner=owner,
            **fields,
        )


def make_lead(dealership, consultant, customer=None, **fields) -> Lead:
    customer = customer or make_customer(dealership, consultant)
    with dealership_context(dealership):
        return Lead.objects.create(
            dealership=dealership,
            customer=customer,
            consultant=consultant,
            model_of_interest=fields.pop("model_of_interest", "K5"),
            **fields,
        )


def make_stock(dealership, **fields) -> StockVehicle:
    arrived = fields.pop("arrived_on", timezone.localdate() - dt.timedelta(days=10))
    status = fields.pop("status", StockStatus.IN_STOCK)
    with dealership_context(dealership):
        return StockVehicle.objects.create(
            dealership=dealership,
            vin=fields.pop("vin", vin()),
            brand=fields.pop("brand", "起亚"),
            model=fields.pop("model", "K5"),
            colour=fields.pop("colour", "白"),
            status=status,
            arrived_on=None if status == StockStatus.IN_TRANSIT else arrived,
            cost=fields.pop("cost", Decimal("150000.00")),
            list_price=fields.pop("list_price", Decimal("179800.00")),
            **fields,
        )
