"""Fixtures of the crm tests: dealership A staffed with two sales consultants (phones of their
own customers), a sales manager (department), a CR specialist (all customers, phones masked),
a sales follow-up specialist (all customers with phones) and a CRM director (changes and
merges); A's GM is ``cast.user_a``; B's GM (``cast.user_b``) is another dealership."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from dealership.tenancy import dealership_context
from tests.english import *  # noqa: F403 (messages in English)
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


# --- the CRM team and its events (follow-ups, surveys, complaints, outreach) -------------------

TEAM = (
    "sales_followup_specialist",
    "service_followup_specialist",
    "customer_relations_manager",
    "crm_director",
    "cr_specialist",
    "crm_info_clerk",
    "sales_consultant",
    "sales_manager",
    "service_advisor",
    "service_manager",
    "deputy_gm",
)
_serial = itertools.count(1)


@pytest.fixture
def team(cast) -> Staff:
    """Dealership A's CRM department and the people it works with, by position code (plus
    ``sales_followup_specialist2``); ``team.gm`` is A's GM. B's GM is ``cast.user_b``."""
    people = {}
    for code in TEAM:
        user = UserFactory(username=f"team_{code}", name=f"team {code}")
        hire(user, cast.a, code)
        people[code] = user
    second = UserFactory(username="team_sales_followup_specialist2", name="team specialist 2")
    hire(second, cast.a, "sales_followup_specialist")
    people["sales_followup_specialist2"] = second
    return Staff(cast.user_a, people["sales_consultant"], second, people)


def valid_vin(n: int | None = None) -> str:
    from crm.services.validators import vin_check_digit

    body = f"LFV2A2BS0N{(n if n is not None else next(_serial)):07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def make_owner(dealership, owner=None, *, consent_call=True, consent_sms=True, **fields):
    """A customer of ``dealership`` (owner consultant ``owner``) with a unique mobile."""
    from crm.models import Customer

    with dealership_context(dealership):
        return Customer.objects.create(
            dealership=dealership,
            name=fields.pop("name", "李四"),
            mobile=fields.pop("mobile", f"137{next(_serial):08d}"),
            owner=owner,
            consent_call=consent_call,
            consent_sms=consent_sms,
            **fields,
        )


def make_event(
    dealership, *, kind="sales", customer=None, occurred_on=None, staff=None, vehicle=None
):
    """A delivery (``kind="sales"``) or service visit (``"service"``) of ``customer`` on
    ``occurred_on`` (today), reported as sales and after-sales report them, so its follow-up
    is scheduled; returns the :class:`~crm.models.CustomerEvent` (its ``followups`` hold the
    follow-up). The vehicle is a new one unless given."""
    from django.utils import timezone

    from crm.models import Vehicle
    from crm.services import customer_event_record
    from dealership.actors import SYSTEM

    customer = customer or make_owner(dealership, staff)
    with dealership_context(dealership):
        if vehicle is None:
            vehicle = Vehicle.objects.create(
                dealership=dealership,
                vin=valid_vin(),
                plate=f"粤A{next(_serial):05d}",
                brand="Kia",
                model="K5",
                owner=customer,
            )
        return customer_event_record(
            actor=SYSTEM,
            kind=kind,
            customer=customer,
            source=_record("sales.delivery" if kind == "sales" else "aftersales.repairorder"),
            occurred_on=occurred_on or timezone.localdate(),
            vehicle=vehicle,
            staff=staff,
            summary="Delivery of K5" if kind == "sales" else "5,000 km service",
        )


def _record(label: str):
    """Stands for the saved record that reported the event (a delivery, a repair order)."""
    return SimpleNamespace(pk=next(_serial), _meta=SimpleNamespace(label_lower=label))
