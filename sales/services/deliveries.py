"""Writes of deliveries (交车): the car handed over to its buyer. One transaction does it all —
the order locked, the car delivered, the crm vehicle made the customer's (created, or
transferred to them), the delivery recorded, the order and its lead delivered, and crm told
once for the N+3..N+5 satisfaction call (:func:`crm.services.customer_event_record`). If any
step fails nothing is saved (the photo's file included)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealership.access import can, check_model_permission, lock_for_user, permitted_ids
from dealership.actors import SYSTEM
from dealership.audit import save_audited, snapshot
from sales.models import Delivery, Lead, Order, OrderStatus, Stage, StockStatus, StockVehicle
from sales.services.stages import lead_advance
from sales.services.stock import stock_deliver

__all__ = [
    "PHOTO_TYPES",
    "DeliveryChecklist",
    "DeliveryDocument",
    "delivery_create",
    "delivery_problem",
    "photo_storage",
]


class DeliveryDocument(models.TextChoices):
    INVOICE = "invoice", gettext_lazy("Vehicle sales invoice")
    CONFORMITY = "conformity", gettext_lazy("Certificate of conformity (合格证)")
    WARRANTY = "warranty", gettext_lazy("Warranty manual")
    OWNERS_MANUAL = "owners_manual", gettext_lazy("Owner's manual")
    KEYS = "keys", gettext_lazy("Two keys")
    INSURANCE = "insurance", gettext_lazy("Insurance policy")
    REGISTRATION = "registration", gettext_lazy("Registration and plates")
    PURCHASE_TAX = "purchase_tax", gettext_lazy("Purchase-tax receipt")


class DeliveryChecklist(models.TextChoices):
    EXTERIOR = "exterior", gettext_lazy("Exterior and paint checked with the customer")
    INTERIOR = "interior", gettext_lazy("Interior checked")
    ENERGY = "energy", gettext_lazy("Fuel or charge level")
    FUNCTIONS = "functions", gettext_lazy("Functions explained")
    FIRST_SERVICE = "first_service", gettext_lazy("First service explained")
    APP = "app", gettext_lazy("Owner app set up")


# what a delivery photo may be, recognised by content (never by the file name)
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
MAX_MILEAGE = 10000  # km on the odometer of a new car handed over


def photo_storage():
    """Photos live outside the web root (``settings.PRIVATE_MEDIA_ROOT``) and are served only by
    ``sales:delivery_photo`` through the delivery's access rules."""
    from org.approvals.models import private_storage

    return private_storage


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


def _photo_type(photo) -> str:
    import filetype

    photo.seek(0)
    head = photo.read(8192)
    photo.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else ""


def _check_photo(photo) -> str:
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if photo.size > limit:
        raise ValidationError(
            {"photo": _("The photo is larger than %(mb)s MB.") % {"mb": settings.ATTACHMENT_MAX_MB}}
        )
    if photo.size == 0:
        raise ValidationError({"photo": _("The photo is empty.")})
    content_type = _photo_type(photo)
    if content_type not in PHOTO_TYPES:
        raise ValidationError({"photo": _("The photo must be a JPEG, PNG or WebP image.")})
    return content_type


def _check_date(delivered_on, order: Order, car: StockVehicle) -> None:
    if delivered_on is None:
        raise ValidationError({"delivered_on": _("Give the day of the delivery.")})
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("The delivery date cannot be in the future.")})
    if delivered_on < order.ordered_on:
        raise ValidationError(
            {
                "delivered_on": _("The delivery cannot be before the order (%(date)s).")
                % {"date": order.ordered_on}
            }
        )
    if car.arrived_on is None:
        raise ValidationError(
            {"order": _("Vehicle %(vin)s has not arrived yet.") % {"vin": car.vin}}
        )
    if delivered_on < car.arrived_on:
        raise ValidationError(
            {
                "delivered_on": _("The delivery cannot be before the car arrived (%(date)s).")
                % {"date": car.arrived_on}
            }
        )


def delivery_problem(order: Order) -> str | None:
    """Why ``order`` cannot be delivered now (for the form), or ``None``."""
    if order.status == OrderStatus.CANCELLED:
        return _("This order was cancelled.")
    if order.status == OrderStatus.DELIVERED:
        return _("This order has already been delivered.")
    if order.stock_vehicle_id is None:
        return _("There is no vehicle in stock for this order (a factory order waiting).")
    car = order.stock_vehicle
    if car.status not in (StockStatus.RESERVED, StockStatus.SOLD):
        return _("Vehicle %(vin)s is not reserved for this order.") % {"vin": car.vin}
    if car.arrived_on is None:
        return _("Vehicle %(vin)s has not arrived yet.") % {"vin": car.vin}
    return None


