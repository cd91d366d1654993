"""Writes of orders (订车) and their trade-ins (二手车置换).

An order is taken from a ready quote (its total is the agreed price) or directly on a lead (the
price typed). It needs a deposit (more than zero, at most the price) paid on a date that is not
in the future. With a stock car, the car is reserved (``sales.services.stock.stock_reserve``,
under the car's row lock: two consultants cannot take the same car) and the order is ``open``;
without one it is a factory order (``factory``) until a car that arrived is assigned. Paying the
balance sells the car; cancelling releases it. Numbers are ``SO<yyyymm>-<nnnn>``, unique per
dealership (a clash between two simultaneous orders is retried)."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.services.validators import normalise_plate, normalise_vin
from dealership.access import check_model_permission, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.numbering import NumbersExhausted, insert_numbered
from dealership.tenancy import get_scope
from sales.models import (
    KeyAccount,
    Order,
    OrderStatus,
    Quote,
    QuoteStatus,
    Stage,
    StockStatus,
    StockVehicle,
    TradeIn,
)
from sales.money import money
from sales.services.quotes import _lock_lead
from sales.services.stages import lead_advance
from sales.services.stock import stock_release, stock_reserve, stock_sell

__all__ = [
    "ORDER_FIELDS",
    "TRADEIN_FIELDS",
    "order_assign_vehicle",
    "order_cancel",
    "order_create",
    "order_pay",
    "order_update",
    "tradein_save",
]

ORDER_FIELDS = (
    "vehicle_model",
    "vehicle_trim",
    "vehicle_colour",
    "price",
    "deposit",
    "deposit_paid_on",
    "ordered_on",
    "expected_on",
    "key_account",
    "notes",
)
AUDITED = (
    "number",
    "quote",
    "lead",
    "customer",
    "consultant",
    "key_account",
    "stock_vehicle",
    "vehicle_model",
    "vehicle_trim",
    "vehicle_colour",
    "price",
    "deposit",
    "deposit_paid_on",
    "ordered_on",
    "expected_on",
    "paid_on",
    "invoice_no",
    "status",
    "cancelled_reason",
    "notes",
)
TRADEIN_FIELDS = (
    "brand",
    "model",
    "vin",
    "plate",
    "first_registered_on",
    "mileage",
    "valuation",
    "valued_by",
    "notes",
)
LIVE = (OrderStatus.OPEN, OrderStatus.FACTORY)


def _pk(value):
    return getattr(value, "pk", value)


def _past_date(value, field: str, label: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Enter the date %(what)s.") % {"what": label}})
        return None
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("Enter a valid date.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("This date cannot be in the future.")})
    return value


def _key_account(actor, value) -> KeyAccount | None:
    if value in (None, ""):
        return None
    account = KeyAccount.objects.for_user(actor, "view").filter(pk=_pk(value)).first()
    if account is None:
        raise ValidationError({"key_account": _("Choose one of the key accounts you can see.")})
    return account


def _visible_car(actor, value, field: str = "stock_vehicle") -> StockVehicle:
    car = StockVehicle.objects.for_user(actor, "view").filter(pk=_pk(value)).first()
    if car is None:
        raise ValidationError({field: _("Choose a car of the dealership's stock.")})
    return car


def _check_money(order: Order) -> None:
    if order.price is None or order.price <= 0:
        raise ValidationError({"price": _("Enter the agreed price.")})
    if order.deposit is None:
        raise ValidationError({"deposit": _("Enter the deposit the customer paid.")})
    if order.deposit <= 0:
        raise ValidationError({"deposit": _("The deposit must be more than zero.")})
    if order.deposit > order.price:
        raise ValidationError({"deposit": _("The deposit cannot be more than the agreed price.")})


def _check_dates(order: Order) -> None:
    order.ordered_on = _past_date(order.ordered_on, "ordered_on", _("of the order"))
    order.deposit_paid_on = _past_date(
        order.deposit_paid_on, "deposit_paid_on", _("the deposit was paid")
    )
    if order.expected_on is not None:
        if not isinstance(order.expected_on, dt.date):
            raise ValidationError({"expected_on": _("Enter a valid date.")})
        if order.expected_on < order.ordered_on:
            raise ValidationError(
                {"expected_on": _("The expected delivery cannot be before the order.")}
            )


def _insert(order: Order) -> None:
    """Save a new order with the next free number (``dealership.numbering``); a second live
    order of the same car at the same moment is told so."""
    try:
        insert_numbered(
            order, f"SO{order.ordered_on:%Y%m}-", constraint="sales_order_unique_number"
        )
    except NumbersExhausted:
        raise ValidationError(_("No free order number was found; try again.")) from None
    except IntegrityError as error:
        if "sales_order_one_live_per_vehicle" in str(error):
            raise ValidationError(
                {"stock_vehicle": _("This vehicle already has an order.")}
            ) from None
        raise


@transaction.atomic
def order_create(
    *,
    actor,
    quote=None,
    lead=None,
    stock_vehicle=None,
    key_account=None,
    price=None,
    deposit=None,
    deposit_paid_on=None,
    ordered_on=None,
    expected_on=None,
    vehicle_model: str = "",
    vehicle_trim: str = "",
    vehicle_colour: str = "",
    notes: str = "",
) -> Order:
    """An order from a ready ``quote`` (its price, vehicle and lead) or on a ``lead`` (price and
    vehicle typed). A stock car is reserved (status open); without one it is a factory order.
    The quote becomes ordered and the lead moves to the stage "order"."""
    check_model_permission(actor, Order, "add")
    if quote not in (None, ""):
        if not Quote.objects.for_user(actor, "view").filter(pk=_pk(quote)).exists():
            raise ValidationError({"quote": _("Choose one of your quotes.")})
        quote = lock_for_user(actor, Quote, _pk(quote), "change")
        if quote.status != QuoteStatus.APPROVED:
            raise ValidationError(
                {
                    "quote": _(
                        "Only a ready quote (its discount within the limit or approved) can "
                        "become an order; this one is: %(status)s."
                    )
                    % {"status": quote.get_status_display()}
                }
            )
        lead = _lock_lead(actor, quote.lead_id)
        price = quote.total
        vehicle_model = quote.vehicle_model
        vehicle_trim, vehicle_colour = quote.vehicle_trim, quote.vehicle_colour
        if stock_vehicle in (None, ""):
            stock_vehicle = quote.stock_vehicle_id
    else:
        quote = None
        lead = _lock_lead(actor, lead)
        price = money(price, "price", required=True)
    order = Order(
        dealership_id=get_scope().current_id,
        quote=quote,
        lead=lead,
        customer_id=lead.customer_id,
        consultant_id=lead.consultant_id,
        key_account=_key_account(actor, key_account),
        vehicle_model=str(vehicle_model or "").strip(),
        vehicle_trim=str(vehicle_trim or "").strip(),
        vehicle_colour=str(vehicle_colour or "").strip(),
        price=price,
        deposit=money(deposit, "deposit", default=None),
        deposit_paid_on=deposit_paid_on,
        ordered_on=ordered_on,
        expected_on=expected_on,
        notes=str(notes or "").strip(),
    )
    _check_money(order)
    _check_dates(order)
    if stock_vehicle not in (None, ""):
        car = _visible_car(actor, stock_vehicle)
        car = stock_reserve(actor=actor, stock_vehicle_id=car.pk)  # locks; names the VIN
        order.stock_vehicle = car
        order.vehicle_model, order.vehicle_trim = car.model, car.trim
        order.vehicle_colour = car.colour
        order.status = OrderStatus.OPEN
    else:
        order.status = OrderStatus.FACTORY
    if not order.vehicle_model:
        raise ValidationError({"vehicle_model": _("Enter the model, or choose a stock car.")})
    order.number = "SO"  # for full_clean; the real number is given when inserted
    order.full_clean(exclude=["number"], validate_unique=False, validate_constraints=False)
    _insert(order)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=order,
        before=None,
        after=snapshot(order, AUDITED),
    )
    if quote is not None:
        before = snapshot(quote, ["status"])
        quote.status = QuoteStatus.ORDERED
        save_audited(actor=actor, obj=quote, before=before, fields=["status"])
    lead_advance(actor=actor, lead=lead, stage=Stage.ORDER)
    return order


def _lock_order(actor, order_id, *, live: bool = True) -> Order:
    order = lock_for_user(actor, Order, order_id, "change")
    if live and order.status not in LIVE:
        raise ValidationError(
            _("This order is %(status)s; it can no longer be changed.")
            % {"status": order.get_status_display()}
        )
    return order


@transaction.atomic
def order_update(*, actor, order_id, **fields) -> Order:
    """Change an open or factory order: deposit, dates, key account, notes; the price and the
    vehicle only of an order without a quote (the vehicle only while no car is reserved)."""
    order = _lock_order(actor, order_id)
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    before = snapshot(order, AUDITED)
    for name in ("deposit_paid_on", "ordered_on", "expected_on"):
        if name in fields:
            setattr(order, name, fields[name] or None)
    if "deposit" in fields:
        order.deposit = money(fields["deposit"], "deposit", default=None)
    if "notes" in fields:
        order.notes = str(fields["notes"] or "").strip()
    if "key_account" in fields:
        order.key_account = _key_account(actor, fields["key_account"])
    if "price" in fields and order.quote_id is None:
        order.price = money(fields["price"], "price", required=True)
    if order.stock_vehicle_id is None:
        for name in ("vehicle_model", "vehicle_trim", "vehicle_colour"):
            if name in fields and (order.quote_id is None or name != "vehicle_model"):
                setattr(order, name, str(fields[name] or "").strip())
    if order.paid_on is not None and order.paid_on < (order.ordered_on or order.paid_on):
        raise ValidationError({"ordered_on": _("The order cannot be after its payment.")})
    _check_money(order)
    _check_dates(order)
    if not order.vehicle_model:
        raise ValidationError({"vehicle_model": _("Enter the model.")})
    return save_audited(actor=actor, obj=order, before=before, fields=AUDITED)


@transaction.atomic
def order_pay(*, actor, order_id, paid_on, invoice_no: str) -> Order:
    """The balance is paid and the invoice issued: the reserved car is sold."""
    order = _lock_order(actor, order_id)
    if order.stock_vehicle_id is None:
        raise ValidationError(_("A factory order is paid in full once a car is assigned to it."))
    if order.paid_on is not None:
        raise ValidationError(_("This order is already paid in full."))
    paid_on = _past_date(paid_on, "paid_on", _("the balance was paid"))
    if paid_on < order.ordered_on:
        raise ValidationError({"paid_on": _("The balance cannot be paid before the order.")})
    invoice_no = re.sub(r"\s", "", str(invoice_no or ""))
    if not invoice_no:
        raise ValidationError({"invoice_no": _("Enter the invoice number.")})
    if len(invoice_no) > 30:
        raise ValidationError({"invoice_no": _("An invoice number has at most 30 characters.")})
    before = snapshot(order, AUDITED)
    stock_sell(actor=actor, stock_vehicle_id=order.stock_vehicle_id)
    order.paid_on, order.invoice_no = paid_on, invoice_no
    return save_audited(actor=actor, obj=order, before=before, fields=AUDITED)


@transaction.atomic
def order_cancel(*, actor, order_id, reason: str) -> Order:
    """Cancel an open or factory order (with the reason); its car goes back to the stock."""
    order = _lock_order(actor, order_id)
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the order is cancelled.")})
    before = snapshot(order, AUDITED)
    if order.stock_vehicle_id is not None:
        car = StockVehicle.objects.filter(pk=order.stock_vehicle_id).first()
        if car is not None and car.status in (StockStatus.RESERVED, StockStatus.SOLD):
            stock_release(actor=actor, stock_vehicle_id=car.pk)
    order.status, order.cancelled_reason = OrderStatus.CANCELLED, reason[:2000]
    return save_audited(actor=actor, obj=order, before=before, fields=AUDITED)


@transaction.atomic
def order_assign_vehicle(*, actor, order_id, stock_vehicle) -> Order:
    """A factory order gets a car that arrived (in stock, of the ordered model): the car is
    reserved and the order is open."""
    order = _lock_order(actor, order_id)
    if order.status != OrderStatus.FACTORY:
        raise ValidationError(
            {"stock_vehicle": _("Only a factory order waits for a car to be assigned.")}
        )
    if stock_vehicle in (None, ""):
        raise ValidationError({"stock_vehicle": _("Choose the car that arrived.")})
    car = _visible_car(actor, stock_vehicle)
    if car.status != StockStatus.IN_STOCK:
        raise ValidationError(
            {
                "stock_vehicle": _("Vehicle %(vin)s is not free in stock (%(status)s).")
                % {"vin": car.vin, "status": car.get_status_display()}
            }
        )
    if car.model.casefold() != order.vehicle_model.casefold():
        raise ValidationError(
            {
                "stock_vehicle": _(
                    "Vehicle %(vin)s is a %(model)s; the order is for a %(ordered)s."
                )
                % {"vin": car.vin, "model": car.model, "ordered": order.vehicle_model}
            }
        )
    before = snapshot(order, AUDITED)
    car = stock_reserve(actor=actor, stock_vehicle_id=car.pk)
    order.stock_vehicle = car
    order.vehicle_trim = car.trim or order.vehicle_trim
    order.vehicle_colour = car.colour or order.vehicle_colour
    order.status = OrderStatus.OPEN
    try:
        with transaction.atomic():
            return save_audited(actor=actor, obj=order, before=before, fields=AUDITED)
    except IntegrityError:
        raise ValidationError(
            {"stock_vehicle": _("Vehicle %(vin)s already has an order.") % {"vin": car.vin}}
        ) from None


def _valuer(value):
    """A person working in the dealership (who valued the car)."""
    from org.models import StaffMember

    if value in (None, ""):
        return None
    user = (
        get_user_model()
        .objects.filter(
            pk=_pk(value),
            pk__in=StaffMember.objects.filter(is_active=True).values("user_id"),
        )
        .first()
    )
    if user is None:
        raise ValidationError({"valued_by": _("Choose a person of this dealership.")})
    return user


@transaction.atomic
def tradein_save(*, actor, order_id, **fields) -> TradeIn:
    """Record or change the order's used car taken in part exchange (one per order)."""
    order = _lock_order(actor, order_id)
    unknown = set(fields) - set(TRADEIN_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    trade_in = TradeIn.objects.select_for_update().filter(order=order).first()
    before = None
    if trade_in is None:
        check_model_permission(actor, TradeIn, "add")
        trade_in = TradeIn(dealership_id=order.dealership_id, order=order, valued_by=None)
    else:
        before = snapshot(trade_in, TRADEIN_FIELDS)
    for name in ("brand", "model", "notes"):
        if name in fields:
            setattr(trade_in, name, str(fields[name] or "").strip())
    if not trade_in.brand:
        raise ValidationError({"brand": _("Enter the brand of the used car.")})
    if not trade_in.model:
        raise ValidationError({"model": _("Enter the model of the used car.")})
    if "vin" in fields:
        trade_in.vin = normalise_vin(fields["vin"]) if fields["vin"] else ""
    if "plate" in fields:
        trade_in.plate = normalise_plate(fields["plate"])
    if "first_registered_on" in fields:
        trade_in.first_registered_on = _past_date(
            fields["first_registered_on"],
            "first_registered_on",
            _("of the first registration"),
            required=False,
        )
    if "mileage" in fields:
        mileage = fields["mileage"]
        if mileage not in (None, "") and (not isinstance(mileage, int) or mileage < 0):
            raise ValidationError({"mileage": _("The mileage is a whole number of km, 0 or more.")})
        trade_in.mileage = None if mileage in (None, "") else mileage
    if "valuation" in fields or before is None:
        trade_in.valuation = money(fields.get("valuation"), "valuation", required=True)
    if "valued_by" in fields:
        trade_in.valued_by = _valuer(fields["valued_by"])
    if trade_in.valued_by_id is None:
        trade_in.valued_by = actor if getattr(actor, "pk", None) else None
    return save_audited(actor=actor, obj=trade_in, before=before, fields=TRADEIN_FIELDS)
