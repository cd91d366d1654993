"""Who sees and changes what in after-sales.

* Appointments, repair orders and their lines, rescues, bays and the day confirmations:
  ``aftersales.view_repair_order`` / ``aftersales.change_repair_order``. "Own" = the repair
  orders whose advisor is the user — and, for a technician, those with a job of theirs;
  "department" = the advisors of the user's departments (the service manager and the workshop
  supervisor see the whole department).
* Jobs and time entries: seen like their repair order, clocked with ``aftersales.work_job``
  (a technician: their own jobs; the workshop supervisor: the department's).
* Parts, movements, purchase orders, stock counts: ``aftersales.view_parts`` /
  ``aftersales.change_parts`` (department scope: the whole parts store); counter sales: own =
  the salesperson's (at department scope too, unless the user keeps the parts store).
* Warranty claims (lines, photos) and technical cases: seen with ``aftersales.view_repair_order``,
  filed and changed with ``aftersales.approve_warranty_claim`` (the warranty assessor, the
  technical expert, the service manager).
* Targets per person: seen with ``org.view_staff`` (everyone: their own target; a manager:
  those of the people of their departments), set with ``aftersales.change_target`` (the
  service manager and director, for the people of their departments)."""

from __future__ import annotations

from django.db.models import Q

from org.access import ModelAccess, UserAccess, register_model_access
from org.capabilities import Capability as C


def department_users(access: UserAccess):
    from org.models import PositionAssignment

    return PositionAssignment.objects.filter(
        position__department_id__in=access.department_ids, staff__is_active=True
    ).values("staff__user_id")


def _everything(access: UserAccess) -> Q:
    return Q()


def _repair_orders(prefix: str):
    """Own and department rules of a model reached from a repair order through ``prefix``."""

    repair_order_id = f"{prefix.removesuffix('__')}_id" if prefix else "pk"

    def own(access: UserAccess) -> Q:
        from aftersales.models import Job

        mine = Job.objects.filter(technician_id=access.user_id).values("repair_order_id")
        return Q(**{f"{prefix}advisor_id": access.user_id}) | Q(**{f"{repair_order_id}__in": mine})

    def department(access: UserAccess) -> Q:
        return own(access) | Q(**{f"{prefix}advisor_id__in": department_users(access)})

    return own, department


def _by(field: str):
    def own(access: UserAccess) -> Q:
        return Q(**{f"{field}_id": access.user_id})

    def department(access: UserAccess) -> Q:
        return own(access) | Q(**{f"{field}_id__in": department_users(access)})

    return own, department


def _sales_seen(field: str):
    """Counter sales seen at department scope: all of them for who keeps the parts store
    (``aftersales.change_parts`` at department scope or wider), else only one's own (the parts
    salesperson sells and sees their own sales)."""
    from org.capabilities import DataScope

    own = _by(field)[0]

    def department(access: UserAccess) -> Q:
        scope = access.scope_for(C.AFTERSALES_CHANGE_PARTS)
        return Q() if scope is not None and scope >= DataScope.DEPARTMENT else own(access)

    return department


def register() -> None:
    from aftersales import models as m

    repair = {"view": C.AFTERSALES_VIEW_REPAIR_ORDER, "change": C.AFTERSALES_CHANGE_REPAIR_ORDER}
    work = {"view": C.AFTERSALES_VIEW_REPAIR_ORDER, "change": C.AFTERSALES_WORK_JOB}
    ro_own, ro_department = _repair_orders("")
    register_model_access(
        m.RepairOrder, ModelAccess(**repair, own=ro_own, department=ro_department)
    )
    line_own, line_department = _repair_orders("repair_order__")
    register_model_access(
        m.RepairLine, ModelAccess(**repair, own=line_own, department=line_department)
    )
    register_model_access(m.Job, ModelAccess(**work, own=line_own, department=line_department))
    entry_own, entry_department = _repair_orders("job__repair_order__")
    register_model_access(
        m.TimeEntry,
        ModelAccess(**work, own=entry_own, department=entry_department),
    )
    advisor_own, advisor_department = _by("advisor")
    register_model_access(
        m.Appointment, ModelAccess(**repair, own=advisor_own, department=advisor_department)
    )
    creator_own = _by("created_by")[0]
    register_model_access(
        m.Rescue,
        ModelAccess(
            **repair,
            own=lambda a: creator_own(a) | Q(dispatched_id=a.user_id),
            department=_everything,
        ),
    )
    register_model_access(m.Bay, ModelAccess(**repair, own=_everything, department=_everything))
    register_model_access(
        m.ServiceDayConfirmation,
        ModelAccess(**repair, own=_by("confirmed_by")[0], department=_everything),
    )

    parts = {"view": C.AFTERSALES_VIEW_PARTS, "change": C.AFTERSALES_CHANGE_PARTS}
    for model in (
        m.Part,
        m.PartMovement,
        m.PurchaseOrder,
        m.PurchaseOrderLine,
        m.StockCount,
        m.StockCountLine,
    ):
        register_model_access(model, ModelAccess(**parts, own=None, department=_everything))
    for model, field in ((m.CounterSale, "salesperson"), (m.CounterSaleLine, "sale__salesperson")):
        register_model_access(
            model, ModelAccess(**parts, own=_by(field)[0], department=_sales_seen(field))
        )

    claims = {"view": C.AFTERSALES_VIEW_REPAIR_ORDER, "change": C.AFTERSALES_APPROVE_WARRANTY}
    for model, field in (
        (m.WarrantyClaim, "assessor"),
        (m.WarrantyClaimLine, "claim__assessor"),
        (m.WarrantyClaimPhoto, "claim__assessor"),
        (m.TechnicalCase, "author"),
    ):
        register_model_access(
            model, ModelAccess(**claims, own=_by(field)[0], department=_everything)
        )
    person_own, person_department = _by("person")
    register_model_access(
        m.ServiceTarget,
        ModelAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.AFTERSALES_CHANGE_TARGET,
            own=person_own,
            department=person_department,
        ),
    )
