"""Reads of sales for the monthly submissions to the car maker (:mod:`sales.reports`): the
month's deliveries by model, customer type, source channel and region (已购车用户分析表), and the
stock at the month's end by model and age (店头库存表). Each reads through
``Model.objects.for_user(actor, "view")`` in one query whatever the number of cars."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from dealership.figures import day_bounds
from sales.models import Delivery, StockVehicle
from sales.selectors.stock import AGE_BUCKETS

# --- purchased customers ------------------------------------------------------------------------


@dataclass
class PurchasedCustomers:
    """Counts of the period's deliveries: ``total`` and, per dimension, ``Counter`` of keys —
    ``models`` (model name), ``kinds`` (crm customer kind), ``sources`` (the lead's source
    channel), ``regions`` ((city, district) of the customer's address, "" when not recorded)."""

    total: int = 0
    models: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    regions: Counter = field(default_factory=Counter)


def purchased_customers(actor, start: dt.date, end: dt.date) -> PurchasedCustomers:
    """The cars handed over from ``start`` to ``end`` (delivery days), counted by the delivered
    car's model, the buyer's kind (person or company), the source channel of the lead the order
    came from and the buyer's city and district (one query)."""
    rows = (
        Delivery.objects.for_user(actor, "view")
        .filter(delivered_on__gte=start, delivered_on__lte=end)
        .values_list(
            "stock_vehicle__model",
            "customer__kind",
            "order__lead__source",
            "customer__city",
            "customer__district",
        )
    )
    result = PurchasedCustomers()
    for model, kind, source, city, district in rows:
        result.total += 1
        result.models[model or ""] += 1
        result.kinds[kind] += 1
        result.sources[source] += 1
        result.regions[(city.strip(), district.strip())] += 1
    return result


# --- dealer stock -------------------------------------------------------------------------------


@dataclass
class StockLine:
    """The cars of one model, trim and colour at the end of the period: ``ages`` (days since
    arrival) of the cars at the dealership, the cars still ``in_transit``, their ``cost``."""

    model: str
    trim: str
    colour: str
    ages: list[int] = field(default_factory=list)
    in_transit: int = 0
    cost: Decimal = Decimal("0")

    @property
    def in_stock(self) -> int:
        return len(self.ages)

    def band(self, code: str) -> int:
        low, high = AGE_BUCKETS[code]
        return sum(1 for age in self.ages if age >= low and (high is None or age <= high))

    @property
    def average_age(self) -> Decimal | None:
        if not self.ages:
            return None
        return (Decimal(sum(self.ages)) / len(self.ages)).quantize(Decimal("0.1"))

    def add(self, other: StockLine) -> None:
        self.ages.extend(other.ages)
        self.in_transit += other.in_transit
        self.cost += other.cost


def stock_at(actor, day: dt.date) -> list[StockLine]:
    """The dealership's new-car stock at the end of ``day`` by model, trim and colour (sorted):
    the cars arrived by then and not yet handed over (whatever they are promised to), aged in
    days since arrival, and the cars already recorded but not arrived yet (in transit). One
    query; a car delivered later still counts for a past day."""
    _start, end_of_day = day_bounds(day)
    not_delivered = Q(delivered_on__isnull=True) | Q(delivered_on__gt=day)
    arrived = Q(arrived_on__isnull=False, arrived_on__lte=day)
    travelling = (Q(arrived_on__isnull=True) | Q(arrived_on__gt=day)) & Q(created_at__lt=end_of_day)
    rows = (
        StockVehicle.objects.for_user(actor, "view")
        .filter(not_delivered & (arrived | travelling))
        .values_list("model", "trim", "colour", "arrived_on", "cost")
    )
    lines: dict[tuple[str, str, str], StockLine] = {}
    for model, trim, colour, arrived_on, cost in rows:
        key = (model, trim, colour)
        line = lines.get(key)
        if line is None:
            line = lines[key] = StockLine(model, trim, colour)
        if arrived_on is not None and arrived_on <= day:
            line.ages.append((day - arrived_on).days)
            line.cost += cost
        else:
            line.in_transit += 1
    return [lines[key] for key in sorted(lines)]
