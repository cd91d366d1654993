"""Demo and bench data of marketing (#18), registered by :func:`register` from
``CrmConfig.ready()``.

* :func:`seed` (demo) — for each demo dealership: last month's owner-club event, summarised
  with its invitations and attendance; this month's test-drive event, approved through the
  chain, with invitations to customers and owner-club members and their replies, and an event
  photo kept; next month's advertising plan with its lines, submitted and awaiting approval
  (this month's plan sent to the OEM on the 14th); four weeks of the competitor-advertising
  log. Written through the services by the marketing specialist (the month behind us in bulk);
  idempotent (a dealership that has events is left alone).
* :func:`seed_bench` — a bench month: two events with invitations, the month's plan and its
  lines, competitor advertisements."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context

COMPETITOR_ADS = [
    ("比亚迪", "newspaper", "广州日报", "整版彩色", 80000),
    ("比亚迪", "auto_portal", "汽车之家", "首页焦点图", 30000),
    ("一汽-大众", "outdoor", "天河路商圈大牌", "12m×6m", 60000),
    ("东风日产", "radio", "广东交通台", "30秒×20次", 15000),
    ("北京现代", "social", "抖音本地推广", "信息流", 12000),
    ("长安", "tv", "广州电视台", "15秒", 45000),
    ("丰田", "newspaper", "羊城晚报", "半版", 40000),
]
# a 1×1 PNG: the demo's event photo
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def _holder(*codes):
    from org.models import PositionAssignment

    for code in codes:
        assignment = (
            PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
            .select_related("staff__user")
            .order_by("pk")
            .first()
        )
        if assignment is not None:
            return assignment.staff.user
    return None


def _approve(request_id) -> None:
    """Decide every step of the request as its first approver (the demo's managers)."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalRequest

    for _i in range(10):
        request = ApprovalRequest.objects.get(pk=request_id)
        if request.status != ApprovalRequest.Status.PENDING:
            return
        step = approvals.current_step(request)
        approver = step.approvers.select_related("user").first() if step else None
        if approver is None:
            return
        approvals.request_decide(
            actor=approver.user, request_id=request_id, decision="approve", comment="同意"
        )


def _seed_dealership(dealership) -> None:
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from crm.models import (
        AdvertisingPlan,
        AdvertisingPlanLine,
        Customer,
        EventInvitation,
        MarketingEvent,
        Membership,
    )
    from crm.services import marketing as services
    from dealership.figures import local_today

    if MarketingEvent.objects.exists():
        return
    planner = _holder("marketing_specialist", "campaign_specialist", "marketing_manager")
    if planner is None:
        return
    rng = random.Random(f"marketing:{dealership.code}")  # noqa: S311  # nosec B311
    today = local_today(dealership)
    zone = dealership.zoneinfo
    customers = list(Customer.objects.order_by("pk")[:40])
    members = set(
        Membership.objects.filter(left_on__isnull=True).values_list("customer_id", flat=True)
    )

    # last month's owner-club event, summarised (the month behind us, in bulk)
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=18)
    start = dt.datetime.combine(last, dt.time(9, 30), tzinfo=zone)
    past = MarketingEvent.objects.create(
        dealership=dealership,
        kind="owner_club",
        theme="车友会秋季自驾游",
        purpose="会员关怀，提升车友会活跃度和转介绍",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        place="从化温泉",
        audience="车友会会员及家属",
        publicity="短信、微信群通知",
        budget=Decimal("12000.00"),
        expected_effect="参与30组家庭，转介绍线索10个",
        expected_attendance=60,
        expected_leads=10,
        state="done",
        execution_plan="路线踩点、车贴物料、保险、领队及救援车安排",
        actual_attendance=0,
        leads_reported=8,
        orders_reported=2,
        actual_cost=Decimal("11350.00"),
        summary="参与家庭略少于预期，转介绍线索8个、成交2台；下次提前两周报名。",
        summarised_at=start + dt.timedelta(days=2),
        created_by=planner,
    )
    invited = [c for c in customers if c.pk in members][:20] or customers[:12]
    rows = []
    for customer in invited:
        reply = rng.choice(["accepted", "accepted", "declined", "no_answer"])
        rows.append(
            EventInvitation(
                dealership=dealership,
                event=past,
                customer=customer,
                club_member=customer.pk in members,
                channel="sms",
                reply=reply,
                guests=rng.choice([1, 2, 3]) if reply == "accepted" else 1,
                replied_at=start - dt.timedelta(days=3) if reply != "pending" else None,
                attended=(reply == "accepted" and rng.random() < 0.85),
                invited_by=planner,
            )
        )
    EventInvitation.objects.bulk_create(rows)
    MarketingEvent.objects.filter(pk=past.pk).update(
        actual_attendance=sum(r.guests for r in rows if r.attended)
    )

    # this month's test-drive event: proposed, approved through the chain, guests invited
    day = max(today + dt.timedelta(days=3), today.replace(day=min(25, today.day + 3)))
    begin = dt.datetime.combine(day, dt.time(14, 0), tzinfo=zone)
    with timezone.override(zone):
        event = services.marketing_event_create(
            actor=planner,
            kind="sales",
            theme="新车品鉴暨周末试驾会",
            purpose="新款上市，邀约意向客户和老车主到店品鉴试驾",
            starts_at=begin,
            ends_at=begin + dt.timedelta(hours=4),
            place="展厅及店前广场",
            audience="意向客户、老车主、车友会会员",
            publicity="抖音直播预告、短信邀约、朋友圈",
            budget=Decimal("8000.00"),
            expected_effect="到店50批，留资30个，当场订车5台",
            expected_attendance=80,
            expected_leads=30,
        )
        event = services.marketing_event_submit(actor=planner, event_id=event.pk)
        if event.request_id:
            _approve(event.request_id)
        event.refresh_from_db()
        if event.state == "approved":
            services.marketing_event_update(
                actor=planner,
                event_id=event.pk,
                execution_plan="13:00 签到；14:00 新车发布；14:30 试驾分组；16:30 抽奖及订车优惠",
            )
            services.event_invite_members(actor=planner, event_id=event.pk)
            inviter = _holder("marketing_manager", "crm_director") or planner
            from dealership.access import can

            for customer in customers[:10] if can(inviter, Customer, "view") else []:
                if customer.pk in members:
                    continue
                try:
                    services.event_invitation_create(
                        actor=inviter, event_id=event.pk, customer_id=customer.pk, channel="phone"
                    )
                except ValidationError:  # already invited: the demo goes on
                    continue
            for invitation in EventInvitation.objects.filter(event=event).order_by("pk")[:14]:
                reply = rng.choice(["accepted", "accepted", "declined", "no_answer"])
                services.event_invitation_reply(
                    actor=SYSTEM,
                    invitation_id=invitation.pk,
                    reply=reply,
                    guests=rng.choice([1, 2]) if reply == "accepted" else None,
                )
            services.event_evidence_add(
                actor=planner,
                event_id=event.pk,
                kind="contract",
                file=SimpleUploadedFile("场地及物料合同.png", PNG, content_type="image/png"),
            )

    # this month's plan, sent to the OEM on the 14th of last month (bulk)
    this_month = today.replace(day=1)
    sent = AdvertisingPlan.objects.create(
        dealership=dealership,
        month=this_month,
        title=f"{this_month:%m}月广告计划",
        state="sent",
        submitted_on=(this_month - dt.timedelta(days=1)).replace(day=10),
        sent_to_oem_on=(this_month - dt.timedelta(days=1)).replace(day=14),
        created_by=planner,
    )
    AdvertisingPlanLine.objects.bulk_create(
        [
            AdvertisingPlanLine(
                dealership=dealership,
                plan=sent,
                channel=channel,
                description=text,
                starts_on=this_month + dt.timedelta(days=offset),
                ends_on=this_month + dt.timedelta(days=offset + 6),
                cost=Decimal(cost),
            )
            for channel, text, offset, cost in (
                ("auto_portal", "汽车之家 车型置顶", 0, 12000),
                ("social", "抖音 周末直播", 7, 6000),
                ("event", "店头周末试驾会", 14, 9000),
            )
        ]
    )
    # next month's plan, submitted and awaiting approval (with this month's event attached)
    plan = services.advertising_plan_create(
        actor=planner,
        month=services.next_month(today),
        title=f"{services.next_month(today):%m}月广告计划",
        notes="配合厂家新车上市节奏，线上为主、线下试驾会为辅",
        event=event,
    )
    month = plan.month
    for channel, text, offset, cost in (
        ("auto_portal", "汽车之家 新车专题", 0, 15000),
        ("social", "抖音 本地推广", 3, 8000),
        ("outdoor", "商圈户外大屏", 10, 20000),
        ("radio", "交通台 30秒", 14, 7000),
    ):
        services.advertising_plan_line_add(
            actor=planner,
            plan_id=plan.pk,
            channel=channel,
            description=text,
            starts_on=month + dt.timedelta(days=offset),
            ends_on=month + dt.timedelta(days=offset + 6),
            cost=Decimal(cost),
        )
    services.advertising_plan_submit(actor=planner, plan_id=plan.pk)

    # four weeks of the competitor-advertising log
    for n in range(10):
        brand, channel, medium, size, cost = rng.choice(COMPETITOR_ADS)
        services.competitor_ad_create(
            actor=planner,
            brand=brand,
            channel=channel,
            medium=medium,
            size=size,
            published_on=today - dt.timedelta(days=rng.randint(0, 27)),
            cost_estimate=Decimal(cost + rng.randint(-5, 5) * 1000),
            note="" if n % 3 else "限时优惠促销",
        )


