"""Demo data of after-sales: a plausible last month in each dealership's service department.

Per dealership: a parts store of 40 parts with its opening stock, receipts and issues; about
650 repair orders over the last 30 days (5K/10K and other services, repairs, warranty and
accident work, a few rescues), each closed one with its labour, parts, jobs, clocked time and
the crm event of its satisfaction call; warranty claims in every state; appointments for the
coming days; roadside rescues; technical cases; every day confirmed but yesterday. The owners
who service here are added to the customer master.

The month behind us is written in bulk (as system code: the rows are consistent — stock equals
the sum of its movements, every closed order has its event — but carry no audit entries);
today's work (orders open, estimated, in the workshop, waiting for the quality check, ready;
tomorrow's appointments) goes through the services, by the people who would do it.
Deterministic and idempotent (a dealership with repair orders is left alone)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context

RATE = Decimal("180")
PARTS = [
    # number, zh, en, unit, cost, price, bin
    ("26300-35505", "机油滤清器", "Oil filter", "个", "32", "68", "A-01"),
    ("08880-83720", "全合成机油 4L", "Synthetic oil 4 L", "桶", "210", "398", "A-02"),
    ("28113-2S000", "空气滤清器", "Air filter", "个", "45", "98", "A-03"),
    ("97133-2S000", "空调滤清器", "Cabin filter", "个", "38", "88", "A-04"),
    ("58101-3SA26", "前刹车片", "Front brake pads", "套", "260", "560", "B-01"),
    ("58302-3SA30", "后刹车片", "Rear brake pads", "套", "220", "480", "B-02"),
    ("98350-3S000", "雨刮片（对）", "Wiper blades (pair)", "对", "60", "150", "B-03"),
    ("18855-10060", "火花塞", "Spark plug", "个", "35", "85", "B-04"),
    ("37110-3S000", "蓄电池", "Battery", "个", "420", "880", "C-01"),
    ("52910-3S100", "轮胎 215/55R17", "Tyre 215/55R17", "条", "480", "860", "C-02"),
    ("07100-00400", "冷却液 4L", "Coolant 4 L", "桶", "55", "120", "C-03"),
    ("01100-00110", "刹车油 1L", "Brake fluid 1 L", "瓶", "40", "95", "C-04"),
    ("92101-3S010", "前大灯总成", "Headlamp assembly", "个", "1350", "2480", "D-01"),
    ("86511-3S000", "前保险杠", "Front bumper", "个", "980", "1860", "D-02"),
    ("87610-3S010", "左后视镜", "Left mirror", "个", "520", "980", "D-03"),
    ("25212-2E000", "发动机皮带", "Drive belt", "条", "120", "260", "D-04"),
]
SERVICES = [
    # type, share, labour description, hours, part numbers (quantity 1 unless a tuple)
    ("maintenance_5k", 15, "5000公里首保", "0.8", ["26300-35505", ("08880-83720", 1)]),
    ("maintenance_10k", 20, "10000公里保养", "1.0", ["26300-35505", "08880-83720", "97133-2S000"]),
    ("maintenance", 25, "常规保养", "1.2", ["26300-35505", "08880-83720", "28113-2S000"]),
    ("repair", 26, "刹车系统检修", "2.0", ["58101-3SA26"]),
    ("warranty", 8, "发动机异响检查（保修）", "3.0", ["25212-2E000"]),
    ("accident", 5, "前部钣金喷漆", "6.0", ["86511-3S000", "92101-3S010"]),
    ("rescue", 1, "救援拖车及检修", "1.5", ["37110-3S000"]),
]
# the parts today's orders use (the first two of the first four kinds of service)
TODAY_PARTS = {
    (item[0] if isinstance(item, tuple) else item) for kind in SERVICES[:4] for item in kind[4][:2]
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "军",
]
MODELS = {
    "kia": ["K3", "K5凯酷", "狮铂拓界", "智跑"],
    "gac-toyota": ["凯美瑞", "汉兰达", "雷凌", "致炫"],
}


def seed(dealerships) -> list:
    for index, dealership in enumerate(dealerships):
        with dealership_context(dealership), transaction.atomic():
            from aftersales.models import RepairOrder

            if not RepairOrder.objects.exists():
                _Service(dealership, index).seed()
    return []


def _holders(code: str) -> list:
    from org.models import PositionAssignment

    return [
        a.staff.user
        for a in PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
        .select_related("staff__user")
        .order_by("pk")
    ]


class _Service:
    def __init__(self, dealership, index: int):
        self.d = dealership
        self.index = index
        self.rng = random.Random(f"aftersales-{dealership.code}")  # noqa: S311  # nosec B311
        self.today = timezone.localdate()
        self.zone = dealership.zoneinfo
        self.advisors = _holders("service_advisor")
        self.technicians = _holders("technician")
        self.manager = (_holders("service_manager") or _holders("gm") or [None])[0]
        self.assessor = (_holders("warranty_assessor") or [self.manager])[0]
        self.clerk = (_holders("aftersales_info_clerk") or [None])[0]
        self.parts_manager = (_holders("parts_manager") or [self.manager])[0]
        brand = dealership.brand.code if dealership.brand_id else "kia"
        self.models = MODELS.get(brand, MODELS["kia"])
        self.brand = dealership.brand.name_zh if dealership.brand_id else ""

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), self.zone)
        return min(moment, timezone.now() - dt.timedelta(minutes=1))

    def seed(self) -> None:
        if not self.advisors or not self.technicians or self.manager is None:
            return
        self.bays = self.make_bays()
        self.parts = self.make_parts()
        self.vehicles = self.make_owners()
        self.month()
        self.today_work()
        self.appointments()
        self.store()
        self.rescues_and_cases()
        self.confirmations()

    # --- the store ------------------------------------------------------------------------------

    def make_bays(self):
        from aftersales.models import Bay

        return Bay.objects.bulk_create(
            [
                Bay(dealership=self.d, code=f"B{n:02d}", name=name)
                for n, name in enumerate(
                    ["快保1", "快保2", "机修1", "机修2", "机修3", "钣金", "喷漆", "洗车"], start=1
                )
            ]
        )

    def make_parts(self) -> dict:
        from aftersales.models import Part

        parts = Part.objects.bulk_create(
            [
                Part(
                    dealership=self.d,
                    number=number,
                    name_zh=zh,
                    name_en=en,
                    unit=unit,
                    cost=Decimal(cost),
                    price=Decimal(price),
                    bin=bin_,
                    reorder_point=Decimal(10 if Decimal(price) < 200 else 3),
                )
                for number, zh, en, unit, cost, price, bin_ in PARTS
            ]
        )
        return {p.number: p for p in parts}

    def make_owners(self) -> list:
        """The dealership's own customers' cars plus 700 owners who service here."""
        from crm.models import Customer, Ownership, Vehicle
        from crm.services.validators import vin_check_digit

        province = "湖北" if "武汉" in (self.d.address or "") or "wh" in self.d.code else "广东"
        plate = "鄂A" if province == "湖北" else "粤A"
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    dealership=self.d,
                    name=SURNAMES[n % len(SURNAMES)]
                    + GIVEN[(n * 7) % len(GIVEN)]
                    + (GIVEN[(n * 3) % len(GIVEN)] if n % 2 else ""),
                    mobile=f"133{self.index % 10}{n + 1:07d}",
                    source="walk_in",
                    consent_call=n % 5 != 0,
                    consent_call_on=self.today - dt.timedelta(days=400) if n % 5 else None,
                    consent_call_how="written" if n % 5 else "",
                    consent_sms=n % 3 != 0,
                    consent_sms_on=self.today - dt.timedelta(days=400) if n % 3 else None,
                    consent_sms_how="written" if n % 3 else "",
                    province=f"{province}省",
                )
                for n in range(700)
            ]
        )
        vehicles = []
        for n, customer in enumerate(customers):
            body = f"LJD0S{self.index % 10}{n % 4}0XR{n:07d}"  # R: model year 2024
            vehicles.append(
                Vehicle(
                    dealership=self.d,
                    vin=body[:8] + vin_check_digit(body) + body[9:],
                    plate=f"{plate}{'S' if self.index else 'F'}{n:04d}",
                    brand=self.brand,
                    model=self.models[n % len(self.models)],
                    colour="白",
                    registration_date=self.today - dt.timedelta(days=200 + (n * 37) % 2000),
                    mileage=3000 + (n * 977) % 90000,
                    owner=customer,
                )
            )
        vehicles = Vehicle.objects.bulk_create(vehicles)
        Ownership.objects.bulk_create(
            [
                Ownership(dealership=self.d, vehicle=v, customer=v.owner, start=v.registration_date)
                for v in vehicles
            ]
        )
        return list(Vehicle.objects.filter(owner__isnull=False).select_related("owner"))

    # --- the month behind us, in bulk --------------------------------------------------------------

    def month(self) -> None:
        from aftersales.models import (
            ClaimStatus,
            Job,
            JobStatus,
            PartMovement,
            RepairLine,
            RepairOrder,
            TimeEntry,
            WarrantyClaim,
            WarrantyClaimLine,
        )
        from crm.models import CustomerEvent

        weights = [s[1] for s in SERVICES]
        orders, plan = [], []
        serial = 0
        mileage = {v.pk: v.mileage or 0 for v in self.vehicles}
        for day_back in range(30, 0, -1):
            day = self.today - dt.timedelta(days=day_back)
            for n in range(18 + (day_back * 7) % 9):
                serial += 1
                kind = self.rng.choices(SERVICES, weights)[0]
                vehicle = self.rng.choice(self.vehicles)
                mileage[vehicle.pk] += self.rng.randint(800, 6000)
                checked_in = self.at(day, 8 + n % 9, (n * 13) % 60)
                closed_at = checked_in + dt.timedelta(hours=2 + float(kind[3]) + n % 3)
                orders.append(
                    RepairOrder(
                        dealership=self.d,
                        number=f"RO{day:%Y%m}-{serial:04d}",
                        customer=vehicle.owner,
                        vehicle=vehicle,
                        advisor=self.advisors[n % len(self.advisors)],
                        service_type=kind[0],
                        status="closed",
                        mileage=mileage[vehicle.pk],
                        concerns=kind[2],
                        walk_around=["scratches", "spare"] if n % 4 == 0 else ["spare"],
                        checked_in_at=checked_in,
                        estimate_total=Decimal("0"),
                        approved_at=checked_in + dt.timedelta(minutes=20),
                        approval_note="客户现场签字",
                        qc_by=self.manager,
                        qc_at=closed_at - dt.timedelta(minutes=30),
                        ready_at=closed_at - dt.timedelta(minutes=20),
                        closed_at=closed_at,
                        closed_on=timezone.localtime(closed_at, self.zone).date(),
                        bay=self.bays[n % 5],
                    )
                )
                plan.append(kind)
        orders = RepairOrder.objects.bulk_create(orders)
        for vehicle in self.vehicles:  # the odometer as last recorded at the workshop
            vehicle.mileage = mileage[vehicle.pk]
        type(self.vehicles[0]).objects.bulk_update(self.vehicles, ["mileage"])
        lines, jobs_for, parts_for = [], [], []
        for order, kind in zip(orders, plan, strict=True):
            warranty = kind[0] == "warranty"
            lines.append(
                RepairLine(
                    dealership=self.d,
                    repair_order=order,
                    kind="labour",
                    description=kind[2],
                    warranty=warranty,
                    operation_code=f"OP{kind[0][:3].upper()}",
                    hours=Decimal(kind[3]),
                    rate=RATE,
                    unit_price=RATE,
                    amount=Decimal(kind[3]) * RATE,
                )
            )
            jobs_for.append(len(lines) - 1)
            for item in kind[4]:
                number = item[0] if isinstance(item, tuple) else item
                part = self.parts[number]
                lines.append(
                    RepairLine(
                        dealership=self.d,
                        repair_order=order,
                        kind="part",
                        description=part.name_zh,
                        warranty=warranty,
                        part=part,
                        quantity=Decimal(1),
                        part_state="issued",
                        unit_price=part.price,
                        amount=part.price,
                    )
                )
                parts_for.append(len(lines) - 1)
        lines = RepairLine.objects.bulk_create(lines)
        # totals
        for order in orders:
            order._lines = []
        by_order = {o.pk: o for o in orders}
        for line in lines:
            by_order[line.repair_order_id]._lines.append(line)
        for order in orders:
            paid = [line for line in order._lines if not line.warranty]
            order.labour_total = sum((x.amount for x in paid if x.kind == "labour"), Decimal(0))
            order.parts_total = sum((x.amount for x in paid if x.kind == "part"), Decimal(0))
            order.warranty_total = sum((x.amount for x in order._lines if x.warranty), Decimal(0))
            order.total = order.labour_total + order.parts_total
            order.estimate_total = order.total
        RepairOrder.objects.bulk_update(
            orders, ["labour_total", "parts_total", "warranty_total", "total", "estimate_total"]
        )
        # the workshop: one job per labour line, done, with its clocked time
        jobs, entries = [], []
        for i in jobs_for:
            line = lines[i]
            order = by_order[line.repair_order_id]
            technician = self.technicians[order.pk % len(self.technicians)]
            minutes = int(float(line.hours) * 60 * self.rng.uniform(0.8, 1.25))
            start = order.approved_at + dt.timedelta(minutes=10)
            jobs.append(
                Job(
                    dealership=self.d,
                    repair_order=order,
                    line=line,
                    technician=technician,
                    bay=order.bay,
                    status=JobStatus.DONE,
                    sold_hours=line.hours,
                    clocked_minutes=minutes,
                    finished_at=start + dt.timedelta(minutes=minutes),
                )
            )
            entries.append((technician, start, start + dt.timedelta(minutes=minutes)))
        jobs = Job.objects.bulk_create(jobs)
        TimeEntry.objects.bulk_create(
            [
                TimeEntry(dealership=self.d, job=job, technician=t, started_at=s, ended_at=e)
                for job, (t, s, e) in zip(jobs, entries, strict=True)
            ]
        )
        # parts: opening stock 45 days ago covers the month's issues, then what is left
        issued: dict[int, Decimal] = {}
        movements = []
        for i in parts_for:
            line = lines[i]
            issued[line.part_id] = issued.get(line.part_id, Decimal(0)) + line.quantity
            movements.append(
                PartMovement(
                    dealership=self.d,
                    part_id=line.part_id,
                    kind="issue",
                    quantity=-line.quantity,
                    unit_cost=self.parts_by_id(line.part_id).cost,
                    repair_line=line,
                )
            )
        openings = []
        for part in self.parts.values():
            left = Decimal(self.rng.choice((2, 3, 5, 8, 12, 20, 30, 45)))
            if part.number in TODAY_PARTS:  # enough for today's orders too
                left += 20
            opening = issued.get(part.pk, Decimal(0)) + left
            part.on_hand = opening
            if opening:
                openings.append(
                    PartMovement(
                        dealership=self.d,
                        part=part,
                        kind="opening",
                        quantity=opening,
                        unit_cost=part.cost,
                        note="期初库存",
                    )
                )
            part.on_hand = left
        PartMovement.objects.bulk_create(openings + movements)
        type(next(iter(self.parts.values()))).objects.bulk_update(
            list(self.parts.values()), ["on_hand"]
        )
        # crm: the satisfaction call of every closed order
        CustomerEvent.objects.bulk_create(
            [
                CustomerEvent(
                    dealership=self.d,
                    kind="service",
                    customer_id=o.customer_id,
                    vehicle_id=o.vehicle_id,
                    occurred_on=o.closed_on,
                    source_type="aftersales.repairorder",
                    source_id=o.pk,
                    staff=o.advisor,
                    summary=f"{o.number} {o.get_service_type_display()}",
                )
                for o in orders
            ]
        )
        # warranty claims of the warranty orders, in every state
        warranty_orders = [o for o in orders if o.service_type == "warranty"]
        states = [
            ClaimStatus.PAID,
            ClaimStatus.PAID,
            ClaimStatus.APPROVED,
            ClaimStatus.REJECTED,
            ClaimStatus.SUBMITTED,
            ClaimStatus.SUBMITTED,
            ClaimStatus.DRAFT,
        ]
        claims = []
        for n, order in enumerate(warranty_orders):
            state = states[n % len(states)] if n < len(warranty_orders) - 4 else ClaimStatus.DRAFT
            labour = sum((x.amount for x in order._lines if x.kind == "labour"), Decimal(0))
            parts = sum((x.amount for x in order._lines if x.kind == "part"), Decimal(0))
            claimed = labour + parts
            decided = state in (ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.PAID)
            claims.append(
                WarrantyClaim(
                    dealership=self.d,
                    number=f"WC{order.closed_on:%Y%m}-{n + 1:04d}",
                    repair_order=order,
                    status=state,
                    fault_description="发动机怠速时皮带异响，检查为张紧轮及皮带磨损，更换皮带。",
                    fault_code="P0A00",
                    labour_amount=labour,
                    parts_amount=parts,
                    claimed_amount=claimed,
                    approved_amount=claimed if state in ("approved", "paid") else None,
                    paid_amount=claimed if state == "paid" else None,
                    oem_reference=f"OEM{order.pk:08d}" if decided else "",
                    rejection_reason="超出保修期" if state == "rejected" else "",
                    submitted_on=order.closed_on if state != "draft" else None,
                    decided_on=order.closed_on + dt.timedelta(days=1) if decided else None,
                    paid_on=order.closed_on + dt.timedelta(days=1) if state == "paid" else None,
                    assessor=self.assessor,
                )
            )
        claims = WarrantyClaim.objects.bulk_create(claims)
        WarrantyClaimLine.objects.bulk_create(
            [
                WarrantyClaimLine(dealership=self.d, claim=claim, line=line)
                for claim in claims
                for line in by_order[claim.repair_order_id]._lines
            ]
        )
        self.orders_serial = serial

    def parts_by_id(self, pk):
        if not hasattr(self, "_parts_by_id"):
            self._parts_by_id = {p.pk: p for p in self.parts.values()}
        return self._parts_by_id[pk]

    # --- today, through the services -------------------------------------------------------------

    def today_work(self) -> None:
        """Orders checked in yesterday and today, at every step of the flow."""
        from aftersales import services

        # the finished ones first, while the technicians are free
        steps = ["closed"] * 3 + ["ready"] * 3 + ["open", "estimated"] * 2
        steps += ["approved", "in_progress", "in_progress", "approved"]
        for n in range(len(steps)):
            advisor = self.advisors[n % len(self.advisors)]
            vehicle = self.vehicles[(n * 17 + 3) % len(self.vehicles)]
            kind = SERVICES[n % 4]
            order = services.repairorder_checkin(
                actor=advisor,
                vehicle=vehicle,
                mileage=(vehicle.mileage or 0) + 500 + n,
                service_type=kind[0],
                concerns=kind[2],
                walk_around=["spare"],
            )
            services.repairline_add(
                actor=advisor,
                repair_order_id=order.pk,
                kind="labour",
                description=kind[2],
                hours=Decimal(kind[3]),
                rate=RATE,
            )
            for item in kind[4][:2]:
                number = item[0] if isinstance(item, tuple) else item
                services.repairline_add(
                    actor=advisor,
                    repair_order_id=order.pk,
                    kind="part",
                    description=self.parts[number].name_zh,
                    part=self.parts[number],
                    quantity=Decimal(1),
                )
            target = steps[n]
            if target == "open":
                continue
            services.repairorder_estimate(actor=advisor, repair_order_id=order.pk)
            if target == "estimated":
                continue
            services.repairorder_approve(
                actor=advisor, repair_order_id=order.pk, note="客户电话确认"
            )
            if target == "approved":
                continue
            job = order.jobs.get()
            free = [t for t in self.technicians if not self._clocked(t)]
            if not free:
                continue  # everybody is on a job: it waits, approved
            supervisor = (_holders("workshop_supervisor") or [self.manager])[0]
            services.job_assign(
                actor=supervisor, job_id=job.pk, technician=free[0], bay=self.bays[n % 5]
            )
            services.job_clock_on(actor=free[0], job_id=job.pk)
            if target == "in_progress":
                continue
            services.job_clock_off(actor=free[0], job_id=job.pk, finished=True)
            for line in order.lines.filter(kind="part"):
                services.repairline_issue(actor=self.parts_manager, line_id=line.pk)
            services.repairorder_quality_check(
                actor=self.manager, repair_order_id=order.pk, passed=True, note="试车正常"
            )
            if target == "closed":
                services.repairorder_close(actor=advisor, repair_order_id=order.pk)

    def _clocked(self, technician) -> bool:
        from aftersales.models import TimeEntry

        return TimeEntry.objects.filter(technician=technician, ended_at__isnull=True).exists()

    def appointments(self) -> None:
        from aftersales import services

        for n in range(16):
            day = self.today + dt.timedelta(days=1 + n // 6)
            start = timezone.make_aware(
                dt.datetime.combine(day, dt.time(9 + n % 7, 30 if n % 2 else 0)), self.zone
            )
            vehicle = self.vehicles[(n * 31 + 7) % len(self.vehicles)]
            kind = SERVICES[n % 3]
            services.appointment_create(
                actor=self.advisors[n % len(self.advisors)],
                vehicle=vehicle,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=60),
                service_type=kind[0],
                concerns=kind[2],
            )

    def store(self) -> None:
        """The parts counter's week: an order to the OEM half received, one waiting, and a few
        counter sales."""
        from aftersales import services

        actor = self.parts_manager
        low = [p for p in self.parts.values() if p.on_hand <= p.reorder_point + 5][:4] or list(
            self.parts.values()
        )[:3]
        for n in range(2):
            order = services.purchaseorder_create(
                actor=actor,
                lines=[{"part": p, "quantity": Decimal(10 + 5 * n)} for p in low],
            )
            services.purchaseorder_order(
                actor=actor, order_id=order.pk, ordered_on=self.today - dt.timedelta(days=6 - n)
            )
            if n == 0:
                services.purchaseorder_receive(
                    actor=actor,
                    order_id=order.pk,
                    quantities={line.pk: Decimal(5) for line in order.lines.all()},
                )
        seller = (_holders("parts_salesperson") or [actor])[0]
        for n, number in enumerate(["98350-3S000", "07100-00400", "01100-00110"]):
            services.countersale_create(
                actor=seller,
                buyer_name=["修理厂 张师傅", "自驾车主", "快修店"][n],
                lines=[{"part": self.parts[number], "quantity": Decimal(1 + n)}],
            )

    def rescues_and_cases(self) -> None:
        from aftersales import services

        for n in range(5):
            day = self.today - dt.timedelta(days=3 + n * 5)
            called = self.at(day, 8 + n * 2, 10)
            vehicle = self.vehicles[(n * 41) % len(self.vehicles)]
            services.rescue_create(
                actor=self.manager,
                called_at=called,
                caller_name=vehicle.owner.name,
                caller_phone=vehicle.owner.mobile or "13300000000",
                customer=vehicle.owner,
                vehicle=vehicle,
                location=["二环线高架南湖段", "光谷大道与高新二路口", "沌口开发区车城东路"][n % 3],
                problem=["无法启动，疑似电瓶亏电", "爆胎", "发动机故障灯亮，动力不足"][n % 3],
                dispatched=self.technicians[n % len(self.technicians)],
                crew="",
                departed_at=called + dt.timedelta(minutes=10),
                arrived_at=called + dt.timedelta(minutes=40),
                finished_at=called + dt.timedelta(minutes=90),
                result=["fixed", "fixed", "towed"][n % 3],
            )
        for n, (kind, title) in enumerate(
            [
                ("technical", "怠速抖动：节气门积碳清洗后消除"),
                ("quality", "多台车后备箱密封条异响"),
                ("technical", "倒车影像偶发黑屏：升级软件后恢复"),
            ]
        ):
            services.technical_case_create(
                actor=self.manager,
                kind=kind,
                title=title,
                description=f"{title}。已记录车辆信息和处理过程，供月度售后报告上报厂家。",
                occurred_on=self.today - dt.timedelta(days=4 + n * 6),
                vehicle=self.vehicles[(n * 53) % len(self.vehicles)],
            )

    def confirmations(self) -> None:
        from aftersales import services

        actor = self.clerk or SYSTEM
        for day_back in range(30, 1, -1):
            services.service_day_confirm(actor=actor, day=self.today - dt.timedelta(days=day_back))


def seed_targets(dealerships) -> list:
    """This month's and last month's after-sales targets of every service advisor, technician
    and parts salesperson, set by the service manager. Idempotent: a dealership with targets is
    left alone."""
    from aftersales import services
    from aftersales.models import ServiceTarget

    for index, dealership in enumerate(dealerships):
        with dealership_context(dealership), transaction.atomic():
            if ServiceTarget.objects.exists():
                continue
            manager = (_holders("service_manager") or _holders("gm") or [None])[0]
            if manager is None:
                continue
            this_month = timezone.localdate().replace(day=1)
            last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
            for month in (last_month, this_month):
                for n, person in enumerate(_holders("service_advisor")):
                    services.servicetarget_set(
                        actor=manager,
                        month=month,
                        person=person,
                        role="service_advisor",
                        revenue=Decimal(180000 + 20000 * ((n + index) % 3)),
                        repair_orders=120 + 10 * (n % 3),
                        parts_sales=Decimal(60000 + 5000 * (n % 2)),
                        checkins=45 + 5 * (n % 2),
                    )
                for n, person in enumerate(_holders("technician")):
                    services.servicetarget_set(
                        actor=manager,
                        month=month,
                        person=person,
                        role="technician",
                        revenue=Decimal(45000 + 5000 * (n % 3)),
                        repair_orders=90 + 10 * (n % 2),
                        checkins=30,
                    )
                for person in _holders("parts_salesperson"):
                    services.servicetarget_set(
                        actor=manager,
                        month=month,
                        person=person,
                        role="parts_salesperson",
                        revenue=Decimal(80000),
                        parts_sales=Decimal(80000),
                    )
    return []
