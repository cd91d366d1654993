"""Writes of the vehicle stock (店头库存). A car moves in transit → in stock → reserved (an order
took it) → sold (the order is paid in full) → delivered; releasing a reservation (an order
cancelled or moved to another car) puts it back. Every transition locks the car's row
(``select_for_update``) and checks its status, so two consultants cannot take one car at the same
moment: the second waits for the first and then finds it reserved."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from sales.models import (
    AllocationLine,
    AllocationRequest,
    AllocationStatus,
    StockStatus,
    StockVehicle,
)

__all__ = [
    "allocation_counts",
    "allocation_create",
    "allocation_line_update",
    "allocation_rebuild",
    "allocation_submit",
    "allocation_update",
    "stock_arrive",
    "stock_create",
    "stock_deliver",
    "stock_release",
    "stock_reserve",
    "stock_sell",
    "stock_update",
    "suggested_quantity",
]

STATUS_FIELDS = ("status", "delivered_on")


def _lock_visible(actor, stock_vehicle_id) -> StockVehicle:
    """The car, locked, if the actor may see it (a consultant selling a car needs no right to
    change the stock; the order services check the order's rights)."""
    return get_object_for_user(
        actor,
        StockVehicle,
        "view",
        StockVehicle.objects.select_for_update(),
        pk=getattr(stock_vehicle_id, "pk", stock_vehicle_id),
    )


def _move(actor, car: StockVehicle, status: str, **fields) -> StockVehicle:
    before = snapshot(car, STATUS_FIELDS)
    car.status = status
    for name, value in fields.items():
        setattr(car, name, value)
    return save_audited(actor=actor, obj=car, before=before, fields=STATUS_FIELDS)


@transaction.atomic
def stock_reserve(*, actor, stock_vehicle_id) -> StockVehicle:
    """Reserve a free car (in stock or in transit) for an order."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status not in (StockStatus.IN_STOCK, StockStatus.IN_TRANSIT):
        raise ValidationError(
            {
                "stock_vehicle": _("Vehicle %(vin)s is no longer free (%(status)s).")
                % {"vin": car.vin, "status": car.get_status_display()}
            }
        )
    return _move(actor, car, StockStatus.RESERVED)


@transaction.atomic
def stock_release(*, actor, stock_vehicle_id) -> StockVehicle:
    """Give a reserved or sold car back to the free stock (its order was cancelled or moved)."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status not in (StockStatus.RESERVED, StockStatus.SOLD):
        raise ValidationError({"stock_vehicle": _("This vehicle is not reserved.")})
    free = StockStatus.IN_TRANSIT if car.arrived_on is None else StockStatus.IN_STOCK
    return _move(actor, car, free)


@transaction.atomic
def stock_sell(*, actor, stock_vehicle_id) -> StockVehicle:
    """The reserved car's order is paid in full: the car is sold."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status != StockStatus.RESERVED:
        raise ValidationError({"stock_vehicle": _("Only a reserved vehicle can be sold.")})
    return _move(actor, car, StockStatus.SOLD)


@transaction.atomic
def stock_deliver(*, actor, stock_vehicle_id, on) -> StockVehicle:
    """The car is handed over to its buyer on ``on``."""
    car = _lock_visible(actor, stock_vehicle_id)
    if car.status == StockStatus.DELIVERED:
        raise ValidationError(
            {"stock_vehicle": _("Vehicle %(vin)s has already been delivered.") % {"vin": car.vin}}
        )
    if car.status not in (StockStatus.RESERVED, StockStatus.SOLD):
        raise ValidationError(
            {
                "stock_vehicle": _("Vehicle %(vin)s is not in stock for this order.")
                % {"vin": car.vin}
            }
        )
    if car.arrived_on is None or on < car.arrived_on:
        raise ValidationError(
            {"delivered_on": _("The vehicle cannot be delivered before it arrived.")}
        )
    return _move(actor, car, StockStatus.DELIVERED, delivered_on=on)


# --- receiving and changing cars (sales.change_stock) -------------------------------------------

STOCK_FIELDS = (
    "vin",
    "brand",
    "model",
    "trim",
    "colour",
    "model_year",
    "cost",
    "list_price",
    "location",
    "notes",
    "ordered_on",
    "arrived_on",
)
AUDIT_FIELDS = (*STOCK_FIELDS, "status", "delivered_on")


def _today() -> dt.date:
    return timezone.localdate()


def _clean_car(car: StockVehicle) -> None:
    """Normalise and check a car's data (the VIN with its check digit, dates, year)."""
    from crm.services import normalise_vin

    car.vin = normalise_vin(car.vin)
    for field in ("brand", "model", "trim", "colour", "location"):
        setattr(car, field, (getattr(car, field) or "").strip())
    errors: dict = {}
    if not car.model:
        errors["model"] = _("Name the model.")
    today = _today()
    if car.ordered_on and car.ordered_on > today:
        errors["ordered_on"] = _("The order date cannot be in the future.")
    if car.arrived_on and car.arrived_on > today:
        errors["arrived_on"] = _("The arrival date cannot be in the future.")
    if car.ordered_on and car.arrived_on and car.arrived_on < car.ordered_on:
        errors["arrived_on"] = _("The car cannot arrive before it was ordered.")
    if car.model_year and not 1990 <= car.model_year <= today.year + 1:
        errors["model_year"] = _("Give a model year between 1990 and next year.")
    if errors:
        raise ValidationError(errors)
    duplicate = StockVehicle.objects.filter(vin=car.vin).exclude(pk=car.pk).first()
    if duplicate is not None:
        raise ValidationError(
            {
                "vin": _("VIN %(vin)s is already in the stock (%(car)s).")
                % {"vin": car.vin, "car": duplicate}
            }
        )


def _save_unique(actor, car: StockVehicle, before):
    try:
        with transaction.atomic():  # two receptions of one VIN at the same moment
            return save_audited(actor=actor, obj=car, before=before, fields=AUDIT_FIELDS)
    except IntegrityError:
        raise ValidationError(
            {"vin": _("VIN %(vin)s is already in the stock.") % {"vin": car.vin}}
        ) from None


@transaction.atomic
def stock_create(
    *,
    actor,
    vin: str,
    model: str,
    cost,
    list_price,
    brand: str = "",
    trim: str = "",
    colour: str = "",
    model_year: int | None = None,
    location: str = "",
    notes: str = "",
    in_transit: bool = True,
    ordered_on: dt.date | None = None,
    arrived_on: dt.date | None = None,
) -> StockVehicle:
    """Receive a car into the stock: still in transit (ordered from the OEM on ``ordered_on``)
    or already arrived on ``arrived_on``."""
    check_model_permission(actor, StockVehicle, "add")
    if in_transit:
        if ordered_on is None:
            raise ValidationError({"ordered_on": _("Give the day the car was ordered.")})
        arrived_on = None
        status = StockStatus.IN_TRANSIT
    else:
        if arrived_on is None:
            raise ValidationError({"arrived_on": _("Give the day the car arrived.")})
        status = StockStatus.IN_STOCK
    car = StockVehicle(
        dealership_id=get_scope().current_id,
        vin=vin or "",
        brand=brand or "",
        model=model or "",
        trim=trim or "",
        colour=colour or "",
        model_year=model_year,
        cost=cost,
        list_price=list_price,
        location=location or "",
        notes=notes or "",
        ordered_on=ordered_on,
        arrived_on=arrived_on,
        status=status,
    )
    _clean_car(car)
    return _save_unique(actor, car, None)


EDITABLE_FIELDS = tuple(f for f in STOCK_FIELDS if f != "arrived_on")


@transaction.atomic
def stock_update(*, actor, stock_vehicle_id, **fields) -> StockVehicle:
    """Change a car's data (not its status: that moves with the transitions; the arrival date
    of a car that arrived may be corrected)."""
    unknown = set(fields) - set(STOCK_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    car = lock_for_user(actor, StockVehicle, getattr(stock_vehicle_id, "pk", stock_vehicle_id))
    before = snapshot(car, AUDIT_FIELDS)
    if "arrived_on" in fields:
        if car.arrived_on is None and fields["arrived_on"] is not None:
            raise ValidationError(
                {"arrived_on": _("Record the arrival with “arrived” (the car is in transit).")}
            )
        if car.arrived_on is not None and fields["arrived_on"] is None:
            raise ValidationError({"arrived_on": _("Give the day the car arrived.")})
    for name, value in fields.items():
        if name in ("cost", "list_price", "model_year", "ordered_on", "arrived_on"):
            setattr(car, name, value)
        else:
            setattr(car, name, value or "")
    if car.delivered_on and car.arrived_on and car.arrived_on > car.delivered_on:
        raise ValidationError({"arrived_on": _("The car cannot arrive after its delivery.")})
    _clean_car(car)
    return _save_unique(actor, car, before)


@transaction.atomic
def stock_arrive(*, actor, stock_vehicle_id, arrived_on: dt.date) -> StockVehicle:
    """A car in transit arrived on ``arrived_on``: in transit → in stock (a car already
    reserved for an order stays reserved)."""
    car = lock_for_user(actor, StockVehicle, getattr(stock_vehicle_id, "pk", stock_vehicle_id))
    if car.arrived_on is not None or car.status == StockStatus.DELIVERED:
        raise ValidationError({"arrived_on": _("This car has already arrived.")})
    if arrived_on is None:
        raise ValidationError({"arrived_on": _("Give the day the car arrived.")})
    if arrived_on > _today():
        raise ValidationError({"arrived_on": _("The arrival date cannot be in the future.")})
    if car.ordered_on and arrived_on < car.ordered_on:
        raise ValidationError(
            {
                "arrived_on": _("The car cannot arrive before it was ordered (%(date)s).")
                % {"date": car.ordered_on}
            }
        )
    before = snapshot(car, AUDIT_FIELDS)
    car.arrived_on = arrived_on
    if car.status == StockStatus.IN_TRANSIT:
        car.status = StockStatus.IN_STOCK
    return save_audited(actor=actor, obj=car, before=before, fields=AUDIT_FIELDS)


# --- the monthly vehicle-allocation request (商品车资源申报) ------------------------------------

# free cars a combination (model, trim, colour) with demand should keep in stock
STOCK_COVER = 1


def _first_of_month(value: dt.date) -> dt.date:
    return value.replace(day=1)


def allocation_counts() -> dict[tuple[str, str, str], dict[str, int]]:
    """Per (model, trim, colour) of the current dealership: factory orders waiting for a car,
    free cars in stock, free cars in transit, and the suggested quantity to ask for (3 queries).
    The request is the dealership's as a whole, so every order and car counts (not only those
    the actor may open)."""
    from django.db.models import Count

    from sales.models import Order, OrderStatus

    counts: dict[tuple[str, str, str], dict[str, int]] = {}

    def add(key, name, n):
        row = counts.setdefault(key, {"open_orders": 0, "in_stock": 0, "in_transit": 0})
        row[name] += n

    waiting = (
        Order.objects.filter(status=OrderStatus.FACTORY, stock_vehicle__isnull=True)
        .values("vehicle_model", "vehicle_trim", "vehicle_colour")
        .annotate(n=Count("pk"))
    )
    for row in waiting:
        key = (row["vehicle_model"], row["vehicle_trim"], row["vehicle_colour"])
        add(key, "open_orders", row["n"])
    for status, name in (
        (StockStatus.IN_STOCK, "in_stock"),
        (StockStatus.IN_TRANSIT, "in_transit"),
    ):
        cars = (
            StockVehicle.objects.filter(status=status)
            .values("model", "trim", "colour")
            .annotate(n=Count("pk"))
        )
        for row in cars:
            add((row["model"], row["trim"], row["colour"]), name, row["n"])
    for row in counts.values():
        row["quantity"] = suggested_quantity(**row)
    return counts


def suggested_quantity(*, open_orders: int, in_stock: int, in_transit: int) -> int:
    """Cars for the orders waiting that nothing in transit covers, plus a stock cover of
    :data:`STOCK_COVER` free cars for a combination that is ordered or kept."""
    for_orders = max(0, open_orders - in_transit)
    spare = in_stock + max(0, in_transit - open_orders)
    cover = max(0, STOCK_COVER - spare)
    return for_orders + cover


def _lock_draft(actor, allocation_id) -> AllocationRequest:
    request = lock_for_user(actor, AllocationRequest, getattr(allocation_id, "pk", allocation_id))
    if request.status != AllocationStatus.DRAFT:
        raise ValidationError(
            {"status": _("This request was submitted to the OEM and can no longer be changed.")}
        )
    return request


def _rebuild(actor, request: AllocationRequest) -> list[AllocationLine]:
    old = list(request.lines.all())
    for line in old:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            obj=line,
            before=snapshot(line),
            after=None,
        )
    request.lines.all().delete()
    lines = []
    for (model, trim, colour), row in sorted(allocation_counts().items()):
        line = AllocationLine(
            dealership_id=request.dealership_id,
            request=request,
            model=model,
            trim=trim,
            colour=colour,
            **row,
        )
        lines.append(save_audited(actor=actor, obj=line, before=None))
    return lines


@transaction.atomic
def allocation_create(*, actor, month: dt.date, notes: str = "") -> AllocationRequest:
    """The request for ``month`` (this month or later), its lines built from the orders and
    the stock. One per month."""
    check_model_permission(actor, AllocationRequest, "add")
    if month is None:
        raise ValidationError({"month": _("Choose the month.")})
    month = _first_of_month(month)
    if month < _first_of_month(_today()):
        raise ValidationError({"month": _("The month cannot be in the past.")})
    if AllocationRequest.objects.filter(month=month).exists():
        raise ValidationError(
            {"month": _("There is already a request for %(month)s.") % {"month": f"{month:%Y-%m}"}}
        )
    request = AllocationRequest(
        dealership_id=get_scope().current_id, month=month, notes=notes or ""
    )
    try:
        with transaction.atomic():
            save_audited(actor=actor, obj=request, before=None)
    except IntegrityError:
        raise ValidationError(
            {"month": _("There is already a request for %(month)s.") % {"month": f"{month:%Y-%m}"}}
        ) from None
    _rebuild(actor, request)
    return request


@transaction.atomic
def allocation_rebuild(*, actor, allocation_id) -> AllocationRequest:
    """Build the draft's lines again from today's orders and stock (quantities suggested anew)."""
    request = _lock_draft(actor, allocation_id)
    _rebuild(actor, request)
    return request


@transaction.atomic
def allocation_update(*, actor, allocation_id, notes: str = "") -> AllocationRequest:
    request = _lock_draft(actor, allocation_id)
    before = snapshot(request, ["notes"])
    request.notes = notes or ""
    return save_audited(actor=actor, obj=request, before=before, fields=["notes"])


@transaction.atomic
def allocation_line_update(*, actor, line_id, quantity: int) -> AllocationLine:
    """Change the quantity asked for on a line of a draft request."""
    line = get_object_for_user(
        actor,
        AllocationLine,
        "change",
        AllocationLine.objects.all(),
        pk=getattr(line_id, "pk", line_id),
    )
    _lock_draft(actor, line.request_id)
    line = AllocationLine.objects.select_for_update().get(pk=line.pk)
    if quantity is None or not 0 <= int(quantity) <= 10000:
        raise ValidationError({"quantity": _("Give a quantity between 0 and 10000.")})
    before = snapshot(line, ["quantity"])
    line.quantity = int(quantity)
    return save_audited(actor=actor, obj=line, before=before, fields=["quantity"])


@transaction.atomic
def allocation_submit(*, actor, allocation_id) -> AllocationRequest:
    """Send the draft to the OEM: it is submitted (by whom, when) and no longer changes."""
    request = _lock_draft(actor, allocation_id)
    if not request.lines.filter(quantity__gt=0).exists():
        raise ValidationError({"lines": _("Ask for at least one vehicle before submitting.")})
    before = snapshot(request, ["status", "submitted_by", "submitted_at"])
    request.status = AllocationStatus.SUBMITTED
    request.submitted_by = actor
    request.submitted_at = timezone.now()
    return save_audited(
        actor=actor,
        obj=request,
        before=before,
        fields=["status", "submitted_by", "submitted_at"],
    )
