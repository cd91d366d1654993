"""Demo and bench data of the day-N+1 data checks and the SSI / CSI targets (#18).

* Demo (after the follow-ups' demo, order 82): each demo dealership gets its SSI and CSI
  targets of last month and this month (with the would-recommend target), an action plan for
  this month (one item done, one in progress, one overdue and open), and this morning's data
  check list (yesterday's deliveries and service visits) with a few items already checked or
  corrected. Written through the services by the CSI/SSI admin (else the CRM managers, else
  system code); deterministic and idempotent (a dealership with targets is left alone).
* Bench (``manage.py seed_bench``): per month, the data checks of the month's follow-ups
  (mostly checked) and the month's two targets with two action items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context

PLANNERS = ("csi_ssi_admin", "customer_relations_manager", "crm_director")
PLAN = [  # kind, title, owner position, due (days from today), state
    ("sales", "交车仪式流程复训（含满意度面访）", "sales_manager", -12, "done"),
    ("sales", "回访低分客户逐一回电并跟进改善", "customer_relations_manager", 5, "in_progress"),
    ("service", "服务顾问交车讲解话术抽查", "service_manager", -3, "open"),
    ("service", "客户休息区设施检查与改善", "customer_relations_manager", 10, "open"),
    # an owner who reads no follow-up: the advisor sees it on the dashboard and in the menu
    ("service", "交车时讲解保养手册与下次预约", "service_advisor", 7, "open"),
]


def _holder(*codes):
    from org.models import PositionAssignment

    for code in codes:
        found = (
            PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
            .select_related("staff__user")
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found.staff.user
    return None


def seed(dealerships) -> list:
    for dealership in dealerships:
        with dealership_context(dealership):
            from crm.models import SatisfactionTarget

            if not SatisfactionTarget.objects.exists():
                _seed_dealership(dealership)
    return []


def _seed_dealership(dealership) -> None:
    from django.utils import timezone

    from crm.services import datachecks, targets
    from dealership.figures import add_months

    today = timezone.localdate()
    planner = _holder(*PLANNERS) or SYSTEM
    this_month = today.replace(day=1)
    made = {}
    for month in (add_months(this_month, -1), this_month):
        for kind, score in (("sales", Decimal("9.20")), ("service", Decimal("9.00"))):
            made[(kind, month)] = targets.satisfaction_target_set(
                actor=planner,
                kind=kind,
                month=month,
                target_score=score,
                referral_target=85 if kind == "sales" else 80,
                note="厂家年度满意度目标分解" if month == this_month else "",
            )
    for kind, title, owner_code, due, state in PLAN:
        owner = _holder(owner_code) or _holder("gm")
        if owner is None:
            continue
        item = targets.satisfaction_action_create(
            actor=planner,
            target_id=made[(kind, this_month)].pk,
            title=title,
            owner=owner,
            due_on=today + dt.timedelta(days=due),
        )
        if state != "open":
            targets.satisfaction_action_progress(
                actor=planner,
                action_id=item.pk,
                state=state,
                result="已完成复训 8 人，考核全部通过" if state == "done" else "已回电 6 位客户",
            )
    # this morning's data checks: yesterday's deliveries and service visits
    datachecks.datachecks_list(dealership=dealership, day=today)
    from crm.models import DataCheck

    checker = _holder("customer_relations_manager", "crm_director") or SYSTEM
    for n, check in enumerate(
        DataCheck.objects.filter(state="open").select_related("customer").order_by("pk")[:6]
    ):
        try:
            if n % 3 == 0:
                datachecks.datacheck_confirm(actor=checker, check_id=check.pk)
            elif n % 3 == 1:
                datachecks.datacheck_correct(
                    actor=checker,
                    check_id=check.pk,
                    changes={"street": (check.customer.street or "") + "（已核实门牌）"},
                    note="客户确认了详细地址",
                )
        except ValidationError:
            continue  # a demo customer whose details do not pass today's checks stays open


# --- bench ---------------------------------------------------------------------------------


def seed_bench(month) -> None:
    from crm.models import DataCheck, FollowUp, SatisfactionAction, SatisfactionTarget

    followups = list(
        FollowUp.objects.filter(
            event_date__gte=month.period.start, event_date__lte=month.period.end
        ).values("pk", "customer_id", "kind", "event_date", "specialist_id")
    )
    states = ("checked", "checked", "checked", "corrected", "unreachable")
    month.bulk(
        DataCheck,
        [
            DataCheck(
                dealership=month.dealership,
                followup_id=row["pk"],
                customer_id=row["customer_id"],
                kind=row["kind"],
                event_date=row["event_date"],
                listed_on=row["event_date"] + dt.timedelta(days=1),
                state=month.rng.choice(states),
                checked_at=month.at(row["event_date"] + dt.timedelta(days=1), 9),
                checked_by_id=row["specialist_id"],
            )
            for row in followups
        ],
    )
    planner = month.holders("csi_ssi_admin")[0]
    first = month.period.start.replace(day=1)
    made = month.bulk(
        SatisfactionTarget,
        [
            SatisfactionTarget(
                dealership=month.dealership,
                kind=kind,
                month=first,
                target_score=Decimal("9.00"),
                referral_target=80,
                created_by=planner,
            )
            for kind in ("sales", "service")
        ],
    )
    targets = made or list(SatisfactionTarget.objects.filter(month=first))
    month.bulk(
        SatisfactionAction,
        [
            SatisfactionAction(
                dealership=month.dealership,
                target=target,
                title=f"{month.period.label} 满意度改进 {n + 1}",
                owner=month.holders("customer_relations_manager")[0],
                due_on=month.period.end,
                state="done",
                result="完成",
                created_by=planner,
            )
            for target in targets
            for n in range(2)
        ],
    )


def register() -> None:
    from dealership.bench import register_bench_seeder
    from dealership.demo import register_demo_seeder

    register_demo_seeder(seed, order=82)  # after the follow-ups' demo (80)
    register_bench_seeder(
        "crm.targets",
        seed_bench,
        order=88,  # after the follow-ups (80)
        models=("crm.DataCheck", "crm.SatisfactionTarget", "crm.SatisfactionAction"),
    )
