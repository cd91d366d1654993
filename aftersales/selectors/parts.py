"""Reads of the parts store: parts (levels and their reconciliation with the movements),
movements, the part lines waiting to be issued, purchase orders, counter sales and stock counts;
through ``Model.objects.for_user(user, action)``, each list in a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce

from aftersales.models import (
    CounterSale,
    CounterSaleLine,
    LineKind,
    Part,
    PartLineState,
    PartMovement,
    PurchaseOrder,
    PurchaseOrderLine,
    RepairLine,
    RepairStatus,
    StockCount,
    StockCountLine,
)
from dealership.access import can, restricted_queryset

ZERO = Decimal("0")

PART_SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "name": ("name_zh", "number"),
    "bin": ("bin", "number"),
    "on_hand": ("on_hand", "number"),
    "-on_hand": ("-on_hand", "number"),
    "available": ("available_qty", "number"),
}


def _search(value) -> str:
    return str(value or "").strip()[:50]


# --- parts --------------------------------------------------------------------------------------


def parts_for_user(
    user,
    *,
    q: str = "",
    low: bool = False,
    bin: str = "",
    active: str = "",
    sort: str = "",
    action: str = "view",
):
    """The parts the user may see: search by number or name, ``low`` (on hand at or below the
    reorder point), ``bin``, ``active`` ("yes"/"no"), sorted."""
    rows = restricted_queryset(user, Part, action, Part.objects.all()).annotate(
        available_qty=F("on_hand") - F("reserved")
    )
    q = _search(q)
    if q:
        rows = rows.filter(
            Q(number__icontains=q) | Q(name_zh__icontains=q) | Q(name_en__icontains=q)
        )
    if low:
        rows = rows.filter(on_hand__lte=F("reorder_point"))
    if bin:
        rows = rows.filter(bin__iexact=str(bin).strip()[:20])
    if active == "yes":
        rows = rows.filter(is_active=True)
    elif active == "no":
        rows = rows.filter(is_active=False)
    return rows.order_by(*PART_SORTS.get(sort, PART_SORTS["number"]))


def part_bins(user) -> list[str]:
    rows = restricted_queryset(user, Part, "view").exclude(bin="")
    return list(rows.order_by("bin").values_list("bin", flat=True).distinct()[:300])


def part_reconciliation(part: Part) -> dict:
    """On hand against the sum of the part's movements (one query)."""
    total = PartMovement.objects.filter(part=part).aggregate(total=Coalesce(Sum("quantity"), ZERO))[
        "total"
    ]
    return {"movements": total, "difference": part.on_hand - total, "ok": part.on_hand == total}


def movements_for_user(user, *, part=None, kind: str = "", action: str = "view"):
    rows = restricted_queryset(
        user,
        PartMovement,
        action,
        PartMovement.objects.select_related(
            "part",
            "created_by",
            "repair_line__repair_order",
            "purchase_line__order",
            "sale_line__sale",
            "count_line__count",
        ),
    )
    if part is not None:
        rows = rows.filter(part_id=getattr(part, "pk", part))
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-pk")


# --- part lines of repair orders ----------------------------------------------------------------


def may_see_part_lines(user) -> bool:
    """The parts staff (every part line) and who sees repair orders (their lines)."""
    from aftersales.services.parts import may_manage_parts

    return (may_manage_parts(user) and can(user, Part, "view")) or can(user, RepairLine, "view")


