"""Writes of the parts store: parts, issues and returns of repair-order part lines, purchase
orders to the OEM and their (partial) receipts, counter sales and their returns, stock counts
and their adjustments. Every change of stock is a movement written by
:func:`aftersales.services.stock.part_move` under the part's row lock.

Rights: parts, purchase orders and stock counts are changed by the parts staff holding
``aftersales.change_parts`` at department scope or wider (the parts manager); the parts
salesperson (the same right for their own records) sells at the counter; a repair-order part
line is issued by its order's advisor (who may change the order) or by the parts staff."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import (
    CounterSale,
    CounterSaleLine,
    LineKind,
    MovementKind,
    Part,
    PartLineState,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseStatus,
    RepairLine,
    RepairStatus,
    StockCount,
    StockCountLine,
)
from aftersales.services.stock import lock_part, part_move, quantity_of
from dealership.access import check_model_permission, get_object_for_user, lock_for_user
from dealership.actors import is_system_actor
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope

__all__ = [
    "countersale_create",
    "countersale_return",
    "may_manage_parts",
    "part_create",
    "part_update",
    "purchaseorder_cancel",
    "purchaseorder_create",
    "purchaseorder_order",
    "purchaseorder_receive",
    "purchaseorder_suggest",
    "purchaseorder_update",
    "repairline_issue",
    "repairline_return",
    "stockcount_create",
    "stockcount_post",
    "stockcount_record",
    "suggested_lines",
]

PART_FIELDS = ("number", "name_zh", "name_en", "bin", "unit", "cost", "price", "reorder_point")
PART_AUDITED = (*PART_FIELDS, "is_active")
NUMBER_TRIES = 8
ZERO = Decimal("0")
CENT = Decimal("0.01")


def _pk(value):
    return getattr(value, "pk", value)


def _dealership_id() -> int:
    return get_scope().current_id


def _actor_or_none(actor):
    return None if is_system_actor(actor) else actor


# --- rights -------------------------------------------------------------------------------------


def may_manage_parts(user) -> bool:
    """Does ``user`` keep the parts store (``aftersales.change_parts`` at department scope or
    wider, in a writable scope)? The parts salesperson holds the right for their own sales
    only."""
    from org.access import user_access
    from org.capabilities import Capability as C
    from org.capabilities import DataScope

    if is_system_actor(user):
        return True
    access = user_access(user)
    if access.is_system:
        return True
    scope = access.scope_for(C.AFTERSALES_CHANGE_PARTS)
    return access.writable and scope is not None and scope >= DataScope.DEPARTMENT


def _require_manager(actor, model, action: str = "add") -> None:
    check_model_permission(actor, model, action)  # 403 without the right at all
    if not may_manage_parts(actor):
        raise PermissionDenied(_("Only the parts store's staff may do this."))


# --- values -------------------------------------------------------------------------------------


def _money(value, field: str, *, required: bool = True, default=None) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Enter an amount.")})
        return default
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in CNY.")}) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValidationError({field: _("Enter an amount with at most two decimals.")})
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount >= Decimal("1e10"):
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def _past_date(value, field: str) -> dt.date:
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("Enter a valid date.")}) from None
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("Enter a valid date.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("This date cannot be in the future.")})
    return value


def _text(value, field: str, max_length: int, *, required: bool = False, label: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("Enter the %(what)s.") % {"what": label or field}})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return text


def _next_number(model, prefix: str) -> str:
    numbers = model.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    last = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


def _insert_numbered(obj, prefix: str, constraint: str) -> None:
    """Save a new ``obj`` with the next free number after ``prefix``; a number taken at the
    same moment by another row is retried (each try in a savepoint)."""
    for _attempt in range(NUMBER_TRIES):
        obj.number = _next_number(type(obj), prefix)
        try:
            with transaction.atomic():
                obj.save(force_insert=True)
            return
        except IntegrityError as error:
            obj.pk = None
            if constraint in str(error):
                continue
            raise
    raise ValidationError(_("No free number was found; try again."))


# --- parts --------------------------------------------------------------------------------------


def _clean_part(part: Part) -> None:
    part.number = _text(part.number, "number", 40, required=True, label=_("part number")).upper()
    part.name_zh = _text(part.name_zh, "name_zh", 100, required=True, label=_("Chinese name"))
    part.name_en = _text(part.name_en, "name_en", 100)
    part.bin = _text(part.bin, "bin", 20).upper()
    part.unit = _text(part.unit, "unit", 10) or "个"
    part.cost = _money(part.cost, "cost")
    part.price = _money(part.price, "price")
    part.reorder_point = quantity_of(part.reorder_point or 0, "reorder_point", allow_zero=True)
    duplicate = Part.objects.filter(number=part.number).exclude(pk=part.pk).first()
    if duplicate is not None:
        raise ValidationError(
            {
                "number": _("Part number %(number)s is already used by %(part)s.")
                % {"number": part.number, "part": duplicate}
            }
        )


def _save_part(actor, part: Part, before) -> Part:
    try:
        with transaction.atomic():  # two parts with one number at the same moment
            return save_audited(actor=actor, obj=part, before=before, fields=PART_AUDITED)
    except IntegrityError:
        raise ValidationError(
            {"number": _("Part number %(number)s is already used.") % {"number": part.number}}
        ) from None


@transaction.atomic
def part_create(
    *,
    actor,
    number: str,
    name_zh: str,
    cost,
    price,
    name_en: str = "",
    bin: str = "",
    unit: str = "个",
    reorder_point=ZERO,
    opening_quantity=ZERO,
    is_active: bool = True,
) -> Part:
    """A new part; ``opening_quantity`` on hand is recorded as an ``opening`` movement."""
    _require_manager(actor, Part)
    part = Part(
        dealership_id=_dealership_id(),
        number=number,
        name_zh=name_zh,
        name_en=name_en,
        bin=bin,
        unit=unit,
        cost=cost,
        price=price,
        reorder_point=reorder_point,
        is_active=bool(is_active),
    )
    _clean_part(part)
    opening = quantity_of(opening_quantity or 0, "opening_quantity", allow_zero=True)
    part = _save_part(actor, part, None)
    if opening > 0:
        part_move(
            actor=actor,
            part_id=part.pk,
            kind=MovementKind.OPENING,
            quantity=opening,
            note=_("Opening balance"),
            field="opening_quantity",
        )
        part.refresh_from_db()
    return part


@transaction.atomic
def part_update(*, actor, part_id, **fields) -> Part:
    """Change a part's data; its stock only ever changes through movements."""
    unknown = set(fields) - set(PART_AUDITED)
    if unknown:
        raise ValidationError(
            {
                name: _("This field cannot be changed here; stock changes only by movements.")
                for name in sorted(unknown)
            }
        )
    part = lock_for_user(actor, Part, _pk(part_id), "change")
    if not may_manage_parts(actor):
        raise PermissionDenied(_("Only the parts store's staff may do this."))
    before = snapshot(part, PART_AUDITED)
    for name, value in fields.items():
        setattr(part, name, bool(value) if name == "is_active" else value)
    _clean_part(part)
    return _save_part(actor, part, before)


