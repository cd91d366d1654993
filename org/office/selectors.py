"""Reads of the admin office, through the chokepoint (``for_user``), each in a constant number
of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery

from org.models import Department, StaffMember
from org.office.models import (
    ActionItem,
    Meeting,
    Notice,
    NoticeReceipt,
    RotaShift,
    TrainingRecord,
    TrainingSession,
)


def _user_id(user):
    return getattr(user, "pk", None)


# --- notices ---------------------------------------------------------------------------------


def notices_for_user(user, *, unread: bool = False, kind: str = ""):
    """The notices the user reads (received, kept), newest first, with the acknowledgement
    counts and the user's own receipt (``my_read_at``, ``my_receipt``)."""
    mine = NoticeReceipt.objects.filter(notice_id=OuterRef("pk"), staff__user_id=_user_id(user))
    rows = (
        Notice.objects.for_user(user, "view")
        .select_related("department", "registered_by")
        .annotate(
            recipients=Count("receipts", distinct=True),
            acknowledged=Count(
                "receipts", filter=Q(receipts__read_at__isnull=False), distinct=True
            ),
            my_receipt=Subquery(mine.values("pk")[:1]),
            my_read_at=Subquery(mine.values("read_at")[:1]),
        )
        .order_by("-issued_on", "-pk")
    )
    if kind in Notice.Kind.values:
        rows = rows.filter(kind=kind)
    if unread:
        rows = rows.filter(
            pk__in=NoticeReceipt.objects.filter(
                staff__user_id=_user_id(user), read_at__isnull=True
            ).values("notice_id")
        )
    return rows


def notice_receipts(user, notice: Notice):
    """Who got the notice and when they acknowledged it, unread first (as far as the user may
    see: the keepers everyone, a manager their department, a recipient their own)."""
    return (
        NoticeReceipt.objects.for_user(user, "view")
        .filter(notice=notice)
        .select_related("staff__user")
        .order_by("read_at", "staff__employee_no")
    )


def my_receipt(user, notice: Notice) -> NoticeReceipt | None:
    return (
        NoticeReceipt.objects.for_user(user, "view")
        .filter(notice=notice, staff__user_id=_user_id(user))
        .first()
    )


def unread_count(user) -> int:
    return (
        NoticeReceipt.objects.for_user(user, "view")
        .filter(staff__user_id=_user_id(user), read_at__isnull=True)
        .count()
    )


# --- meetings --------------------------------------------------------------------------------


def meetings_for_user(user, *, kind: str = ""):
    rows = (
        Meeting.objects.for_user(user, "view")
        .select_related("department", "chair__user", "recorded_by")
        .annotate(
            open_items=Count("items", filter=Q(items__state=ActionItem.State.OPEN), distinct=True)
        )
        .order_by("-held_on", "-pk")
    )
    if kind in Meeting.Kind.values:
        rows = rows.filter(kind=kind)
    return rows


def meeting_attendees(meeting: Meeting):
    return meeting.attendance.select_related("staff__user").order_by("staff__employee_no")


def meeting_items(user, meeting: Meeting):
    return (
        ActionItem.objects.for_user(user, "view")
        .filter(meeting=meeting)
        .select_related("owner__user")
        .order_by("state", "due_on", "pk")
    )


def action_items_for_user(user, *, mine: bool = False, state: str = "", overdue_on=None):
    rows = ActionItem.objects.for_user(user, "view").select_related("owner__user", "meeting")
    if mine:
        rows = rows.filter(owner__user_id=_user_id(user))
    if state in ActionItem.State.values:
        rows = rows.filter(state=state)
    if overdue_on is not None:
        rows = rows.filter(state=ActionItem.State.OPEN, due_on__lt=overdue_on)
    return rows.order_by("state", "due_on", "pk")


def my_overdue_items(user, today: dt.date):
    return action_items_for_user(user, mine=True, overdue_on=today)


# --- training --------------------------------------------------------------------------------


def sessions_for_user(user, *, kind: str = "", recheck_by: dt.date | None = None):
    """Sessions the user reads; with ``recheck_by``, those with a trainee's re-check due by then."""
    rows = (
        TrainingSession.objects.for_user(user, "view")
        .select_related("trainer__user", "department", "source")
        .annotate(
            trainees=Count("records", distinct=True),
            passed=Count(
                "records",
                filter=Q(records__result=TrainingRecord.Result.PASSED),
                distinct=True,
            ),
        )
        .order_by("-held_on", "-pk")
    )
    if kind in TrainingSession.Kind.values:
        rows = rows.filter(kind=kind)
    if recheck_by is not None:
        rows = rows.filter(
            pk__in=TrainingRecord.objects.filter(recheck_due_on__lte=recheck_by).values(
                "session_id"
            )
        )
    return rows


