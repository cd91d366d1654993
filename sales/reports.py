"""The sales department's reports (discovered at start-up by the report framework): the monthly
submissions to the car maker due on the first working day of the month by 17:00 — the
purchased-customer analysis (已购车用户分析表) and the dealer stock (店头库存表). Their data come
from :mod:`sales.selectors.reports`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import CustomerKind, Source
from dealership.jobs import Monthly
from dealership.reports import (
    DECIMAL,
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
