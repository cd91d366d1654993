"""The reports of #18 kept by the sales department: the sales plan and results (monthly, to the
OEM), the vehicle-allocation request (monthly, to the OEM) and the customer information survey
of each half month (15th and 30th, through the approval chain): declarations, data, another
dealership's rows never counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.models import Source
from dealership.actors import SYSTEM
from dealership.reports.periods import Period
from dealership.reports.registry import get_report
from dealership.tenancy import dealership_context
from sales import reports
from sales.models import (
    AllocationLine,
    AllocationRequest,
    PlanState,
    SalesPlan,
    SalesPlanLine,
    Stage,
    Visit,
    VisitKind,
)
from tests.reports.oem_tables import oem_runner
from tests.sales.conftest import make_lead
from tests.sales.test_plans_sheet import delivery, order

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def gather(code, dealership, key):
    report = get_report(code)
    with dealership_context(dealership):
        return report.gather(SYSTEM, Period.from_key(report.period, key))


def figures(content) -> dict:
    return {str(label): value for label, value, _kind in content.figures}


def table(content, title) -> list[list]:
    found = [t for t in content.tables if str(t.title) == str(title)]
    assert len(found) == 1
    return found[0].rows


def test_the_declarations(cast):
    plan = get_report(reports.SALES_PLAN_RESULTS)
    assert plan.oem and plan.period == "month" and not plan.approval
    due = plan.due_at(Period.from_key("month", "2026-09"), cast.a)
    assert (due.date(), due.hour) == (dt.date(2026, 10, 8), 17)
    allocation = get_report(reports.ALLOCATION_REQUEST)
    assert allocation.oem and allocation.covers == "current"
    assert allocation.due_at(Period.from_key("month", "2026-09"), cast.a).date() == D("2026-09-25")
    survey = get_report(reports.CUSTOMER_SURVEY)
    assert survey.approval and not survey.oem and survey.period == "half_month"
    due = survey.due_at(Period.from_key("half_month", "2026-09-H1"), cast.a)
    assert (due.date(), due.hour) == (D("2026-09-15"), 17)
    due = survey.due_at(Period.from_key("half_month", "2026-09-H2"), cast.a)
    assert due.date() == D("2026-09-30")


def _plan(dealership, user, start, lines, state=PlanState.APPROVED):
    with dealership_context(dealership):
        plan = SalesPlan.objects.create(
            dealership=dealership, period="month", starts_on=start, state=state, created_by=user
        )
        for model, units, revenue in lines:
            SalesPlanLine.objects.create(
                dealership=dealership, plan=plan, model=model, units=units, revenue=revenue
            )
    return plan


def test_plan_and_results(cast, staff, settings, tmp_path, monkeypatch):
    _plan(cast.a, staff.sales_manager, D("2026-09-01"), [("K5", 10, Decimal("1700000"))])
    _plan(cast.a, staff.sales_manager, D("2026-10-01"), [("K5", 12, Decimal("2040000"))])
    _plan(cast.b, cast.user_b, D("2026-09-01"), [("K5", 99, Decimal("1"))])
    delivery(cast.a, staff.consultant, D("2026-09-10"), model="K5")
    delivery(cast.a, staff.consultant, D("2026-09-20"), model="K3")
    order(cast.a, staff.consultant, D("2026-09-12"), model="K5")
    delivery(cast.b, cast.user_b, D("2026-09-10"), model="K5")
    content = gather(reports.SALES_PLAN_RESULTS, cast.a, "2026-09")
    found = figures(content)
    assert found[str(reports.PLANNED_UNITS)] == 10 and found[str(reports.DELIVERIES)] == 2
    assert found[str(reports.ACHIEVED)] == Decimal("0.2000")
    rows = table(content, reports.PLAN_BY_MODEL)
    assert [row[:5] for row in rows] == [["K5", 10, Decimal("1700000"), 1, 1], ["K3", 0, 0, 0, 1]]
    assert table(content, reports.NEXT_PLAN) == [["K5", 12, Decimal("2040000")]]
    # a month without an approved plan still shows its results, with a note
    assert gather(reports.SALES_PLAN_RESULTS, cast.a, "2026-08").note
    # run as the scheduler does: a workbook and an OEM submission
    book = oem_runner(settings, tmp_path, monkeypatch)(
        reports.SALES_PLAN_RESULTS, cast.a, "2026-09"
    )
    assert book.figure(reports.PLANNED_UNITS) == 10


def test_allocation_request(cast, staff):
    with dealership_context(cast.a):
        request = AllocationRequest.objects.create(dealership=cast.a, month=D("2026-10-01"))
        AllocationLine.objects.create(
            dealership=cast.a,
            request=request,
            model="K5",
            trim="豪华版",
            colour="白",
            open_orders=3,
            in_stock=1,
            in_transit=1,
            quantity=6,
        )
    content = gather(reports.ALLOCATION_REQUEST, cast.a, "2026-09")
    assert figures(content)[str(reports.QUANTITY_ASKED)] == 6
    assert table(content, reports.ALLOCATION_LINES) == [["K5", "豪华版", "白", 3, 1, 1, 6]]
    other = gather(reports.ALLOCATION_REQUEST, cast.b, "2026-09")
    assert figures(other)[str(reports.QUANTITY_ASKED)] == 0 and other.note


def _visit(dealership, consultant, when, **fields):
    with dealership_context(dealership):
        return Visit.objects.create(
            dealership=dealership, consultant=consultant, visited_at=when, **fields
        )


def test_customer_survey_of_the_half_month(cast, staff):
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    at = lambda day: dt.datetime.combine(D(day), dt.time(10), tzinfo=zone)  # noqa: E731
    ordered = make_lead(cast.a, staff.consultant, stage=Stage.ORDER)
    lost = make_lead(cast.a, staff.consultant, stage=Stage.LOST)
    _visit(
        cast.a,
        staff.consultant,
        at("2026-09-02"),
        source=Source.WALK_IN,
        intent="H",
        models_of_interest="K5、Sportage",
        lead=ordered,
    )
    _visit(
        cast.a,
        staff.consultant,
        at("2026-09-10"),
        kind=VisitKind.PHONE_IN,
        source=Source.AUTOHOME,
        intent="B",
        models_of_interest="K5",
        lead=lost,
        first_visit=False,
    )
    _visit(cast.a, staff.consultant2, at("2026-09-15"), source=Source.WALK_IN, intent="C")
    _visit(cast.a, staff.consultant, at("2026-09-16"), source=Source.WALK_IN)  # second half
    _visit(cast.b, cast.user_b, at("2026-09-03"), source=Source.WALK_IN)
    content = gather(reports.CUSTOMER_SURVEY, cast.a, "2026-09-H1")
    found = figures(content)
    assert found[str(reports.VISITS)] == 3
    assert (found[str(reports.WALK_INS)], found[str(reports.PHONE_INS)]) == (2, 1)
    assert (found[str(reports.FIRST_VISITS)], found[str(reports.LEADS_OPENED)]) == (2, 2)
    models = {row[0]: row[1] for row in table(content, reports.VISIT_BY_MODEL)}
    assert models["K5"] == 2 and models["Sportage"] == 1
    results = [row[1] for row in table(content, reports.VISIT_BY_RESULT)]
    assert results == [1, 0, 1, 1]  # no lead, being worked, ordered, lost
    intents = [row[1] for row in table(content, reports.VISIT_BY_INTENT)]
    assert sum(intents) == 3
