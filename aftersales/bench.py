"""After-sales' bench data (``dealership.bench``): the month's closed repair orders of every
type (and the previous month's last ones) with their labour and part lines, warranty claims and
claimed lines, and the customer event each order earned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm.bench import record_events
from dealership.bench import BenchMonth, GenericReference, register_bench_seeder, weighted

SERVICE_TYPES = [  # type, weight, (labour hours low, high), parts lines
    ("maintenance_5k", 10, (0.5, 1.0), 2),
    ("maintenance_10k", 8, (0.8, 1.5), 2),
    ("maintenance", 38, (0.8, 2.0), 2),
    ("repair", 22, (1.0, 6.0), 1),
    ("warranty", 6, (1.0, 5.0), 1),
    ("accident", 14, (2.0, 12.0), 2),
    ("rescue", 2, (0.5, 2.0), 0),
]
PARTS = [  # number, name, cost, price
    (f"BP{n:04d}", name, Decimal(cost), Decimal(cost) * Decimal("1.45"))
    for n, (name, cost) in enumerate(
        [
            ("机油滤清器", "28.00"),
            ("空气滤清器", "45.00"),
            ("空调滤清器", "38.00"),
            ("全合成机油 4L", "260.00"),
            ("前刹车片", "320.00"),
            ("后刹车片", "280.00"),
            ("火花塞", "55.00"),
            ("雨刮片", "90.00"),
            ("蓄电池", "560.00"),
            ("前保险杠", "1450.00"),
            ("大灯总成", "2300.00"),
            ("轮胎 225/45R17", "680.00"),
            ("减震器", "820.00"),
            ("水泵", "640.00"),
            ("正时皮带套件", "980.00"),
            ("冷却液", "75.00"),
            ("刹车油", "60.00"),
            ("后视镜总成", "760.00"),
            ("车门饰板", "430.00"),
            ("发电机", "1900.00"),
        ]
    )
]


def seed_aftersales(month: BenchMonth) -> None:
    """The month's closed repair orders (and the previous month's last ones), with their
    lines, warranty claims and claimed lines."""
    from aftersales.models import (
        Part,
        RepairLine,
        RepairOrder,
        WarrantyClaim,
        WarrantyClaimLine,
    )

    parts = month.bulk(
        Part,
        [
            Part(
                dealership=month.dealership,
                number=number,
                name_zh=name,
                cost=cost,
                price=price.quantize(Decimal("0.01")),
                on_hand=Decimal("500"),
            )
            for number, name, cost, price in PARTS
        ],
    )
    cars = month.kept["service_cars"]
    advisors = month.holders("service_advisor")
    assessor = month.holders("warranty_assessor")[0]
    earlier = [
        month.period.start - dt.timedelta(days=n)
        for n in range(1, 21)  # the previous month's last 20 days
    ]
    plan = [(month.rng.choice(month.days), False) for _ in range(month.scale.repair_orders)]
    plan += [(month.rng.choice(earlier), True) for _ in range(month.scale.earlier_repair_orders)]
    plan.sort()
    types = weighted(month.rng, SERVICE_TYPES, 1)(len(plan))
    orders, line_plans = [], []
    for i, (day, _earlier) in enumerate(plan):
        car = cars[month.rng.randrange(len(cars))]
        kind, _w, (low, high), part_lines = types[i]
        # closed (the car left) on the planned day; checked in hours or days before
        closed_at = month.at(day, month.rng.randint(10, 19), month.rng.choice((0, 15, 30, 45)))
        checked_in = closed_at - dt.timedelta(hours=month.rng.choice((2, 3, 4, 6, 26, 50)))
        warranty = kind == "warranty"
        rate = Decimal(month.rng.choice((180, 200, 220, 260)))
        hours = Decimal(str(round(month.rng.uniform(low, high), 1)))
        labour = (hours * rate).quantize(Decimal("0.01"))
        picked = month.rng.sample(parts, part_lines)
        quantities = [Decimal(month.rng.choice((1, 1, 1, 2, 4))) for _p in picked]
        part_amounts = [
            (p.price * q).quantize(Decimal("0.01")) for p, q in zip(picked, quantities, strict=True)
        ]
        sublet = (
            Decimal("800.00") if kind == "accident" and month.rng.random() < 0.3 else Decimal("0")
        )
        gross_parts = sum(part_amounts, Decimal("0"))
        mileage = {
            "maintenance_5k": month.rng.randint(4500, 5600),
            "maintenance_10k": month.rng.randint(9500, 10800),
        }.get(kind, month.rng.randint(11000, 160000))
        orders.append(
            RepairOrder(
                dealership=month.dealership,
                number=f"RO{day:%Y%m%d}{i + 1:05d}",
                customer=car.owner,
                vehicle=car,
                advisor=advisors[i % len(advisors)],
                service_type=kind,
                status="closed",
                mileage=mileage,
                concerns="定期保养" if kind.startswith("maintenance") else "客户反映异响",
                checked_in_at=checked_in,
                estimate_total=labour + gross_parts + sublet,
                approved_at=checked_in + dt.timedelta(minutes=30),
                ready_at=closed_at - dt.timedelta(minutes=30),
                closed_at=closed_at,
                closed_on=day,
                labour_total=Decimal("0") if warranty else labour,
                parts_total=Decimal("0") if warranty else gross_parts,
                sublet_total=sublet,
                warranty_total=labour + gross_parts if warranty else Decimal("0"),
                total=sublet if warranty else labour + gross_parts + sublet,
            )
        )
        line_plans.append((hours, rate, labour, picked, quantities, part_amounts, sublet, warranty))
    orders = month.bulk(RepairOrder, orders)
    lines, claimed = [], []
    for order, (hours, rate, labour, picked, quantities, amounts, sublet, warranty) in zip(
        orders, line_plans, strict=True
    ):
        start = len(lines)
        lines.append(
            RepairLine(
                dealership=month.dealership,
                repair_order=order,
                kind="labour",
                description="保养工时" if order.service_type.startswith("maint") else "维修工时",
                warranty=warranty,
                operation_code=f"OP{order.service_type[:3].upper()}",
                hours=hours,
                rate=rate,
                unit_price=rate,
                amount=labour,
            )
        )
        for part, quantity, amount in zip(picked, quantities, amounts, strict=True):
            lines.append(
                RepairLine(
                    dealership=month.dealership,
                    repair_order=order,
                    kind="part",
                    description=part.name_zh,
                    warranty=warranty,
                    part=part,
                    quantity=quantity,
                    part_state="issued",
                    unit_price=part.price,
                    amount=amount,
                )
            )
        if sublet:
            lines.append(
                RepairLine(
                    dealership=month.dealership,
                    repair_order=order,
                    kind="sublet",
                    description="钣喷外协",
                    supplier="外协喷漆厂",
                    cost=Decimal("500"),
                    unit_price=sublet,
                    amount=sublet,
                )
            )
        if warranty:
            claimed.append((order, range(start, len(lines))))
    lines = month.bulk(RepairLine, lines, batch_size=5000)
    claims, claim_lines = [], []
    statuses = ["submitted", "approved", "approved", "paid", "paid", "rejected", "draft"]
    for n, (order, line_range) in enumerate(claimed):
        status = statuses[n % len(statuses)]
        labour = sum(
            (lines[j].amount for j in line_range if lines[j].kind == "labour"), Decimal("0")
        )
        parts_amount = sum(
            (lines[j].amount for j in line_range if lines[j].kind == "part"), Decimal("0")
        )
        amount = labour + parts_amount
        closed = order.closed_on
        claims.append(
            WarrantyClaim(
                dealership=month.dealership,
                number=f"WC{closed:%Y%m}{n + 1:05d}",
                repair_order=order,
                status=status,
                fault_description="发动机故障灯亮",
                fault_code="P0300",
                labour_amount=labour,
                parts_amount=parts_amount,
                claimed_amount=amount,
                approved_amount=amount if status in ("approved", "paid") else None,
                paid_amount=amount if status == "paid" else None,
                submitted_on=closed if status != "draft" else None,
                decided_on=closed + dt.timedelta(days=5)
                if status in ("approved", "paid", "rejected")
                else None,
                paid_on=closed + dt.timedelta(days=20) if status == "paid" else None,
                rejection_reason="超出保修范围" if status == "rejected" else "",
                assessor=assessor,
            )
        )
    claims = month.bulk(WarrantyClaim, claims)
    for claim, (_order, line_range) in zip(claims, claimed, strict=True):
        claim_lines.extend(
            WarrantyClaimLine(dealership=month.dealership, claim=claim, line=lines[j])
            for j in line_range
        )
    month.bulk(WarrantyClaimLine, claim_lines)
    record_events(
        month,
        "service",
        "aftersales.repairorder",
        [(o.closed_on, o.customer, o.vehicle, o.pk, o.advisor) for o in orders],
    )


def seed_targets(month: BenchMonth) -> None:
    """The month's target of every service advisor, technician and parts salesperson."""
    from aftersales.models import ServiceTarget

    manager = month.holders("service_manager")[0]
    rows, seen = [], set()
    for role, revenue, orders, parts, checkins in (
        ("service_advisor", Decimal("200000"), 120, Decimal("60000"), 45),
        ("technician", Decimal("50000"), 90, Decimal("0"), 30),
        ("parts_salesperson", Decimal("80000"), 0, Decimal("80000"), 0),
    ):
        for person in month.kept["staff_by_position"].get(role, []):
            if person.pk in seen:
                continue
            seen.add(person.pk)
            rows.append(
                ServiceTarget(
                    dealership=month.dealership,
                    month=month.period.start,
                    person=person,
                    role=role,
                    revenue=revenue,
                    repair_orders=orders,
                    parts_sales=parts,
                    checkins=checkins,
                    set_by=manager,
                )
            )
    month.bulk(ServiceTarget, rows)


def register() -> None:
    register_bench_seeder(
        "aftersales.repair_orders",
        seed_aftersales,
        order=40,
        models=(
            "aftersales.Part",
            "aftersales.RepairOrder",
            "aftersales.RepairLine",
            "aftersales.WarrantyClaim",
            "aftersales.WarrantyClaimLine",
        ),
        references=(
            GenericReference(
                "crm.CustomerEvent",
                "source_type",
                "source_id",
                "aftersales.repairorder",
                "aftersales.RepairOrder",
            ),
        ),
    )
    register_bench_seeder(
        "aftersales.targets", seed_targets, order=41, models=("aftersales.ServiceTarget",)
    )