def session_records(user, session: TrainingSession):
    return (
        TrainingRecord.objects.for_user(user, "view")
        .filter(session=session)
        .select_related("trainee__user")
        .order_by("trainee__employee_no")
    )


def training_history(user, staff: StaffMember):
    """A person's training: the sessions they attended (with their check) and those they gave."""
    attended = (
        TrainingRecord.objects.for_user(user, "view")
        .filter(trainee=staff)
        .select_related("session__trainer__user")
        .order_by("-session__held_on")
    )
    given = (
        TrainingSession.objects.for_user(user, "view")
        .filter(trainer=staff)
        .annotate(trainees=Count("records"))
        .order_by("-held_on")
    )
    return attended, given


# --- the rota --------------------------------------------------------------------------------


def rota_departments(user):
    """Departments whose rota the user may see (their own, or all for the keepers)."""
    rows = Department.objects.order_by("order", "code")
    from org.access import user_access
    from org.capabilities import Capability as C
    from org.capabilities import DataScope

    access = user_access(user)
    wide = (DataScope.DEALERSHIP, DataScope.GROUP)
    if access.is_system or any(
        access.scope_for(c) in wide for c in (C.ORG_CHANGE_ROTA, C.ORG_VIEW_STAFF)
    ):
        return rows
    return rows.filter(pk__in=access.department_ids)


@dataclass
class RotaRow:
    staff: StaffMember
    cells: list  # (day, RotaShift | None) per day


@dataclass
class RotaGrid:
    department: Department
    days: list[dt.date]
    rows: list[RotaRow] = field(default_factory=list)


def department_staff(department_id: int) -> list[StaffMember]:
    """The active staff holding a position in the department (the rota's rows)."""
    return list(
        StaffMember.objects.filter(
            is_active=True, assignments__position__department_id=department_id
        )
        .select_related("user")
        .distinct()
        .order_by("employee_no")
    )


def rota_grid(
    user, department: Department, start: dt.date, days: int, *, everyone: bool = True
) -> RotaGrid:
    """The department's people × days, each cell the shift the user may see (3 queries);
    without ``everyone`` only the people whose shifts the user sees (their own row)."""
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    people = department_staff(department.pk)
    shifts = (
        RotaShift.objects.for_user(user, "view")
        .filter(department=department, day__gte=dates[0], day__lte=dates[-1])
        .select_related("staff")
    )
    by_key = {(s.staff_id, s.day): s for s in shifts}
    visible = {s.staff_id for s in by_key.values()}
    grid = RotaGrid(department=department, days=dates)
    for person in people:
        if not everyone and person.pk not in visible and person.user_id != _user_id(user):
            continue
        cells = [(d, by_key.get((person.pk, d))) for d in dates]
        grid.rows.append(RotaRow(staff=person, cells=cells))
    return grid


MARK_COLUMNS = [m for m in RotaShift.Mark.values]


@dataclass
class AttendanceLine:
    department: str
    employee_no: str
    name: str
    planned: int = 0
    rest: int = 0
    marks: Counter = field(default_factory=Counter)

    @property
    def unmarked(self) -> int:
        return self.planned - sum(self.marks.values())


def attendance_sheet(actor, start: dt.date, end: dt.date) -> list[AttendanceLine]:
    """Per department and person: working shifts planned, rest days and the attendance marks
    of ``[start, end]`` (one grouped query)."""
    rows = (
        RotaShift.objects.for_user(actor, "view")
        .filter(day__gte=start, day__lte=end)
        .values(
            "department__order",
            "department__name_zh",
            "department__name_en",
            "staff__employee_no",
            "staff__user__name",
            "kind",
            "mark",
        )
        .annotate(n=Count("pk"))
        .order_by("department__order", "department__name_zh", "staff__employee_no")
    )
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    lines: dict[tuple, AttendanceLine] = {}
    order: defaultdict = defaultdict(int)
    for row in rows:
        department = (english and row["department__name_en"]) or row["department__name_zh"]
        key = (row["department__order"], department, row["staff__employee_no"])
        line = lines.get(key)
        if line is None:
            line = lines[key] = AttendanceLine(
                department=department,
                employee_no=row["staff__employee_no"],
                name=row["staff__user__name"],
            )
            order[key] = len(order)
        if row["kind"] == RotaShift.Kind.REST:
            line.rest += row["n"]
            continue
        line.planned += row["n"]
        if row["mark"]:
            line.marks[row["mark"]] += row["n"]
    return [lines[k] for k in sorted(lines, key=lambda k: (k[0], k[1], k[2]))]
