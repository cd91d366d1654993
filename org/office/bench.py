"""The admin office's bench data (``manage.py seed_bench``), small: a few notices with their
receipts, meetings with action items, training sessions with checks, and the workshop's rota of
the month with attendance marks. Written in bulk after the staff (``org.staff``)."""

from __future__ import annotations

import datetime as dt

from dealership.bench import BenchMonth, register_bench_seeder

NOTICES = 4
MEETINGS = 6
SESSIONS = 3
ROTA_PEOPLE = 12


def seed_office(month: BenchMonth) -> None:
    from org.models import Department, StaffMember
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

    dealership = month.dealership
    rng = month.rng
    positions = month.kept["positions"]
    staff = list(StaffMember.objects.filter(is_active=True).select_related("user").order_by("pk"))
    if not staff:
        return
    by_user = {s.user_id: s for s in staff}
    clerk = month.holders("admin_clerk")[0]
    departments = {d.code: d for d in Department.objects.all()}
    key = f"{month.period.start:%Y%m}"

    notices = month.bulk(
        Notice,
        [
            Notice(
                dealership=dealership,
                number=f"B{key}-{n:02d}",
                title=f"厂家通知 {n}",
                kind=rng.choice(["oem_notice", "technical_bulletin"]),
                issued_on=month.days[n * 5 % len(month.days)],
                body="……",
                registered_by=clerk,
                department=departments.get("admin_finance"),
                distributed_at=month.at(month.days[n * 5 % len(month.days)], 10),
            )
            for n in range(1, NOTICES + 1)
        ],
    )
    consultant = positions.get("sales_consultant")
    if consultant is not None:
        month.bulk(
            NoticeTarget,
            [NoticeTarget(dealership=dealership, notice=n, position=consultant) for n in notices],
        )
    readers = [by_user[u.pk] for u in month.holders("sales_consultant") if u.pk in by_user]
    receipts = []
    for notice in notices:
        for person in readers:
            read = rng.random() < 0.7
            receipts.append(
                NoticeReceipt(
                    dealership=dealership,
                    notice=notice,
                    staff=person,
                    delivered_at=notice.distributed_at,
                    read_at=notice.distributed_at + dt.timedelta(hours=rng.randint(1, 40))
                    if read
                    else None,
                )
            )
    month.bulk(NoticeReceipt, receipts)

    manager_user = month.holders("sales_manager")[0]
    meetings = month.bulk(
        Meeting,
        [
            Meeting(
                dealership=dealership,
                kind=rng.choice(["morning", "evening", "department"]),
                title=f"销售部会议 {n}",
                held_on=month.days[n * 4 % len(month.days)],
                department=departments.get("sales"),
                chair=by_user.get(manager_user.pk),
                minutes="……",
                recorded_by=manager_user,
            )
            for n in range(1, MEETINGS + 1)
        ],
    )
    month.bulk(
        MeetingAttendee,
        [
            MeetingAttendee(dealership=dealership, meeting=m, staff=p)
            for m in meetings
            for p in readers
        ],
    )
    month.bulk(
        ActionItem,
        [
            ActionItem(
                dealership=dealership,
                meeting=m,
                title=f"跟进事项 {m.title}",
                owner=rng.choice(readers) if readers else staff[0],
                due_on=m.held_on + dt.timedelta(days=3),
                state=rng.choice(["open", "done", "done"]),
            )
            for m in meetings
        ],
    )

    technicians = [by_user[u.pk] for u in month.holders("technician") if u.pk in by_user]
    hr = month.holders("hr_manager")[0]
    sessions = month.bulk(
        TrainingSession,
        [
            TrainingSession(
                dealership=dealership,
                course=f"技术培训 {n}",
                kind="internal",
                held_on=month.days[n * 7 % len(month.days)],
                hours=4,
                trainer_name="技术经理",
                department=departments.get("aftersales"),
                recorded_by=hr,
            )
            for n in range(1, SESSIONS + 1)
        ],
    )
    month.bulk(
        TrainingRecord,
        [
            TrainingRecord(
                dealership=dealership,
                session=s,
                trainee=t,
                result=rng.choice(["passed", "passed", "failed"]),
                score=rng.randint(55, 98),
            )
            for s in sessions
            for t in technicians
        ],
    )

    workshop = departments.get("aftersales")
    if workshop is None:
        return
    kinds = ["early", "late", "full", "early", "late", "full", "rest"]
    marks = ["present"] * 8 + ["late", "leave", "absent"]
    shifts = []
    for i, person in enumerate(technicians[:ROTA_PEOPLE]):
        for n, day in enumerate(month.days):
            kind = kinds[(i + n) % len(kinds)]
            shifts.append(
                RotaShift(
                    dealership=dealership,
                    department=workshop,
                    staff=person,
                    day=day,
                    kind=kind,
                    mark="" if kind == "rest" else rng.choice(marks),
                )
            )
    month.bulk(RotaShift, shifts)


def register() -> None:
    register_bench_seeder(
        "org.office",
        seed_office,
        order=15,
        models=(
            "org.Notice",
            "org.NoticeTarget",
            "org.NoticeReceipt",
            "org.Meeting",
            "org.MeetingAttendee",
            "org.ActionItem",
            "org.TrainingSession",
            "org.TrainingRecord",
            "org.RotaShift",
        ),
        matched={"org.Position": ("code",), "org.Department": ("code",)},
    )
