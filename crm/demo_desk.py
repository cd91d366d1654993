"""Demo data of the customer-service desk, the thank-you letters and the customer tiers (#18):
for each demo dealership, the amounts of the demo's deliveries and service visits (what the
customers paid, so the tiers and the spending analysis have figures), the customers measured,
two months of enquiries, three improvement proposals (one answered, one open and late, one
accepted), and the thank-you letters of the last weeks in every state (drafted, awaiting
signature, signed, mailed, cancelled) — written through the services by the people whose work
it is. Deterministic and idempotent (a dealership with enquiries is left alone)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context

ENQUIRIES = [  # channel, topic, question, answer
    (
        "phone",
        "vehicles",
        "K5 凯酷 2.0L 顶配现在的落地价大概多少？",
        "告知指导价及本月优惠，邀约周末到店试驾。",
    ),
    ("phone", "booking", "下周六上午能做 1 万公里保养吗？", "已预约周六 9:30，提醒携带保养手册。"),
    ("wechat", "warranty", "空调异响，在保修期内吗？", "整车质保 3 年 10 万公里内，建议到店检查。"),
    (
        "walk_in",
        "purchase",
        "贷款购车首付最低多少？需要什么材料？",
        "首付两成起，需身份证、收入证明和银行流水。",
    ),
    ("phone", "repair", "仪表盘胎压灯亮了怎么办？", "先检查胎压并补气，如仍亮请到店检测传感器。"),
    ("email", "parts", "原厂脚垫和行车记录仪有现货吗？", "脚垫有现货，记录仪需订货 3 天。"),
    (
        "wechat",
        "club",
        "车友会下个月的自驾活动怎么报名？",
        "已登记报名，活动前三天短信通知集合时间。",
    ),
    ("phone", "other", "发票抬头开错了，能重开吗？", ""),
    (
        "walk_in",
        "vehicles",
        "新款狮铂拓界什么时候到店？",
        "预计下月中旬到店，已登记意向，到店后电话通知。",
    ),
    (
        "phone",
        "booking",
        "钣金喷漆需要几天？可以提供代步车吗？",
        "一般 3 个工作日，代步车需提前预约。",
    ),
]
CALLERS = ["王先生", "李女士", "陈先生", "刘女士", "张先生", "赵女士"]


def _holder(code: str):
    from org.models import PositionAssignment

    assignment = (
        PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
        .select_related("staff__user")
        .order_by("pk")
        .first()
    )
    return assignment.staff.user if assignment is not None else None


def _amounts(rng: random.Random) -> None:
    """What the customers paid at the demo's deliveries and visits (events without one)."""
    from crm.models import CustomerEvent, EventKind

    events = list(CustomerEvent.objects.filter(amount__isnull=True).order_by("pk"))
    for event in events:
        if event.kind == EventKind.SALES:
            event.amount = Decimal(rng.randrange(99800, 269800, 1000))
        else:
            event.amount = Decimal(rng.randrange(380, 6800, 10))
    CustomerEvent.objects.bulk_update(events, ["amount"], batch_size=500)


def _enquiries(rng: random.Random, today: dt.date) -> list:
    from django.utils import timezone

    from crm.models import Customer
    from crm.services import enquiries as services

    actor = _holder("customer_service_specialist") or _holder("cr_specialist") or SYSTEM
    customers = list(Customer.objects.order_by("pk")[:40])
    created = []
    for index in range(26):
        channel, topic, question, answer = ENQUIRIES[index % len(ENQUIRIES)]
        day = today - dt.timedelta(days=rng.randint(0, 55))
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 17), 5)))
        known = customers and rng.random() < 0.6
        created.append(
            services.enquiry_create(
                actor=actor,
                channel=channel,
                topic=topic,
                question=question,
                answer=answer if index % 7 else "",
                customer=rng.choice(customers).pk if known else None,
                caller_name="" if known else rng.choice(CALLERS),
                received_at=min(moment, timezone.now()),
            )
        )
    return created


