"""The fixed cast: A and B in dealer group 1, C in group 2; user_a/b/c are the GMs of A/B/C,
hq_user is HQ (director) of group 1, outsider belongs nowhere."""

from __future__ import annotations

from dataclasses import dataclass

from dealership.models import DealerGroup, Dealership, User
from tests import factories


@dataclass
class Cast:
    group1: DealerGroup
    group2: DealerGroup
    a: Dealership
    b: Dealership
    c: Dealership
    user_a: User
    user_b: User
    user_c: User
    hq_user: User
    outsider: User


def build_cast() -> Cast:
    brand_kia = factories.BrandFactory(code="kia", name_zh="起亚", name_en="Kia")
    brand_toyota = factories.BrandFactory(
        code="gac-toyota", name_zh="广汽丰田", name_en="GAC Toyota"
    )
    group1 = factories.DealerGroupFactory(
        code="g1", name_zh="华晟汽车集团", name_en="Huasheng Auto Group"
    )
    group2 = factories.DealerGroupFactory(
        code="g2", name_zh="粤通汽车集团", name_en="Yuetong Auto Group"
    )
    a = factories.DealershipFactory(
        code="a", name_zh="甲店", name_en="Store A", brand=brand_kia, group=group1
    )
    b = factories.DealershipFactory(
        code="b", name_zh="乙店", name_en="Store B", brand=brand_toyota, group=group1
    )
    c = factories.DealershipFactory(
        code="c", name_zh="丙店", name_en="Store C", brand=brand_toyota, group=group2
    )
    users = {}
    for key, dealership in (("user_a", a), ("user_b", b), ("user_c", c)):
        # each is the general manager of their dealership: every capability, whole dealership
        users[key] = factories.UserFactory(username=key, name=f"{dealership.name_zh}总经理")
        factories.hire(users[key], dealership, "gm")
    hq_user = factories.UserFactory(username="hq_user", name="集团总监")
    factories.GroupMembershipFactory(user=hq_user, group=group1, position_code="hq_director")
    outsider = factories.UserFactory(username="outsider")
    return Cast(
        group1,
        group2,
        a,
        b,
        c,
        users["user_a"],
        users["user_b"],
        users["user_c"],
        hq_user,
        outsider,
    )
