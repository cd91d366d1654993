"""Writes of the admin office: notices (register, distribute, acknowledge, remind), meetings and
their action items, training sessions and their checks, the rota and attendance.

Each service runs in one transaction, re-reads its object through the chokepoint (locked), and
records an audit entry. The reminders are called by the jobs (:mod:`org.office.jobs`) with
notification keys, so a second or late run tells nobody twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealership.access import check_model_permission, get_object_for_user
from dealership.actors import is_system_actor
from dealership.audit import audit_record, save_audited, snapshot
from dealership.figures import local_today
from dealership.models import AuditEntry
from dealership.notifications import notify
from dealership.tenancy import get_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope
from org.models import Department, Position, PositionAssignment, StaffMember
from org.office import notifications as kinds
from org.office.models import (
    ActionItem,
    Meeting,
    MeetingAttendee,
    Notice,
    NoticeReceipt,
    NoticeTarget,
    RotaShift,
    TrainingRecord,
    TrainingSession,
)
from org.office.selectors import department_staff

NOTICE_FIELDS = ["number", "title", "kind", "issuer", "issued_on", "body", "department"]
REMIND_AFTER = dt.timedelta(days=2)
RECHECK_NOTICE_DAYS = 7

__all__ = [
    "action_item_add",
    "action_item_set_state",
    "action_items_remind_overdue",
    "attendance_mark",
    "may_keep_rota",
    "meeting_create",
    "meeting_update",
    "notice_acknowledge",
    "notice_create",
    "notice_distribute",
    "notice_update",
    "notices_remind_unread",
    "require_writable",
    "rota_plan",
    "training_rechecks_remind",
    "training_result_record",
    "training_session_create",
    "training_session_update",
]


def lock_for_user(actor, model, pk, action: str = "change"):
    """The object re-read through the chokepoint (404 outside the actor's scope, 403 if not
    allowed), then its row locked for update: the access rules join nullable relations, which
    PostgreSQL does not lock, so the check and the lock are two statements."""
    found = get_object_for_user(actor, model, action, pk=pk)
    return model._default_manager.select_for_update().get(pk=found.pk)


def _dealership_id() -> int:
    return get_scope().current_id


def require_writable(actor) -> None:
    """HQ reads only: a person acting in a read-only scope may not write (403)."""
    if not is_system_actor(actor) and not user_access(actor).writable:
        raise PermissionDenied(_("You do not have permission to perform this action."))


def _home_department_id(actor) -> int | None:
    """The department of the actor's first position (where the record is kept)."""
    if not getattr(actor, "pk", None) or is_system_actor(actor):
        return None
    return (
        PositionAssignment.objects.filter(staff__user=actor, staff__is_active=True)
        .order_by("position__department__order", "position__order")
        .values_list("position__department_id", flat=True)
        .first()
    )


def _staff(ids: Iterable, field: str) -> list[StaffMember]:
    """Active staff members of the current dealership by id (a clear error for any other)."""
    ids = {int(i) for i in ids if i not in (None, "")}
    found = list(StaffMember.objects.filter(pk__in=ids, is_active=True).select_related("user"))
    if len(found) != len(ids):
        raise ValidationError({field: _("Choose people who work in this dealership.")})
    return found


def _one_staff(value, field: str) -> StaffMember | None:
    if value in (None, ""):
        return None
    if isinstance(value, StaffMember):
        value = value.pk
    return _staff([value], field)[0]


def _pk(value):
    return getattr(value, "pk", value)


def _audit(actor, action, obj, before, after):
    audit_record(actor=actor, action=action, obj=obj, before=before, after=after)


# --- notices ---------------------------------------------------------------------------------


def _target_positions(positions, departments) -> list[Position]:
    position_ids = {_pk(p) for p in positions or ()}
    department_ids = {_pk(d) for d in departments or ()}
    found = list(
        Position.objects.filter(Q(pk__in=position_ids) | Q(department_id__in=department_ids))
    )
    if not position_ids <= {p.pk for p in found}:
        raise ValidationError({"positions": _("Choose positions of this dealership.")})
    if Department.objects.filter(pk__in=department_ids).count() != len(department_ids):
        raise ValidationError({"departments": _("Choose departments of this dealership.")})
    return found


