"""Writes of the service front desk: appointments, check-in and repair orders (工单) with their
lines and status flow, and roadside rescues (外出救援).

Status flow of a repair order (each move locks the order and checks where it stands)::

    open → estimated → approved → in progress → (quality check) → ready → closed
      └──────────── any status before closed ──────────────→ cancelled (with a reason)

Lines (labour, parts from stock, sublet) may change until the quality check. A labour line
creates its workshop :class:`~aftersales.models.Job`; a part line reserves the part
(:func:`aftersales.services.stock.part_reserve`). Closing (the car leaves) records the crm event
of the N+3..N+5 service satisfaction call in the same transaction, once."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.models import (
    Appointment,
    AppointmentStatus,
    Job,
    JobStatus,
    LineKind,
    MovementKind,
    Part,
    PartLineState,
    RepairLine,
    RepairOrder,
    RepairStatus,
    Rescue,
    RescueResult,
    ServiceType,
    TimeEntry,
)
from aftersales.services.stock import part_move, part_reserve, part_unreserve, quantity_of
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.actors import SYSTEM, is_system_actor
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.numbering import NumbersExhausted, insert_numbered
from dealership.tenancy import get_scope

__all__ = [
    "EDITABLE_LINES",
    "NEXT_MOVES",
    "WalkAround",
    "advisor_choices",
    "appointment_cancel",
    "appointment_create",
    "appointment_no_show",
    "appointment_update",
    "last_mileage",
    "repairline_add",
    "repairline_remove",
    "repairorder_approve",
    "repairorder_cancel",
    "repairorder_checkin",
    "repairorder_close",
    "repairorder_estimate",
    "repairorder_quality_check",
    "repairorder_start",
    "repairorder_update",
    "rescue_create",
    "rescue_open_repair_order",
    "rescue_update",
]

S = RepairStatus
CENT = Decimal("0.01")
# the statuses in which lines may still be added or removed (before the quality check)
EDITABLE_LINES = (S.OPEN, S.ESTIMATED, S.APPROVED, S.IN_PROGRESS)
# status → the moves out of it (for the pages' buttons; the services check again)
NEXT_MOVES = {
    S.OPEN: ("estimate", "cancel"),
    S.ESTIMATED: ("approve", "cancel"),
    S.APPROVED: ("start", "cancel"),
    S.IN_PROGRESS: ("quality_check", "cancel"),
    S.QUALITY_CHECK: ("quality_check", "cancel"),
    S.READY: ("close", "cancel"),
    S.CLOSED: (),
    S.CANCELLED: (),
}


class WalkAround(models.TextChoices):
    """What the advisor noted walking around the car at check-in."""

    SCRATCHES = "scratches", gettext_lazy("Scratches on the paint")
    DENTS = "dents", gettext_lazy("Dents")
    GLASS = "glass", gettext_lazy("Chipped or cracked glass")
    TYRES = "tyres", gettext_lazy("Tyres worn or damaged")
    WHEELS = "wheels", gettext_lazy("Scuffed wheels")
    LIGHTS = "lights", gettext_lazy("Lights broken")
    INTERIOR = "interior", gettext_lazy("Interior stained or damaged")
    VALUABLES = "valuables", gettext_lazy("Valuables left in the car")
    SPARE = "spare", gettext_lazy("Spare wheel and tools present")


# --- helpers ------------------------------------------------------------------------------------


def _pk(value):
    return getattr(value, "pk", value)


def _text(value, field: str, *, required: bool = False, max_length: int = 5000) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": max_length}})
    return text


def _money(value, field: str, *, default=Decimal("0")) -> Decimal:
    if value in (None, ""):
        return default
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in CNY.")}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise ValidationError({field: _("Enter an amount of 0 or more.")})
    if amount.as_tuple().exponent < -2:
        raise ValidationError({field: _("Enter an amount with at most two decimals.")})
    return amount


def _aware(value, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("Enter a date and time.")}) from None
    if not isinstance(value, dt.datetime):
        raise ValidationError({field: _("Enter a date and time.")})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _codes(values, choices, field: str) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [values]
    seen: list[str] = []
    for value in values:
        if value not in choices.values:
            raise ValidationError({field: _("Unknown item: %(item)s.") % {"item": str(value)[:30]}})
        if value not in seen:
            seen.append(value)
    order = list(choices.values)
    return sorted(seen, key=order.index)


def _service_type(value) -> str:
    if value not in ServiceType.values:
        raise ValidationError({"service_type": _("Choose a service type.")})
    return value


def _visible_vehicle(actor, vehicle, field: str = "vehicle"):
    """The crm vehicle (with its owner) if the actor may see it; a field error otherwise."""
    from crm.models import Vehicle

    if vehicle in (None, ""):
        raise ValidationError({field: _("Choose the vehicle.")})
    try:
        pk = int(_pk(vehicle))
    except (TypeError, ValueError):
        raise ValidationError({field: _("Choose a vehicle you may see.")}) from None
    found = (
        Vehicle.objects.for_user(actor, "view").select_related("owner").filter(pk=pk).first()
        if not is_system_actor(actor)
        else Vehicle.objects.select_related("owner").filter(pk=pk).first()
    )
    if found is None:
        raise ValidationError({field: _("Choose a vehicle you may see.")})
    if found.owner_id is None:
        raise ValidationError(
            {
                field: _("The vehicle %(vin)s has no owner in the customer file.")
                % {"vin": found.vin}
            }
        )
    return found


def advisor_choices(actor):
    """The service advisors ``actor`` may give a repair order or appointment to: themself when
    their right is "own"; the advisors of their departments at department scope; every advisor
    of the dealership at a wider scope."""
    from django.contrib.auth import get_user_model

    from org.access import user_access
    from org.capabilities import Capability as C
    from org.capabilities import DataScope
    from org.models import PositionAssignment

    users = get_user_model().objects.all()
    access = user_access(actor)
    scope = access.scope_for(C.AFTERSALES_CHANGE_REPAIR_ORDER)
    if scope is None:
        return users.none()
    advisors = PositionAssignment.objects.filter(
        position__code="service_advisor", staff__is_active=True
    )
    if access.is_system or scope >= DataScope.DEALERSHIP:
        return users.filter(pk__in=advisors.values("staff__user_id")).order_by("name", "username")
    if scope == DataScope.DEPARTMENT:
        mine = advisors.filter(position__department_id__in=access.department_ids)
        return users.filter(
            models.Q(pk__in=mine.values("staff__user_id")) | models.Q(pk=actor.pk)
        ).order_by("name", "username")
    return users.filter(pk=actor.pk)


def _advisor(actor, advisor, field: str = "advisor"):
    if advisor in (None, ""):
        if is_system_actor(actor):
            raise ValidationError({field: _("Choose the service advisor.")})
        return actor
    pk = _pk(advisor)
    if not is_system_actor(actor) and pk == actor.pk:
        return actor
    chosen = advisor_choices(actor).filter(pk=pk).first()
    if chosen is None:
        raise ValidationError(
            {field: _("Choose yourself or a service advisor of your department.")}
        )
    return chosen


def _lock(actor, repair_order_id) -> RepairOrder:
    return lock_for_user(actor, RepairOrder, _pk(repair_order_id), "change")


def _expect(order: RepairOrder, *statuses, doing: str) -> None:
    if order.status not in statuses:
        raise ValidationError(
            {
                "status": _(
                    "Repair order %(number)s is “%(status)s”; it cannot be %(doing)s now "
                    "(only when %(allowed)s)."
                )
                % {
                    "number": order.number,
                    "status": order.get_status_display(),
                    "doing": doing,
                    "allowed": _(" or ").join(str(S(s).label) for s in statuses),
                }
            }
        )


def _set_status(actor, order: RepairOrder, status: str, **fields) -> RepairOrder:
    before = snapshot(order, ["status", *fields])
    order.status = status
    for name, value in fields.items():
        setattr(order, name, value)
    return save_audited(actor=actor, obj=order, before=before, fields=["status", *fields])


# --- appointments -------------------------------------------------------------------------------


def _check_slot(starts_at, ends_at, *, new: bool) -> tuple[dt.datetime, dt.datetime]:
    starts_at = _aware(starts_at, "starts_at")
    ends_at = _aware(ends_at, "ends_at")
    if starts_at is None:
        raise ValidationError({"starts_at": _("Give the start of the time slot.")})
    if ends_at is None:
        raise ValidationError({"ends_at": _("Give the end of the time slot.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The slot must end after it starts.")})
    if new and starts_at < timezone.now() - dt.timedelta(minutes=5):
        raise ValidationError({"starts_at": _("An appointment cannot be booked in the past.")})
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ValidationError({"ends_at": _("A time slot lasts at most one day.")})
    return starts_at, ends_at


@transaction.atomic
def appointment_create(
    *, actor, vehicle, starts_at, ends_at, service_type, concerns: str = "", advisor=None
) -> Appointment:
    """Book a time slot for a customer's vehicle with an advisor."""
    check_model_permission(actor, Appointment, "add")
    car = _visible_vehicle(actor, vehicle)
    starts_at, ends_at = _check_slot(starts_at, ends_at, new=True)
    appointment = Appointment(
        dealership_id=get_scope().current_id,
        customer_id=car.owner_id,
        vehicle=car,
        advisor=_advisor(actor, advisor),
        starts_at=starts_at,
        ends_at=ends_at,
        service_type=_service_type(service_type),
        concerns=_text(concerns, "concerns"),
    )
    return save_audited(actor=actor, obj=appointment, before=None)


