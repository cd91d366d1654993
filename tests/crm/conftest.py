"""Fixtures of the crm tests: dealership A staffed with two sales consultants (phones of their
own customers), a sales manager (department), a CR specialist (all customers, phones masked),
a sales follow-up specialist (all customers with phones) and a CRM director (changes and
merges); A's GM is ``cast.user_a``; B's GM (``cast.user_b``) is another dealership."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire

POSITIONS = (
    "sales_consultant",
    "sales_manager",
    "cr_specialist",
    "sales_followup_specialist",
    "crm_director",
)
# valid VINs (check digit right)
VINS = ("LVGBE40K7NG000012", "LFV3A23CXP3000018", "1M8GDM9AXKP042788", "LGBH52E03MY000003")


@dataclass
class Staff:
    gm: object
    consultant: object
    consultant2: object
    by_code: dict

    def __getattr__(self, code):
        try:
            return self.by_code[code]
        except KeyError:
            raise AttributeError(code) from None


@pytest.fixture
def staff(cast) -> Staff:
    people = {}
    for code in POSITIONS:
        user = UserFactory(username=f"crm_{code}", name=f"crm {code}")
        hire(user, cast.a, code)
        people[code] = user
    consultant2 = UserFactory(username="crm_sales_consultant2", name="consultant 2")
    hire(consultant2, cast.a, "sales_consultant")
    return Staff(cast.user_a, people["sales_consultant"], consultant2, people)


def in_a(cast, function, **kwargs):
    with dealership_context(cast.a):
        return function(**kwargs)