@transaction.atomic
def notice_create(
    *,
    actor,
    number: str,
    title: str,
    kind: str,
    issued_on: dt.date,
    issuer: str = "",
    body: str = "",
    attachment=None,
    positions=(),
    departments=(),
    distribute: bool = True,
) -> Notice:
    """Register a notice and (by default) distribute it at once to the holders of
    ``positions`` and of every position of ``departments``."""
    check_model_permission(actor, Notice, "add")
    require_writable(actor)
    notice = Notice(
        dealership_id=_dealership_id(),
        number=(number or "").strip(),
        title=(title or "").strip(),
        kind=kind,
        issuer=issuer or "",
        issued_on=issued_on,
        body=body or "",
        registered_by=actor,
        department_id=_home_department_id(actor),
    )
    if attachment is not None:
        _attach(notice, attachment)
    targets = _target_positions(positions, departments)
    if distribute and not targets:
        raise ValidationError({"positions": _("Choose the positions the notice goes to.")})
    save_audited(actor=actor, obj=notice, before=None, fields=NOTICE_FIELDS)
    NoticeTarget.objects.bulk_create(
        [
            NoticeTarget(dealership_id=notice.dealership_id, notice=notice, position=p)
            for p in targets
        ]
    )
    if distribute:
        _distribute(actor, notice)
    return notice


def _attach(notice: Notice, upload) -> None:
    from django.conf import settings

    from org.approvals.services import ALLOWED_TYPES, _detect

    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit or upload.size == 0:
        raise ValidationError(
            {
                "attachment": _("Attach a file of at most %(mb)s MB.")
                % {"mb": settings.ATTACHMENT_MAX_MB}
            }
        )
    content_type = _detect(upload)
    if content_type not in ALLOWED_TYPES:
        raise ValidationError({"attachment": _("Attach a PDF or a photo (JPEG, PNG, WebP, HEIC).")})
    notice.attachment_name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
    notice.attachment_type = content_type
    notice.attachment.save(notice.attachment_name, upload, save=False)


@transaction.atomic
def notice_update(
    *, actor, notice_id: int, positions=None, departments=(), attachment=None, **changes
):
    """Correct a notice; positions added later are distributed to at once (nobody twice)."""
    notice = lock_for_user(actor, Notice, notice_id)
    require_writable(actor)
    before = snapshot(notice, NOTICE_FIELDS)
    for field in ("number", "title", "kind", "issuer", "issued_on", "body"):
        if field in changes:
            setattr(notice, field, changes[field] if changes[field] is not None else "")
    if attachment is not None:
        _attach(notice, attachment)
    save_audited(actor=actor, obj=notice, before=before, fields=NOTICE_FIELDS)
    if positions is not None or departments:
        have = set(notice.targets.values_list("position_id", flat=True))
        new = [p for p in _target_positions(positions or (), departments) if p.pk not in have]
        NoticeTarget.objects.bulk_create(
            [
                NoticeTarget(dealership_id=notice.dealership_id, notice=notice, position=p)
                for p in new
            ]
        )
        if notice.distributed_at:
            _distribute(actor, notice)
    return notice


@transaction.atomic
def notice_distribute(*, actor, notice_id: int) -> int:
    """Send the notice to every current holder of its positions who has not got it yet;
    returns how many people it reached now."""
    notice = lock_for_user(actor, Notice, notice_id)
    require_writable(actor)
    if not notice.targets.exists():
        raise ValidationError({"positions": _("Choose the positions the notice goes to.")})
    return _distribute(actor, notice)


