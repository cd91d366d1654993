"""Who sees and changes the customer master: ``crm.view_customer`` / ``crm.change_customer``;
"own" = customers whose owner consultant is the user (and their vehicles and ownership
periods), "department" = customers owned by people holding a position in one of the user's
departments. Phone numbers are masked for users without ``crm.view_customer_phone``."""

from __future__ import annotations

from django.db.models import Q

from org.access import ModelAccess, UserAccess, holds, register_model_access, user_access
from org.capabilities import Capability as C

PHONE_FIELDS = ("mobile", "mobile_alt", "landline")


def may_see_phone(user) -> bool:
    return user_access(user).has(C.CRM_VIEW_CUSTOMER_PHONE)


def _department_users(access: UserAccess):
    from org.models import PositionAssignment

    return PositionAssignment.objects.filter(
        position__department_id__in=access.department_ids, staff__is_active=True
    ).values("staff__user_id")


def _owned(prefix: str):
    def own(access: UserAccess) -> Q:
        return Q(**{f"{prefix}owner_id": access.user_id})

    def department(access: UserAccess) -> Q:
        return own(access) | Q(**{f"{prefix}owner_id__in": _department_users(access)})

    return own, department


def _rules(prefix: str) -> ModelAccess:
    own, department = _owned(prefix)
    return ModelAccess(
        view=C.CRM_VIEW_CUSTOMER, change=C.CRM_CHANGE_CUSTOMER, own=own, department=department
    )


def register() -> None:
    from crm.models import Customer, CustomerEvent, Ownership, Vehicle
    from dealership.audit import register_masked_fields

    register_model_access(Customer, _rules(""))
    register_model_access(Vehicle, _rules("owner__"))
    register_model_access(Ownership, _rules("vehicle__owner__"))
    own, department = _owned("customer__")
    register_model_access(
        CustomerEvent,
        ModelAccess(
            view=C.CRM_VIEW_FOLLOWUP, change=C.CRM_CHANGE_FOLLOWUP, own=own, department=department
        ),
    )
    check = holds(C.CRM_VIEW_CUSTOMER_PHONE)
    register_masked_fields(Customer, dict.fromkeys(PHONE_FIELDS, check))
