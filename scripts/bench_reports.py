"""``make bench``: seed a realistic month and time the OEM monthly pack (issue #13).

Per dealership it seeds, in bulk (``bulk_create`` inside the dealership's scope, no services):
about 80 staff with the month's joiners and leavers, 300 deliveries (customer, lead, order,
stock car, crm vehicle and ownership, delivery), the stock left at the month's end (cars of
every age, some in transit), 3,000 closed repair orders of every type (5K/10K services,
repairs, warranty with its claim, accidents) with their labour and part lines, 5,000 follow-up
calls (one per delivery and repair order of the month, the rest of the previous month's last
repair orders) with call attempts, SSI/CSI surveys and a few complaints, competitor
observations and advertising spends. The first dealership's month is generated in Python; the
others get a copy of it made by PostgreSQL (``INSERT … SELECT`` with new ids, each referring to
its own rows; ``--no-clone`` generates every one). The seeding runs as the database's owner
with ``session_replication_role = replica`` when allowed (no foreign-key triggers, as a
restore), the timing as the app's role. Then it times:

* ``pack``: one dealership's OEM monthly pack
  (:func:`dealership.reports.group.oem_pack`: every OEM monthly report gathered, one PDF and
  one workbook);
* ``group N``: the group's export for N dealerships (:func:`group_export_request` and
  :func:`group_export_build`: a sheet per dealership plus the consolidated sheet, one PDF),

and prints seconds and peak memory for each, checked against the targets: the pack under
10 s; 50 dealerships under 2 minutes; linear growth (the time per dealership at the largest
group at most twice that at the smallest). Exit status 1 when a target is missed.

Memory: ``RSS peak`` is the process's resident-set high-water mark during the case, above its
size when the case started (Linux ``/proc/self/status`` ``VmHWM`` reset through
``/proc/self/clear_refs`` before each case; elsewhere ``getrusage`` ``ru_maxrss``, which only
grows). ``Python peak`` is :mod:`tracemalloc`'s peak of Python allocations, taken in a second,
untimed pass (tracemalloc slows allocation-heavy code such as the PDF renderer down several
times, so the timed pass runs without it; ``--no-tracemalloc`` skips the second pass).

Run by ``make bench`` (a throwaway PostgreSQL database, migrated as its owner, the benchmark
then connected as the app's role so row-level security applies as in production; no Redis:
Celery runs eagerly). By hand::

    DJANGO_DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/dealership_bench \\
        .venv/bin/python scripts/bench_reports.py --fresh --app-role erp_app --dealerships 1,10,50
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PACK_TARGET = 10.0  # seconds, one dealership's pack
GROUP_TARGET = 120.0  # seconds, the group export of 50 dealerships
GROUP_TARGET_SIZE = 50
LINEAR_FACTOR = 2.0  # per-dealership time of the largest group ≤ 2 × that of the smallest

BRAND_CODE = "bench-brand"
GROUP_CODE = "bench-group"
IDLE_GROUP_CODE = "bench-idle"  # dealerships seeded but not in the measured group
PREFIX = "bench"
UNUSABLE = "!"  # an unusable password hash: nobody logs in as the benchmark's people


@dataclass(frozen=True)
class Scale:
    """One dealership's month."""

    deliveries: int = 300
    repair_orders: int = 3000
    followups: int = 5000
    stock: int = 180  # cars at the dealership or on their way at the month's end
    competitor_observations: int = 60
    advertising_spends: int = 12
    complaint_rate: float = 0.012  # of the follow-ups

    @property
    def earlier_repair_orders(self) -> int:
        """Repair orders closed at the end of the previous month, whose follow-ups make up the
        month's follow-ups beyond one per delivery and repair order of the month."""
        return max(self.followups - self.deliveries - self.repair_orders, 0)


# --- set-up ---------------------------------------------------------------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealership.settings")
    import django

    django.setup()
    from django.conf import settings

    # DJANGO_DEBUG=true is only there so the settings start without production secrets: Django
    # would otherwise keep every SQL statement in memory and skew time and memory.
    settings.DEBUG = False


def recreate_database(*, keep: bool = False) -> None:
    """Drop and create the database named by DATABASE_URL (connected to ``postgres``); with
    ``keep``, only create it when it is missing."""
    import psycopg
    import psycopg.sql
    from django.db import connection

    params = connection.settings_dict
    name = params["NAME"]
    conninfo = {
        "dbname": "postgres",
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
    }
    connection.close()
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as admin:
        quoted = psycopg.sql.Identifier(name)
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if keep and exists:
            return
        admin.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
        admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(quoted))


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def use_app_role(role: str) -> None:
    """Grant ``role`` the app's privileges and reconnect as it (trust authentication, as
    ``make test``), so row-level security binds the benchmark as it binds the app."""
    from django.db import connection

    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            "NOBYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD="")


# --- seeding --------------------------------------------------------------------------------------

