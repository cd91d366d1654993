"""Reads of the customer-service desk, the thank-you letters and the customer tiers: the lists
(each one query a page, related rows joined) and the data of the monthly reports — enquiries by
channel and topic, the letters mailed, the customer mix and spending. Everything reads through
``Model.objects.for_user(actor, "view")`` with grouped queries (constant in the rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from crm.models import (
    CustomerEvent,
    CustomerStanding,
    CustomerTier,
    Enquiry,
    EnquiryChannel,
    EnquiryTopic,
    ImprovementProposal,
    LetterState,
    ProposalState,
    ThankYouLetter,
    Vehicle,
)
from dealership.figures import local_today

# spending bands of the mix report (yuan, lower bounds)
SPENDING_BANDS = (
    Decimal("0"),
    Decimal("10000"),
    Decimal("100000"),
    Decimal("200000"),
    Decimal("400000"),
)
MODELS_SHOWN = 30


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def _moments(start: dt.date, end: dt.date):
    """The aware datetimes bounding the local days ``start`` .. ``end``."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


# --- the lists ----------------------------------------------------------------------------------


def enquiries_for_user(
    user, *, month=None, channel: str = "", topic: str = "", q: str = ""
) -> QuerySet:
    """Enquiries the user may see, newest first, filtered by month received, channel, topic
    and a search in the question, the answer and the caller's or customer's name."""
    rows = Enquiry.objects.for_user(user, "view").select_related("customer", "taken_by")
    if month is not None:
        low, high = _moments(*month_bounds(month))
        rows = rows.filter(received_at__gte=low, received_at__lt=high)
    if channel:
        rows = rows.filter(channel=channel)
    if topic:
        rows = rows.filter(topic=topic)
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(question__icontains=q)
            | Q(answer__icontains=q)
            | Q(caller_name__icontains=q)
            | Q(customer__name__icontains=q)
        )
    return rows.order_by("-received_at", "-pk")


def proposals_for_user(
    user, *, state: str = "", department=None, overdue: bool = False
) -> QuerySet:
    """Improvement proposals the user may see (the heads of a department: its proposals),
    newest first; ``overdue`` keeps the open ones past their answer date."""
    rows = ImprovementProposal.objects.for_user(user, "view").select_related(
        "department", "customer", "raised_by", "answered_by", "closed_by"
    )
    if state:
        rows = rows.filter(state=state)
    if department:
        rows = rows.filter(department_id=getattr(department, "pk", department))
    if overdue:
        rows = rows.filter(state=ProposalState.OPEN, answer_by__lt=local_today())
    return rows.order_by("-created_at", "-pk")


def letters_for_user(user, *, state: str = "", kind: str = "", month=None) -> QuerySet:
    """Thank-you letters, newest first; ``month`` keeps the letters of that month's events."""
    rows = ThankYouLetter.objects.for_user(user, "view").select_related(
        "event", "customer", "signed_by", "mailed_by"
    )
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if month is not None:
        start, end = month_bounds(month)
        rows = rows.filter(event__occurred_on__gte=start, event__occurred_on__lte=end)
    return rows.order_by("-created_at", "-pk")


def tiers_for_user(user) -> QuerySet:
    """The dealership's tier rules, highest first, each with its number of customers."""
    return (
        CustomerTier.objects.for_user(user, "view")
        .annotate(customers=Count("standings"))
        .order_by("rank", "pk")
    )


def standing_for(user, customer) -> CustomerStanding | None:
    """The customer's standing (and tier), if the user may see it."""
    return (
        CustomerStanding.objects.for_user(user, "view")
        .select_related("tier")
        .filter(customer_id=getattr(customer, "pk", customer))
        .first()
    )


# --- enquiry report -----------------------------------------------------------------------------


@dataclass
class EnquiryMonth:
    total: int = 0
    answered: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, dict[str, int]] = field(default_factory=dict)  # topic -> channel -> n
    proposals: int = 0

    @property
    def unanswered(self) -> int:
        return self.total - self.answered


def enquiry_month(actor, start: dt.date, end: dt.date) -> EnquiryMonth:
    """The enquiries received from ``start`` to ``end``: counted by topic and channel, how many
    were answered, and the improvement proposals raised from them (two queries)."""
    low, high = _moments(start, end)
    rows = Enquiry.objects.for_user(actor, "view").filter(
        received_at__gte=low, received_at__lt=high
    )
    data = EnquiryMonth(
        by_channel=dict.fromkeys(EnquiryChannel.values, 0),
        by_topic={topic: dict.fromkeys(EnquiryChannel.values, 0) for topic in EnquiryTopic.values},
    )
    for row in (
        rows.order_by()
        .values("topic", "channel")
        .annotate(n=Count("pk"), answered=Count("pk", filter=~Q(answer="")))
    ):
        data.by_topic[row["topic"]][row["channel"]] += row["n"]
        data.by_channel[row["channel"]] += row["n"]
        data.total += row["n"]
        data.answered += row["answered"]
    data.proposals = (
        ImprovementProposal.objects.for_user(actor, "view")
        .filter(enquiry__received_at__gte=low, enquiry__received_at__lt=high)
        .count()
    )
    return data