APPOINTMENT_FIELDS = ("vehicle", "starts_at", "ends_at", "service_type", "concerns", "advisor")


def _lock_booked(actor, appointment_id) -> Appointment:
    appointment = lock_for_user(actor, Appointment, _pk(appointment_id), "change")
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "status": _("This appointment is “%(status)s”; it can no longer be changed.")
                % {"status": appointment.get_status_display()}
            }
        )
    return appointment


@transaction.atomic
def appointment_update(*, actor, appointment_id, **fields) -> Appointment:
    """Change a booked appointment (vehicle, slot, type, concerns, advisor)."""
    unknown = set(fields) - set(APPOINTMENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    appointment = _lock_booked(actor, appointment_id)
    before = snapshot(appointment)
    if "vehicle" in fields and _pk(fields["vehicle"]) != appointment.vehicle_id:
        car = _visible_vehicle(actor, fields["vehicle"])
        appointment.vehicle, appointment.customer_id = car, car.owner_id
    starts = fields.get("starts_at", appointment.starts_at)
    ends = fields.get("ends_at", appointment.ends_at)
    moved = _aware(starts, "starts_at") != appointment.starts_at
    appointment.starts_at, appointment.ends_at = _check_slot(starts, ends, new=moved)
    if "service_type" in fields:
        appointment.service_type = _service_type(fields["service_type"])
    if "concerns" in fields:
        appointment.concerns = _text(fields["concerns"], "concerns")
    if "advisor" in fields and _pk(fields["advisor"]) != appointment.advisor_id:
        appointment.advisor = _advisor(actor, fields["advisor"])
    return save_audited(actor=actor, obj=appointment, before=before)


@transaction.atomic
def appointment_cancel(*, actor, appointment_id, reason: str) -> Appointment:
    appointment = _lock_booked(actor, appointment_id)
    reason = _text(reason, "reason", required=True, max_length=200)
    before = snapshot(appointment, ["status", "cancelled_reason"])
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_reason = reason
    return save_audited(
        actor=actor, obj=appointment, before=before, fields=["status", "cancelled_reason"]
    )


@transaction.atomic
def appointment_no_show(*, actor, appointment_id) -> Appointment:
    appointment = _lock_booked(actor, appointment_id)
    if appointment.starts_at > timezone.now():
        raise ValidationError(
            {"status": _("The slot has not started yet; the customer may still come.")}
        )
    before = snapshot(appointment, ["status"])
    appointment.status = AppointmentStatus.NO_SHOW
    return save_audited(actor=actor, obj=appointment, before=before, fields=["status"])


# --- check-in -----------------------------------------------------------------------------------


def last_mileage(vehicle, exclude_order_id=None) -> int:
    """The highest mileage recorded for the vehicle: in the customer file or on any repair order
    of the dealership (whoever's)."""
    orders = RepairOrder.objects.filter(vehicle_id=_pk(vehicle))
    if exclude_order_id is not None:
        orders = orders.exclude(pk=exclude_order_id)
    highest = orders.aggregate(m=models.Max("mileage"))["m"] or 0
    return max(highest, getattr(vehicle, "mileage", None) or 0)


def _mileage(value, vehicle, exclude_order_id=None) -> int:
    try:
        mileage = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({"mileage": _("Give the odometer reading in km.")}) from None
    if not 0 <= mileage <= 2_000_000:
        raise ValidationError({"mileage": _("Give the odometer reading in km.")})
    last = last_mileage(vehicle, exclude_order_id)
    if mileage < last:
        raise ValidationError(
            {
                "mileage": _("The mileage cannot be below the last recorded: %(km)s km.")
                % {"km": f"{last:,}"}
            }
        )
    return mileage


def _record_mileage(actor, vehicle, mileage: int) -> None:
    """The customer file's mileage raised to the check-in's (as system code when the actor has
    no right to change the vehicle there; the repair order's right was checked)."""
    from crm import services as crm
    from crm.models import Vehicle

    if (vehicle.mileage or 0) >= mileage:
        return
    allowed = not is_system_actor(actor) and (
        Vehicle.objects.for_user(actor, "change").filter(pk=vehicle.pk).exists()
        if _can(actor, Vehicle, "change")
        else False
    )
    crm.vehicle_update(actor=actor if allowed else SYSTEM, vehicle_id=vehicle.pk, mileage=mileage)


def _can(actor, model, action) -> bool:
    from dealership.access import can

    return can(actor, model, action)


def _insert(order: RepairOrder) -> None:
    """Save a new order with the next free number (``dealership.numbering``)."""
    prefix = f"RO{timezone.localtime(order.checked_in_at):%Y%m}-"
    try:
        insert_numbered(order, prefix, constraint="aftersales_ro_unique_number")
    except NumbersExhausted:
        raise ValidationError(_("No free repair order number was found; try again.")) from None


@transaction.atomic
def repairorder_checkin(
    *,
    actor,
    vehicle,
    mileage,
    service_type,
    concerns,
    walk_around=(),
    fuel_level=None,
    promised_at=None,
    appointment=None,
    advisor=None,
) -> RepairOrder:
    """Check a car in (入库): a new repair order, status open. The mileage may not be below the
    last recorded; the customer file's mileage is raised to it. From an ``appointment`` (booked,
    of the same vehicle), which becomes "arrived"."""
    from crm.models import Vehicle

    check_model_permission(actor, RepairOrder, "add")
    car = _visible_vehicle(actor, vehicle)
    car = Vehicle.objects.select_for_update(of=("self",)).select_related("owner").get(pk=car.pk)
    booked = None
    if appointment not in (None, ""):
        booked = get_object_for_user(
            actor, Appointment, "view", Appointment.objects.select_for_update(), pk=_pk(appointment)
        )
        if booked.status != AppointmentStatus.BOOKED:
            raise ValidationError(
                {
                    "appointment": _("This appointment is “%(status)s”.")
                    % {"status": booked.get_status_display()}
                }
            )
        if booked.vehicle_id != car.pk:
            raise ValidationError({"appointment": _("The appointment is for another vehicle.")})
    if fuel_level in ("",):
        fuel_level = None
    if fuel_level is not None:
        try:
            fuel_level = int(fuel_level)
        except (TypeError, ValueError):
            raise ValidationError({"fuel_level": _("Give the fuel level in %.")}) from None
        if not 0 <= fuel_level <= 100:
            raise ValidationError({"fuel_level": _("The fuel level is between 0 and 100 %.")})
    now = timezone.now()
    promised_at = _aware(promised_at, "promised_at")
    if promised_at is not None and promised_at < now - dt.timedelta(minutes=5):
        raise ValidationError({"promised_at": _("The promised time cannot be in the past.")})
    order = RepairOrder(
        dealership_id=get_scope().current_id,
        number="RO",
        customer_id=car.owner_id,
        vehicle=car,
        advisor=_advisor(
            actor, advisor if advisor not in (None, "") else (booked.advisor_id if booked else None)
        ),
        service_type=_service_type(service_type),
        status=S.OPEN,
        mileage=_mileage(mileage, car),
        concerns=_text(concerns, "concerns", required=True),
        walk_around=_codes(walk_around, WalkAround, "walk_around"),
        fuel_level=fuel_level,
        appointment=booked,
        checked_in_at=now,
        promised_at=promised_at,
    )
    order.full_clean(exclude=["number"], validate_unique=False, validate_constraints=False)
    _insert(order)
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=order, before=None, after=snapshot(order)
    )
    _record_mileage(actor, car, order.mileage)
    if booked is not None:
        before = snapshot(booked, ["status"])
        booked.status = AppointmentStatus.ARRIVED
        save_audited(actor=actor, obj=booked, before=before, fields=["status"])
    return order


