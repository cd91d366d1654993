"""Reads of sales plans, price lists and the sub-dealer network.

* Plans: the list (with their lines' totals), a plan's actuals by model — orders signed (not
  cancelled) and deliveries in the plan's period, with their revenue (the agreed price) — read
  through the chokepoint like the sales board, so a viewer who sees only some orders sees only
  those counted; the plan in force today (year, quarter, month) for the board and its panel.
* Price lists: the list (filters: model, state, "in effect"), the list in effect for a model and
  trim on a day (:func:`price_in_effect`, read in the tenant scope: quotes of every consultant
  use it), and which lists are in effect today (one query).
* Sub-dealers: the list (filters: text, state, region) with their latest score.

Every list runs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from dealership.access import can
from sales.models import (
    Delivery,
    Order,
    OrderStatus,
    PlanPeriod,
    PlanState,
    PriceList,
    PriceListState,
    SalesPlan,
    SubDealer,
    SubDealerAssessment,
)
from sales.periods import period_start
from sales.selectors.plans import percent, today

ZERO = Decimal("0")


# --- plans --------------------------------------------------------------------------------------


def plans_for_user(user, *, period: str = "", state: str = "", year: int | None = None):
    queryset = (
        SalesPlan.objects.for_user(user, "view")
        .select_related("created_by", "submitted_by")
        .annotate(
            total_units=Coalesce(Sum("lines__units"), 0),
            total_revenue=Coalesce(Sum("lines__revenue"), ZERO),
        )
    )
    if period:
        queryset = queryset.filter(period=period)
    if state:
        queryset = queryset.filter(state=state)
    if year:
        queryset = queryset.filter(starts_on__year=year)
    return queryset.order_by("-starts_on", "period", "-pk")


def plan_detail_queryset():
    return SalesPlan.objects.select_related("created_by", "submitted_by", "request")


@dataclass
class PlanRow:
    model: str
    units: int = 0
    revenue: Decimal = ZERO
    ordered: int = 0
    delivered: int = 0
    delivered_revenue: Decimal = ZERO

    @property
    def percent(self) -> int | None:
        return percent(self.delivered, self.units)

    @property
    def revenue_percent(self) -> int | None:
        if not self.revenue:
            return None
        return round(100 * self.delivered_revenue / self.revenue)


@dataclass
class PlanActuals:
    plan: SalesPlan
    rows: list[PlanRow] = field(default_factory=list)
    total: PlanRow = field(default_factory=lambda: PlanRow(model=""))
    until: dt.date | None = None  # actuals counted up to this day


def _key(model: str) -> str:
    return (model or "").strip().casefold()


def plan_actuals(user, plan: SalesPlan, on: dt.date | None = None) -> PlanActuals:
    """The plan's lines against the orders and deliveries of its period up to ``on`` (today):
    one row per planned model, then the models sold without a plan line (3 queries)."""
    on = on or today()
    until = min(plan.ends_on, on)
    rows: dict[str, PlanRow] = {}
    for line in plan.lines.all() if plan.pk else ():
        rows[_key(line.model)] = PlanRow(model=line.model, units=line.units, revenue=line.revenue)
    if can(user, Order, "view") and until >= plan.starts_on:
        for row in (
            Order.objects.for_user(user, "view")
            .filter(ordered_on__gte=plan.starts_on, ordered_on__lte=until)
            .exclude(status=OrderStatus.CANCELLED)
            .values("vehicle_model")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            key = _key(row["vehicle_model"])
            rows.setdefault(key, PlanRow(model=row["vehicle_model"])).ordered += row["n"]
    if can(user, Delivery, "view") and until >= plan.starts_on:
        for row in (
            Delivery.objects.for_user(user, "view")
            .filter(delivered_on__gte=plan.starts_on, delivered_on__lte=until)
            .values("order__vehicle_model")
            .annotate(n=Count("pk"), revenue=Coalesce(Sum("order__price"), ZERO))
            .order_by()
        ):
            model = row["order__vehicle_model"] or ""
            target = rows.setdefault(_key(model), PlanRow(model=model))
            target.delivered += row["n"]
            target.delivered_revenue += row["revenue"]
    planned = [r for r in rows.values() if r.units or r.revenue]
    unplanned = sorted(
        (r for r in rows.values() if not (r.units or r.revenue)), key=lambda r: r.model
    )
    ordered_rows = sorted(planned, key=lambda r: r.model) + unplanned
    total = PlanRow(model="")
    for row in ordered_rows:
        total.units += row.units
        total.revenue += row.revenue
        total.ordered += row.ordered
        total.delivered += row.delivered
        total.delivered_revenue += row.delivered_revenue
    return PlanActuals(plan=plan, rows=ordered_rows, total=total, until=until)


def plan_in_force(user, period: str = PlanPeriod.MONTH, on: dt.date | None = None):
    """The approved (or submitted) plan of ``period`` containing ``on`` that the viewer may see,
    or ``None``."""
    on = on or today()
    if not can(user, SalesPlan, "view"):
        return None
    return (
        SalesPlan.objects.for_user(user, "view")
        .filter(
            period=period,
            starts_on=period_start(period, on),
            state__in=(PlanState.APPROVED, PlanState.SUBMITTED),
        )
        .first()
    )


# --- price lists --------------------------------------------------------------------------------


def price_in_effect(model: str, trim: str = "", on: dt.date | None = None) -> PriceList | None:
    """The approved list of ``model`` and ``trim`` with the latest ``valid_from`` not after
    ``on`` (today); a list without a trim covers every trim of its model when none of the trim
    itself is in effect. Read in the current tenant scope (every quote uses it)."""
    model, trim = (model or "").strip(), (trim or "").strip()
    if not model:
        return None
    on = on or today()
    candidates = (
        PriceList.objects.filter(
            model__iexact=model,
            state=PriceListState.APPROVED,
            valid_from__lte=on,
        )
        .filter(Q(trim__iexact=trim) | Q(trim=""))
        .order_by("-valid_from", "-approved_at", "-pk")
    )
    best = None
    for price_list in candidates[:20]:
        if price_list.trim.casefold() == trim.casefold():
            return price_list
        best = best or price_list
    return best


def effective_ids(on: dt.date | None = None) -> set[int]:
    """Ids of the lists in effect on ``on`` (today): per model and trim, the approved one with
    the latest ``valid_from`` not after that day (one query)."""
    on = on or today()
    newest = (
        PriceList.objects.filter(
            model=OuterRef("model"),
            trim=OuterRef("trim"),
            state=PriceListState.APPROVED,
            valid_from__lte=on,
        )
        .order_by("-valid_from", "-approved_at", "-pk")
        .values("pk")[:1]
    )
    return set(
        PriceList.objects.filter(state=PriceListState.APPROVED, valid_from__lte=on)
        .annotate(newest=Subquery(newest))
        .filter(pk=F("newest"))
        .values_list("pk", flat=True)
    )


def pricelists_for_user(user, *, q: str = "", state: str = "", in_effect: bool = False):
    queryset = PriceList.objects.for_user(user, "view").select_related("created_by")
    if q:
        queryset = queryset.filter(Q(model__icontains=q) | Q(trim__icontains=q))
    if state:
        queryset = queryset.filter(state=state)
    if in_effect:
        queryset = queryset.filter(pk__in=effective_ids())
    return queryset.order_by("model", "trim", "-valid_from", "-pk")


def pricelist_detail_queryset():
    return PriceList.objects.select_related("created_by", "request")


# --- sub-dealers --------------------------------------------------------------------------------


def subdealers_for_user(user, *, q: str = "", state: str = "", region: str = ""):
    latest = SubDealerAssessment.objects.filter(sub_dealer=OuterRef("pk")).order_by(
        "-period_start", "-pk"
    )
    queryset = (
        SubDealer.objects.for_user(user, "view")
        .select_related("manager")
        .annotate(
            latest_score=Subquery(latest.values("score")[:1]),
            latest_period=Subquery(latest.values("period_start")[:1]),
        )
    )
    if q:
        queryset = queryset.filter(
            Q(name__icontains=q) | Q(contact_name__icontains=q) | Q(region__icontains=q)
        )
    if state:
        queryset = queryset.filter(state=state)
    if region:
        queryset = queryset.filter(region__icontains=region)
    return queryset.order_by("name", "pk")


def subdealer_detail_queryset():
    return SubDealer.objects.select_related("manager")


def assessments_of(user, dealer: SubDealer):
    return (
        SubDealerAssessment.objects.for_user(user, "view")
        .filter(sub_dealer=dealer)
        .select_related("assessed_by")
        .order_by("-period_start", "-pk")
    )