# --- thank-you letters mail log -----------------------------------------------------------------


@dataclass
class LetterMonth:
    mailed: list[ThankYouLetter] = field(default_factory=list)
    drafted: int = 0  # letters of the month's events (any state)
    by_state: dict[str, int] = field(default_factory=dict)


def letter_month(actor, start: dt.date, end: dt.date) -> LetterMonth:
    """The letters mailed from ``start`` to ``end`` (oldest first), and the state of the letters
    of the period's events (two queries)."""
    base = ThankYouLetter.objects.for_user(actor, "view")
    mailed = list(
        base.filter(mailed_on__gte=start, mailed_on__lte=end)
        .select_related("event", "signed_by", "mailed_by")
        .order_by("mailed_on", "pk")
    )
    by_state = dict.fromkeys(LetterState.values, 0)
    for row in (
        base.filter(event__occurred_on__gte=start, event__occurred_on__lte=end)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    ):
        by_state[row["state"]] = row["n"]
    return LetterMonth(mailed=mailed, drafted=sum(by_state.values()), by_state=by_state)


# --- customer mix and spending ------------------------------------------------------------------


@dataclass
class MixRow:
    label: str
    customers: int = 0
    spending: Decimal = Decimal("0.00")
    vehicles: int = 0
    visits: int = 0

    @property
    def average(self) -> Decimal | None:
        if not self.customers:
            return None
        return (self.spending / self.customers).quantize(Decimal("0.01"))


@dataclass
class CustomerMix:
    by_tier: list[MixRow] = field(default_factory=list)
    by_band: list[MixRow] = field(default_factory=list)
    by_model: list[MixRow] = field(default_factory=list)
    customers: int = 0
    spending: Decimal = Decimal("0.00")
    measured_on: dt.date | None = None


def band_label(index: int) -> str:
    low = SPENDING_BANDS[index]
    if index + 1 < len(SPENDING_BANDS):
        return f"{low:,.0f} – {SPENDING_BANDS[index + 1]:,.0f}"
    return f"≥ {low:,.0f}"


def customer_mix(actor) -> CustomerMix:
    """The customers by tier, by spending band and by the model of the vehicles they own, with
    their spending (from the standings the nightly job keeps; four queries)."""
    standings = CustomerStanding.objects.for_user(actor, "view")
    tiers = list(CustomerTier.objects.for_user(actor, "view").order_by("rank", "pk"))
    sums = {
        row["tier_id"]: row
        for row in standings.order_by()
        .values("tier_id")
        .annotate(
            n=Count("pk"), spent=Sum("spending"), vehicles=Sum("vehicles"), visits=Sum("visits")
        )
    }
    mix = CustomerMix()
    for tier in [*tiers, None]:
        row = sums.get(tier.pk if tier else None)
        if tier is None and row is None:
            continue
        mix.by_tier.append(
            MixRow(
                label=tier.name if tier else "—",
                customers=row["n"] if row else 0,
                spending=Decimal(row["spent"] or 0) if row else Decimal("0.00"),
                vehicles=(row["vehicles"] or 0) if row else 0,
                visits=(row["visits"] or 0) if row else 0,
            )
        )
    mix.customers = sum(r.customers for r in mix.by_tier)
    mix.spending = sum((r.spending for r in mix.by_tier), Decimal("0.00"))
    bands = [MixRow(label=band_label(i)) for i in range(len(SPENDING_BANDS))]
    conditions = {}
    for i, low in enumerate(SPENDING_BANDS):
        cond = Q(spending__gte=low)
        if i + 1 < len(SPENDING_BANDS):
            cond &= Q(spending__lt=SPENDING_BANDS[i + 1])
        conditions[f"n{i}"] = Count("pk", filter=cond)
        conditions[f"s{i}"] = Sum("spending", filter=cond)
    totals = standings.order_by().aggregate(**conditions, measured=Max("computed_on"))
    for i, band in enumerate(bands):
        band.customers = totals[f"n{i}"] or 0
        band.spending = Decimal(totals[f"s{i}"] or 0)
    mix.by_band = bands
    mix.measured_on = totals["measured"]
    models = list(
        Vehicle.objects.for_user(actor, "view")
        .filter(owner__isnull=False)
        .exclude(model="")
        .order_by()
        .values("model")
        .annotate(n=Count("owner", distinct=True), vehicles=Count("pk"))
        .order_by("-n", "model")[:MODELS_SHOWN]
    )
    # the money spent on the cars of each model (their purchase and their service visits)
    spent = dict(
        CustomerEvent.objects.for_user(actor, "view")
        .filter(vehicle__model__in=[row["model"] for row in models], amount__isnull=False)
        .order_by()
        .values("vehicle__model")
        .annotate(spent=Sum("amount"))
        .values_list("vehicle__model", "spent")
    )
    for row in models:
        mix.by_model.append(
            MixRow(
                label=row["model"],
                customers=row["n"],
                vehicles=row["vehicles"],
                spending=Decimal(spent.get(row["model"]) or 0),
            )
        )
    return mix
