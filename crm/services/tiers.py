"""Customer tiers (客户分级) for differentiated service (003 §2.5).

A dealership's tiers are rules (:class:`~crm.models.CustomerTier`): a customer reaches a tier
when their spending (the amounts of their crm events: the cars they bought, their repair
orders, as sales and after-sales report them), the vehicles they own now and their service
visits all reach its minimums; the highest tier reached (lowest rank) is theirs. Every
dealership starts with VIP / gold / ordinary (``tiers_seed``, a dealership initializer); the
CRM managers change them (``crm.change_survey``, audited), and every change measures the
customers again.

``standings_refresh`` measures every customer of the dealership in a constant number of queries
(grouped sums, one upsert) and keeps :class:`~crm.models.CustomerStanding` rows, so lists
filter by tier and the mix report reads one table. The nightly job ``crm.customer_tiers`` runs
it; running it twice changes nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from crm.models import Customer, CustomerEvent, CustomerStanding, CustomerTier, EventKind, Vehicle
from dealership.access import check_model_permission, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.figures import local_today
from dealership.models import AuditEntry
from dealership.tenancy import get_scope

__all__ = [
    "DEFAULT_TIERS",
    "TIER_FIELDS",
    "standings_refresh",
    "tier_create",
    "tier_delete",
    "tier_for",
    "tier_update",
    "tiers_seed",
]

TIER_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "rank",
    "min_spending",
    "min_vehicles",
    "min_visits",
    "benefits",
)
DEFAULT_TIERS = (
    {
        "code": "vip",
        "name_zh": "VIP客户",
        "name_en": "VIP",
        "rank": 1,
        "min_spending": Decimal("400000.00"),
        "min_vehicles": 2,
        "min_visits": 0,
        "benefits": "专属服务顾问;优先预约与工位;免费接送车;新车上市优先试驾;生日与节日关怀",
    },
    {
        "code": "gold",
        "name_zh": "金卡客户",
        "name_en": "Gold",
        "rank": 2,
        "min_spending": Decimal("150000.00"),
        "min_vehicles": 1,
        "min_visits": 0,
        "benefits": "优先预约;保养工时折扣;车友会活动优先邀请",
    },
    {
        "code": "ordinary",
        "name_zh": "普通客户",
        "name_en": "Ordinary",
        "rank": 9,
        "min_spending": Decimal("0.00"),
        "min_vehicles": 0,
        "min_visits": 0,
        "benefits": "标准服务与车务提醒",
    },
)
MAX_YUAN = Decimal("999999999999.99")


def _pk(value):
    return getattr(value, "pk", value)


def tiers_seed(dealership) -> None:
    """Give ``dealership`` the default tiers when it has none (a dealership initializer)."""
    if CustomerTier.objects.filter(dealership_id=dealership.pk).exists():
        return
    for values in DEFAULT_TIERS:
        CustomerTier.objects.create(dealership_id=dealership.pk, **values)


def tier_for(tiers, *, spending: Decimal, vehicles: int, visits: int):
    """The highest of ``tiers`` (sorted by rank) whose minimums are all reached, or None."""
    for tier in tiers:
        if (
            spending >= tier.min_spending
            and vehicles >= tier.min_vehicles
            and visits >= tier.min_visits
        ):
            return tier
    return None


def standings_refresh(*, customer_ids=None) -> int:
    """Measure the customers (all of the dealership, or ``customer_ids``) and keep their
    standing and tier; returns the number of standings written. Called in the dealership's
    scope by the job and the tier services (system code: it reads every customer)."""
    day = local_today()
    dealership_id = get_scope().current_id
    tiers = list(CustomerTier.objects.order_by("rank", "pk"))
    customers = Customer.objects.all()
    events = CustomerEvent.objects.all()
    vehicles = Vehicle.objects.filter(owner__isnull=False)
    if customer_ids is not None:
        ids = [int(i) for i in customer_ids]
        customers = customers.filter(pk__in=ids)
        events = events.filter(customer_id__in=ids)
        vehicles = vehicles.filter(owner_id__in=ids)
    sums = {
        row["customer_id"]: row
        for row in events.order_by()
        .values("customer_id")
        .annotate(
            spent=Sum("amount"),
            visits=Count("pk", filter=Q(kind=EventKind.SERVICE)),
            purchases=Count("pk", filter=Q(kind=EventKind.SALES)),
        )
    }
    owned = dict(
        vehicles.order_by().values("owner_id").annotate(n=Count("pk")).values_list("owner_id", "n")
    )
    rows = []
    for customer_id in customers.values_list("pk", flat=True):
        row = sums.get(customer_id) or {}
        spending = Decimal(row.get("spent") or 0).quantize(Decimal("0.01"))
        visits = row.get("visits") or 0
        count = owned.get(customer_id, 0)
        tier = tier_for(tiers, spending=spending, vehicles=count, visits=visits)
        rows.append(
            CustomerStanding(
                dealership_id=dealership_id,
                customer_id=customer_id,
                tier=tier,
                spending=spending,
                vehicles=min(count, 32767),
                purchases=min(row.get("purchases") or 0, 32767),
                visits=visits,
                computed_on=day,
            )
        )
    CustomerStanding.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["dealership", "customer"],
        update_fields=["tier", "spending", "vehicles", "purchases", "visits", "computed_on"],
    )
    return len(rows)


# --- the rules ----------------------------------------------------------------------------------


def _check(tier: CustomerTier) -> None:
    tier.code = str(tier.code or "").strip().lower()
    if not tier.code or len(tier.code) > 30 or not tier.code.replace("_", "").isalnum():
        raise ValidationError({"code": _("Give a short code of letters, digits and _.")})
    tier.name_zh = str(tier.name_zh or "").strip()[:50]
    tier.name_en = str(tier.name_en or "").strip()[:50]
    if not tier.name_zh:
        raise ValidationError({"name_zh": _("Give the tier's Chinese name.")})
    try:
        tier.rank = int(tier.rank)
    except (TypeError, ValueError):
        raise ValidationError(
            {"rank": _("Give the rank as a whole number (1 is highest).")}
        ) from None
    if not 1 <= tier.rank <= 99:
        raise ValidationError({"rank": _("The rank is from 1 (highest) to 99.")})
    try:
        tier.min_spending = Decimal(
            str(tier.min_spending if tier.min_spending is not None else "0")
        )
    except (InvalidOperation, ValueError):
        raise ValidationError({"min_spending": _("Give an amount in yuan.")}) from None
    if not tier.min_spending.is_finite() or tier.min_spending < 0 or tier.min_spending > MAX_YUAN:
        raise ValidationError({"min_spending": _("Give an amount in yuan, not negative.")})
    tier.min_spending = tier.min_spending.quantize(Decimal("0.01"))
    for field in ("min_vehicles", "min_visits"):
        try:
            value = int(getattr(tier, field) or 0)
        except (TypeError, ValueError):
            raise ValidationError({field: _("Give a whole number.")}) from None
        if not 0 <= value <= 999:
            raise ValidationError({field: _("Give a whole number from 0 to 999.")})
        setattr(tier, field, value)
    tier.benefits = str(tier.benefits or "").strip()[:2000]
    clash = CustomerTier.objects.exclude(pk=tier.pk)
    if clash.filter(code=tier.code).exists():
        raise ValidationError({"code": _("Another tier has this code.")})
    if clash.filter(rank=tier.rank).exists():
        raise ValidationError({"rank": _("Another tier has this rank.")})


@transaction.atomic
def tier_create(*, actor, **fields) -> CustomerTier:
    """Add a tier rule; every customer is measured again."""
    unknown = sorted(set(fields) - set(TIER_FIELDS))
    if unknown:
        raise ValidationError(_("%(field)s cannot be changed.") % {"field": ", ".join(unknown)})
    check_model_permission(actor, CustomerTier, "add")
    tier = CustomerTier(dealership_id=get_scope().current_id, **fields)
    _check(tier)
    save_audited(actor=actor, obj=tier, before=None, fields=TIER_FIELDS)
    standings_refresh()
    return tier


@transaction.atomic
def tier_update(*, actor, tier_id, **fields) -> CustomerTier:
    """Change a tier rule (its minimums, names, rank, what it offers)."""
    unknown = sorted(set(fields) - set(TIER_FIELDS))
    if unknown:
        raise ValidationError(_("%(field)s cannot be changed.") % {"field": ", ".join(unknown)})
    tier = lock_for_user(actor, CustomerTier, _pk(tier_id), "change")
    before = snapshot(tier, TIER_FIELDS)
    for name, value in fields.items():
        setattr(tier, name, value)
    _check(tier)
    save_audited(actor=actor, obj=tier, before=before, fields=TIER_FIELDS)
    standings_refresh()
    return tier


@transaction.atomic
def tier_delete(*, actor, tier_id) -> None:
    """Remove a tier rule; its customers fall to the next tier they reach."""
    tier = lock_for_user(actor, CustomerTier, _pk(tier_id), "delete")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=tier,
        before=snapshot(tier, TIER_FIELDS),
        after=None,
    )
    tier.delete()
    standings_refresh()
