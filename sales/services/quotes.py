"""Writes of quotes, their items and the discount approval.

A quote offers a car (typed, or a free car of the stock) with accessories (精品), insurance,
registration fees and finance; its total is computed here, never taken from input. The discount
is checked against the actor's limit (:class:`~sales.models.DiscountLimit`, the largest of the
positions they hold): within it the quote is ready (``approved``) at once; above it the quote
waits (``pending``) for the sales manager through the approval engine (kind ``sales.discount``).
Without a typed list price (and no stock car) the MSRP of the price list in effect for the model
and trim is taken; a price after discount below that list's floor price waits for the same
approval, whatever the consultant's limit.
Creating a quote moves its lead to the stage "quote"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealership.access import check_model_permission, lock_for_user
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.approvals.kinds import RequestKind, Step
from sales.models import (
    DiscountLimit,
    Lead,
    Quote,
    QuoteItem,
    QuoteStatus,
    Stage,
    StockStatus,
    StockVehicle,
)
from sales.money import ZERO, money
from sales.selectors.salesplans import price_in_effect
from sales.services.stages import lead_advance

__all__ = [
    "LOAN_TERMS",
    "MAX_QUOTE_ITEMS",
    "QUOTE_FIELDS",
    "below_floor",
    "discount_limit_for",
    "discount_limit_set",
    "discount_limits_seed",
    "quote_create",
    "quote_update",
]

LOAN_TERMS = (12, 24, 36, 48, 60)
MAX_QUOTE_ITEMS = 20
QUOTE_FIELDS = (
    "vehicle_model",
    "vehicle_trim",
    "vehicle_colour",
    "list_price",
    "discount",
    "insurance_company",
    "insurance_amount",
    "registration_fee",
    "loan",
    "loan_term_months",
    "down_payment",
    "valid_until",
    "notes",
)
AUDITED = (
    *QUOTE_FIELDS,
    "lead",
    "customer",
    "consultant",
    "stock_vehicle",
    "accessories_total",
    "total",
    "status",
    "discount_request",
)
EDITABLE = (QuoteStatus.DRAFT, QuoteStatus.REJECTED)
FREE = (StockStatus.IN_STOCK, StockStatus.IN_TRANSIT)

# the default discount a holder of each sales position may give without approval (CNY)
DEFAULT_LIMITS = {
    "sales_consultant": Decimal("3000"),
    "key_account_manager": Decimal("3000"),
    "showroom_supervisor": Decimal("8000"),
    "sales_manager": Decimal("20000"),
    "sales_director": Decimal("50000"),
}


def _pk(value):
    return getattr(value, "pk", value)


# --- discount limits ----------------------------------------------------------------------------


def discount_limits_seed(dealership) -> None:
    """A dealership initializer: a limit row for every position of the sales department (the
    defaults above, others 0). Idempotent: existing rows are never touched."""
    from org.models import Position

    positions = Position.objects.filter(dealership=dealership, department__kind="sales")
    have = set(
        DiscountLimit.objects.filter(dealership=dealership).values_list("position_id", flat=True)
    )
    DiscountLimit.objects.bulk_create(
        [
            DiscountLimit(
                dealership=dealership,
                position=position,
                max_amount=DEFAULT_LIMITS.get(position.code, ZERO),
            )
            for position in positions
            if position.pk not in have
        ]
    )


def discount_limit_for(user) -> Decimal:
    """The largest discount ``user`` may give without approval: the largest limit of the
    positions they hold in the current dealership (none: 0). Who approves discounts for the
    whole dealership (the GM, the deputy GM) has no limit: they would approve it themselves."""
    from org.access import user_access
    from org.capabilities import Capability, DataScope
    from org.models import PositionAssignment

    if hasattr(user, "pk") and user_access(user).scope_for(Capability.SALES_APPROVE_DISCOUNT) in (
        DataScope.DEALERSHIP,
        DataScope.GROUP,
    ):
        return Decimal("Infinity")

    held = PositionAssignment.objects.filter(
        dealership_id=get_scope().current_id, staff__user_id=_pk(user), staff__is_active=True
    ).values("position_id")
    amounts = DiscountLimit.objects.filter(position_id__in=held).values_list(
        "max_amount", flat=True
    )
    return max(amounts, default=ZERO)


@transaction.atomic
def discount_limit_set(*, actor, position_id, max_amount) -> DiscountLimit:
    """Set the limit of one position of the dealership (holders of ``sales.change_plan``)."""
    from org.models import Position

    check_model_permission(actor, DiscountLimit, "change")
    amount = money(max_amount, "max_amount", required=True)
    limit = DiscountLimit.objects.filter(position_id=_pk(position_id)).first()
    if limit is None:
        position = Position.objects.filter(pk=_pk(position_id), department__kind="sales").first()
        if position is None:
            raise ValidationError({"position": _("Choose a position of the sales department.")})
        check_model_permission(actor, DiscountLimit, "add")
        limit = DiscountLimit(dealership_id=get_scope().current_id, position=position)
        before = None
    else:
        limit = lock_for_user(actor, DiscountLimit, limit.pk, "change")
        before = snapshot(limit, ["position", "max_amount"])
    limit.max_amount = amount
    return save_audited(actor=actor, obj=limit, before=before, fields=["position", "max_amount"])


# --- quotes ---------------------------------------------------------------------------------------


def _lock_lead(actor, value) -> Lead:
    if value in (None, ""):
        raise ValidationError({"lead": _("Choose the lead the quote is for.")})
    if not Lead.objects.for_user(actor, "view").filter(pk=_pk(value)).exists():
        raise ValidationError({"lead": _("Choose one of your leads.")})
    # a quote or an order moves the lead on as a consequence: seeing the lead is enough (the
    # sales info clerk enters orders of the floor's leads without changing prospects)
    lead = Lead.objects.select_for_update().get(pk=_pk(value))
    if lead.stage == Stage.LOST:
        raise ValidationError(
            {"lead": _("This lead is lost; reactivate it before quoting or ordering.")}
        )
    return lead


def _free_car(actor, value, field: str = "stock_vehicle") -> StockVehicle | None:
    if value in (None, ""):
        return None
    car = StockVehicle.objects.for_user(actor, "view").filter(pk=_pk(value)).first()
    if car is None:
        raise ValidationError({field: _("Choose a car of the dealership's stock.")})
    if car.status not in FREE:
        raise ValidationError(
            {
                field: _("Vehicle %(vin)s is no longer free (%(status)s).")
                % {"vin": car.vin, "status": car.get_status_display()}
            }
        )
    return car


def _items(items) -> list[QuoteItem]:
    rows = []
    for n, item in enumerate(items or [], start=1):
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationError({"items": _("Item %(n)s: enter its name.") % {"n": n}})
        quantity = item.get("quantity") or 1
        try:
            quantity = int(quantity)
        except (TypeError, ValueError):
            raise ValidationError(
                {"items": _("Item %(n)s: the quantity is a whole number.") % {"n": n}}
            ) from None
        if not 1 <= quantity <= 999:
            raise ValidationError(
                {"items": _("Item %(n)s: the quantity is from 1 to 999.") % {"n": n}}
            )
        try:
            price = money(item.get("unit_price"), "items", required=True)
        except ValidationError as error:
            raise ValidationError(
                {"items": _("Item %(n)s: %(error)s") % {"n": n, "error": error.messages[0]}}
            ) from None
        rows.append(QuoteItem(name=name[:100], quantity=quantity, unit_price=price))
    if len(rows) > MAX_QUOTE_ITEMS:
        raise ValidationError(
            {"items": _("A quote has at most %(n)s items.") % {"n": MAX_QUOTE_ITEMS}}
        )
    return rows


def _apply(quote: Quote, fields: dict, car: StockVehicle | None, items: list[QuoteItem]) -> None:
    """Set the fields, take the vehicle from the stock car, compute the totals, validate."""
    unknown = set(fields) - set(QUOTE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    for name in ("vehicle_model", "vehicle_trim", "vehicle_colour", "insurance_company", "notes"):
        if name in fields:
            setattr(quote, name, str(fields[name] or "").strip())
    for name in ("insurance_amount", "registration_fee", "discount"):
        if name in fields:
            setattr(quote, name, money(fields[name], name))
    if "list_price" in fields:
        quote.list_price = money(fields["list_price"], "list_price", default=None)
    if "loan" in fields:
        quote.loan = bool(fields["loan"])
    if "loan_term_months" in fields:
        quote.loan_term_months = fields["loan_term_months"] or None
    if "down_payment" in fields:
        quote.down_payment = money(fields["down_payment"], "down_payment", default=None)
    if "valid_until" in fields:
        quote.valid_until = fields["valid_until"] or None
    quote.stock_vehicle = car
    if car is not None:
        quote.vehicle_model, quote.vehicle_trim = car.model, car.trim
        quote.vehicle_colour, quote.list_price = car.colour, car.list_price
    if not quote.vehicle_model:
        raise ValidationError({"vehicle_model": _("Enter the model, or choose a stock car.")})
    if quote.list_price is None:
        # the MSRP of the price list in effect for the model and trim
        in_effect = price_in_effect(quote.vehicle_model, quote.vehicle_trim)
        if in_effect is not None:
            quote.list_price = in_effect.msrp
    if quote.list_price is None:
        raise ValidationError(
            {"list_price": _("Enter the list price (no price list is in effect for this model).")}
        )
    if quote.discount > quote.list_price:
        raise ValidationError({"discount": _("The discount cannot be more than the list price.")})
    valid_until = quote.valid_until
    if valid_until is not None and (
        not isinstance(valid_until, dt.date) or valid_until < timezone.localdate()
    ):
        raise ValidationError({"valid_until": _("A quote cannot be valid until a past date.")})
    quote.accessories_total = sum((i.unit_price * i.quantity for i in items), ZERO)
    quote.total = (
        quote.list_price
        - quote.discount
        + quote.accessories_total
        + quote.insurance_amount
        + quote.registration_fee
    )
    if quote.loan:
        if quote.loan_term_months not in LOAN_TERMS:
            raise ValidationError(
                {
                    "loan_term_months": _("Choose a loan term of %(terms)s months.")
                    % {"terms": "/".join(str(t) for t in LOAN_TERMS)}
                }
            )
        if quote.down_payment is None:
            raise ValidationError({"down_payment": _("Enter the down payment of the loan.")})
        if quote.down_payment > quote.total:
            raise ValidationError(
                {"down_payment": _("The down payment cannot be more than the total.")}
            )
    else:
        quote.loan_term_months = None
        quote.down_payment = None
    quote.full_clean(exclude=["discount_request"])


def _save_items(quote: Quote, items: list[QuoteItem]) -> None:
    quote.items.all().delete()
    for item in items:
        item.dealership_id = quote.dealership_id
        item.quote = quote
        item.full_clean()
    QuoteItem.objects.bulk_create(items)


def _subject(quote: Quote) -> str:
    return _("Discount %(amount)s CNY: %(customer)s, %(model)s") % {
        "amount": quote.discount,
        "customer": quote.customer.name,
        "model": quote.vehicle_model,
    }


def below_floor(quote: Quote) -> bool:
    """Is the car's price after the discount below the floor price of the list in effect?
    (Then the quote waits for the sales manager's approval like a discount above the limit.)"""
    in_effect = price_in_effect(quote.vehicle_model, quote.vehicle_trim)
    if in_effect is None or quote.list_price is None:
        return False
    return quote.list_price - quote.discount < in_effect.floor_price


def _approval_amount(quote: Quote) -> Decimal:
    """The amount the approver decides on: the discount, or — below the floor of the list in
    effect — how far the price is under that list's MSRP (never zero: a list price typed below
    the floor without a discount is still a reduction)."""
    in_effect = price_in_effect(quote.vehicle_model, quote.vehicle_trim)
    if in_effect is None or not below_floor(quote):
        return quote.discount
    return max(quote.discount, in_effect.msrp - (quote.list_price - quote.discount))


def _check_discount(actor, quote: Quote) -> None:
    """Within the actor's limit the quote is ready; above it, it waits for approval (a new
    request, or the returned one submitted again)."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalRequest

    Status = ApprovalRequest.Status
    old = quote.discount_request
    reusable = (
        old is not None
        and old.status in (Status.RETURNED, Status.DRAFT)
        and old.requester_id == _pk(actor)
    )
    if quote.discount <= discount_limit_for(actor) and not below_floor(quote):
        if reusable:
            approvals.request_withdraw(actor=actor, request_id=old.pk)
        quote.status = QuoteStatus.APPROVED
        return
    if reusable:
        request = approvals.request_update(
            actor=actor, request_id=old.pk, subject=_subject(quote), amount=_approval_amount(quote)
        )
    else:
        request = approvals.request_create(
            actor=actor,
            kind=DISCOUNT_KIND.code,
            subject=_subject(quote),
            amount=_approval_amount(quote),
            description=quote.notes,
        )
    quote.discount_request = request
    quote.status = QuoteStatus.PENDING
    quote.save(update_fields=["discount_request", "status", "updated_at"])
    quote.discount_request = approvals.request_submit(actor=actor, request_id=request.pk)


@transaction.atomic
def quote_create(*, actor, lead, stock_vehicle=None, items=(), **fields) -> Quote:
    """A quote for ``lead`` (its customer and consultant) by ``actor``; ready at once or
    waiting for the discount's approval. The lead moves to the stage "quote"."""
    check_model_permission(actor, Quote, "add")
    lead = _lock_lead(actor, lead)
    car = _free_car(actor, stock_vehicle)
    rows = _items(items)
    quote = Quote(
        dealership_id=get_scope().current_id,
        lead=lead,
        customer=lead.customer,
        consultant=lead.consultant,
        status=QuoteStatus.DRAFT,
    )
    _apply(quote, fields, car, rows)
    quote.save()
    _save_items(quote, rows)
    _check_discount(actor, quote)
    quote.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=quote,
        before=None,
        after=snapshot(quote, AUDITED),
    )
    lead_advance(actor=actor, lead=lead, stage=Stage.QUOTE)
    return quote


