"""The approval engine's services: the route of a request, decisions and their conflicts,
returning and resubmitting, amount bands and N-of-M steps, nobody approving their own request,
delegation, deadlines on the mainland calendar, chain editing and attachments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone, translation

from dealership.tenancy import dealership_context
from org import services as org_services
from org.approvals import services
from org.approvals.models import ApprovalStep, Delegation, StepApprover
from org.approvals.services import DecisionConflict, add_working_days
from tests.org import approval_fixtures
from tests.org.approval_fixtures import (
    CONSULTANT_ROUTE,
    GM_ONLY,
    Team,
    approver_names,
    approvers,
    chain_update,
    create,
    decide,
    fresh,
    notices,
    open_step,
    position,
    route,
    statuses,
    steps,
    submit,
    submitted,
)

# the shared fixtures (a test-only kind of request, dealership A staffed)
events, kinds, team = approval_fixtures.events, approval_fixtures.kinds, approval_fixtures.team

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the source strings)."""
    with translation.override("en"):
        yield


def _approve_through(team: Team, request, codes):
    for code in codes:
        request = decide(team, code, request)
    return request


# --- the route --------------------------------------------------------------------------------


def test_a_consultants_payment_goes_through_the_whole_chain_in_order(team):
    request = submitted(team)
    assert request.status == "pending" and request.round == 1
    assert route(team, request) == CONSULTANT_ROUTE
    assert statuses(team, request) == ["open", "waiting", "waiting", "waiting", "waiting"]
    deciders = ["sales_director", "accountant", "finance_manager", "deputy_gm", "gm"]
    for n, code in enumerate(deciders, start=1):
        step = open_step(team, request)
        assert step.order == n
        assert team[code].username in approver_names(team, step)
        assert team.events == []
        request = decide(team, code, request)
    assert fresh(team, request).status == "approved"
    assert fresh(team, request).finished_at is not None
    assert statuses(team, request) == ["approved"] * 5
    assert team.events == [("approved", request.pk)]  # once
    assert len(notices("approvals.completed", team["sales_consultant"], request)) == 1


def test_each_waiting_approver_is_told_when_their_step_opens(team):
    request = submitted(team)
    assert len(notices("approvals.step_waiting", team["sales_director"], request)) == 1
    assert notices("approvals.step_waiting", team["accountant"], request) == []
    decide(team, "sales_director", request)
    assert len(notices("approvals.step_waiting", team["accountant"], request)) == 1


def test_the_final_step_is_decided_by_either_the_gm_or_the_deputy(team):
    request = _approve_through(
        team, submitted(team), ["sales_director", "accountant", "finance_manager", "deputy_gm"]
    )
    last = open_step(team, request)
    assert last.order == 5
    assert approver_names(team, last) == ["deputy_gm", "user_a"]
    request = decide(team, "deputy_gm", request)  # the deputy may close it
    assert request.status == "approved"


# --- rejecting, returning, resubmitting, withdrawing ------------------------------------------


@pytest.mark.parametrize("decision", ["reject", "return"])
@pytest.mark.parametrize("comment", ["", "   "])
def test_rejecting_or_returning_needs_a_reason(team, decision, comment):
    request = submitted(team)
    with pytest.raises(ValidationError) as error:
        decide(team, "sales_director", request, decision, comment)
    assert "comment" in error.value.message_dict
    assert fresh(team, request).status == "pending"
    assert statuses(team, request)[0] == "open"


