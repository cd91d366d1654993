"""crm's bench data for the customer-service desk and the thank-you letters
(``dealership.bench``): the month's enquiries (about one for every four customer events), a few
improvement proposals routed to sales and after-sales, and a thank-you letter for each of the
month's events (most mailed). Customer tiers are the dealership's defaults (an initializer)."""

from __future__ import annotations

import datetime as dt

from dealership.bench import BenchMonth, register_bench_seeder

QUESTIONS = [
    ("phone", "booking", "想预约周末保养", "已预约"),
    ("phone", "vehicles", "询问新车优惠", "告知本月优惠，邀约试驾"),
    ("wechat", "warranty", "保修范围咨询", "已解答"),
    ("walk_in", "purchase", "贷款首付咨询", "首付两成起"),
    ("email", "parts", "配件库存咨询", ""),
]


def seed_desk(month: BenchMonth) -> None:
    from crm.models import (
        CustomerEvent,
        Enquiry,
        ImprovementProposal,
        LetterState,
        ThankYouLetter,
    )
    from org.models import Department

    events = list(
        CustomerEvent.objects.filter(
            occurred_on__gte=month.period.start, occurred_on__lte=month.period.end
        ).select_related("customer")
    )
    clerk = month.holders("customer_service_specialist")[0]
    enquiries = []
    for index in range(max(4, len(events) // 4)):
        channel, topic, question, answer = QUESTIONS[index % len(QUESTIONS)]
        event = events[index] if index < len(events) and index % 2 else None
        enquiries.append(
            Enquiry(
                dealership=month.dealership,
                channel=channel,
                topic=topic,
                question=question,
                answer=answer,
                customer=event.customer if event else None,
                caller_name="" if event else month.name(),
                received_at=month.at(month.rng.choice(month.days), month.rng.randint(9, 17)),
                taken_by=clerk,
            )
        )
    month.bulk(Enquiry, enquiries)
    departments = {d.code: d for d in Department.objects.filter(code__in=("sales", "aftersales"))}
    raiser = month.holders("customer_relations_manager")[0]
    proposals = []
    for index, code in enumerate(("sales", "aftersales", "aftersales")):
        if code not in departments:
            continue
        day = month.rng.choice(month.days)
        proposals.append(
            ImprovementProposal(
                dealership=month.dealership,
                source="enquiry",
                enquiry=enquiries[index],
                customer=enquiries[index].customer,
                subject=f"客户建议 {index + 1}",
                feedback="客户在咨询中提出的改进建议。",
                department=departments[code],
                state="answered" if index else "open",
                answer_by=day + dt.timedelta(days=7),
                answer="部门已安排改进。" if index else "",
                raised_by=raiser,
            )
        )
    month.bulk(ImprovementProposal, proposals)
    admin = month.holders("admin_manager")[0]
    letters = []
    for event in events:
        mailed = (
            month.rng.random() < 0.8
            and event.occurred_on + dt.timedelta(days=4) <= month.period.end
        )
        letters.append(
            ThankYouLetter(
                dealership=month.dealership,
                kind=event.kind,
                event=event,
                customer=event.customer,
                vehicle_id=event.vehicle_id,
                addressee=event.customer.name,
                address=event.customer.address[:300],
                body=f"尊敬的{event.customer.name}：\n\n感谢您的光临。",
                state=LetterState.MAILED if mailed else LetterState.DRAFTED,
                mailed_on=event.occurred_on + dt.timedelta(days=4) if mailed else None,
                mailed_by=admin if mailed else None,
            )
        )
    month.bulk(ThankYouLetter, letters)


def register() -> None:
    register_bench_seeder(
        "crm.desk",
        seed_desk,
        order=87,  # after the customer events (sales 30, after-sales 40)
        models=("crm.Enquiry", "crm.ImprovementProposal", "crm.ThankYouLetter"),
        matched={"org.Department": ("code",)},
    )
