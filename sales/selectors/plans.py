"""Reads of sales: plans — the sales board, the morning/evening meeting sheet (晨会/夕会), the
month's targets against results and the day confirmation.

Every count is read through ``Model.objects.for_user(user, "view")`` (each viewer sees only
their rows) and aggregated in the database with ``values().annotate(Count)``, so each page runs
a constant number of queries however many rows there are. A model the viewer may not see at all
(e.g. the stock for someone without ``sales.view_stock``) is left out (``None``), not an error.

Who gets a row: a viewer whose ``sales.view_order`` scope is "own" (a consultant) gets only their
own row; anyone wider gets one row per sales person of the dealership (holders of
``sales_consultant`` / ``key_account_manager``) plus anyone else with records in their scope."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Q, Sum, Value, When
from django.utils import timezone

from dealership.access import can
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope
from sales.models import (
    DayConfirmation,
    Delivery,
    Lead,
    Order,
    OrderStatus,
    Quote,
    SalesTarget,
    Stage,
    StockStatus,
    StockVehicle,
    TestDrive,
    Visit,
    VisitKind,
)

SALES_POSITIONS = ("sales_consultant", "key_account_manager")
AGE_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


# --- dates --------------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def yesterday() -> dt.date:
    return today() - dt.timedelta(days=1)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_day(value: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` → a date; ``None`` when empty or malformed."""
    try:
        return dt.date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def parse_month(value: str | None) -> dt.date | None:
    """``YYYY-MM`` (or a full date) → the first day of that month; ``None`` when malformed."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 7:
            return dt.date.fromisoformat(f"{value}-01")
        return dt.date.fromisoformat(value).replace(day=1)
    except ValueError:
        return None


def percent(done: int, target: int | None) -> int | None:
    if not target:
        return None
    return round(100 * done / target)


# --- who ----------------------------------------------------------------------------------------


def own_only(user) -> bool:
    """Does the viewer see only their own sales rows (a consultant)?"""
    access = user_access(user)
    if access.is_system:
        return False
    return access.scope_for(C.SALES_VIEW_ORDER) in (None, DataScope.OWN)


def sales_people(user) -> dict[int, str]:
    """``{user id: name}`` of the rows the viewer gets (one query; none for a consultant)."""
    if own_only(user):
        return {user.pk: str(user)}
    from org.models import PositionAssignment

    rows = (
        PositionAssignment.objects.filter(
            position__code__in=SALES_POSITIONS, staff__is_active=True, staff__user__is_active=True
        )
        .values_list("staff__user_id", "staff__user__name", "staff__user__username")
        .distinct()
    )
    return {pk: name or username for pk, name, username in rows}


def _names(user_ids) -> dict[int, str]:
    """Names of people who have records but hold no sales position (one query, or none)."""
    from dealership.models import User

    if not user_ids:
        return {}
    return {
        pk: name or username
        for pk, name, username in User.objects.filter(pk__in=user_ids).values_list(
            "pk", "name", "username"
        )
    }


def _visible(user, model) -> bool:
    return can(user, model, "view")


def _by_consultant(queryset, field_name="consultant_id") -> dict[int, int]:
    return {
        row[field_name]: row["n"]
        for row in queryset.values(field_name).annotate(n=Count("pk")).order_by()
    }


def _confirmation(user, day: dt.date):
    """The day's confirmation if the viewer may see it; ``False`` when they may not look."""
    if own_only(user) or not _visible(user, DayConfirmation):
        return False
    return (
        DayConfirmation.objects.for_user(user, "view")
        .select_related("confirmed_by")
        .filter(day=day)
        .first()
    )


# --- the meeting sheet --------------------------------------------------------------------------

SHEET_COLUMNS = (
    "walk_ins",
    "phone_ins",
    "new_leads",
    "test_drives",
    "quotes",
    "orders",
    "deliveries",
    "mtd_orders",
    "mtd_deliveries",
    "target",
)