def part_lines_for_user(user, *, state: str = PartLineState.RESERVED, q: str = ""):
    """Part lines of live repair orders (reserved: waiting to be issued): for the parts staff
    every line of a part they see, for the others the lines of the repair orders they may see."""
    from aftersales.services.parts import may_manage_parts

    base = RepairLine.objects.filter(kind=LineKind.PART).select_related(
        "part", "repair_order", "repair_order__vehicle", "repair_order__advisor"
    )
    if may_manage_parts(user) and can(user, Part, "view"):
        rows = base.filter(part_id__in=Part.objects.for_user(user, "view").values("pk"))
    else:  # 403 for who sees no repair order
        rows = restricted_queryset(user, RepairLine, "view", base)
    rows = rows.exclude(repair_order__status__in=[RepairStatus.CLOSED, RepairStatus.CANCELLED])
    if state:
        rows = rows.filter(part_state=state)
    q = _search(q)
    if q:
        rows = rows.filter(
            Q(repair_order__number__icontains=q)
            | Q(part__number__icontains=q)
            | Q(part__name_zh__icontains=q)
            | Q(repair_order__vehicle__plate__icontains=q)
        )
    return rows.order_by("repair_order__checked_in_at", "pk")


# --- purchase orders ----------------------------------------------------------------------------


def purchase_orders_for_user(user, *, q: str = "", status: str = "", sort: str = "", action="view"):
    rows = restricted_queryset(
        user,
        PurchaseOrder,
        action,
        PurchaseOrder.objects.select_related("created_by").annotate(
            line_count=Count("lines"),
            amount=Coalesce(Sum(F("lines__quantity") * F("lines__unit_cost")), ZERO),
        ),
    )
    q = _search(q)
    if q:
        with_part = PurchaseOrderLine.objects.filter(part__number__icontains=q)
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(supplier__icontains=q)
            | Q(pk__in=with_part.values("order_id"))
        )
    if status:
        rows = rows.filter(status=status)
    order = {"new": ("-pk",), "old": ("pk",), "ordered": ("-ordered_on", "-pk")}
    return rows.order_by(*order.get(sort, order["new"]))


def purchase_order_detail_queryset():
    return PurchaseOrder.objects.select_related("created_by").prefetch_related(
        Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("part"))
    )


# --- counter sales ------------------------------------------------------------------------------


def counter_sales_for_user(
    user, *, q: str = "", date_from=None, date_to=None, sort: str = "", action: str = "view"
):
    rows = restricted_queryset(
        user,
        CounterSale,
        action,
        CounterSale.objects.select_related("customer", "salesperson").annotate(
            line_count=Count("lines")
        ),
    )
    q = _search(q)
    if q:
        rows = rows.filter(
            Q(number__icontains=q) | Q(buyer_name__icontains=q) | Q(customer__name__icontains=q)
        )
    if date_from:
        rows = rows.filter(sold_on__gte=date_from)
    if date_to:
        rows = rows.filter(sold_on__lte=date_to)
    order = {"new": ("-sold_on", "-pk"), "old": ("sold_on", "pk"), "total": ("-total", "-pk")}
    return rows.order_by(*order.get(sort, order["new"]))


def counter_sale_detail_queryset():
    return CounterSale.objects.select_related("customer", "salesperson").prefetch_related(
        Prefetch("lines", queryset=CounterSaleLine.objects.select_related("part"))
    )


# --- stock counts -------------------------------------------------------------------------------


def stock_counts_for_user(user, *, posted: str = "", sort: str = "", action: str = "view"):
    rows = restricted_queryset(
        user,
        StockCount,
        action,
        StockCount.objects.select_related("counted_by").annotate(
            line_count=Count("lines"),
            differences=Count("lines", filter=~Q(lines__counted=F("lines__expected"))),
        ),
    )
    if posted == "yes":
        rows = rows.filter(posted=True)
    elif posted == "no":
        rows = rows.filter(posted=False)
    order = {"new": ("-counted_on", "-pk"), "old": ("counted_on", "pk")}
    return rows.order_by(*order.get(sort, order["new"]))


def stock_count_detail_queryset():
    return StockCount.objects.select_related("counted_by").prefetch_related(
        Prefetch(
            "lines",
            queryset=StockCountLine.objects.select_related("part").order_by(
                "part__bin", "part__number"
            ),
        )
    )
