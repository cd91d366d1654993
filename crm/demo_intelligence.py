"""Demo market intelligence (issue #13): for each demo dealership, the competitors' prices seen
over the last three months and this one so far, and the advertising of those months — so the
monthly OEM submissions (竞争对手情报表, 广告宣传总结表) of the demo have something to report.
Written through the services, by the marketing manager (or the CRM director, else as system
code); deterministic (a random generator seeded with the dealership's code) and idempotent (a
dealership that has observations is left alone)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context

# the rivals a dealership of the brand watches: (brand, model, list price in yuan)
RIVALS = {
    "kia": [
        ("北京现代", "伊兰特", 99800),
        ("一汽-大众", "速腾", 129900),
        ("比亚迪", "秦PLUS DM-i", 79800),
        ("长安", "UNI-V", 109900),
    ],
    "default": [
        ("东风本田", "思域", 129900),
        ("广汽本田", "雅阁", 169800),
        ("东风日产", "天籁", 179900),
        ("一汽-大众", "迈腾", 186900),
    ],
}
PROMOTIONS = ["", "置换补贴5000元", "首付0元，24期免息", "送保险及首保", "限时直降8000元", ""]
PLACES = ["对手展厅", "汽车之家报价", "懂车帝", "客户带来的报价单", "车展"]
ADS = [
    ("auto_portal", "汽车之家 车型置顶", 12000, 36),
    ("auto_portal", "易车 本地促销专题", 8000, 18),
    ("social", "抖音 周末直播", 6000, 22),
    ("social", "微信朋友圈 本地推广", 4500, 9),
    ("outdoor", "商圈户外大屏", 15000, 5),
    ("radio", "交通广播 30秒", 7000, 4),
    ("event", "店头周末试驾会", 9000, 27),
]


def _actor():
    from org.models import PositionAssignment

    for code in ("marketing_manager", "crm_director"):
        assignment = (
            PositionAssignment.objects.filter(position__code=code, staff__is_active=True)
            .select_related("staff__user")
            .order_by("pk")
            .first()
        )
        if assignment is not None:
            return assignment.staff.user
    return SYSTEM


def _months(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The last three months and this one, as (first day, last day so far)."""
    months = []
    first = today.replace(day=1)
    for _i in range(4):
        following = (first + dt.timedelta(days=32)).replace(day=1)
        months.append((first, min(following - dt.timedelta(days=1), today)))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _seed_dealership(dealership) -> None:
    from crm.models import CompetitorObservation
    from crm.services import intelligence as services
    from dealership.figures import local_today

    if CompetitorObservation.objects.exists():
        return
    rng = random.Random(f"intelligence:{dealership.code}")  # noqa: S311  # nosec B311
    actor = _actor()
    rivals = RIVALS.get(dealership.brand.code, RIVALS["default"])
    today = local_today(dealership)
    for start, end in _months(today):
        span = (end - start).days
        for rival_brand, model, list_price in rivals:
            for _i in range(rng.randint(1, 3)):
                discount = rng.choice([0, 3000, 5000, 8000, 12000]) + rng.choice([0, 50])
                services.competitor_observation_create(
                    actor=actor,
                    brand=rival_brand,
                    model=model,
                    price=Decimal(list_price - discount),
                    observed_on=start + dt.timedelta(days=rng.randint(0, span)),
                    promotion=rng.choice(PROMOTIONS),
                    source=rng.choice(PLACES),
                )
        for channel, description, cost, leads in rng.sample(ADS, 4):
            begin = start + dt.timedelta(days=rng.randint(0, min(span, 20)))
            services.advertising_spend_create(
                actor=actor,
                channel=channel,
                description=f"{start:%m}月 {description}",
                period_start=begin,
                period_end=begin + dt.timedelta(days=rng.choice([1, 6, 13, 29])),
                cost=Decimal(cost + rng.randint(-10, 10) * 100),
                leads_attributed=max(0, leads + rng.randint(-3, 3)),
            )


def seed(dealerships) -> list:
    for dealership in dealerships:
        with dealership_context(dealership):
            _seed_dealership(dealership)
    return []