_UNSET = object()


@transaction.atomic
def quote_update(*, actor, quote_id, stock_vehicle=_UNSET, items=None, **fields) -> Quote:
    """Change a draft quote or one whose discount was refused; the discount is checked again.
    ``items`` (when given) replace the quote's items; ``stock_vehicle`` (when given) the car."""
    quote = lock_for_user(actor, Quote, quote_id, "change")
    if quote.status not in EDITABLE:
        raise ValidationError(
            _("Only a draft quote or one whose discount was refused can be changed.")
        )
    lead = Lead.objects.select_for_update().get(pk=quote.lead_id)
    if lead.stage == Stage.LOST:
        raise ValidationError(
            {"lead": _("This lead is lost; reactivate it before quoting or ordering.")}
        )
    before = snapshot(quote, AUDITED)
    if stock_vehicle is _UNSET:
        car = quote.stock_vehicle
        if car is not None and car.status not in FREE:
            car = None  # the car went to someone else: the typed vehicle stays
    else:
        car = _free_car(actor, stock_vehicle)
    rows = (
        _items(items)
        if items is not None
        else [
            QuoteItem(name=i.name, quantity=i.quantity, unit_price=i.unit_price)
            for i in quote.items.all()
        ]
    )
    _apply(quote, fields, car, rows)
    quote.save()
    if items is not None:
        _save_items(quote, rows)
    _check_discount(actor, quote)
    quote.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=quote,
        before=before,
        after=snapshot(quote, AUDITED),
    )
    return quote