ORDER_FIELDS = ("service_type", "mileage", "concerns", "walk_around", "fuel_level", "promised_at")


@transaction.atomic
def repairorder_update(*, actor, repair_order_id, **fields) -> RepairOrder:
    """Change the check-in data of an order not closed or cancelled."""
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    order = _lock(actor, repair_order_id)
    _expect(order, *EDITABLE_LINES, S.QUALITY_CHECK, S.READY, doing=_("changed"))
    before = snapshot(order)
    if "service_type" in fields:
        order.service_type = _service_type(fields["service_type"])
    if "mileage" in fields and int(fields["mileage"] or 0) != order.mileage:
        order.mileage = _mileage(fields["mileage"], order.vehicle, exclude_order_id=order.pk)
        _record_mileage(actor, order.vehicle, order.mileage)
    if "concerns" in fields:
        order.concerns = _text(fields["concerns"], "concerns", required=True)
    if "walk_around" in fields:
        order.walk_around = _codes(fields["walk_around"], WalkAround, "walk_around")
    if "fuel_level" in fields:
        order.fuel_level = None if fields["fuel_level"] in (None, "") else fields["fuel_level"]
    if "promised_at" in fields:
        order.promised_at = _aware(fields["promised_at"], "promised_at")
    return save_audited(actor=actor, obj=order, before=before)


