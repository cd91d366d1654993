"""The marketing reports of the CRM / marketing department (003 §4.1.2(3)(4), §4.1.4, §4.2.2,
§4.2.7(1)), their data from :mod:`crm.selectors.marketing`:

* ``crm.advertising_weekly`` — 销售店广宣及效果统计表: last week's advertising by channel
  (spend, leads, cost per lead) and the events held with their effect; Monday 12:00.
* ``crm.market_weekly`` — market weekly report (市场周报表): last week's competitor prices and
  advertising, own events held and coming; Monday 12:00.
* ``crm.competitor_ads_weekly`` — 相关汽车品牌广告投放统计周报, from the competitor-advertising
  log: by brand, by channel, every advertisement; Monday 12:00.
* ``crm.price_tracking`` — 竞争品牌、同品牌价格跟踪表, the half month's competitor and same-brand
  prices; on the 15th and the 30th, through its approval chain (``approval=True``).
* ``crm.market_tracking`` — 市场信息跟踪表, the half month's market information (competitors'
  promotions and advertising, own events); 15th and 30th, with approval.
* ``crm.advertising_materials`` — 广告销售资料, last quarter's advertising, events and plans for
  the OEM, in the first month of each quarter (``oem=True``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.selectors import marketing as data
from crm.selectors.intelligence import per_lead, yuan
from dealership.jobs import MonthDays, QuarterFirstMonth, Weekly
from dealership.reports import (
    CURRENT,
    DATE,
    HALF_MONTH,
    INT,
    MONEY,
    QUARTER,
    TEXT,
    WEEK,
    Column,
    ReportContent,
    Table,
)
from dealership.reports.registry import register_report

MANAGEMENT = ("deputy_gm", "gm")
OWNERS = ("marketing_manager", "customer_relations_manager")
MONDAY_NOON = Weekly(weekday=0, at=dt.time(12, 0))
FIFTEENTH_AND_THIRTIETH = MonthDays(days=(15, 30), at=dt.time(17, 0))


# labels (also read by the tests)
SPEND = _("Advertising spend")
LEADS = _("Leads attributed")
COST_PER_LEAD = _("Cost per lead")
CHANNEL = _("Channel")
EVENTS_HELD = _("Events held")
ATTENDANCE = _("Attendance")
INVITED = _("Invited")
ACCEPTED = _("Accepted")
LEADS_REPORTED = _("Leads reported")
ORDERS_REPORTED = _("Orders reported")
BUDGET = _("Budget")
ACTUAL_COST = _("Actual cost")
THEME = _("Theme")
BRAND = _("Competitor brand")
MODEL = _("Model")
ADS_SEEN = _("Competitor advertisements")
ESTIMATED_COST = _("Estimated cost")
OBSERVATIONS = _("Observations")


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _channel_table(title, lines) -> Table:
    cost = sum((line.cost for line in lines), data.ZERO)
    leads = sum(line.leads for line in lines)
    return Table(
        title,
        [
            Column(CHANNEL, TEXT),
            Column(_("Spends"), INT),
            Column(SPEND, MONEY),
            Column(LEADS, INT),
            Column(COST_PER_LEAD, MONEY, sum=False),
        ],
        rows=[
            *(
                [line.label, line.count, line.cost, line.leads, line.cost_per_lead]
                for line in lines
            ),
            [
                str(_("Total")),
                sum(line.count for line in lines),
                cost,
                leads,
                per_lead(cost, leads),
            ],
        ],
        note=_("A spend counts in full in the period its run starts. Amounts in yuan."),
    )


def _events_table(title, results) -> Table:
    return Table(
        title,
        [
            Column(THEME, TEXT),
            Column(_("Kind"), TEXT),
            Column(_("Starts at"), TEXT),
            Column(BUDGET, MONEY),
            Column(ACTUAL_COST, MONEY),
            Column(_("Expected attendance"), INT),
            Column(INVITED, INT),
            Column(ACCEPTED, INT),
            Column(ATTENDANCE, INT),
            Column(_("Expected leads"), INT),
            Column(LEADS_REPORTED, INT),
            Column(ORDERS_REPORTED, INT),
            Column(COST_PER_LEAD, MONEY, sum=False),
        ],
        rows=[
            [
                r.event.theme,
                r.event.get_kind_display(),
                _local(r.event.starts_at),
                r.event.budget,
                r.event.actual_cost,
                r.event.expected_attendance,
                r.replies.invited,
                r.replies.accepted,
                r.event.actual_attendance
                if r.event.actual_attendance is not None
                else r.replies.guests_attended,
                r.event.expected_leads,
                r.event.leads_reported,
                r.event.orders_reported,
                r.cost_per_lead,
            ]
            for r in results
        ],
        keys=3,
        totals=True,
        note=_(
            "Attendance is the summary's figure, or until then the guests marked attended; "
            "leads and orders are those the departments reported in the summary."
        ),
    )


def _ads_tables(ads: data.CompetitorAds) -> list[Table]:
    return [
        Table(
            _("Competitor advertising by brand"),
            [
                Column(BRAND, TEXT),
                Column(ADS_SEEN, INT),
                Column(ESTIMATED_COST, MONEY),
                Column(_("Channels"), TEXT),
            ],
            rows=[[b.brand, b.count, b.cost, b.channels] for b in ads.brands],
            totals=True,
        ),
        Table(
            _("Competitor advertising by channel"),
            [Column(CHANNEL, TEXT), Column(ADS_SEEN, INT), Column(ESTIMATED_COST, MONEY)],
            rows=[list(row) for row in ads.by_channel],
            totals=True,
        ),
        Table(
            _("Competitor advertisements"),
            [
                Column(_("Published on"), DATE),
                Column(BRAND, TEXT),
                Column(CHANNEL, TEXT),
                Column(_("Medium"), TEXT),
                Column(_("Size or slot"), TEXT),
                Column(ESTIMATED_COST, MONEY),
                Column(_("Note"), TEXT),
            ],
            rows=[
                [
                    a.published_on,
                    a.brand,
                    a.get_channel_display(),
                    a.medium,
                    a.size,
                    a.cost_estimate,
                    a.note,
                ]
                for a in ads.ads
            ],
            keys=5,
            totals=True,
            note=_("Estimated costs in yuan, as observed (blank when unknown)."),
        ),
    ]


# --- weekly, Monday 12:00 ---------------------------------------------------------------------


@register_report(
    "crm.advertising_weekly",
    _("Advertising and effect statistics"),
    period=WEEK,
    due=MONDAY_NOON,
    department="crm",
    recipients=MANAGEMENT,
    owners=OWNERS,
    description=_(
        "Last week's advertising by channel (spend, leads, cost per lead) and the marketing "
        "events held with their invitations, attendance, leads and orders against what was "
        "expected."
    ),
    order=470,
)
def advertising_weekly(actor, period) -> ReportContent:
    lines, _spends = data.spends_by_channel(actor, period.start, period.end)
    results = data.events_held(actor, period.start, period.end)
    cost = sum((line.cost for line in lines), data.ZERO)
    leads = sum(line.leads for line in lines)
    return ReportContent(
        figures=[
            (SPEND, cost, MONEY),
            (LEADS, leads, INT),
            (COST_PER_LEAD, per_lead(cost, leads), MONEY),
            (EVENTS_HELD, len(results), INT),
            (
                ATTENDANCE,
                sum(
                    r.event.actual_attendance
                    if r.event.actual_attendance is not None
                    else r.replies.guests_attended
                    for r in results
                ),
                INT,
            ),
        ],
        tables=[
            _channel_table(_("Advertising by channel"), lines),
            _events_table(_("Events held"), results),
        ],
        note="" if (lines or results) else _("No advertising or event in this week."),
    )


@register_report(
    "crm.market_weekly",
    _("Market weekly report"),
    period=WEEK,
    due=MONDAY_NOON,
    department="crm",
    recipients=MANAGEMENT,
    owners=OWNERS,
    description=_(
        "Last week's market: competitors' prices and promotions observed, their advertising, "
        "our events held and those of the next two weeks."
    ),
    order=475,
)
def market_weekly(actor, period) -> ReportContent:
    observed = data.observations(actor, period.start, period.end)
    ads = data.competitor_ads(actor, period.start, period.end)
    results = data.events_held(actor, period.start, period.end)
    coming = data.events_coming(actor, period.end)
    return ReportContent(
        figures=[
            (OBSERVATIONS, len(observed), INT),
            (ADS_SEEN, len(ads.ads), INT),
            (EVENTS_HELD, len(results), INT),
            (_("Events coming"), len(coming), INT),
        ],
        tables=[
            Table(
                _("Competitor prices observed"),
                [
                    Column(_("Observed on"), DATE),
                    Column(BRAND, TEXT),
                    Column(MODEL, TEXT),
                    Column(pgettext_lazy("amount", "Price"), MONEY, sum=False),
                    Column(_("Promotion"), TEXT),
                    Column(_("Where observed"), TEXT),
                ],
                rows=[
                    [o.observed_on, o.brand, o.model, o.price, o.promotion, o.source]
                    for o in observed
                ],
                keys=6,
            ),
            _ads_tables(ads)[0],
            _events_table(_("Events held"), results),
            Table(
                _("Events of the next two weeks"),
                [
                    Column(THEME, TEXT),
                    Column(_("Starts at"), TEXT),
                    Column(_("Place"), TEXT),
                    Column(_("State"), TEXT),
                    Column(BUDGET, MONEY),
                ],
                rows=[
                    [e.theme, _local(e.starts_at), e.place, e.get_state_display(), e.budget]
                    for e in coming
                ],
                keys=2,
            ),
        ],
    )


@register_report(
    "crm.competitor_ads_weekly",
    _("Competitors' advertising weekly"),
    period=WEEK,
    due=MONDAY_NOON,
    department="crm",
    recipients=MANAGEMENT,
    owners=OWNERS,
    description=_(
        "The competitor brands' advertising seen in the local market last week, from the "
        "competitor-advertising log: by brand, by channel, and every advertisement."
    ),
    order=480,
)
def competitor_ads_weekly(actor, period) -> ReportContent:
    ads = data.competitor_ads(actor, period.start, period.end)
    return ReportContent(
        figures=[
            (ADS_SEEN, len(ads.ads), INT),
            (_("Brands advertising"), len(ads.brands), INT),
            (ESTIMATED_COST, ads.cost, MONEY),
        ],
        tables=_ads_tables(ads),
        note="" if ads.ads else _("No competitor advertisement was logged this week."),
    )


# --- the 15th and the 30th, through the approval chain ----------------------------------------


@register_report(
    "crm.price_tracking",
    _("Competitor and same-brand price tracking"),
    period=HALF_MONTH,
    covers=CURRENT,
    due=FIFTEENTH_AND_THIRTIETH,
    department="crm",
    recipients=MANAGEMENT,
    owners=OWNERS,
    approval=True,
    description=_(
        "The half month's prices of the main models: the competitor brands' and our own "
        "brand's at other dealers, by model (observations, lowest, average, highest price, the "
        "latest promotion)."
    ),
    order=485,
)
def price_tracking(actor, period) -> ReportContent:
    from crm.models import CompetitorObservation
    from dealership.models import Dealership
    from dealership.tenancy import get_scope

    dealership = (
        Dealership.objects.select_related("brand").filter(pk=get_scope().current_id).first()
    )
    own = data.same_brand_names(dealership)
    rows = (
        CompetitorObservation.objects.for_user(actor, "view")
        .filter(observed_on__gte=period.start, observed_on__lte=period.end)
        .order_by()
        .values("brand", "model")
        .annotate(n=Count("pk"), low=Min("price"), avg=Avg("price"), high=Max("price"))
        .order_by("brand", "model")
    )
    latest: dict[tuple[str, str], str] = {}
    for obs in data.observations(actor, period.start, period.end):
        if obs.promotion.strip():
            latest[(obs.brand, obs.model)] = obs.promotion.strip()
    same, rivals = [], []
    for row in rows:
        line = [
            row["brand"],
            row["model"],
            row["n"],
            yuan(row["low"]),
            yuan(row["avg"]),
            yuan(row["high"]),
            latest.get((row["brand"], row["model"]), ""),
        ]
        (same if row["brand"].strip().lower() in own else rivals).append(line)
    columns = [
        Column(BRAND, TEXT),
        Column(MODEL, TEXT),
        Column(OBSERVATIONS, INT),
        Column(_("Lowest price"), MONEY, sum=False),
        Column(_("Average price"), MONEY, sum=False),
        Column(_("Highest price"), MONEY, sum=False),
        Column(_("Latest promotion"), TEXT),
    ]
    return ReportContent(
        figures=[
            (_("Competitor models tracked"), len(rivals), INT),
            (_("Same-brand models tracked"), len(same), INT),
        ],
        tables=[
            Table(_("Competitor brands"), columns, rows=rivals, keys=2),
            Table(
                _("Same brand (other dealers)"),
                columns,
                rows=same,
                keys=2,
                note=_("Observations whose brand is our own brand."),
            ),
        ],
        note="" if (same or rivals) else _("No price was observed in this half month."),
    )


@register_report(
    "crm.market_tracking",
    _("Market information tracking"),
    period=HALF_MONTH,
    covers=CURRENT,
    due=FIFTEENTH_AND_THIRTIETH,
    department="crm",
    recipients=MANAGEMENT,
    owners=OWNERS,
    approval=True,
    description=_(
        "The half month's market information: competitors' promotions and advertising, our "
        "own advertising and events."
    ),
    order=490,
)
def market_tracking(actor, period) -> ReportContent:
    observed = [o for o in data.observations(actor, period.start, period.end) if o.promotion]
    ads = data.competitor_ads(actor, period.start, period.end)
    lines, _spends = data.spends_by_channel(actor, period.start, period.end)
    results = data.events_held(actor, period.start, period.end)
    return ReportContent(
        figures=[
            (_("Promotions observed"), len(observed), INT),
            (ADS_SEEN, len(ads.ads), INT),
            (SPEND, sum((line.cost for line in lines), data.ZERO), MONEY),
            (EVENTS_HELD, len(results), INT),
        ],
        tables=[
            Table(
                _("Competitors' promotions"),
                [
                    Column(_("Observed on"), DATE),
                    Column(BRAND, TEXT),
                    Column(MODEL, TEXT),
                    Column(_("Promotion"), TEXT),
                    Column(_("Where observed"), TEXT),
                ],
                rows=[[o.observed_on, o.brand, o.model, o.promotion, o.source] for o in observed],
                keys=5,
            ),
            _ads_tables(ads)[0],
            _channel_table(_("Our advertising by channel"), lines),
            _events_table(_("Our events"), results),
        ],
    )


# --- quarterly, first month: to the OEM -------------------------------------------------------


@register_report(
    "crm.advertising_materials",
    _("Advertising sales materials"),
    period=QUARTER,
    due=QuarterFirstMonth(day=-1, at=dt.time(17, 0)),
    department="crm",
    owners=OWNERS,
    oem=True,
    description=_(
        "Last quarter's advertising for the OEM: spend and leads by channel, the monthly "
        "advertising plans and when they were sent, and the marketing events with their "
        "results and the evidence kept."
    ),
    order=495,
)
def advertising_materials(actor, period) -> ReportContent:
    from django.db.models import Count as _Count

    from crm.models import EventEvidence

    lines, _spends = data.spends_by_channel(actor, period.start, period.end)
    plans = data.plans_sent(actor, period.start, period.end)
    results = data.events_held(actor, period.start, period.end)
    evidence = {
        row["event_id"]: row["n"]
        for row in EventEvidence.objects.for_user(actor, "view")
        .filter(event_id__in=[r.event.pk for r in results])
        .order_by()
        .values("event_id")
        .annotate(n=_Count("pk"))
    }
    cost = sum((line.cost for line in lines), data.ZERO)
    return ReportContent(
        figures=[
            (SPEND, cost, MONEY),
            (LEADS, sum(line.leads for line in lines), INT),
            (EVENTS_HELD, len(results), INT),
            (_("Event costs"), sum((r.cost for r in results), data.ZERO), MONEY),
        ],
        tables=[
            _channel_table(_("Advertising by channel"), lines),
            Table(
                _("Advertising plans"),
                [
                    Column(_("Month"), TEXT),
                    Column(_("Title"), TEXT),
                    Column(_("State"), TEXT),
                    Column(_("Planned cost"), MONEY),
                    Column(_("Sent to the OEM on"), DATE),
                ],
                rows=[
                    [
                        f"{p.month:%Y-%m}",
                        p.title,
                        p.get_state_display(),
                        yuan(p.total) if p.total is not None else data.ZERO,
                        p.sent_to_oem_on,
                    ]
                    for p in plans
                ],
                keys=2,
                totals=True,
            ),
            _events_table(_("Marketing events"), results),
            Table(
                _("Evidence kept"),
                [Column(THEME, TEXT), Column(_("Files"), INT)],
                rows=[[r.event.theme, evidence.get(r.event.pk, 0)] for r in results],
                totals=True,
                note=_("Contract photos, invoices and event photos, kept with each event."),
            ),
        ],
    )
