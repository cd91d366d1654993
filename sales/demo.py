"""Demo data of sales: a plausible last month on each dealership's showroom floor, written
through the services by the people who would do it (consultants record their visits, leads,
test drives, quotes, orders and deliveries; the sales manager receives the stock, decides
discounts and lost leads and sets the targets; the sales info clerk confirms the days).

Per dealership: stock of different ages (some in transit), about six weeks of walk-ins and
phone-ins, leads in every stage (a few lost, a few waiting for the manager's approval, some
with their next contact overdue), 70–100 deliveries in the last 30 days, open and factory
orders, two key accounts, this month's and last month's targets. Deterministic (a random
generator seeded with the dealership's code) and idempotent (a dealership with showroom traffic
is left alone). The creation times of leads and quotes are set to the day they happened."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context

BRAND_MODELS = {
    "kia": [
        ("K3", "1.5L CVT 智享版", Decimal("119800")),
        ("K5凯酷", "2.0L 豪华版", Decimal("179800")),
        ("狮铂拓界", "1.5T 舒适版", Decimal("169800")),
        ("EV5", "长续航版", Decimal("149800")),
    ],
    "gac-toyota": [
        ("凯美瑞", "2.0G 豪华版", Decimal("199800")),
        ("汉兰达", "2.0T 四驱尊贵版", Decimal("289800")),
        ("雷凌", "185T 进取版", Decimal("119800")),
        ("威兰达", "2.0L 两驱领先版", Decimal("169800")),
    ],
}
WMI = {"kia": "LJD", "gac-toyota": "LVG"}
COLOURS = ["珍珠白", "曜石黑", "铂金银", "星光蓝", "熔岩红"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
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
]
ACCESSORIES = [
    ("脚垫", Decimal("680")),
    ("行车记录仪", Decimal("1280")),
    ("太阳膜", Decimal("2380")),
    ("隐形车衣", Decimal("6800")),
]
INSURERS = ["中国人保", "平安保险", "太平洋保险"]


def seed(dealerships) -> list:
    for index, dealership in enumerate(dealerships):
        with dealership_context(dealership), transaction.atomic():
            from sales.models import Visit

            if not Visit.objects.exists():
                _Floor(dealership, index).seed()
    return []


def _holders(code: str) -> list:
    from org.models import PositionAssignment

    return [
        a.staff.user
        for a in PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
        .select_related("staff__user")
        .order_by("pk")
    ]


class _Floor:
    """One dealership's month, in the order things happen."""

    def __init__(self, dealership, index: int):
        self.dealership = dealership
        self.index = index
        self.rng = random.Random(dealership.code)  # noqa: S311 (demo data, not security)  # nosec B311
        self.today = timezone.localdate()
        self.zone = dealership.zoneinfo
        brand = dealership.brand.code if dealership.brand_id else "kia"
        self.models = BRAND_MODELS.get(brand, BRAND_MODELS["kia"])
        self.wmi = WMI.get(brand, "LJD")
        self.brand = dealership.brand.name_zh if dealership.brand_id else ""
        self.consultants = _holders("sales_consultant")
        managers = _holders("sales_manager") or _holders("gm")
        self.manager = managers[0] if managers else None
        clerks = _holders("sales_info_clerk")
        self.clerk = clerks[0] if clerks else None
        self.serial = 0
        self.people = 0

    # --- helpers --------------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), self.zone)
        return min(moment, timezone.now() - dt.timedelta(minutes=5))

    def vin(self, model_index: int) -> str:
        from crm.services.validators import vin_check_digit

        self.serial += 1
        body = f"{self.wmi}A{self.index % 10}{model_index}XX0S{self.serial:07d}"
        return body[:8] + vin_check_digit(body) + body[9:]

    def person(self) -> tuple[str, str]:
        self.people += 1
        n = self.people
        name = SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 5) % len(GIVEN)]
        if n % 3 == 0:
            name += GIVEN[(n * 11) % len(GIVEN)]
        return name, f"13{7 - self.index % 3}{self.index % 10}{n:07d}"

    def days_ago(self, n: int) -> dt.date:
        return self.today - dt.timedelta(days=n)

    # --- the month ------------------------------------------------------------------------------

    def seed(self) -> None:
        if not self.consultants or self.manager is None:
            return
        self.free_stock()
        self.key_accounts()
        deliveries = 70 + 15 * (self.index % 3)
        for k in range(deliveries):
            self.buyer(delivered=self.days_ago(1 + k * 30 // deliveries), k=k)
        for k in range(14):  # ordered, car reserved, not yet handed over
            self.buyer(delivered=None, k=k, ordered=self.days_ago(k % 10))
        for k in range(4):  # factory orders: no car in stock
            self.buyer(delivered=None, k=k, ordered=self.days_ago(3 + k * 4), factory=True)
        self.traffic()
        self.targets()
        self.confirmations()

    def free_stock(self) -> None:
        from sales import services

        for k in range(36):  # in stock, from a few days to five months old
            model_index = k % len(self.models)
            model, trim, price = self.models[model_index]
            arrived = self.days_ago(2 + (k * 37) % 150)
            services.stock_create(
                actor=self.manager,
                vin=self.vin(model_index),
                brand=self.brand,
                model=model,
                trim=trim,
                colour=COLOURS[k % len(COLOURS)],
                model_year=arrived.year,
                cost=price * Decimal("0.86"),
                list_price=price,
                in_transit=False,
                ordered_on=arrived - dt.timedelta(days=20),
                arrived_on=arrived,
                location=f"A{k % 6 + 1}",
            )
        for k in range(8):
            model_index = (k + 1) % len(self.models)
            model, trim, price = self.models[model_index]
            services.stock_create(
                actor=self.manager,
                vin=self.vin(model_index),
                brand=self.brand,
                model=model,
                trim=trim,
                colour=COLOURS[(k + 2) % len(COLOURS)],
                model_year=self.today.year,
                cost=price * Decimal("0.86"),
                list_price=price,
                in_transit=True,
                ordered_on=self.days_ago(3 + k * 2),
            )

    def key_accounts(self) -> None:
        from sales import services

        self.accounts = []
        for n, (company, industry, fleet) in enumerate(
            [("市公共交通集团有限公司", "交通运输", 120), ("长江物流股份有限公司", "物流", 45)]
        ):
            name, mobile = self.person()
            self.accounts.append(
                services.keyaccount_create(
                    actor=self.manager,
                    name=f"{self.dealership.name_zh[:2]}{company}",
                    contact_name=name,
                    contact_phone=mobile,
                    contact_title="车队经理" if n == 0 else "行政主管",
                    industry=industry,
                    fleet_size=fleet,
                    manager=self.consultants[n % len(self.consultants)],
                )
            )

    def visit(self, consultant, day: dt.date, hour: int, *, open_lead=True, model=""):
        from sales import services

        name, mobile = self.person()
        kind = "phone_in" if self.rng.random() < 0.25 else "walk_in"
        visit = services.visit_create(
            actor=consultant,
            visited_at=self.at(day, hour, self.rng.choice((0, 15, 30, 45))),
            kind=kind,
            name=name,
            mobile=mobile,
            party_size=self.rng.choice((1, 1, 2, 2, 3, 4)) if kind == "walk_in" else 1,
            source=self.rng.choice(("walk_in", "phone", "autohome", "dongchedi", "referral")),
            models_of_interest=model,
            intent=self.rng.choice("HABC"),
            open_lead=open_lead,
        )
        if visit.lead_id:
            from sales.models import Lead

            Lead.objects.filter(pk=visit.lead_id).update(created_at=visit.visited_at)
        return visit

    def buyer(self, *, delivered, k: int, ordered=None, factory=False) -> None:
        """One customer's way from the first visit to the handed-over car."""
        from sales import services
        from sales.models import Quote

        consultant = self.consultants[k % len(self.consultants)]
        model_index = (k * 3 + self.index) % len(self.models)
        model, trim, price = self.models[model_index]
        colour = COLOURS[(k * 7) % len(COLOURS)]
        if ordered is None:
            ordered = delivered - dt.timedelta(days=2 + k % 7)
        quoted = ordered - dt.timedelta(days=k % 3)
        visited = quoted - dt.timedelta(days=1 + k % 6)
        visit = self.visit(consultant, visited, 9 + k % 8, model=model)
        lead = visit.lead
        if k % 3 != 2:
            start = self.at(visited, 10 + k % 7)
            services.testdrive_create(
                actor=consultant,
                lead=lead,
                vehicle_model=model,
                vehicle_plate=f"鄂A{(k * 7919) % 100000:05d}试",
                licence_number=f"4201{(k * 104729) % 10**14:014d}",
                licence_expires_on=self.today + dt.timedelta(days=400 + k),
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
                route="展厅—发展大道—展厅",
                feedback=self.rng.choice(("动力满意", "空间够用", "想再比较一下", "很满意")),
            )
        car = None
        if not factory:
            arrived = min(quoted, ordered) - dt.timedelta(days=1 + (k * 13) % 40)
            car = services.stock_create(
                actor=self.manager,
                vin=self.vin(model_index),
                brand=self.brand,
                model=model,
                trim=trim,
                colour=colour,
                model_year=arrived.year,
                cost=price * Decimal("0.86"),
                list_price=price,
                in_transit=False,
                ordered_on=arrived - dt.timedelta(days=18),
                arrived_on=arrived,
            )
        big_discount = k % 11 == 5  # above the consultant's limit: the manager approves
        discount = Decimal("6000") if big_discount else Decimal(1000 + (k % 3) * 1000)
        items = [{"name": n, "quantity": 1, "unit_price": p} for n, p in ACCESSORIES[: 1 + k % 3]]
        quote = services.quote_create(
            actor=consultant,
            lead=lead,
            stock_vehicle=car,
            items=items,
            vehicle_model=model,
            vehicle_trim=trim,
            vehicle_colour=colour,
            list_price=price,
            discount=discount,
            insurance_company=INSURERS[k % len(INSURERS)],
            insurance_amount=Decimal("4860"),
            registration_fee=Decimal("500"),
            loan=k % 4 == 0,
            loan_term_months=36 if k % 4 == 0 else None,
            down_payment=(price * Decimal("0.3")).quantize(Decimal("1")) if k % 4 == 0 else None,
        )
        if quote.discount_request_id:
            self.decide(quote.discount_request_id, "approve")
            quote.refresh_from_db()
        Quote.objects.filter(pk=quote.pk).update(created_at=self.at(quoted, 15))
        account = next(
            (a for a in self.accounts if a.manager_id == consultant.pk and k % 9 < 2), None
        )
        order = services.order_create(
            actor=consultant,
            quote=quote,
            key_account=account,
            deposit=Decimal("5000") if k % 2 else Decimal("10000"),
            deposit_paid_on=ordered,
            ordered_on=ordered,
            expected_on=self.today + dt.timedelta(days=20) if factory else None,
        )
        if delivered is None:
            return
        services.order_pay(
            actor=consultant,
            order_id=order.pk,
            paid_on=delivered - dt.timedelta(days=1),
            invoice_no=f"{self.dealership.pk:02d}{delivered:%y%m%d}{k:04d}",
        )
        services.delivery_create(
            actor=consultant,
            order_id=order.pk,
            delivered_on=delivered,
            documents=[c for c, _ in services.DeliveryDocument.choices],
            checklist=[c for c, _ in services.DeliveryChecklist.choices],
            mileage=5 + k % 20,
        )

    def decide(self, request_id: int, decision: str, comment: str = "") -> None:
        from org.approvals.services import request_decide

        request_decide(
            actor=self.manager, request_id=request_id, decision=decision, comment=comment
        )

    def traffic(self) -> None:
        """Visitors who did not buy (yet): leads in every stage, some lost, some overdue."""
        from sales import services
        from sales.models import Lead, LostReason

        reasons = [r for r, _ in LostReason.choices]
        for day_back in range(30, -1, -1):
            day = self.days_ago(day_back)
            for n in range(4 + (day_back * 7) % 5):
                consultant = self.consultants[(day_back + n) % len(self.consultants)]
                hour = 9 + (n * 3) % 9
                if day_back == 0 and self.at(day, hour) >= timezone.now() - dt.timedelta(minutes=6):
                    continue  # nobody has come yet at that hour today
                model = self.models[(n + day_back) % len(self.models)][0]
                visit = self.visit(consultant, day, hour, open_lead=n % 4 != 3, model=model)
                lead = visit.lead
                if lead is None:
                    continue
                fate = (day_back * 3 + n * 7) % 10
                if fate in (0, 1, 2) and day_back > 0:
                    services.lead_contact(
                        actor=consultant,
                        lead_id=lead.pk,
                        note="电话回访，客户还在比较",
                        next_contact_on=self.today + dt.timedelta(days=1 + n % 5),
                    )
                elif fate == 3 and day_back > 2:
                    services.lead_lose(
                        actor=consultant,
                        lead_id=lead.pk,
                        reason=reasons[(day_back + n) % len(reasons)],
                        note="客户已在别处购车",
                    )
                    lead.refresh_from_db()
                    if day_back > 6:  # the older ones are decided
                        self.decide(lead.lost_request_id, "approve")
                elif fate == 4 and day_back > 3:
                    # the next contact date has passed: on the consultant's overdue list
                    Lead.objects.filter(pk=lead.pk).update(
                        stage="contacted", next_contact_on=day + dt.timedelta(days=2)
                    )
                elif fate == 5 and day_back > 0:
                    self.quote_only(consultant, lead, day_back, n, model)
                elif fate == 6:
                    start = visit.visited_at + dt.timedelta(minutes=20)
                    services.testdrive_create(
                        actor=consultant,
                        lead=lead,
                        vehicle_model=model,
                        licence_number=f"4201{(day_back * 7919 + n) % 10**14:014d}",
                        licence_expires_on=self.today + dt.timedelta(days=900),
                        starts_at=start,
                        route="展厅—发展大道—展厅",
                    )

    def quote_only(self, consultant, lead, day_back: int, n: int, model: str) -> None:
        from sales import services
        from sales.models import Quote

        model, trim, price = next(m for m in self.models if m[0] == model)
        quote = services.quote_create(
            actor=consultant,
            lead=lead,
            vehicle_model=model,
            vehicle_trim=trim,
            vehicle_colour=COLOURS[n % len(COLOURS)],
            list_price=price,
            # some ask the manager for a larger discount (waiting in the inbox)
            discount=Decimal("8000") if day_back % 4 == 0 else Decimal("2000"),
            insurance_amount=Decimal("4860"),
            registration_fee=Decimal("500"),
        )
        Quote.objects.filter(pk=quote.pk).update(created_at=self.at(self.days_ago(day_back), 16))

    def targets(self) -> None:
        from sales import services

        month = self.today.replace(day=1)
        previous = (month - dt.timedelta(days=1)).replace(day=1)
        for first in (previous, month):
            rows = [{"consultant": None, "model": "", "units": 95 + 10 * (self.index % 3)}]
            rows += [
                {"consultant": c, "model": "", "units": 22 + 2 * (n % 3)}
                for n, c in enumerate(self.consultants)
            ]
            rows += [
                {"consultant": None, "model": m, "units": 20 + 5 * i}
                for i, (m, _t, _p) in enumerate(self.models)
            ]
            services.targets_set(actor=self.manager, month=first, rows=rows)

    def confirmations(self) -> None:
        """The clerk confirmed every day but yesterday (this morning's task)."""
        from sales import services

        actor = self.clerk or SYSTEM
        for day_back in range(30, 1, -1):
            services.day_confirm(actor=actor, day=self.days_ago(day_back))


# --- plans, price lists and the sub-dealer network (#18) -----------------------------------------


def seed_plans(dealerships) -> list:
    """Per dealership: a price list per model in effect since today and one awaiting approval
    (the first model's new MSRP from next month); this year's, this quarter's and this month's
    sales plans approved (the year's and the month's submitted to the OEM), next month's a
    draft; three sub-dealers with their assessments. Written through the services by the sales
    manager and decided by the holders of each approval step. Idempotent: a dealership with
    price lists is left alone."""
    for index, dealership in enumerate(dealerships):
        with dealership_context(dealership), transaction.atomic():
            from sales.models import PriceList

            if not PriceList.objects.exists():
                _Plans(dealership, index).seed()
    return []


def approve_through(request_id: int, *, stop_before: int | None = None) -> None:
    """Decide the request step by step as the first approver of each open step (demo data);
    with ``stop_before``, leave the request waiting at that step (1-based)."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalRequest, StepApprover

    for step_number in range(1, 12):
        request = ApprovalRequest.objects.get(pk=request_id)
        if request.status != ApprovalRequest.Status.PENDING:
            return
        if stop_before is not None and step_number >= stop_before:
            return
        approver = (
            StepApprover.objects.filter(step__request=request, step__status="open", decision="")
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if approver is None:
            return
        approvals.request_decide(
            actor=approver.user, request_id=request.pk, decision="approve", comment=""
        )


class _Plans:
    def __init__(self, dealership, index: int):
        self.dealership = dealership
        self.index = index
        self.today = timezone.localdate()
        brand = dealership.brand.code if dealership.brand_id else "kia"
        self.models = BRAND_MODELS.get(brand, BRAND_MODELS["kia"])
        managers = _holders("sales_manager") or _holders("sales_director") or _holders("gm")
        self.manager = managers[0] if managers else None
        self.consultants = _holders("sales_consultant")

    def seed(self) -> None:
        if self.manager is None:
            return
        self.price_lists()
        self.plans()
        self.network()

    def price_lists(self) -> None:
        from sales import services

        for model, trim, msrp in self.models:
            price = services.pricelist_create(
                actor=self.manager,
                model=model,
                trim="",
                msrp=msrp,
                dealer_price=(msrp * Decimal("0.92")).quantize(Decimal("100")),
                floor_price=(msrp * Decimal("0.95")).quantize(Decimal("100")),
                valid_from=self.today,
                notes=f"{trim} 等全部配置",
            )
            price = services.pricelist_submit(actor=self.manager, pricelist_id=price.pk)
            if price.request_id:
                approve_through(price.request_id)
        model, _trim, msrp = self.models[0]
        following = (self.today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        waiting = services.pricelist_create(
            actor=self.manager,
            model=model,
            msrp=msrp - Decimal("5000"),
            dealer_price=((msrp - Decimal("5000")) * Decimal("0.92")).quantize(Decimal("100")),
            floor_price=((msrp - Decimal("5000")) * Decimal("0.95")).quantize(Decimal("100")),
            valid_from=following,
            notes="厂家调价:下月起指导价下调5000元",
        )
        waiting = services.pricelist_submit(actor=self.manager, pricelist_id=waiting.pk)
        if waiting.request_id:
            approve_through(waiting.request_id, stop_before=2)  # the deputy GM decides next

    def _lines(self, months: int) -> list[dict]:
        return [
            {"model": m, "units": (20 + 5 * i) * months, "revenue": price * (20 + 5 * i) * months}
            for i, (m, _t, price) in enumerate(self.models)
        ]

    def plans(self) -> None:
        from sales import services

        month = self.today.replace(day=1)
        for period, months, send in (("year", 12, True), ("quarter", 3, False), ("month", 1, True)):
            plan = services.salesplan_create(
                actor=self.manager,
                period=period,
                starts_on=self.today,
                lines=self._lines(months),
                notes="按厂家下达任务及本店能力制订",
            )
            plan = services.salesplan_submit(actor=self.manager, plan_id=plan.pk)
            if plan.request_id:
                approve_through(plan.request_id)
            plan.refresh_from_db()
            if send and plan.state == "approved":
                services.salesplan_send_to_oem(
                    actor=self.manager, plan_id=plan.pk, submitted_on=max(month, self.today)
                )
        services.salesplan_create(
            actor=self.manager,
            period="month",
            starts_on=(month + dt.timedelta(days=32)).replace(day=1),
            lines=self._lines(1),
            notes="草稿,待销售经理会议讨论",
        )

    def network(self) -> None:
        from sales import services

        looked_after = self.consultants[0] if self.consultants else self.manager
        year = self.today.year
        for n, (name, region, state) in enumerate(
            (
                ("番禺二级店", "番禺区", "active"),
                ("花都二级店", "花都区", "active"),
                ("增城合作网点", "增城区", "prospect"),
            )
        ):
            dealer = services.subdealer_create(
                actor=self.manager,
                name=name,
                contact_name=SURNAMES[n + self.index] + "经理",
                contact_phone=f"1380000{self.index:02d}{n:02d}",
                region=region,
                contract_start=dt.date(year - 1, 1, 1) if state == "active" else None,
                contract_end=dt.date(year + 1, 12, 31) if state == "active" else None,
                state=state,
                manager=looked_after if n == 0 else self.manager,
            )
            if state != "active":
                continue
            for quarter, (score, units) in enumerate(((82, 36), (76 + n * 5, 41))):
                start = dt.date(year - 1, 7 + 3 * quarter, 1)
                end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
                services.subdealer_assess(
                    actor=self.manager,
                    subdealer_id=dealer.pk,
                    period_start=start,
                    period_end=end,
                    units=units,
                    score=score,
                    findings="展厅形象符合要求;库存周转偏慢" if score < 80 else "完成任务,配合良好",
                )
