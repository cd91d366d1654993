"""Demo data of crm.

* :func:`seed` — demo customers: about 150 per demo dealership, each with a vehicle (VINs with a
  valid check digit, plates of the dealership's province), owned by the dealership's sales
  consultants and written through the services as system code. Idempotent: customers are keyed
  on their mobile number, vehicles on their VIN.
* :func:`seed_followups` — the follow-up calls (after the sales and after-sales demos): every
  customer event's follow-up, nine months of deliveries, service visits, calls, surveys,
  complaints and contact checks behind us, the owner club, service reminders, retention lists,
  SMS campaigns and today's jobs, so today's call list and the next days' are known (see the
  section below)."""

from __future__ import annotations

import datetime as dt

from crm import services
from crm.models import ConsentMethod, Customer, Source, Vehicle
from crm.services.validators import vin_check_digit
from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context
from org.models import PositionAssignment

COUNT = 150
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
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "晓东",
    "丽华",
    "海燕",
]
MODELS = [
    ("广汽丰田", "凯美瑞", "2.0G 豪华版", "LVGBE40K"),
    ("广汽丰田", "汉兰达", "2.0T 四驱尊贵版", "LVGBN4EH"),
    ("广汽丰田", "雷凌", "185T 进取版", "LVGCA4FE"),
    ("一汽-大众", "迈腾", "330TSI 豪华型", "LFV3A23C"),
    ("一汽-大众", "速腾", "280TSI 舒适型", "LFV2A21K"),
    ("东风日产", "轩逸", "1.6L XL 悦享版", "LGBH52E0"),
]
COLOURS = ["珍珠白", "曜石黑", "铂金银", "星光蓝", "熔岩红"]
CITIES = {
    "湖北": ("武汉市", ["洪山区", "武昌区", "江汉区", "汉阳区"], "鄂A"),
    "广东": ("广州市", ["天河区", "越秀区", "海珠区", "白云区"], "粤A"),
}
SOURCES = [
    Source.WALK_IN,
    Source.PHONE,
    Source.AUTOHOME,
    Source.DONGCHEDI,
    Source.REFERRAL,
    Source.OEM_LEAD,
]
YEAR_CODES = "HJKLMNP"  # 2017–2023


def _province(dealership) -> str:
    address = getattr(dealership, "address", "") or ""
    return "广东" if "广东" in address or "gz" in dealership.code else "湖北"


def _vin(dealership_index: int, i: int) -> str:
    wmi = MODELS[i % len(MODELS)][3]
    body = f"{wmi}0{YEAR_CODES[i % len(YEAR_CODES)]}{dealership_index % 10}{dealership_index // 10 % 10}{i:05d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _seed_dealership(dealership) -> None:
    consultants = [
        a.staff.user
        for a in PositionAssignment.objects.filter(
            position__code="sales_consultant", staff__is_active=True
        )
        .select_related("staff__user")
        .order_by("pk")
    ]
    if not consultants:
        return
    province = _province(dealership)
    city, districts, plate_prefix = CITIES[province]
    index = dealership.pk % 100
    existing = set(Customer.objects.values_list("mobile", flat=True))
    vins = set(Vehicle.objects.values_list("vin", flat=True))
    for i in range(COUNT):
        mobile = f"139{index:02d}{i:06d}"
        if mobile in existing:
            continue
        kind = "company" if i % 17 == 0 else "person"
        name = (
            f"{city[:2]}{GIVEN[i % len(GIVEN)]}商贸有限公司"
            if kind == "company"
            else SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        )
        consent = i % 3 != 0
        customer = services.customer_create(
            actor=SYSTEM,
            kind=kind,
            name=name,
            mobile=mobile,
            province=f"{province}省",
            city=city,
            district=districts[i % len(districts)],
            street=f"建设大道{100 + i}号",
            source=SOURCES[i % len(SOURCES)],
            consent_call=consent,
            consent_call_on=dt.date(2025, 1, 1) + dt.timedelta(days=i) if consent else None,
            consent_call_how=ConsentMethod.WRITTEN if consent else "",
            consent_sms=consent and i % 2 == 0,
            consent_sms_on=dt.date(2025, 1, 1) + dt.timedelta(days=i)
            if consent and i % 2 == 0
            else None,
            consent_sms_how=ConsentMethod.WRITTEN if consent and i % 2 == 0 else "",
            owner=consultants[i % len(consultants)],
        )
        vin = _vin(index, i)
        if vin in vins:
            continue
        brand, model, trim, _wmi = MODELS[i % len(MODELS)]
        services.vehicle_create(
            actor=SYSTEM,
            owner=customer,
            vin=vin,
            plate=f"{plate_prefix}{'D' if i % 9 == 0 else ''}{(i * 7919) % 100000:05d}",
            brand=brand,
            model=model,
            trim=trim,
            colour=COLOURS[i % len(COLOURS)],
            registration_date=dt.date(2018 + i % 7, 1 + i % 12, 1 + i % 28),
            mileage=(i * 1373) % 150000,
        )


def seed(dealerships) -> list:
    for dealership in dealerships:
        with dealership_context(dealership):
            _seed_dealership(dealership)
    return []


# --- a week of follow-up calls (issue #12) -----------------------------------------------------
#
# ``seed_followups`` runs after the sales (60) and after-sales (70) demos, which hand over cars
# and close repair orders over the last 30 days. It gives every customer event its follow-up,
# adds the months before (deliveries and service visits since about nine months back, so the
# SSI/CSI trend, the retention lists and the reminders have data), and works the calls as the
# CRM department would have: most customers reached in their window with a survey, a few
# unreachable (contact checks sent to the consultants), a few overdue, complaints from low
# scores and by hand in every state, the owner club, service reminders, retention lists and SMS
# campaigns, and finally today's jobs — so today's call list and the next days' are known.
# Bulk where there are many rows (consistent, without audit entries, like the after-sales
# month); the complaints, contact checks, reminders, campaigns and today's jobs through the
# services. Deterministic (a random generator seeded with the dealership's code) and idempotent
# (a dealership that has the demo's history is left alone).

