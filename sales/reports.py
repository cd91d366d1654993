"""The sales department's reports (discovered at start-up by the report framework): the monthly
submissions to the car maker due on the first working day of the month by 17:00 — the
purchased-customer analysis (已购车用户分析表), the dealer stock (店头库存表) and the sales plan
and results (销售计划及完成情况) — the vehicle-allocation request (商品车资源申报) on the 25th for
next month, and the customer information survey (来店来电客户信息调查分析) of each half month on
the 15th and the 30th, which passes its approval chain before it counts as submitted. Their
data come from :mod:`sales.selectors.reports` and :mod:`sales.selectors.salesplans`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import CustomerKind, Source
from dealership.jobs import MonthDays, Monthly
from dealership.reports import (
    CURRENT,
    DECIMAL,
    HALF_MONTH,
    INT,
    MONEY,
    MONTH,
    PERCENT,
    TEXT,
    Column,
    ReportContent,
    Table,
)
from dealership.reports.registry import register_report
from sales.selectors.reports import StockLine, purchased_customers, stock_at

PURCHASED_CUSTOMERS = "sales.purchased_customers"
DEALER_STOCK = "sales.dealer_stock"
FIRST_WORKING_DAY_17 = Monthly(day=0, at=dt.time(17, 0))
OWNERS = ("sales_manager", "sales_director")

# labels (also read by the tests, rendered in the report's language)
DELIVERIES = _("Deliveries")
SHARE = pgettext_lazy("part of a total", "Share")
BY_MODEL = _("By model")
BY_KIND = _("By customer type")
BY_SOURCE = _("By source channel")
BY_REGION = _("By region")
NOT_RECORDED = _("(not recorded)")
COMPANIES = _("Bought by companies")
COMPANY_SHARE = _("Share of companies")


def share(part: int, total: int) -> Decimal | None:
    """``part`` of ``total`` as a fraction with four places (None of nothing)."""
    if not total:
        return None
    return (Decimal(part) / Decimal(total)).quantize(Decimal("0.0001"))


def _ranked(counter: Counter) -> list[tuple]:
    """Largest first, then by name."""
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or str(NOT_RECORDED)


@register_report(
    PURCHASED_CUSTOMERS,
    _("Purchased-customer analysis"),
    period=MONTH,
    due=FIRST_WORKING_DAY_17,
    department="sales",
    owners=OWNERS,
    oem=True,
    description=_(
        "The month's deliveries by model, customer type, source channel and region, with "
        "their shares."
    ),
    order=420,
)
def purchased_customers_report(actor, period) -> ReportContent:
    data = purchased_customers(actor, period.start, period.end)
    total = data.total

    def table(title, key_columns, rows):
        return Table(
            title,
            [*key_columns, Column(DELIVERIES, INT), Column(SHARE, PERCENT)],
            rows=[[*keys, n, share(n, total)] for keys, n in rows],
            keys=len(key_columns),
            totals=True,
        )

    companies = data.kinds.get(CustomerKind.COMPANY.value, 0)
    return ReportContent(
        figures=[
            (DELIVERIES, total, INT),
            (COMPANIES, companies, INT),
            (COMPANY_SHARE, share(companies, total), PERCENT),
        ],
        tables=[
            table(
                BY_MODEL,
                [Column(_("Model"), TEXT)],
                [((model or str(NOT_RECORDED),), n) for model, n in _ranked(data.models)],
            ),
            table(
                BY_KIND,
                [Column(_("Customer type"), TEXT)],
                [
                    ((_label(CustomerKind, kind),), data.kinds.get(kind, 0))
                    for kind in CustomerKind.values
                ],
            ),
            table(
                BY_SOURCE,
                [Column(_("Source channel"), TEXT)],
                [((_label(Source, source),), n) for source, n in _ranked(data.sources)],
            ),
            table(
                BY_REGION,
                [Column(_("City"), TEXT), Column(_("District"), TEXT)],
                [
                    ((city or str(NOT_RECORDED), district or str(NOT_RECORDED)), n)
                    for (city, district), n in _ranked(data.regions)
                ],
            ),
        ],
        note="" if total else _("No car was delivered this month."),
    )


# --- dealer stock -------------------------------------------------------------------------------

IN_STOCK = _("Units in stock")
IN_TRANSIT = _("In transit")
AVERAGE_AGE = _("Average age (days)")
OVER_90 = _("Over 90 days")
STOCK_VALUE = _("Stock value at cost")
STOCK_BY_MODEL = _("Stock by model")
STOCK_BY_VERSION = _("Stock by model, trim and colour")
BANDS = (
    ("0-30", _("0–30 days")),
    ("31-60", _("31–60 days")),
    ("61-90", _("61–90 days")),
    ("90+", OVER_90),
)


def _stock_columns(keys: list[Column]) -> list[Column]:
    return [
        *keys,
        Column(IN_STOCK, INT),
        *(Column(label, INT) for _code, label in BANDS),
        Column(AVERAGE_AGE, DECIMAL, sum=False),
        Column(STOCK_VALUE, MONEY),
        Column(IN_TRANSIT, INT),
    ]


def _stock_numbers(line: StockLine) -> list:
    return [
        line.in_stock,
        *(line.band(code) for code, _label in BANDS),
        line.average_age,
        line.cost,
        line.in_transit,
    ]


@register_report(
    DEALER_STOCK,
    _("Dealer stock"),
    period=MONTH,
    due=FIRST_WORKING_DAY_17,
    department="sales",
    owners=OWNERS,
    oem=True,
    description=_(
        "New cars at the dealership at the end of the month by model, trim and colour, by age "
        "since arrival (0–30, 31–60, 61–90, over 90 days), and the cars in transit."
    ),
    order=430,
)
def dealer_stock_report(actor, period) -> ReportContent:
    lines = stock_at(actor, period.end)
    models: dict[str, StockLine] = {}
    total = StockLine("", "", "")
    for line in lines:
        models.setdefault(line.model, StockLine(line.model, "", "")).add(line)
        total.add(line)
    dash = "—"
    return ReportContent(
        figures=[
            (IN_STOCK, total.in_stock, INT),
            (OVER_90, total.band("90+"), INT),
            (AVERAGE_AGE, total.average_age, DECIMAL),
            (STOCK_VALUE, total.cost, MONEY),
            (IN_TRANSIT, total.in_transit, INT),
        ],
        tables=[
            Table(
                STOCK_BY_MODEL,
                _stock_columns([Column(_("Model"), TEXT)]),
                rows=[[model, *_stock_numbers(line)] for model, line in models.items()],
                totals=True,
            ),
            Table(
                STOCK_BY_VERSION,
                _stock_columns(
                    [Column(_("Model"), TEXT), Column(_("Trim"), TEXT), Column(_("Colour"), TEXT)]
                ),
                rows=[
                    [line.model, line.trim or dash, line.colour or dash, *_stock_numbers(line)]
                    for line in lines
                ],
                keys=3,
                totals=True,
                note=_(
                    "Age: days from the arrival to the end of the month. Cars promised to an "
                    "order count until they are handed over."
                ),
            ),
        ],
        note="" if lines else _("There was no car in stock or in transit at the end of the month."),
    )


# --- sales plan and results (monthly, to the OEM) -----------------------------------------------

SALES_PLAN_RESULTS = "sales.plan_results"
ALLOCATION_REQUEST = "sales.allocation_request"
CUSTOMER_SURVEY = "sales.customer_survey"
MANAGEMENT = ("sales_manager", "deputy_gm", "gm")

PLANNED_UNITS = _("Planned units")
PLANNED_REVENUE = _("Planned revenue")
ORDERS = _("Orders")
DELIVERED_REVENUE = _("Delivered revenue")
ACHIEVED = _("Achieved")
PLAN_BY_MODEL = _("Plan and results by model")
NEXT_PLAN = _("Next month's plan")
NO_PLAN = _("No approved plan for this month: the results are shown without a plan.")


def _approved_month_plan(actor, start: dt.date):
    from sales.models import PlanPeriod, PlanState, SalesPlan

    return (
        SalesPlan.objects.for_user(actor, "view")
        .filter(
            period=PlanPeriod.MONTH,
            starts_on=start,
            state__in=(PlanState.APPROVED, PlanState.SUBMITTED),
        )
        .prefetch_related("lines")
        .first()
    )


@register_report(
    SALES_PLAN_RESULTS,
    _("Sales plan and results"),
    period=MONTH,
    due=FIRST_WORKING_DAY_17,
    department="sales",
    owners=OWNERS,
    recipients=MANAGEMENT,
    oem=True,
    description=_(
        "The month's approved sales plan by model (units, revenue) against the orders signed "
        "and the cars delivered, and next month's plan when it is approved."
    ),
    order=410,
)
def sales_plan_results(actor, period) -> ReportContent:
    from sales.models import PlanPeriod, SalesPlan
    from sales.selectors.salesplans import plan_actuals

    plan = _approved_month_plan(actor, period.start)
    # without an approved plan the month's results are still counted (an unsaved plan)
    actuals = plan_actuals(
        actor,
        plan or SalesPlan(period=PlanPeriod.MONTH, starts_on=period.start),
        on=period.end,
    )
    total = actuals.total
    achieved = share(total.delivered, total.units)
    tables = [
        Table(
            PLAN_BY_MODEL,
            [
                Column(_("Model"), TEXT),
                Column(PLANNED_UNITS, INT),
                Column(PLANNED_REVENUE, MONEY),
                Column(ORDERS, INT),
                Column(DELIVERIES, INT),
                Column(DELIVERED_REVENUE, MONEY),
                Column(ACHIEVED, PERCENT),
            ],
            rows=[
                [
                    row.model or str(NOT_RECORDED),
                    row.units,
                    row.revenue,
                    row.ordered,
                    row.delivered,
                    row.delivered_revenue,
                    share(row.delivered, row.units),
                ]
                for row in actuals.rows
            ],
            totals=True,
        )
    ]
    following = (period.end + dt.timedelta(days=1)).replace(day=1)
    upcoming = _approved_month_plan(actor, following)
    if upcoming is not None:
        tables.append(
            Table(
                NEXT_PLAN,
                [
                    Column(_("Model"), TEXT),
                    Column(PLANNED_UNITS, INT),
                    Column(PLANNED_REVENUE, MONEY),
                ],
                rows=[[line.model, line.units, line.revenue] for line in upcoming.lines.all()],
                totals=True,
            )
        )
    return ReportContent(
        figures=[
            (PLANNED_UNITS, total.units, INT),
            (ORDERS, total.ordered, INT),
            (DELIVERIES, total.delivered, INT),
            (ACHIEVED, achieved, PERCENT),
            (DELIVERED_REVENUE, total.delivered_revenue, MONEY),
        ],
        tables=tables,
        note="" if plan is not None else str(NO_PLAN),
    )


# --- the vehicle-allocation request (monthly, through the OEM channel) ---------------------------

QUANTITY_ASKED = _("Quantity asked")
OPEN_ORDERS = _("Orders waiting for a car")
FREE_IN_STOCK = _("Free in stock")
ALLOCATION_LINES = _("Vehicles asked for")
NO_ALLOCATION = _("No allocation request has been prepared for next month.")


@register_report(
    ALLOCATION_REQUEST,
    _("Vehicle-allocation request"),
    period=MONTH,
    covers=CURRENT,
    due=Monthly(day=25, at=dt.time(17, 0)),
    department="sales",
    owners=OWNERS,
    recipients=("sales_director", "gm"),
    oem=True,
    description=_(
        "商品车资源申报: the vehicles asked of the OEM for next month by model, trim and colour, "
        "with the orders waiting for a car, the free stock and the cars in transit they were "
        "worked out from."
    ),
    order=415,
)
def allocation_request_report(actor, period) -> ReportContent:
    from sales.models import AllocationLine, AllocationRequest

    following = (period.end + dt.timedelta(days=1)).replace(day=1)
    request = AllocationRequest.objects.for_user(actor, "view").filter(month=following).first()
    lines = (
        list(
            AllocationLine.objects.for_user(actor, "view")
            .filter(request=request)
            .order_by("model", "trim", "colour")
        )
        if request is not None
        else []
    )
    dash = "—"
    return ReportContent(
        figures=[
            (_("Month asked for"), f"{following:%Y-%m}", TEXT),
            (
                _("Status"),
                request.get_status_display() if request is not None else dash,
                TEXT,
            ),
            (QUANTITY_ASKED, sum(line.quantity for line in lines), INT),
            (OPEN_ORDERS, sum(line.open_orders for line in lines), INT),
        ],
        tables=[
            Table(
                ALLOCATION_LINES,
                [
                    Column(_("Model"), TEXT),
                    Column(_("Trim"), TEXT),
                    Column(_("Colour"), TEXT),
                    Column(OPEN_ORDERS, INT),
                    Column(FREE_IN_STOCK, INT),
                    Column(IN_TRANSIT, INT),
                    Column(QUANTITY_ASKED, INT),
                ],
                rows=[
                    [
                        line.model,
                        line.trim or dash,
                        line.colour or dash,
                        line.open_orders,
                        line.in_stock,
                        line.in_transit,
                        line.quantity,
                    ]
                    for line in lines
                ],
                keys=3,
                totals=True,
            )
        ],
        note="" if request is not None else str(NO_ALLOCATION),
    )


# --- customer information survey (15th and 30th, through the approval chain) --------------------

VISITS = _("Walk-ins and phone-ins")
WALK_INS = _("Walk-ins")
PHONE_INS = _("Phone-ins")
FIRST_VISITS = _("First visits")
LEADS_OPENED = _("Leads opened")
VISIT_BY_SOURCE = _("By source channel")
VISIT_BY_INTENT = _("By intent level")
VISIT_BY_MODEL = _("By model of interest")
VISIT_BY_RESULT = _("By result")
RESULT_NONE = _("No lead")
RESULT_OPEN = _("Lead being worked")
RESULT_ORDERED = _("Ordered")
RESULT_LOST = _("Lost")
MODEL_SEPARATORS = ("、", "，", ",", "/", ";", "；")


def _models(text: str) -> list[str]:
    for separator in MODEL_SEPARATORS:
        text = text.replace(separator, "|")
    return [part.strip() for part in text.split("|") if part.strip()]


def _result(stage: str | None) -> str:
    from sales.models import Stage

    if not stage:
        return "none"
    if stage in (Stage.ORDER, Stage.DELIVERED):
        return "ordered"
    if stage == Stage.LOST:
        return "lost"
    return "open"


@register_report(
    CUSTOMER_SURVEY,
    _("Customer information survey"),
    period=HALF_MONTH,
    covers=CURRENT,
    due=MonthDays(days=(15, 30), at=dt.time(17, 0)),
    department="sales",
    owners=OWNERS,
    recipients=MANAGEMENT,
    approval=True,
    description=_(
        "来店来电客户信息调查分析: the half month's walk-ins and phone-ins by kind, source channel, "
        "intent level, model of interest and result (no lead, lead being worked, ordered, "
        "lost)."
    ),
    order=487,
)
def customer_survey(actor, period) -> ReportContent:
    from sales.models import Intent, Visit, VisitKind

    visits = list(
        Visit.objects.for_user(actor, "view")
        .filter(visited_at__date__gte=period.start, visited_at__date__lte=period.end)
        .values_list("kind", "source", "intent", "models_of_interest", "first_visit", "lead__stage")
    )
    total = len(visits)
    kinds = Counter(v[0] for v in visits)
    sources = Counter(v[1] for v in visits)
    intents = Counter(v[2] for v in visits)
    models = Counter(model for v in visits for model in (_models(v[3] or "") or [""]))
    results = Counter(_result(v[5]) for v in visits)
    walk_ins, phone_ins = kinds.get(VisitKind.WALK_IN, 0), kinds.get(VisitKind.PHONE_IN, 0)

    def table(title, label, rows):
        return Table(
            title,
            [Column(label, TEXT), Column(VISITS, INT), Column(SHARE, PERCENT)],
            rows=[[name, n, share(n, total)] for name, n in rows],
            totals=True,
        )

    return ReportContent(
        figures=[
            (VISITS, total, INT),
            (WALK_INS, walk_ins, INT),
            (PHONE_INS, phone_ins, INT),
            (FIRST_VISITS, sum(1 for v in visits if v[4]), INT),
            (LEADS_OPENED, sum(1 for v in visits if v[5]), INT),
            (_("Ordered"), results.get("ordered", 0), INT),
        ],
        tables=[
            table(
                VISIT_BY_SOURCE,
                _("Source channel"),
                [(_label(Source, s), n) for s, n in _ranked(sources)],
            ),
            table(
                VISIT_BY_INTENT,
                _("Intent level"),
                [(_label(Intent, i), intents.get(i, 0)) for i in Intent.values],
            ),
            table(
                VISIT_BY_MODEL,
                _("Model"),
                [(m or str(NOT_RECORDED), n) for m, n in _ranked(models)],
            ),
            table(
                VISIT_BY_RESULT,
                _("Result"),
                [
                    (str(label), results.get(code, 0))
                    for code, label in (
                        ("none", RESULT_NONE),
                        ("open", RESULT_OPEN),
                        ("ordered", RESULT_ORDERED),
                        ("lost", RESULT_LOST),
                    )
                ],
            ),
        ],
        note="" if total else _("No walk-in or phone-in was recorded in this half month."),
    )