# --- repair-order part lines --------------------------------------------------------------------


def _lock_part_line(actor, line_id) -> RepairLine:
    """The part line, locked: for the parts staff every line of a part they see, for the
    others the lines of the repair orders they may change (the order's advisor, their
    supervisor); 404 for the lines neither may reach, 403 for lines seen but not theirs."""
    lines = RepairLine.objects.select_for_update()
    pk = _pk(line_id)
    if may_manage_parts(actor):
        visible_parts = Part.objects.for_user(actor, "view").values("pk")
        line = lines.filter(pk=pk, part_id__in=visible_parts).first() if str(pk).isdigit() else None
        if line is None:
            raise Http404(_("Not found."))
    else:
        line = get_object_for_user(actor, RepairLine, "change", lines, pk=pk)
    if line.kind != LineKind.PART or line.part_id is None:
        raise ValidationError({"line": _("This is not a part line.")})
    return line


def _check_order_live(line: RepairLine) -> None:
    order = line.repair_order
    if order.status in (RepairStatus.CLOSED, RepairStatus.CANCELLED):
        raise ValidationError(
            {
                "line": _("Repair order %(number)s is %(status)s; its parts can no longer move.")
                % {"number": order.number, "status": order.get_status_display()}
            }
        )


@transaction.atomic
def repairline_issue(*, actor, line_id) -> RepairLine:
    """Hand a reserved part line to the workshop: an ``issue`` movement out of the reserved
    stock, the line ``issued``."""
    line = _lock_part_line(actor, line_id)
    _check_order_live(line)
    if line.part_state != PartLineState.RESERVED:
        raise ValidationError(
            {
                "line": _("%(line)s is %(state)s, not reserved; it cannot be issued.")
                % {
                    "line": line.description or line.part_id,
                    "state": line.get_part_state_display() or _("not reserved"),
                }
            }
        )
    part_move(
        actor=actor,
        part_id=line.part_id,
        kind=MovementKind.ISSUE,
        quantity=line.quantity,
        from_reserved=line.quantity,
        repair_line=line,
        note=line.repair_order.number,
        field="line",
    )
    before = snapshot(line, ["part_state"])
    line.part_state = PartLineState.ISSUED
    line.save(update_fields=["part_state"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=line,
        before=before,
        after=snapshot(line, ["part_state"]),
    )
    return line


@transaction.atomic
def repairline_return(*, actor, line_id) -> RepairLine:
    """The workshop gives an issued part back: a ``return`` movement, the line ``returned``."""
    line = _lock_part_line(actor, line_id)
    _check_order_live(line)
    if line.part_state != PartLineState.ISSUED:
        raise ValidationError({"line": _("Only an issued part can be returned.")})
    part_move(
        actor=actor,
        part_id=line.part_id,
        kind=MovementKind.RETURN,
        quantity=line.quantity,
        repair_line=line,
        note=line.repair_order.number,
        field="line",
    )
    before = snapshot(line, ["part_state"])
    line.part_state = PartLineState.RETURNED
    line.save(update_fields=["part_state"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=line,
        before=before,
        after=snapshot(line, ["part_state"]),
    )
    return line


# --- purchase orders ----------------------------------------------------------------------------

OPEN_PURCHASES = (PurchaseStatus.DRAFT, PurchaseStatus.ORDERED, PurchaseStatus.PARTIAL)


def _line_items(lines, *, price_field: str) -> list[dict]:
    """``lines`` from input (a list of dicts with ``part``, ``quantity`` and a price) checked;
    an error names the line (``lines``: "line 2: …")."""
    if not isinstance(lines, list | tuple):
        raise ValidationError({"lines": _("Give the lines as a list.")})
    items = []
    for n, raw in enumerate(lines, start=1):
        if not isinstance(raw, dict):
            raise ValidationError({"lines": _("Line %(n)d is not valid.") % {"n": n}})
        try:
            part = raw.get("part")
            if part in (None, ""):
                raise ValidationError(_("Choose a part."))
            quantity = quantity_of(raw.get("quantity"), "quantity")
            price = raw.get(price_field)
            price = _money(price, price_field, required=False, default=None)
        except ValidationError as error:
            raise ValidationError(
                {"lines": _("Line %(n)d: %(error)s") % {"n": n, "error": " ".join(error.messages)}}
            ) from None
        items.append({"n": n, "part": part, "quantity": quantity, "price": price})
    if not items:
        raise ValidationError({"lines": _("Add at least one line.")})
    return items


def _resolve_parts(actor, items) -> None:
    visible = Part.objects.for_user(actor, "view")
    ids = [_pk(i["part"]) for i in items]
    found = {p.pk: p for p in visible.filter(pk__in=[i for i in ids if str(i).isdigit()])}
    for item in items:
        part = found.get(_pk(item["part"])) if str(_pk(item["part"])).isdigit() else None
        if part is None:
            raise ValidationError(
                {"lines": _("Line %(n)d: choose one of the dealership's parts.") % {"n": item["n"]}}
            )
        item["part"] = part


def _po_lines(actor, order: PurchaseOrder, lines) -> None:
    items = _line_items(lines, price_field="unit_cost")
    _resolve_parts(actor, items)
    for item in items:
        line = PurchaseOrderLine(
            dealership_id=order.dealership_id,
            order=order,
            part=item["part"],
            quantity=item["quantity"],
            unit_cost=item["price"] if item["price"] is not None else item["part"].cost,
        )
        line.full_clean()
        line.save()


PO_AUDITED = ("number", "supplier", "status", "ordered_on", "notes")


@transaction.atomic
def purchaseorder_create(*, actor, lines, supplier: str = "OEM", notes: str = "") -> PurchaseOrder:
    """A draft purchase order with its ``lines`` (``part``, ``quantity`` > 0, ``unit_cost``,
    by default the part's cost)."""
    _require_manager(actor, PurchaseOrder)
    order = PurchaseOrder(
        dealership_id=_dealership_id(),
        supplier=_text(supplier, "supplier", 100) or "OEM",
        notes=_text(notes, "notes", 5000),
        created_by=_actor_or_none(actor),
    )
    _insert_numbered(order, f"PO{timezone.localdate():%Y%m}-", "aftersales_po_number")
    _po_lines(actor, order, lines)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=order,
        before=None,
        after=snapshot(order, PO_AUDITED),
    )
    return order


def _lock_order(actor, order_id) -> PurchaseOrder:
    order = lock_for_user(actor, PurchaseOrder, _pk(order_id), "change")
    if not may_manage_parts(actor):
        raise PermissionDenied(_("Only the parts store's staff may do this."))
    return order


@transaction.atomic
def purchaseorder_update(
    *, actor, order_id, supplier=None, notes=None, lines=None
) -> PurchaseOrder:
    """Change a draft: its supplier, notes, or all its lines."""
    order = _lock_order(actor, order_id)
    if order.status != PurchaseStatus.DRAFT:
        raise ValidationError(_("Only a draft purchase order can be changed."))
    before = snapshot(order, PO_AUDITED)
    if supplier is not None:
        order.supplier = _text(supplier, "supplier", 100) or "OEM"
    if notes is not None:
        order.notes = _text(notes, "notes", 5000)
    if lines is not None:
        PurchaseOrderLine.objects.filter(order=order).delete()
        _po_lines(actor, order, lines)
    return save_audited(actor=actor, obj=order, before=before, fields=PO_AUDITED)


@transaction.atomic
def purchaseorder_order(*, actor, order_id, ordered_on=None) -> PurchaseOrder:
    """The draft is sent to the OEM (``ordered_on``: today by default, never in the future)."""
    order = _lock_order(actor, order_id)
    if order.status != PurchaseStatus.DRAFT:
        raise ValidationError(
            _("This purchase order is %(status)s; only a draft can be ordered.")
            % {"status": order.get_status_display()}
        )
    if not PurchaseOrderLine.objects.filter(order=order).exists():
        raise ValidationError({"lines": _("Add at least one line.")})
    before = snapshot(order, PO_AUDITED)
    order.status = PurchaseStatus.ORDERED
    order.ordered_on = _past_date(ordered_on, "ordered_on")
    return save_audited(actor=actor, obj=order, before=before, fields=PO_AUDITED)


@transaction.atomic
def purchaseorder_receive(*, actor, order_id, quantities) -> PurchaseOrder:
    """Receive ``quantities`` (``{line id: quantity}``, zero or missing lines skipped): each a
    ``receipt`` movement at the line's unit cost, never more than ordered minus received."""
    order = _lock_order(actor, order_id)
    if order.status not in (PurchaseStatus.ORDERED, PurchaseStatus.PARTIAL):
        raise ValidationError(
            _("This purchase order is %(status)s; nothing can be received.")
            % {"status": order.get_status_display()}
        )
    if not isinstance(quantities, dict):
        raise ValidationError({"quantities": _("Give the quantities per line.")})
    lines = {
        line.pk: line
        for line in PurchaseOrderLine.objects.select_for_update()
        .filter(order=order)
        .select_related("part")
    }
    received_any = False
    for key, raw in quantities.items():
        line = lines.get(int(key)) if str(key).isdigit() else None
        if line is None:
            raise ValidationError({"quantities": _("Not a line of this purchase order.")})
        label = f"{line.part.number} {line.part.name_zh}"
        try:
            quantity = quantity_of(raw if raw not in (None, "") else 0, "quantity", allow_zero=True)
        except ValidationError as error:
            raise ValidationError({"quantities": f"{label}: {' '.join(error.messages)}"}) from None
        if quantity == 0:
            continue
        left = line.quantity - line.received
        if quantity > left:
            raise ValidationError(
                {
                    "quantities": _(
                        "%(part)s: only %(left)s left to receive (ordered %(ordered)s, "
                        "received %(received)s); %(wanted)s given."
                    )
                    % {
                        "part": label,
                        "left": left.normalize(),
                        "ordered": line.quantity.normalize(),
                        "received": line.received.normalize(),
                        "wanted": quantity.normalize(),
                    }
                }
            )
        part_move(
            actor=actor,
            part_id=line.part_id,
            kind=MovementKind.RECEIPT,
            quantity=quantity,
            unit_cost=line.unit_cost,
            purchase_line=line,
            note=order.number,
        )
        line.received += quantity
        line.save(update_fields=["received"])
        received_any = True
    if not received_any:
        raise ValidationError({"quantities": _("Enter a quantity received on at least one line.")})
    before = snapshot(order, PO_AUDITED)
    complete = all(line.received >= line.quantity for line in lines.values())
    order.status = PurchaseStatus.RECEIVED if complete else PurchaseStatus.PARTIAL
    return save_audited(actor=actor, obj=order, before=before, fields=PO_AUDITED)


@transaction.atomic
def purchaseorder_cancel(*, actor, order_id) -> PurchaseOrder:
    """Cancel a draft or ordered purchase order (never one with receipts)."""
    order = _lock_order(actor, order_id)
    if order.status not in (PurchaseStatus.DRAFT, PurchaseStatus.ORDERED):
        raise ValidationError(
            _("This purchase order is %(status)s; it cannot be cancelled.")
            % {"status": order.get_status_display()}
        )
    if PurchaseOrderLine.objects.filter(order=order, received__gt=0).exists():
        raise ValidationError(_("Parts of this order were received; it cannot be cancelled."))
    before = snapshot(order, PO_AUDITED)
    order.status = PurchaseStatus.CANCELLED
    return save_audited(actor=actor, obj=order, before=before, fields=PO_AUDITED)


def suggested_lines(actor) -> list[dict]:
    """Parts at or below their reorder point: enough to reach twice the reorder point, less
    what is already on open purchase orders (at least one unit)."""
    from django.db.models import F, Sum

    parts = list(
        Part.objects.for_user(actor, "view")
        .filter(is_active=True, on_hand__lte=F("reorder_point"))
        .order_by("number")
    )
    open_rows = (
        PurchaseOrderLine.objects.filter(
            part__in=[p.pk for p in parts], order__status__in=OPEN_PURCHASES
        )
        .values("part_id")
        .annotate(open=Sum(F("quantity") - F("received")))
    )
    on_order = {row["part_id"]: row["open"] for row in open_rows}
    lines = []
    for part in parts:
        wanted = part.reorder_point * 2 - part.on_hand - on_order.get(part.pk, ZERO)
        if part.reorder_point == 0 and part.on_hand == 0 and not on_order.get(part.pk):
            wanted = Decimal("1")
        if wanted > 0:
            lines.append(
                {"part": part.pk, "quantity": wanted.quantize(CENT), "unit_cost": part.cost}
            )
    return lines


@transaction.atomic
def purchaseorder_suggest(*, actor, supplier: str = "OEM") -> PurchaseOrder:
    """A draft purchase order for the parts at or below their reorder point."""
    _require_manager(actor, PurchaseOrder)
    lines = suggested_lines(actor)
    if not lines:
        raise ValidationError(
            {"lines": _("No part is at or below its reorder point (or all are on order).")}
        )
    return purchaseorder_create(
        actor=actor,
        lines=lines,
        supplier=supplier,
        notes=_("Suggested from the parts at or below their reorder point."),
    )


# --- counter sales ------------------------------------------------------------------------------

SALE_AUDITED = ("number", "customer", "buyer_name", "sold_on", "salesperson", "total")


def _sale_customer(actor, value):
    if value in (None, ""):
        return None
    from crm.models import Customer
    from dealership.access import can

    if not can(actor, Customer, "view"):
        raise ValidationError({"customer": _("Choose one of the customers you can see.")})
    customer = (
        Customer.objects.for_user(actor, "view").filter(pk=_pk(value)).first()
        if str(_pk(value)).isdigit()
        else None
    )
    if customer is None:
        raise ValidationError({"customer": _("Choose one of the customers you can see.")})
    return customer


@transaction.atomic
def countersale_create(
    *, actor, lines, customer=None, buyer_name: str = "", sold_on=None
) -> CounterSale:
    """Sell parts at the counter to a customer (one the actor may see) or a named buyer: each
    line a ``counter_sale`` movement at its unit price (the part's price by default). A line
    short of stock refuses the whole sale, naming the line."""
    check_model_permission(actor, CounterSale, "add")
    customer = _sale_customer(actor, customer)
    buyer_name = _text(buyer_name, "buyer_name", 100)
    if customer is None and not buyer_name:
        raise ValidationError({"buyer_name": _("Choose the customer or type the buyer's name.")})
    if customer is not None and not buyer_name:
        buyer_name = customer.name[:100]
    items = _line_items(lines, price_field="unit_price")
    _resolve_parts(actor, items)
    sale = CounterSale(
        dealership_id=_dealership_id(),
        customer=customer,
        buyer_name=buyer_name,
        sold_on=_past_date(sold_on, "sold_on"),
        salesperson=actor,
    )
    _insert_numbered(sale, f"CS{sale.sold_on:%Y%m}-", "aftersales_sale_number")
    # lock the parts in one order (two sales of the same parts never wait for each other)
    for part_id in sorted({item["part"].pk for item in items}):
        lock_part(actor, part_id)
    total = ZERO
    for item in items:
        part = item["part"]
        price = item["price"] if item["price"] is not None else part.price
        line = CounterSaleLine(
            dealership_id=sale.dealership_id,
            sale=sale,
            part=part,
            quantity=item["quantity"],
            unit_price=price,
        )
        line.full_clean()
        line.save()
        try:
            part_move(
                actor=actor,
                part_id=part.pk,
                kind=MovementKind.COUNTER_SALE,
                quantity=item["quantity"],
                sale_line=line,
                note=sale.number,
            )
        except ValidationError as error:
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: %(error)s")
                    % {"n": item["n"], "error": " ".join(error.messages)}
                }
            ) from None
        total += (item["quantity"] * price).quantize(CENT)
    sale.total = total
    sale.save(update_fields=["total"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=sale,
        before=None,
        after=snapshot(sale, SALE_AUDITED),
    )
    return sale


@transaction.atomic
def countersale_return(*, actor, line_id, quantity, note: str = "") -> CounterSaleLine:
    """The buyer brings back ``quantity`` of a line (up to what was sold minus returned): a
    ``counter_return`` movement; the sale's total drops by the returned amount."""
    line = lock_for_user(actor, CounterSaleLine, _pk(line_id), "change")
    sale = CounterSale.objects.select_for_update().get(pk=line.sale_id)
    quantity = quantity_of(quantity, "quantity")
    left = line.quantity - line.returned
    if quantity > left:
        raise ValidationError(
            {
                "quantity": _(
                    "Only %(left)s of this line can still be returned (sold %(sold)s, returned "
                    "%(returned)s)."
                )
                % {
                    "left": left.normalize(),
                    "sold": line.quantity.normalize(),
                    "returned": line.returned.normalize(),
                }
            }
        )
    part_move(
        actor=actor,
        part_id=line.part_id,
        kind=MovementKind.COUNTER_RETURN,
        quantity=quantity,
        sale_line=line,
        note=(_text(note, "note", 150) or sale.number),
    )
    before = snapshot(line, ["returned"])
    line.returned += quantity
    line.save(update_fields=["returned"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=line,
        before=before,
        after=snapshot(line, ["returned"]),
    )
    sale_before = snapshot(sale, ["total"])
    sale.total = max(sale.total - (quantity * line.unit_price).quantize(CENT), ZERO)
    sale.save(update_fields=["total"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=sale,
        before=sale_before,
        after=snapshot(sale, ["total"]),
    )
    return line


# --- stock counts -------------------------------------------------------------------------------

COUNT_AUDITED = ("counted_on", "posted", "posted_at", "counted_by", "notes")


@transaction.atomic
def stockcount_create(*, actor, counted_on=None, bin: str = "", notes: str = "") -> StockCount:
    """A count of every active part, or of one ``bin``: its lines snapshot each part's
    quantity on hand (the counted quantity starts equal)."""
    _require_manager(actor, StockCount)
    bin_code = _text(bin, "bin", 20).upper()
    parts = Part.objects.for_user(actor, "view").filter(is_active=True)
    if bin_code:
        parts = parts.filter(bin=bin_code)
    parts = list(parts.order_by("bin", "number"))
    if not parts:
        raise ValidationError({"bin": _("No active part to count here.")})
    count = StockCount(
        dealership_id=_dealership_id(),
        counted_on=_past_date(counted_on, "counted_on"),
        counted_by=actor if not is_system_actor(actor) else None,
        notes=_text(notes, "notes", 5000),
    )
    if count.counted_by is None:
        raise ValidationError(_("A stock count is made by a person."))
    count.save()
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(
                dealership_id=count.dealership_id,
                count=count,
                part=part,
                expected=part.on_hand,
                counted=part.on_hand,
            )
            for part in parts
        ]
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=count,
        before=None,
        after={**snapshot(count, COUNT_AUDITED), "bin": bin_code, "lines": len(parts)},
    )
    return count


def _lock_count(actor, count_id) -> StockCount:
    count = lock_for_user(actor, StockCount, _pk(count_id), "change")
    if not may_manage_parts(actor):
        raise PermissionDenied(_("Only the parts store's staff may do this."))
    if count.posted:
        raise ValidationError(_("This stock count is posted; it can no longer change."))
    return count


@transaction.atomic
def stockcount_record(*, actor, count_id, counted) -> StockCount:
    """Enter counted quantities (``{line id: quantity ≥ 0}``)."""
    count = _lock_count(actor, count_id)
    if not isinstance(counted, dict):
        raise ValidationError({"counted": _("Give the counted quantities per line.")})
    lines = {
        line.pk: line for line in StockCountLine.objects.filter(count=count).select_related("part")
    }
    changed = []
    for key, raw in counted.items():
        line = lines.get(int(key)) if str(key).isdigit() else None
        if line is None:
            raise ValidationError({"counted": _("Not a line of this stock count.")})
        try:
            quantity = quantity_of(raw, "counted", allow_zero=True)
        except ValidationError as error:
            raise ValidationError(
                {"counted": f"{line.part.number}: {' '.join(error.messages)}"}
            ) from None
        if quantity != line.counted:
            line.counted = quantity
            changed.append(line)
    if changed:
        StockCountLine.objects.bulk_update(changed, ["counted"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=count,
            before=None,
            after={"counted": {line.part.number: str(line.counted) for line in changed}},
        )
    return count


@transaction.atomic
def stockcount_post(*, actor, count_id) -> StockCount:
    """Post the count once: each line whose counted quantity differs from the snapshot becomes
    an ``adjustment`` movement (counted − expected); never leaving a part below its reserved
    quantity (refused naming the part). Posted counts are read-only."""
    count = _lock_count(actor, count_id)
    lines = list(
        StockCountLine.objects.filter(count=count).select_related("part").order_by("part_id")
    )
    for line in lines:
        difference = line.counted - line.expected
        if difference == 0:
            continue
        part = lock_part(actor, line.part_id)
        if part.on_hand + difference < part.reserved:
            raise ValidationError(
                {
                    "counted": _(
                        "%(part)s: the adjustment of %(difference)s would leave %(after)s on "
                        "hand, below the %(reserved)s reserved for repair orders."
                    )
                    % {
                        "part": part,
                        "difference": difference.normalize(),
                        "after": (part.on_hand + difference).normalize(),
                        "reserved": part.reserved.normalize(),
                    }
                }
            )
        part_move(
            actor=actor,
            part_id=part.pk,
            kind=MovementKind.ADJUSTMENT,
            quantity=difference,
            count_line=line,
            note=_("Stock count of %(day)s") % {"day": count.counted_on.isoformat()},
            field="counted",
        )
    before = snapshot(count, COUNT_AUDITED)
    count.posted = True
    count.posted_at = timezone.now()
    return save_audited(actor=actor, obj=count, before=before, fields=COUNT_AUDITED)
