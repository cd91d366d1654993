"""The monthly submissions to the car maker kept by the CRM department: competitor
intelligence (竞争对手情报表, the past month's, on the first working day by 17:00) and the
advertising summary (广告宣传总结表, the month's own, on its last day by 17:00). Their data come
from :mod:`crm.selectors.intelligence` (the records of :mod:`crm.models.intelligence`)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.selectors.intelligence import advertising_month, competitor_month, per_lead
from dealership.jobs import Monthly
from dealership.reports import (
    CURRENT,
    DATE,
    INT,
    MONEY,
    MONTH,
    TEXT,
    Column,
    ReportContent,
    Table,
)
from dealership.reports.registry import register_report

COMPETITOR_INTELLIGENCE = "crm.competitor_intelligence"
ADVERTISING_SUMMARY = "crm.advertising_summary"
OWNERS = ("customer_relations_manager", "crm_director")

# labels (also read by the tests, rendered in the report's language)
OBSERVATIONS = _("Observations")
MODELS_OBSERVED = _("Competitor models")
BRANDS_OBSERVED = _("Competitor brands")
BY_COMPETITOR_MODEL = _("Prices by competitor model")
OBSERVATION_LIST = _("Observations of the month")
BRAND = _("Competitor brand")
MODEL = _("Model")
LOWEST = _("Lowest price")
AVERAGE = _("Average price")
HIGHEST = _("Highest price")
LATEST_PROMOTION = _("Latest promotion")

SPEND = _("Advertising spend")
LEADS = _("Leads attributed")
SPENDS = _("Spends")
COST_PER_LEAD = _("Cost per lead")
BY_CHANNEL = _("Spend by channel")
SPEND_LIST = _("Spends of the month")
CHANNEL = _("Channel")
TOTAL = _("Total")
COUNTED_NOTE = _(
    "A spend counts in full in the month its period starts (it is not spread over the months "
    "it runs). Amounts in yuan."
)


@register_report(
    COMPETITOR_INTELLIGENCE,
    _("Competitor intelligence"),
    period=MONTH,
    due=Monthly(day=0, at=dt.time(17, 0)),
    department="crm",
    owners=OWNERS,
    oem=True,
    description=_(
        "The competitors' prices and promotions observed in the month, by brand and model "
        "(number of observations, lowest, average and highest price, the latest promotion), "
        "and every observation."
    ),
    order=400,
)
def competitor_intelligence(actor, period) -> ReportContent:
    data = competitor_month(actor, period.start, period.end)
    detail_columns = [
        Column(_("Observed on"), DATE),
        Column(BRAND, TEXT),
        Column(MODEL, TEXT),
        Column(pgettext_lazy("amount", "Price"), MONEY, sum=False),
        Column(_("Promotion"), TEXT),
        Column(_("Where observed"), TEXT),
    ]
    return ReportContent(
        figures=[
            (OBSERVATIONS, len(data.observations), INT),
            (MODELS_OBSERVED, len(data.models), INT),
            (BRANDS_OBSERVED, data.brands, INT),
        ],
        tables=[
            Table(
                BY_COMPETITOR_MODEL,
                [
                    Column(BRAND, TEXT),
                    Column(MODEL, TEXT),
                    Column(OBSERVATIONS, INT),
                    Column(LOWEST, MONEY, sum=False),
                    Column(AVERAGE, MONEY, sum=False),
                    Column(HIGHEST, MONEY, sum=False),
                    Column(LATEST_PROMOTION, TEXT),
                ],
                rows=[
                    [
                        m.brand,
                        m.model,
                        m.count,
                        m.lowest,
                        m.average,
                        m.highest,
                        m.latest_promotion,
                    ]
                    for m in data.models
                ],
                keys=2,
                totals=True,
                note=_("Prices in yuan; the average is rounded to the fen."),
            ),
            Table(
                OBSERVATION_LIST,
                detail_columns,
                rows=[
                    [o.observed_on, o.brand, o.model, o.price, o.promotion, o.source]
                    for o in data.observations
                ],
                keys=len(detail_columns),
            ),
        ],
        note="" if data.observations else _("No competitor observation was recorded this month."),
    )


@register_report(
    ADVERTISING_SUMMARY,
    _("Advertising summary"),
    period=MONTH,
    covers=CURRENT,
    due=Monthly(day=-1, at=dt.time(17, 0)),
    department="crm",
    owners=OWNERS,
    oem=True,
    description=_(
        "The month's advertising by channel: spend, leads attributed and cost per lead, with "
        "the total, and every spend."
    ),
    order=460,
)
def advertising_summary(actor, period) -> ReportContent:
    data = advertising_month(actor, period.start, period.end)
    return ReportContent(
        figures=[
            (SPEND, data.cost, MONEY),
            (LEADS, data.leads, INT),
            (SPENDS, len(data.spends), INT),
        ],
        tables=[
            Table(
                BY_CHANNEL,
                [
                    Column(CHANNEL, TEXT),
                    Column(SPENDS, INT),
                    Column(SPEND, MONEY),
                    Column(LEADS, INT),
                    Column(COST_PER_LEAD, MONEY, sum=False),
                ],
                rows=[
                    *([c.label, c.spends, c.cost, c.leads, c.cost_per_lead] for c in data.channels),
                    [str(TOTAL), len(data.spends), data.cost, data.leads, data.cost_per_lead],
                ],
                note=COUNTED_NOTE,
            ),
            Table(
                SPEND_LIST,
                [
                    Column(CHANNEL, TEXT),
                    Column(_("Description"), TEXT),
                    Column(_("From"), DATE),
                    Column(_("Until"), DATE),
                    Column(SPEND, MONEY),
                    Column(LEADS, INT),
                    Column(COST_PER_LEAD, MONEY, sum=False),
                ],
                rows=[
                    [
                        s.get_channel_display(),
                        s.description,
                        s.period_start,
                        s.period_end,
                        s.cost,
                        s.leads_attributed,
                        per_lead(s.cost, s.leads_attributed),
                    ]
                    for s in data.spends
                ],
                keys=4,
                totals=True,
            ),
        ],
        note="" if data.spends else _("No advertising was recorded for this month."),
    )
