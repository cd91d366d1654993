"""Shared setup of the approval-engine tests: a test-only kind of request (the engine knows no
app), dealership A staffed along the sales and finance lines, and short helpers that run the
services inside A's tenant scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from dealership.models import Notification, User
from dealership.tenancy import dealership_context, system_context
from org.approvals import services
from org.approvals.kinds import RequestKind, Step, register_request_kind, unregister_request_kind
from org.approvals.models import ApprovalChain, ApprovalRequest, ApprovalStep, StepApprover
from org.models import Position
from tests.cast import Cast
from tests.factories import UserFactory, hire

KIND = "test.payment"
GM_ONLY = "test.gm_only"  # a chain whose last step only the GM decides

PAYMENT_CHAIN = [
    Step.department_head(),
    Step.at("accountant"),
    Step.at("finance_manager"),
    Step.at("deputy_gm"),
    Step.at("gm", alternate="deputy_gm"),
]
# what a sales consultant's request goes through, step by step
CONSULTANT_ROUTE = [
    ["sales_director"],
    ["accountant"],
    ["finance_manager"],
    ["deputy_gm"],
    ["gm", "deputy_gm"],
]
STAFF = (
    "sales_consultant",
    "showroom_supervisor",
    "sales_manager",
    "sales_director",
    "accountant",
    "finance_manager",
    "deputy_gm",
)
NAMES = {
    "sales_consultant": "顾问小王",
    "showroom_supervisor": "展厅主管老李",
    "sales_manager": "销售经理老张",
    "sales_director": "销售总监赵总",
    "accountant": "会计钱姐",
    "finance_manager": "财务经理孙姐",
    "deputy_gm": "副总周总",
}


@dataclass
class Team:
    """Dealership A's people (``gm`` is the cast's ``user_a``) and what the kind's hooks saw."""

    cast: Cast
    people: dict[str, User]
    events: list = field(default_factory=list)

    def __getitem__(self, code: str) -> User:
        return self.cast.user_a if code == "gm" else self.people[code]

    def hire(self, code: str, username: str, name: str = "") -> User:
        user = UserFactory(username=username, name=name or username, email=f"{username}@x.cn")
        hire(user, self.cast.a, code)
        return user

    def chain(self, kind: str = KIND) -> ApprovalChain:
        with dealership_context(self.cast.a):
            return ApprovalChain.objects.get(kind=kind)


@pytest.fixture
def events() -> list:
    return []


@pytest.fixture
def kinds(events):
    """The test kinds, registered for this test only (their hooks record into ``events``)."""
    register_request_kind(
        RequestKind(
            KIND,
            "测试付款",
            default_chain=PAYMENT_CHAIN,
            on_approved=lambda r: events.append(("approved", r.pk)),
            on_rejected=lambda r: events.append(("rejected", r.pk)),
            on_returned=lambda r: events.append(("returned", r.pk)),
            on_withdrawn=lambda r: events.append(("withdrawn", r.pk)),
        )
    )
    register_request_kind(
        RequestKind(GM_ONLY, "总经理审批", default_chain=[Step.at("accountant"), Step.at("gm")])
    )
    try:
        yield events
    finally:
        unregister_request_kind(KIND)
        unregister_request_kind(GM_ONLY)


def staff_a(cast: Cast, events: list) -> Team:
    people = {}
    for code in STAFF:
        people[code] = UserFactory(username=code, name=NAMES[code], email=f"{code}@example.com")
        hire(people[code], cast.a, code)
    with dealership_context(cast.a):
        services.chains_seed(cast.a)
    return Team(cast, people, events)


@pytest.fixture
def team(cast, kinds) -> Team:
    return staff_a(cast, kinds)


# --- the services, run inside dealership A ------------------------------------------------------


def create(team: Team, who: str | User = "sales_consultant", amount="1000", **kwargs):
    actor = team[who] if isinstance(who, str) else who
    kwargs.setdefault("kind", KIND)
    kwargs.setdefault("subject", "测试付款申请")
    with dealership_context(team.cast.a):
        return services.request_create(
            actor=actor, amount=Decimal(amount) if amount is not None else None, **kwargs
        )


def submit(team: Team, request, who: str | User | None = None):
    actor = request.requester if who is None else (team[who] if isinstance(who, str) else who)
    with dealership_context(team.cast.a):
        return services.request_submit(actor=actor, request_id=request.pk)


def submitted(team: Team, who: str | User = "sales_consultant", amount="1000", **kwargs):
    return submit(team, create(team, who, amount, **kwargs))


def decide(team: Team, who: str | User, request, decision="approve", comment=""):
    actor = team[who] if isinstance(who, str) else who
    with dealership_context(team.cast.a):
        return services.request_decide(
            actor=actor, request_id=request.pk, decision=decision, comment=comment
        )


def fresh(team: Team, request) -> ApprovalRequest:
    with dealership_context(team.cast.a):
        return ApprovalRequest.objects.get(pk=request.pk)


def steps(team: Team, request, round: int | None = None) -> list[ApprovalStep]:
    """The steps of ``round`` (default: the current one), in order."""
    with dealership_context(team.cast.a):
        request = ApprovalRequest.objects.get(pk=request.pk)
        return list(
            ApprovalStep.objects.filter(request=request, round=round or request.round).order_by(
                "order"
            )
        )


def route(team: Team, request) -> list[list[str]]:
    return [s.position_codes for s in steps(team, request)]


def statuses(team: Team, request) -> list[str]:
    return [s.status for s in steps(team, request)]


def open_step(team: Team, request) -> ApprovalStep | None:
    return next((s for s in steps(team, request) if s.status == "open"), None)


def approvers(team: Team, step: ApprovalStep) -> list[StepApprover]:
    with dealership_context(team.cast.a):
        return list(StepApprover.objects.filter(step=step).select_related("user").order_by("pk"))


def approver_names(team: Team, step: ApprovalStep) -> list[str]:
    return sorted(a.user.username for a in approvers(team, step))


def notices(kind: str, user: User | None = None, request=None) -> list[Notification]:
    with system_context():
        rows = Notification.objects.filter(kind=kind)
        if user is not None:
            rows = rows.filter(recipient=user)
        if request is not None:
            rows = rows.filter(object_id=str(request.pk))
        return list(rows)


def position(team: Team, code: str) -> Position:
    with dealership_context(team.cast.a):
        return Position.objects.get(code=code)


def chain_update(team: Team, steps_: list[dict], kind: str = KIND, **kwargs):
    """Replace the chain of ``kind``; a step is ``{"position": "code", ...}`` (codes resolved)."""
    chain = team.chain(kind)
    with dealership_context(team.cast.a):
        rows = []
        for step in steps_:
            row = {"approver_type": "position", "mode": "any", **step}
            for key in ("position", "alternate"):
                if isinstance(row.get(key), str):
                    row[key] = Position.objects.get(code=row[key])
            rows.append(row)
        return services.chain_update(
            actor=kwargs.pop("actor", team.cast.user_a), chain_id=chain.pk, steps=rows, **kwargs
        )