# --- lines --------------------------------------------------------------------------------------


def _recompute(order: RepairOrder) -> None:
    """The order's totals from its lines (returned parts count nothing; warranty lines are paid
    by the OEM, not the customer)."""
    sums = {"labour": Decimal("0"), "part": Decimal("0"), "sublet": Decimal("0")}
    warranty = Decimal("0")
    for line in RepairLine.objects.filter(repair_order=order):
        if line.kind == LineKind.PART and line.part_state == PartLineState.RETURNED:
            continue
        if line.warranty:
            warranty += line.amount
        else:
            sums[line.kind] += line.amount
    order.labour_total, order.parts_total = sums["labour"], sums["part"]
    order.sublet_total, order.warranty_total = sums["sublet"], warranty
    order.total = sums["labour"] + sums["part"] + sums["sublet"]
    order.save(
        update_fields=[
            "labour_total",
            "parts_total",
            "sublet_total",
            "warranty_total",
            "total",
            "updated_at",
        ]
    )


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def repairline_add(
    *,
    actor,
    repair_order_id,
    kind,
    description="",
    warranty=False,
    operation_code="",
    hours=0,
    rate=0,
    part=None,
    quantity=0,
    unit_price=None,
    supplier="",
    cost=0,
    price=0,
) -> RepairLine:
    """Add a labour line (hours × rate, with its workshop job), a part from stock (reserved;
    its price by default) or a sublet (supplier, cost, price) to an order before its quality
    check; the order's totals follow."""
    order = _lock(actor, repair_order_id)
    check_model_permission(actor, RepairLine, "add")
    _expect(order, *EDITABLE_LINES, doing=_("given new lines"))
    if kind not in LineKind.values:
        raise ValidationError({"kind": _("Choose labour, part or sublet.")})
    line = RepairLine(
        dealership_id=order.dealership_id,
        repair_order=order,
        kind=kind,
        warranty=bool(warranty),
    )
    if kind == LineKind.LABOUR:
        line.operation_code = _text(operation_code, "operation_code", max_length=20)
        line.hours = quantity_of(hours, "hours")
        line.rate = _money(rate, "rate")
        line.amount = _round(line.hours * line.rate)
        line.description = _text(description, "description", required=True, max_length=200)
    elif kind == LineKind.PART:
        if part in (None, ""):
            raise ValidationError({"part": _("Choose the part.")})
        found = (
            Part.objects.for_user(actor, "view").filter(pk=_pk(part)).first()
            if not (is_system_actor(actor))
            else Part.objects.filter(pk=_pk(part)).first()
        )
        if found is None:
            raise ValidationError({"part": _("Choose a part of the stock.")})
        if not found.is_active:
            raise ValidationError(
                {"part": _("The part %(part)s is no longer used.") % {"part": found}}
            )
        line.quantity = quantity_of(quantity, "quantity")
        line.part = part_reserve(actor=actor, part_id=found.pk, quantity=line.quantity)
        line.unit_price = (
            found.price if unit_price in (None, "") else _money(unit_price, "unit_price")
        )
        line.amount = _round(line.quantity * line.unit_price)
        line.part_state = PartLineState.RESERVED
        line.description = _text(description, "description", max_length=200) or str(found)[:200]
    else:
        line.supplier = _text(supplier, "supplier", required=True, max_length=100)
        line.cost = _money(cost, "cost")
        line.unit_price = line.amount = _money(price, "price")
        line.description = _text(description, "description", required=True, max_length=200)
    save_audited(actor=actor, obj=line, before=None)
    if kind == LineKind.LABOUR:
        job = Job(
            dealership_id=order.dealership_id,
            repair_order=order,
            line=line,
            sold_hours=line.hours,
            status=JobStatus.WAITING,
        )
        save_audited(actor=actor, obj=job, before=None)
    _recompute(order)
    return line


