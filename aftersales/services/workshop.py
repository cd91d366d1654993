"""Writes of the workshop: bays, assigning jobs to technicians, clocking on and off.

* Bays are changed by holders of ``aftersales.change_repair_order`` at department scope or wider
  (the workshop supervisor, the service manager): an advisor's "own" right is not enough.
* A job is assigned by holders of ``aftersales.work_job`` at department scope or wider, to a
  person holding the ``technician`` position in the dealership, in a bay in use.
* A technician clocks on and off their own assigned jobs (``aftersales.work_job`` own); the
  workshop supervisor may do it for a technician of their department. A technician is on one job
  at a time: the job's row is locked (``select_for_update``), and a partial unique constraint
  (one open time entry per technician) holds under concurrency — the loser of two simultaneous
  clock-ons is told which order the technician is clocked on to.
* The first clock-on of an approved repair order puts it in progress (audited)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import Bay, Job, JobStatus, RepairOrder, RepairStatus, TimeEntry
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

__all__ = [
    "BAY_FIELDS",
    "TECHNICIAN_POSITION",
    "bay_create",
    "bay_update",
    "is_technician",
    "job_assign",
    "job_clock_off",
    "job_clock_on",
    "may_assign_jobs",
    "may_change_bays",
    "minutes_between",
    "technicians",
]

TECHNICIAN_POSITION = "technician"
BAY_FIELDS = ("code", "name", "is_active")
JOB_FIELDS = ("technician", "bay", "status", "clocked_minutes", "finished_at")
ENTRY_FIELDS = ("job", "technician", "started_at", "ended_at")
CLOCKABLE = (RepairStatus.APPROVED, RepairStatus.IN_PROGRESS)
FINAL = (RepairStatus.CLOSED, RepairStatus.CANCELLED)


def _scope(actor, capability) -> DataScope | None:
    return user_access(actor).scope_for(capability)


def _at_least_department(actor, capability) -> bool:
    scope = _scope(actor, capability)
    return scope is not None and scope >= DataScope.DEPARTMENT


def may_change_bays(user) -> bool:
    """Holders of ``aftersales.change_repair_order`` at department scope or wider."""
    from dealership.access import can

    return can(user, Bay, "change") and _at_least_department(user, C.AFTERSALES_CHANGE_REPAIR_ORDER)


def may_assign_jobs(user) -> bool:
    """Holders of ``aftersales.work_job`` at department scope or wider (the supervisor)."""
    from dealership.access import can

    return can(user, Job, "change") and _at_least_department(user, C.AFTERSALES_WORK_JOB)


def technicians():
    """People holding the technician position in the current dealership (active staff)."""
    from org.models import PositionAssignment

    held = PositionAssignment.objects.filter(
        position__code=TECHNICIAN_POSITION, staff__is_active=True
    )
    current = get_scope().current_id
    if current is not None:
        held = held.filter(dealership_id=current)
    ids = held.values("staff__user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("name", "pk")


def is_technician(user_id) -> bool:
    return technicians().filter(pk=user_id).exists()


def _in_departments(user_id, department_ids) -> bool:
    from org.models import PositionAssignment

    return PositionAssignment.objects.filter(
        staff__user_id=user_id, staff__is_active=True, position__department_id__in=department_ids
    ).exists()


def _pk(value):
    return getattr(value, "pk", value)


# --- bays ----------------------------------------------------------------------------------------


def _check_bay_rights(actor) -> None:
    if not _at_least_department(actor, C.AFTERSALES_CHANGE_REPAIR_ORDER):
        raise PermissionDenied(
            _("Only the workshop supervisor or the service manager change bays.")
        )


def _clean_bay(bay: Bay) -> None:
    bay.code = (bay.code or "").strip().upper()
    bay.name = (bay.name or "").strip()
    errors = {}
    if not bay.code:
        errors["code"] = _("Give the bay a code.")
    elif len(bay.code) > 10:
        errors["code"] = _("A bay code has at most 10 characters.")
    if not bay.name:
        errors["name"] = _("Give the bay a name.")
    elif len(bay.name) > 50:
        errors["name"] = _("A bay name has at most 50 characters.")
    if errors:
        raise ValidationError(errors)
    if Bay.objects.filter(code=bay.code).exclude(pk=bay.pk).exists():
        raise ValidationError({"code": _("Bay %(code)s already exists.") % {"code": bay.code}})


def _save_bay(actor, bay: Bay, before):
    try:
        with transaction.atomic():  # two bays with one code at the same moment
            return save_audited(actor=actor, obj=bay, before=before, fields=BAY_FIELDS)
    except IntegrityError:
        raise ValidationError(
            {"code": _("Bay %(code)s already exists.") % {"code": bay.code}}
        ) from None


@transaction.atomic
def bay_create(*, actor, code: str, name: str, is_active: bool = True) -> Bay:
    check_model_permission(actor, Bay, "add")
    _check_bay_rights(actor)
    bay = Bay(dealership_id=get_scope().current_id, code=code, name=name)
    bay.is_active = bool(is_active)
    _clean_bay(bay)
    return _save_bay(actor, bay, None)


@transaction.atomic
def bay_update(*, actor, bay_id, code=None, name=None, is_active=None) -> Bay:
    bay = lock_for_user(actor, Bay, _pk(bay_id), "change")
    _check_bay_rights(actor)
    before = snapshot(bay, BAY_FIELDS)
    if code is not None:
        bay.code = code
    if name is not None:
        bay.name = name
    if is_active is not None:
        bay.is_active = bool(is_active)
    _clean_bay(bay)
    return _save_bay(actor, bay, before)


# --- assigning -----------------------------------------------------------------------------------


def _lock_job(actor, job_id) -> tuple[Job, RepairOrder]:
    """The job (through the chokepoint for "change": 404 / 403) and its repair order, both locked,
    the order first (the order's services lock the order before its jobs)."""
    job = get_object_for_user(actor, Job, "change", pk=_pk(job_id))
    order = RepairOrder.objects.select_for_update().get(pk=job.repair_order_id)
    job = lock_for_user(actor, Job, job.pk, "change")
    return job, order


@transaction.atomic
def job_assign(*, actor, job_id, technician, bay=None) -> Job:
    """Give the job to ``technician`` (a user or id holding the technician position), in ``bay``
    (a bay in use, or none)."""
    if not _at_least_department(actor, C.AFTERSALES_WORK_JOB):
        # the chokepoint answers 404/403 first; a technician may not hand out jobs
        get_object_for_user(actor, Job, "change", pk=_pk(job_id))
        raise PermissionDenied(
            _("Only the workshop supervisor or the service manager assign jobs.")
        )
    job, order = _lock_job(actor, job_id)
    if job.status == JobStatus.DONE:
        raise ValidationError({"technician": _("This job is done; it cannot be reassigned.")})
    if order.status in FINAL:
        raise ValidationError(
            {
                "technician": _("Repair order %(number)s is %(status)s.")
                % {"number": order.number, "status": order.get_status_display()}
            }
        )
    technician_id = _pk(technician)
    if technician_id in (None, ""):
        raise ValidationError({"technician": _("Choose a technician.")})
    try:
        technician_id = int(technician_id)
    except (TypeError, ValueError):
        raise ValidationError({"technician": _("Choose a technician.")}) from None
    if not is_technician(technician_id):
        raise ValidationError(
            {"technician": _("Choose a person holding the technician position here.")}
        )
    bay_obj = None
    if bay not in (None, ""):
        bay_obj = get_object_for_user(actor, Bay, "view", pk=_pk(bay))
        if not bay_obj.is_active:
            raise ValidationError({"bay": _("Bay %(bay)s is not in use.") % {"bay": bay_obj}})
    if (
        job.technician_id
        and job.technician_id != technician_id
        and TimeEntry.objects.filter(job=job, ended_at__isnull=True).exists()
    ):
        raise ValidationError(
            {
                "technician": _("%(name)s is clocked on to this job; clock off first.")
                % {"name": job.technician}
            }
        )
    before = snapshot(job, JOB_FIELDS)
    job.technician_id = technician_id
    job.bay = bay_obj
    return save_audited(actor=actor, obj=job, before=before, fields=JOB_FIELDS)


# --- clocking ------------------------------------------------------------------------------------


def _check_clock_rights(actor, job: Job) -> None:
    """A technician works their own jobs; the supervisor those of their department's
    technicians; dealership scope anyone's."""
    scope = _scope(actor, C.AFTERSALES_WORK_JOB)
    if scope is None:
        raise PermissionDenied(_("You do not have permission to perform this action."))
    if job.technician_id is None:
        raise ValidationError({"technician": _("Assign the job to a technician first.")})
    if scope >= DataScope.DEALERSHIP or job.technician_id == getattr(actor, "pk", None):
        return
    if scope == DataScope.DEPARTMENT and _in_departments(
        job.technician_id, user_access(actor).department_ids
    ):
        return
    raise PermissionDenied(_("This job is assigned to someone else."))


def _now() -> dt.datetime:
    return timezone.now()


def _open_entry_of(technician_id):
    return (
        TimeEntry.objects.filter(technician_id=technician_id, ended_at__isnull=True)
        .select_related("job__repair_order")
        .first()
    )


def _already_on(entry: TimeEntry, job: Job) -> ValidationError:
    if entry.job_id == job.pk:
        return ValidationError({"job": _("Already clocked on to this job.")})
    return ValidationError(
        {
            "job": _("%(name)s is clocked on to %(number)s already; clock off there first.")
            % {"name": entry.technician, "number": entry.job.repair_order.number}
        }
    )


@transaction.atomic
def job_clock_on(*, actor, job_id) -> TimeEntry:
    """Start a time entry on the job for its technician (now)."""
    job, order = _lock_job(actor, job_id)
    _check_clock_rights(actor, job)
    if order.status not in CLOCKABLE:
        raise ValidationError(
            {
                "job": _(
                    "Repair order %(number)s is %(status)s; jobs are clocked only when the "
                    "customer approved it or it is in progress."
                )
                % {"number": order.number, "status": order.get_status_display()}
            }
        )
    if job.status == JobStatus.DONE:
        raise ValidationError({"job": _("This job is done.")})
    entry = _open_entry_of(job.technician_id)
    if entry is not None:
        raise _already_on(entry, job)
    now = _now()
    entry = TimeEntry(
        dealership=job.dealership, job=job, technician_id=job.technician_id, started_at=now
    )
    try:
        with transaction.atomic():  # the technician clocked on elsewhere at the same moment
            save_audited(actor=actor, obj=entry, before=None, fields=ENTRY_FIELDS)
    except (IntegrityError, ValidationError) as error:
        # the other clock-on committed between our check and our insert: its entry is seen now
        # (by the constraint's validation or by the partial unique index)
        other = _open_entry_of(job.technician_id)
        if other is not None:
            raise _already_on(other, job) from None
        if isinstance(error, ValidationError):
            raise
        raise ValidationError({"job": _("Clocked on elsewhere already; try again.")}) from None
    before = snapshot(job, JOB_FIELDS)
    job.status = JobStatus.IN_PROGRESS
    save_audited(actor=actor, obj=job, before=before, fields=JOB_FIELDS)
    if order.status == RepairStatus.APPROVED:
        order_before = snapshot(order, ["status"])
        order.status = RepairStatus.IN_PROGRESS
        order.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=order,
            before=order_before,
            after=snapshot(order, ["status"]),
        )
    return entry


def minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole minutes clocked (rounded to the nearest minute, never negative)."""
    return max(0, round((end - start).total_seconds() / 60))


@transaction.atomic
def job_clock_off(*, actor, job_id, finished: bool = False) -> Job:
    """Close the job's open time entry, add its minutes to the job; the job is paused, or done
    with ``finished`` (a paused job may also be finished without clocking on again)."""
    job, _order = _lock_job(actor, job_id)
    _check_clock_rights(actor, job)
    if job.status == JobStatus.DONE:
        raise ValidationError({"job": _("This job is done.")})
    entry = (
        TimeEntry.objects.select_for_update()
        .filter(job=job, ended_at__isnull=True)
        .order_by("started_at")
        .first()
    )
    if entry is None and not (finished and job.status == JobStatus.PAUSED):
        raise ValidationError({"job": _("Nobody is clocked on to this job.")})
    now = _now()
    before = snapshot(job, JOB_FIELDS)
    if entry is not None:
        entry_before = snapshot(entry, ENTRY_FIELDS)
        entry.ended_at = max(now, entry.started_at)
        save_audited(actor=actor, obj=entry, before=entry_before, fields=ENTRY_FIELDS)
        job.clocked_minutes += minutes_between(entry.started_at, entry.ended_at)
    if finished:
        job.status = JobStatus.DONE
        job.finished_at = now
    else:
        job.status = JobStatus.PAUSED
    return save_audited(actor=actor, obj=job, before=before, fields=JOB_FIELDS)
