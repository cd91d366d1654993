"""Which capability each org (and platform) model needs, and what "own" and "own department"
mean for its rows; who reads the org chart's history in the audit log, and which of its
values are masked there."""

from __future__ import annotations

from django.db.models import Q

from dealership.audit import register_audit_gate, register_masked_fields
from dealership.models import Dealership, Delivery, JobRun, WeComRobot
from org.access import ModelAccess, UserAccess, holds, register_model_access
from org.capabilities import Capability as C
from org.models import (
    Department,
    Position,
    PositionAssignment,
    PositionCapability,
    StaffMember,
)


def _my_departments(access: UserAccess) -> Q:
    return Q(pk__in=access.department_ids)


def _in_my_departments(path: str):
    return lambda access: Q(**{f"{path}__in": access.department_ids})


def _my_staff_record(access: UserAccess) -> Q:
    return Q(user_id=access.user_id)


def _staff_of_my_departments(access: UserAccess) -> Q:
    return Q(
        pk__in=PositionAssignment.objects.filter(
            position__department_id__in=access.department_ids
        ).values("staff_id")
    )


def register() -> None:
    register_model_access(
        Department,
        ModelAccess(
            view=C.ORG_VIEW_CHART,
            change=C.ORG_CHANGE_CHART,
            own=_my_departments,
            department=_my_departments,
        ),
    )
    register_model_access(
        Position,
        ModelAccess(
            view=C.ORG_VIEW_CHART,
            change=C.ORG_CHANGE_CHART,
            own=lambda a: Q(pk__in=a.position_ids),
            department=_in_my_departments("department_id"),
        ),
    )
    register_model_access(
        StaffMember,
        ModelAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_STAFF,
            own=_my_staff_record,
            department=_staff_of_my_departments,
            grantable=True,
        ),
    )
    register_model_access(
        PositionAssignment,
        ModelAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_STAFF,
            own=lambda a: Q(staff__user_id=a.user_id),
            department=_in_my_departments("position__department_id"),
        ),
    )
    register_model_access(
        PositionCapability,
        ModelAccess(
            view=C.ORG_VIEW_CHART,
            change=C.ORG_CHANGE_CAPABILITIES,
            own=lambda a: Q(position_id__in=a.position_ids),
            department=_in_my_departments("position__department_id"),
        ),
    )
    # the chart's history is read by those who audit it (not by everyone who sees a position
    # or their own staff record); phones only by those who see the staff directory
    register_audit_gate(
        [Department, Position, StaffMember, PositionAssignment, PositionCapability],
        holds(C.ORG_VIEW_AUDIT),
    )
    register_masked_fields(StaffMember, {"phone": holds(C.ORG_VIEW_STAFF)})
    # the letterhead's history (org.services.letterhead): for who audits, and who keeps it
    audits, keeps = holds(C.ORG_VIEW_AUDIT), holds(C.ORG_CHANGE_DEALERSHIP)
    register_audit_gate([Dealership], lambda user: audits(user) or keeps(user))
    register_model_access(JobRun, ModelAccess(view=C.PLATFORM_VIEW_JOBRUNS))
    # messages to e-mail and WeCom are watched with the job runs; robots and retries are set up
    # by who holds platform.change_notifications (the robot's address is a secret)
    register_model_access(
        Delivery,
        ModelAccess(view=C.PLATFORM_VIEW_JOBRUNS, change=C.PLATFORM_CHANGE_NOTIFICATIONS),
    )
    register_model_access(
        WeComRobot,
        ModelAccess(view=C.PLATFORM_CHANGE_NOTIFICATIONS, change=C.PLATFORM_CHANGE_NOTIFICATIONS),
    )
    register_masked_fields(WeComRobot, {"webhook_url": holds(C.PLATFORM_CHANGE_NOTIFICATIONS)})