def _job_started(job: Job) -> bool:
    return job.status != JobStatus.WAITING or TimeEntry.objects.filter(job=job).exists()


def _return_part(actor, line: RepairLine) -> None:
    """Give an issued part back to stock through the parts area's service (when it exists)."""
    from aftersales.services import parts

    give_back = getattr(parts, "repairline_return", None)
    if give_back is not None:
        give_back(actor=actor, line_id=line.pk)
        line.refresh_from_db()
        return
    part_move(
        actor=actor,
        part_id=line.part_id,
        kind=MovementKind.RETURN,
        quantity=line.quantity,
        repair_line=line,
        note=line.repair_order.number,
    )
    before = snapshot(line, ["part_state"])
    line.part_state = PartLineState.RETURNED
    save_audited(actor=actor, obj=line, before=before, fields=["part_state"])


def _release(actor, line: RepairLine) -> bool:
    """Free the line's part (unreserve, or return an issued one); ``True`` when the line must be
    kept as history (stock moved for it)."""
    if line.kind != LineKind.PART:
        return False
    if line.part_state == PartLineState.RESERVED:
        part_unreserve(actor=actor, part_id=line.part_id, quantity=line.quantity)
        before = snapshot(line, ["part_state"])
        line.part_state = PartLineState.RETURNED
        save_audited(actor=actor, obj=line, before=before, fields=["part_state"])
    elif line.part_state == PartLineState.ISSUED:
        _return_part(actor, line)
    return line.movements.exists()


