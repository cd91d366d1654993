"""The admin office's services: notices reach the holders of their positions and record each
acknowledgement; reminders, overdue items and re-checks are told once; meetings, training and
the rota keep their rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from dealership.models import Notification
from dealership.tenancy import dealership_context
from org.models import Department, Position
from org.office import services
from org.office.models import Notice, NoticeReceipt, RotaShift, TrainingRecord
from tests.factories import UserFactory, hire
from tests.org.office.conftest import fresh

TODAY = dt.date(2026, 11, 20)


def _bulletin(office, *codes, **extra):
    return services.notice_create(
        actor=fresh(office.clerk),
        number=extra.pop("number", "TSB-1"),
        title="怠速抖动检查",
        kind="technical_bulletin",
        issued_on=TODAY,
        positions=list(Position.objects.filter(code__in=codes or ("technician",))),
        **extra,
    )


# --- notices ---------------------------------------------------------------------------------


def test_a_notice_reaches_every_holder_of_its_positions_once(office, in_a):
    notice = _bulletin(office, "technician", "technical_expert")
    receipts = NoticeReceipt.objects.filter(notice=notice)
    assert {r.staff.user_id for r in receipts} == {
        office.tech1.pk,
        office.tech2.pk,
        office.expert.pk,
    }
    assert notice.distributed_at is not None
    told = Notification.objects.filter(kind="org.notice", key=f"notice:{notice.pk}")
    assert told.count() == 3
    # distributing again tells nobody twice; a new holder gets it then
    assert services.notice_distribute(actor=fresh(office.clerk), notice_id=notice.pk) == 0
    newcomer = UserFactory(username="tech3")
    hire(newcomer, in_a, "technician")
    assert services.notice_distribute(actor=fresh(office.clerk), notice_id=notice.pk) == 1
    assert told.count() == 4


def test_a_department_sends_to_every_position_of_it(office, in_a):
    sales = Department.objects.get(code="sales")
    notice = services.notice_create(
        actor=fresh(office.clerk),
        number="OEM-9",
        title="展厅检查",
        kind="oem_notice",
        issued_on=TODAY,
        departments=[sales],
    )
    people = set(notice.receipts.values_list("staff__user_id", flat=True))
    assert {office.sales_manager.pk, office.consultant.pk} <= people
    assert office.tech1.pk not in people


def test_acknowledging_records_the_time_once(office, in_a):
    notice = _bulletin(office)
    receipt = services.notice_acknowledge(actor=fresh(office.tech1), notice_id=notice.pk)
    first = receipt.read_at
    assert first is not None
    again = services.notice_acknowledge(actor=fresh(office.tech1), notice_id=notice.pk)
    assert again.read_at == first
    with pytest.raises(ValidationError):
        services.notice_acknowledge(actor=fresh(office.consultant), notice_id=notice.pk)


def test_numbers_are_unique_per_dealership_and_positions_are_required(office, in_a):
    _bulletin(office)
    with pytest.raises(ValidationError):
        _bulletin(office)
    with pytest.raises(ValidationError):
        services.notice_create(
            actor=fresh(office.clerk), number="X", title="t", kind="internal", issued_on=TODAY
        )


def test_only_keepers_register_notices(office, in_a):
    with pytest.raises(PermissionDenied):
        services.notice_create(
            actor=fresh(office.tech1),
            number="X",
            title="t",
            kind="internal",
            issued_on=TODAY,
            positions=list(Position.objects.filter(code="technician")),
        )


def test_unread_notices_are_reminded_once_a_day_after_two_days(office, in_a):
    notice = _bulletin(office)
    services.notice_acknowledge(actor=fresh(office.tech1), notice_id=notice.pk)
    now = timezone.now()
    assert services.notices_remind_unread(dealership=in_a, now=now) == 0  # too early
    later = now + dt.timedelta(days=2, hours=1)
    assert services.notices_remind_unread(dealership=in_a, now=later) == 1
    assert services.notices_remind_unread(dealership=in_a, now=later) == 0  # same day: nothing
    reminded = NoticeReceipt.objects.get(notice=notice, staff__user=office.tech2)
    assert reminded.reminders == 1 and reminded.reminded_at is not None
    assert Notification.objects.filter(kind="org.notice_reminder").count() == 1


def test_the_keeper_sees_who_has_and_has_not_read(office, in_a):
    from org.office.selectors import notice_receipts

    notice = _bulletin(office)
    services.notice_acknowledge(actor=fresh(office.tech1), notice_id=notice.pk)
    rows = list(notice_receipts(fresh(office.clerk), notice))
    assert [r.staff.user_id for r in rows if r.read_at] == [office.tech1.pk]
    assert len(rows) == 2
    # a technician sees only their own receipt
    assert [r.staff.user_id for r in notice_receipts(fresh(office.tech2), notice)] == [
        office.tech2.pk
    ]


def test_hq_reads_but_cannot_acknowledge(office, cast):
    with dealership_context(cast.a):
        notice = _bulletin(office)
    from dealership.tenancy import tenant_context
    from dealership.tenancy.resolve import resolve_scope

    with tenant_context(resolve_scope(cast.hq_user)):
        assert Notice.objects.for_user(cast.hq_user, "view").filter(pk=notice.pk).exists()
        with pytest.raises(PermissionDenied):
            services.notice_acknowledge(actor=cast.hq_user, notice_id=notice.pk)


# --- meetings --------------------------------------------------------------------------------


def _meeting(office, **extra):
    return services.meeting_create(
        actor=fresh(office.sales_manager),
        kind="morning",
        title="晨会",
        held_on=TODAY,
        attendees=[office.staff(office.consultant), office.staff(office.sales_manager)],
        **extra,
    )


def test_a_meeting_with_items_tells_the_owner(office, in_a):
    meeting = _meeting(office)
    assert meeting.department.code == "sales"
    assert meeting.attendance.count() == 2
    item = services.action_item_add(
        actor=fresh(office.sales_manager),
        meeting_id=meeting.pk,
        title="提交自查表",
        owner=office.staff(office.consultant),
        due_on=TODAY + dt.timedelta(days=2),
    )
    assert Notification.objects.filter(
        kind="org.action_item", recipient=office.consultant, key=f"actionitem:{item.pk}"
    ).exists()
    with pytest.raises(ValidationError):
        services.action_item_add(
            actor=fresh(office.sales_manager),
            meeting_id=meeting.pk,
            title="x",
            owner=office.staff(office.consultant),
            due_on=TODAY - dt.timedelta(days=1),
        )


def test_a_department_keeper_records_only_their_departments_meetings(office, in_a):
    with pytest.raises(ValidationError):
        _meeting(office, department=Department.objects.get(code="aftersales"))


def test_the_owner_closes_their_item_but_cannot_cancel_it(office, in_a):
    meeting = _meeting(office)
    item = services.action_item_add(
        actor=fresh(office.sales_manager),
        meeting_id=meeting.pk,
        title="x",
        owner=office.staff(office.consultant),
        due_on=TODAY,
    )
    with pytest.raises((PermissionDenied, Http404)):
        services.action_item_set_state(
            actor=fresh(office.consultant), item_id=item.pk, state="cancelled"
        )
    done = services.action_item_set_state(
        actor=fresh(office.consultant), item_id=item.pk, state="done", result="已提交"
    )
    assert done.state == "done" and done.closed_at is not None
    # someone else's item is not theirs to close
    with pytest.raises((PermissionDenied, Http404)):
        services.action_item_set_state(actor=fresh(office.tech1), item_id=item.pk, state="done")


def test_overdue_items_are_reminded_once_and_shown_to_the_owner(office, in_a):
    from org.office.selectors import my_overdue_items

    meeting = _meeting(office)
    item = services.action_item_add(
        actor=fresh(office.sales_manager),
        meeting_id=meeting.pk,
        title="x",
        owner=office.staff(office.consultant),
        due_on=TODAY,
    )
    assert services.action_items_remind_overdue(dealership=in_a, today=TODAY) == 0
    late = TODAY + dt.timedelta(days=1)
    assert services.action_items_remind_overdue(dealership=in_a, today=late) == 1
    assert services.action_items_remind_overdue(dealership=in_a, today=late) == 0
    assert Notification.objects.filter(kind="org.action_item_overdue").count() == 1
    assert list(my_overdue_items(fresh(office.consultant), late)) == [item]
    assert list(my_overdue_items(fresh(office.sales_manager), late)) == []


# --- training --------------------------------------------------------------------------------


def test_retraining_records_who_trained_whom(office, in_a):
    oem = services.training_session_create(
        actor=fresh(office.hr),
        course="高压安全",
        kind="oem",
        held_on=TODAY,
        trainer_name="厂家",
        trainees=[office.staff(office.expert)],
    )
    record = oem.records.get()
    with pytest.raises(ValidationError):  # not passed yet: pending is allowed, failed is not
        services.training_result_record(actor=fresh(office.hr), record_id=record.pk, result="bogus")
    services.training_result_record(
        actor=fresh(office.hr),
        record_id=record.pk,
        result="passed",
        score=92,
        recheck_due_on=TODAY + dt.timedelta(days=3),
    )
    passed_on = services.training_session_create(
        actor=fresh(office.expert),
        course="高压安全(转训)",
        kind="retraining",
        held_on=TODAY + dt.timedelta(days=1),
        trainer=office.staff(office.expert),
        source=oem,
        trainees=[office.staff(office.tech1), office.staff(office.tech2)],
    )
    assert passed_on.source == oem
    assert set(passed_on.records.values_list("trainee__user_id", flat=True)) == {
        office.tech1.pk,
        office.tech2.pk,
    }
    # a technician cannot pass on a course they never attended
    with pytest.raises(ValidationError):
        services.training_session_create(
            actor=fresh(office.hr),
            course="x",
            kind="retraining",
            held_on=TODAY,
            trainer=office.staff(office.tech1),
            source=oem,
        )
    # the re-check is told to the trainee once
    assert services.training_rechecks_remind(dealership=in_a, today=TODAY) == 1
    assert services.training_rechecks_remind(dealership=in_a, today=TODAY) == 0
    assert Notification.objects.filter(
        kind="org.training_recheck", recipient=office.expert
    ).exists()


def test_a_trainee_reads_their_record_but_does_not_grade_it(office, in_a):
    session = services.training_session_create(
        actor=fresh(office.hr),
        course="c",
        kind="internal",
        held_on=TODAY,
        trainer_name="t",
        trainees=[office.staff(office.tech1)],
    )
    record = session.records.get()
    assert (
        TrainingRecord.objects.for_user(fresh(office.tech1), "view").filter(pk=record.pk).exists()
    )
    assert (
        not TrainingRecord.objects.for_user(fresh(office.tech2), "view")
        .filter(pk=record.pk)
        .exists()
    )
    with pytest.raises((PermissionDenied, Http404)):
        services.training_result_record(
            actor=fresh(office.tech1), record_id=record.pk, result="passed"
        )


# --- the rota --------------------------------------------------------------------------------


def test_planning_the_rota_creates_changes_and_removes_shifts(office, in_a):
    workshop = Department.objects.get(code="aftersales")
    tech1, tech2 = office.staff(office.tech1), office.staff(office.tech2)
    counts = services.rota_plan(
        actor=fresh(office.hr),
        department_id=workshop.pk,
        entries=[(tech1.pk, TODAY, "early"), (tech2.pk, TODAY, "rest")],
    )
    assert counts == {"created": 2, "changed": 0, "removed": 0}
    counts = services.rota_plan(
        actor=fresh(office.hr),
        department_id=workshop.pk,
        entries=[(tech1.pk, TODAY, "late"), (tech2.pk, TODAY, "")],
    )
    assert counts == {"created": 0, "changed": 1, "removed": 1}
    assert RotaShift.objects.get(staff=tech1, day=TODAY).kind == "late"
    # only people of the department
    with pytest.raises(ValidationError):
        services.rota_plan(
            actor=fresh(office.hr),
            department_id=workshop.pk,
            entries=[(office.staff(office.consultant).pk, TODAY, "full")],
        )


def test_a_department_manager_plans_only_their_department(office, in_a):
    workshop = Department.objects.get(code="aftersales")
    with pytest.raises(ValidationError):
        services.rota_plan(
            actor=fresh(office.sales_manager),
            department_id=workshop.pk,
            entries=[(office.staff(office.tech1).pk, TODAY, "full")],
        )
    sales = Department.objects.get(code="sales")
    counts = services.rota_plan(
        actor=fresh(office.sales_manager),
        department_id=sales.pk,
        entries=[(office.staff(office.consultant).pk, TODAY, "full")],
    )
    assert counts["created"] == 1
    with pytest.raises(PermissionDenied):
        services.rota_plan(
            actor=fresh(office.consultant),
            department_id=sales.pk,
            entries=[(office.staff(office.consultant).pk, TODAY, "rest")],
        )


def test_attendance_is_marked_against_a_working_shift_on_the_day_or_later(office, in_a):
    workshop = Department.objects.get(code="aftersales")
    tech1 = office.staff(office.tech1)
    today = timezone.localdate()
    services.rota_plan(
        actor=fresh(office.hr),
        department_id=workshop.pk,
        entries=[
            (tech1.pk, today, "full"),
            (tech1.pk, today + dt.timedelta(days=1), "full"),
            (tech1.pk, today - dt.timedelta(days=1), "rest"),
        ],
    )
    shift = RotaShift.objects.get(staff=tech1, day=today)
    marked = services.attendance_mark(
        actor=fresh(office.hr), shift_id=shift.pk, mark="late", note="堵车"
    )
    assert marked.mark == "late" and marked.marked_by_id == office.hr.pk
    tomorrow = RotaShift.objects.get(staff=tech1, day=today + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.attendance_mark(actor=fresh(office.hr), shift_id=tomorrow.pk, mark="present")
    rest = RotaShift.objects.get(staff=tech1, day=today - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.attendance_mark(actor=fresh(office.hr), shift_id=rest.pk, mark="present")
    # a marked shift cannot be removed or turned into a rest day
    with pytest.raises(ValidationError):
        services.rota_plan(
            actor=fresh(office.hr), department_id=workshop.pk, entries=[(tech1.pk, today, "")]
        )
    with pytest.raises((PermissionDenied, Http404)):
        services.attendance_mark(actor=fresh(office.tech1), shift_id=shift.pk, mark="present")


def test_the_attendance_sheet_counts_each_persons_month(office, in_a):
    from dealership.actors import SYSTEM
    from dealership.reports import MONTH
    from dealership.reports.periods import Period
    from org.office.reports import attendance_sheet

    workshop = Department.objects.get(code="aftersales")
    tech1 = office.staff(office.tech1)
    start = timezone.localdate().replace(day=1)
    services.rota_plan(
        actor=fresh(office.hr),
        department_id=workshop.pk,
        entries=[(tech1.pk, start, "full"), (tech1.pk, start + dt.timedelta(days=1), "rest")],
    )
    shift = RotaShift.objects.get(staff=tech1, day=start)
    services.attendance_mark(actor=fresh(office.hr), shift_id=shift.pk, mark="absent")
    period = Period.containing(MONTH, start)
    content = attendance_sheet(SYSTEM, period)
    assert [value for _label, value, _kind in content.figures][:4] == [1, 1, 0, 1]
    by_person = content.tables[1]
    row = next(r for r in by_person.rows if r[1] == tech1.employee_no)
    assert row[3] == 1  # planned
    absent_column = 4 + list(RotaShift.Mark).index(RotaShift.Mark.ABSENT)
    assert row[absent_column] == 1
    assert row[-1] == 1  # one rest day


def test_the_demo_shows_a_bulletin_with_acknowledgements_and_runs_once(office, cast):
    from org.office.demo import seed_office
    from org.office.models import Meeting, TrainingSession

    for code in ("admin_manager", "service_manager", "workshop_supervisor"):
        hire(UserFactory(username=f"demo_{code}"), cast.a, code)
    seed_office([cast.a])
    seed_office([cast.a])  # again: nothing added
    with dealership_context(cast.a):
        bulletin = Notice.objects.get(kind="technical_bulletin")
        read = bulletin.receipts.filter(read_at__isnull=False).count()
        assert 0 < read < bulletin.receipts.count()
        assert Notice.objects.count() == 2 and Meeting.objects.count() == 2
        assert TrainingSession.objects.filter(kind="retraining", source__isnull=False).exists()
        assert RotaShift.objects.exclude(mark="").exists()


def test_the_jobs_run_twice_tell_nobody_twice(office, cast):
    from dealership.jobs import get_job

    with dealership_context(cast.a):
        _bulletin(office)
        NoticeReceipt.objects.update(delivered_at=timezone.now() - dt.timedelta(days=3))
        for name in (
            "org.notice_reminders",
            "org.action_item_reminders",
            "org.training_recheck_reminders",
        ):
            job = get_job(name)
            first = job.func(dealership=cast.a, run_date=timezone.localdate())
            again = job.func(dealership=cast.a, run_date=timezone.localdate())
            assert first and again.startswith("0 ")
        assert Notification.objects.filter(kind="org.notice_reminder").count() == 2


def test_a_keeper_who_is_no_recipient_cannot_acknowledge_for_someone(office, in_a):
    """The admin clerk keeps every notice (reads all receipts) but acknowledges none of them:
    the acknowledgement is the recipient's own."""
    notice = _bulletin(office)
    with pytest.raises(ValidationError):
        services.notice_acknowledge(actor=fresh(office.clerk), notice_id=notice.pk)
    assert not NoticeReceipt.objects.filter(notice=notice, read_at__isnull=False).exists()
    mine = services.notice_acknowledge(actor=fresh(office.tech2), notice_id=notice.pk)
    assert mine.staff.user_id == office.tech2.pk
    assert list(
        NoticeReceipt.objects.filter(notice=notice, read_at__isnull=False).values_list(
            "staff__user_id", flat=True
        )
    ) == [office.tech2.pk]


def test_who_reads_an_item_without_keeping_meetings_does_not_close_it(office, in_a):
    """A dealership may let a position read every staff member's rows (org.view_staff) without
    keeping meetings: such a reader sees the item but only its owner closes it."""
    from org.capabilities import DataScope
    from org.models import PositionCapability

    meeting = _meeting(office)
    item = services.action_item_add(
        actor=fresh(office.sales_manager),
        meeting_id=meeting.pk,
        title="整理试驾车",
        owner=office.staff(office.consultant),
        due_on=TODAY,
    )
    PositionCapability.objects.filter(
        position__code="technician", capability="org.view_staff"
    ).update(scope=int(DataScope.DEALERSHIP))
    from org.office.models import ActionItem

    assert ActionItem.objects.for_user(fresh(office.tech1), "view").filter(pk=item.pk).exists()
    with pytest.raises((PermissionDenied, Http404)):
        services.action_item_set_state(actor=fresh(office.tech1), item_id=item.pk, state="done")
    assert ActionItem.objects.get(pk=item.pk).state == "open"