def _check_order(order: Order) -> StockVehicle:
    """The order's car, locked, if the order may be delivered."""
    if order.status == OrderStatus.CANCELLED:
        raise ValidationError({"order": _("This order was cancelled.")})
    if order.status == OrderStatus.DELIVERED or Delivery.objects.filter(order=order).exists():
        raise ValidationError({"order": _("This order has already been delivered.")})
    if order.stock_vehicle_id is None:
        raise ValidationError(
            {"order": _("There is no vehicle in stock for this order (a factory order waiting).")}
        )
    car = StockVehicle.objects.select_for_update().get(pk=order.stock_vehicle_id)
    if car.status == StockStatus.DELIVERED:
        raise ValidationError(
            {"order": _("Vehicle %(vin)s has already been delivered.") % {"vin": car.vin}}
        )
    if car.status not in (StockStatus.RESERVED, StockStatus.SOLD):
        raise ValidationError(
            {"order": _("Vehicle %(vin)s is not reserved for this order.") % {"vin": car.vin}}
        )
    return car


def _customer_vehicle(actor, order: Order, car: StockVehicle, delivered_on, mileage):
    """The crm vehicle of the car, now the order's customer's: transferred to them when crm
    knows the VIN, else created with them as owner from the delivery day. The delivery's right
    was checked on the order; when the actor has no right to the vehicle or the customer in crm
    (e.g. a vehicle file of another consultant's customer), the change is made as system code."""
    from crm import services as crm
    from crm.models import Customer, Vehicle

    sees_customer = Customer.objects.for_user(actor, "view").filter(pk=order.customer_id).exists()
    existing = crm.find_by_vin(car.vin)
    if existing is not None:
        if existing.owner_id == order.customer_id:
            return existing
        allowed = sees_customer and permitted_ids(actor, Vehicle, "change", [existing.pk])
        return crm.vehicle_transfer(
            actor=actor if allowed else SYSTEM,
            vehicle_id=existing.pk,
            new_owner=order.customer_id,
            on=delivered_on,
        )
    allowed = sees_customer and can(actor, Vehicle, "add")
    return crm.vehicle_create(
        actor=actor if allowed else SYSTEM,
        owner=order.customer_id,
        since=delivered_on,
        vin=car.vin,
        brand=car.brand,
        model=car.model,
        trim=car.trim,
        colour=car.colour,
        mileage=mileage,
    )


@transaction.atomic
def delivery_create(
    *,
    actor,
    order_id,
    delivered_on: dt.date,
    documents=(),
    checklist=(),
    mileage: int | None = 0,
    notes: str = "",
    photo=None,
) -> Delivery:
    """Hand over the order's car on ``delivered_on`` (see the module's description)."""
    from crm.services import customer_event_record

    order = lock_for_user(actor, Order, getattr(order_id, "pk", order_id), "change")
    check_model_permission(actor, Delivery, "add")
    car = _check_order(order)
    _check_date(delivered_on, order, car)
    documents = _codes(documents, DeliveryDocument, "documents")
    checklist = _codes(checklist, DeliveryChecklist, "checklist")
    if mileage in (None, ""):
        mileage = 0
    try:
        mileage = int(mileage)
    except (TypeError, ValueError):
        raise ValidationError({"mileage": _("Give the odometer reading in km.")}) from None
    if not 0 <= mileage <= MAX_MILEAGE:
        raise ValidationError(
            {"mileage": _("A new car has between 0 and %(km)s km.") % {"km": MAX_MILEAGE}}
        )
    if photo is not None:
        _check_photo(photo)

    stock_deliver(actor=actor, stock_vehicle_id=car.pk, on=delivered_on)
    vehicle = _customer_vehicle(actor, order, car, delivered_on, mileage)
    delivery = Delivery(
        dealership_id=order.dealership_id,
        order=order,
        customer_id=order.customer_id,
        vehicle=vehicle,
        stock_vehicle=car,
        consultant_id=order.consultant_id,
        delivered_on=delivered_on,
        documents=documents,
        checklist=checklist,
        mileage=mileage,
        notes=(notes or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    stored = None
    if photo is not None:
        storage = photo_storage()
        stored = storage.save(f"sales/deliveries/{order.dealership_id}/{uuid.uuid4().hex}", photo)
        delivery.photo = stored  # removed again below if any later step fails
    try:
        try:
            with transaction.atomic():
                save_audited(actor=actor, obj=delivery, before=None)
        except IntegrityError:
            raise ValidationError({"order": _("This order has already been delivered.")}) from None
        before = snapshot(order, ["status"])
        order.status = OrderStatus.DELIVERED
        save_audited(actor=actor, obj=order, before=before, fields=["status"])
        lead = Lead.objects.select_for_update().get(pk=order.lead_id)
        lead_advance(actor=actor, lead=lead, stage=Stage.DELIVERED)
        customer_event_record(
            actor=actor,
            kind="sales",
            customer=order.customer,
            vehicle=vehicle,
            source=delivery,
            occurred_on=delivered_on,
            staff=order.consultant,
            amount=order.price,  # what the customer paid: the customer tiers count it
            summary=_("Delivery of %(car)s (order %(number)s)")
            % {"car": f"{car.model} {car.colour}".strip(), "number": order.number},
        )
    except Exception:
        if stored:
            photo_storage().delete(stored)
        raise
    return delivery