@transaction.atomic
def repairline_remove(*, actor, line_id) -> RepairOrder:
    """Take a line off an order before its quality check: its part unreserved (or returned to
    stock when issued: the line then stays, marked returned), its job deleted if not started."""
    line = get_object_for_user(actor, RepairLine, "view", pk=_pk(line_id))
    order = _lock(actor, line.repair_order_id)
    line = RepairLine.objects.select_for_update().get(pk=line.pk)
    _expect(order, *EDITABLE_LINES, doing=_("given other lines"))
    if line.kind == LineKind.PART and line.part_state == PartLineState.RETURNED:
        raise ValidationError({"line": _("This part was already given back.")})
    jobs = list(Job.objects.select_for_update().filter(line=line))
    started = [job for job in jobs if _job_started(job)]
    if started:
        raise ValidationError(
            {
                "line": _("The work on “%(line)s” has started; it cannot be removed.")
                % {"line": line}
            }
        )
    for job in jobs:
        audit_record(
            actor=actor, action=AuditEntry.Action.DELETE, obj=job, before=snapshot(job), after=None
        )
        job.delete()
    keep = _release(actor, line)
    if not keep:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            obj=line,
            before=snapshot(line),
            after=None,
        )
        line.delete()
    _recompute(order)
    return order


# --- status flow --------------------------------------------------------------------------------


@transaction.atomic
def repairorder_estimate(*, actor, repair_order_id) -> RepairOrder:
    """open → estimated: the estimate is the order's total now (the customer is asked)."""
    order = _lock(actor, repair_order_id)
    _expect(order, S.OPEN, doing=_("estimated"))
    if not RepairLine.objects.filter(repair_order=order).exists():
        raise ValidationError({"lines": _("Add the work and parts to estimate first.")})
    return _set_status(actor, order, S.ESTIMATED, estimate_total=order.total)


@transaction.atomic
def repairorder_approve(*, actor, repair_order_id, note: str = "") -> RepairOrder:
    """estimated → approved by the customer (how: in person, by phone, WeChat…)."""
    order = _lock(actor, repair_order_id)
    _expect(order, S.ESTIMATED, doing=_("approved"))
    note = _text(note, "note", required=True, max_length=200)
    return _set_status(actor, order, S.APPROVED, approved_at=timezone.now(), approval_note=note)


@transaction.atomic
def repairorder_start(*, actor, repair_order_id) -> RepairOrder:
    """approved → in progress (the workshop also moves it there on the first clock-on)."""
    order = _lock(actor, repair_order_id)
    _expect(order, S.APPROVED, doing=_("started"))
    return _set_status(actor, order, S.IN_PROGRESS)


def _unfinished(order: RepairOrder) -> list[str]:
    jobs = Job.objects.filter(repair_order=order).exclude(status=JobStatus.DONE)
    return [
        f"{job.line.description} ({job.get_status_display()})"
        for job in jobs.select_related("line").order_by("pk")
    ]


@transaction.atomic
def repairorder_quality_check(*, actor, repair_order_id, passed, note: str = "") -> RepairOrder:
    """The quality check of an order whose jobs are all done: passed → ready for pick-up;
    failed → back in progress with the note saying what to redo."""
    order = _lock(actor, repair_order_id)
    _expect(order, S.IN_PROGRESS, S.QUALITY_CHECK, doing=_("quality checked"))
    unfinished = _unfinished(order)
    if unfinished:
        raise ValidationError(
            {"jobs": _("Unfinished jobs: %(jobs)s.") % {"jobs": "; ".join(unfinished)}}
        )
    note = _text(note, "note", max_length=200)
    now = timezone.now()
    who = None if is_system_actor(actor) else actor
    if passed:
        return _set_status(actor, order, S.READY, qc_by=who, qc_at=now, qc_note=note, ready_at=now)
    if not note:
        raise ValidationError({"note": _("Say what failed the check.")})
    return _set_status(actor, order, S.IN_PROGRESS, qc_by=who, qc_at=now, qc_note=note)


