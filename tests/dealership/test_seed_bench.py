"""``manage.py seed_bench`` (issue #15) at the tiny scale: every bench dealership gets the rows
asked for, each row refers only to its own dealership's rows, the four bench logins sign in and
see rows of their scope, approvals exist in every state, and a second run adds nothing."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from dealership.bench import SCALES
from dealership.models import Dealership
from dealership.tenancy import dealership_context, system_context
from finance.kinds import FINANCE_KINDS

pytestmark = pytest.mark.django_db

TINY = SCALES["tiny"]
MONTH = "2026-10"


def _seed(dealerships: int = 2) -> dict:
    out = io.StringIO()
    call_command(
        "seed_bench", dealerships=dealerships, scale="tiny", month=MONTH, json=True, stdout=out
    )
    return json.loads(out.getvalue())


def _counts(dealership) -> dict[str, int]:
    from aftersales.models import RepairOrder
    from crm.models import Customer, CustomerEvent, FollowUp
    from finance.models import Payment
    from org.approvals.models import ApprovalRequest, ApprovalStep, StepApprover
    from org.models import StaffMember
    from sales.models import Delivery, Lead

    with dealership_context(dealership):
        return {
            "staff": StaffMember.objects.count(),
            "customers": Customer.objects.count(),
            "leads": Lead.objects.count(),
            "deliveries": Delivery.objects.count(),
            "repair orders": RepairOrder.objects.filter(status="closed").count(),
            "events": CustomerEvent.objects.count(),
            "follow-ups": FollowUp.objects.count(),
            "requests": ApprovalRequest.objects.count(),
            "steps": ApprovalStep.objects.count(),
            "approvers": StepApprover.objects.count(),
            "payments": Payment.objects.count(),
        }


@pytest.fixture
def bench():
    return _seed()


def test_each_dealership_gets_its_month_and_a_second_run_adds_nothing(bench):
    assert bench["dealerships"] == 2
    with system_context():
        dealerships = list(Dealership.objects.filter(code__startswith="bench-").order_by("code"))
    assert [d.code for d in dealerships] == ["bench-001", "bench-002"]
    first, second = (_counts(d) for d in dealerships)
    assert first["deliveries"] == TINY.deliveries
    assert first["repair orders"] == TINY.repair_orders + TINY.earlier_repair_orders
    assert first["follow-ups"] == first["events"] == TINY.followups
    assert first["staff"] > 50
    assert first["requests"] >= TINY.finance_requests
    assert first["payments"] > 0 and first["approvers"] > 0
    assert second == first  # the copy has the same month, in rows of its own

    # every reference inside its dealership: the composite (dealership, id) foreign keys,
    # deferred until now, are checked
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    again = _seed()
    assert again["logins"] == bench["logins"]
    assert [_counts(d) for d in dealerships] == [first, second]


def test_approvals_exist_in_every_state_and_copies_name_their_own_positions(bench):
    from org.approvals.models import ApprovalRequest, ApprovalStep
    from org.models import Position

    with system_context():
        second = Dealership.objects.get(code="bench-002")
    for code in ("bench-001", "bench-002"):
        with system_context():
            dealership = Dealership.objects.get(code=code)
        with dealership_context(dealership):
            states = set(ApprovalRequest.objects.values_list("status", flat=True))
            assert states == set(ApprovalRequest.Status.values)
            step_states = set(ApprovalStep.objects.values_list("status", flat=True))
            assert {"open", "approved", "rejected", "returned", "cancelled"} <= step_states
            # pending requests wait at different steps of their chains
            waiting_at = set(
                ApprovalStep.objects.filter(status="open").values_list("order", flat=True)
            )
            assert len(waiting_at) > 1
            # a pending request has an open step with someone to decide it
            pending = ApprovalRequest.objects.filter(status="pending").first()
            open_step = pending.steps.get(status="open")
            assert open_step.approvers.filter(decision="").exists()
            assert not pending.steps.filter(approvers__user=pending.requester_id).exists()
    with dealership_context(second):
        own = set(Position.objects.values_list("pk", flat=True))
        for request in ApprovalRequest.objects.filter(round__gt=0):
            ids = {s["position_id"] for s in request.chain_snapshot["steps"]} - {None}
            assert ids <= own


def _links(model, url_name, **filters) -> set[str]:
    with system_context():
        dealership = Dealership.objects.get(code="bench-001")
    with dealership_context(dealership):
        pks = model.objects.filter(**filters).values_list("pk", flat=True)
        return {reverse(url_name, kwargs={"pk": pk}) for pk in pks}


@pytest.mark.parametrize("persona", ["own", "department", "gm", "hq"])
def test_the_bench_logins_sign_in_and_see_rows_of_their_scope(bench, client, persona):
    from dealership.models import User
    from sales.models import Lead

    login = next(x for x in bench["logins"] if x["persona"] == persona)
    assert login["password"] == "bench-password"
    assert login["dealership"] == "bench-001"
    assert client.login(username=login["username"], password=login["password"])
    with system_context():
        user = User.objects.get(username=login["username"])
    page = client.get(reverse("sales:lead_list") + "?page_size=200").content.decode()
    mine = _links(Lead, "sales:lead_detail", consultant=user)
    others = _links(Lead, "sales:lead_detail") - mine
    shown = {link for link in mine | others if f'href="{link}"' in page}
    if persona == "own":  # a consultant sees their own leads, and only those
        assert mine and shown == mine
    else:  # the sales manager sees the floor's, the GM and HQ the dealership's
        assert len(shown & others) > 1
    if persona != "hq":  # HQ does not read finance requests; the others see some of theirs
        seen = 0
        for kind in FINANCE_KINDS.values():
            name = kind.model._meta.model_name
            page = client.get(reverse(f"finance:{name}_list")).content.decode()
            links = _links(kind.model, f"finance:{name}_detail")
            seen += sum(f'href="{link}"' in page for link in links)
        assert seen > 0


def test_only_the_bench_logins_have_usable_passwords(bench):
    from dealership.models import User
    from org.models import PositionAssignment

    with system_context():
        usable = {
            u.username
            for u in User.objects.filter(username__startswith="bench")
            if u.has_usable_password()
        }
        dealership = Dealership.objects.get(code="bench-001")
    assert usable == {login["username"] for login in bench["logins"]}
    # a dealership added later is a copy of dealership 1, bench logins included: not usable
    _seed(dealerships=3)
    with system_context():
        again = {
            u.username
            for u in User.objects.filter(memberships__dealership__code="bench-003")
            if u.has_usable_password()
        }
        copied = User.objects.filter(memberships__dealership__code="bench-003").count()
    assert again == set() and copied > 50
    with dealership_context(dealership):
        held = dict(
            PositionAssignment.objects.filter(staff__user__username__in=usable).values_list(
                "staff__user__username", "position__code"
            )
        )
    assert held == {
        "bench_consultant": "sales_consultant",
        "bench_manager": "sales_manager",
        "bench_gm": "gm",
    }


def test_the_personas_data_scopes_are_those_of_their_positions(bench):
    from org.capabilities import DataScope
    from org.models import PositionCapability
    from sales.models import Lead

    with system_context():
        dealership = Dealership.objects.get(code="bench-001")
    with dealership_context(dealership):
        scopes = dict(
            PositionCapability.objects.filter(
                capability="sales.view_prospect",
                position__assignments__staff__user__username__in=[
                    "bench_consultant",
                    "bench_manager",
                ],
            ).values_list("position__assignments__staff__user__username", "scope")
        )
        open_leads = Lead.objects.filter(
            consultant__username="bench_consultant", stage__in=["new", "contacted", "test_drive"]
        )
        assert open_leads.exists()  # a pipeline to work, beside the month's deliveries
    assert scopes == {"bench_consultant": DataScope.OWN, "bench_manager": DataScope.DEPARTMENT}


def test_the_statistics_are_refreshed_after_seeding_and_only_then():
    """After a bulk load the planner needs the tables' statistics (where autovacuum is off it
    would take the bench's million rows for none): seeding ends with ANALYZE on PostgreSQL; a
    run that seeds nothing new does not."""
    from django.test.utils import CaptureQueriesContext

    analyzed = "ANALYZE" if connection.vendor == "postgresql" else None
    with CaptureQueriesContext(connection) as first:
        _seed(dealerships=1)
    with CaptureQueriesContext(connection) as again:
        _seed(dealerships=1)
    ran = [q["sql"] for q in first.captured_queries if q["sql"] == "ANALYZE"]
    assert ran == ([analyzed] if analyzed else [])
    assert not [q for q in again.captured_queries if q["sql"] == "ANALYZE"]


def test_the_copies_rows_interleave_by_age_as_in_a_real_database():
    """The copies of one source row sit side by side (ids), so the dealerships' rows interleave
    by age: a newest-first list of one dealership does not read every other dealership's month
    before its own. Each copy still has all its rows, each referring to its own."""
    from crm.models import Customer, FollowUp

    _seed(dealerships=3)
    with system_context():
        codes = dict(Dealership.objects.filter(code__startswith="bench-").values_list("pk", "code"))
        source, *copies = sorted(codes, key=codes.get)
        for model in (Customer, FollowUp):
            rows = list(
                model._base_manager.filter(dealership__in=copies)
                .order_by("pk")
                .values_list("dealership_id", flat=True)
            )
            assert rows[: 2 * 3] == copies * 3, model  # one of each, then again
            assert rows.count(copies[0]) == rows.count(copies[1])
            assert rows.count(copies[0]) == model._base_manager.filter(dealership=source).count()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