def _distribute(actor, notice: Notice) -> int:
    position_ids = list(notice.targets.values_list("position_id", flat=True))
    have = set(notice.receipts.values_list("staff_id", flat=True))
    staff = (
        StaffMember.objects.filter(is_active=True, assignments__position_id__in=position_ids)
        .exclude(pk__in=have)
        .distinct()
        .values_list("pk", "user_id")
    )
    staff = list(staff)
    now = timezone.now()
    NoticeReceipt.objects.bulk_create(
        [
            NoticeReceipt(
                dealership_id=notice.dealership_id, notice=notice, staff_id=pk, delivered_at=now
            )
            for pk, _user in staff
        ]
    )
    first = notice.distributed_at is None
    if first:
        before = snapshot(notice, ["distributed_at"])
        notice.distributed_at = now
        notice.save(update_fields=["distributed_at"])
        _audit(
            actor, AuditEntry.Action.UPDATE, notice, before, snapshot(notice, ["distributed_at"])
        )
    if staff:
        notify(
            kinds.NOTICE_KIND,
            list(get_user_model().objects.filter(pk__in=[user for _pk, user in staff])),
            format_lazy(
                gettext_lazy("{kind} {number}: {title}"),
                kind=notice.get_kind_display(),
                number=notice.number,
                title=notice.title,
            ),
            obj=notice,
            body=gettext_lazy("Open the notice and acknowledge that you have read it."),
            key=f"notice:{notice.pk}",
        )
    return len(staff)


@transaction.atomic
def notice_acknowledge(*, actor, notice_id: int) -> NoticeReceipt:
    """The recipient confirms they have read the notice (已阅), with the time; again: nothing."""
    require_writable(actor)
    mine = NoticeReceipt.objects.for_user(actor, "view").filter(
        notice_id=notice_id, staff__user_id=getattr(actor, "pk", None)
    )
    receipt = (
        NoticeReceipt.objects.select_for_update()
        .filter(pk__in=list(mine.values_list("pk", flat=True)))
        .first()
    )
    if receipt is None:
        raise ValidationError(_("This notice was not sent to you."))
    if receipt.read_at is None:
        before = snapshot(receipt, ["read_at"])
        receipt.read_at = timezone.now()
        receipt.save(update_fields=["read_at"])
        _audit(actor, AuditEntry.Action.UPDATE, receipt, before, snapshot(receipt, ["read_at"]))
    return receipt


def notices_remind_unread(*, dealership, now: dt.datetime | None = None) -> int:
    """Remind each recipient once a day of notices still unread two days after delivery
    (the job; run twice or late, it tells nobody twice a day)."""
    now = now or timezone.now()
    today = local_today(dealership)
    due = list(
        NoticeReceipt.objects.filter(
            dealership=dealership, read_at__isnull=True, delivered_at__lte=now - REMIND_AFTER
        )
        .select_related("notice", "staff__user")
        .order_by("pk")
    )
    sent = 0
    for receipt in due:
        with transaction.atomic():
            told = notify(
                kinds.NOTICE_REMINDER_KIND,
                [receipt.staff.user],
                format_lazy(
                    gettext_lazy("Not acknowledged yet: {number} {title}"),
                    number=receipt.notice.number,
                    title=receipt.notice.title,
                ),
                obj=receipt.notice,
                key=f"notice:{receipt.notice_id}:remind:{today.isoformat()}",
                dealership=dealership,
            )
            if told:
                NoticeReceipt.objects.filter(pk=receipt.pk).update(
                    reminded_at=now, reminders=receipt.reminders + 1
                )
                sent += 1
    return sent


# --- meetings --------------------------------------------------------------------------------

MEETING_FIELDS = ["kind", "title", "held_on", "place", "department", "chair", "minutes"]


def _set_attendees(meeting: Meeting, attendees) -> None:
    people = _staff([_pk(a) for a in attendees or ()], "attendees")
    wanted = {p.pk for p in people}
    meeting.attendance.exclude(staff_id__in=wanted).delete()
    have = set(meeting.attendance.values_list("staff_id", flat=True))
    MeetingAttendee.objects.bulk_create(
        [
            MeetingAttendee(dealership_id=meeting.dealership_id, meeting=meeting, staff_id=pk)
            for pk in sorted(wanted - have)
        ]
    )


def _department(value) -> Department | None:
    if value in (None, ""):
        return None
    department = Department.objects.filter(pk=_pk(value)).first()
    if department is None:
        raise ValidationError({"department": _("Choose a department of this dealership.")})
    return department


