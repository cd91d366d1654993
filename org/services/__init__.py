"""Writes of the org chart, one module per entity. Each service runs in one transaction,
re-reads the object it changes through the access chokepoint (404 outside the actor's scope,
403 if not allowed) and records an audit entry with the values before and after
(:mod:`dealership.audit`).

Callers use the package: ``from org import services; services.staff_hire(...)``.
"""

from org.services.capabilities import position_capability_set
from org.services.departments import department_create, department_delete, department_update
from org.services.grants import object_permission_grant, object_permission_revoke
from org.services.letterhead import dealership_letterhead_update, may_change_letterhead
from org.services.positions import (
    PositionUsageCheck,
    position_create,
    position_delete,
    position_update,
    register_position_usage_check,
    unregister_position_usage_check,
)
from org.services.staff import staff_end, staff_end_check, staff_hire, staff_update
from org.services.template import org_chart_apply_template

__all__ = [
    "PositionUsageCheck",
    "dealership_letterhead_update",
    "department_create",
    "department_delete",
    "department_update",
    "may_change_letterhead",
    "object_permission_grant",
    "object_permission_revoke",
    "org_chart_apply_template",
    "position_capability_set",
    "position_create",
    "position_delete",
    "position_update",
    "register_position_usage_check",
    "staff_end",
    "staff_end_check",
    "staff_hire",
    "staff_update",
    "unregister_position_usage_check",
]
