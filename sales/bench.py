"""Sales' bench data (``dealership.bench``): the month's deliveries (customer's lead, order,
stock car, crm vehicle and ownership, delivery, and the customer event each earned) and the
stock left at the month's end (cars of every age, some reserved, some in transit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm.bench import record_events, vin
from dealership.bench import (
    COLOURS,
    BenchMonth,
    GenericReference,
    register_bench_seeder,
    weighted,
)


def seed_sales(month: BenchMonth) -> None:
    """The month's deliveries: lead → order → stock car → crm vehicle → delivery."""
    from crm.models import Ownership, Vehicle
    from sales.models import Delivery, Lead, Order, StockVehicle

    n = month.scale.deliveries
    brand = month.dealership.brand.name_zh
    models = weighted(month.rng, [(i, *m) for i, m in enumerate(month.car_models)])(n)
    consultants = month.holders("sales_consultant")
    buyers = month.kept["buyers"]
    clerk = month.holders("sales_info_clerk")[0]
    delivered = sorted(month.rng.choice(month.days) for _ in range(n))
    stock, leads = [], []
    for i in range(n):
        index, model, trim, price, _w = models[i]
        arrived = delivered[i] - dt.timedelta(days=month.rng.randint(3, 120))
        stock.append(
            StockVehicle(
                dealership=month.dealership,
                vin=vin(month, index, "S", i),
                brand=brand,
                model=model,
                trim=trim,
                colour=month.rng.choice(COLOURS),
                model_year=delivered[i].year,
                status="delivered",
                ordered_on=arrived - dt.timedelta(days=20),
                arrived_on=arrived,
                cost=price * Decimal("0.9"),
                list_price=price,
                location="A区",
                delivered_on=delivered[i],
            )
        )
        buyer = buyers[i]
        leads.append(
            Lead(
                dealership=month.dealership,
                customer=buyer,
                consultant=consultants[i % len(consultants)],
                source=buyer.source,
                model_of_interest=model,
                intent="H",
                stage="delivered",
            )
        )
    stock = month.bulk(StockVehicle, stock)
    leads = month.bulk(Lead, leads)
    orders, vehicles = [], []
    for i, (car, lead) in enumerate(zip(stock, leads, strict=True)):
        ordered = delivered[i] - dt.timedelta(days=month.rng.randint(2, 30))
        discount = Decimal(month.rng.randrange(0, 12000, 500))
        orders.append(
            Order(
                dealership=month.dealership,
                number=f"SO{month.period.start:%Y%m}{i + 1:05d}",
                lead=lead,
                customer=lead.customer,
                consultant=lead.consultant,
                stock_vehicle=car,
                vehicle_model=car.model,
                vehicle_trim=car.trim,
                vehicle_colour=car.colour,
                price=car.list_price - discount,
                deposit=Decimal("5000"),
                deposit_paid_on=ordered,
                ordered_on=ordered,
                paid_on=delivered[i] - dt.timedelta(days=1),
                invoice_no=f"FP{month.number:03d}{i:06d}",
                status="delivered",
            )
        )
        vehicles.append(
            Vehicle(
                dealership=month.dealership,
                vin=car.vin,
                plate=f"鄂A{month.number:02d}{i:03d}",
                brand=brand,
                model=car.model,
                trim=car.trim,
                colour=car.colour,
                registration_date=delivered[i],
                mileage=12,
                owner=lead.customer,
            )
        )
    orders = month.bulk(Order, orders)
    vehicles = month.bulk(Vehicle, vehicles)
    month.bulk(
        Ownership,
        [
            Ownership(dealership=month.dealership, vehicle=v, customer=v.owner, start=delivered[i])
            for i, v in enumerate(vehicles)
        ],
    )
    deliveries = [
        Delivery(
            dealership=month.dealership,
            order=order,
            customer=order.customer,
            vehicle=vehicle,
            stock_vehicle=order.stock_vehicle,
            consultant=order.consultant,
            delivered_on=delivered[i],
            documents=["invoice", "certificate", "manual"],
            checklist=["exterior", "interior", "functions"],
            mileage=12,
            created_by=clerk,
        )
        for i, (order, vehicle) in enumerate(zip(orders, vehicles, strict=True))
    ]
    deliveries = month.bulk(Delivery, deliveries)
    # (event day, kind, customer, vehicle, source type, source id, staff)
    record_events(
        month,
        "sales",
        "sales.delivery",
        [(d.delivered_on, d.customer, d.vehicle, d.pk, d.consultant) for d in deliveries],
    )


OPEN_STAGES = [  # stage, weight: the pipeline at the month's end (beside the month's deliveries)
    ("new", 25),
    ("contacted", 30),
    ("test_drive", 15),
    ("quote", 12),
    ("order", 3),
    ("lost", 15),
]
LOST_REASONS = ["competitor", "other_dealer", "price", "postponed", "unreachable", "finance"]


