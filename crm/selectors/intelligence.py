"""Reads of market intelligence: the lists of competitor observations and advertising spends
(filtered by month), and the data of the monthly OEM submissions (:mod:`crm.reports.oem`) —
the month's competitor observations by brand and model (竞争对手情报表) and the month's
advertising by channel (广告宣传总结表). Everything reads through
``Model.objects.for_user(actor, "view")``; a report's data take two queries whatever the number
of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Max, Min, Q, QuerySet, Sum

from crm.models import AdChannel, AdvertisingSpend, CompetitorObservation

CENT = Decimal("0.01")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day of the month of ``month``."""
    start = month.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def yuan(value) -> Decimal | None:
    """An amount rounded to the fen (half up), None stays None."""
    if value is None:
        return None
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def per_lead(cost: Decimal, leads: int) -> Decimal | None:
    """Cost per lead in yuan (None without leads)."""
    if not leads:
        return None
    return yuan(Decimal(cost) / Decimal(leads))


# --- the lists ----------------------------------------------------------------------------------


def observations_for_user(user, *, month: dt.date | None = None, q: str = "") -> QuerySet:
    """Competitor observations the user may see, newest first; ``month`` (any day of it) keeps
    the month's, ``q`` searches brand and model."""
    rows = CompetitorObservation.objects.for_user(user, "view").select_related("recorded_by")
    if month is not None:
        start, end = month_bounds(month)
        rows = rows.filter(observed_on__gte=start, observed_on__lte=end)
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(brand__icontains=q) | Q(model__icontains=q))
    return rows.order_by("-observed_on", "-pk")


def spends_for_user(user, *, month: dt.date | None = None, channel: str = "") -> QuerySet:
    """Advertising spends the user may see, newest first; ``month`` keeps those that start in
    it (the month the summary counts them in), ``channel`` one channel."""
    rows = AdvertisingSpend.objects.for_user(user, "view").select_related("recorded_by")
    if month is not None:
        start, end = month_bounds(month)
        rows = rows.filter(period_start__gte=start, period_start__lte=end)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-period_start", "-pk")


# --- competitor intelligence (竞争对手情报表) -----------------------------------------------------


@dataclass
class ModelPrices:
    """One competitor model's observations in the period."""

    brand: str
    model: str
    count: int
    lowest: Decimal
    average: Decimal
    highest: Decimal
    latest_promotion: str = ""


@dataclass
class CompetitorMonth:
    models: list[ModelPrices] = field(default_factory=list)
    observations: list[CompetitorObservation] = field(default_factory=list)

    @property
    def brands(self) -> int:
        return len({m.brand for m in self.models})


def competitor_month(actor, start: dt.date, end: dt.date) -> CompetitorMonth:
    """The observations made from ``start`` to ``end``: per brand and model their number and
    the lowest, average (to the fen) and highest price, with the promotion of the newest
    observation that named one; and every observation, oldest first (two queries)."""
    rows = CompetitorObservation.objects.for_user(actor, "view").filter(
        observed_on__gte=start, observed_on__lte=end
    )
    grouped = (
        rows.order_by()
        .values("brand", "model")
        .annotate(n=Count("pk"), low=Min("price"), avg=Avg("price"), high=Max("price"))
        .order_by("brand", "model")
    )
    observations = list(rows.order_by("observed_on", "pk"))
    latest: dict[tuple[str, str], str] = {}
    for obs in observations:  # oldest first: the newest promotion wins
        if obs.promotion.strip():
            latest[(obs.brand, obs.model)] = obs.promotion.strip()
    models = [
        ModelPrices(
            brand=row["brand"],
            model=row["model"],
            count=row["n"],
            lowest=yuan(row["low"]),
            average=yuan(row["avg"]),
            highest=yuan(row["high"]),
            latest_promotion=latest.get((row["brand"], row["model"]), ""),
        )
        for row in grouped
    ]
    return CompetitorMonth(models=models, observations=observations)


# --- advertising summary (广告宣传总结表) ---------------------------------------------------------


@dataclass
class ChannelSpend:
    channel: str
    spends: int = 0
    cost: Decimal = Decimal("0.00")
    leads: int = 0

    @property
    def label(self) -> str:
        return str(AdChannel(self.channel).label)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return per_lead(self.cost, self.leads)


@dataclass
class AdvertisingMonth:
    channels: list[ChannelSpend] = field(default_factory=list)  # every channel, in list order
    spends: list[AdvertisingSpend] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        return sum((c.cost for c in self.channels), Decimal("0.00"))

    @property
    def leads(self) -> int:
        return sum(c.leads for c in self.channels)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return per_lead(self.cost, self.leads)


def advertising_month(actor, start: dt.date, end: dt.date) -> AdvertisingMonth:
    """The spends whose period starts from ``start`` to ``end`` (a spend counts, whole, in the
    month it starts), summed per channel — every channel listed, those without spend at zero —
    and the spends themselves, oldest first (two queries)."""
    rows = AdvertisingSpend.objects.for_user(actor, "view").filter(
        period_start__gte=start, period_start__lte=end
    )
    sums = {
        row["channel"]: row
        for row in rows.order_by()
        .values("channel")
        .annotate(n=Count("pk"), cost=Sum("cost"), leads=Sum("leads_attributed"))
    }
    channels = []
    for channel in AdChannel.values:
        row = sums.get(channel)
        channels.append(
            ChannelSpend(
                channel=channel,
                spends=row["n"] if row else 0,
                cost=yuan(row["cost"]) if row else Decimal("0.00"),
                leads=row["leads"] if row else 0,
            )
        )
    spends = list(rows.order_by("period_start", "pk"))
    return AdvertisingMonth(channels=channels, spends=spends)