@dataclass
class SheetRow:
    consultant_id: int | None
    name: str
    walk_ins: int = 0
    phone_ins: int = 0
    new_leads: int = 0
    test_drives: int = 0
    quotes: int = 0
    orders: int = 0
    deliveries: int = 0
    mtd_orders: int = 0
    mtd_deliveries: int = 0
    target: int | None = None

    @property
    def achieved(self) -> int | None:
        return percent(self.mtd_deliveries, self.target)

    @property
    def bar(self) -> int:
        return min(self.achieved or 0, 100)

    def as_dict(self) -> dict:
        data = {"consultant": self.consultant_id, "name": self.name}
        data.update({c: getattr(self, c) for c in SHEET_COLUMNS})
        data["achieved_percent"] = self.achieved
        return data


@dataclass
class MeetingSheet:
    day: dt.date
    month: dt.date
    rows: list[SheetRow]
    total: SheetRow
    confirmation: object = None  # DayConfirmation, None (not yet), False (not the viewer's)
    own_only: bool = False

    def as_dict(self) -> dict:
        confirmation = self.confirmation
        return {
            "day": self.day.isoformat(),
            "month": f"{self.month:%Y-%m}",
            "rows": [r.as_dict() for r in self.rows],
            "total": self.total.as_dict(),
            "confirmed": None
            if confirmation is False
            else (
                {
                    "by": str(confirmation.confirmed_by),
                    "at": confirmation.confirmed_at.isoformat(),
                    "orders": confirmation.orders,
                    "deliveries": confirmation.deliveries,
                }
                if confirmation
                else False
            ),
        }


def _rows(user, counts: dict[str, dict[int, int]], targets: dict[int | None, int]):
    people = sales_people(user)
    ids = set(people)
    if not own_only(user):
        for per in counts.values():
            ids |= {pk for pk in per if pk is not None}
        ids |= {pk for pk in targets if pk is not None}
    else:
        ids = {user.pk}
    people.update(_names(ids - set(people)))
    return sorted(ids, key=lambda pk: (people.get(pk, ""), pk)), people


def meeting_sheet(user, day: dt.date) -> MeetingSheet:
    """The numbers of the morning/evening meeting: per consultant the day's walk-ins, phone-ins,
    new leads, test drives, quotes, orders (not cancelled) and deliveries, and month to date
    (the 1st up to ``day``) the orders, deliveries, the month's target and % achieved. The
    counts in one query (:func:`_sheet_counts`), whatever the number of rows."""
    start = month_start(day)
    counts: dict[str, dict[int, int]] = {c: {} for c in SHEET_COLUMNS if c != "target"}
    for consultant_id, column, n, today in _sheet_counts(user, day, start):
        if column in ("orders", "deliveries"):  # the day's, and month to date
            counts[column][consultant_id] = today
            counts[f"mtd_{column}"][consultant_id] = n
        else:
            counts[column][consultant_id] = n
    targets = month_targets(user, start)
    ids, people = _rows(user, counts, targets)
    rows = []
    for pk in ids:
        row = SheetRow(pk, people.get(pk, str(pk)), target=targets.get(pk))
        for column, per in counts.items():
            setattr(row, column, per.get(pk, 0))
        rows.append(row)
    total = _total(rows, counts, targets, user)
    return MeetingSheet(
        day=day,
        month=start,
        rows=rows,
        total=total,
        confirmation=_confirmation(user, day),
        own_only=own_only(user),
    )