def _check_keeper_department(actor, capability, department: Department | None) -> None:
    """A keeper at department scope keeps only their departments' records."""
    if is_system_actor(actor):
        return
    scope = user_access(actor).scope_for(capability)
    if scope in (DataScope.DEALERSHIP, DataScope.GROUP):
        return
    if department is None or department.pk not in user_access(actor).department_ids:
        raise ValidationError({"department": _("Choose one of your own departments.")})


@transaction.atomic
def meeting_create(
    *,
    actor,
    kind: str,
    title: str,
    held_on: dt.date,
    place: str = "",
    department=None,
    chair=None,
    attendees=(),
    minutes: str = "",
) -> Meeting:
    check_model_permission(actor, Meeting, "add")
    require_writable(actor)
    department = _department(department) or (
        Department.objects.filter(pk=_home_department_id(actor)).first()
    )
    _check_keeper_department(actor, C.ORG_CHANGE_MEETING, department)
    meeting = Meeting(
        dealership_id=_dealership_id(),
        kind=kind,
        title=(title or "").strip(),
        held_on=held_on,
        place=place or "",
        department=department,
        chair=_one_staff(chair, "chair"),
        minutes=minutes or "",
        recorded_by=actor,
    )
    save_audited(actor=actor, obj=meeting, before=None, fields=MEETING_FIELDS)
    _set_attendees(meeting, attendees)
    return meeting


@transaction.atomic
def meeting_update(*, actor, meeting_id: int, attendees=None, **changes) -> Meeting:
    meeting = lock_for_user(actor, Meeting, meeting_id)
    require_writable(actor)
    before = snapshot(meeting, MEETING_FIELDS)
    for field in ("kind", "title", "held_on", "place", "minutes"):
        if field in changes:
            setattr(meeting, field, changes[field] if changes[field] is not None else "")
    if "department" in changes:
        meeting.department = _department(changes["department"])
        _check_keeper_department(actor, C.ORG_CHANGE_MEETING, meeting.department)
    if "chair" in changes:
        meeting.chair = _one_staff(changes["chair"], "chair")
    save_audited(actor=actor, obj=meeting, before=before, fields=MEETING_FIELDS)
    if attendees is not None:
        _set_attendees(meeting, attendees)
    return meeting


@transaction.atomic
def action_item_add(*, actor, meeting_id: int, title: str, owner, due_on: dt.date) -> ActionItem:
    """An action item of a meeting: its owner is told (once)."""
    meeting = lock_for_user(actor, Meeting, meeting_id)
    require_writable(actor)
    owner = _one_staff(owner, "owner")
    if owner is None:
        raise ValidationError({"owner": _("Choose who carries out the action.")})
    if due_on < meeting.held_on:
        raise ValidationError({"due_on": _("The due date cannot be before the meeting.")})
    item = ActionItem(
        dealership_id=meeting.dealership_id,
        meeting=meeting,
        title=(title or "").strip(),
        owner=owner,
        due_on=due_on,
    )
    save_audited(actor=actor, obj=item, before=None)
    notify(
        kinds.ACTION_ITEM_KIND,
        [owner.user],
        format_lazy(
            gettext_lazy("Action item by {due}: {title}"), due=due_on.isoformat(), title=item.title
        ),
        obj=item,
        body=format_lazy(gettext_lazy("From the meeting {meeting}."), meeting=str(meeting)),
        key=f"actionitem:{item.pk}",
    )
    return item


@transaction.atomic
def action_item_set_state(*, actor, item_id: int, state: str, result: str = "") -> ActionItem:
    """Close (done / cancelled) or reopen an action item: by its owner (done only) or a keeper."""
    require_writable(actor)
    if state not in ActionItem.State.values:
        raise ValidationError({"state": _("Choose a valid state.")})
    owned = ActionItem.objects.for_user(actor, "view").filter(
        pk=item_id, owner__user_id=getattr(actor, "pk", None)
    )
    mine = (
        ActionItem.objects.select_for_update()
        .filter(pk__in=list(owned.values_list("pk", flat=True)))
        .first()
    )
    if mine is not None and (
        state == ActionItem.State.DONE
        or ActionItem.objects.for_user(actor, "change").filter(pk=item_id).exists()
    ):
        item = mine
    else:
        item = lock_for_user(actor, ActionItem, item_id)
    before = snapshot(item)
    item.state = state
    item.result = result or item.result
    item.closed_at = None if state == ActionItem.State.OPEN else timezone.now()
    return save_audited(actor=actor, obj=item, before=before)