@transaction.atomic
def repairorder_close(*, actor, repair_order_id) -> RepairOrder:
    """ready → closed: the car leaves. Every part issued; the crm event of the service
    satisfaction call recorded in the same transaction (once)."""
    from crm.services import customer_event_record

    order = _lock(actor, repair_order_id)
    _expect(order, S.READY, doing=_("closed"))
    unfinished = _unfinished(order)
    if unfinished:
        raise ValidationError(
            {"jobs": _("Unfinished jobs: %(jobs)s.") % {"jobs": "; ".join(unfinished)}}
        )
    waiting = (
        RepairLine.objects.filter(repair_order=order, kind=LineKind.PART)
        .exclude(part_state__in=[PartLineState.ISSUED, PartLineState.RETURNED])
        .select_related("part")
    )
    if waiting:
        raise ValidationError(
            {
                "lines": _("Parts not issued yet: %(parts)s.")
                % {
                    "parts": "; ".join(
                        f"{line.part} × {line.quantity.normalize()}" for line in waiting
                    )
                }
            }
        )
    now = timezone.now()
    order = _set_status(actor, order, S.CLOSED, closed_at=now, closed_on=timezone.localdate(now))
    customer_event_record(
        actor=actor,
        kind="service",
        customer=order.customer,
        vehicle=order.vehicle,
        source=order,
        occurred_on=order.closed_on,
        staff=order.advisor,
        amount=order.total,  # the customer's part (warranty lines excluded): customer tiers
        summary=_("%(type)s, repair order %(number)s")
        % {"type": order.get_service_type_display(), "number": order.number},
    )
    return order


@transaction.atomic
def repairorder_cancel(*, actor, repair_order_id, reason: str) -> RepairOrder:
    """Cancel an order not closed yet: reserved parts released, issued parts returned, jobs not
    started deleted."""
    order = _lock(actor, repair_order_id)
    if order.status in (S.CLOSED, S.CANCELLED):
        raise ValidationError(
            {
                "status": _("Repair order %(number)s is “%(status)s”; it cannot be cancelled.")
                % {"number": order.number, "status": order.get_status_display()}
            }
        )
    reason = _text(reason, "reason", required=True)
    if TimeEntry.objects.filter(job__repair_order=order, ended_at__isnull=True).exists():
        raise ValidationError(
            {"status": _("A technician is clocked on this order; clock off first.")}
        )
    for job in Job.objects.select_for_update().filter(repair_order=order):
        if not _job_started(job):
            audit_record(
                actor=actor,
                action=AuditEntry.Action.DELETE,
                obj=job,
                before=snapshot(job),
                after=None,
            )
            job.delete()
    for line in RepairLine.objects.select_for_update().filter(
        repair_order=order, kind=LineKind.PART
    ):
        _release(actor, line)
    order = _set_status(actor, order, S.CANCELLED, cancelled_reason=reason)
    _recompute(order)
    return order


# --- roadside rescue ----------------------------------------------------------------------------

RESCUE_FIELDS = (
    "called_at",
    "caller_name",
    "caller_phone",
    "customer",
    "vehicle",
    "location",
    "problem",
    "dispatched",
    "crew",
    "departed_at",
    "arrived_at",
    "finished_at",
    "result",
)


def _phone(value) -> str:
    from crm.services import normalise_mobile

    text = str(value or "").strip()
    if not text:
        raise ValidationError({"caller_phone": _("Give the caller's phone number.")})
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits.startswith("861") and len(digits) == 13:
        digits = digits[2:]
    if digits.startswith("1") or text.startswith("+"):  # a mobile (landlines start 0, 2-9)
        return normalise_mobile(text, "caller_phone")
    allowed = set("0123456789-+() ")
    if not set(text) <= allowed or not 7 <= len(digits) <= 15:
        raise ValidationError(
            {"caller_phone": _("“%(value)s” is not a phone number.") % {"value": text[:30]}}
        )
    return text[:20]


def _staff_user(value, field: str):
    from django.contrib.auth import get_user_model

    from org.models import StaffMember

    if value in (None, ""):
        return None
    pk = _pk(value)
    if not StaffMember.objects.filter(user_id=pk, is_active=True).exists():
        raise ValidationError({field: _("Choose someone working in this dealership.")})
    return get_user_model().objects.get(pk=pk)


