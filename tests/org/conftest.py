"""Fixtures shared by the org chart tests."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, hire


@pytest.fixture
def hr(cast):
    """The HR manager of dealership A."""
    user = UserFactory(username="hr")
    hire(user, cast.a, "hr_manager")
    return user