HISTORY = "crm.demo_history"  # the source of the events the demo adds (no record of another app)
HISTORY_MODELS = {
    "kia": ["K3", "K5凯酷", "狮铂拓界", "EV5"],
    "gac-toyota": ["凯美瑞", "汉兰达", "雷凌", "威兰达"],
}
SERVICE_WORK = ["常规保养", "10000公里保养", "刹车系统检修", "空调系统检查", "更换轮胎", "钣金喷漆"]
SALES_BACK = (35, 270)  # history deliveries: from 270 to 35 days back
SERVICE_BACK = (35, 180)  # history service visits
TOP_UP_DAYS = SALES_BACK[0] - 1  # the days since get at least MIN_PER_DAY events of each kind
MIN_PER_DAY = {"sales": 2, "service": 5}
GOOD_WORDS = ["服务很好，谢谢", "顾问讲解很细致", "保养速度快，很满意", "环境干净，休息区舒适"]
BAD_WORDS = {
    "sales": ["交车等了两个小时，承诺的脚垫也没装", "最后价格和报价单不一致"],
    "service": ["异响还在，没有一次修好", "等了一整天，比约定时间晚了三小时", "收费比预估高"],
}
RESOLUTIONS = [
    "已向客户致歉，安排免费复检并赠送一次保养。",
    "已退还多收费用，并对相关人员进行培训。",
    "已补装承诺的精品，客户表示接受。",
]


def seed_followups(dealerships) -> list:
    from django.db import transaction

    for dealership in dealerships:
        with dealership_context(dealership), transaction.atomic():
            from crm.models import CustomerEvent

            if not CustomerEvent.objects.filter(source_type=HISTORY).exists():
                _CallCentre(dealership).seed()
    return []


def _holders(code: str) -> list:
    return [
        a.staff.user
        for a in PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
        .select_related("staff__user")
        .order_by("pk")
    ]


def _first(*lists):
    for people in lists:
        if people:
            return people[0]
    return None


def _mean(scores: list[int]):
    from decimal import ROUND_HALF_UP, Decimal

    if not scores:
        return None
    return (Decimal(sum(scores)) / Decimal(len(scores))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _update_rows(model, rows, fields) -> None:
    """Write ``fields`` of ``rows`` (saved rows of the current dealership) with one statement
    run once per row: what ``bulk_update`` does, without its CASE expressions, which take
    seconds for a thousand rows."""
    from django.db import connection

    if not rows:
        return
    columns = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    # the names come from the model, the values are parameters
    table = quote(model._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s AND dealership_id = %s"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [
                    field.get_db_prep_save(getattr(row, field.attname), connection)
                    for field in columns
                ]
                + [row.pk, row.dealership_id]
                for row in rows
            ],
        )