def seed_pipeline(month: BenchMonth) -> None:
    """Two open or lost leads per delivery, of the month's service customers (owners looking at
    a new car), spread over the consultants as the deliveries are."""
    from sales.models import Lead

    customers = month.kept["service_customers"]
    consultants = month.holders("sales_consultant")
    count = min(2 * month.scale.deliveries, len(customers))
    stages = weighted(month.rng, OPEN_STAGES)(count)
    models = weighted(month.rng, month.car_models)(count)
    end = month.period.end
    leads = []
    for i in range(count):
        stage = stages[i][0]
        customer = customers[i]
        lost = stage == "lost"
        leads.append(
            Lead(
                dealership=month.dealership,
                customer=customer,
                consultant=consultants[i % len(consultants)],
                source=customer.source,
                model_of_interest=models[i][0],
                intent=month.rng.choice("HABC"),
                stage=stage,
                next_contact_on=None
                if lost
                else end + dt.timedelta(days=month.rng.randint(-5, 10)),
                lost_reason=month.rng.choice(LOST_REASONS) if lost else "",
                lost_on=month.rng.choice(month.days) if lost else None,
                stage_before_lost=month.rng.choice(("contacted", "test_drive", "quote"))
                if lost
                else "",
            )
        )
    month.bulk(Lead, leads)


def seed_stock(month: BenchMonth) -> None:
    """The cars left at the month's end: of every age, some reserved, some in transit."""
    from sales.models import StockVehicle

    brand = month.dealership.brand.name_zh
    end = month.period.end
    rows = []
    for i in range(month.scale.stock):
        index, model, trim, price, _w = weighted(
            month.rng, [(j, *m) for j, m in enumerate(month.car_models)]
        )()[0]
        roll = month.rng.random()
        if roll < 0.15:
            status, arrived = "in_transit", None
        else:
            age = int(month.rng.triangular(0, 200, 25))
            arrived = end - dt.timedelta(days=age)
            status = "reserved" if roll < 0.25 else "in_stock"
        rows.append(
            StockVehicle(
                dealership=month.dealership,
                vin=vin(month, index, "T", i),
                brand=brand,
                model=model,
                trim=trim,
                colour=month.rng.choice(COLOURS),
                model_year=end.year,
                status=status,
                ordered_on=(arrived or end) - dt.timedelta(days=20),
                arrived_on=arrived,
                cost=price * Decimal("0.9"),
                list_price=price,
                location="B区",
            )
        )
    month.bulk(StockVehicle, rows)


def seed_plans(month: BenchMonth) -> None:
    """The month's sales plan (approved, submitted to the OEM) with a line per model, an
    approved price list per model from the month's first day, and a few sub-dealers with an
    assessment each."""
    from sales.models import (
        PriceList,
        SalesPlan,
        SalesPlanLine,
        SubDealer,
        SubDealerAssessment,
    )

    manager = month.holders("sales_manager")[0]
    start = month.period.start
    plan = month.bulk(
        SalesPlan,
        [
            SalesPlan(
                dealership=month.dealership,
                period="month",
                starts_on=start,
                state="submitted",
                submitted_on=start,
                submitted_by=manager,
                created_by=manager,
            )
        ],
    )[0]
    share = max(1, month.scale.deliveries // max(1, len(month.car_models)))
    month.bulk(
        SalesPlanLine,
        [
            SalesPlanLine(
                dealership=month.dealership,
                plan=plan,
                model=model,
                units=share,
                revenue=price * share,
            )
            for model, _trim, price, _w in month.car_models
        ],
    )
    month.bulk(
        PriceList,
        [
            PriceList(
                dealership=month.dealership,
                model=model,
                trim=trim,
                msrp=price,
                dealer_price=price * Decimal("0.92"),
                floor_price=price * Decimal("0.95"),
                valid_from=start,
                state="approved",
                approved_at=month.at(start, 9),
                created_by=manager,
            )
            for model, trim, price, _w in month.car_models
        ],
    )
    dealers = month.bulk(
        SubDealer,
        [
            SubDealer(
                dealership=month.dealership,
                name=f"二级网点{n + 1}",
                contact_name=month.name(),
                region=f"区域{n + 1}",
                contract_start=start - dt.timedelta(days=365),
                contract_end=start + dt.timedelta(days=365),
                state="active",
                manager=manager,
            )
            for n in range(3)
        ],
    )
    month.bulk(
        SubDealerAssessment,
        [
            SubDealerAssessment(
                dealership=month.dealership,
                sub_dealer=dealer,
                period_start=start,
                period_end=month.period.end,
                units=month.rng.randint(5, 40),
                score=month.rng.randint(60, 98),
                assessed_by=manager,
            )
            for dealer in dealers
        ],
    )


def register() -> None:
    register_bench_seeder(
        "sales.deliveries",
        seed_sales,
        order=30,
        models=("sales.StockVehicle", "sales.Lead", "sales.Order", "sales.Delivery"),
        references=(
            GenericReference(
                "crm.CustomerEvent", "source_type", "source_id", "sales.delivery", "sales.Delivery"
            ),
        ),
    )
    register_bench_seeder("sales.stock", seed_stock, order=31, models=("sales.StockVehicle",))
    register_bench_seeder("sales.pipeline", seed_pipeline, order=32, models=("sales.Lead",))
    register_bench_seeder(
        "sales.plans",
        seed_plans,
        order=33,
        models=(
            "sales.SalesPlan",
            "sales.SalesPlanLine",
            "sales.PriceList",
            "sales.SubDealer",
            "sales.SubDealerAssessment",
        ),
    )
