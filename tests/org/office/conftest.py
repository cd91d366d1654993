"""The admin office's cast in dealership A: the admin clerk (registers notices, keeps the
minutes), the technical expert, two technicians, the sales manager and a consultant, the HR
manager (training and rota keeper)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dealership.models import User
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire


@dataclass
class Office:
    clerk: User
    expert: User
    tech1: User
    tech2: User
    sales_manager: User
    consultant: User
    hr: User

    def staff(self, user):
        from org.models import StaffMember

        return StaffMember.objects.get(user=user)


@pytest.fixture
def office(cast) -> Office:
    people = {}
    for name, code in (
        ("clerk", "admin_clerk"),
        ("expert", "technical_expert"),
        ("tech1", "technician"),
        ("tech2", "technician"),
        ("sales_manager", "sales_manager"),
        ("consultant", "sales_consultant"),
        ("hr", "hr_manager"),
    ):
        user = UserFactory(username=f"office_{name}", name=f"员工{name}")
        hire(user, cast.a, code)
        people[name] = user
    return Office(**people)


@pytest.fixture
def in_a(cast):
    with dealership_context(cast.a):
        yield cast.a


def fresh(user):
    """The user read again (its access is cached per scope on the instance)."""
    return User.objects.get(pk=user.pk)