# --- the approval kind ----------------------------------------------------------------------------


def _quote_of(request) -> Quote | None:
    return Quote.objects.select_for_update().filter(discount_request_id=request.pk).first()


def _moved(status: str):
    def callback(request) -> None:
        """The engine decided the discount: the quote follows (inside the deciding
        transaction)."""
        quote = _quote_of(request)
        if quote is None or quote.status != QuoteStatus.PENDING:
            return
        before = snapshot(quote, ["status"])
        quote.status = status
        quote.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=None,
            action=AuditEntry.Action.UPDATE,
            obj=quote,
            before=before,
            after=snapshot(quote, ["status"]),
        )

    return callback


def _details(request, user) -> list:
    from django.utils.html import format_html

    from dealership.access import permitted_ids

    quote = (
        Quote.objects.select_related("customer", "consultant")
        .filter(discount_request_id=request.pk)
        .first()
    )
    if quote is None:
        return []
    vehicle = " ".join(
        v for v in (quote.vehicle_model, quote.vehicle_trim, quote.vehicle_colour) if v
    )
    rows = [
        (_("Customer"), quote.customer.name),
        (_("Vehicle"), vehicle),
        (_("List price"), f"{quote.list_price:,.2f}"),
        (_("Discount"), f"{quote.discount:,.2f}"),
        (_("Consultant's limit"), f"{discount_limit_for(request.requester_id):,.2f}"),
        (_("Total"), f"{quote.total:,.2f}"),
    ]
    in_effect = price_in_effect(quote.vehicle_model, quote.vehicle_trim)
    if in_effect is not None:
        rows.append((_("Floor price"), f"{in_effect.floor_price:,.2f}"))
    if permitted_ids(user, Quote, "view", [quote.pk]):
        rows.append(
            (
                _("Quote"),
                format_html(
                    '<a href="{}" data-testid="sales-quote">{}</a>',
                    quote.get_absolute_url(),
                    _("Open the quote"),
                ),
            )
        )
    return rows


def _edit_url(request) -> str | None:
    from django.urls import reverse

    quote = Quote.objects.filter(discount_request_id=request.pk).first()
    if quote is None:
        return None
    return reverse("sales:quote_edit", kwargs={"pk": quote.pk})


DISCOUNT_KIND = RequestKind(
    code="sales.discount",
    label=gettext_lazy("Discount above the limit"),
    default_chain=[Step.at("sales_manager", alternate="sales_director")],
    amount_required=True,
    on_approved=_moved(QuoteStatus.APPROVED),
    on_rejected=_moved(QuoteStatus.REJECTED),
    on_returned=_moved(QuoteStatus.DRAFT),
    on_withdrawn=_moved(QuoteStatus.DRAFT),
    details=_details,
    edit_url=_edit_url,
)
