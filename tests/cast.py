"""The fixed cast: A and B in dealer group 1, C in group 2; user_a/b/c are the GMs of A/B/C,
hq_user is HQ (director) of group 1, outsider belongs nowhere.

The cast is built once per test session, right after the test database is created
(``django_db_setup`` in ``tests/conftest.py``); every test then runs in a transaction rolled back
to that state and gets **fresh** instances read from the database (:func:`load_cast`), because
a user object caches its access per scope. :func:`build_cast` is idempotent: a transactional
test (which flushes the database when it ends) calls it to get the cast back.
"""

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


USERNAMES = ("user_a", "user_b", "user_c", "hq_user", "outsider")


def load_cast() -> Cast | None:
    """The cast as it is in the database (fresh instances), or None when it is not (complete)."""
    users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    groups = {g.code: g for g in DealerGroup.objects.filter(code__in=("g1", "g2"))}
    dealerships = {d.code: d for d in Dealership.objects.filter(code__in=("a", "b", "c"))}
    if len(users) < len(USERNAMES) or len(groups) < 2 or len(dealerships) < 3:
        return None
    return Cast(
        groups["g1"],
        groups["g2"],
        dealerships["a"],
        dealerships["b"],
        dealerships["c"],
        users["user_a"],
        users["user_b"],
        users["user_c"],
        users["hq_user"],
        users["outsider"],
    )


def build_cast() -> Cast:
    """The cast, created if the database does not hold it yet; fresh instances either way."""
    return load_cast() or _create_cast()


def _create_cast() -> Cast:
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
    factories.UserFactory(username="outsider")
    return load_cast()
