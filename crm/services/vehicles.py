"""Writes of vehicles: create (with its first ownership period), update, and transfer to a new
owner (closing the previous ownership period)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Customer, Ownership, Vehicle
from crm.services.validators import (
    check_mileage,
    check_registration_date,
    normalise_plate,
    normalise_vin,
)
from dealership.access import check_model_permission, lock_for_user
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope

VEHICLE_FIELDS = (
    "vin",
    "plate",
    "brand",
    "model",
    "trim",
    "colour",
    "registration_date",
    "mileage",
)


class DuplicateVehicle(ValidationError):
    def __init__(self, existing: Vehicle):
        self.existing = existing
        super().__init__(
            {
                "vin": _("This VIN is already registered: vehicle “%(vehicle)s” (#%(id)s).")
                % {"vehicle": existing, "id": existing.pk}
            }
        )


def _pk(value):
    return getattr(value, "pk", value)


def find_by_vin(vin: str, exclude_pk=None) -> Vehicle | None:
    rows = Vehicle.objects.filter(vin=vin)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.first()


def _unknown(fields: dict, allowed=VEHICLE_FIELDS) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )


def _clean(vehicle: Vehicle) -> None:
    vehicle.vin = normalise_vin(vehicle.vin)
    vehicle.plate = normalise_plate(vehicle.plate)
    check_registration_date(vehicle.registration_date)
    check_mileage(vehicle.mileage)
    for field in ("brand", "model", "trim", "colour"):
        setattr(vehicle, field, (getattr(vehicle, field) or "").strip())
    existing = find_by_vin(vehicle.vin, exclude_pk=vehicle.pk)
    if existing is not None:
        raise DuplicateVehicle(existing)


def _customer(actor, value, field: str = "owner") -> Customer | None:
    """A customer the actor may see (404 otherwise would leak; a form error instead)."""
    if value in (None, ""):
        return None
    customer = Customer.objects.for_user(actor, "view").filter(pk=_pk(value)).first()
    if customer is None:
        raise ValidationError({field: _("Choose one of your customers.")})
    return customer


def _sees_every_customer(actor) -> bool:
    from org.access import user_access
    from org.capabilities import Capability, DataScope

    access = user_access(actor)
    scope = access.scope_for(Capability.CRM_VIEW_CUSTOMER)
    return access.is_system or (scope is not None and scope >= DataScope.DEALERSHIP)


def build_vehicle(fields: dict, owner: Customer | None) -> Vehicle:
    """A validated, unsaved vehicle (also used by the import's preview)."""
    _unknown(fields)
    vehicle = Vehicle(dealership_id=get_scope().current_id, owner=owner, **fields)
    _clean(vehicle)
    vehicle.full_clean(exclude=["dealership", "owner"])
    return vehicle


def _open_ownership(actor, vehicle: Vehicle, customer: Customer, start: dt.date) -> Ownership:
    ownership = Ownership(
        dealership_id=vehicle.dealership_id, vehicle=vehicle, customer=customer, start=start
    )
    return save_audited(actor=actor, obj=ownership, before=None)


@transaction.atomic
def vehicle_create(*, actor, owner=None, since: dt.date | None = None, **fields) -> Vehicle:
    """A new vehicle; with ``owner`` (a customer the actor may see) its first ownership period
    starts ``since`` (the registration date, else today)."""
    check_model_permission(actor, Vehicle, "add")
    customer = _customer(actor, owner)
    if customer is None and not _sees_every_customer(actor):
        # a vehicle without owner is seen at dealership scope only: the actor would lose it
        raise ValidationError({"owner": _("Choose the vehicle's owner.")})
    vehicle = build_vehicle(fields, customer)
    save_audited(actor=actor, obj=vehicle, before=None, fields=(*VEHICLE_FIELDS, "owner"))
    if customer is not None:
        start = since or vehicle.registration_date or timezone.localdate()
        _open_ownership(actor, vehicle, customer, start)
    return vehicle


@transaction.atomic
def vehicle_update(*, actor, vehicle_id: int, **fields) -> Vehicle:
    """Change a vehicle's own data (the owner changes with :func:`vehicle_transfer`)."""
    _unknown(fields)
    vehicle = lock_for_user(actor, Vehicle, vehicle_id, "change")
    before = snapshot(vehicle, VEHICLE_FIELDS)
    for name, value in fields.items():
        setattr(vehicle, name, value)
    _clean(vehicle)
    return save_audited(actor=actor, obj=vehicle, before=before, fields=VEHICLE_FIELDS)


@transaction.atomic
def vehicle_transfer(*, actor, vehicle_id: int, new_owner, on: dt.date | None = None) -> Vehicle:
    """The vehicle now belongs to ``new_owner`` from ``on`` (today by default): the open
    ownership period ends that day and a new one starts."""
    vehicle = lock_for_user(actor, Vehicle, vehicle_id, "change")
    customer = _customer(actor, new_owner, "new_owner")
    if customer is None:
        raise ValidationError({"new_owner": _("Choose the new owner.")})
    if customer.pk == vehicle.owner_id:
        raise ValidationError({"new_owner": _("This customer already owns the vehicle.")})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("The transfer date cannot be in the future.")})
    current = (
        Ownership.objects.select_for_update().filter(vehicle=vehicle, end__isnull=True).first()
    )
    if current is not None:
        if on < current.start:
            raise ValidationError(
                {
                    "on": _("The transfer cannot be before the current ownership began (%(date)s).")
                    % {"date": current.start}
                }
            )
        before = snapshot(current)
        current.end = on
        save_audited(actor=actor, obj=current, before=before)
    before = snapshot(vehicle, ["owner"])
    vehicle.owner = customer
    save_audited(actor=actor, obj=vehicle, before=before, fields=["owner"])
    _open_ownership(actor, vehicle, customer, on)
    return vehicle
