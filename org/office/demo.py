"""The admin office in the demo (``manage.py seed_demo``): a technical bulletin and an OEM notice
with some acknowledgements, a morning meeting and a management review with action items (one
overdue), an OEM course passed on by the technical expert (转训), and this week's rota of the
workshop and the showroom with the attendance of the days gone by. Written through the
services, by the people whose work it is; run again, nothing is added twice."""

from __future__ import annotations

import datetime as dt

from dealership.figures import local_today
from dealership.models import Dealership
from dealership.tenancy import dealership_context


def _holder(code: str):
    from org.models import PositionAssignment

    assignment = (
        PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
        .select_related("staff__user")
        .order_by("pk")
        .first()
    )
    return assignment.staff if assignment else None


def _holders(*codes: str):
    from org.models import StaffMember

    return list(
        StaffMember.objects.filter(is_active=True, assignments__position__code__in=codes)
        .select_related("user")
        .distinct()
        .order_by("employee_no")
    )


def seed_office(dealerships: list[Dealership]):
    for dealership in dealerships:
        with dealership_context(dealership):
            _seed(dealership)
    return []


def _seed(dealership) -> None:
    from org.office.models import Notice

    if Notice.objects.exists():
        return  # seeded already
    people = {
        code: _holder(code)
        for code in (
            "admin_clerk",
            "admin_manager",
            "hr_manager",
            "technical_expert",
            "sales_manager",
            "service_manager",
            "workshop_supervisor",
            "gm",
        )
    }
    if any(p is None for p in people.values()):
        return
    today = local_today(dealership)
    _notices(dealership, people, today)
    _meetings(people, today)
    _training(people, today)
    _rota(people, today)


