"""Two people deciding at the same moment, on PostgreSQL, each on their own connection: the
request row lock lets exactly one win; the other gets a conflict and nothing happens twice."""

from __future__ import annotations

import pytest

from dealership.tenancy import dealership_context
from org.approvals import services
from org.approvals.models import StepApprover
from tests.concurrency import race
from tests.org import approval_fixtures
from tests.org.approval_fixtures import (
    chain_update,
    decide,
    fresh,
    notices,
    statuses,
    steps,
    submitted,
)

# the shared fixtures (a test-only kind of request, dealership A staffed)
events, kinds, team = approval_fixtures.events, approval_fixtures.kinds, approval_fixtures.team

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_holders_deciding_at_once_one_wins(team):
    second = team.hire("accountant", "accountant2", "会计李姐")
    for attempt in range(3):
        request = submitted(team, subject=f"并发 {attempt}")
        decide(team, "sales_director", request)

        def approve(user, request=request):
            return services.request_decide(
                actor=user, request_id=request.pk, decision="approve", comment=""
            )

        outcomes = race(
            team.cast.a,
            lambda: approve(team["accountant"]),
            lambda: approve(second),
        )
        errors = [error for _result, error in outcomes if error is not None]
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], services.DecisionConflict), errors[0]
        winner = "会计钱姐" if outcomes[0][1] is None else "会计李姐"
        assert f"already decided by {winner}" in str(errors[0])
        with dealership_context(team.cast.a):
            step = steps(team, request)[1]
            decided = StepApprover.objects.filter(step=step).exclude(decision="")
            assert decided.count() == 1
        assert statuses(team, request) == ["approved", "approved", "open", "waiting", "waiting"]
        with dealership_context(team.cast.a):
            assert StepApprover.objects.filter(step=steps(team, request)[2]).count() == 1
        told = notices("approvals.step_waiting", team["finance_manager"], request)
        assert len(told) == 1


def test_approving_the_last_step_while_the_requester_withdraws_one_wins(team):
    chain_update(team, [{"position": "accountant"}])
    for attempt in range(3):
        team.events.clear()
        request = submitted(team, subject=f"撤回 {attempt}")
        outcomes = race(
            team.cast.a,
            lambda request=request: services.request_decide(
                actor=team["accountant"], request_id=request.pk, decision="approve"
            ),
            lambda request=request: services.request_withdraw(
                actor=team["sales_consultant"], request_id=request.pk
            ),
        )
        (approved, approve_error), (withdrawn, withdraw_error) = outcomes
        assert (approve_error is None) != (withdraw_error is None), outcomes
        error = approve_error or withdraw_error
        assert isinstance(error, services.DecisionConflict), error
        final = fresh(team, request).status
        if approve_error is None:
            assert approved.status == final == "approved"
            assert team.events == [("approved", request.pk)]
            assert statuses(team, request) == ["approved"]
        else:
            assert withdrawn.status == final == "withdrawn"
            assert team.events == [("withdrawn", request.pk)]
            assert statuses(team, request) == ["cancelled"]
            with dealership_context(team.cast.a):
                assert (
                    not StepApprover.objects.filter(step__request=request)
                    .exclude(decision="")
                    .exists()
                )