class _CallCentre:
    """One dealership's CRM department, working through the months behind us."""

    def __init__(self, dealership):
        import random

        from django.utils import timezone

        from crm.models import EventKind
        from crm.services.followups import followup_settings

        self.d = dealership
        self.rng = random.Random(f"crm-followups-{dealership.code}")  # noqa: S311  # nosec B311
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.zone = dealership.zoneinfo
        self.rules = followup_settings()
        self.consultants = _holders("sales_consultant")
        self.advisors = _holders("service_advisor")
        self.specialists = {
            EventKind.SALES: _holders("sales_followup_specialist"),
            EventKind.SERVICE: _holders("service_followup_specialist"),
        }
        self.cr_manager = _first(
            _holders("customer_relations_manager"), _holders("crm_director"), _holders("gm")
        )
        self.crm_staff = _first(
            _holders("cr_specialist"), _holders("crm_info_clerk"), [self.cr_manager]
        )
        self.service_manager = _first(_holders("service_manager"), _holders("service_director"))
        self.users = {}
        brand = dealership.brand.code if dealership.brand_id else "kia"
        self.models = HISTORY_MODELS.get(brand, HISTORY_MODELS["kia"])
        self.brand = dealership.brand.name_zh if dealership.brand_id else ""
        self.serial = 0
        self.index = dealership.pk % 10

    # --- helpers --------------------------------------------------------------------------------

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        from django.utils import timezone

        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), self.zone)
        return min(moment, self.now - dt.timedelta(minutes=5))

    def days_ago(self, n: int) -> dt.date:
        return self.today - dt.timedelta(days=n)

    def user(self, pk):
        from django.contrib.auth import get_user_model

        if pk is None:
            return None
        if pk not in self.users:
            self.users[pk] = get_user_model().objects.get(pk=pk)
        return self.users[pk]

    def as_or_system(self, actor, function, **kwargs):
        """``function`` done by ``actor``, or by the system when they may not (a consultant who
        left, an advisor without rights on the customer)."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if actor is not None:
            try:
                return function(actor=actor, **kwargs)
            except (PermissionDenied, Http404):
                pass
        return function(actor=SYSTEM, **kwargs)

    # --- the whole story ------------------------------------------------------------------------

    def seed(self) -> None:
        from crm.services.followups import followups_ensure

        if self.cr_manager is None or not any(self.specialists.values()):
            return
        self.buyers_consent()
        self.history()
        followups_ensure(day=self.today, audit=False)
        self.calls()
        self.face_to_face()
        self.complaints_from_surveys()
        self.contact_checks()
        self.complaints_by_hand()
        self.retention()
        self.reminders()
        self.members()
        self.sms_campaigns()
        self.jobs_of_today()

    def buyers_consent(self) -> None:
        """Most buyers sign the consent to calls (and many to SMS) at the delivery: their
        follow-up, scheduled as not called, goes on the call list."""
        from crm.models import Customer, EventKind, FollowUp, FollowUpStatus
        from crm.services.followups import status_on

        rows = list(
            FollowUp.objects.filter(
                kind=EventKind.SALES,
                status=FollowUpStatus.NOT_CALLED,
                customer__consent_call=False,
            )
            .select_related("customer")
            .order_by("pk")
        )
        people = self.specialists[EventKind.SALES]
        customers, changed = {}, []
        for n, followup in enumerate(rows):
            if self.rng.random() < 0.12 or not people:
                continue  # declined: not called
            customer = followup.customer
            customer.consent_call = True
            customer.consent_call_on = followup.event_date
            customer.consent_call_how = ConsentMethod.WRITTEN
            if not customer.consent_sms and self.rng.random() < 0.6:
                customer.consent_sms = True
                customer.consent_sms_on = followup.event_date
                customer.consent_sms_how = ConsentMethod.WRITTEN
            customers[customer.pk] = customer
            followup.status = FollowUpStatus.SCHEDULED
            followup.status = status_on(followup, self.today)
            followup.reason = ""
            followup.specialist_id = people[n % len(people)].pk
            followup.published_on = (
                self.today if followup.status != FollowUpStatus.SCHEDULED else None
            )
            changed.append(followup)
        Customer.objects.bulk_update(
            list(customers.values()),
            [
                "consent_call",
                "consent_call_on",
                "consent_call_how",
                "consent_sms",
                "consent_sms_on",
                "consent_sms_how",
            ],
            batch_size=200,
        )
        FollowUp.objects.bulk_update(
            changed, ["status", "reason", "specialist", "published_on"], batch_size=200
        )

    # --- the months before: deliveries and service visits -------------------------------------

    def history(self) -> None:
        from collections import Counter

        from crm.models import Customer, CustomerEvent, EventKind, Ownership, Vehicle

        recent = Counter(
            CustomerEvent.objects.filter(occurred_on__gte=self.days_ago(TOP_UP_DAYS)).values_list(
                "kind", "occurred_on"
            )
        )
        sales_days = []
        for back in range(SALES_BACK[1], SALES_BACK[0] - 1, -1):
            sales_days += [self.days_ago(back)] * self.rng.choice((0, 0, 1, 1, 1, 2))
        service_days = []
        for back in range(SERVICE_BACK[1], SERVICE_BACK[0] - 1, -1):
            service_days += [self.days_ago(back)] * self.rng.choice((1, 2, 2, 3))
        for back in range(TOP_UP_DAYS, 0, -1):
            day = self.days_ago(back)
            sales_days += [day] * max(0, MIN_PER_DAY["sales"] - recent[(EventKind.SALES, day)])
            service_days += [day] * max(
                0, MIN_PER_DAY["service"] - recent[(EventKind.SERVICE, day)]
            )

        # the buyers and their new cars
        province = _province(self.d)
        city, districts, plate_prefix = CITIES[province]
        existing = set(Customer.objects.values_list("mobile", flat=True))
        buyers, cars = [], []
        n = 0
        for k, day in enumerate(sales_days):
            mobile = f"158{n:08d}"
            while mobile in existing:
                n += 1
                mobile = f"158{n:08d}"
            n += 1
            consent = self.rng.random() < 0.88
            sms = consent and self.rng.random() < 0.6
            consultant = self.consultants[k % len(self.consultants)] if self.consultants else None
            buyers.append(
                Customer(
                    dealership=self.d,
                    name=SURNAMES[(k * 7 + 3) % len(SURNAMES)]
                    + GIVEN[(k * 11) % len(GIVEN)]
                    + (GIVEN[(k * 5) % len(GIVEN)] if k % 3 == 0 else ""),
                    mobile=mobile,
                    province=f"{province}省",
                    city=city,
                    district=districts[k % len(districts)],
                    street=f"友谊大道{200 + k}号",
                    source=SOURCES[k % len(SOURCES)],
                    consent_call=consent,
                    consent_call_on=day if consent else None,
                    consent_call_how=ConsentMethod.WRITTEN if consent else "",
                    consent_sms=sms,
                    consent_sms_on=day if sms else None,
                    consent_sms_how=ConsentMethod.WRITTEN if sms else "",
                    owner=consultant,
                )
            )
        for buyer in buyers:
            buyer.fill_initials()
        buyers = Customer.objects.bulk_create(buyers, batch_size=500)
        vins = set(Vehicle.objects.values_list("vin", flat=True))
        for k, (day, buyer) in enumerate(zip(sales_days, buyers, strict=True)):
            model_index = k % len(self.models)
            body = f"LVH{self.index}C{model_index}D0XT{k:07d}"
            vin = body[:8] + vin_check_digit(body) + body[9:]
            if vin in vins:
                continue
            cars.append(
                Vehicle(
                    dealership=self.d,
                    vin=vin,
                    plate=f"{plate_prefix}H{k:04d}",
                    brand=self.brand,
                    model=self.models[model_index],
                    colour=COLOURS[k % len(COLOURS)],
                    registration_date=day,
                    mileage=max(5, (self.today - day).days * self.rng.randint(25, 60)),
                    owner=buyer,
                )
            )
        cars = Vehicle.objects.bulk_create(cars, batch_size=500)
        Ownership.objects.bulk_create(
            [
                Ownership(
                    dealership=self.d, vehicle=car, customer=car.owner, start=car.registration_date
                )
                for car in cars
            ],
            batch_size=500,
        )

        events = []

        def event(kind, vehicle, day, staff, summary):
            self.serial += 1
            events.append(
                CustomerEvent(
                    dealership=self.d,
                    kind=kind,
                    customer_id=vehicle.owner_id,
                    vehicle=vehicle,
                    occurred_on=day,
                    source_type=HISTORY,
                    source_id=self.serial,
                    staff=staff,
                    summary=summary[:200],
                )
            )

        for car in cars:
            day = car.registration_date
            consultant = car.owner.owner
            event(EventKind.SALES, car, day, consultant, f"交车 {car.model} {car.colour}")
            first_service = day + dt.timedelta(days=self.rng.randint(40, 110))
            if self.rng.random() < 0.7 and first_service < self.today:
                advisor = self.rng.choice(self.advisors) if self.advisors else None
                event(EventKind.SERVICE, car, first_service, advisor, "5000公里首保")
        serviced = (
            list(
                Vehicle.objects.filter(owner__isnull=False)
                .exclude(pk__in=[car.pk for car in cars])
                .order_by("pk")
            )
            or cars
        )
        for day in service_days:
            # a car serviced here a month after it was registered (or delivered) at least
            ready = [
                car
                for car in serviced
                if car.registration_date is None
                or car.registration_date <= day - dt.timedelta(days=30)
            ]
            if not ready:
                continue
            car = self.rng.choice(ready)
            advisor = self.rng.choice(self.advisors) if self.advisors else None
            event(EventKind.SERVICE, car, day, advisor, self.rng.choice(SERVICE_WORK))
        CustomerEvent.objects.bulk_create(events, batch_size=500)

    # --- the calls ------------------------------------------------------------------------------

    def calls(self) -> None:
        """Every follow-up whose window has opened, worked as the specialists would have."""
        from django.utils import timezone
        from django.utils.translation import gettext as _

        from crm.models import AttemptOutcome, CallAttempt, FollowUp, FollowUpStatus
        from crm.models.followups import OPEN_STATUSES
        from crm.services.contact_checks import monday_of

        S = FollowUpStatus
        rows = list(
            FollowUp.objects.filter(status__in=OPEN_STATUSES, window_start__lte=self.today)
            .exclude(specialist__isnull=True)
            .select_related("event", "customer")
            .order_by("window_start", "pk")
        )
        # a few customers unreachable last week and this week, for the weekly contact checks
        this_monday = monday_of(self.today)
        forced = set()
        for low, high in (
            (this_monday - dt.timedelta(days=13), this_monday - dt.timedelta(days=7)),
            (this_monday - dt.timedelta(days=6), min(this_monday, self.days_ago(1))),
        ):
            fitting = [f for f in rows if low <= f.window_end <= high]
            forced.update(f.pk for f in self.rng.sample(fitting, min(2, len(fitting))))
        self.attempts, self.surveyed, self.old_checks = [], [], []
        morning_over = timezone.localtime(self.now, self.zone).hour >= 10
        waiting = []  # in their window, not tried yet
        for followup in rows:
            followup.published_on = followup.window_start
            start, end = followup.window_start, followup.window_end
            if end >= self.today:  # in its window: today's list
                r = self.rng.random()
                if start < self.today and r < 0.3:
                    self.reached(followup, self.day_between(start, self.days_ago(1)))
                elif start < self.today and r < 0.5:
                    outcome = self.rng.choice(
                        (AttemptOutcome.BUSY, AttemptOutcome.NO_ANSWER, AttemptOutcome.PHONE_OFF)
                    )
                    self.attempt(followup, self.day_between(start, self.days_ago(1)), outcome)
                elif r > 0.9 and morning_over:  # called this morning
                    at = self.attempt(followup, self.today, AttemptOutcome.CONNECTED, hour=9)
                    self.surveyed.append((followup, at))
                elif start < self.today:
                    waiting.append(followup)
                continue
            age = (self.today - end).days
            r = self.rng.random()
            if followup.pk in forced:
                self.unreachable(followup)
            elif age <= 10 and r < 0.08:  # overdue: still on today's list
                if r < 0.04:
                    self.attempt(
                        followup, self.day_between(start, end), AttemptOutcome.NO_CONNECTION
                    )
            elif r < (0.13 if age <= 10 else 0.05):
                self.unreachable(followup)
            elif r < (0.15 if age <= 10 else 0.07):
                self.attempt(followup, self.day_between(start, end), AttemptOutcome.REFUSED)
                followup.status = S.DONE
                followup.reason = _("The customer refused the survey.")
            else:
                late = self.rng.random() < 0.04 and age > 1
                day = (
                    end + dt.timedelta(days=self.rng.randint(1, min(3, age - 1)))
                    if late
                    else self.day_between(start, end)
                )
                self.reached(followup, day)
        if waiting and not any(a.followup.window_end >= self.today for a in self.attempts):
            # at least one of today's calls was tried before, without reaching the customer
            self.attempt(waiting[0], waiting[0].window_start, AttemptOutcome.NO_ANSWER)
        CallAttempt.objects.bulk_create(self.attempts, batch_size=500)
        _update_rows(
            FollowUp,
            rows,
            [
                "status",
                "reason",
                "published_on",
                "closed_on",
                "completed_at",
                "completed_by",
                "failed_attempts",
                "reopened_at",
            ],
        )
        self.surveys()

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        """Mostly the first day, sometimes the next ones."""
        span = (last - first).days
        if span <= 0:
            return first
        return first + dt.timedelta(days=min(span, self.rng.choice((0, 0, 0, 1, 1, 2))))

    def attempt(self, followup, day: dt.date, outcome: str, hour: int | None = None):
        from crm.models import AttemptOutcome, CallAttempt, FollowUpStatus
        from crm.models.followups import UNREACHABLE_OUTCOMES

        at = self.at(day, hour or self.rng.randint(9, 16), self.rng.randint(0, 59))
        self.attempts.append(
            CallAttempt(
                dealership=self.d,
                followup=followup,
                at=at,
                specialist_id=followup.specialist_id,
                outcome=outcome,
                note="客户在开会，约明天再打" if outcome == AttemptOutcome.BUSY else "",
            )
        )
        if outcome in UNREACHABLE_OUTCOMES:
            followup.failed_attempts += 1
        if outcome in (AttemptOutcome.CONNECTED, AttemptOutcome.REFUSED):
            followup.status = FollowUpStatus.DONE
            followup.closed_on = day
            followup.completed_at = at
            followup.completed_by_id = followup.specialist_id
        return at

    def reached(self, followup, day: dt.date) -> None:
        from crm.models import AttemptOutcome

        if day > followup.window_start and self.rng.random() < 0.2:
            self.attempt(followup, followup.window_start, AttemptOutcome.NO_ANSWER)
        at = self.attempt(followup, day, AttemptOutcome.CONNECTED)
        self.surveyed.append((followup, at))

    def unreachable(self, followup) -> None:
        from django.utils.translation import gettext as _

        from crm.models import AttemptOutcome, FollowUpStatus
        from crm.models.followups import UNREACHABLE_OUTCOMES
        from crm.services.contact_checks import consultant_for, monday_of

        tries = self.rules.unreachable_attempts
        start, end = followup.window_start, followup.window_end
        span = (end - start).days
        for n in range(tries):
            day = start + dt.timedelta(days=span * n // max(1, tries - 1))
            self.attempt(followup, day, UNREACHABLE_OUTCOMES[n % 3], hour=9 + 3 * (n % 3))
        followup.status = FollowUpStatus.UNREACHABLE
        followup.closed_on = end if tries > 1 else start
        followup.reason = _("Unreachable after %(n)s attempts.") % {"n": tries}
        # the Monday list that sent the customer to their consultant; the weeks before the
        # last three were answered long ago (the last three go through the weekly job)
        week = monday_of(followup.closed_on - dt.timedelta(days=1)) + dt.timedelta(days=7)
        if week >= monday_of(self.today) - dt.timedelta(days=14):
            return
        day = week + dt.timedelta(days=self.rng.randint(1, max(1, self.rules.contact_check_days)))
        when = self.at(day, self.rng.randint(9, 16), self.rng.randint(0, 59))
        consultant = consultant_for(followup)
        returned = self.rng.random() < 0.3
        self.old_checks.append((followup, week, consultant, returned, when))
        if returned:  # verified contacts returned: called again the next day, and reached
            consultant = self.user(consultant)
            followup.failed_attempts = 0
            followup.reopened_at = when
            followup.reason = _("Verified contact details returned by %(name)s.") % {
                "name": (consultant.name or consultant.username) if consultant else "system"
            }
            at = self.attempt(followup, day + dt.timedelta(days=1), AttemptOutcome.CONNECTED)
            self.surveyed.append((followup, at))

    # --- surveys --------------------------------------------------------------------------------

    def questionnaires(self) -> dict:
        if not hasattr(self, "_questionnaires"):
            from crm.models import EventKind
            from crm.services.surveys import active_questionnaire

            self._questionnaires = {kind: active_questionnaire(kind) for kind in EventKind.values}
        return self._questionnaires

    def answers(self, questionnaire, kind: str, *, low: bool = False) -> tuple[list, str]:
        """(question, values) of one survey: mostly 8–10; ``low`` gives a score under the
        questionnaire's threshold (which opens a complaint)."""
        from crm.models import QuestionKind

        rng, answers, comment = self.rng, [], ""
        scores = [q for q in questionnaire.questions.all() if q.kind == QuestionKind.SCORE]
        poor = rng.choice(scores) if low and scores else None
        for question in questionnaire.questions.all():
            if question.kind == QuestionKind.SCORE:
                if question == poor:
                    value = rng.randint(
                        max(0, questionnaire.complaint_below - 4),
                        max(0, questionnaire.complaint_below - 1),
                    )
                elif low:
                    value = rng.choice((6, 7, 8, 8))
                else:
                    value = rng.choices((10, 9, 8, 7), weights=(45, 32, 16, 7))[0]
                answers.append((question, {"score": value}))
            elif question.kind == QuestionKind.YES_NO:
                answers.append((question, {"yes": rng.random() < (0.6 if low else 0.95)}))
            elif question.kind == QuestionKind.CHOICE:
                if question.choices and (question.required or rng.random() < 0.7):
                    answers.append((question, {"text": rng.choice(question.choices)}))
            elif low:
                comment = rng.choice(BAD_WORDS.get(kind, BAD_WORDS["service"]))
                answers.append((question, {"text": comment}))
            elif question.required or rng.random() < 0.15:
                answers.append((question, {"text": rng.choice(GOOD_WORDS)}))
        return answers, comment

    def save_surveys(self, taken: list[tuple]) -> list:
        """``taken``: (follow-up, channel, at, by, low) — the responses with their answers, the
        score the mean of the score answers (as ``survey_record`` keeps it)."""
        from crm.models import SurveyAnswer, SurveyResponse

        responses, answer_sets = [], []
        for followup, channel, at, by, low in taken:
            questionnaire = self.questionnaires().get(followup.kind)
            if questionnaire is None or by is None:
                continue
            answers, comment = self.answers(questionnaire, followup.kind, low=low)
            responses.append(
                SurveyResponse(
                    dealership=self.d,
                    followup=followup,
                    questionnaire=questionnaire,
                    channel=channel,
                    taken_at=at,
                    taken_by_id=by,
                    score=_mean([v["score"] for _q, v in answers if "score" in v]),
                    comment=comment,
                )
            )
            answer_sets.append(answers)
        responses = SurveyResponse.objects.bulk_create(responses, batch_size=500)
        for response, answers in zip(responses, answer_sets, strict=True):
            response.low_scores = [
                (question.text, values["score"])
                for question, values in answers
                if values.get("score", 10) < response.questionnaire.complaint_below
            ]
        SurveyAnswer.objects.bulk_create(
            [
                SurveyAnswer(
                    dealership=self.d,
                    response=response,
                    question=question,
                    question_text=question.text,
                    **values,
                )
                for response, answers in zip(responses, answer_sets, strict=True)
                for question, values in answers
            ],
            batch_size=1000,
        )
        return responses

    def surveys(self) -> None:
        from crm.models import SurveyChannel

        taken = []
        for followup, at in self.surveyed:
            low = self.rng.random() < 0.06
            taken.append((followup, SurveyChannel.CALL, at, followup.specialist_id, low))
        responses = self.save_surveys(taken)
        self.low_surveys = [r for r in responses if r.low_scores]

    def face_to_face(self) -> None:
        """A quarter of the buyers fill in the questionnaire at the delivery ceremony."""
        from crm.models import EventKind, FollowUp, SurveyChannel

        taken = []
        for followup in (
            FollowUp.objects.filter(kind=EventKind.SALES, event_date__lte=self.today)
            .select_related("event")
            .order_by("pk")
        ):
            if self.rng.random() < 0.25:
                at = self.at(followup.event_date, 16, self.rng.randint(0, 50))
                by = followup.specialist_id or followup.event.staff_id
                taken.append((followup, SurveyChannel.FACE_TO_FACE, at, by, False))
        self.save_surveys(taken)

    # --- complaints -----------------------------------------------------------------------------

    def progress(self, complaint, steps: list[tuple[str, dt.datetime]]) -> None:
        """Take ``complaint`` through ``steps`` ((action, when): start, resolve, confirm,
        close, reopen) with the services, by who would do each, then date its log, resolution
        and closing as they happened (the services stamp them now)."""
        from crm.models import Complaint, ComplaintEntry
        from crm.services import complaints as services

        owner = self.user(complaint.owner_id) or self.cr_manager
        for action, _when in steps:
            if action == "start":
                self.as_or_system(owner, services.complaint_start, complaint_id=complaint.pk)
            elif action == "resolve":
                self.as_or_system(
                    owner,
                    services.complaint_resolve,
                    complaint_id=complaint.pk,
                    resolution=self.rng.choice(RESOLUTIONS),
                )
            elif action == "confirm":
                services.complaint_confirm(
                    actor=self.cr_manager,
                    complaint_id=complaint.pk,
                    feedback="客户表示对处理结果满意。",
                )
            elif action == "close":
                services.complaint_close(actor=self.cr_manager, complaint_id=complaint.pk)
            elif action == "reopen":
                services.complaint_reopen(
                    actor=self.cr_manager,
                    complaint_id=complaint.pk,
                    reason="客户来电：问题再次出现。",
                )
        entries = list(ComplaintEntry.objects.filter(complaint=complaint).order_by("pk"))
        received = complaint.received_at
        times = [received] * (len(entries) - len(steps)) + [when for _action, when in steps]
        for entry, when in zip(entries, times, strict=True):
            ComplaintEntry.objects.filter(pk=entry.pk).update(at=when)
        fields = {}
        done = dict(steps)
        if "resolve" in done:
            fields["resolved_at"] = done["resolve"]
        if "close" in done:
            fields["closed_at"] = done["close"]
        if "reopen" in done:  # a new deadline from the day it was reopened
            from crm.services.complaints import _deadline

            fields.update(
                resolved_at=None,
                closed_at=None,
                deadline=_deadline(done["reopen"], complaint.severity),
            )
        if fields:
            Complaint.objects.filter(pk=complaint.pk).update(**fields)

    def timeline(self, received: dt.datetime, target: str) -> list[tuple[str, dt.datetime]]:
        """The steps from assigned to ``target`` after ``received``, a day or two apart."""
        order = ["start", "resolve", "confirm", "close"]
        wanted = {
            "assigned": 0,
            "in_progress": 1,
            "resolved": 2,
            "confirmed": 3,
            "closed": 4,
        }[target]
        steps, when = [], received
        for action in order[:wanted]:
            when = min(when + dt.timedelta(hours=self.rng.choice((5, 20, 26))), self.now)
            steps.append((action, when))
        return steps

    def complaints_from_surveys(self) -> None:
        """The low scores opened complaints on the call: the last week's through the services
        (still being handled), the older ones written as they ended (confirmed or closed)."""
        from django.utils import timezone

        from crm.services.complaints import complaint_from_survey

        older = []
        for response in self.low_surveys:
            age = (self.today - timezone.localtime(response.taken_at, self.zone).date()).days
            if age > 7:
                older.append(
                    (response, "closed" if age > 14 or self.rng.random() < 0.5 else "confirmed")
                )
                continue
            complaint = complaint_from_survey(
                actor=self.user(response.taken_by_id), response=response.pk
            )
            target = self.rng.choice(
                ("assigned", "in_progress", "resolved") if age > 2 else ("assigned", "in_progress")
            )
            self.progress(complaint, self.timeline(complaint.received_at, target))
        self.old_complaints(older)

    def old_complaints(self, older: list[tuple]) -> None:
        """Complaints of past calls, routed, handled and confirmed (or closed) in their time:
        the rows and their log as the services would have written them."""
        from django.utils import timezone
        from django.utils.translation import gettext as _

        from crm.models import Complaint, ComplaintEntry
        from crm.models.complaints import ROUTES, ComplaintCategory, ComplaintChannel
        from crm.services.complaints import SURVEY_CATEGORY, department_heads
        from org.models import Department

        if not older:
            return
        departments = {d.code: d for d in Department.objects.filter(code__in=set(ROUTES.values()))}
        heads = {code: department_heads(d) for code, d in departments.items()}
        taken = set(Complaint.objects.values_list("number", flat=True))
        serial: dict[str, int] = {}
        complaints, plans = [], []
        for response, target in older:
            followup = response.followup
            category = SURVEY_CATEGORY.get(followup.kind, ComplaintCategory.OTHER)
            code = ROUTES[category]
            owner = (heads.get(code) or [self.cr_manager.pk])[0]
            received = response.taken_at
            prefix = f"TS{timezone.localtime(received, self.zone):%Y%m}-"
            number = serial.get(prefix, 0) + 1
            while f"{prefix}{number:04d}" in taken:
                number += 1
            serial[prefix] = number
            steps = self.timeline(received, target)
            done = dict(steps)
            lines = [_("Low scores (under %(n)s):") % {"n": response.questionnaire.complaint_below}]
            lines += [f"- {text}: {score}" for text, score in response.low_scores]
            if response.comment:
                lines.append(_("Customer's comment: %(comment)s") % {"comment": response.comment})
            complaints.append(
                Complaint(
                    dealership=self.d,
                    number=f"{prefix}{number:04d}",
                    customer_id=followup.customer_id,
                    vehicle_id=followup.vehicle_id,
                    followup=followup,
                    channel=ComplaintChannel.FOLLOWUP,
                    category=category,
                    description="\n".join(lines),
                    department=departments.get(code),
                    owner_id=owner,
                    state=target,
                    received_at=received,
                    deadline=received + dt.timedelta(days=self.rules.complaint_days_normal),
                    resolution=self.rng.choice(RESOLUTIONS),
                    customer_feedback="客户表示对处理结果满意。",
                    resolved_at=done["resolve"],
                    closed_at=done.get("close"),
                    registered_by_id=response.taken_by_id,
                )
            )
            plans.append(steps)
        complaints = Complaint.objects.bulk_create(complaints, batch_size=500)
        entries = []
        for complaint, steps in zip(complaints, plans, strict=True):
            log = [
                (
                    "registered",
                    "",
                    "registered",
                    complaint.registered_by_id,
                    "",
                    complaint.received_at,
                ),
                (
                    "assigned",
                    "registered",
                    "assigned",
                    complaint.registered_by_id,
                    _("Routed to %(department)s.") % {"department": complaint.department},
                    complaint.received_at,
                ),
            ]
            state = "assigned"
            for action, when in steps:
                after, by, note = {
                    "start": ("in_progress", complaint.owner_id, ""),
                    "resolve": ("resolved", complaint.owner_id, complaint.resolution),
                    "confirm": ("confirmed", self.cr_manager.pk, complaint.customer_feedback),
                    "close": ("closed", self.cr_manager.pk, ""),
                }[action]
                name = {"start": "started", "resolve": "resolved", "confirm": "confirmed"}.get(
                    action, "closed"
                )
                log.append((name, state, after, by, note, when))
                state = after
            for action, before, after, by, note, when in log:
                entry = ComplaintEntry(
                    dealership=self.d,
                    complaint=complaint,
                    actor_id=by,
                    action=action,
                    from_state=before,
                    to_state=after,
                    note=note,
                )
                entry.when = when
                entries.append(entry)
        entries = ComplaintEntry.objects.bulk_create(entries, batch_size=1000)
        for entry in entries:  # the log's time is stamped on creation
            entry.at = entry.when
        _update_rows(ComplaintEntry, entries, ["at"])

    def complaints_by_hand(self) -> None:
        """Complaints taken by phone, letter, e-mail, in person and from the OEM, in every
        state: one just registered, one overdue, one major (handled with the OEM), one
        reopened."""
        from crm.models import Complaint, ComplaintEntry, CustomerEvent
        from crm.models.complaints import ComplaintState
        from crm.services.complaints import complaint_create
        from dealership.audit import snapshot
        from dealership.models import AuditEntry

        people = []
        for event in CustomerEvent.objects.filter(
            occurred_on__gte=self.days_ago(40), vehicle__isnull=False
        ).order_by("-occurred_on", "pk")[:400]:
            if event.customer_id not in {c for c, _v in people}:
                people.append((event.customer_id, event.vehicle_id))
        if len(people) < 9:
            return
        picked = self.rng.sample(people, 9)
        plan = [
            # target, days ago, channel, category, severity, what the customer says
            ("registered", 0, "phone", "other", "normal", "客户来电反映店内停车场收费不合理。"),
            ("assigned", 1, "letter", "price", "normal", "客户来信：保险续保报价比网上贵很多。"),
            (
                "in_progress",
                3,
                "email",
                "service_time",
                "normal",
                "客户邮件：预约保养到店后仍等待两个多小时。",
            ),
            ("resolved", 5, "walk_in", "parts", "normal", "客户到店：更换的配件缺货，已等一周。"),
            ("confirmed", 9, "phone", "staff", "normal", "客户来电：服务顾问态度冷淡，解释不清。"),
            ("closed", 20, "letter", "delivery", "normal", "客户来信：交车时发现车漆有划痕。"),
            (
                "reopened",
                16,
                "phone",
                "service_quality",
                "normal",
                "客户来电：空调异响维修后仍然存在。",
            ),
            (
                "major",
                1,
                "oem",
                "vehicle",
                "major",
                "厂家转来：行驶中仪表盘突然黑屏，客户担心安全。",
            ),
            (
                "overdue",
                11,
                "phone",
                "service_quality",
                "normal",
                "客户来电：刹车异响，两次维修未解决。",
            ),
        ]
        for (target, back, channel, category, severity, text), (customer, vehicle) in zip(
            plan, picked, strict=True
        ):
            received = self.at(self.days_ago(back), 10, 30 + back)
            complaint = complaint_create(
                actor=self.cr_manager,
                customer=customer,
                vehicle=vehicle,
                channel=channel,
                category=category,
                severity=severity,
                description=text,
                received_at=received,
            )
            if target == "registered":  # nobody has routed it yet
                Complaint.objects.filter(pk=complaint.pk).update(
                    state=ComplaintState.REGISTERED, owner=None
                )
                ComplaintEntry.objects.filter(complaint=complaint, action="assigned").delete()
                ComplaintEntry.objects.filter(complaint=complaint).update(at=received)
                complaint.refresh_from_db()
                AuditEntry.objects.filter(
                    object_type=Complaint._meta.label, object_id=str(complaint.pk)
                ).update(after=snapshot(complaint))
                continue
            if target == "reopened":
                steps = self.timeline(received, "closed")
                steps.append(("reopen", self.at(self.days_ago(2), 15)))
            elif target in ("major", "overdue"):
                steps = self.timeline(received, "in_progress")
            else:
                steps = self.timeline(received, target)
            self.progress(complaint, steps)

    # --- unreachable customers: the weekly contact checks ---------------------------------------

    def contact_checks(self) -> None:
        """The Monday lists of unreachable customers: the weeks before the last three answered
        long ago (written as they ended); the last three through the weekly job, the consultants
        answering: two weeks ago all, last week all but one (overdue) — one returned this week,
        so its follow-up is back on the call list —, this week's still open."""
        from crm.models import ContactCheck, ContactCheckState, FollowUp
        from crm.services.calls import followup_call_record
        from crm.services.contact_checks import (
            contact_checks_weekly,
            contactcheck_close,
            contactcheck_return,
            monday_of,
        )

        closed_note = "号码已停机，客户其他联系方式也无法核实。"
        returned_note = "已核实，号码无误：客户之前出差在外。"
        ContactCheck.objects.bulk_create(
            [
                ContactCheck(
                    dealership=self.d,
                    followup=followup,
                    customer_id=followup.customer_id,
                    consultant_id=consultant,
                    week=week,
                    due_on=week + dt.timedelta(days=self.rules.contact_check_days),
                    state=ContactCheckState.RETURNED if returned else ContactCheckState.CLOSED,
                    returned_at=when,
                    returned_by_id=consultant,
                    mobile=(followup.customer.mobile or "") if returned else "",
                    note=returned_note if returned else closed_note,
                )
                for followup, week, consultant, returned, when in self.old_checks
            ],
            batch_size=500,
        )
        this_monday = monday_of(self.today)
        for weeks_back in (2, 1, 0):
            monday = this_monday - dt.timedelta(days=7 * weeks_back)
            contact_checks_weekly(dealership=self.d, day=monday)
            if weeks_back == 0:
                break  # this week's: the consultants have a few days left
            checks = list(
                ContactCheck.objects.filter(week=monday, state=ContactCheckState.OPEN)
                .select_related("customer", "followup")
                .order_by("pk")
            )
            for n, check in enumerate(checks):
                if weeks_back == 1 and n == 0:
                    continue  # not returned in time: overdue
                recent = weeks_back == 1 and n == 1
                returned = recent or self.rng.random() < 0.3
                day = (
                    min(check.due_on, self.days_ago(1))
                    if recent
                    else min(
                        check.due_on - dt.timedelta(days=self.rng.randint(0, 2)), self.days_ago(2)
                    )
                )
                when = self.at(day, self.rng.randint(9, 16), self.rng.randint(0, 59))
                consultant = self.user(check.consultant_id)
                if not returned:
                    self.as_or_system(
                        consultant, contactcheck_close, check_id=check.pk, note=closed_note
                    )
                    ContactCheck.objects.filter(pk=check.pk).update(returned_at=when)
                    continue
                self.as_or_system(
                    consultant,
                    contactcheck_return,
                    check_id=check.pk,
                    mobile=check.customer.mobile,
                    note=returned_note,
                )
                ContactCheck.objects.filter(pk=check.pk).update(returned_at=when)
                FollowUp.objects.filter(pk=check.followup_id).update(reopened_at=when)
                if recent:
                    continue  # back on the call list, overdue
                followup = check.followup
                questionnaire = self.questionnaires().get(followup.kind)
                answers = self.answers(questionnaire, followup.kind)[0] if questionnaire else []
                followup_call_record(
                    actor=self.user(followup.specialist_id) or self.cr_manager,
                    followup_id=followup.pk,
                    outcome="connected",
                    note="联系方式核实后回访成功",
                    answers={q.pk: next(iter(v.values())) for q, v in answers},
                    at=self.at(day + dt.timedelta(days=1), 10, 15),
                )

    # --- outreach -------------------------------------------------------------------------------

    def retention(self) -> None:
        """Last month's retention lists (the 3–5 months one acknowledged by after-sales) and
        this month's, built by the monthly job on the 1st."""
        from crm.models import RetentionList
        from crm.services.retention import (
            add_months,
            month_start,
            retention_list_acknowledge,
            retention_lists_publish,
        )

        this_month = month_start(self.today)
        last_month = add_months(this_month, -1)
        retention_lists_publish(dealership=self.d, day=last_month)
        received = RetentionList.objects.filter(month=last_month, band="3-5").first()
        if received is not None and self.service_manager is not None:
            retention_list_acknowledge(actor=self.service_manager, list_id=received.pk)
            RetentionList.objects.filter(pk=received.pk).update(
                acknowledged_at=self.at(last_month + dt.timedelta(days=2), 9, 40)
            )
        retention_lists_publish(dealership=self.d, day=this_month)

    def reminders(self) -> None:
        """Today's service reminders: some sent by SMS, some reminded by phone, the rest to do."""
        from crm.models import ReminderState, ServiceReminder
        from crm.services.reminders import reminder_call, reminder_send_sms, reminders_list

        reminders_list(day=self.today)
        rows = list(
            ServiceReminder.objects.filter(listed_on=self.today, state=ReminderState.OPEN)
            .select_related("customer")
            .order_by("due_on", "pk")
        )
        for n, reminder in enumerate(rows[: max(6, len(rows) // 3)]):
            if n % 2 == 0 and reminder.customer.consent_sms and reminder.customer.mobile:
                reminder_send_sms(actor=self.crm_staff, reminder_id=reminder.pk)
            elif n % 2 == 1:
                reminder_call(
                    actor=self.crm_staff,
                    reminder_id=reminder.pk,
                    note="已电话提醒，客户表示下周来店。",
                )

    def members(self) -> None:
        """Three in ten customers who bought their car here joined the owner club (since the
        delivery, within the last two years; a few have left); about a third of the members
        logged in on the owner site in the last 30 days."""
        from django.db.models import Min

        from crm.models import CustomerEvent, EventKind, Membership

        since = dict(
            CustomerEvent.objects.filter(kind=EventKind.SALES, occurred_on__lt=self.today)
            .values("customer_id")
            .annotate(first=Min("occurred_on"))
            .values_list("customer_id", "first")
        )
        taken = set(Membership.objects.values_list("customer_id", flat=True))
        rows, n = [], 0
        for owner in sorted(since):
            if owner in taken or self.rng.random() >= 0.3:
                continue
            earliest = max(since[owner], self.days_ago(720))
            span = (self.days_ago(1) - earliest).days
            if span < 0:
                continue
            joined = earliest + dt.timedelta(days=self.rng.randint(0, span))
            n += 1
            left = last_login = None
            r = self.rng.random()
            if r < 0.08 and joined < self.days_ago(2):
                left = joined + dt.timedelta(
                    days=self.rng.randint(1, (self.days_ago(1) - joined).days)
                )
            elif r < 0.45:
                last_login = max(joined, self.days_ago(self.rng.randint(0, 29)))
            elif r < 0.8:
                last_login = joined + dt.timedelta(
                    days=self.rng.randint(0, max(0, (self.days_ago(31) - joined).days))
                )
                last_login = min(last_login, self.days_ago(1))
            rows.append(
                Membership(
                    dealership=self.d,
                    customer_id=owner,
                    member_no=f"M{n:06d}",
                    joined_on=joined,
                    left_on=left,
                    last_login_on=last_login,
                    created_by=self.crm_staff,
                )
            )
        Membership.objects.bulk_create(rows, batch_size=500)

    def sms_campaigns(self) -> None:
        """One draft, one waiting for the deputy GM, one approved and sent (customers without
        SMS consent skipped)."""
        from crm.services.retention import add_months, month_start
        from crm.services.sms import sms_campaign_create, sms_campaign_send, sms_campaign_submit
        from org.approvals.services import current_step, request_decide
        from org.selectors import holders_of

        actor = self.cr_manager
        sms_campaign_create(
            actor=actor,
            name="十二月保养工时八折（草稿）",
            text="{name}您好，{dealership}十二月保养工时八折，欢迎为{plate}预约。",
            audience={"maintenance_due": True},
        )
        waiting = sms_campaign_create(
            actor=actor,
            name="车友会冬季自驾游邀请",
            text="{name}您好，{dealership}车友会诚邀您参加冬季自驾游，回复Y报名。",
            audience={"members_only": True},
        )
        first = add_months(month_start(self.today), -3)
        sent = sms_campaign_create(
            actor=actor,
            name=f"首保提醒：{first:%Y年%m月}交车客户",
            text="{name}您好，您的{model}（{plate}）已到首次保养时间，{dealership}期待您的光临。",
            audience={"delivered_from": f"{first:%Y-%m}", "delivered_to": f"{first:%Y-%m}"},
        )
        deputies = set(holders_of("deputy_gm"))
        for campaign, all_steps in ((waiting, False), (sent, True)):
            request = sms_campaign_submit(actor=actor, campaign_id=campaign.pk).request
            for _round in range(10):
                request.refresh_from_db()
                step = current_step(request)
                if step is None:
                    break
                approvers = [a.user_id for a in step.approvers.all()]
                if not all_steps and deputies & set(approvers):
                    break  # waiting for the deputy GM
                request_decide(
                    actor=self.user(approvers[0]),
                    request_id=request.pk,
                    decision="approve",
                    comment="同意",
                )
        sent.refresh_from_db()
        if sent.state == "approved":
            sms_campaign_send(actor=actor, campaign_id=sent.pk)

    # --- today's jobs ---------------------------------------------------------------------------

    def jobs_of_today(self) -> None:
        """What the CRM jobs do today (the call list published and the specialists told, overdue
        contact checks escalated, complaint deadlines), so the demo starts where they left it;
        ``run_jobs`` for today then finds nothing more to do."""
        from crm.services.complaints import complaints_check_deadlines
        from crm.services.contact_checks import contact_checks_escalate
        from crm.services.followups import followup_list_publish
        from crm.services.sms import sms_campaigns_send_approved

        followup_list_publish(dealership=self.d, day=self.today)
        contact_checks_escalate(dealership=self.d, day=self.today)
        complaints_check_deadlines()
        sms_campaigns_send_approved()