def _sheet_counts(user, day: dt.date, start: dt.date):
    """(consultant, column, count, count of ``day``) of every model the viewer may see, in one
    ``UNION ALL`` query: visits by kind, new leads, test drives and quotes of ``day``, orders
    (not cancelled) and deliveries from ``start`` to ``day``."""
    label = CharField()

    def per_consultant(queryset, column, today: Q | None = None):
        if not isinstance(column, Case):
            column = Value(column, output_field=label)
        return (
            queryset.annotate(column=column)
            .values("consultant_id", "column")
            .annotate(n=Count("pk"), today=Count("pk", filter=today) if today else Count("pk"))
            .values_list("consultant_id", "column", "n", "today")
            .order_by()
        )

    parts = []
    if _visible(user, Visit):
        kind = Case(
            When(kind=VisitKind.WALK_IN, then=Value("walk_ins")),
            default=Value("phone_ins"),
            output_field=label,
        )
        parts.append(
            per_consultant(Visit.objects.for_user(user, "view").filter(visited_at__date=day), kind)
        )
    for model, column, moment in (
        (Lead, "new_leads", "created_at__date"),
        (TestDrive, "test_drives", "starts_at__date"),
        (Quote, "quotes", "created_at__date"),
    ):
        if _visible(user, model):
            rows = model.objects.for_user(user, "view").filter(**{moment: day})
            parts.append(per_consultant(rows, column))
    if _visible(user, Order):
        rows = (
            Order.objects.for_user(user, "view")
            .filter(ordered_on__gte=start, ordered_on__lte=day)
            .exclude(status=OrderStatus.CANCELLED)
        )
        parts.append(per_consultant(rows, "orders", Q(ordered_on=day)))
    if _visible(user, Delivery):
        rows = Delivery.objects.for_user(user, "view").filter(
            delivered_on__gte=start, delivered_on__lte=day
        )
        parts.append(per_consultant(rows, "deliveries", Q(delivered_on=day)))
    if not parts:
        return []
    return list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])


def _total(rows, counts, targets, user) -> SheetRow:
    from django.utils.translation import gettext

    total = SheetRow(None, gettext("Total"))
    for column in counts:
        setattr(total, column, sum(getattr(r, column) for r in rows))
    if own_only(user):
        total.target = sum(r.target or 0 for r in rows) or None
    else:
        # the department's own target when set, else the sum of the consultants'
        total.target = targets.get(None) or (sum(r.target or 0 for r in rows) or None)
    return total