def action_items_remind_overdue(*, dealership, today: dt.date | None = None) -> int:
    """Tell the owner of each open item past its due date, once (the job)."""
    today = today or local_today(dealership)
    items = list(
        ActionItem.objects.filter(
            dealership=dealership,
            state=ActionItem.State.OPEN,
            due_on__lt=today,
            reminded_at__isnull=True,
        ).select_related("owner__user", "meeting")
    )
    now = timezone.now()
    for item in items:
        with transaction.atomic():
            notify(
                kinds.ACTION_ITEM_OVERDUE_KIND,
                [item.owner.user],
                format_lazy(
                    gettext_lazy("Overdue since {due}: {title}"),
                    due=item.due_on.isoformat(),
                    title=item.title,
                ),
                obj=item,
                key=f"actionitem:{item.pk}:overdue",
                dealership=dealership,
            )
            ActionItem.objects.filter(pk=item.pk, reminded_at__isnull=True).update(reminded_at=now)
    return len(items)


# --- training --------------------------------------------------------------------------------

SESSION_FIELDS = [
    "course",
    "kind",
    "held_on",
    "hours",
    "trainer",
    "trainer_name",
    "source",
    "department",
    "content",
]


def _validate_session(session: TrainingSession) -> None:
    if not session.trainer_id and not session.trainer_name.strip():
        raise ValidationError({"trainer": _("Name the trainer: a colleague or someone outside.")})
    if session.kind == TrainingSession.Kind.RETRAINING:
        if session.source_id is None or session.trainer_id is None:
            raise ValidationError(
                {"source": _("A re-training names the session its trainer attended.")}
            )
        if (
            not TrainingRecord.objects.filter(
                session_id=session.source_id, trainee_id=session.trainer_id
            )
            .exclude(result=TrainingRecord.Result.FAILED)
            .exists()
        ):
            raise ValidationError(
                {"source": _("The trainer must have attended (and not failed) that session.")}
            )
    if session.source_id and session.source_id == session.pk:
        raise ValidationError({"source": _("A session cannot pass itself on.")})


def _set_trainees(session: TrainingSession, trainees) -> None:
    people = _staff([_pk(t) for t in trainees or ()], "trainees")
    wanted = {p.pk for p in people}
    if session.trainer_id in wanted:
        raise ValidationError({"trainees": _("The trainer is not one of the trainees.")})
    session.records.exclude(trainee_id__in=wanted).filter(
        result=TrainingRecord.Result.PENDING
    ).delete()
    have = set(session.records.values_list("trainee_id", flat=True))
    TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(dealership_id=session.dealership_id, session=session, trainee_id=pk)
            for pk in sorted(wanted - have)
        ]
    )


@transaction.atomic
def training_session_create(
    *,
    actor,
    course: str,
    kind: str,
    held_on: dt.date,
    hours=1,
    trainer=None,
    trainer_name: str = "",
    source=None,
    department=None,
    content: str = "",
    trainees=(),
) -> TrainingSession:
    check_model_permission(actor, TrainingSession, "add")
    require_writable(actor)
    department = _department(department) or (
        Department.objects.filter(pk=_home_department_id(actor)).first()
    )
    _check_keeper_department(actor, C.ORG_CHANGE_TRAINING, department)
    session = TrainingSession(
        dealership_id=_dealership_id(),
        course=(course or "").strip(),
        kind=kind,
        held_on=held_on,
        hours=hours,
        trainer=_one_staff(trainer, "trainer"),
        trainer_name=trainer_name or "",
        source=TrainingSession.objects.filter(pk=_pk(source)).first() if source else None,
        department=department,
        content=content or "",
        recorded_by=actor,
    )
    if source and session.source is None:
        raise ValidationError({"source": _("Choose a session of this dealership.")})
    save_audited(
        actor=actor, obj=session, before=None, fields=SESSION_FIELDS, validate=_validate_session
    )
    _set_trainees(session, trainees)
    return session