def _apply_rescue(actor, rescue: Rescue, fields: dict) -> None:
    from crm.models import Customer

    if "called_at" in fields:
        rescue.called_at = _aware(fields["called_at"], "called_at")
    for name in ("departed_at", "arrived_at", "finished_at"):
        if name in fields:
            setattr(rescue, name, _aware(fields[name], name))
    if "caller_name" in fields:
        rescue.caller_name = _text(
            fields["caller_name"], "caller_name", required=True, max_length=100
        )
    if "caller_phone" in fields:
        rescue.caller_phone = _phone(fields["caller_phone"])
    if "location" in fields:
        rescue.location = _text(fields["location"], "location", required=True, max_length=200)
    if "problem" in fields:
        rescue.problem = _text(fields["problem"], "problem", required=True)
    if "crew" in fields:
        rescue.crew = _text(fields["crew"], "crew", max_length=200)
    if "dispatched" in fields:
        rescue.dispatched = _staff_user(fields["dispatched"], "dispatched")
    if "result" in fields:
        result = fields["result"] or ""
        if result and result not in RescueResult.values:
            raise ValidationError({"result": _("Choose a result.")})
        rescue.result = result
    if "vehicle" in fields:
        if fields["vehicle"] in (None, ""):
            rescue.vehicle = None
        else:
            car = _visible_vehicle(actor, fields["vehicle"])
            rescue.vehicle, rescue.customer_id = car, car.owner_id
    if "customer" in fields and fields["customer"] not in (None, ""):
        seen = (
            Customer.objects.for_user(actor, "view")
            if not is_system_actor(actor)
            else (Customer.objects.all())
        )
        customer = seen.filter(pk=_pk(fields["customer"])).first()
        if customer is None:
            raise ValidationError({"customer": _("Choose a customer you may see.")})
        if rescue.vehicle_id and rescue.vehicle.owner_id != customer.pk:
            raise ValidationError({"customer": _("The vehicle belongs to another customer.")})
        rescue.customer = customer
    elif "customer" in fields and not rescue.vehicle_id:
        rescue.customer = None
    _check_times(rescue)


def _check_times(rescue: Rescue) -> None:
    now = timezone.now() + dt.timedelta(minutes=5)
    if rescue.called_at is None:
        raise ValidationError({"called_at": _("Give the time of the call.")})
    previous, previous_name = rescue.called_at, "called_at"
    for name in ("called_at", "departed_at", "arrived_at", "finished_at"):
        value = getattr(rescue, name)
        if value is None:
            continue
        if value > now:
            raise ValidationError({name: _("This time cannot be in the future.")})
        if value < previous:
            raise ValidationError({name: _("This time cannot be before the one above it.")})
        previous, previous_name = value, name
    del previous_name
    if rescue.arrived_at is not None and rescue.departed_at is None:
        raise ValidationError({"departed_at": _("Give the time the crew left.")})
    if rescue.result in (RescueResult.FIXED, RescueResult.TOWED) and rescue.finished_at is None:
        raise ValidationError({"finished_at": _("Give the time the rescue finished.")})


@transaction.atomic
def rescue_create(*, actor, **fields) -> Rescue:
    """Record a call for roadside help (and, as it goes, the crew's times and the result)."""
    check_model_permission(actor, Rescue, "add")
    unknown = set(fields) - set(RESCUE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    rescue = Rescue(
        dealership_id=get_scope().current_id,
        created_by=None if is_system_actor(actor) else actor,
    )
    for required in ("called_at", "caller_name", "caller_phone", "location", "problem"):
        fields.setdefault(required, None)
    _apply_rescue(actor, rescue, fields)
    if rescue.created_by_id is None:
        rescue.created_by = rescue.dispatched
        if rescue.created_by is None:
            raise ValidationError({"dispatched": _("Choose who goes out.")})
    return save_audited(actor=actor, obj=rescue, before=None)


@transaction.atomic
def rescue_update(*, actor, rescue_id, **fields) -> Rescue:
    unknown = set(fields) - set(RESCUE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    rescue = lock_for_user(actor, Rescue, _pk(rescue_id), "change")
    before = snapshot(rescue)
    _apply_rescue(actor, rescue, fields)
    return save_audited(actor=actor, obj=rescue, before=before)


@transaction.atomic
def rescue_open_repair_order(
    *, actor, rescue_id, mileage, concerns: str = "", advisor=None
) -> RepairOrder:
    """Check the rescued car in: a repair order of type rescue linked to the rescue."""
    rescue = lock_for_user(actor, Rescue, _pk(rescue_id), "change")
    if rescue.repair_order_id is not None:
        raise ValidationError({"repair_order": _("This rescue already has a repair order.")})
    if rescue.vehicle_id is None:
        raise ValidationError({"vehicle": _("Give the rescued vehicle first.")})
    order = repairorder_checkin(
        actor=actor,
        vehicle=rescue.vehicle_id,
        mileage=mileage,
        service_type=ServiceType.RESCUE,
        concerns=concerns or rescue.problem,
        advisor=advisor,
    )
    before = snapshot(rescue, ["repair_order"])
    rescue.repair_order = order
    save_audited(actor=actor, obj=rescue, before=before, fields=["repair_order"])
    return order
