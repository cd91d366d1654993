"""Demo staff: every position of every demo dealership held by at least one person."""

from __future__ import annotations

import datetime as dt

from dealership.actors import SYSTEM
from dealership.demo import DEMO_PASSWORD, DemoLogin, demo_user, login_prefix
from dealership.models import Dealership
from dealership.tenancy import dealership_context
from org import services
from org.models import Position, StaffMember
from org.template import template_position_codes

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "红",
    "建国",
    "建军",
    "玉兰",
    "海燕",
    "志强",
    "晓东",
    "晓燕",
    "丹",
    "鹏",
    "婷",
    "俊",
    "欣怡",
    "子涵",
    "浩然",
    "宇轩",
    "雨桐",
    "梓萱",
    "思远",
    "嘉怡",
    "晨",
    "凯",
]
# Positions with more than one holder in the demo (the others show "own records" scope): the
# showroom floor has four consultants, enough for a month of 60–120 deliveries.
HOLDERS = {"sales_consultant": 4, "service_advisor": 2, "technician": 2, "cr_specialist": 2}
GM_NAMES = {"whkia": "刘志强", "whtoyota": "陈国栋", "gztoyota": "黄伟明"}


def _name(dealer_index: int, n: int) -> str:
    return (
        SURNAMES[(n * 7 + dealer_index * 13) % len(SURNAMES)]
        + GIVEN[(n * 5 + dealer_index * 3) % len(GIVEN)]
    )


def _holders(codes: list[str]) -> list[tuple[str, str]]:
    """(position code, username suffix) for every demo person of one dealership."""
    people = []
    for code in codes:
        people.append((code, code))
        people.extend((code, f"{code}{n}") for n in range(2, HOLDERS.get(code, 1) + 1))
    return people


def seed_staff(dealerships: list[Dealership]) -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    for index, dealership in enumerate(dealerships):
        prefix = login_prefix(dealership)
        with dealership_context(dealership):
            positions = {p.code: p for p in Position.objects.all()}
            codes = [code for code in template_position_codes() if code in positions]
            for n, (code, suffix) in enumerate(_holders(codes), start=1):
                username = f"{prefix}_{suffix}"
                name = GM_NAMES.get(prefix) if code == "gm" else _name(index, n)
                user = demo_user(username, name)
                if not StaffMember.objects.filter(user=user).exists():
                    # hired through the service, as system code: the rules users meet
                    services.staff_hire(
                        actor=SYSTEM,
                        user=user,
                        employee_no=f"{prefix.upper()}{n:03d}",
                        phone=f"13{index + 5}{n:08d}",
                        start_date=dt.date(2024, 3, 1) + dt.timedelta(days=n * 9),
                        positions=[positions[code]],
                    )
                group = dealership.group.code if dealership.group else None
                logins.append(
                    DemoLogin(username, DEMO_PASSWORD, dealership.code, group, code, name)
                )
    return logins


WELCOMED = ("gm", "sales_consultant", "admin_manager")


def seed_notifications(dealerships: list[Dealership]) -> list[DemoLogin]:
    """Something behind the bell: the GM, a sales consultant and the admin manager of each demo
    dealership are told which position they hold (once: the key is stable)."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from dealership.notifications import notify
    from org.models import PositionAssignment
    from org.notifications import POSITION_ASSIGNED

    for dealership in dealerships:
        with dealership_context(dealership):
            assignments = PositionAssignment.objects.filter(
                position__code__in=WELCOMED
            ).select_related("staff__user", "position")
            for assignment in assignments:
                notify(
                    POSITION_ASSIGNED,
                    [assignment.staff.user],
                    format_lazy(
                        gettext_lazy("You now hold: {positions}"), positions=assignment.position
                    ),
                    obj=assignment.staff,
                    body=gettext_lazy(
                        "What you may see and do follows your positions from now on."
                    ),
                    key=f"demo:welcome:{assignment.pk}",
                )
    return []