@transaction.atomic
def training_session_update(*, actor, session_id: int, trainees=None, **changes) -> TrainingSession:
    session = lock_for_user(actor, TrainingSession, session_id)
    require_writable(actor)
    before = snapshot(session, SESSION_FIELDS)
    for field in ("course", "kind", "held_on", "hours", "trainer_name", "content"):
        if field in changes:
            setattr(session, field, changes[field] if changes[field] is not None else "")
    if "trainer" in changes:
        session.trainer = _one_staff(changes["trainer"], "trainer")
    if "source" in changes:
        source = changes["source"]
        session.source = TrainingSession.objects.filter(pk=_pk(source)).first() if source else None
    if "department" in changes:
        session.department = _department(changes["department"])
        _check_keeper_department(actor, C.ORG_CHANGE_TRAINING, session.department)
    save_audited(
        actor=actor, obj=session, before=before, fields=SESSION_FIELDS, validate=_validate_session
    )
    if trainees is not None:
        _set_trainees(session, trainees)
    return session


@transaction.atomic
def training_result_record(
    *,
    actor,
    record_id: int,
    result: str,
    score=None,
    recheck_due_on: dt.date | None = None,
    note: str = "",
) -> TrainingRecord:
    """The check of one trainee: passed / failed, a score out of 100, when to re-check."""
    record = lock_for_user(actor, TrainingRecord, record_id)
    require_writable(actor)
    if result not in TrainingRecord.Result.values:
        raise ValidationError({"result": _("Choose a valid result.")})
    if recheck_due_on is not None and recheck_due_on < record.session.held_on:
        raise ValidationError(
            {"recheck_due_on": _("A re-check cannot be due before the training.")}
        )
    before = snapshot(record)
    record.result = result
    record.score = score
    if record.recheck_due_on != recheck_due_on:
        record.reminded_at = None  # a new date is reminded again
    record.recheck_due_on = recheck_due_on
    record.note = note or ""
    return save_audited(actor=actor, obj=record, before=before)


def training_rechecks_remind(*, dealership, today: dt.date | None = None) -> int:
    """Tell each trainee (and the session's trainer) once that a re-check is due within a week."""
    today = today or local_today(dealership)
    records = list(
        TrainingRecord.objects.filter(
            dealership=dealership,
            recheck_due_on__isnull=False,
            recheck_due_on__lte=today + dt.timedelta(days=RECHECK_NOTICE_DAYS),
            reminded_at__isnull=True,
        ).select_related("session__trainer__user", "trainee__user")
    )
    now = timezone.now()
    for record in records:
        people = [record.trainee.user]
        if record.session.trainer_id:
            people.append(record.session.trainer.user)
        with transaction.atomic():
            notify(
                kinds.RECHECK_KIND,
                people,
                format_lazy(
                    gettext_lazy("Re-check due on {due}: {course}"),
                    due=record.recheck_due_on.isoformat(),
                    course=record.session.course,
                ),
                obj=record.session,
                key=f"training:{record.pk}:recheck:{record.recheck_due_on.isoformat()}",
                dealership=dealership,
            )
            TrainingRecord.objects.filter(pk=record.pk).update(reminded_at=now)
    return len(records)


# --- the rota and attendance -----------------------------------------------------------------


def may_keep_rota(user, department: Department) -> bool:
    """May ``user`` plan and mark the rota of ``department`` (to show the controls)?"""
    if is_system_actor(user):
        return True
    access = user_access(user)
    if not access.writable:
        return False
    scope = access.scope_for(C.ORG_CHANGE_ROTA)
    if scope in (DataScope.DEALERSHIP, DataScope.GROUP):
        return True
    return scope is not None and department.pk in access.department_ids


