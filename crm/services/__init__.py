"""Writes of crm: functions named ``<entity>_<action>`` with keyword-only arguments, each in one
transaction, audited, objects re-read through the access chokepoint. Sales and after-sales call
these (``from crm import services; services.customer_create(actor=…, …)``)."""

from crm.services.customers import (
    CUSTOMER_FIELDS,
    DuplicateCustomer,
    customer_create,
    customer_merge,
    customer_update,
    find_by_mobile,
)
from crm.services.events import customer_event_record
from crm.services.imports import ImportPreview, customers_import, import_preview, read_rows
from crm.services.validators import normalise_mobile, normalise_plate, normalise_vin
from crm.services.vehicles import (
    VEHICLE_FIELDS,
    DuplicateVehicle,
    find_by_vin,
    vehicle_create,
    vehicle_transfer,
    vehicle_update,
)

__all__ = [
    "CUSTOMER_FIELDS",
    "VEHICLE_FIELDS",
    "DuplicateCustomer",
    "DuplicateVehicle",
    "ImportPreview",
    "customer_create",
    "customer_event_record",
    "customer_merge",
    "customer_update",
    "customers_import",
    "find_by_mobile",
    "find_by_vin",
    "import_preview",
    "normalise_mobile",
    "normalise_plate",
    "normalise_vin",
    "read_rows",
    "vehicle_create",
    "vehicle_transfer",
    "vehicle_update",
]
