"""Two people taking the last unit of a part at the same moment, on PostgreSQL, each on their
own connection: the part's row lock lets exactly one through; the other is told, the stock is
never negative and still equals the sum of its movements."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from aftersales import services
from aftersales.models import CounterSale, Part, PartMovement, RepairLine
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_repair_order
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


def _check(dealership, part, on_hand):
    with dealership_context(dealership):
        part = Part.objects.get(pk=part.pk)
        total = PartMovement.objects.filter(part=part).aggregate(s=Sum("quantity"))["s"]
        assert part.on_hand == total == Decimal(on_hand)
        assert part.reserved >= 0


def test_two_counter_sales_of_the_last_unit(cast, staff):
    for attempt in range(3):
        part = make_part(cast.a, on_hand="1")

        def sell(user, part=part):
            return services.countersale_create(
                actor=user, buyer_name="walk-in", lines=[{"part": part.pk, "quantity": "1"}]
            )

        outcomes = race(
            cast.a,
            lambda: sell(staff.parts_salesperson),
            lambda: sell(staff.parts_manager),
        )
        errors = [error for _result, error in outcomes if error is not None]
        assert len(errors) == 1, (attempt, outcomes)
        assert isinstance(errors[0], ValidationError), errors[0]
        assert "Line 1" in errors[0].message_dict["lines"][0]
        assert part.number in errors[0].message_dict["lines"][0]
        _check(cast.a, part, "0")
        with dealership_context(cast.a):
            assert CounterSale.objects.filter(lines__part=part).count() == 1


def _reserved_line(dealership, advisor, part):
    order = make_repair_order(dealership, advisor)
    with dealership_context(dealership):
        line = RepairLine.objects.create(
            dealership=dealership,
            repair_order=order,
            kind="part",
            description="filter",
            part=part,
            quantity=Decimal("1"),
            part_state="reserved",
        )
        services.part_reserve(actor=advisor, part_id=part.pk, quantity="1")
    return line


def test_the_advisor_and_the_parts_manager_issue_one_line_at_once(cast, staff):
    part = make_part(cast.a, on_hand="1")
    line = _reserved_line(cast.a, staff.advisor, part)
    outcomes = race(
        cast.a,
        lambda: services.repairline_issue(actor=staff.advisor, line_id=line.pk),
        lambda: services.repairline_issue(actor=staff.parts_manager, line_id=line.pk),
    )
    errors = [error for _result, error in outcomes if error is not None]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], ValidationError), errors[0]
    assert "cannot be issued" in errors[0].message_dict["line"][0]
    _check(cast.a, part, "0")
    with dealership_context(cast.a):
        assert PartMovement.objects.filter(repair_line=line).count() == 1


def test_an_issue_and_a_counter_sale_of_the_last_unit(cast, staff):
    """The unit is reserved for the repair order: the counter may not sell it, whichever comes
    first; issuing it always succeeds."""
    part = make_part(cast.a, on_hand="1")
    line = _reserved_line(cast.a, staff.advisor, part)
    outcomes = race(
        cast.a,
        lambda: services.repairline_issue(actor=staff.parts_manager, line_id=line.pk),
        lambda: services.countersale_create(
            actor=staff.parts_salesperson,
            buyer_name="walk-in",
            lines=[{"part": part.pk, "quantity": "1"}],
        ),
    )
    (issued, issue_error), (_sale, sale_error) = outcomes
    assert issue_error is None and issued.part_state == "issued"
    assert isinstance(sale_error, ValidationError)
    _check(cast.a, part, "0")
