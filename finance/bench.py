"""Finance's bench data (``dealership.bench``): a month of finance requests of every kind with
their approval requests in every state the engine has (draft, pending at each step, approved,
rejected, returned, withdrawn), written in bulk as the services would have written them:

* the request with its chain snapshot (the dealership's chain when it was submitted), the
  record of its kind, the steps of its round and each step's approvers — resolved by the
  engine's own :func:`org.approvals.resolve.resolve` on the day the step opened (the requester
  left out, the step passed up or skipped as the engine does);
* decisions by the step's first approver a few hours apart; after a rejection or a return the
  waiting steps are cancelled, after a withdrawal the open and waiting ones;
* write-offs of approved cash advances of the same requester, promotional goods
  reimbursements of approved orders, the GM's signature, the filing and the order placed after
  approval, the month's budgets of the departments;
* a few OEM advertising claims (the approved ones submitted to the OEM, some paid) and
  decoration requests (an approved one installed unless it is at height).

No attachments, audit entries or notifications (as the rest of the bench: what a restore would
bring back of the month's records)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from dealership.bench import BenchMonth, register_bench_seeder
from finance import kinds as K

# who asks (position code, weight) and for what (kind, weight)
REQUESTERS = [
    ("sales_consultant", 30),
    ("service_advisor", 25),
    ("marketing_specialist", 15),
    ("cr_specialist", 10),
    ("parts_salesperson", 10),
    ("admin_clerk", 10),
]
KINDS = [
    (K.PAYMENT, 30),
    (K.REIMBURSEMENT, 25),
    (K.CASH_ADVANCE, 8),
    (K.GENERAL, 8),
    (K.CONTRACT_APPROVAL, 6),
    (K.CONTRACT_STAMPING, 6),
    (K.PROMO_ORDER, 7),
]
OUTCOMES = [  # the first requests take each in turn, then by weight
    ("draft", 8),
    ("pending", 24),
    ("approved", 48),
    ("rejected", 8),
    ("returned", 5),
    ("withdrawn", 7),
]
BUDGET_CATEGORIES = ("advertising", "promotion", "office", "entertainment")
PAYEES = ["武汉国际会展中心", "楚天都市报", "湖北交通广播", "武汉优品礼业", "湖北汽保设备公司"]
SUPPLIERS = ["武汉优品礼业", "湖北华彩印务", "义乌精品礼品厂"]


@dataclass
class Planned:
    kind: str
    requester: object
    position: object
    subject: str
    amount: Decimal | None
    outcome: str
    stop: int  # the deciding step (0-based) where a pending/rejected/… request stopped
    day: dt.date
    fields: dict = field(default_factory=dict)
    link: object = None  # the planned request a write-off or a promo reimbursement pays for


def _amount(month: BenchMonth, low: int, high: int) -> Decimal:
    return Decimal(month.rng.randrange(low, high, 50)).quantize(Decimal("0.01"))


def _fields(month: BenchMonth, kind: str, day: dt.date) -> tuple[str, Decimal | None, dict]:
    rng = month.rng
    if kind == K.PAYMENT:
        payee = rng.choice(PAYEES)
        category = rng.choice(("advertising", "promotion", "maintenance", "office", "utilities"))
        return (
            f"{payee}付款",
            _amount(month, 500, 60000),
            {
                "payee": payee,
                "bank_name": "中国工商银行",
                "bank_account": f"6222{month.number:03d}{rng.randrange(10**9):09d}",
                "category": category,
                "due_date": day + dt.timedelta(days=15),
            },
        )
    if kind == K.REIMBURSEMENT:
        category = rng.choice(("travel", "entertainment", "office", "vehicles"))
        return "费用报销", _amount(month, 100, 5000), {"type": "expense", "category": category}
    if kind == K.CASH_ADVANCE:
        return "出差借支", _amount(month, 1000, 8000), {"settle_by": day + dt.timedelta(days=30)}
    if kind == K.GENERAL:
        category = rng.choice(("printing", "advertising_material", "promotion", "marketing_event"))
        amount = _amount(month, 500, 20000) if rng.random() < 0.7 else None
        return "宣传物料申请", amount, {"category": category, "needed_by": day + dt.timedelta(14)}
    if kind in (K.CONTRACT_APPROVAL, K.CONTRACT_STAMPING):
        counterparty = rng.choice(PAYEES)
        fields = {
            "counterparty": counterparty,
            "contract_no": f"HT{day:%Y%m}{rng.randrange(999):03d}",
        }
        if kind == K.CONTRACT_APPROVAL:
            fields |= {"starts_on": day, "ends_on": day + dt.timedelta(days=365)}
            return f"与{counterparty}的合同", _amount(month, 5000, 200000), fields
        fields["copies"] = rng.choice((2, 2, 3, 4))
        return f"与{counterparty}的合同盖章", None, fields
    if kind == K.PROMO_ORDER:
        supplier = rng.choice(SUPPLIERS)
        items = "车载香薰 × 100\n定制雨伞 × 50"
        return "促销品订购", _amount(month, 2000, 20000), {"supplier": supplier, "items": items}
    raise ValueError(kind)


def _plan(month: BenchMonth) -> list[Planned]:
    rng = month.rng
    positions = month.kept["positions"]
    staff = month.kept["staff_by_position"]
    requesters = [(code, w) for code, w in REQUESTERS if staff.get(code) and code in positions]
    asked: dict[str, int] = {}
    n = month.scale.finance_requests
    kinds = rng.choices([k for k, _w in KINDS], weights=[w for _k, w in KINDS], k=n)
    codes = rng.choices([c for c, _w in requesters], weights=[w for _c, w in requesters], k=n)
    outcomes = [o for o, _w in OUTCOMES]
    drawn = rng.choices(outcomes, weights=[w for _o, w in OUTCOMES], k=n)
    plans = []
    for i in range(n):
        code = "sales_consultant" if i == 0 and staff.get("sales_consultant") else codes[i]
        holders = staff[code]
        requester = holders[asked.get(code, 0) % len(holders)]  # the first holder asks first
        asked[code] = asked.get(code, 0) + 1
        day = rng.choice(month.days)
        subject, amount, fields = _fields(month, kinds[i], day)
        plans.append(
            Planned(
                kinds[i],
                requester,
                positions[code],
                subject,
                amount,
                outcomes[i] if i < len(outcomes) else drawn[i],
                rng.randrange(5),
                day,
                fields,
            )
        )
    return plans


def _dependents(month: BenchMonth, plans: list[Planned]) -> list[Planned]:
    """Write-offs of approved advances and reimbursements of approved promotional orders."""
    rng = month.rng
    extra = []
    for plan in plans:
        if plan.outcome != "approved" or plan.kind not in (K.CASH_ADVANCE, K.PROMO_ORDER):
            continue
        day = min(plan.day + dt.timedelta(days=rng.randint(3, 12)), month.days[-1])
        outcome = rng.choice(("approved", "approved", "pending", "draft"))
        if plan.kind == K.CASH_ADVANCE:
            kind, subject, fields = (
                K.REIMBURSEMENT,
                "借支冲账",
                {"type": "write_off", "category": "travel"},
            )
        else:
            kind, subject, fields = K.PROMO_REIMBURSEMENT, "促销品报销", {}
        extra.append(
            Planned(
                kind,
                plan.requester,  # the same requester (the engine checks it for a write-off)
                plan.position,
                subject,
                plan.amount,
                outcome,
                rng.randrange(5),
                day,
                fields,
                link=plan,
            )
        )
    return extra


def _advertising(month: BenchMonth) -> list[Planned]:
    """A few OEM advertising claims (the marketing specialist's) and decoration requests (a
    sales consultant's), approved or pending; the approved claims are then at the OEM."""
    rng = month.rng
    positions = month.kept["positions"]
    staff = month.kept["staff_by_position"]
    plans = []
    for code, kind, outcomes in (
        ("marketing_specialist", K.AD_CLAIM, ("approved", "approved", "pending")),
        ("sales_consultant", K.DECORATION, ("approved", "pending")),
    ):
        if not staff.get(code) or code not in positions:
            continue
        for n, outcome in enumerate(outcomes):
            day = month.days[min(n * 7, len(month.days) - 1)]
            if kind == K.AD_CLAIM:
                start = day - dt.timedelta(days=40)
                subject, amount = "广告费用厂家报销", _amount(month, 3000, 40000)
                fields = {
                    "campaign": rng.choice(("报纸半版广告", "电台整点报时", "汽车之家置顶")),
                    "medium": rng.choice(("newspaper", "radio", "online")),
                    "published_from": start,
                    "published_until": start + dt.timedelta(days=14),
                    "programme": "厂家区域广宣支持",
                }
            else:
                subject, amount = "展厅广告安装", _amount(month, 1000, 15000)
                fields = {
                    "work": "installation",
                    "location": "展厅外墙",
                    "installer": "武汉华彩广告公司",
                    "planned_on": day + dt.timedelta(days=7),
                    "at_height": n == 0,
                }
            plans.append(
                Planned(
                    kind,
                    staff[code][0],
                    positions[code],
                    subject,
                    amount,
                    outcome,
                    rng.randrange(3),
                    day,
                    fields,
                )
            )
    return plans


def _oem_state(record, request, month: BenchMonth) -> None:
    """An approved claim submitted to the OEM a few days later, every other one approved (90 %)
    and paid by it."""
    finance = month.holders("accountant") or month.holders("finance_manager")
    if not finance:
        return
    submitted = request.finished_at.date() + dt.timedelta(days=2)
    record.oem_status, record.oem_submitted_on = "submitted", submitted
    record.oem_claim_no, record.oem_recorded_by = f"AD{request.pk:06d}", finance[0]
    if month.rng.random() < 0.5:
        record.oem_status, record.oem_decided_on = "paid", submitted + dt.timedelta(days=10)
        record.oem_approved_amount = (request.amount * Decimal("0.9")).quantize(Decimal("0.01"))
        record.oem_paid_on = submitted + dt.timedelta(days=20)
        record.oem_paid_amount = record.oem_approved_amount


def _budgets(month: BenchMonth) -> list[Planned]:
    """The month's budgets of the sales and after-sales departments, asked by the accountant."""
    from django.utils import translation

    from finance.models import ExpenseCategory

    positions = month.kept["positions"]
    planner = month.kept["staff_by_position"].get("accountant")
    if not planner or "accountant" not in positions:
        return []
    departments = {p.department.code: p.department for p in positions.values()}
    with translation.override("zh-hans"):
        labels = {c: str(ExpenseCategory(c).label) for c in BUDGET_CATEGORIES}
    plans = []
    day = month.days[0]
    for code in ("sales", "aftersales"):
        department = departments.get(code)
        if department is None:
            continue
        for n, category in enumerate(BUDGET_CATEGORIES):
            plans.append(
                Planned(
                    K.BUDGET,
                    planner[0],
                    positions["accountant"],
                    f"预算 {day:%Y-%m} {department.name_zh}：{labels[category]}",
                    Decimal(30000 + 10000 * n),
                    "approved" if n else "pending",
                    0,
                    day - dt.timedelta(days=3),
                    {
                        "department": department,
                        "year": day.year,
                        "period": "month",
                        "number": day.month,
                        "category": category,
                    },
                )
            )
    return plans


class _Chains:
    """The dealership's chains as the engine snapshots them on submission (cached per kind)."""

    def __init__(self):
        self.cache = {}

    def steps(self, kind: str, amount) -> tuple[dict, list[dict], list[tuple[str, str]]]:
        from org.approvals.models import ApprovalChain
        from org.approvals.services import _applies, _step_label, _step_snapshot

        if kind not in self.cache:
            chain = ApprovalChain.objects.get(kind=kind)
            specs = [_step_snapshot(s) for s in chain.steps.select_related("position")]
            self.cache[kind] = (chain, specs)
        chain, specs = self.cache[kind]
        steps = [s for s in specs if _applies(s, amount)]
        key = (kind, tuple(s["order"] for s in steps))
        if key not in self.cache:
            self.cache[key] = [(_step_label(s, "zh-hans"), _step_label(s, "en")) for s in steps]
        snapshot = {"due_working_days": chain.due_working_days, "steps": steps}
        return snapshot, steps, self.cache[key]


def _relabel(labels: tuple[str, str], codes: list[str], positions: dict) -> tuple[str, str]:
    """As the engine names a department head's (or passed-up) step: "label：position"."""
    zh = " / ".join(positions[c].name_zh for c in codes if c in positions)
    en = " / ".join((positions[c].name_en or positions[c].name_zh) for c in codes if c in positions)
    if not zh:
        return labels
    return (f"{labels[0].split('：')[0]}：{zh}"[:200], f"{labels[1].split(': ')[0]}: {en}"[:200])


def _walk(month, request, plan: Planned, specs, labels, resolved_cache) -> tuple[list, list]:
    """The request's first round as the engine would have left it; sets the request's status
    and times. Returns its steps and their approvers."""
    from org.approvals.models import ApprovalStep, StepApprover
    from org.approvals.resolve import resolve
    from org.approvals.services import add_working_days

    Step = ApprovalStep.Status
    positions = month.kept["positions"]
    when = month.at(plan.day, month.rng.randint(9, 16), month.rng.choice((0, 15, 30, 45)))
    request.round, request.status, request.submitted_at = 1, "pending", when
    steps, approvers = [], []
    deciding = 0
    stopped = False
    for n, (spec, label) in enumerate(zip(specs, labels, strict=True), start=1):
        codes = [c for c in (spec["position_code"], spec.get("alternate_code")) if c]
        step = ApprovalStep(
            dealership=month.dealership,
            request=request,
            round=1,
            order=n,
            label=label[0],
            label_en=label[1],
            approver_type=spec["approver_type"],
            position_codes=codes,
            mode=spec["mode"],
            required_count=spec["required_count"],
            notify_only=spec["notify_only"],
        )
        steps.append(step)
        if stopped:
            withdrawn = plan.outcome == "withdrawn"
            if plan.outcome in ("rejected", "returned") or withdrawn:
                step.status = Step.CANCELLED
                step.closed_at = request.finished_at if withdrawn else None
            continue
        key = (request.kind, n, plan.requester.pk, plan.position.pk, when.date())
        if key not in resolved_cache:
            resolved_cache[key] = resolve(spec, request=request, on=when.date())
        resolved = resolved_cache[key]
        if resolved.position_codes and resolved.position_codes != codes:
            step.label, step.label_en = _relabel(label, resolved.position_codes, positions)
            step.position_codes = resolved.position_codes
        step.opened_at = when
        people = [
            StepApprover(dealership=month.dealership, step=step, user_id=u, on_behalf_of_id=b)
            for u, b in resolved.approvers
        ]
        if spec["notify_only"]:
            step.status, step.closed_at = Step.INFORMED, when
            approvers += people
            continue
        if not people:
            step.status, step.closed_at, step.note = Step.SKIPPED, when, resolved.note or "nobody"
            continue
        step.note = resolved.note
        step.due_at = add_working_days(when, request.chain_snapshot.get("due_working_days", 1))
        approvers += people
        if plan.outcome != "approved" and deciding >= plan.stop:
            stopped = True
            decided = when + dt.timedelta(hours=month.rng.randint(1, 20))
            if plan.outcome == "pending":
                step.status = Step.OPEN
            elif plan.outcome == "withdrawn":
                step.status, step.closed_at = Step.CANCELLED, decided
                request.status, request.finished_at = "withdrawn", decided
            else:
                reject = plan.outcome == "rejected"
                step.status, step.closed_at = (Step.REJECTED if reject else Step.RETURNED), decided
                people[0].decision = "reject" if reject else "return"
                people[0].comment = "超出预算，请重新评估" if reject else "请补充发票明细"
                people[0].decided_at = decided
                request.status = plan.outcome
                request.finished_at = decided if reject else None
            continue
        deciding += 1
        when = when + dt.timedelta(hours=month.rng.randint(1, 20))
        step.status, step.closed_at = Step.APPROVED, when
        people[0].decision, people[0].decided_at = "approve", when
    if not stopped:  # every step passed (or the plan's step was beyond the chain's end)
        request.status, request.finished_at = "approved", when
    return steps, approvers


def seed_finance(month: BenchMonth) -> None:
    """About ``scale.finance_requests`` finance requests with their approvals."""
    from django.apps import apps

    from org.approvals.models import ApprovalRequest, ApprovalStep, StepApprover

    if "positions" not in month.kept:
        return
    plans = _plan(month)
    plans += _dependents(month, plans)
    plans += _budgets(month)
    plans += _advertising(month)
    chains = _Chains()
    resolved_cache: dict = {}
    requests, steps, approvers = [], [], []
    for plan in plans:
        snapshot, specs, labels = chains.steps(plan.kind, plan.amount)
        request = ApprovalRequest(
            dealership=month.dealership,
            kind=plan.kind,
            subject=plan.subject,
            description="",
            requester=plan.requester,
            requester_position=plan.position,
            department=plan.position.department,
            amount=plan.amount,
        )
        if plan.outcome != "draft":
            request.chain_snapshot = snapshot
            round_steps, people = _walk(month, request, plan, specs, labels, resolved_cache)
            steps += round_steps
            approvers += people
        requests.append(request)
    requests = month.bulk(ApprovalRequest, requests)
    # created a little before submission (drafts: on the planned day); auto_now_add set "now"
    for request, plan in zip(requests, plans, strict=True):
        request.created_at = (request.submitted_at or month.at(plan.day, 17)) - dt.timedelta(
            hours=2
        )
    ApprovalRequest.objects.bulk_update(requests, ["created_at"], batch_size=2000)
    month.bulk(ApprovalStep, steps, batch_size=5000)
    month.bulk(StepApprover, approvers, batch_size=5000)
    records: dict[int, object] = {}  # id(plan) → its record
    for wave in (False, True):  # the linked records after those they point at
        by_model: dict[str, list] = {}
        for plan, request in zip(plans, requests, strict=True):
            if (plan.link is not None) != wave:
                continue
            kind = K.FINANCE_KINDS[plan.kind]
            fields = dict(plan.fields)
            if plan.link is not None:
                link = records[id(plan.link)]
                fields["advance" if plan.kind == K.REIMBURSEMENT else "promo_order"] = link
            if plan.kind == K.BUDGET:
                fields["amount"] = plan.amount
            record = kind.model(dealership=month.dealership, request=request, **fields)
            holders = month.holders(kind.follow_up_position) if kind.follow_up else []
            # an installation at height waits for its safety agreement (the bench has no files)
            waits = plan.fields.get("at_height", False)
            if request.status == "approved" and holders and not waits and month.rng.random() < 0.7:
                done = request.finished_at + dt.timedelta(hours=4)
                by, at = FOLLOW_UP_FIELDS[kind.follow_up]
                setattr(record, by, holders[0])
                setattr(record, at, done)
            if plan.kind == K.AD_CLAIM and request.status == "approved":
                _oem_state(record, request, month)
            records[id(plan)] = record
            by_model.setdefault(kind.model_name, []).append(record)
        for model_name, rows in by_model.items():
            month.bulk(apps.get_model("finance", model_name), rows)


def fix_clone(source, target) -> None:
    """A copied request's chain snapshot names the source's positions: name the target's."""
    from org.approvals.models import ApprovalRequest

    chains = _Chains()
    requests = list(ApprovalRequest.objects.filter(round__gt=0).only("kind", "amount", "pk"))
    for request in requests:
        request.chain_snapshot = chains.steps(request.kind, request.amount)[0]
    ApprovalRequest.objects.bulk_update(requests, ["chain_snapshot"], batch_size=1000)


FOLLOW_UP_FIELDS = {
    "sign": ("signed_by", "signed_at"),
    "file": ("filed_by", "filed_at"),
    "order": ("ordered_by", "ordered_at"),
    "install": ("installed_by", "installed_at"),
}
FINANCE_MODELS = tuple(f"finance.{k.model_name}" for k in K.FINANCE_KINDS.values())


def register() -> None:
    # the records pointing at other records last
    ordered = sorted(
        FINANCE_MODELS, key=lambda m: m in ("finance.Reimbursement", "finance.PromoReimbursement")
    )
    register_bench_seeder(
        "finance.requests",
        seed_finance,
        order=50,
        models=(
            "org.ApprovalRequest",
            "org.ApprovalStep",
            "org.StepApprover",
            *ordered,
        ),
        after_clone=fix_clone,
    )
