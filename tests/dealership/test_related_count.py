"""``related_count(model, field)``: how many rows point to each listed row, as ``Count`` over
the relation says, but as a subquery per row (no ``GROUP BY`` of the whole list before its
page is taken)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from dealership.expressions import related_count
from dealership.tenancy import dealership_context
from org.models import Position, PositionAssignment
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def test_it_counts_as_count_over_the_relation_does(cast):
    for n in range(3):
        hire(UserFactory(username=f"count_{n}"), cast.a, "sales_consultant")
    hire(UserFactory(username="count_m"), cast.a, "sales_manager")
    with dealership_context(cast.a):
        positions = Position.objects.filter(department__dealership=cast.a)
        expected = dict(positions.annotate(n=Count("assignments")).values_list("code", "n"))
        with CaptureQueriesContext(connection) as captured:
            counted = dict(
                positions.annotate(n=related_count(PositionAssignment, "position")).values_list(
                    "code", "n"
                )
            )
    assert counted == expected
    assert counted["sales_consultant"] >= 3 and 0 in counted.values()  # none is 0, not None
    (statement,) = captured
    assert statement["sql"].count("GROUP BY") == 1  # the subquery's, not the list's


def test_it_counts_only_the_rows_meeting_the_condition(cast):
    kept = UserFactory(username="count_kept")
    gone = UserFactory(username="count_gone")
    hire(kept, cast.a, "sales_consultant")
    hire(gone, cast.a, "sales_consultant")
    with dealership_context(cast.a):
        position = Position.objects.get(department__dealership=cast.a, code="sales_consultant")
        rows = Position.objects.filter(pk=position.pk)
        everyone = rows.annotate(n=related_count(PositionAssignment, "position")).get().n
        mine = (
            rows.annotate(n=related_count(PositionAssignment, "position", Q(staff__user=kept)))
            .get()
            .n
        )
        assigned = position.assignments.count()
    assert everyone == assigned >= 2
    assert mine == 1
