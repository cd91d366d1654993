"""Demo data: two dealer groups, three dealerships of two brands, and their logins.

``manage.py seed_demo`` creates the platform part here, then calls every seeder that apps
registered with :func:`register_demo_seeder` (the org chart fills each position with people).
Everything is created with ``update_or_create`` on natural keys, so seeding twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password

from dealership.models import Brand, DealerGroup, Dealership, GroupMembership, Membership, User
from dealership.services import dealership_initialize

DEMO_PASSWORD = "demo1234"  # noqa: S105 (the published demo password, README)  # nosec B105


@dataclass
class DemoLogin:
    username: str
    password: str
    dealership: str | None
    group: str | None
    position: str | None
    name: str = ""

    def as_dict(self) -> dict:
        return {
            "username": self.username,
            "password": self.password,
            "dealership": self.dealership,
            "group": self.group,
            "position": self.position,
            "name": self.name,
        }


BRANDS = [
    ("kia", "起亚", "Kia", "东风悦达起亚汽车有限公司", "Dongfeng Yueda Kia"),
    ("gac-toyota", "广汽丰田", "GAC Toyota", "广汽丰田汽车有限公司", "GAC Toyota Motor"),
]
GROUPS = [
    ("huasheng", "华晟汽车集团", "Huasheng Auto Group"),
    ("yuetong", "粤通汽车集团", "Yuetong Auto Group"),
]
# code, login prefix, zh, en, brand, group, address
DEALERSHIPS = [
    (
        "hs-kia-wh",
        "whkia",
        "武汉华晟悦达起亚4S店",
        "Wuhan Huasheng Yueda Kia 4S Store",
        "kia",
        "huasheng",
        "湖北省武汉市江汉区发展大道168号",
    ),
    (
        "hs-toyota-wh",
        "whtoyota",
        "武汉华晟广汽丰田4S店",
        "Wuhan Huasheng GAC Toyota 4S Store",
        "gac-toyota",
        "huasheng",
        "湖北省武汉市洪山区雄楚大道88号",
    ),
    (
        "yt-toyota-gz",
        "gztoyota",
        "广州粤通广汽丰田4S店",
        "Guangzhou Yuetong GAC Toyota 4S Store",
        "gac-toyota",
        "yuetong",
        "广东省广州市天河区黄埔大道西200号",
    ),
]
HQ_USERS = [
    ("hq_huasheng", "huasheng", "hq_director", "周建国"),
    ("hq_huasheng_analyst", "huasheng", "hq_analyst", "孙丽华"),
    ("hq_yuetong", "yuetong", "hq_director", "郑海峰"),
]

DemoSeeder = Callable[[list[Dealership]], list[DemoLogin]]
_seeders: list[tuple[int, DemoSeeder]] = []


def register_demo_seeder(seeder: DemoSeeder, *, order: int = 100) -> None:
    if all(existing is not seeder for _, existing in _seeders):
        _seeders.append((order, seeder))


@cache
def _demo_password_hash() -> str:
    # hashed once: hashing is deliberately slow and the demo has over a hundred logins
    return make_password(DEMO_PASSWORD)


def demo_user(username: str, name: str, *, email: str | None = None) -> User:
    """The demo login ``username``, created with the demo password (an existing one is kept)."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "name": name,
            "email": email or f"{username}@demo.invalid",
            "password": _demo_password_hash(),
        },
    )
    if not created and (user.name != name or not user.is_active):
        user.name, user.is_active = name, True
        user.save(update_fields=["name", "is_active"])
    return user


def seed_platform() -> tuple[list[Dealership], list[DemoLogin]]:
    brands = {
        code: Brand.objects.update_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "oem_name_zh": oem_zh, "oem_name_en": oem_en},
        )[0]
        for code, zh, en, oem_zh, oem_en in BRANDS
    }
    groups = {
        code: DealerGroup.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en}
        )[0]
        for code, zh, en in GROUPS
    }
    dealerships = []
    for code, prefix, zh, en, brand, group, address in DEALERSHIPS:
        dealership, _ = Dealership.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "brand": brands[brand],
                "group": groups[group],
                "address": address,
                "login_prefix": prefix,
                "time_zone": "Asia/Shanghai",
                "is_active": True,
            },
        )
        dealerships.append(dealership)
        dealership_initialize(dealership=dealership)
    logins = []
    for username, group, position, name in HQ_USERS:
        user = demo_user(username, name)
        GroupMembership.objects.update_or_create(
            user=user, group=groups[group], defaults={"is_active": True, "position_code": position}
        )
        logins.append(DemoLogin(username, DEMO_PASSWORD, None, group, position, name))
    outsider = demo_user("outsider", "王小明")
    Membership.objects.filter(user=outsider).delete()
    logins.append(DemoLogin("outsider", DEMO_PASSWORD, None, None, None, outsider.name))
    return dealerships, logins


def login_prefix(dealership: Dealership) -> str:
    return dealership.login_prefix


def seed_demo() -> list[DemoLogin]:
    dealerships, logins = seed_platform()
    for _order, seeder in sorted(_seeders, key=lambda item: item[0]):
        logins.extend(seeder(dealerships))
    return logins