@transaction.atomic
def rota_plan(*, actor, department_id: int, entries: Iterable[tuple]) -> dict:
    """Plan a department's rota: ``entries`` are ``(staff_id, day, kind)``; an empty kind
    removes an unmarked shift. A marked shift keeps its mark (its kind may change unless the new
    one is a rest day). Returns counts of created / changed / removed shifts."""
    require_writable(actor)
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise ValidationError({"department": _("Choose a department of this dealership.")})
    check_model_permission(actor, RotaShift, "change")
    _check_keeper_department(actor, C.ORG_CHANGE_ROTA, department)
    members = {s.pk for s in department_staff(department.pk)}
    entries = list(entries)
    counts = {"created": 0, "changed": 0, "removed": 0}
    days = {e[1] for e in entries}
    staff_ids = {int(e[0]) for e in entries}
    if staff_ids - members:
        raise ValidationError({"staff": _("Plan only people of this department.")})
    existing = {
        (s.staff_id, s.day): s
        for s in RotaShift.objects.select_for_update().filter(
            pk__in=list(
                RotaShift.objects.for_user(actor, "change")
                .filter(staff_id__in=staff_ids, day__in=days)
                .values_list("pk", flat=True)
            )
        )
    }
    elsewhere = set(
        RotaShift.objects.filter(staff_id__in=staff_ids, day__in=days)
        .exclude(pk__in=[s.pk for s in existing.values()])
        .values_list("staff_id", "day")
    )
    for staff_id, day, kind in entries:
        staff_id = int(staff_id)
        kind = kind or ""
        if kind and kind not in RotaShift.Kind.values:
            raise ValidationError({"kind": _("Choose a valid shift.")})
        if (staff_id, day) in elsewhere:
            raise ValidationError(
                {
                    "staff": _("%(day)s: this person is already on another department's rota.")
                    % {"day": day}
                }
            )
        shift = existing.get((staff_id, day))
        if shift is None:
            if kind:
                shift = RotaShift(
                    dealership_id=department.dealership_id,
                    department=department,
                    staff_id=staff_id,
                    day=day,
                    kind=kind,
                )
                save_audited(actor=actor, obj=shift, before=None)
                counts["created"] += 1
            continue
        if shift.department_id != department.pk:
            raise ValidationError({"staff": _("This shift belongs to another department's rota.")})
        if not kind:
            if shift.mark:
                raise ValidationError(
                    {"kind": _("%(day)s: attendance is marked; the shift stays.") % {"day": day}}
                )
            _audit(actor, AuditEntry.Action.DELETE, shift, snapshot(shift), None)
            shift.delete()
            counts["removed"] += 1
        elif kind != shift.kind:
            if kind == RotaShift.Kind.REST and shift.mark:
                raise ValidationError(
                    {
                        "kind": _("%(day)s: attendance is marked; it cannot become a rest day.")
                        % {"day": day}
                    }
                )
            before = snapshot(shift)
            shift.kind = kind
            save_audited(actor=actor, obj=shift, before=before)
            counts["changed"] += 1
    return counts


@transaction.atomic
def attendance_mark(*, actor, shift_id: int, mark: str, note: str = "") -> RotaShift:
    """Mark attendance against a shift (present, late, on leave…); an empty mark clears it.
    Rest days and days still to come are not marked."""
    shift = lock_for_user(actor, RotaShift, shift_id)
    require_writable(actor)
    if mark and mark not in RotaShift.Mark.values:
        raise ValidationError({"mark": _("Choose a valid attendance mark.")})
    if mark and shift.kind == RotaShift.Kind.REST:
        raise ValidationError({"mark": _("A rest day has no attendance mark.")})
    if mark and shift.day > local_today(shift.dealership):
        raise ValidationError({"mark": _("Attendance is marked on the day or later.")})
    before = snapshot(shift)
    shift.mark = mark or ""
    shift.note = note or ""
    shift.marked_by = (
        actor if mark and getattr(actor, "pk", None) and not is_system_actor(actor) else None
    )
    shift.marked_at = timezone.now() if mark else None
    return save_audited(actor=actor, obj=shift, before=before)