def test_a_rejected_request_ends_and_tells_the_requester(team):
    request = submitted(team)
    decide(team, "sales_director", request)
    request = decide(team, "accountant", request, "reject", "发票抬头不对")
    assert request.status == "rejected" and request.finished_at is not None
    assert statuses(team, request) == [
        "approved",
        "rejected",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    assert team.events == [("rejected", request.pk)]
    told = notices("approvals.completed", team["sales_consultant"], request)
    assert len(told) == 1 and "发票抬头不对" in told[0].body_zh
    with pytest.raises(DecisionConflict, match="no longer waiting"):
        decide(team, "accountant", request)


def test_a_returned_request_is_changed_and_resubmitted_as_a_new_round(team):
    request = submitted(team)
    decide(team, "sales_director", request, comment="同意")
    request = decide(team, "accountant", request, "return", "请补充发票")
    assert request.status == "returned" and request.finished_at is None
    assert team.events == [("returned", request.pk)]
    assert len(notices("approvals.returned", team["sales_consultant"], request)) == 1
    assert statuses(team, request) == [
        "approved",
        "returned",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    # only the requester changes it
    with dealership_context(team.cast.a), pytest.raises((PermissionDenied, Http404)):
        services.request_update(actor=team["accountant"], request_id=request.pk, subject="x")
    with dealership_context(team.cast.a):
        services.request_update(
            actor=team["sales_consultant"], request_id=request.pk, subject="补充发票后的申请"
        )
    request = submit(team, request)
    assert request.status == "pending" and request.round == 2
    assert route(team, request) == CONSULTANT_ROUTE
    assert statuses(team, request) == ["open", "waiting", "waiting", "waiting", "waiting"]
    # round 1 and its decisions are kept
    first = steps(team, request, round=1)
    assert [s.status for s in first] == [
        "approved",
        "returned",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    kept = {(a.user.username, a.decision, a.comment) for s in first for a in approvers(team, s)}
    assert kept == {("sales_director", "approve", "同意"), ("accountant", "return", "请补充发票")}
    # the new round is decided afresh, from the first step
    with pytest.raises(DecisionConflict):
        decide(team, "accountant", request)
    request = _approve_through(
        team, request, ["sales_director", "accountant", "finance_manager", "deputy_gm", "gm"]
    )
    assert request.status == "approved" and request.subject == "补充发票后的申请"


def test_a_pending_request_cannot_be_changed(team):
    request = submitted(team)
    with dealership_context(team.cast.a), pytest.raises(ValidationError):
        services.request_update(
            actor=team["sales_consultant"], request_id=request.pk, amount=request.amount * 10
        )


def test_the_requester_withdraws_a_pending_request(team):
    request = submitted(team)
    decide(team, "sales_director", request)
    with dealership_context(team.cast.a), pytest.raises((PermissionDenied, Http404)):
        services.request_withdraw(actor=team["accountant"], request_id=request.pk)
    with dealership_context(team.cast.a):
        withdrawn = services.request_withdraw(actor=team["sales_consultant"], request_id=request.pk)
    assert withdrawn.status == "withdrawn"
    assert statuses(team, request) == [
        "approved",
        "cancelled",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    assert team.events == [("withdrawn", request.pk)]
    with pytest.raises(DecisionConflict):
        decide(team, "accountant", request)


def test_a_finished_request_cannot_be_withdrawn(team):
    request = _approve_through(
        team,
        submitted(team),
        ["sales_director", "accountant", "finance_manager", "deputy_gm", "gm"],
    )
    with dealership_context(team.cast.a), pytest.raises(DecisionConflict):
        services.request_withdraw(actor=team["sales_consultant"], request_id=request.pk)
    assert fresh(team, request).status == "approved"


# --- who may decide, and when -----------------------------------------------------------------


def test_someone_who_is_not_an_approver_is_refused(team):
    chain_update(team, [{"position": "accountant"}, {"position": "finance_manager"}])
    request = submitted(team)
    with pytest.raises(PermissionDenied):
        decide(team, "gm", request)  # the GM sees every request, but decides none of this one
    with pytest.raises(Http404):
        decide(team, "showroom_supervisor", request)  # own scope: not even seen
    assert statuses(team, request) == ["open", "waiting"]


def test_a_later_steps_approver_deciding_now_is_a_conflict(team):
    request = submitted(team)
    decide(team, "sales_director", request)
    # the GM decides the last step (and sees every request), but step 2 is open
    with pytest.raises(DecisionConflict, match="not open yet"):
        decide(team, "gm", request)


def test_the_second_holder_of_an_any_one_step_finds_it_decided(team):
    second = team.hire("accountant", "accountant2", "会计李姐")
    request = submitted(team)
    decide(team, "sales_director", request)
    assert approver_names(team, open_step(team, request)) == ["accountant", "accountant2"]
    decide(team, "accountant", request)
    with pytest.raises(DecisionConflict, match="already decided by 会计钱姐"):
        decide(team, second, request)
    decided = [a for a in approvers(team, steps(team, request)[1]) if a.decision]
    assert [a.user.username for a in decided] == ["accountant"]
    assert len(steps(team, request)) == 5
    assert open_step(team, request).order == 3


def test_an_approver_cannot_decide_the_same_step_twice(team):
    request = submitted(team)
    decide(team, "sales_director", request)
    with pytest.raises(DecisionConflict):
        decide(team, "sales_director", request)
    assert open_step(team, request).order == 2


def test_an_unknown_decision_is_refused(team):
    request = submitted(team)
    with pytest.raises(ValidationError) as error:
        decide(team, "sales_director", request, "maybe")
    assert "decision" in error.value.message_dict


# --- amount bands and N-of-M ------------------------------------------------------------------


def test_amount_bands_decide_which_steps_apply(team):
    chain_update(
        team,
        [
            {"position": "accountant", "max_amount": "5000"},
            {"position": "finance_manager", "min_amount": "5000"},
            {"position": "deputy_gm", "min_amount": "20000", "max_amount": "100000"},
            {"position": "gm"},
        ],
    )
    for amount, expected in [
        ("4999.99", [["accountant"], ["gm"]]),
        ("5000", [["finance_manager"], ["gm"]]),
        ("19999.99", [["finance_manager"], ["gm"]]),
        ("20000", [["finance_manager"], ["deputy_gm"], ["gm"]]),
        ("100000", [["finance_manager"], ["gm"]]),
    ]:
        request = submitted(team, amount=amount)
        assert route(team, request) == expected, amount


def test_a_chain_with_no_step_for_the_amount_refuses_to_submit(team):
    chain_update(team, [{"position": "accountant", "max_amount": "5000"}])
    request = create(team, amount="6000")
    with pytest.raises(ValidationError):
        submit(team, request)
    assert fresh(team, request).status == "draft"


def test_at_least_two_of_three_holders_must_approve(team):
    second = team.hire("accountant", "accountant2")
    third = team.hire("accountant", "accountant3")
    chain_update(
        team,
        [{"position": "accountant", "mode": "at_least", "required_count": 2}, {"position": "gm"}],
    )
    request = submitted(team)
    step = open_step(team, request)
    assert step.mode == "at_least" and step.required_count == 2
    assert approver_names(team, step) == ["accountant", "accountant2", "accountant3"]
    decide(team, "accountant", request)
    assert open_step(team, request).order == 1  # one of two
    decide(team, second, request)
    assert statuses(team, request) == ["approved", "open"]
    with pytest.raises(DecisionConflict):
        decide(team, third, request)


def test_approving_twice_on_an_at_least_step_says_it_is_already_decided(team):
    team.hire("accountant", "accountant2")
    chain_update(
        team,
        [{"position": "accountant", "mode": "at_least", "required_count": 2}, {"position": "gm"}],
    )
    request = submitted(team)
    decide(team, "accountant", request)
    with pytest.raises(DecisionConflict, match="already decided"):
        decide(team, "accountant", request)


def test_all_holders_must_approve_an_all_step(team):
    second = team.hire("accountant", "accountant2")
    third = team.hire("accountant", "accountant3")
    chain_update(team, [{"position": "accountant", "mode": "all"}, {"position": "gm"}])
    request = submitted(team)
    decide(team, "accountant", request)
    decide(team, second, request)
    assert statuses(team, request) == ["open", "waiting"]
    decide(team, third, request)
    assert statuses(team, request) == ["approved", "open"]


def test_one_rejection_ends_an_all_step(team):
    second = team.hire("accountant", "accountant2")
    chain_update(team, [{"position": "accountant", "mode": "all"}, {"position": "gm"}])
    request = submitted(team)
    decide(team, "accountant", request)
    request = decide(team, second, request, "reject", "不合规")
    assert request.status == "rejected"
    assert statuses(team, request) == ["rejected", "cancelled"]


# --- nobody approves their own request --------------------------------------------------------


def test_the_sales_directors_own_request_passes_up_to_the_gm(team):
    request = submitted(team, "sales_director")
    first = open_step(team, request)
    assert first.order == 1 and first.note == "passed_up"
    assert first.position_codes == ["gm"]
    assert approver_names(team, first) == ["user_a"]
    assert route(team, request)[1:] == CONSULTANT_ROUTE[1:]
    with pytest.raises(PermissionDenied):
        decide(team, "sales_director", request)


def test_the_gm_decides_each_of_their_two_steps_explicitly(team):
    request = submitted(team, "sales_director")
    request = decide(team, "gm", request)  # the passed-up department-head step
    assert statuses(team, request) == ["approved", "open", "waiting", "waiting", "waiting"]
    # the GM's first decision does not count for the last step
    request = _approve_through(team, request, ["accountant", "finance_manager", "deputy_gm"])
    last = open_step(team, request)
    assert last.order == 5 and "user_a" in approver_names(team, last)
    assert request.status == "pending"
    request = decide(team, "gm", request)
    assert request.status == "approved"
    decided = {a.user.username for s in steps(team, request) for a in approvers(team, s)}
    assert "user_a" in decided
    gm_rows = [
        a for s in steps(team, request) for a in approvers(team, s) if a.user.username == "user_a"
    ]
    assert [a.decision for a in gm_rows] == ["approve", "approve"]


def test_the_gms_own_request_skips_the_gm_only_step(team):
    request = submitted(team, "gm", kind=GM_ONLY)
    assert route(team, request) == [["accountant"], ["gm"]]
    request = decide(team, "accountant", request)
    assert request.status == "approved"
    last = steps(team, request)[1]
    assert last.status == "skipped" and last.note == "self_top"
    assert approvers(team, last) == []


def test_a_vacant_position_passes_up(team):
    chain_update(team, [{"position": "cashier"}, {"position": "gm"}])  # nobody is the cashier
    request = submitted(team)
    first = steps(team, request)[0]
    assert first.status == "open" and first.note == "passed_up"
    assert first.position_codes == ["finance_manager"]  # the cashier reports to finance


# --- notify-only steps ------------------------------------------------------------------------


def test_a_notify_only_step_informs_its_holders_and_moves_on(team):
    chain_update(
        team,
        [{"position": "accountant"}, {"position": "finance_manager", "notify_only": True}],
    )
    request = submitted(team)
    request = decide(team, "accountant", request)
    assert request.status == "approved"
    assert statuses(team, request) == ["approved", "informed"]
    assert len(notices("approvals.informed", team["finance_manager"], request)) == 1
    assert notices("approvals.step_waiting", team["finance_manager"], request) == []


def test_a_chain_of_only_notify_steps_is_refused(team):
    with pytest.raises(ValidationError) as error:
        chain_update(team, [{"position": "accountant", "notify_only": True}])
    assert "steps" in error.value.message_dict


# --- delegation -------------------------------------------------------------------------------


def _delegate(team: Team, who, to, start, end):
    with dealership_context(team.cast.a):
        return services.delegation_create(actor=team[who], delegate=to, start=start, end=end)


def test_a_delegate_decides_on_behalf_of_the_finance_manager(team):
    cashier = team.hire("cashier", "cashier", "出纳小刘")
    today = timezone.localdate()
    _delegate(team, "finance_manager", cashier, today - dt.timedelta(days=1), today)
    request = _approve_through(team, submitted(team), ["sales_director", "accountant"])
    (row,) = approvers(team, open_step(team, request))
    assert row.user == cashier and row.on_behalf_of == team["finance_manager"]
    with pytest.raises(Http404):  # not an approver of it any more: out of their own scope
        decide(team, "finance_manager", request)
    decide(team, cashier, request, comment="代孙姐审批")
    assert open_step(team, request).order == 4


def test_a_delegation_not_covering_today_changes_nothing(team):
    cashier = team.hire("cashier", "cashier")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _delegate(team, "finance_manager", cashier, tomorrow, tomorrow + dt.timedelta(days=3))
    request = _approve_through(team, submitted(team), ["sales_director", "accountant"])
    (row,) = approvers(team, open_step(team, request))
    assert row.user == team["finance_manager"] and row.on_behalf_of is None


def test_steps_already_open_are_not_moved_by_a_new_delegation(team):
    cashier = team.hire("cashier", "cashier")
    request = _approve_through(team, submitted(team), ["sales_director", "accountant"])
    today = timezone.localdate()
    _delegate(team, "finance_manager", cashier, today, today + dt.timedelta(days=2))
    (row,) = approvers(team, open_step(team, request))
    assert row.user == team["finance_manager"] and row.on_behalf_of is None
    decide(team, "finance_manager", request)
    assert open_step(team, request).order == 4


def test_a_delegation_needs_a_colleague_and_sensible_dates(team):
    cashier = team.hire("cashier", "cashier")
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        _delegate(team, "finance_manager", team["finance_manager"], today, today)
    assert "delegate" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _delegate(team, "finance_manager", cashier, today + dt.timedelta(days=3), today)
    assert "end" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _delegate(team, "finance_manager", team.cast.user_c, today, today)  # works in C
    assert "delegate" in error.value.message_dict
    _delegate(team, "finance_manager", cashier, today, today + dt.timedelta(days=5))
    with pytest.raises(ValidationError) as error:
        _delegate(
            team,
            "finance_manager",
            team["accountant"],
            today + dt.timedelta(days=5),
            today + dt.timedelta(days=9),
        )
    assert "start" in error.value.message_dict
    with dealership_context(team.cast.a):
        assert Delegation.objects.filter(delegator=team["finance_manager"]).count() == 1


# --- deadlines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (dt.datetime(2026, 1, 9, 10, 30), 1, dt.datetime(2026, 1, 12, 10, 30)),  # Fri → Mon
        (dt.datetime(2026, 1, 12, 10, 30), 2, dt.datetime(2026, 1, 14, 10, 30)),
        (dt.datetime(2026, 9, 30, 16, 0), 1, dt.datetime(2026, 10, 8, 16, 0)),  # National Day
        (dt.datetime(2026, 10, 9, 9, 0), 1, dt.datetime(2026, 10, 10, 9, 0)),  # make-up Saturday
    ],
)
def test_due_times_skip_mainland_non_working_days(start, days, due):
    start, due = start.replace(tzinfo=SHANGHAI), due.replace(tzinfo=SHANGHAI)
    assert add_working_days(start, days) == due


def test_an_open_step_is_due_after_the_chains_working_days(team):
    chain_update(team, [{"position": "accountant"}], due_working_days=2)
    step = open_step(team, submitted(team))
    opened = step.opened_at.astimezone(SHANGHAI)
    assert step.due_at == add_working_days(opened, 2)


def _check(team: Team, now):
    with dealership_context(team.cast.a):
        return services.deadlines_check(dealership=team.cast.a, now=now)


def test_a_reminder_before_the_due_time_is_sent_once(team):
    request = _approve_through(team, submitted(team), ["sales_director"])
    step = open_step(team, request)
    _check(team, step.due_at - dt.timedelta(hours=2))
    _check(team, step.due_at - dt.timedelta(hours=1))
    assert len(notices("approvals.reminder", team["accountant"], request)) == 1
    assert len(notices("approvals.reminder")) == 1
    assert notices("approvals.escalated") == []


def test_no_reminder_long_before_the_due_time(team):
    chain_update(team, [{"position": "accountant"}], due_working_days=5)
    step = open_step(team, submitted(team))
    _check(team, step.opened_at)
    assert notices("approvals.reminder") == []


def test_an_overdue_step_escalates_once_to_the_approvers_manager(team):
    request = _approve_through(team, submitted(team), ["sales_director"])
    step = open_step(team, request)
    assert step.position_codes == ["accountant"]  # who reports to the finance manager
    late = step.due_at + dt.timedelta(minutes=5)
    _check(team, late)
    _check(team, late + dt.timedelta(hours=3))
    rows = approvers(team, step)
    assert [(a.user.username, a.escalated) for a in rows] == [
        ("accountant", False),
        ("finance_manager", True),
    ]
    assert len(notices("approvals.escalated")) == 1
    assert len(notices("approvals.escalated", team["finance_manager"], request)) == 1
    assert len(notices("approvals.reminder", team["accountant"], request)) == 1
    # the manager's approval completes the step (then their own step opens)
    decide(team, "finance_manager", request, comment="代为审批")
    assert statuses(team, request)[:3] == ["approved", "approved", "open"]
    escalated = [a for a in approvers(team, steps(team, request)[1]) if a.escalated]
    assert escalated[0].decision == "approve"


def test_the_overdue_approver_may_still_decide_after_escalation(team):
    request = _approve_through(team, submitted(team), ["sales_director"])
    step = open_step(team, request)
    _check(team, step.due_at + dt.timedelta(minutes=5))
    decide(team, "accountant", request)
    assert statuses(team, request)[:3] == ["approved", "approved", "open"]
    escalated = [a for a in approvers(team, steps(team, request)[1]) if a.escalated]
    assert [(a.user.username, a.decision) for a in escalated] == [("finance_manager", "")]
    assert approver_names(team, open_step(team, request)) == ["finance_manager"]


# --- chains -----------------------------------------------------------------------------------


def test_editing_a_chain_changes_only_future_requests(team):
    running = submitted(team)
    chain_update(team, [{"position": "finance_manager"}, {"position": "gm"}])
    assert route(team, running) == CONSULTANT_ROUTE
    running = _approve_through(
        team, running, ["sales_director", "accountant", "finance_manager", "deputy_gm", "gm"]
    )
    assert running.status == "approved"
    later = submitted(team)
    assert route(team, later) == [["finance_manager"], ["gm"]]


def test_a_chain_is_edited_only_by_the_gm_office(team):
    with pytest.raises((PermissionDenied, Http404)):
        chain_update(team, [{"position": "gm"}], actor=team["sales_consultant"])
    with pytest.raises((PermissionDenied, Http404)):
        chain_update(team, [{"position": "gm"}], actor=team["finance_manager"])
    assert len(route(team, submitted(team))) == 5


def test_a_chain_refuses_another_dealerships_position_and_bad_bands(team):
    with dealership_context(team.cast.c):
        foreign = type(position(team, "gm")).objects.get(code="gm")
    chain = team.chain()
    with dealership_context(team.cast.a), pytest.raises(ValidationError):
        services.chain_update(
            actor=team.cast.user_a,
            chain_id=chain.pk,
            steps=[{"approver_type": "position", "position": foreign, "mode": "any"}],
        )
    with pytest.raises(ValidationError):
        chain_update(team, [{"position": "gm", "min_amount": "500", "max_amount": "100"}])
    with pytest.raises(ValidationError):
        chain_update(team, [{"position": "gm"}], due_working_days=0)


def test_a_position_used_by_a_chain_cannot_be_deleted(team):
    chain_update(team, [{"position": "accountant"}, {"position": "cashier"}])
    cashier = position(team, "cashier")
    with dealership_context(team.cast.a), pytest.raises(ValidationError, match="测试付款"):
        org_services.position_delete(actor=team.cast.user_a, position_id=cashier.pk)
    chain_update(team, [{"position": "accountant"}])  # no longer used: it may go
    with dealership_context(team.cast.a):
        org_services.position_delete(actor=team.cast.user_a, position_id=cashier.pk)
        assert not type(cashier).objects.filter(pk=cashier.pk).exists()


def test_seeding_chains_is_idempotent_and_keeps_edits(team):
    chain_update(team, [{"position": "gm"}])
    with dealership_context(team.cast.a):
        services.chains_seed(team.cast.a)
        assert team.chain().steps.count() == 1


# --- attachments ------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path  # read by the storage on every use
    return tmp_path


def _attach(team: Team, request, name, content, content_type="application/octet-stream"):
    with dealership_context(team.cast.a):
        return services.attachment_add(
            actor=request.requester,
            request_id=request.pk,
            file=SimpleUploadedFile(name, content, content_type=content_type),
            purpose="invoice",
        )


def test_a_text_file_named_like_a_pdf_is_refused(team, private_files):
    request = create(team)
    with pytest.raises(ValidationError) as error:
        _attach(team, request, "invoice.pdf", b"just some text\n", "application/pdf")
    assert "file" in error.value.message_dict
    assert not any(p.is_file() for p in private_files.rglob("*"))  # nothing kept on disk


def test_a_file_over_the_size_limit_is_refused(team, private_files, settings):
    settings.ATTACHMENT_MAX_MB = 1
    request = create(team)
    with pytest.raises(ValidationError) as error:
        _attach(team, request, "big.png", PNG + b"\x00" * (1024 * 1024), "image/png")
    assert "file" in error.value.message_dict
    _attach(team, request, "ok.png", PNG + b"\x00" * (1024 * 1024 - 200), "image/png")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("invoice.png", PNG, "image/png"), ("invoice.pdf", PDF, "application/pdf")],
)
def test_a_real_png_or_pdf_is_kept_privately(team, private_files, name, content, content_type):
    request = create(team)
    attachment = _attach(team, request, name, content)
    assert attachment.content_type == content_type and attachment.size == len(content)
    assert attachment.name == name
    stored = private_files / attachment.file.name
    assert stored.read_bytes() == content