def _notices(dealership, people, today) -> None:
    from org.models import Position
    from org.office import services

    positions = {p.code: p for p in Position.objects.all()}
    brand = dealership.brand.name if dealership.brand_id else ""
    bulletin = services.notice_create(
        actor=people["technical_expert"].user,
        number=f"TSB-{today:%Y}-017",
        title="发动机怠速抖动的检查与ECU软件升级",
        kind="technical_bulletin",
        issuer=f"{brand} 技术服务部",
        issued_on=today - dt.timedelta(days=4),
        body=(
            "适用车型:2023-2025款 1.5T。\n"
            "现象:冷车启动后怠速抖动,故障灯偶发点亮。\n"
            "处理:按本通报步骤检查进气歧管密封,并刷写ECU软件至最新版本;索赔工时代码见附表。"
        ),
        positions=[
            positions[c]
            for c in ("technician", "workshop_supervisor", "service_advisor", "warranty_assessor")
            if c in positions
        ],
    )
    notice = services.notice_create(
        actor=people["admin_clerk"].user,
        number=f"OEM-{today:%Y}-112",
        title="关于本月展厅形象检查的通知",
        kind="oem_notice",
        issuer=f"{brand} 区域办公室",
        issued_on=today - dt.timedelta(days=3),
        body="区域将于本月下旬检查展厅形象与销售流程执行情况,请各部门按检查表自查并整改。",
        departments=[p.department_id for p in positions.values() if p.code == "sales_manager"],
        positions=[positions[c] for c in ("gm", "service_manager") if c in positions],
    )
    # about half of the recipients have read each one; the others are reminded by the job
    for made in (bulletin, notice):
        receipts = list(made.receipts.select_related("staff__user").order_by("pk"))
        for receipt in receipts[: (len(receipts) + 1) // 2]:
            services.notice_acknowledge(actor=receipt.staff.user, notice_id=made.pk)


def _meetings(people, today) -> None:
    from org.office import services

    sales = _holders("sales_manager", "showroom_supervisor", "sales_consultant")
    morning = services.meeting_create(
        actor=people["sales_manager"].user,
        kind="morning",
        title="销售部晨会",
        held_on=today - dt.timedelta(days=6),
        place="展厅洽谈区",
        chair=people["sales_manager"],
        attendees=sales,
        minutes="1. 昨日来店12批、订车3台;\n2. 本周试驾活动分工;\n3. 展厅形象检查整改。",
    )
    services.action_item_add(
        actor=people["sales_manager"].user,
        meeting_id=morning.pk,
        title="整理展厅形象自查表并提交行政部",
        owner=sales[-1] if sales else people["sales_manager"],
        due_on=today - dt.timedelta(days=2),
    )
    done = services.action_item_add(
        actor=people["sales_manager"].user,
        meeting_id=morning.pk,
        title="更新试驾车排期表",
        owner=people["sales_manager"],
        due_on=today - dt.timedelta(days=4),
    )
    services.action_item_set_state(
        actor=people["sales_manager"].user, item_id=done.pk, state="done", result="已更新并张贴"
    )
    review = services.meeting_create(
        actor=people["admin_clerk"].user,
        kind="management_review",
        title="月度经营分析会",
        held_on=today - dt.timedelta(days=2),
        place="总经办会议室",
        chair=people["gm"],
        attendees=[
            people[c]
            for c in ("gm", "sales_manager", "service_manager", "admin_manager", "hr_manager")
        ],
        minutes="审议上月经营数据、售后产值与客户满意度;确定本月重点工作。",
    )
    services.action_item_add(
        actor=people["admin_clerk"].user,
        meeting_id=review.pk,
        title="提交售后产值提升方案",
        owner=people["service_manager"],
        due_on=today + dt.timedelta(days=7),
    )


def _training(people, today) -> None:
    from org.office import services

    oem = services.training_session_create(
        actor=people["hr_manager"].user,
        course="新款车型高压系统安全与诊断",
        kind="oem",
        held_on=today - dt.timedelta(days=20),
        hours=16,
        trainer_name="厂家培训中心",
        trainees=[people["technical_expert"], people["workshop_supervisor"]],
        content="高压断电流程、绝缘检测、诊断仪使用;结业考试。",
    )
    for record in oem.records.all():
        services.training_result_record(
            actor=people["hr_manager"].user,
            record_id=record.pk,
            result="passed",
            score=92 if record.trainee_id == people["technical_expert"].pk else 85,
            recheck_due_on=today + dt.timedelta(days=5),
        )
    technicians = _holders("technician")
    passed_on = services.training_session_create(
        actor=people["technical_expert"].user,
        course="新款车型高压系统安全与诊断(转训)",
        kind="retraining",
        held_on=today - dt.timedelta(days=10),
        hours=4,
        trainer=people["technical_expert"],
        source=oem,
        trainees=technicians,
    )
    for n, record in enumerate(passed_on.records.all()):
        services.training_result_record(
            actor=people["technical_expert"].user,
            record_id=record.pk,
            result="passed" if n % 3 != 2 else "failed",
            score=88 - n * 9,
            recheck_due_on=today + dt.timedelta(days=30),
        )


def _rota(people, today) -> None:
    from org.models import Department
    from org.office import selectors, services
    from org.office.models import RotaShift

    monday = today - dt.timedelta(days=today.weekday())
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    actor = people["hr_manager"].user
    pattern = ["early", "late", "full", "early", "late", "duty", "rest"]
    marks = ["present", "present", "late", "present", "leave", "present", "absent"]
    for code in ("aftersales", "sales"):
        department = Department.objects.filter(code=code).first()
        if department is None:
            continue
        members = selectors.department_staff(department.pk)[:12]
        entries = [
            (person.pk, day, pattern[(i + n) % len(pattern)])
            for i, person in enumerate(members)
            for n, day in enumerate(days)
        ]
        services.rota_plan(actor=actor, department_id=department.pk, entries=entries)
        past = RotaShift.objects.filter(department=department, day__lt=today).exclude(kind="rest")
        for n, shift in enumerate(past.order_by("day", "staff_id")):
            services.attendance_mark(actor=actor, shift_id=shift.pk, mark=marks[n % len(marks)])
