"""Demo finance requests: in every demo dealership, requests of every kind in every state
(drafts, pending at each approver so that each demo approver has work waiting, approved,
rejected, returned, withdrawn) and approved budgets, written through the services as the demo
people. Idempotent: each request is keyed on its subject."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from dealership.tenancy import dealership_context
from finance import kinds as K
from finance import services
from org.approvals import services as approvals
from org.approvals.models import ApprovalRequest, StepApprover
from org.models import Department, PositionAssignment

MARK = "【演示】"

# a 1×1 PNG and a minimal PDF, recognised by content as what they are
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(kind: str, name: str) -> ContentFile:
    return ContentFile(PDF if kind == "pdf" else PNG, name=name)


def _people() -> dict[str, object]:
    """The first holder of each position (by position code)."""
    people: dict[str, object] = {}
    for assignment in PositionAssignment.objects.select_related("staff__user", "position").order_by(
        "pk"
    ):
        people.setdefault(assignment.position.code, assignment.staff.user)
    return people


def _advance(request: ApprovalRequest, steps: int | None) -> ApprovalRequest:
    """Approve ``steps`` open steps (all of them when None), each by its first approver."""
    done = 0
    while request.status == ApprovalRequest.Status.PENDING and (steps is None or done < steps):
        waiting = (
            StepApprover.objects.filter(
                step__request=request,
                step__round=request.round,
                step__status="open",
                decision="",
            )
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if waiting is None:
            break
        request = approvals.request_decide(
            actor=waiting.user, request_id=request.pk, decision="approve"
        )
        done += 1
    return request


def _decide(request, decision: str, comment: str):
    waiting = (
        StepApprover.objects.filter(
            step__request=request, step__round=request.round, step__status="open", decision=""
        )
        .select_related("user")
        .first()
    )
    if waiting is not None:
        approvals.request_decide(
            actor=waiting.user, request_id=request.pk, decision=decision, comment=comment
        )


# (kind, requester position, subject, amount, fields, files, outcome)
# outcome: "draft" | ("pending", n approvals) | "approved" | "rejected" | "returned" | "withdrawn"
def _scenarios(today: dt.date) -> list[tuple]:
    invoice = {"invoice": ("png", "invoice.png")}
    contract = {"contract": ("pdf", "contract.pdf")}
    pay = {"bank_name": "中国工商银行", "bank_account": "6222020200112233445"}
    return [
        (
            K.PAYMENT,
            "sales_consultant",
            "展厅绿植租赁费（草稿）",
            "800.00",
            {"payee": "武汉绿源园艺", "category": "office", **pay},
            invoice,
            "draft",
        ),
        (
            K.PAYMENT,
            "sales_consultant",
            "车展展位费",
            "12000.00",
            {"payee": "武汉国际会展中心", "category": "advertising", **pay},
            invoice,
            ("pending", 0),
        ),
        (
            K.PAYMENT,
            "service_advisor",
            "举升机维修费",
            "3500.00",
            {"payee": "湖北汽保设备公司", "category": "maintenance", **pay},
            invoice,
            ("pending", 1),
        ),
        (
            K.PAYMENT,
            "marketing_specialist",
            "报纸广告费",
            "8800.00",
            {"payee": "楚天都市报", "category": "advertising", **pay},
            invoice,
            ("pending", 2),
        ),
        (
            K.PAYMENT,
            "sales_consultant",
            "交车礼品采购",
            "4600.00",
            {"payee": "武汉优品礼业", "category": "promotion", **pay},
            invoice,
            ("pending", 3),
        ),
        (
            K.PAYMENT,
            "service_advisor",
            "车间照明改造",
            "9800.00",
            {"payee": "武汉明亮电气", "category": "maintenance", **pay},
            invoice,
            ("pending", 4),
        ),
        (
            K.PAYMENT,
            "marketing_specialist",
            "电台广告费",
            "15000.00",
            {"payee": "湖北交通广播", "category": "advertising", **pay},
            invoice,
            "approved",
        ),
        (
            K.CASH_ADVANCE,
            "sales_consultant",
            "外出参加培训借支",
            "3000.00",
            {"settle_by": today + dt.timedelta(days=30)},
            {},
            "approved",
        ),
        (K.CASH_ADVANCE, "service_advisor", "配件紧急采购借支", "2000.00", {}, {}, ("pending", 0)),
        (
            K.REIMBURSEMENT,
            "sales_consultant",
            "培训差旅费冲账",
            "2600.00",
            {"type": "write_off", "category": "travel", "advance": "@advance"},
            invoice,
            ("pending", 1),
        ),
        (
            K.REIMBURSEMENT,
            "service_advisor",
            "客户招待费报销",
            "1880.00",
            {"type": "expense", "category": "entertainment"},
            invoice,
            "rejected",
        ),
        (
            K.CONTRACT_APPROVAL,
            "sales_consultant",
            "大客户团购合同",
            "360000.00",
            {"counterparty": "武汉城投物业", "contract_no": "HT-2025-031"},
            contract,
            "returned",
        ),
        (
            K.CONTRACT_APPROVAL,
            "marketing_specialist",
            "年度广告代理合同",
            "120000.00",
            {"counterparty": "湖北星火传媒", "contract_no": "HT-2025-018"},
            contract,
            "approved",
        ),
        (
            K.CONTRACT_STAMPING,
            "sales_consultant",
            "二手车置换协议盖章",
            None,
            {"counterparty": "个人客户", "contract_no": "ZH-2025-007", "copies": 2},
            contract,
            "withdrawn",
        ),
        (
            K.CONTRACT_STAMPING,
            "service_advisor",
            "保险合作协议盖章",
            None,
            {"counterparty": "平安财险武汉分公司", "contract_no": "BX-2025-002", "copies": 3},
            contract,
            "approved",
        ),
        (
            K.GENERAL,
            "cr_specialist",
            "客户关怀短信模板印刷",
            Decimal("600.00"),
            {"category": "printing"},
            {},
            ("pending", 1),
        ),
        (
            K.PROMO_ORDER,
            "marketing_specialist",
            "国庆促销礼品订购",
            "6800.00",
            {"supplier": "义乌礼品城", "items": "定制雨伞 200 把\n钥匙扣 500 个"},
            {},
            "approved",
        ),
        *_ad_scenarios(today),
    ]


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _ad_scenarios(today: dt.date) -> list[tuple]:
    """OEM advertising claims of last quarter (one waiting at the OEM, one approved and paid by
    it) and this month's (at the accountant); decoration requests (one at height, approved,
    with its safety agreement, waiting to be installed; one pending at the handler)."""
    last = _quarter_start(_quarter_start(today) - dt.timedelta(days=1))
    claim_files = {
        "contract": ("png", "合同原件.png"),
        "invoice": ("pdf", "发票.pdf"),
        "photo": ("png", "样报.png"),
    }
    programme = {"programme": "厂家区域广宣支持计划", "programme_ref": f"GX-{last.year}"}
    return [
        (
            K.AD_CLAIM,
            "marketing_specialist",
            "上季度报纸广告厂家报销",
            "18000.00",
            {
                "campaign": "楚天都市报半版广告",
                "medium": "newspaper",
                "published_from": last + dt.timedelta(days=9),
                "published_until": last + dt.timedelta(days=23),
                **programme,
            },
            claim_files,
            "approved",
        ),
        (
            K.AD_CLAIM,
            "marketing_specialist",
            "上季度电台广告厂家报销",
            "10000.00",
            {
                "campaign": "交通广播整点报时",
                "medium": "radio",
                "published_from": last + dt.timedelta(days=30),
                "published_until": last + dt.timedelta(days=60),
                **programme,
            },
            claim_files,
            "approved",
        ),
        (
            K.AD_CLAIM,
            "marketing_specialist",
            "本月网络广告厂家报销",
            "6500.00",
            {
                "campaign": "汽车之家车型置顶",
                "medium": "online",
                "published_from": today.replace(day=1),
                "published_until": today,
                **programme,
            },
            claim_files,
            ("pending", 1),
        ),
        (
            K.DECORATION,
            "sales_consultant",
            "展厅外墙广告牌更换（高空作业）",
            "12000.00",
            {
                "work": "installation",
                "location": "展厅外墙门头",
                "installer": "武汉华彩广告公司",
                "planned_on": today + dt.timedelta(days=5),
                "at_height": True,
            },
            {"photo": ("png", "效果图.png")},
            "approved",
        ),
        (
            K.DECORATION,
            "sales_consultant",
            "展厅新车上市氛围布置",
            "3000.00",
            {
                "work": "decoration",
                "location": "展厅中央展台",
                "installer": "武汉创意展览",
                "planned_on": today + dt.timedelta(days=10),
                "at_height": False,
            },
            {},
            ("pending", 0),
        ),
    ]


def _after(title: str, record, people, today: dt.date) -> None:
    """What happens after the chain in the demo: finance's state with the OEM, the safety
    agreement of the installation at height."""
    finance = people.get("accountant") or people.get("finance_manager")
    if title == "上季度报纸广告厂家报销" and finance is not None:
        services.ad_claim_oem_record(
            actor=finance,
            record_id=record.pk,
            status="submitted",
            on=min(today, record.published_until + dt.timedelta(days=7)),
            claim_no="AD-CLAIM-0031",
        )
    elif title == "上季度电台广告厂家报销" and finance is not None:
        submitted = min(today, record.published_until + dt.timedelta(days=3))
        for status, amount in (("submitted", None), ("approved", "9000.00"), ("paid", None)):
            services.ad_claim_oem_record(
                actor=finance,
                record_id=record.pk,
                status=status,
                on=submitted,
                amount=Decimal(amount) if amount else None,
                claim_no="AD-CLAIM-0032" if status == "submitted" else "",
            )
    elif title.startswith("展厅外墙广告牌更换") and people.get("cr_specialist") is not None:
        services.decoration_agreement_attach(
            actor=people["cr_specialist"],
            record_id=record.pk,
            agreement=_file("pdf", "高空作业安全协议.pdf"),
        )


def seed(dealerships) -> list:
    for dealership in dealerships:
        with dealership_context(dealership):
            _seed_dealership()
    return []


def _seed_dealership() -> None:
    people = _people()
    today = timezone.localdate()
    _seed_budgets(people, today)
    created: dict[str, object] = {}
    for kind, position, title, amount, fields, files, outcome in _scenarios(today):
        subject = f"{MARK}{title}"
        existing = ApprovalRequest.objects.filter(subject=subject).first()
        requester = people.get(position)
        if existing is not None or requester is None:
            if existing is not None:
                created.setdefault(kind, K.record_of(existing))
            continue
        fields = dict(fields)
        if fields.get("advance") == "@advance":
            advance = created.get(K.CASH_ADVANCE)
            if advance is None or advance.request.requester_id != requester.pk:
                continue
            fields["advance"] = advance.pk
        record = services.record_create(
            actor=requester,
            kind=kind,
            subject=subject,
            amount=Decimal(amount) if amount is not None else None,
            description="演示数据",
            files={p: _file(t, n) for p, (t, n) in files.items()},
            submit=outcome != "draft",
            **fields,
        )
        created.setdefault(kind, record)
        request = record.request
        if outcome == "approved":
            _advance(request, None)
        elif isinstance(outcome, tuple):
            _advance(request, outcome[1])
        elif outcome in ("rejected", "returned"):
            _advance(request, 1)
            _decide(
                ApprovalRequest.objects.get(pk=request.pk),
                "reject" if outcome == "rejected" else "return",
                "超出标准，请说明" if outcome == "rejected" else "请补充合同附件页",
            )
        elif outcome == "withdrawn":
            approvals.request_withdraw(actor=requester, request_id=request.pk)
        if outcome == "approved":
            record.refresh_from_db()
            _after(title, record, people, today)


BUDGETS = [
    ("sales", "advertising", "year", 0, "200000.00"),
    ("sales", "promotion", "year", 0, "60000.00"),
    ("aftersales", "maintenance", "year", 0, "80000.00"),
    ("crm", "advertising", "year", 0, "150000.00"),
    ("crm", "advertising", "month", None, "20000.00"),
]


def _seed_budgets(people, today: dt.date) -> None:
    planner = people.get("finance_manager")
    if planner is None:
        return
    departments = {d.code: d for d in Department.objects.all()}
    for code, category, period, number, amount in BUDGETS:
        department = departments.get(code)
        if department is None:
            continue
        number = today.month if number is None else number
        subject = f"{MARK}{department.name_zh} {today.year} {period} {number} {category}"
        if ApprovalRequest.objects.filter(subject=subject).exists():
            continue
        record = services.budget_create(
            actor=planner,
            subject=subject,
            department=department,
            year=today.year,
            period=period,
            number=number,
            category=category,
            amount=Decimal(amount),
            submit=True,
        )
        _advance(record.request, None)
