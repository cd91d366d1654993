"""Reads of finance: querysets built through ``Model.objects.for_user(user, action)``, budgets
and outstanding advances, each in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from dealership.access import restricted_queryset
from dealership.models import Dealership
from finance.models import Budget, CashAdvance, Payment, PromoOrder, Reimbursement
from org.approvals.models import ApprovalRequest

APPROVED = ApprovalRequest.Status.APPROVED
ZERO = Decimal("0.00")


def records_for_user(user, model, action: str = "view"):
    """The finance records of ``model`` the user may see, with what a list shows (joined)."""
    related = ["request__requester", "request__department"]
    if model is Budget:
        related.append("department")
    return restricted_queryset(
        user, model, action, model.objects.select_related(*related).order_by("-pk")
    )


# --- periods and budgets --------------------------------------------------------------------


def period_range(year: int, period: str, number: int) -> tuple[dt.date, dt.date]:
    """First day and the day after the last of a budget period."""
    if period == Budget.Period.MONTH:
        start = dt.date(year, number, 1)
        end = dt.date(year + (number == 12), number % 12 + 1, 1)
    elif period == Budget.Period.QUARTER:
        start = dt.date(year, 3 * number - 2, 1)
        end = dt.date(year + (number == 4), (3 * number) % 12 + 1, 1)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return start, end


def periods_covering(on: dt.date) -> list[tuple[str, int]]:
    """The budget periods covering ``on``, the most specific first."""
    return [
        (Budget.Period.MONTH, on.month),
        (Budget.Period.QUARTER, (on.month - 1) // 3 + 1),
        (Budget.Period.YEAR, 0),
    ]


def _zone(dealership_id):
    return Dealership.objects.get(pk=dealership_id).zoneinfo


def request_date(request) -> dt.date:
    """The day a request counts against a budget: the day it was written (local time)."""
    return timezone.localtime(request.created_at, request.dealership.zoneinfo).date()


def _aware_range(start: dt.date, end: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


@dataclass
class BudgetStatus:
    department_id: int
    category: str
    period: str
    year: int
    number: int
    budget: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent

    @property
    def percent(self) -> int:
        if self.budget <= 0:
            return 100
        return min(100, int(self.spent * 100 / self.budget))

    @property
    def over(self) -> bool:
        return self.spent > self.budget

    @property
    def category_label(self) -> str:
        from finance.models import ExpenseCategory

        return ExpenseCategory(self.category).label

    @property
    def period_label(self) -> str:
        return Budget(year=self.year, period=self.period, number=self.number).period_label


def _spent_by_key(start: dt.date, end: dt.date, zone, *, departments=None, categories=None):
    """Approved payments and reimbursements per (department, category) in a period (2 queries)."""
    low, high = _aware_range(start, end, zone)
    totals: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for model in (Payment, Reimbursement):
        rows = model.objects.filter(
            request__status=APPROVED, request__created_at__gte=low, request__created_at__lt=high
        )
        if departments is not None:
            rows = rows.filter(request__department_id__in=departments)
        if categories is not None:
            rows = rows.filter(category__in=categories)
        for department_id, category, total in rows.values_list(
            "request__department_id", "category"
        ).annotate(total=Sum("request__amount")):
            totals[(department_id, category)] += total or ZERO
    return totals


def _spent_by_month(year: int, zone, *, departments) -> dict[tuple, Decimal]:
    """Approved payments and reimbursements of ``year`` per ((department, category), month)
    (one query)."""
    low, high = _aware_range(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), zone)
    parts = [
        model.objects.filter(
            request__status=APPROVED,
            request__created_at__gte=low,
            request__created_at__lt=high,
            request__department_id__in=departments,
        )
        .annotate(month=TruncMonth("request__created_at", tzinfo=zone))
        .values_list("request__department_id", "category", "month")
        .annotate(total=Sum("request__amount"))
        .order_by()
        for model in (Payment, Reimbursement)
    ]
    totals: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for department_id, category, month, total in parts[0].union(parts[1], all=True):
        month = month.date() if isinstance(month, dt.datetime) else month
        totals[((department_id, category), month)] += total or ZERO
    return totals


def _most_specific(budgets) -> dict[tuple[int, str], tuple[str, int, Decimal]]:
    """(department, category) → (period, number, amount) of the most specific approved period."""
    rank = {Budget.Period.MONTH: 0, Budget.Period.QUARTER: 1, Budget.Period.YEAR: 2}
    chosen: dict[tuple[int, str], tuple[str, int, Decimal]] = {}
    for department_id, category, period, number, amount in budgets:
        key = (department_id, category)
        current = chosen.get(key)
        if current is None or rank[period] < rank[current[0]]:
            chosen[key] = (period, number, amount)
        elif current[:2] == (period, number):  # two approved budgets of one period add up
            chosen[key] = (period, number, current[2] + amount)
    return chosen


def _covering_filter(on: dt.date) -> dict:
    from django.db.models import Q

    condition = Q()
    for period, number in periods_covering(on):
        condition |= Q(period=period, number=number)
    return {"condition": condition, "year": on.year}


def budget_remaining(
    *, department_id: int, category: str, on: dt.date, exclude_request_id=None
) -> BudgetStatus | None:
    """The department's approved budget for ``category`` of the most specific period covering
    ``on`` and what approved payments and reimbursements spent of it; None without a budget.
    A service-side read (the tenant scope, not the user's data scope)."""
    covering = _covering_filter(on)
    budgets = (
        Budget.objects.filter(
            covering["condition"],
            year=covering["year"],
            department_id=department_id,
            category=category,
            request__status=APPROVED,
        )
        .values_list("department_id", "category", "period", "number", "amount")
        .order_by()
    )
    chosen = _most_specific(budgets).get((department_id, category))
    if chosen is None:
        return None
    period, number, amount = chosen
    start, end = period_range(on.year, period, number)
    from org.models import Department

    zone = _zone(Department.objects.values_list("dealership_id", flat=True).get(pk=department_id))
    spent = _spent_by_key(start, end, zone, departments=[department_id], categories=[category])
    return BudgetStatus(
        department_id, category, period, on.year, number, amount, spent[(department_id, category)]
    )


def budget_overview(user, on: dt.date) -> list[BudgetStatus]:
    """Every (department, category) with an approved budget covering ``on`` that the user may
    see, with its spending: the budget page's bars (2 queries)."""
    covering = _covering_filter(on)
    budgets = list(
        restricted_queryset(user, Budget, "view")
        .filter(covering["condition"], year=covering["year"], request__status=APPROVED)
        .values_list(
            "department_id", "category", "period", "number", "amount", "dealership__time_zone"
        )
        .order_by()
    )
    if not budgets:
        return []
    chosen = _most_specific([row[:5] for row in budgets])
    zone = ZoneInfo(budgets[0][5])  # the dealerships of one scope share a zone
    # every period covering ``on`` lies in its year: the year's spending by month, then summed
    by_month = _spent_by_month(on.year, zone, departments={k[0] for k in chosen})
    spent: dict[tuple, Decimal] = {}
    for key, (period, number, _amount) in chosen.items():
        start, end = period_range(on.year, period, number)
        spent[key] = sum(
            (total for (k, month), total in by_month.items() if k == key and start <= month < end),
            ZERO,
        )
    return sorted(
        (
            BudgetStatus(key[0], key[1], period, on.year, number, amount, spent.get(key, ZERO))
            for key, (period, number, amount) in chosen.items()
        ),
        key=lambda s: (s.department_id, s.category),
    )


# --- advances -------------------------------------------------------------------------------


def outstanding_advances(user_ids) -> dict[int, Decimal]:
    """Per person: approved cash advances − approved write-offs (2 queries)."""
    ids = [pk for pk in set(user_ids) if pk is not None]
    if not ids:
        return {}
    result: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for user_id, total in (
        CashAdvance.objects.filter(request__status=APPROVED, request__requester_id__in=ids)
        .values_list("request__requester_id")
        .annotate(total=Sum("request__amount"))
        .order_by()
    ):
        result[user_id] += total or ZERO
    for user_id, total in (
        Reimbursement.objects.filter(
            type=Reimbursement.Type.WRITE_OFF,
            request__status=APPROVED,
            request__requester_id__in=ids,
        )
        .values_list("request__requester_id")
        .annotate(total=Sum("request__amount"))
        .order_by()
    ):
        result[user_id] -= total or ZERO
    return {pk: result[pk] for pk in ids}


def advances_to_write_off(user):
    """The user's own approved cash advances (to link a write-off to)."""
    return (
        CashAdvance.objects.filter(request__requester=user, request__status=APPROVED)
        .select_related("request")
        .order_by("-pk")
    )


def approved_promo_orders(user):
    """Approved promotional goods orders the user may see (to link a reimbursement to)."""
    return records_for_user(user, PromoOrder).filter(request__status=APPROVED)


def check_advance(advance, requester_id) -> None:
    if advance is None:
        raise ValidationError({"advance": _("Choose the cash advance this writes off.")})
    request = advance.request
    if request.requester_id != requester_id:
        raise ValidationError({"advance": _("You can only write off your own cash advances.")})
    if request.status != APPROVED:
        raise ValidationError({"advance": _("Only an approved cash advance can be written off.")})


def check_promo_order(order) -> None:
    if order is None:
        raise ValidationError({"promo_order": _("Choose the promotional goods order.")})
    if order.request.status != APPROVED:
        raise ValidationError(
            {"promo_order": _("Only an approved promotional goods order can be reimbursed.")}
        )


# --- OEM advertising reimbursement claims -----------------------------------------------------


@dataclass
class AdClaimQuarter:
    claims: list  # the quarter's claims (publication started in it), oldest first
    earlier: list  # claims of earlier quarters the OEM still owes on

    @staticmethod
    def _sum(claims, value) -> Decimal:
        return sum((value(c) or ZERO for c in claims), ZERO)

    @property
    def claimed(self) -> Decimal:
        return self._sum(self.claims, lambda c: c.claimed)

    @property
    def approved(self) -> Decimal:
        return self._sum(self.claims, lambda c: c.oem_approved_amount)

    @property
    def paid(self) -> Decimal:
        return self._sum(self.claims, lambda c: c.oem_paid_amount)

    @property
    def outstanding(self) -> Decimal:
        return self._sum(self.claims, lambda c: c.outstanding)

    @property
    def earlier_outstanding(self) -> Decimal:
        return self._sum(self.earlier, lambda c: c.outstanding)


def ad_claims_quarter(actor, start: dt.date, end: dt.date) -> AdClaimQuarter:
    """The advertising claims the dealership's chain approved whose publication started from
    ``start`` to ``end`` (a claim counts, whole, in the quarter its advertising started), and
    the approved claims of earlier quarters the OEM still owes on (two queries)."""
    from finance.models import AdClaim

    approved = (
        AdClaim.objects.for_user(actor, "view")
        .filter(request__status=APPROVED)
        .select_related("request", "request__department")
    )
    claims = list(
        approved.filter(published_from__gte=start, published_from__lte=end).order_by(
            "published_from", "pk"
        )
    )
    earlier = [
        claim
        for claim in approved.filter(published_from__lt=start)
        .exclude(oem_status=AdClaim.OemStatus.REJECTED)
        .order_by("published_from", "pk")
        if claim.outstanding > 0
    ]
    return AdClaimQuarter(claims=claims, earlier=earlier)


@dataclass
class AdClaimsWaiting:
    to_submit: int  # approved by the dealership, not yet sent to the OEM
    at_oem: int  # submitted, the OEM has not decided
    to_be_paid: int  # approved by the OEM, not paid
    outstanding: Decimal
    rows: list  # the oldest few, to open


def ad_claims_waiting(user, limit: int = 5) -> AdClaimsWaiting:
    """The claims finance still acts on with the OEM (two queries): how many wait to be sent,
    for the OEM's decision and for its payment, what the OEM still owes on them, and the
    oldest few."""
    from django.db.models import Count

    from finance.models import AdClaim

    States = AdClaim.OemStatus
    open_states = [States.NOT_SUBMITTED, States.SUBMITTED, States.APPROVED]
    claims = AdClaim.objects.for_user(user, "view").filter(
        request__status=APPROVED, oem_status__in=open_states
    )
    counts = {state: 0 for state in open_states}
    outstanding = ZERO
    for state, n, claimed, approved in (
        claims.order_by()
        .values_list("oem_status")
        .annotate(Count("pk"), Sum("request__amount"), Sum("oem_approved_amount"))
    ):
        counts[state] = n
        outstanding += (approved if state == States.APPROVED else claimed) or ZERO
    rows = list(claims.select_related("request").order_by("published_from", "pk")[:limit])
    return AdClaimsWaiting(
        counts[States.NOT_SUBMITTED],
        counts[States.SUBMITTED],
        counts[States.APPROVED],
        outstanding,
        rows,
    )