def seed(dealerships) -> list:
    for dealership in dealerships:
        with dealership_context(dealership):
            _seed_dealership(dealership)
    return []


def seed_bench(month) -> None:
    """A bench month's marketing: the month's plan with three lines, two events (one
    summarised) with invitations, competitor advertisements."""
    from crm.models import (
        AdvertisingPlan,
        AdvertisingPlanLine,
        CompetitorAd,
        EventInvitation,
        MarketingEvent,
    )

    planner = month.holders("marketing_specialist")[0]
    plan = month.bulk(
        AdvertisingPlan,
        [
            AdvertisingPlan(
                dealership=month.dealership,
                month=month.period.start,
                title=f"{month.period.label} 广告计划",
                state="sent",
                submitted_on=month.period.start - dt.timedelta(days=20),
                sent_to_oem_on=month.period.start - dt.timedelta(days=16),
                created_by=planner,
            )
        ],
    )[0]
    month.bulk(
        AdvertisingPlanLine,
        [
            AdvertisingPlanLine(
                dealership=month.dealership,
                plan=plan,
                channel=channel,
                description=f"{month.period.label} {channel}",
                starts_on=month.period.start,
                ends_on=month.period.end,
                cost=Decimal(month.rng.randrange(3000, 30000, 500)),
            )
            for channel in ("auto_portal", "social", "outdoor")
        ],
    )
    events = month.bulk(
        MarketingEvent,
        [
            MarketingEvent(
                dealership=month.dealership,
                kind=kind,
                theme=f"{month.period.label} {theme}",
                purpose="提升到店量",
                starts_at=month.at(day, 14),
                ends_at=month.at(day, 18),
                place="展厅",
                audience="意向客户及车主",
                budget=Decimal("8000.00"),
                expected_effect="到店40批",
                expected_attendance=40,
                expected_leads=20,
                state="done",
                actual_attendance=month.rng.randint(20, 50),
                leads_reported=month.rng.randint(5, 30),
                orders_reported=month.rng.randint(0, 6),
                actual_cost=Decimal(month.rng.randrange(5000, 9000, 100)),
                summary="达到预期",
                summarised_at=month.at(day, 20),
                created_by=planner,
            )
            for kind, theme, day in (
                ("sales", "周末试驾会", month.days[min(9, len(month.days) - 1)]),
                ("owner_club", "车友会活动", month.days[min(20, len(month.days) - 1)]),
            )
        ],
    )
    customers = list(month.kept.get("buyers", []))[:10]
    month.bulk(
        EventInvitation,
        [
            EventInvitation(
                dealership=month.dealership,
                event=event,
                customer=customer,
                channel="phone",
                reply=month.rng.choice(["accepted", "declined", "no_answer"]),
                attended=month.rng.random() < 0.5,
                invited_by=planner,
            )
            for event in events
            for customer in customers
        ],
    )
    month.bulk(
        CompetitorAd,
        [
            CompetitorAd(
                dealership=month.dealership,
                brand=brand,
                channel=channel,
                medium=medium,
                size=size,
                published_on=month.rng.choice(month.days),
                cost_estimate=Decimal(cost),
                recorded_by=planner,
            )
            for brand, channel, medium, size, cost in COMPETITOR_ADS
        ],
    )


def register() -> None:
    from dealership.bench import register_bench_seeder
    from dealership.demo import register_demo_seeder

    register_demo_seeder(seed, order=86)  # after the owner club (80), before the reports (95)
    register_bench_seeder(
        "crm.marketing",
        seed_bench,
        order=86,  # after the customers (20)
        models=(
            "crm.AdvertisingPlan",
            "crm.AdvertisingPlanLine",
            "crm.MarketingEvent",
            "crm.EventInvitation",
            "crm.CompetitorAd",
        ),
    )