def _proposals(enquiries) -> None:
    from crm.models import FollowUp
    from crm.services import enquiries as services
    from dealership.figures import local_today
    from org.models import Department

    actor = _holder("customer_relations_manager") or SYSTEM
    departments = {d.code: d for d in Department.objects.all()}
    aftersales, sales = departments.get("aftersales"), departments.get("sales")
    if aftersales is None or sales is None:
        return
    followup = FollowUp.objects.filter(event__kind="service").order_by("-pk").first()
    answered = services.proposal_create(
        actor=actor,
        department=aftersales.pk,
        subject="客户建议延长周末售后接待时间",
        feedback="回访中客户表示工作日没空，希望周日下午也能做保养。",
        followup=followup.pk if followup else None,
    )
    manager = _holder("service_manager")
    if manager is not None:
        services.proposal_answer(
            actor=manager,
            proposal_id=answered.pk,
            answer="自下月起周日 13:00–17:00 开放快保工位，由两名技师轮值。",
        )
    late = services.proposal_create(
        actor=actor,
        department=sales.pk,
        subject="展厅休息区希望增加儿童游乐区",
        feedback="多位带孩子看车的客户在咨询时提出，等待时孩子无处可玩。",
        enquiry=enquiries[3].pk if len(enquiries) > 3 else None,
        answer_by=local_today(),
    )
    # made a fortnight ago: its answer date has passed
    type(late).objects.filter(pk=late.pk).update(answer_by=local_today() - dt.timedelta(days=7))
    accepted = services.proposal_create(
        actor=actor,
        department=aftersales.pk,
        subject="交车时讲解车机互联功能",
        feedback="客户反映不会用手机互联，希望交车或首保时有人讲解。",
    )
    if manager is not None:
        services.proposal_answer(
            actor=manager,
            proposal_id=accepted.pk,
            answer="首保时由服务顾问演示车机互联，并发送操作视频。",
        )
        services.proposal_accept(
            actor=actor, proposal_id=accepted.pk, outcome="已纳入首保流程，下月起执行。"
        )


SIGNED_LETTERS = 12


def _letters(rng: random.Random, today: dt.date) -> None:
    from crm.models import LetterState, ThankYouLetter
    from crm.services import letters as services
    from org.approvals import services as approvals

    for back in range(40, 0, -7):  # the letters of the last weeks
        services.letters_create(day=today - dt.timedelta(days=back))
    services.letters_create(day=today - dt.timedelta(days=1))
    specialist = _holder("cr_specialist")
    admin = _holder("admin_manager")
    gm = _holder("gm")
    if specialist is None:
        return
    drafted = list(ThankYouLetter.objects.filter(state=LetterState.DRAFTED).order_by("pk"))
    if len(drafted) < 6:
        return
    # a dozen letters go through signing and mailing (each is an approval request: enough to
    # show the flow); the rest wait as drafts, as a week's letters do
    split = min(SIGNED_LETTERS, len(drafted) * 2 // 3)
    older, newer = drafted[:split], drafted[split:]
    services.letters_submit(actor=specialist, letter_ids=[letter.pk for letter in older])
    approvers = {"sales": gm, "service": _holder("service_manager")}
    for letter in ThankYouLetter.objects.filter(pk__in=[x.pk for x in older[:-3]]):
        approver = approvers.get(letter.kind)
        if approver is None or letter.state != LetterState.SUBMITTED:
            continue
        approvals.request_decide(
            actor=approver, request_id=letter.request_id, decision="approve", comment=""
        )
    if admin is not None:
        signed = list(ThankYouLetter.objects.filter(state=LetterState.SIGNED).order_by("pk"))
        for letter in signed[: max(0, len(signed) - 2)]:
            services.letter_mail(
                actor=admin,
                letter_id=letter.pk,
                mailed_on=today,
                tracking_number=f"SF{rng.randrange(10**11, 10**12)}",
            )
    services.letter_cancel(actor=specialist, letter_id=newer[-1].pk, note="客户表示不需要纸质信件")


def _seed_dealership(dealership) -> None:
    from crm.models import Enquiry
    from crm.services.tiers import standings_refresh, tiers_seed
    from dealership.figures import local_today

    if Enquiry.objects.exists():
        return
    rng = random.Random(f"desk:{dealership.code}")  # noqa: S311  # nosec B311
    today = local_today(dealership)
    _amounts(rng)
    tiers_seed(dealership)
    standings_refresh()
    enquiries = _enquiries(rng, today)
    _proposals(enquiries)
    _letters(rng, today)


def seed(dealerships) -> list:
    for dealership in dealerships:
        with dealership_context(dealership):
            _seed_dealership(dealership)
    return []