def test_attachments_only_on_ones_own_editable_request(team, private_files):
    request = submitted(team)
    with pytest.raises(ValidationError):
        _attach(team, request, "invoice.png", PNG)
    with dealership_context(team.cast.a), pytest.raises((PermissionDenied, Http404)):
        services.attachment_add(
            actor=team["sales_director"],
            request_id=request.pk,
            file=SimpleUploadedFile("x.png", PNG),
            purpose="invoice",
        )


def test_decisions_are_recorded_with_time_and_comment(team):
    request = submitted(team)
    before = timezone.now()
    decide(team, "sales_director", request, comment="同意，尽快付款")
    (row,) = approvers(team, steps(team, request)[0])
    assert row.decision == StepApprover.Decision.APPROVE
    assert row.comment == "同意，尽快付款" and row.decided_at >= before
    first = steps(team, request)[0]
    assert first.closed_at is not None and first.status == ApprovalStep.Status.APPROVED


def test_a_read_only_scope_never_decides_even_if_it_could_see_the_request(team, monkeypatch):
    """The service itself refuses a decision in HQ's read-only scope, whatever the caller saw
    (the pages and the API refuse earlier; this is the last line)."""
    from dealership.tenancy.context import TenantScope, tenant_context

    request = submitted(team)
    head = team.people["sales_director"]
    hq_scope = TenantScope.for_group(team.cast.group1.pk, [team.cast.a.pk, team.cast.b.pk])
    monkeypatch.setattr(services, "get_object_for_user", lambda *a, **k: fresh(team, request))
    with tenant_context(hq_scope), pytest.raises(PermissionDenied):
        services.request_decide(actor=head, request_id=request.pk, decision="approve")
    assert statuses(team, request)[0] == "open"