MODELS = [  # model, trim, list price, weight in sales
    ("K3", "1.5L CVT 智享版", Decimal("119800"), 30),
    ("K5凯酷", "2.0L 豪华版", Decimal("179800"), 18),
    ("狮铂拓界", "1.5T 舒适版", Decimal("169800"), 22),
    ("EV5", "长续航版", Decimal("149800"), 12),
    ("嘉华", "1.5T 尊享版", Decimal("259800"), 6),
    ("索奈", "1.5L 两驱版", Decimal("89800"), 12),
]
COLOURS = ["珍珠白", "曜石黑", "铂金银", "星光蓝", "熔岩红"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚文华红鹏婷俊晨凯"
CITIES = [  # province, city, districts, weight
    ("湖北", "武汉", ["江汉区", "洪山区", "武昌区", "江岸区", "汉阳区", "青山区"], 70),
    ("湖北", "孝感", ["孝南区", "汉川市"], 12),
    ("湖北", "鄂州", ["鄂城区"], 8),
    ("湖北", "黄冈", ["黄州区", "麻城市"], 10),
]
SOURCES = [  # crm.Source value, weight
    ("walk_in", 35),
    ("phone", 10),
    ("online", 8),
    ("autohome", 15),
    ("dongchedi", 10),
    ("referral", 10),
    ("oem_lead", 6),
    ("key_account", 2),
    ("event", 3),
    ("other", 1),
]
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
HOLDERS = {  # positions with more than one holder (the others have one)
    "sales_consultant": 12,
    "service_advisor": 8,
    "technician": 20,
    "sales_followup_specialist": 2,
    "service_followup_specialist": 4,
    "cr_specialist": 2,
    "parts_salesperson": 2,
}
COMPETITORS = [
    ("丰田", "卡罗拉"),
    ("本田", "思域"),
    ("大众", "朗逸"),
    ("日产", "轩逸"),
    ("比亚迪", "秦PLUS"),
    ("吉利", "星瑞"),
    ("长安", "逸动"),
    ("现代", "伊兰特"),
]
AD_CHANNELS = [
    "newspaper",
    "radio",
    "outdoor",
    "internet",
    "auto_portal",
    "social",
    "event",
]


def _weighted(rng: random.Random, items, weight_index: int = -1):
    weights = [item[weight_index] for item in items]
    return lambda k=1: rng.choices(items, weights=weights, k=k)


def _vin(wmi: str, model_index: int, dealer_no: int, kind: str, serial: int) -> str:
    from crm.services.validators import vin_check_digit

    # 17 characters; the 9th (the check digit) is computed over the others
    body = f"{wmi}{'ABCDEF'[model_index]}{dealer_no:03d}00{kind}{serial:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


@dataclass
class Seeded:
    """What one dealership's seeding wrote (rows by model label), for the summary."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, model, n: int) -> None:
        label = model._meta.label
        self.rows[label] = self.rows.get(label, 0) + n


def _bulk(seeded: Seeded, model, objs: list, batch_size: int = 2000) -> list:
    created = model.objects.bulk_create(objs, batch_size=batch_size)
    seeded.add(model, len(created))
    return created


class DealershipMonth:
    """One dealership's month, written in bulk inside its scope."""

    def __init__(self, dealership, dealer_no: int, period, scale: Scale):
        self.dealership = dealership
        self.dealer_no = dealer_no
        self.period = period
        self.scale = scale
        self.rng = random.Random(f"{dealership.code}:{period.key}")  # noqa: S311 # nosec B311
        self.zone = dealership.zoneinfo
        self.seeded = Seeded()
        self.days = [
            period.start + dt.timedelta(days=n) for n in range((period.end - period.start).days + 1)
        ]
        self.serial = 0

    # helpers ------------------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def holders(self, code: str) -> list:
        return self.staff_by_position.get(code) or self.staff_by_position["gm"]

    # the month ----------------------------------------------------------------------------------

    def seed(self) -> Seeded:
        from django.db import transaction

        from dealership.tenancy import dealership_context

        with dealership_context(self.dealership), transaction.atomic():
            self.seed_staff()
            self.seed_customers()
            self.seed_sales()
            self.seed_stock()
            self.seed_aftersales()
            self.seed_followups()
            self.seed_intelligence()
        return self.seeded

    def seed_staff(self) -> None:
        """About 80 people in the template's positions; the month's joiners and leavers."""
        from dealership.models import Membership, User
        from org.models import Position, PositionAssignment, StaffMember

        positions = list(Position.objects.order_by("pk"))
        plan = [p for p in positions for _n in range(HOLDERS.get(p.code, 1))]
        leavers = 3
        joiners = 4
        month_start = self.period.start
        users = [
            User(
                username=f"{self.dealership.login_prefix}_{n:03d}",
                name=_name(self.rng),
                email=f"{self.dealership.login_prefix}_{n:03d}@bench.invalid",
                password=UNUSABLE,
            )
            for n in range(1, len(plan) + leavers + 1)
        ]
        users = _bulk(self.seeded, User, users)
        _bulk(
            self.seeded, Membership, [Membership(user=u, dealership=self.dealership) for u in users]
        )
        staff = []
        for n, user in enumerate(users):
            joined = n >= len(users) - leavers - joiners and n < len(users) - leavers
            left = n >= len(users) - leavers
            start = (
                self.rng.choice(self.days)
                if joined
                else month_start - dt.timedelta(days=self.rng.randint(40, 2000))
            )
            staff.append(
                StaffMember(
                    dealership=self.dealership,
                    user=user,
                    employee_no=f"E{n + 1:04d}",
                    phone=f"186{self.dealer_no:03d}{n:05d}",
                    start_date=start,
                    end_date=self.rng.choice(self.days) if left else None,
                    is_active=not left,
                )
            )
        staff = _bulk(self.seeded, StaffMember, staff)
        assignments = []
        self.staff_by_position: dict[str, list] = {}
        for n, member in enumerate(staff):
            # the leavers held a consultant's and an advisor's job
            position = plan[n] if n < len(plan) else positions[n % len(positions)]
            assignments.append(
                PositionAssignment(
                    dealership=self.dealership,
                    staff=member,
                    position=position,
                    is_primary=True,
                    since=member.start_date,
                )
            )
            if member.is_active:
                self.staff_by_position.setdefault(position.code, []).append(member.user)
        _bulk(self.seeded, PositionAssignment, assignments)

    def seed_customers(self) -> None:
        """Buyers of the month's cars, and owners of the cars serviced (90 % of the repair
        orders are of different cars)."""
        from crm.models import Customer

        scale = self.scale
        service = int((scale.repair_orders + scale.earlier_repair_orders) * 0.9) + 1
        count = scale.deliveries + service
        cities = _weighted(self.rng, CITIES)(count)
        sources = _weighted(self.rng, SOURCES)(count)
        consultants = self.holders("sales_consultant")
        customers = []
        for i in range(count):
            province, city, districts, _w = cities[i]
            company = self.rng.random() < 0.05
            consent = self.rng.random() < 0.96
            customers.append(
                Customer(
                    dealership=self.dealership,
                    kind="company" if company else "person",
                    name=(_name(self.rng) + "贸易有限公司") if company else _name(self.rng),
                    mobile=f"13{self.dealer_no:03d}{i:06d}",
                    province=province,
                    city=city,
                    district=self.rng.choice(districts),
                    source=sources[i][0],
                    consent_call=consent,
                    consent_call_on=self.period.start - dt.timedelta(days=30) if consent else None,
                    consent_call_how="written" if consent else "",
                    owner=consultants[i % len(consultants)],
                )
            )
        customers = _bulk(self.seeded, Customer, customers)
        self.buyers = customers[: scale.deliveries]
        self.service_customers = customers[scale.deliveries :]

    def seed_sales(self) -> None:
        """The month's deliveries: lead → order → stock car → crm vehicle → delivery."""
        from crm.models import Ownership, Vehicle
        from sales.models import Delivery, Lead, Order, StockVehicle

        n = self.scale.deliveries
        brand = self.dealership.brand.name_zh
        models = _weighted(self.rng, [(i, *m) for i, m in enumerate(MODELS)])(n)
        consultants = self.holders("sales_consultant")
        clerk = self.holders("sales_info_clerk")[0]
        delivered = sorted(self.rng.choice(self.days) for _ in range(n))
        stock, leads = [], []
        for i in range(n):
            index, model, trim, price, _w = models[i]
            arrived = delivered[i] - dt.timedelta(days=self.rng.randint(3, 120))
            stock.append(
                StockVehicle(
                    dealership=self.dealership,
                    vin=_vin("LJD", index, self.dealer_no, "S", i),
                    brand=brand,
                    model=model,
                    trim=trim,
                    colour=self.rng.choice(COLOURS),
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
            buyer = self.buyers[i]
            leads.append(
                Lead(
                    dealership=self.dealership,
                    customer=buyer,
                    consultant=consultants[i % len(consultants)],
                    source=buyer.source,
                    model_of_interest=model,
                    intent="H",
                    stage="delivered",
                )
            )
        stock = _bulk(self.seeded, StockVehicle, stock)
        leads = _bulk(self.seeded, Lead, leads)
        orders, vehicles = [], []
        for i, (car, lead) in enumerate(zip(stock, leads, strict=True)):
            ordered = delivered[i] - dt.timedelta(days=self.rng.randint(2, 30))
            discount = Decimal(self.rng.randrange(0, 12000, 500))
            orders.append(
                Order(
                    dealership=self.dealership,
                    number=f"SO{self.period.start:%Y%m}{i + 1:05d}",
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
                    invoice_no=f"FP{self.dealer_no:03d}{i:06d}",
                    status="delivered",
                )
            )
            vehicles.append(
                Vehicle(
                    dealership=self.dealership,
                    vin=car.vin,
                    plate=f"鄂A{self.dealer_no:02d}{i:03d}",
                    brand=brand,
                    model=car.model,
                    trim=car.trim,
                    colour=car.colour,
                    registration_date=delivered[i],
                    mileage=12,
                    owner=lead.customer,
                )
            )
        orders = _bulk(self.seeded, Order, orders)
        vehicles = _bulk(self.seeded, Vehicle, vehicles)
        _bulk(
            self.seeded,
            Ownership,
            [
                Ownership(
                    dealership=self.dealership, vehicle=v, customer=v.owner, start=delivered[i]
                )
                for i, v in enumerate(vehicles)
            ],
        )
        deliveries = [
            Delivery(
                dealership=self.dealership,
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
        deliveries = _bulk(self.seeded, Delivery, deliveries)
        # (event day, kind, customer, vehicle, source type, source id, staff)
        self.events = [
            (d.delivered_on, "sales", d.customer, d.vehicle, "sales.delivery", d.pk, d.consultant)
            for d in deliveries
        ]

    def seed_stock(self) -> None:
        """The cars left at the month's end: of every age, some reserved, some in transit."""
        from sales.models import StockVehicle

        brand = self.dealership.brand.name_zh
        end = self.period.end
        rows = []
        for i in range(self.scale.stock):
            index, model, trim, price, _w = _weighted(
                self.rng, [(j, *m) for j, m in enumerate(MODELS)]
            )()[0]
            roll = self.rng.random()
            if roll < 0.15:
                status, arrived = "in_transit", None
            else:
                age = int(self.rng.triangular(0, 200, 25))
                arrived = end - dt.timedelta(days=age)
                status = "reserved" if roll < 0.25 else "in_stock"
            rows.append(
                StockVehicle(
                    dealership=self.dealership,
                    vin=_vin("LJD", index, self.dealer_no, "T", i),
                    brand=brand,
                    model=model,
                    trim=trim,
                    colour=self.rng.choice(COLOURS),
                    model_year=end.year,
                    status=status,
                    ordered_on=(arrived or end) - dt.timedelta(days=20),
                    arrived_on=arrived,
                    cost=price * Decimal("0.9"),
                    list_price=price,
                    location="B区",
                )
            )
        _bulk(self.seeded, StockVehicle, rows)

    def seed_aftersales(self) -> None:
        """The month's closed repair orders (and the previous month's last ones), with their
        lines, warranty claims and claimed lines."""
        from aftersales.models import (
            Part,
            RepairLine,
            RepairOrder,
            WarrantyClaim,
            WarrantyClaimLine,
        )
        from crm.models import Ownership, Vehicle

        brand = self.dealership.brand.name_zh
        parts = _bulk(
            self.seeded,
            Part,
            [
                Part(
                    dealership=self.dealership,
                    number=number,
                    name_zh=name,
                    cost=cost,
                    price=price.quantize(Decimal("0.01")),
                    on_hand=Decimal("500"),
                )
                for number, name, cost, price in PARTS
            ],
        )
        cars = []
        for i, owner in enumerate(self.service_customers):
            index = i % len(MODELS)
            model, trim, _price, _w = MODELS[index]
            registered = self.period.start - dt.timedelta(days=self.rng.randint(60, 3000))
            cars.append(
                Vehicle(
                    dealership=self.dealership,
                    vin=_vin("LJD", index, self.dealer_no, "V", i),
                    plate=f"鄂A{self.rng.randint(10000, 99999)}",
                    brand=brand,
                    model=model,
                    trim=trim,
                    colour=COLOURS[i % len(COLOURS)],
                    registration_date=registered,
                    mileage=self.rng.randint(1000, 150000),
                    owner=owner,
                )
            )
        cars = _bulk(self.seeded, Vehicle, cars)
        _bulk(
            self.seeded,
            Ownership,
            [
                Ownership(
                    dealership=self.dealership,
                    vehicle=car,
                    customer=car.owner,
                    start=car.registration_date,
                )
                for car in cars
            ],
        )
        advisors = self.holders("service_advisor")
        assessor = self.holders("warranty_assessor")[0]
        earlier = [
            self.period.start - dt.timedelta(days=n)
            for n in range(1, 21)  # the previous month's last 20 days
        ]
        plan = [(self.rng.choice(self.days), False) for _ in range(self.scale.repair_orders)]
        plan += [(self.rng.choice(earlier), True) for _ in range(self.scale.earlier_repair_orders)]
        plan.sort()
        types = _weighted(self.rng, SERVICE_TYPES, 1)(len(plan))
        orders, line_plans = [], []
        for i, (day, _earlier) in enumerate(plan):
            car = cars[self.rng.randrange(len(cars))]
            kind, _w, (low, high), part_lines = types[i]
            # closed (the car left) on the planned day; checked in hours or days before
            closed_at = self.at(day, self.rng.randint(10, 19), self.rng.choice((0, 15, 30, 45)))
            checked_in = closed_at - dt.timedelta(hours=self.rng.choice((2, 3, 4, 6, 26, 50)))
            warranty = kind == "warranty"
            rate = Decimal(self.rng.choice((180, 200, 220, 260)))
            hours = Decimal(str(round(self.rng.uniform(low, high), 1)))
            labour = (hours * rate).quantize(Decimal("0.01"))
            picked = self.rng.sample(parts, part_lines)
            quantities = [Decimal(self.rng.choice((1, 1, 1, 2, 4))) for _p in picked]
            part_amounts = [
                (p.price * q).quantize(Decimal("0.01"))
                for p, q in zip(picked, quantities, strict=True)
            ]
            sublet = (
                Decimal("800.00")
                if kind == "accident" and self.rng.random() < 0.3
                else Decimal("0")
            )
            gross_parts = sum(part_amounts, Decimal("0"))
            mileage = {
                "maintenance_5k": self.rng.randint(4500, 5600),
                "maintenance_10k": self.rng.randint(9500, 10800),
            }.get(kind, self.rng.randint(11000, 160000))
            orders.append(
                RepairOrder(
                    dealership=self.dealership,
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
            line_plans.append(
                (hours, rate, labour, picked, quantities, part_amounts, sublet, warranty)
            )
        orders = _bulk(self.seeded, RepairOrder, orders)
        lines, claimed = [], []
        for order, (hours, rate, labour, picked, quantities, amounts, sublet, warranty) in zip(
            orders, line_plans, strict=True
        ):
            start = len(lines)
            lines.append(
                RepairLine(
                    dealership=self.dealership,
                    repair_order=order,
                    kind="labour",
                    description="保养工时"
                    if order.service_type.startswith("maint")
                    else "维修工时",
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
                        dealership=self.dealership,
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
                        dealership=self.dealership,
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
        lines = _bulk(self.seeded, RepairLine, lines, batch_size=5000)
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
                    dealership=self.dealership,
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
        claims = _bulk(self.seeded, WarrantyClaim, claims)
        for claim, (_order, line_range) in zip(claims, claimed, strict=True):
            claim_lines.extend(
                WarrantyClaimLine(dealership=self.dealership, claim=claim, line=lines[j])
                for j in line_range
            )
        _bulk(self.seeded, WarrantyClaimLine, claim_lines)
        self.events += [
            (
                o.closed_on,
                "service",
                o.customer,
                o.vehicle,
                "aftersales.repairorder",
                o.pk,
                o.advisor,
            )
            for o in orders
        ]

    def seed_followups(self) -> None:
        """A customer event and its follow-up call per delivery and repair order: attempts,
        surveys with their answers, and the complaints the low scores opened."""
        from crm.models import (
            CallAttempt,
            Complaint,
            CustomerEvent,
            FollowUp,
            Question,
            Questionnaire,
            SurveyAnswer,
            SurveyResponse,
        )
        from org.models import Department

        events = _bulk(
            self.seeded,
            CustomerEvent,
            [
                CustomerEvent(
                    dealership=self.dealership,
                    kind=kind,
                    customer=customer,
                    vehicle=vehicle,
                    occurred_on=day,
                    source_type=source_type,
                    source_id=source_id,
                    staff=staff,
                    summary="交车" if kind == "sales" else "维修保养",
                )
                for day, kind, customer, vehicle, source_type, source_id, staff in self.events
            ],
            batch_size=5000,
        )
        specialists = {
            "sales": self.holders("sales_followup_specialist"),
            "service": self.holders("service_followup_specialist"),
        }
        month_end = self.period.end
        followups, outcomes = [], []
        for n, event in enumerate(events):
            start = event.occurred_on + dt.timedelta(days=3)
            end = event.occurred_on + dt.timedelta(days=5)
            specialist = specialists[event.kind][n % len(specialists[event.kind])]
            roll = self.rng.random()
            status, reason, closed_on, completed, attempts = "done", "", None, None, []
            if not event.customer.consent_call:
                status, reason = "not_called", "客户未同意回访"
            elif start > month_end:
                status = "scheduled"
            elif roll < 0.07:
                status, reason = "unreachable", "三次未接通"
                attempts = ["phone_off", "no_connection", "forwarded"]
                closed_on = end
            elif roll < 0.10 and end >= month_end:
                status = "overdue"
                attempts = ["no_answer"]
            else:
                attempts = ["no_answer", "connected"] if roll < 0.3 else ["connected"]
                day = start + dt.timedelta(days=self.rng.randint(0, 2))
                completed = self.at(day, self.rng.randint(9, 17), self.rng.randint(0, 59))
                closed_on = day
            followups.append(
                FollowUp(
                    dealership=self.dealership,
                    event=event,
                    kind=event.kind,
                    customer=event.customer,
                    vehicle=event.vehicle,
                    event_date=event.occurred_on,
                    window_start=start,
                    window_end=end,
                    specialist=None if status == "not_called" else specialist,
                    status=status,
                    reason=reason,
                    published_on=start
                    if status != "scheduled" and status != "not_called"
                    else None,
                    closed_on=closed_on,
                    completed_at=completed,
                    completed_by=specialist if completed else None,
                    failed_attempts=sum(
                        1 for a in attempts if a != "connected" and a != "no_answer"
                    ),
                )
            )
            outcomes.append(attempts)
        followups = _bulk(self.seeded, FollowUp, followups, batch_size=5000)
        calls = []
        for followup, attempts in zip(followups, outcomes, strict=True):
            for k, outcome in enumerate(attempts):
                at = self.at(followup.window_start + dt.timedelta(days=min(k, 2)), 10 + k, 5 * k)
                if followup.completed_at and outcome == "connected":
                    at = followup.completed_at
                calls.append(
                    CallAttempt(
                        dealership=self.dealership,
                        followup=followup,
                        at=at,
                        specialist=followup.specialist,
                        outcome=outcome,
                    )
                )
        _bulk(self.seeded, CallAttempt, calls, batch_size=5000)
        # surveys: the active SSI / CSI questionnaire of the dealership (seeded with it)
        questionnaires = {q.kind: q for q in Questionnaire.objects.filter(is_active=True)}
        questions = {
            kind: list(Question.objects.filter(questionnaire=q).order_by("position"))
            for kind, q in questionnaires.items()
        }
        responses, answer_plans, low = [], [], []
        for followup in followups:
            questionnaire = questionnaires.get(followup.kind)
            if followup.status != "done" or questionnaire is None:
                continue
            answers = []
            for question in questions[followup.kind]:
                if question.kind == "score":
                    answers.append(
                        (question, self.rng.choice((10, 10, 9, 9, 9, 8, 8, 7, 6, 4)), None, "")
                    )
                elif question.kind == "yes_no":
                    answers.append((question, None, self.rng.random() < 0.9, ""))
                elif question.kind == "choice":
                    choice = (question.choices or [""])[0]
                    answers.append((question, None, None, str(choice)))
                else:
                    answers.append(
                        (question, None, None, "满意" if self.rng.random() < 0.2 else "")
                    )
            scores = [a[1] for a in answers if a[1] is not None]
            score = (
                (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")) if scores else None
            )
            responses.append(
                SurveyResponse(
                    dealership=self.dealership,
                    followup=followup,
                    questionnaire=questionnaire,
                    taken_at=followup.completed_at,
                    taken_by=followup.completed_by,
                    score=score,
                )
            )
            answer_plans.append(answers)
            if score is not None and score < questionnaire.complaint_below:
                low.append(followup)
        responses = _bulk(self.seeded, SurveyResponse, responses, batch_size=5000)
        _bulk(
            self.seeded,
            SurveyAnswer,
            [
                SurveyAnswer(
                    dealership=self.dealership,
                    response=response,
                    question=question,
                    question_text=question.text,
                    score=score,
                    yes=yes,
                    text=text,
                )
                for response, answers in zip(responses, answer_plans, strict=True)
                for question, score, yes, text in answers
            ],
            batch_size=10000,
        )
        departments = {d.code: d for d in Department.objects.all()}
        owner = self.holders("customer_relations_manager")[0]
        wanted = max(int(len(followups) * self.scale.complaint_rate), len(low))
        sources = low + self.rng.sample(followups, max(wanted - len(low), 0))
        complaints = []
        for n, followup in enumerate(sources[:wanted]):
            category = (
                self.rng.choice(("sales_process", "delivery", "price"))
                if followup.kind == "sales"
                else self.rng.choice(("service_quality", "service_time", "parts", "price"))
            )
            received = followup.completed_at or self.at(followup.window_start, 11)
            state = self.rng.choice(("closed", "closed", "confirmed", "resolved", "in_progress"))
            resolved = (
                received + dt.timedelta(days=2)
                if state in ("closed", "confirmed", "resolved")
                else None
            )
            complaints.append(
                Complaint(
                    dealership=self.dealership,
                    number=f"TS{received:%Y%m}{n + 1:04d}",
                    customer=followup.customer,
                    vehicle=followup.vehicle,
                    followup=followup,
                    channel="followup",
                    category=category,
                    severity="major" if n % 10 == 0 else "normal",
                    description="客户对服务不满意",
                    department=departments.get(
                        "sales" if followup.kind == "sales" else "aftersales"
                    ),
                    owner=owner,
                    state=state,
                    received_at=received,
                    deadline=received + dt.timedelta(days=7),
                    resolution="已向客户道歉并免费处理" if resolved else "",
                    resolved_at=resolved,
                    closed_at=resolved + dt.timedelta(days=1) if state == "closed" else None,
                    registered_by=followup.completed_by or owner,
                )
            )
        _bulk(self.seeded, Complaint, complaints)

    def seed_intelligence(self) -> None:
        """Competitor observations and advertising spends (when crm has them)."""
        try:
            from crm.models.intelligence import AdvertisingSpend, CompetitorObservation
        except ImportError:  # an older checkout: the two reports are not there either
            return
        recorder = self.holders("marketing_specialist")[0]
        _bulk(
            self.seeded,
            CompetitorObservation,
            [
                CompetitorObservation(
                    dealership=self.dealership,
                    brand=brand,
                    model=model,
                    price=Decimal(self.rng.randrange(90000, 220000, 1000)),
                    promotion=self.rng.choice(
                        ("", "置换补贴8000元", "首付两成，两年免息", "送保养三次")
                    ),
                    observed_on=self.rng.choice(self.days),
                    source=self.rng.choice(("竞品展厅", "汽车之家报价", "客户报价单")),
                    recorded_by=recorder,
                )
                for brand, model in (
                    self.rng.choice(COMPETITORS) for _ in range(self.scale.competitor_observations)
                )
            ],
        )
        _bulk(
            self.seeded,
            AdvertisingSpend,
            [
                AdvertisingSpend(
                    dealership=self.dealership,
                    channel=AD_CHANNELS[n % len(AD_CHANNELS)],
                    description=f"{self.period.label} 投放 {n + 1}",
                    period_start=self.period.start,
                    period_end=self.period.end,
                    cost=Decimal(self.rng.randrange(3000, 80000, 500)),
                    leads_attributed=self.rng.randint(0, 120),
                    recorded_by=recorder,
                )
                for n in range(self.scale.advertising_spends)
            ],
        )


# Cloning: the first dealership's month is generated row by row in Python (above); the others
# get a copy of it made by PostgreSQL (INSERT … SELECT, new ids, the same figures), which takes
# a second instead of many. What each copy refers to: its own copies of the seeded rows, the
# template rows of its own org chart and questionnaires (matched by natural key), its staff.
SEEDED_MODELS = [  # every model the seeding writes
    "dealership.User",
    "dealership.Membership",
    "org.StaffMember",
    "org.PositionAssignment",
    "crm.Customer",
    "sales.StockVehicle",
    "sales.Lead",
    "sales.Order",
    "crm.Vehicle",
    "crm.Ownership",
    "sales.Delivery",
    "aftersales.Part",
    "aftersales.RepairOrder",
    "aftersales.RepairLine",
    "aftersales.WarrantyClaim",
    "aftersales.WarrantyClaimLine",
    "crm.CustomerEvent",
    "crm.FollowUp",
    "crm.CallAttempt",
    "crm.SurveyResponse",
    "crm.SurveyAnswer",
    "crm.Complaint",
    "crm.CompetitorObservation",
    "crm.AdvertisingSpend",
]
MATCHED = {  # rows every dealership has of its own (made when it was set up), by natural key
    "org.Position": ("code",),
    "org.Department": ("code",),
    "crm.Questionnaire": ("kind", "version"),
    "crm.Question": ("questionnaire__kind", "questionnaire__version", "position"),
}
EVENT_SOURCES = {
    "sales.delivery": "sales.Delivery",
    "aftersales.repairorder": "aftersales.RepairOrder",
}


def _seeded_models() -> list:
    from django.apps import apps

    found = []
    for label in SEEDED_MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:  # an older checkout without it
            continue
    return found


def clone_month(source, target) -> int:
    """Copy ``source``'s seeded month into ``target`` (set up, not seeded); the rows copied."""
    from django.db import connection, transaction

    from dealership.models import Membership, User
    from dealership.tenancy import system_context

    models = _seeded_models()
    quote = connection.ops.quote_name
    with system_context(), transaction.atomic(), connection.cursor() as cursor:

        def source_filter(model) -> str:
            if model is User:
                return (
                    f"s.id IN (SELECT user_id FROM {quote(Membership._meta.db_table)} "  # noqa: S608 (model metadata)
                    f"WHERE dealership_id = {int(source.pk)})"
                )
            return f"s.dealership_id = {int(source.pk)}"

        offsets = {}
        for model in models:
            table = quote(model._meta.db_table)
            cursor.execute(
                f"SELECT (SELECT coalesce(max(id), 0) FROM {table}) - coalesce(min(s.id), 0) + 1 "  # noqa: S608 (model metadata)
                f"FROM {table} s WHERE {source_filter(model)}"
            )
            offsets[model._meta.label] = int(cursor.fetchone()[0])
        maps = {}
        for n, (label, keys) in enumerate(MATCHED.items()):
            from django.apps import apps

            model = apps.get_model(label)
            rows = model._base_manager.filter(dealership__in=[source.pk, target.pk])
            mine = {}
            theirs = {}
            for pk, dealership_id, *key in rows.values_list("pk", "dealership_id", *keys):
                (mine if dealership_id == source.pk else theirs)[tuple(key)] = pk
            name = f"bench_map_{n}"
            cursor.execute(f"CREATE TEMP TABLE {name} (old bigint PRIMARY KEY, new bigint)")
            pairs = [(pk, theirs[key]) for key, pk in mine.items() if key in theirs]
            if pairs:
                cursor.executemany(f"INSERT INTO {name} VALUES (%s, %s)", pairs)  # noqa: S608 (model metadata)
            maps[label] = name
        source_prefix = f"{source.login_prefix}_"
        target_prefix = f"{target.login_prefix}_"
        copied = 0
        for model in models:
            columns, values = [], []
            for f in model._meta.concrete_fields:
                column = quote(f.column)
                columns.append(column)
                if f.primary_key:
                    values.append(f"s.{column} + {offsets[model._meta.label]}")
                elif f.is_relation and f.related_model._meta.label == "dealership.Dealership":
                    values.append(str(int(target.pk)))
                elif f.is_relation:
                    related = f.related_model._meta.label
                    if related in offsets:
                        values.append(f"s.{column} + {offsets[related]}")
                    elif related in maps:
                        mapped = f"(SELECT new FROM {maps[related]} WHERE old = s.{column})"  # noqa: S608 (model metadata)
                        values.append(mapped)
                    elif related.startswith("dealership."):
                        values.append(f"s.{column}")  # a platform row
                    else:  # a tenant row the seeding never refers to
                        values.append("NULL")
                elif model is User and f.name in ("username", "email"):
                    values.append(f"replace(s.{column}, %s, %s)")
                elif model._meta.label == "crm.CustomerEvent" and f.name == "source_id":
                    cases = " ".join(
                        f"WHEN '{kind}' THEN s.{column} + {offsets[label]}"
                        for kind, label in EVENT_SOURCES.items()
                        if label in offsets
                    )
                    values.append(f"CASE s.source_type {cases} ELSE s.{column} END")
                else:
                    values.append(f"s.{column}")
            table = quote(model._meta.db_table)
            params = [source_prefix, target_prefix] * 2 if model is User else []
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608 (model metadata)
                f"FROM {table} s WHERE {source_filter(model)} ORDER BY s.id",
                params,
            )
            copied += cursor.rowcount
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608 (model metadata)
                [model._meta.db_table],
            )
        for name in maps.values():
            cursor.execute(f"DROP TABLE {name}")
    return copied


def bench_dealerships(count: int):
    """The benchmark's brand, groups and ``count`` dealerships with the org chart template
    applied (made when missing; the existing ones are kept)."""
    from dealership.models import Brand, DealerGroup, Dealership
    from dealership.services import dealership_initialize
    from dealership.tenancy import system_context

    with system_context():
        brand, _created = Brand.objects.get_or_create(
            code=BRAND_CODE, defaults={"name_zh": "起亚", "name_en": "Kia (bench)"}
        )
        group, _created = DealerGroup.objects.get_or_create(
            code=GROUP_CODE, defaults={"name_zh": "基准测试集团", "name_en": "Bench group"}
        )
        DealerGroup.objects.get_or_create(
            code=IDLE_GROUP_CODE, defaults={"name_zh": "基准测试备用", "name_en": "Bench (idle)"}
        )
    dealerships = []
    for n in range(1, count + 1):
        code = f"{PREFIX}-{n:03d}"
        with system_context():
            dealership = Dealership.objects.filter(code=code).first()
            created = dealership is None
            if created:
                dealership = Dealership.objects.create(
                    code=code,
                    login_prefix=f"{PREFIX}{n:03d}",
                    name_zh=f"基准测试{n:03d}号起亚4S店",
                    name_en=f"Bench Kia store {n:03d}",
                    brand=brand,
                    group=group,
                    address="湖北省武汉市江汉区发展大道1号",
                )
        if created:
            dealership_initialize(dealership=dealership)
        dealerships.append(dealership)
    return group, dealerships


@contextlib.contextmanager
def replica_mode():
    """Writes without the triggers of foreign keys (``session_replication_role = replica``, as
    a restore of a dump does; the seed is consistent by construction and checked by the
    application's own scope checks), when the role may (a superuser); else as they are."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        replica = True
    except DatabaseError:
        replica = False
    try:
        yield replica
    finally:
        if replica:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


def is_seeded(dealership) -> bool:
    from aftersales.models import RepairOrder
    from dealership.tenancy import dealership_context

    with dealership_context(dealership):
        return RepairOrder.objects.exists()


def seed(
    count: int, period, scale: Scale, *, clone: bool = True, log: Callable[[str], None] = print
):
    """``count`` dealerships with a month of ``scale`` each (those already seeded are kept):
    the first generated, the others (with ``clone``) copies of it."""
    started = time.perf_counter()
    group, dealerships = bench_dealerships(count)
    log(f"{count} dealerships with the org chart: {time.perf_counter() - started:.1f} s")
    total: dict[str, int] = {}
    copied = 0
    for n, dealership in enumerate(dealerships, start=1):
        if is_seeded(dealership):
            continue
        t = time.perf_counter()
        if clone and n > 1:
            rows = clone_month(dealerships[0], dealership)
            copied += rows
            log(
                f"  copied the month into {dealership.code}: {rows:,} rows in {time.perf_counter() - t:.1f} s"
            )
            continue
        seeded = DealershipMonth(dealership, n, period, scale).seed()
        for label, rows in seeded.rows.items():
            total[label] = total.get(label, 0) + rows
        log(
            f"  seeded {dealership.code}: {sum(seeded.rows.values()):,} rows "
            f"in {time.perf_counter() - t:.1f} s"
        )
    if total or copied:
        log(
            f"seeded {sum(total.values()) + copied:,} rows in {time.perf_counter() - started:.1f} s; "
            "generated: " + ", ".join(f"{label} {rows:,}" for label, rows in sorted(total.items()))
        )
    return group, dealerships


# --- the measured cases ---------------------------------------------------------------------------


def _rss_kib(field_name: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the resident-set high-water mark (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


class RssMeter:
    """The case's peak resident set above its size at the start, in MiB."""

    def __init__(self):
        self.hwm = _reset_peak() and _rss_kib("VmHWM") is not None
        self.method = (
            "VmHWM (Linux /proc, reset per case)" if self.hwm else "getrusage ru_maxrss delta"
        )

    def __enter__(self):
        gc.collect()
        if self.hwm:
            _reset_peak()
            self.start = _rss_kib("VmRSS")
        else:
            self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return self

    def __exit__(self, *exc):
        end = _rss_kib("VmHWM") if self.hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.peak_mib = max(end - self.start, 0) / 1024
        self.total_mib = end / 1024


@dataclass
class Result:
    case: str
    dealerships: int
    seconds: float
    rss_mib: float
    rss_total_mib: float
    python_mib: float | None = None
    cpu_seconds: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""


def _oem_reports():
    from dealership.reports.group import oem_reports

    return oem_reports()


def run_pack(dealership, period) -> tuple[bytes, bytes]:
    """One dealership's OEM monthly pack: its PDF and workbook."""
    from dealership.reports.group import oem_pack

    return oem_pack(dealership, period)


def run_scheduled(dealerships, period) -> tuple[bytes, bytes]:
    """Each dealership's OEM monthly runs, made as the scheduler makes them on their due day
    (a run already made is left as it is)."""
    from dealership.reports.services import report_run_scheduled
    from dealership.tenancy import dealership_context

    for dealership in dealerships:
        with dealership_context(dealership):
            for report in _oem_reports():
                due = report.due_at(period, dealership)
                report_run_scheduled(report=report, dealership=dealership, run_date=due.date())
    return b"", b""


def hq_user(group):
    """The group's HQ director (made once), who may export the group's pack."""
    from dealership.models import GroupMembership, User

    user, _created = User.objects.get_or_create(
        username=f"{PREFIX}_hq", defaults={"name": "基准测试总部", "password": UNUSABLE}
    )
    GroupMembership.objects.get_or_create(
        user=user, group=group, defaults={"position_code": "hq_director"}
    )
    return user


def set_group_size(group, dealerships, size: int) -> None:
    """The measured group holds the first ``size`` dealerships; the others wait aside."""
    from django.core.cache import cache

    from dealership.models import DealerGroup, Dealership
    from dealership.tenancy import system_context

    with system_context():
        idle = DealerGroup.objects.get(code=IDLE_GROUP_CODE)
        ids = [d.pk for d in dealerships]
        Dealership.objects.filter(pk__in=ids[:size]).update(group=group)
        Dealership.objects.filter(pk__in=ids[size:]).update(group=idle)
    cache.clear()  # scopes and memberships cached per user


def run_group_export(group, period) -> tuple[bytes, bytes]:
    """The group's export as an HQ user asks for it and the worker makes it: its PDF and
    workbook."""
    from dealership.models import Dealership
    from dealership.reports.group import group_export_build, group_export_request
    from dealership.tenancy import TenantScope, tenant_context

    user = hq_user(group)
    ids = list(Dealership.objects.filter(group=group, is_active=True).values_list("pk", flat=True))
    with tenant_context(TenantScope.for_group(group.pk, ids)):
        export = group_export_request(actor=user, period=period)
    # Celery runs in the process here: the request's task has already built it (else build now)
    built = group_export_build(export_id=export.pk) or export
    built.refresh_from_db()
    if built.status != "done":
        raise RuntimeError(f"group export {built} ended {built.status}: {built.error[-2000:]}")
    with built.pdf.open("rb") as pdf, built.xlsx.open("rb") as xlsx:
        return pdf.read(), xlsx.read()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pages(pdf: bytes) -> int | None:
    if not pdf:
        return None
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def measure(
    case: str, size: int, work: Callable[[], tuple[bytes, bytes]], *, trace: bool
) -> Result:
    """Time ``work`` (returns the PDF and the workbook it made) with its memory peak; with
    ``trace``, run it once more under tracemalloc for the peak of Python allocations."""
    meter = RssMeter()
    with meter:
        cpu = _cpu_seconds()
        started = time.perf_counter()
        pdf, xlsx = work()
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu
    result = Result(case, size, seconds, meter.peak_mib, meter.total_mib, cpu_seconds=cpu)
    pages = _pages(pdf)
    if pdf:
        result.note = f"PDF {len(pdf) / 1e6:.1f} MB" + (f", {pages} pages" if pages else "")
        result.note += f"; XLSX {len(xlsx) / 1e6:.1f} MB"
    del pdf, xlsx
    if trace:
        gc.collect()
        tracemalloc.start()
        try:
            work()
            result.python_mib = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    return result


def judge(results: list[Result]) -> bool:
    ok = True
    for result in results:
        if result.case == "pack":
            result.target = f"< {PACK_TARGET:.0f} s"
            result.ok = result.seconds < PACK_TARGET
        elif result.case.startswith("group") and result.dealerships >= GROUP_TARGET_SIZE:
            result.target = f"< {GROUP_TARGET:.0f} s"
            result.ok = result.seconds < GROUP_TARGET
        ok = ok and result.ok is not False
    groups = sorted((r for r in results if r.case.startswith("group")), key=lambda r: r.dealerships)
    if len(groups) >= 2:
        small, large = groups[0], groups[-1]
        per_small = small.seconds / small.dealerships
        per_large = large.seconds / large.dealerships
        linear = Result(
            f"linear {small.dealerships}→{large.dealerships}",
            large.dealerships,
            per_large,
            0,
            0,
            target=f"≤ {LINEAR_FACTOR:.0f} × {per_small:.2f} s",
            ok=per_large <= LINEAR_FACTOR * per_small,
            note=f"s per dealership: {per_small:.2f} → {per_large:.2f}",
        )
        results.append(linear)
        ok = ok and linear.ok
    return ok


def print_table(results: list[Result], rss_method: str, out=print) -> None:
    header = (
        f"{'case':<15}{'dealerships':>12}{'seconds':>9}{'CPU s':>8}{'RSS peak MiB':>15}"
        f"{'Python peak MiB':>17}  {'target':<17}{'result':<7}note"
    )
    out(header)
    out("-" * len(header))
    for r in results:
        linear = r.case.startswith("linear")
        rss = "" if linear else f"{r.rss_mib:.0f} (of {r.rss_total_mib:.0f})"
        out(
            f"{r.case:<15}{r.dealerships:>12}{r.seconds:>9.2f}"
            f"{'' if r.cpu_seconds is None else f'{r.cpu_seconds:.2f}':>8}{rss:>15}"
            f"{'' if r.python_mib is None else f'{r.python_mib:.0f}':>17}  "
            f"{r.target:<17}{'' if r.ok is None else ('PASS' if r.ok else 'FAIL'):<7}{r.note}"
        )
    out("")
    out("seconds: wall clock; CPU s: this process's CPU time (PostgreSQL's own work not counted).")
    out(f"RSS peak: the case's resident-set peak above its start ({rss_method});")
    out("in brackets the process's peak. Python peak: tracemalloc's peak of Python allocations,")
    if any(r.python_mib is not None for r in results):
        out("from a second, untimed pass.")
    else:
        out("from a second, untimed pass (skipped: --no-tracemalloc).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dealerships", default="1,10,50", help="group sizes to time")
    parser.add_argument("--month", help="the month to seed and report (YYYY-MM; last month)")
    parser.add_argument("--fresh", action="store_true", help="drop, create and migrate the DB")
    parser.add_argument(
        "--migrate", action="store_true", help="create the DB when missing; migrate it"
    )
    parser.add_argument("--app-role", help="run as this database role (row-level security)")
    parser.add_argument("--deliveries", type=int, default=Scale.deliveries)
    parser.add_argument("--repair-orders", type=int, default=Scale.repair_orders)
    parser.add_argument("--followups", type=int, default=Scale.followups)
    parser.add_argument(
        "--no-clone",
        action="store_true",
        help="generate every dealership (slow) instead of copying",
    )
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the untimed pass")
    parser.add_argument("--out", metavar="DIR", help="also write one pack's files to DIR")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.dealerships.split(",") if s.strip()})

    django_setup()
    from django.utils import timezone

    from dealership.reports.periods import Period
    from dealership.reports.registry import MONTH

    if args.fresh or args.migrate:
        t = time.perf_counter()
        recreate_database(keep=not args.fresh)
        migrate()
        print(f"database ready and migrated: {time.perf_counter() - t:.1f} s")
    period = (
        Period.from_key(MONTH, args.month)
        if args.month
        else Period.containing(MONTH, timezone.localdate()).previous()
    )
    scale = Scale(
        deliveries=args.deliveries, repair_orders=args.repair_orders, followups=args.followups
    )
    reports = _oem_reports()
    print(
        f"month {period.key}; OEM monthly reports: {', '.join(r.code for r in reports) or 'none'}"
    )
    if not reports:
        print("no OEM monthly report is registered: nothing to time")
        return 1
    # seeded as the database's owner (without constraint triggers when it may: a restore),
    # timed as the app's role
    with replica_mode():
        group, dealerships = seed(max(sizes), period, scale, clone=not args.no_clone)
    if args.app_role:
        use_app_role(args.app_role)

    rss_method = RssMeter().method
    trace = not args.no_tracemalloc
    results = []
    first = dealerships[0]
    # a worker that has made a PDF before: fonts found, templates and the renderer loaded
    warm = time.perf_counter()
    run_pack(first, period)
    print(f"warm-up pack (not judged): {time.perf_counter() - warm:.2f} s", flush=True)
    load = os.getloadavg()[0]
    results.append(measure("pack", 1, lambda: run_pack(first, period), trace=trace))
    _progress(results[-1])
    if args.out:
        _write_pack(first, period, Path(args.out))
    if any(s > 1 for s in sizes):
        # the scheduler has made each dealership's OEM runs on their due day (their PDFs are
        # what the car maker received, and what the group's pack is made of): timed, not judged
        results.append(
            measure(
                f"scheduled runs {len(dealerships)}",
                len(dealerships),
                lambda: run_scheduled(dealerships, period),
                trace=False,
            )
        )
        _progress(results[-1])
    for size in (s for s in sizes if s > 1):
        set_group_size(group, dealerships, size)
        results.append(
            measure(f"group {size}", size, lambda: run_group_export(group, period), trace=trace)
        )
        _progress(results[-1])
    set_group_size(group, dealerships, len(dealerships))
    ok = judge(results)
    print()
    print_table(results, rss_method)
    print(
        f"\n{os.cpu_count()} CPUs; load average {load:.1f} before the cases, "
        f"{os.getloadavg()[0]:.1f} after (other processes share the machine when it is above "
        f"the CPU count)."
    )
    print(f"\n{'all targets met' if ok else 'a target was missed'}")
    return 0 if ok else 1


def _progress(result: Result) -> None:
    python = "" if result.python_mib is None else f", Python peak {result.python_mib:.0f} MiB"
    print(
        f"{result.case}: {result.seconds:.2f} s (CPU {result.cpu_seconds:.2f} s), "
        f"RSS peak +{result.rss_mib:.0f} MiB{python}; {result.note}",
        flush=True,
    )


def _write_pack(dealership, period, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pdf, xlsx = run_pack(dealership, period)
    (folder / f"{dealership.code}-{period.key}.pdf").write_bytes(pdf)
    (folder / f"{dealership.code}-{period.key}.xlsx").write_bytes(xlsx)
    print(f"one pack written to {folder}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
