"""Parts services: parts (number unique, opening movement, stock never changed by editing),
issue/return of repair-order part lines, purchase orders with (partial) receipts, counter sales
with returns, stock counts posted once; every movement kind keeps on hand equal to the sum of
the movements and never negative; rights (the parts manager keeps the store, the parts
salesperson sells, the advisor issues their own order's lines)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404

from aftersales import services
from aftersales.models import (
    CounterSale,
    MovementKind,
    Part,
    PartMovement,
    PurchaseStatus,
    RepairLine,
    RepairStatus,
    StockCount,
)
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_part, make_repair_order, make_vehicle

pytestmark = pytest.mark.django_db

D = Decimal


def reload(part) -> Part:
    return Part.objects.get(pk=part.pk)


def assert_reconciled(dealership, *parts):
    with dealership_context(dealership):
        for part in parts:
            part = reload(part)
            total = PartMovement.objects.filter(part=part).aggregate(s=Sum("quantity"))["s"] or 0
            assert part.on_hand == total, (part, part.on_hand, total)
            assert part.on_hand >= 0 and 0 <= part.reserved <= part.on_hand


def part_line(dealership, advisor, part, quantity="1", state="reserved", **order_fields):
    """A part line of a repair order, reserved as the repairs services do."""
    order = make_repair_order(dealership, advisor, **order_fields)
    with dealership_context(dealership):
        line = RepairLine.objects.create(
            dealership=dealership,
            repair_order=order,
            kind="part",
            description=str(part),
            part=part,
            quantity=D(quantity),
            unit_price=part.price,
            amount=part.price * D(quantity),
            part_state=state,
        )
        if state == "reserved":
            services.part_reserve(actor=advisor, part_id=part.pk, quantity=quantity)
    return line


def _new_part(user, dealership, **overrides):
    kwargs = {
        "number": "26300-35505",
        "name_zh": "机油滤清器",
        "name_en": "Oil filter",
        "bin": "a-01",
        "cost": "30",
        "price": "58",
        "reorder_point": "5",
        "opening_quantity": "12",
    }
    kwargs.update(overrides)
    with dealership_context(dealership):
        return services.part_create(actor=user, **kwargs)


# --- parts ----------------------------------------------------------------------------------------


def test_create_a_part_with_an_opening_movement(cast, staff):
    part = _new_part(staff.parts_manager, cast.a)
    assert part.on_hand == 12 and part.bin == "A-01"
    with dealership_context(cast.a):
        movement = PartMovement.objects.get(part=part)
        assert movement.kind == MovementKind.OPENING and movement.quantity == 12
    assert_reconciled(cast.a, part)
    none = _new_part(staff.parts_manager, cast.a, number="X-1", opening_quantity="0")
    with dealership_context(cast.a):
        assert none.on_hand == 0 and not PartMovement.objects.filter(part=none).exists()


def test_part_number_is_unique_with_a_clear_message(cast, staff):
    _new_part(staff.parts_manager, cast.a)
    with pytest.raises(ValidationError) as error:
        _new_part(staff.parts_manager, cast.a, number="26300-35505 ")
    assert "26300-35505 is already used" in error.value.message_dict["number"][0]
    # another dealership may use the number
    _new_part(cast.user_b, cast.b)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cost", "-1"),
        ("price", "abc"),
        ("reorder_point", "-2"),
        ("opening_quantity", "1.234"),
        ("name_zh", " "),
        ("number", ""),
    ],
)
def test_bad_part_input_names_the_field(cast, staff, field, value):
    with pytest.raises(ValidationError) as error:
        _new_part(staff.parts_manager, cast.a, **{field: value})
    assert field in error.value.message_dict
    with dealership_context(cast.a):
        assert not Part.objects.exists()


def test_editing_a_part_never_changes_its_stock(cast, staff):
    part = _new_part(staff.parts_manager, cast.a)
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.part_update(actor=staff.parts_manager, part_id=part.pk, on_hand="99")
        assert "on_hand" in error.value.message_dict
        updated = services.part_update(
            actor=staff.parts_manager, part_id=part.pk, price="60", bin="B-2"
        )
        assert updated.price == 60 and updated.bin == "B-2" and reload(part).on_hand == 12


def test_only_the_parts_store_changes_parts(cast, staff):
    part = make_part(cast.a)
    with dealership_context(cast.a):
        for user in (staff.parts_salesperson, staff.advisor, staff.sales_consultant):
            with pytest.raises(PermissionDenied):
                services.part_create(actor=user, number="N1", name_zh="件", cost="1", price="2")
        with pytest.raises(PermissionDenied):
            services.part_update(actor=staff.parts_salesperson, part_id=part.pk, price="1")
        with pytest.raises(PermissionDenied):
            services.part_update(actor=staff.advisor, part_id=part.pk, price="1")
        with pytest.raises(PermissionDenied):
            services.part_update(actor=staff.sales_consultant, part_id=part.pk, price="1")
    with dealership_context(cast.b), pytest.raises(Http404):
        services.part_update(actor=cast.user_b, part_id=part.pk, price="1")


# --- stock core ----------------------------------------------------------------------------------


def test_reservations_leave_available_and_refuse_more(cast, staff):
    part = make_part(cast.a, on_hand="3")
    with dealership_context(cast.a):
        services.part_reserve(actor=staff.advisor, part_id=part.pk, quantity="2")
        part = reload(part)
        assert (part.on_hand, part.reserved, part.available) == (3, 2, 1)
        with pytest.raises(ValidationError) as error:
            services.part_reserve(actor=staff.advisor, part_id=part.pk, quantity="2")
        assert "Only 1" in error.value.message_dict["quantity"][0]
        # a counter sale may take only what is not reserved
        with pytest.raises(ValidationError) as error:
            services.countersale_create(
                actor=staff.parts_salesperson,
                buyer_name="王师傅",
                lines=[{"part": part.pk, "quantity": "2"}],
            )
        assert "Line 1" in error.value.message_dict["lines"][0]
        assert not CounterSale.objects.exists()
    assert_reconciled(cast.a, part)


# --- repair-order lines ---------------------------------------------------------------------------


def test_issue_and_return_a_reserved_line(cast, staff):
    part = make_part(cast.a, on_hand="4")
    line = part_line(cast.a, staff.advisor, part, "2")
    with dealership_context(cast.a):
        line = services.repairline_issue(actor=staff.advisor, line_id=line.pk)
        assert line.part_state == "issued"
        part = reload(part)
        assert (part.on_hand, part.reserved) == (2, 0)
        movement = PartMovement.objects.get(repair_line=line)
        assert movement.kind == MovementKind.ISSUE and movement.quantity == -2
        with pytest.raises(ValidationError) as error:
            services.repairline_issue(actor=staff.parts_manager, line_id=line.pk)
        assert "cannot be issued" in error.value.message_dict["line"][0]
        line = services.repairline_return(actor=staff.parts_manager, line_id=line.pk)
        assert line.part_state == "returned" and reload(part).on_hand == 4
        with pytest.raises(ValidationError):
            services.repairline_return(actor=staff.parts_manager, line_id=line.pk)
    assert_reconciled(cast.a, part)


def test_who_may_issue_a_line(cast, staff):
    part = make_part(cast.a, on_hand="5")
    line = part_line(cast.a, staff.advisor, part)
    with dealership_context(cast.a):
        with pytest.raises(Http404):  # another advisor's order
            services.repairline_issue(actor=staff.advisor2, line_id=line.pk)
        with pytest.raises((PermissionDenied, Http404)):
            services.repairline_issue(actor=staff.parts_salesperson, line_id=line.pk)
        with pytest.raises((PermissionDenied, Http404)):
            services.repairline_issue(actor=staff.sales_consultant, line_id=line.pk)
        assert services.repairline_issue(actor=staff.parts_manager, line_id=line.pk)
    with dealership_context(cast.b), pytest.raises(Http404):
        services.repairline_issue(actor=cast.user_b, line_id=line.pk)


def test_lines_of_closed_orders_do_not_move(cast, staff):
    part = make_part(cast.a, on_hand="5")
    line = part_line(cast.a, staff.advisor, part)
    with dealership_context(cast.a):
        from aftersales.models import RepairOrder

        RepairOrder.objects.filter(pk=line.repair_order_id).update(status=RepairStatus.CANCELLED)
        with pytest.raises(ValidationError) as error:
            services.repairline_issue(actor=staff.advisor, line_id=line.pk)
        assert "cancelled" in error.value.message_dict["line"][0].lower()


def test_issuing_more_than_on_hand_is_refused(cast, staff):
    part = make_part(cast.a, on_hand="1")
    with dealership_context(cast.a):
        order = make_repair_order(cast.a, staff.advisor)
        line = RepairLine.objects.create(
            dealership=cast.a,
            repair_order=order,
            kind="part",
            description="x",
            part=part,
            quantity=D("3"),
            part_state="reserved",  # (reserved by mistake beyond the stock)
        )
        with pytest.raises(ValidationError) as error:
            services.repairline_issue(actor=staff.advisor, line_id=line.pk)
        assert "Only 1" in error.value.message_dict["line"][0]
        assert RepairLine.objects.get(pk=line.pk).part_state == "reserved"
    assert_reconciled(cast.a, part)


# --- purchase orders -------------------------------------------------------------------------------


def test_purchase_order_partial_receipts_and_over_receipt(cast, staff):
    a, b = make_part(cast.a, on_hand="0"), make_part(cast.a, on_hand="1")
    with dealership_context(cast.a):
        order = services.purchaseorder_create(
            actor=staff.parts_manager,
            lines=[
                {"part": a.pk, "quantity": "10", "unit_cost": "25.50"},
                {"part": b.pk, "quantity": "2"},
            ],
        )
        assert order.number.startswith("PO") and order.number.endswith("-0001")
        with pytest.raises(ValidationError):  # a draft receives nothing
            services.purchaseorder_receive(
                actor=staff.parts_manager, order_id=order.pk, quantities={}
            )
        order = services.purchaseorder_order(actor=staff.parts_manager, order_id=order.pk)
        assert order.status == PurchaseStatus.ORDERED and order.ordered_on
        la, lb = order.lines.order_by("pk")
        assert lb.unit_cost == b.cost
        order = services.purchaseorder_receive(
            actor=staff.parts_manager, order_id=order.pk, quantities={la.pk: "4"}
        )
        assert order.status == PurchaseStatus.PARTIAL and reload(a).on_hand == 4
        receipt = PartMovement.objects.get(purchase_line=la)
        assert receipt.kind == MovementKind.RECEIPT and receipt.unit_cost == D("25.50")
        with pytest.raises(ValidationError) as error:
            services.purchaseorder_receive(
                actor=staff.parts_manager, order_id=order.pk, quantities={la.pk: "7", lb.pk: "1"}
            )
        message = error.value.message_dict["quantities"][0]
        assert a.number in message and "only 6 left" in message
        assert reload(b).on_hand == 1  # nothing half-saved
        with pytest.raises(ValidationError):  # cancelling after receipts
            services.purchaseorder_cancel(actor=staff.parts_manager, order_id=order.pk)
        order = services.purchaseorder_receive(
            actor=staff.parts_manager, order_id=order.pk, quantities={la.pk: "6", lb.pk: "2"}
        )
        assert order.status == PurchaseStatus.RECEIVED
    assert_reconciled(cast.a, a, b)


def test_purchase_order_rules(cast, staff):
    part = make_part(cast.a)
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.purchaseorder_create(
                actor=staff.parts_manager, lines=[{"part": part.pk, "quantity": "0"}]
            )
        assert "Line 1" in error.value.message_dict["lines"][0]
        with pytest.raises(ValidationError):
            services.purchaseorder_create(actor=staff.parts_manager, lines=[])
        with pytest.raises(PermissionDenied):
            services.purchaseorder_create(
                actor=staff.parts_salesperson, lines=[{"part": part.pk, "quantity": "1"}]
            )
        order = services.purchaseorder_create(
            actor=staff.parts_manager, lines=[{"part": part.pk, "quantity": "1"}]
        )
        second = services.purchaseorder_create(
            actor=staff.parts_manager, lines=[{"part": part.pk, "quantity": "1"}]
        )
        assert second.number.endswith("-0002")
        order = services.purchaseorder_cancel(actor=staff.parts_manager, order_id=order.pk)
        assert order.status == PurchaseStatus.CANCELLED
        with pytest.raises(ValidationError):
            services.purchaseorder_order(actor=staff.parts_manager, order_id=order.pk)
    with dealership_context(cast.b), pytest.raises(ValidationError):
        services.purchaseorder_create(actor=cast.user_b, lines=[{"part": part.pk, "quantity": 1}])


def test_suggested_order_for_parts_at_their_reorder_point(cast, staff):
    low = make_part(cast.a, on_hand="2", reorder_point=D("5"))
    make_part(cast.a, on_hand="20", reorder_point=D("5"))
    with dealership_context(cast.a):
        order = services.purchaseorder_suggest(actor=staff.parts_manager)
        (line,) = order.lines.all()
        assert line.part_id == low.pk and line.quantity == 8 and order.status == "draft"
        with pytest.raises(ValidationError):  # all on order now
            services.purchaseorder_suggest(actor=staff.parts_manager)


# --- counter sales ---------------------------------------------------------------------------------


def test_counter_sale_and_return(cast, staff):
    a, b = make_part(cast.a, on_hand="5"), make_part(cast.a, on_hand="2")
    vehicle = make_vehicle(cast.a)
    with dealership_context(cast.a):
        sale = services.countersale_create(
            actor=staff.parts_salesperson,
            buyer_name="王师傅",
            lines=[
                {"part": a.pk, "quantity": "2"},
                {"part": b.pk, "quantity": "1", "unit_price": "10"},
            ],
        )
        assert sale.total == D("126.00") and sale.salesperson == staff.parts_salesperson
        assert (reload(a).on_hand, reload(b).on_hand) == (3, 1)
        line = sale.lines.get(part=a)
        services.countersale_return(actor=staff.parts_salesperson, line_id=line.pk, quantity="1")
        assert reload(a).on_hand == 4 and CounterSale.objects.get(pk=sale.pk).total == D("68.00")
        with pytest.raises(ValidationError) as error:
            services.countersale_return(
                actor=staff.parts_salesperson, line_id=line.pk, quantity="2"
            )
        assert "Only 1" in error.value.message_dict["quantity"][0]
        # not enough stock on the second line: nothing saved
        with pytest.raises(ValidationError) as error:
            services.countersale_create(
                actor=staff.parts_manager,
                buyer_name="x",
                lines=[{"part": a.pk, "quantity": "1"}, {"part": b.pk, "quantity": "5"}],
            )
        assert "Line 2" in error.value.message_dict["lines"][0]
        assert reload(a).on_hand == 4 and CounterSale.objects.count() == 1
        # a customer the salesperson may not see is refused; the manager's GM may pick one
        with pytest.raises(ValidationError) as error:
            services.countersale_create(
                actor=staff.parts_salesperson,
                customer=vehicle.owner_id,
                lines=[{"part": a.pk, "quantity": "1"}],
            )
        assert "customer" in error.value.message_dict
        sale2 = services.countersale_create(
            actor=staff.gm, customer=vehicle.owner_id, lines=[{"part": a.pk, "quantity": "1"}]
        )
        assert sale2.buyer_name == vehicle.owner.name
        # the salesperson sees and returns only their own sales
        assert list(CounterSale.objects.for_user(staff.parts_salesperson, "view")) == [sale]
        assert CounterSale.objects.for_user(staff.parts_manager, "view").count() == 2
        with pytest.raises(Http404):
            services.countersale_return(
                actor=staff.parts_salesperson, line_id=sale2.lines.get().pk, quantity="1"
            )
        with pytest.raises(PermissionDenied):
            services.countersale_create(
                actor=staff.advisor, buyer_name="x", lines=[{"part": a.pk, "quantity": "1"}]
            )
    assert_reconciled(cast.a, a, b)


# --- stock counts ----------------------------------------------------------------------------------


def test_stock_count_posted_once(cast, staff):
    a = make_part(cast.a, on_hand="5", bin="A1")
    b = make_part(cast.a, on_hand="3", bin="A1")
    c = make_part(cast.a, on_hand="2", bin="B1")
    line = part_line(cast.a, staff.advisor, b, "2")
    with dealership_context(cast.a):
        count = services.stockcount_create(actor=staff.parts_manager, bin="a1")
        lines = {line.part_id: line for line in count.lines.all()}
        assert set(lines) == {a.pk, b.pk} and lines[a.pk].expected == 5
        with pytest.raises(ValidationError) as error:
            services.stockcount_record(
                actor=staff.parts_manager, count_id=count.pk, counted={lines[a.pk].pk: "-1"}
            )
        assert a.number in error.value.message_dict["counted"][0]
        services.stockcount_record(
            actor=staff.parts_manager,
            count_id=count.pk,
            counted={lines[a.pk].pk: "4", lines[b.pk].pk: "1"},
        )
        # b: 1 counted, 2 reserved: refused naming the part
        with pytest.raises(ValidationError) as error:
            services.stockcount_post(actor=staff.parts_manager, count_id=count.pk)
        assert b.number in error.value.message_dict["counted"][0]
        assert reload(a).on_hand == 5  # nothing half-saved
        services.stockcount_record(
            actor=staff.parts_manager, count_id=count.pk, counted={lines[b.pk].pk: "2"}
        )
        count = services.stockcount_post(actor=staff.parts_manager, count_id=count.pk)
        assert count.posted and count.posted_at
        assert (reload(a).on_hand, reload(b).on_hand, reload(c).on_hand) == (4, 2, 2)
        adjustments = PartMovement.objects.filter(kind=MovementKind.ADJUSTMENT)
        assert sorted(m.quantity for m in adjustments) == [-1, -1]
        with pytest.raises(ValidationError):
            services.stockcount_post(actor=staff.parts_manager, count_id=count.pk)
        with pytest.raises(ValidationError):
            services.stockcount_record(
                actor=staff.parts_manager, count_id=count.pk, counted={lines[a.pk].pk: "9"}
            )
        assert PartMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 2
        services.repairline_issue(actor=staff.advisor, line_id=line.pk)
        everything = services.stockcount_create(actor=staff.parts_manager)
        assert everything.lines.count() == 3
        with pytest.raises(PermissionDenied):
            services.stockcount_create(actor=staff.parts_salesperson)
        assert StockCount.objects.count() == 2
    assert_reconciled(cast.a, a, b, c)


def test_every_movement_kind_reconciles(cast, staff):
    part = _new_part(staff.parts_manager, cast.a, opening_quantity="10")
    line = part_line(cast.a, staff.advisor, part, "3")
    with dealership_context(cast.a):
        services.repairline_issue(actor=staff.parts_manager, line_id=line.pk)
        services.repairline_return(actor=staff.parts_manager, line_id=line.pk)
        order = services.purchaseorder_create(
            actor=staff.parts_manager, lines=[{"part": part.pk, "quantity": "5"}]
        )
        services.purchaseorder_order(actor=staff.parts_manager, order_id=order.pk)
        services.purchaseorder_receive(
            actor=staff.parts_manager,
            order_id=order.pk,
            quantities={order.lines.get().pk: "5"},
        )
        sale = services.countersale_create(
            actor=staff.parts_salesperson,
            buyer_name="x",
            lines=[{"part": part.pk, "quantity": "4"}],
        )
        services.countersale_return(
            actor=staff.parts_salesperson, line_id=sale.lines.get().pk, quantity="1"
        )
        count = services.stockcount_create(actor=staff.parts_manager)
        services.stockcount_record(
            actor=staff.parts_manager, count_id=count.pk, counted={count.lines.get().pk: "11"}
        )
        services.stockcount_post(actor=staff.parts_manager, count_id=count.pk)
        kinds = set(PartMovement.objects.filter(part=part).values_list("kind", flat=True))
        assert kinds == set(MovementKind.values)
        assert reload(part).on_hand == 11
    assert_reconciled(cast.a, part)
