"""``people_in(rows, field)``: the users a column of rows names, once each, by name, read in
one statement; what the rows may not be read (another dealership's) names no one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.selectors import people_in
from dealership.tenancy import dealership_context
from org.models import PositionAssignment
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def test_the_users_a_column_names_once_each_by_name_in_one_statement(cast):
    zhao = UserFactory(username="people_zhao", name="赵六")
    qian = UserFactory(username="people_qian", name="钱七")
    outsider = UserFactory(username="people_b", name="孙八")
    hire(zhao, cast.a, "sales_consultant", "sales_manager")  # two rows name him
    hire(qian, cast.a, "sales_consultant")
    hire(outsider, cast.b, "sales_consultant")
    with dealership_context(cast.a):
        rows = PositionAssignment.objects.filter(staff__user__in=[zhao, qian, outsider])
        assert rows.filter(staff__user=zhao).count() == 2
        with CaptureQueriesContext(connection) as captured:
            people = list(people_in(rows, "staff__user_id"))
    assert len(captured) == 1
    assert people == sorted([zhao, qian], key=lambda u: (u.name, u.username))
    assert outsider not in people