def month_targets(user, month: dt.date) -> dict[int | None, int]:
    """``{consultant id (None: the department): units}`` of the month's all-model targets."""
    if not _visible(user, SalesTarget):
        return {}
    rows = (
        SalesTarget.objects.for_user(user, "view")
        .filter(month=month, model="")
        .values("consultant_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    return {row["consultant_id"]: row["units"] for row in rows}


# --- targets ------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    consultant_id: int | None
    name: str
    target: int | None = None
    delivered: int = 0
    models: list = field(default_factory=list)  # [(model, target or None, delivered)]

    @property
    def achieved(self) -> int | None:
        return percent(self.delivered, self.target)

    @property
    def bar(self) -> int:
        return min(self.achieved or 0, 100)


@dataclass
class TargetGrid:
    month: dt.date
    department: TargetRow
    rows: list[TargetRow]
    model_targets: list  # SalesTarget rows with a model


def target_grid(user, month: dt.date) -> TargetGrid:
    """The month's targets against results (deliveries of the month, per consultant and per
    model via the order's model), as the viewer may see them. Four queries."""
    from django.utils.translation import gettext

    month = month_start(month)
    targets = list(
        SalesTarget.objects.for_user(user, "view")
        .filter(month=month)
        .values("consultant_id", "model", "units")
        .order_by("consultant_id", "model")
    )
    delivered: dict[tuple[int | None, str], int] = {}
    if _visible(user, Delivery):
        rows = (
            Delivery.objects.for_user(user, "view")
            .filter(delivered_on__gte=month, delivered_on__lte=month_end(month))
            .values("consultant_id", "order__vehicle_model")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            delivered[(row["consultant_id"], row["order__vehicle_model"])] = row["n"]
    all_model = {t["consultant_id"]: t["units"] for t in targets if not t["model"]}
    per_model = [t for t in targets if t["model"]]
    counts = {"delivered": {}}
    for (pk, _model), n in delivered.items():
        counts["delivered"][pk] = counts["delivered"].get(pk, 0) + n
    ids, people = _rows(user, counts, all_model)
    rows = []
    for pk in ids:
        row = TargetRow(
            pk, people.get(pk, str(pk)), all_model.get(pk), counts["delivered"].get(pk, 0)
        )
        row.models = [
            (t["model"], t["units"], delivered.get((pk, t["model"]), 0))
            for t in per_model
            if t["consultant_id"] == pk
        ]
        rows.append(row)
    department = TargetRow(
        None,
        gettext("Department total"),
        all_model.get(None) or (sum(r.target or 0 for r in rows) or None),
        sum(r.delivered for r in rows),
    )
    by_model: dict[str, int] = {}
    for (_pk, model), n in delivered.items():
        by_model[model] = by_model.get(model, 0) + n
    department.models = [
        (t["model"], t["units"], by_model.get(t["model"], 0))
        for t in per_model
        if t["consultant_id"] is None
    ]
    return TargetGrid(month=month, department=department, rows=rows, model_targets=per_model)


# --- the board ----------------------------------------------------------------------------------


@dataclass
class Board:
    today: dt.date
    month: dt.date
    traffic: dict | None
    stages: list | None  # [Stage choices]
    leads: list | None  # [(name, {stage: n}, total)]
    orders: dict | None
    deliveries: int | None
    stock: dict | None
    ages: list | None
    targets: list  # SheetRow per consultant
    total: SheetRow
    confirmation: object
    yesterday: dt.date
    own_only: bool


def board(user, on: dt.date | None = None) -> Board:
    """The sales board: today's traffic, leads by stage × consultant, the month's orders and
    deliveries, the stock by status and age, the month's targets against deliveries, and
    whether yesterday was confirmed. A constant number of queries."""
    on = on or today()
    start = month_start(on)
    traffic = None
    if _visible(user, Visit):
        traffic = {"walk_in": 0, "phone_in": 0}
        for row in (
            Visit.objects.for_user(user, "view")
            .filter(visited_at__date=on)
            .values("kind")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            traffic[row["kind"]] = row["n"]
        traffic["total"] = traffic["walk_in"] + traffic["phone_in"]
    lead_counts: dict[int, dict[str, int]] = {}
    if _visible(user, Lead):
        for row in (
            Lead.objects.for_user(user, "view")
            .values("consultant_id", "stage")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            lead_counts.setdefault(row["consultant_id"], {})[row["stage"]] = row["n"]
    orders = None
    if _visible(user, Order):
        orders = {s: 0 for s in OrderStatus.values}
        for row in (
            Order.objects.for_user(user, "view")
            .filter(ordered_on__gte=start, ordered_on__lte=on)
            .values("status")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            orders[row["status"]] = row["n"]
    delivered: dict[int, int] = {}
    deliveries = None
    if _visible(user, Delivery):
        delivered = _by_consultant(
            Delivery.objects.for_user(user, "view").filter(
                delivered_on__gte=start, delivered_on__lte=on
            )
        )
        deliveries = sum(delivered.values())
    stock = ages = None
    if _visible(user, StockVehicle):
        stock = {s: 0 for s in StockStatus.values}
        for row in (
            StockVehicle.objects.for_user(user, "view")
            .values("status")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            stock[row["status"]] = row["n"]
        on_hand = Q(status__in=[StockStatus.IN_STOCK, StockStatus.RESERVED, StockStatus.SOLD])
        buckets = {}
        for low, high in AGE_BUCKETS:
            when = Q(arrived_on__lte=on - dt.timedelta(days=low))
            if high is not None:
                when &= Q(arrived_on__gt=on - dt.timedelta(days=high + 1))
            buckets[f"b{low}"] = Count("pk", filter=when)
        aged = StockVehicle.objects.for_user(user, "view").filter(on_hand).aggregate(**buckets)
        ages = [(low, high, aged[f"b{low}"]) for low, high in AGE_BUCKETS]
    targets = month_targets(user, start)
    ids, people = _rows(user, {"leads": lead_counts, "delivered": delivered}, targets)
    stages = list(Stage)
    leads = None
    if lead_counts or _visible(user, Lead):
        leads = []
        for pk in ids:
            per = lead_counts.get(pk, {})
            leads.append(
                (people.get(pk, str(pk)), [per.get(s.value, 0) for s in stages], sum(per.values()))
            )
    rows = []
    for pk in ids:
        row = SheetRow(pk, people.get(pk, str(pk)), target=targets.get(pk))
        row.mtd_deliveries = delivered.get(pk, 0)
        rows.append(row)
    total = SheetRow(None, "")
    total.mtd_deliveries = sum(r.mtd_deliveries for r in rows)
    total.target = (
        sum(r.target or 0 for r in rows) or None
        if own_only(user)
        else targets.get(None) or (sum(r.target or 0 for r in rows) or None)
    )
    before = on - dt.timedelta(days=1)
    return Board(
        today=on,
        month=start,
        traffic=traffic,
        stages=stages,
        leads=leads,
        orders=orders,
        deliveries=deliveries,
        stock=stock,
        ages=ages,
        targets=rows,
        total=total,
        confirmation=_confirmation(user, before),
        yesterday=before,
        own_only=own_only(user),
    )


# --- the day confirmation -----------------------------------------------------------------------


def day_records(user, day: dt.date) -> dict:
    """The day's orders and deliveries the viewer may see (for the clerk's check), and the
    confirmation if any. Three queries."""
    orders = list(
        Order.objects.for_user(user, "view")
        .filter(ordered_on=day)
        .select_related("customer", "consultant")
        .order_by("pk")
    )
    deliveries = (
        list(
            Delivery.objects.for_user(user, "view")
            .filter(delivered_on=day)
            .select_related("order", "customer", "consultant")
            .order_by("pk")
        )
        if _visible(user, Delivery)
        else []
    )
    return {
        "orders": orders,
        "deliveries": deliveries,
        "confirmation": _confirmation(user, day),
    }


def day_counts(user, day: dt.date) -> tuple[int, int]:
    """Orders (not cancelled) and deliveries of ``day`` in the viewer's scope (two queries)."""
    orders = (
        Order.objects.for_user(user, "view")
        .filter(ordered_on=day)
        .exclude(status=OrderStatus.CANCELLED)
        .count()
    )
    deliveries = Delivery.objects.for_user(user, "view").filter(delivered_on=day).count()
    return orders, deliveries


# --- dashboard widgets --------------------------------------------------------------------------


def my_month(user, on: dt.date | None = None) -> dict:
    """A consultant's month: deliveries against their target, and their open orders."""
    on = on or today()
    start = month_start(on)
    delivered = (
        Delivery.objects.for_user(user, "view")
        .filter(consultant_id=user.pk, delivered_on__gte=start, delivered_on__lte=on)
        .count()
        if _visible(user, Delivery)
        else 0
    )
    open_orders = (
        Order.objects.for_user(user, "view")
        .filter(consultant_id=user.pk, status__in=[OrderStatus.OPEN, OrderStatus.FACTORY])
        .count()
        if _visible(user, Order)
        else 0
    )
    target = month_targets(user, start).get(user.pk)
    achieved = percent(delivered, target)
    return {
        "month": start,
        "delivered": delivered,
        "target": target,
        "achieved": achieved,
        "bar": min(achieved or 0, 100),
        "open_orders": open_orders,
    }


def sales_today(user, on: dt.date | None = None) -> dict:
    """The floor's day so far: traffic, orders and deliveries, and whether yesterday was
    confirmed."""
    on = on or today()
    traffic = (
        Visit.objects.for_user(user, "view").filter(visited_at__date=on).count()
        if _visible(user, Visit)
        else None
    )
    orders = (
        Order.objects.for_user(user, "view")
        .filter(ordered_on=on)
        .exclude(status=OrderStatus.CANCELLED)
        .count()
        if _visible(user, Order)
        else None
    )
    deliveries = (
        Delivery.objects.for_user(user, "view").filter(delivered_on=on).count()
        if _visible(user, Delivery)
        else None
    )
    return {
        "today": on,
        "traffic": traffic,
        "orders": orders,
        "deliveries": deliveries,
        "confirmation": _confirmation(user, on - dt.timedelta(days=1)),
        "yesterday": on - dt.timedelta(days=1),
    }
