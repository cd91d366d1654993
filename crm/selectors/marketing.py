"""Reads of marketing: the lists of advertising plans, marketing events and the
competitor-advertising log, an event's page (invitations by reply, evidence), and the data of
the marketing reports (:mod:`crm.reports.marketing`). Everything reads through
``Model.objects.for_user(actor, "view")`` with a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from crm.models import (
    AdChannel,
    AdvertisingPlan,
    AdvertisingSpend,
    CompetitorAd,
    CompetitorObservation,
    EventEvidence,
    EventInvitation,
    EventState,
    InvitationReply,
    MarketingEvent,
)
from crm.selectors.intelligence import month_bounds, per_lead, yuan
from dealership.figures import day_bounds

ZERO = Decimal("0.00")


# --- the lists ----------------------------------------------------------------------------------


def plans_for_user(user, *, state: str = "") -> QuerySet:
    rows = AdvertisingPlan.objects.for_user(user, "view").select_related("created_by", "event")
    if state:
        rows = rows.filter(state=state)
    return rows.annotate(total=Sum("lines__cost")).order_by("-month", "-pk")


def events_for_user(user, *, state: str = "", kind: str = "", month: dt.date | None = None):
    rows = MarketingEvent.objects.for_user(user, "view").select_related("created_by")
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if month is not None:
        start, end = month_bounds(month)
        rows = rows.filter(starts_at__gte=day_bounds(start)[0], starts_at__lt=day_bounds(end)[1])
    return rows.order_by("-starts_at", "-pk")


def competitor_ads_for_user(user, *, month: dt.date | None = None, q: str = "") -> QuerySet:
    rows = CompetitorAd.objects.for_user(user, "view").select_related("recorded_by")
    if month is not None:
        start, end = month_bounds(month)
        rows = rows.filter(published_on__gte=start, published_on__lte=end)
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(brand__icontains=q) | Q(medium__icontains=q))
    return rows.order_by("-published_on", "-pk")


def invitations_of(user, event: MarketingEvent) -> QuerySet:
    return (
        EventInvitation.objects.for_user(user, "view")
        .filter(event=event)
        .select_related("customer", "invited_by")
        .order_by("pk")
    )


def evidence_of(user, event: MarketingEvent) -> QuerySet:
    return (
        EventEvidence.objects.for_user(user, "view")
        .filter(event=event)
        .select_related("uploaded_by")
        .order_by("pk")
    )


@dataclass
class Replies:
    invited: int = 0
    accepted: int = 0
    declined: int = 0
    no_answer: int = 0
    pending: int = 0
    members: int = 0
    attended: int = 0
    guests_attended: int = 0


def replies(event_ids) -> dict[int, Replies]:
    """The invitations of each event counted by reply and attendance (one query; counted for
    the event, whoever invited)."""
    rows = (
        EventInvitation.objects.filter(event_id__in=list(event_ids))
        .order_by()
        .values("event_id")
        .annotate(
            n_invited=Count("pk"),
            n_accepted=Count("pk", filter=Q(reply=InvitationReply.ACCEPTED)),
            n_declined=Count("pk", filter=Q(reply=InvitationReply.DECLINED)),
            n_no_answer=Count("pk", filter=Q(reply=InvitationReply.NO_ANSWER)),
            n_pending=Count("pk", filter=Q(reply=InvitationReply.PENDING)),
            n_members=Count("pk", filter=Q(club_member=True)),
            n_attended=Count("pk", filter=Q(attended=True)),
            n_guests_attended=Sum("guests", filter=Q(attended=True)),
        )
    )
    found = {}
    for row in rows:
        event_id = row.pop("event_id")
        values = {key[2:]: value for key, value in row.items()}
        values["guests_attended"] = values["guests_attended"] or 0
        found[event_id] = Replies(**values)
    return found


# --- report data --------------------------------------------------------------------------------


def _span(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return day_bounds(start)[0], day_bounds(end)[1]


@dataclass
class EventResult:
    event: MarketingEvent
    replies: Replies

    @property
    def cost(self) -> Decimal:
        return self.event.actual_cost if self.event.actual_cost is not None else ZERO

    @property
    def cost_per_lead(self) -> Decimal | None:
        return per_lead(self.cost, self.event.leads_reported or 0)


def events_held(actor, start: dt.date, end: dt.date) -> list[EventResult]:
    """The approved or summarised events that started from ``start`` to ``end``, oldest first,
    with their invitations counted (two queries)."""
    begin, finish = _span(start, end)
    events = list(
        MarketingEvent.objects.for_user(actor, "view")
        .filter(
            state__in=(EventState.APPROVED, EventState.DONE),
            starts_at__gte=begin,
            starts_at__lt=finish,
        )
        .order_by("starts_at", "pk")
    )
    counted = replies(e.pk for e in events)
    return [EventResult(e, counted.get(e.pk, Replies())) for e in events]


def events_coming(actor, after: dt.date, days: int = 14) -> list[MarketingEvent]:
    """Approved or awaiting events starting in the ``days`` after ``after``."""
    begin, finish = _span(after + dt.timedelta(days=1), after + dt.timedelta(days=days))
    return list(
        MarketingEvent.objects.for_user(actor, "view")
        .filter(
            state__in=(EventState.SUBMITTED, EventState.APPROVED),
            starts_at__gte=begin,
            starts_at__lt=finish,
        )
        .order_by("starts_at", "pk")
    )


@dataclass
class ChannelLine:
    channel: str
    count: int = 0
    cost: Decimal = ZERO
    leads: int = 0

    @property
    def label(self) -> str:
        return str(AdChannel(self.channel).label)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return per_lead(self.cost, self.leads)


def spends_by_channel(actor, start: dt.date, end: dt.date) -> tuple[list[ChannelLine], list]:
    """Own advertising spends starting from ``start`` to ``end`` summed per channel (the
    channels with spend only), and the spends (two queries)."""
    rows = AdvertisingSpend.objects.for_user(actor, "view").filter(
        period_start__gte=start, period_start__lte=end
    )
    sums = {
        row["channel"]: row
        for row in rows.order_by()
        .values("channel")
        .annotate(n=Count("pk"), cost=Sum("cost"), leads=Sum("leads_attributed"))
    }
    lines = [
        ChannelLine(c, sums[c]["n"], yuan(sums[c]["cost"]), sums[c]["leads"] or 0)
        for c in AdChannel.values
        if c in sums
    ]
    return lines, list(rows.order_by("period_start", "pk"))


@dataclass
class BrandAds:
    brand: str
    count: int
    cost: Decimal | None
    channels: str


@dataclass
class CompetitorAds:
    brands: list[BrandAds] = field(default_factory=list)
    by_channel: list[tuple[str, int, Decimal | None]] = field(default_factory=list)
    ads: list[CompetitorAd] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        return sum((b.cost or ZERO for b in self.brands), ZERO)


def competitor_ads(actor, start: dt.date, end: dt.date) -> CompetitorAds:
    """The competitor advertisements seen from ``start`` to ``end``: per brand (number,
    estimated cost, channels), per channel, and every one (one query, grouped here)."""
    ads = list(
        CompetitorAd.objects.for_user(actor, "view")
        .filter(published_on__gte=start, published_on__lte=end)
        .order_by("published_on", "pk")
    )
    brands: dict[str, dict] = {}
    channels: dict[str, list] = {}
    for ad in ads:
        entry = brands.setdefault(ad.brand, {"n": 0, "cost": None, "channels": []})
        entry["n"] += 1
        if ad.cost_estimate is not None:
            entry["cost"] = (entry["cost"] or ZERO) + ad.cost_estimate
        label = ad.get_channel_display()
        if label not in entry["channels"]:
            entry["channels"].append(label)
        line = channels.setdefault(ad.channel, [0, None])
        line[0] += 1
        if ad.cost_estimate is not None:
            line[1] = (line[1] or ZERO) + ad.cost_estimate
    return CompetitorAds(
        brands=[
            BrandAds(name, e["n"], e["cost"], "、".join(e["channels"]))
            for name, e in sorted(brands.items(), key=lambda item: (-item[1]["n"], item[0]))
        ],
        by_channel=[
            (str(AdChannel(c).label), channels[c][0], channels[c][1])
            for c in AdChannel.values
            if c in channels
        ],
        ads=ads,
    )


def same_brand_names(dealership) -> set[str]:
    """The names the dealership's own brand may be written with (lower case)."""
    brand = getattr(dealership, "brand", None)
    if brand is None:
        return set()
    return {n.strip().lower() for n in (brand.name_zh, brand.name_en, brand.code) if n}


def observations(actor, start: dt.date, end: dt.date) -> list[CompetitorObservation]:
    return list(
        CompetitorObservation.objects.for_user(actor, "view")
        .filter(observed_on__gte=start, observed_on__lte=end)
        .order_by("brand", "model", "observed_on", "pk")
    )


def plans_sent(actor, start: dt.date, end: dt.date) -> list[AdvertisingPlan]:
    """The advertising plans for the months from ``start`` to ``end``, with their totals."""
    return list(
        AdvertisingPlan.objects.for_user(actor, "view")
        .filter(month__gte=start.replace(day=1), month__lte=end)
        .exclude(state="rejected")
        .annotate(total=Sum("lines__cost"))
        .order_by("month", "pk")
    )


def today() -> dt.date:
    return timezone.localdate()
