"""Writes of price lists (公司新产品市场价格, 000 销售总监 "…经批准后执行").

A price list gives one model and trim its MSRP, the dealer's purchase price and the floor price
from a day. The sales department drafts it (``sales.change_price_list``); it takes effect only
once the sales director, the deputy GM and the GM have approved it (kind ``sales.price_list``):
the approved list with the latest ``valid_from`` not after a day is the one in effect that day
(:func:`sales.selectors.pricing.price_in_effect`), so a newly approved list supersedes the
previous one from its date. Approving a second list for the same model, trim and day replaces
the first (state "superseded").

Quotes take their list price from the list in effect when none is typed and no stock car is
chosen, and a quote whose price after discount falls below the floor goes to the sales
manager like a discount above the consultant's limit (:mod:`sales.services.quotes`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealership.access import check_model_permission, lock_for_user
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope
from org.approvals.kinds import RequestKind, Step
from sales.models import PriceList, PriceListState
from sales.money import money
from sales.services.approval import decider, request_for

__all__ = [
    "PRICE_LIST_FIELDS",
    "PRICE_LIST_KIND",
    "pricelist_create",
    "pricelist_submit",
    "pricelist_update",
]

KIND_CODE = "sales.price_list"
PRICE_LIST_FIELDS = (
    "model",
    "trim",
    "msrp",
    "dealer_price",
    "floor_price",
    "valid_from",
    "notes",
)
AUDITED = (*PRICE_LIST_FIELDS, "state", "request", "approved_at")
EDITABLE = (PriceListState.DRAFT, PriceListState.REJECTED)


def _pk(value):
    return getattr(value, "pk", value)


def _check(price_list: PriceList) -> None:
    price_list.model = (price_list.model or "").strip()
    price_list.trim = (price_list.trim or "").strip()
    price_list.notes = (price_list.notes or "").strip()
    if not price_list.model:
        raise ValidationError({"model": _("Enter the model.")})
    for name in ("msrp", "dealer_price", "floor_price"):
        setattr(price_list, name, money(getattr(price_list, name), name, required=True))
    if not price_list.msrp:
        raise ValidationError({"msrp": _("Enter the MSRP.")})
    if price_list.floor_price > price_list.msrp:
        raise ValidationError({"floor_price": _("The floor price cannot be above the MSRP.")})
    if price_list.dealer_price > price_list.msrp:
        raise ValidationError({"dealer_price": _("The dealer price cannot be above the MSRP.")})
    if not isinstance(price_list.valid_from, dt.date):
        raise ValidationError({"valid_from": _("Enter the day the prices take effect.")})
    price_list.full_clean(exclude=["request", "created_by"])


@transaction.atomic
def pricelist_create(
    *,
    actor,
    model: str,
    msrp,
    dealer_price,
    floor_price,
    valid_from,
    trim: str = "",
    notes: str = "",
) -> PriceList:
    """A draft price list of ``model`` and ``trim`` from ``valid_from``."""
    check_model_permission(actor, PriceList, "add")
    price_list = PriceList(
        dealership_id=get_scope().current_id,
        model=model,
        trim=trim,
        msrp=msrp,
        dealer_price=dealer_price,
        floor_price=floor_price,
        valid_from=valid_from,
        notes=notes,
        created_by=actor,
    )
    _check(price_list)
    return save_audited(actor=actor, obj=price_list, before=None, fields=AUDITED)


@transaction.atomic
def pricelist_update(*, actor, pricelist_id, **fields) -> PriceList:
    """Change a draft or a rejected list (a rejected one becomes a draft again)."""
    unknown = set(fields) - set(PRICE_LIST_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    price_list = lock_for_user(actor, PriceList, _pk(pricelist_id), "change")
    if price_list.state not in EDITABLE:
        raise ValidationError(
            _("Only a draft or a rejected price list can be changed; this one is %(state)s.")
            % {"state": price_list.get_state_display()}
        )
    before = snapshot(price_list, AUDITED)
    for name, value in fields.items():
        setattr(price_list, name, value)
    price_list.state = PriceListState.DRAFT
    _check(price_list)
    return save_audited(actor=actor, obj=price_list, before=before, fields=AUDITED)


def _subject(price_list: PriceList) -> str:
    return _("Price list %(model)s %(trim)s from %(day)s") % {
        "model": price_list.model,
        "trim": price_list.trim,
        "day": f"{price_list.valid_from:%Y-%m-%d}",
    }


def _description(price_list: PriceList) -> str:
    return _("MSRP %(msrp)s, dealer price %(dealer)s, floor price %(floor)s.") % {
        "msrp": f"{price_list.msrp:,.2f}",
        "dealer": f"{price_list.dealer_price:,.2f}",
        "floor": f"{price_list.floor_price:,.2f}",
    }


@transaction.atomic
def pricelist_submit(*, actor, pricelist_id) -> PriceList:
    """Send a draft (or a rejected list, changed) for approval: sales director → deputy GM →
    GM. A list cannot take effect before today."""
    from org.approvals import services as approvals

    price_list = lock_for_user(actor, PriceList, _pk(pricelist_id), "change")
    if price_list.state not in EDITABLE:
        raise ValidationError(
            _("Only a draft price list is sent for approval; this one is %(state)s.")
            % {"state": price_list.get_state_display()}
        )
    _check(price_list)
    if price_list.valid_from < timezone.localdate():
        raise ValidationError(
            {"valid_from": _("A price list takes effect from today or a later day.")}
        )
    before = snapshot(price_list, AUDITED)
    request = request_for(
        actor=actor,
        obj=price_list,
        kind_code=KIND_CODE,
        subject=_subject(price_list),
        description=_description(price_list),
    )
    price_list.request = request
    price_list.state = PriceListState.PENDING
    save_audited(actor=actor, obj=price_list, before=before, fields=AUDITED)
    approvals.request_submit(actor=actor, request_id=request.pk)
    price_list.refresh_from_db()  # approved at once when nobody is there to decide
    return price_list


# --- the approval kind (callbacks run inside the deciding transaction) ---------------------------


def _list_of(request) -> PriceList | None:
    return PriceList.objects.select_for_update().filter(request_id=request.pk).first()


def _move(request, state: str, *, actor=None, unlink: bool = False) -> None:
    price_list = _list_of(request)
    if price_list is None or price_list.state != PriceListState.PENDING:
        return
    actor = actor or decider(request)
    if state == PriceListState.APPROVED:
        # a list approved earlier for the same model, trim and day gives way to this one
        for older in PriceList.objects.select_for_update().filter(
            model=price_list.model,
            trim=price_list.trim,
            valid_from=price_list.valid_from,
            state=PriceListState.APPROVED,
        ):
            older_before = snapshot(older, AUDITED)
            older.state = PriceListState.SUPERSEDED
            save_audited(actor=actor, obj=older, before=older_before, fields=AUDITED)
        price_list.approved_at = timezone.now()
    before = snapshot(price_list, AUDITED)
    price_list.state = state
    if unlink:
        price_list.request = None
    save_audited(actor=actor, obj=price_list, before=before, fields=AUDITED)


def _approved(request) -> None:
    _move(request, PriceListState.APPROVED)


def _rejected(request) -> None:
    _move(request, PriceListState.REJECTED)


def _returned(request) -> None:
    """Back to draft: the requester changes it and submits it again (the same request)."""
    _move(request, PriceListState.DRAFT)


def _withdrawn(request) -> None:
    _move(request, PriceListState.DRAFT, actor=request.requester, unlink=True)


def _details(request, user) -> list:
    from django.utils.html import format_html

    from dealership.access import permitted_ids

    price_list = PriceList.objects.filter(request_id=request.pk).first()
    if price_list is None:
        return []
    name = f"{price_list.model} {price_list.trim}".strip()
    if permitted_ids(user, PriceList, "view", [price_list.pk]):
        name = format_html(
            '<a href="{}" data-testid="price-list">{}</a>', price_list.get_absolute_url(), name
        )
    return [
        (_("Price list"), name),
        (_("Valid from"), f"{price_list.valid_from:%Y-%m-%d}"),
        (_("MSRP"), f"{price_list.msrp:,.2f}"),
        (_("Dealer price"), f"{price_list.dealer_price:,.2f}"),
        (_("Floor price"), f"{price_list.floor_price:,.2f}"),
    ]


def _edit_url(request) -> str | None:
    price_list = PriceList.objects.filter(request_id=request.pk).first()
    return price_list.get_absolute_url() if price_list is not None else None


PRICE_LIST_KIND = RequestKind(
    code=KIND_CODE,
    label=gettext_lazy("Price list"),
    default_chain=[
        Step.at("sales_director"),
        Step.at("deputy_gm"),
        Step.at("gm"),
    ],
    amount_required=False,
    on_approved=_approved,
    on_rejected=_rejected,
    on_returned=_returned,
    on_withdrawn=_withdrawn,
    details=_details,
    edit_url=_edit_url,
)
