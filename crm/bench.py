"""crm's bench data (``dealership.bench``): the customers of the month's deliveries and repair
orders with the cars serviced; after sales and after-sales wrote their customer events, one
follow-up call per event with attempts, SSI/CSI surveys and complaints; competitor observations
and advertising spends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dealership.bench import COLOURS, BenchMonth, register_bench_seeder, weighted

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


def vin(month: BenchMonth, model_index: int, kind: str, serial: int) -> str:
    """A valid 17-character VIN of the dealership's brand (the 9th character is the check
    digit), unique per ``kind`` and ``serial`` in the dealership."""
    from crm.services.validators import vin_check_digit

    body = f"{month.vin_maker}{'ABCDEF'[model_index]}{month.number:03d}00{kind}{serial:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def seed_customers(month: BenchMonth) -> None:
    """Buyers of the month's cars, and owners of the cars serviced (90 % of the repair
    orders are of different cars)."""
    from crm.models import Customer, Ownership, Vehicle

    scale = month.scale
    service = int((scale.repair_orders + scale.earlier_repair_orders) * 0.9) + 1
    count = scale.deliveries + service
    cities = weighted(month.rng, CITIES)(count)
    sources = weighted(month.rng, SOURCES)(count)
    consultants = month.holders("sales_consultant")
    customers = []
    for i in range(count):
        province, city, districts, _w = cities[i]
        company = month.rng.random() < 0.05
        consent = month.rng.random() < 0.96
        customers.append(
            Customer(
                dealership=month.dealership,
                kind="company" if company else "person",
                name=(month.name() + "贸易有限公司") if company else month.name(),
                mobile=f"13{month.number:03d}{i:06d}",
                province=province,
                city=city,
                district=month.rng.choice(districts),
                source=sources[i][0],
                consent_call=consent,
                consent_call_on=month.period.start - dt.timedelta(days=30) if consent else None,
                consent_call_how="written" if consent else "",
                owner=consultants[i % len(consultants)],
            )
        )
    for customer in customers:
        customer.fill_initials()
    customers = month.bulk(Customer, customers)
    month.kept["buyers"] = customers[: scale.deliveries]
    service_customers = customers[scale.deliveries :]
    brand = month.dealership.brand.name_zh
    cars = []
    for i, owner in enumerate(service_customers):
        index = i % len(month.car_models)
        model, trim, _price, _w = month.car_models[index]
        registered = month.period.start - dt.timedelta(days=month.rng.randint(60, 3000))
        cars.append(
            Vehicle(
                dealership=month.dealership,
                vin=vin(month, index, "V", i),
                plate=f"鄂A{month.rng.randint(10000, 99999)}",
                brand=brand,
                model=model,
                trim=trim,
                colour=COLOURS[i % len(COLOURS)],
                registration_date=registered,
                mileage=month.rng.randint(1000, 150000),
                owner=owner,
            )
        )
    cars = month.bulk(Vehicle, cars)
    month.bulk(
        Ownership,
        [
            Ownership(
                dealership=month.dealership,
                vehicle=car,
                customer=car.owner,
                start=car.registration_date,
            )
            for car in cars
        ],
    )
    month.kept["service_customers"] = service_customers
    month.kept["service_cars"] = cars
    month.kept["events"] = []


def record_events(month: BenchMonth, kind: str, source_type: str, rows: list) -> None:
    """The customer events the month's deliveries or closed repair orders earned (as
    ``customer_event_record`` writes them), for the follow-up seeder: ``rows`` of
    (day, customer, vehicle, source id, staff)."""
    from crm.models import CustomerEvent

    month.kept.setdefault("events", [])
    month.kept["events"] += month.bulk(
        CustomerEvent,
        [
            CustomerEvent(
                dealership=month.dealership,
                kind=kind,
                customer=customer,
                vehicle=vehicle,
                occurred_on=day,
                source_type=source_type,
                source_id=source_id,
                staff=staff,
                summary="交车" if kind == "sales" else "维修保养",
            )
            for day, customer, vehicle, source_id, staff in rows
        ],
        batch_size=5000,
    )


def seed_followups(month: BenchMonth) -> None:
    """The follow-up call of each customer event the sales and after-sales seeders recorded:
    attempts, surveys with their answers, and the complaints the low scores opened."""
    from crm.models import (
        CallAttempt,
        Complaint,
        FollowUp,
        Question,
        Questionnaire,
        SurveyAnswer,
        SurveyResponse,
    )
    from org.models import Department

    events = month.kept.get("events", [])
    specialists = {
        "sales": month.holders("sales_followup_specialist"),
        "service": month.holders("service_followup_specialist"),
    }
    month_end = month.period.end
    followups, outcomes = [], []
    for n, event in enumerate(events):
        start = event.occurred_on + dt.timedelta(days=3)
        end = event.occurred_on + dt.timedelta(days=5)
        specialist = specialists[event.kind][n % len(specialists[event.kind])]
        roll = month.rng.random()
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
            day = start + dt.timedelta(days=month.rng.randint(0, 2))
            completed = month.at(day, month.rng.randint(9, 17), month.rng.randint(0, 59))
            closed_on = day
        followups.append(
            FollowUp(
                dealership=month.dealership,
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
                published_on=start if status != "scheduled" and status != "not_called" else None,
                closed_on=closed_on,
                completed_at=completed,
                completed_by=specialist if completed else None,
                failed_attempts=sum(1 for a in attempts if a != "connected" and a != "no_answer"),
            )
        )
        outcomes.append(attempts)
    followups = month.bulk(FollowUp, followups, batch_size=5000)
    calls = []
    for followup, attempts in zip(followups, outcomes, strict=True):
        for k, outcome in enumerate(attempts):
            at = month.at(followup.window_start + dt.timedelta(days=min(k, 2)), 10 + k, 5 * k)
            if followup.completed_at and outcome == "connected":
                at = followup.completed_at
            calls.append(
                CallAttempt(
                    dealership=month.dealership,
                    followup=followup,
                    at=at,
                    specialist=followup.specialist,
                    outcome=outcome,
                )
            )
    month.bulk(CallAttempt, calls, batch_size=5000)
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
                    (question, month.rng.choice((10, 10, 9, 9, 9, 8, 8, 7, 6, 4)), None, "")
                )
            elif question.kind == "yes_no":
                answers.append((question, None, month.rng.random() < 0.9, ""))
            elif question.kind == "choice":
                choice = (question.choices or [""])[0]
                answers.append((question, None, None, str(choice)))
            else:
                answers.append((question, None, None, "满意" if month.rng.random() < 0.2 else ""))
        scores = [a[1] for a in answers if a[1] is not None]
        score = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")) if scores else None
        responses.append(
            SurveyResponse(
                dealership=month.dealership,
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
    responses = month.bulk(SurveyResponse, responses, batch_size=5000)
    month.bulk(
        SurveyAnswer,
        [
            SurveyAnswer(
                dealership=month.dealership,
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
    owner = month.holders("customer_relations_manager")[0]
    wanted = max(int(len(followups) * month.scale.complaint_rate), len(low))
    sources = low + month.rng.sample(followups, max(wanted - len(low), 0))
    complaints = []
    for n, followup in enumerate(sources[:wanted]):
        category = (
            month.rng.choice(("sales_process", "delivery", "price"))
            if followup.kind == "sales"
            else month.rng.choice(("service_quality", "service_time", "parts", "price"))
        )
        received = followup.completed_at or month.at(followup.window_start, 11)
        state = month.rng.choice(("closed", "closed", "confirmed", "resolved", "in_progress"))
        resolved = (
            received + dt.timedelta(days=2)
            if state in ("closed", "confirmed", "resolved")
            else None
        )
        complaints.append(
            Complaint(
                dealership=month.dealership,
                number=f"TS{received:%Y%m}{n + 1:04d}",
                customer=followup.customer,
                vehicle=followup.vehicle,
                followup=followup,
                channel="followup",
                category=category,
                severity="major" if n % 10 == 0 else "normal",
                description="客户对服务不满意",
                department=departments.get("sales" if followup.kind == "sales" else "aftersales"),
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
    month.bulk(Complaint, complaints)


def seed_intelligence(month: BenchMonth) -> None:
    """Competitor observations and advertising spends."""
    from crm.models.intelligence import AdvertisingSpend, CompetitorObservation

    recorder = month.holders("marketing_specialist")[0]
    month.bulk(
        CompetitorObservation,
        [
            CompetitorObservation(
                dealership=month.dealership,
                brand=brand,
                model=model,
                price=Decimal(month.rng.randrange(90000, 220000, 1000)),
                promotion=month.rng.choice(
                    ("", "置换补贴8000元", "首付两成，两年免息", "送保养三次")
                ),
                observed_on=month.rng.choice(month.days),
                source=month.rng.choice(("竞品展厅", "汽车之家报价", "客户报价单")),
                recorded_by=recorder,
            )
            for brand, model in (
                month.rng.choice(COMPETITORS) for _ in range(month.scale.competitor_observations)
            )
        ],
    )
    month.bulk(
        AdvertisingSpend,
        [
            AdvertisingSpend(
                dealership=month.dealership,
                channel=AD_CHANNELS[n % len(AD_CHANNELS)],
                description=f"{month.period.label} 投放 {n + 1}",
                period_start=month.period.start,
                period_end=month.period.end,
                cost=Decimal(month.rng.randrange(3000, 80000, 500)),
                leads_attributed=month.rng.randint(0, 120),
                recorded_by=recorder,
            )
            for n in range(month.scale.advertising_spends)
        ],
    )


def register() -> None:
    register_bench_seeder(
        "crm.customers",
        seed_customers,
        order=20,
        models=("crm.Customer", "crm.Vehicle", "crm.Ownership", "crm.CustomerEvent"),
    )
    register_bench_seeder(
        "crm.followups",
        seed_followups,
        order=80,  # after sales (30) and after-sales (40) recorded their events
        models=(
            "crm.FollowUp",
            "crm.CallAttempt",
            "crm.SurveyResponse",
            "crm.SurveyAnswer",
            "crm.Complaint",
        ),
        matched={
            "crm.Questionnaire": ("kind", "version"),
            "crm.Question": ("questionnaire__kind", "questionnaire__version", "position"),
        },
    )
    register_bench_seeder(
        "crm.intelligence",
        seed_intelligence,
        order=85,
        models=("crm.CompetitorObservation", "crm.AdvertisingSpend"),
    )
