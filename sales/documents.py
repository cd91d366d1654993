"""What sales prints for the customer (``dealership.documents``): the quote (报价单), the order
with its deposit receipt (订车单/定金收据) and the delivery checklist (交车确认单)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.documents import DocumentKind, register_document


def _quote_context(quote) -> dict:
    return {"items": list(quote.items.order_by("pk"))}


def _delivery_context(delivery) -> dict:
    from sales.services.deliveries import DeliveryChecklist, DeliveryDocument

    return {
        "checklist": [
            (label, code in delivery.checklist) for code, label in DeliveryChecklist.choices
        ],
        "handed": [(label, code in delivery.documents) for code, label in DeliveryDocument.choices],
    }


def register() -> None:
    from sales.models import Delivery, Order, Quote
    from sales.selectors.orders import order_detail_queryset, quote_detail_queryset
    from sales.selectors.stock import delivery_detail_queryset

    register_document(
        DocumentKind(
            key="sales.quote",
            title=_("Quote"),
            model=Quote,
            template="sales/documents/quote.html",
            number=lambda quote: f"BJ{quote.dealership_id:03d}-{quote.pk:06d}",
            context=_quote_context,
            queryset=quote_detail_queryset,
        )
    )
    register_document(
        DocumentKind(
            key="sales.order",
            title=_("Vehicle order and deposit receipt"),
            model=Order,
            template="sales/documents/order.html",
            number=lambda order: order.number,
            queryset=order_detail_queryset,
        )
    )
    register_document(
        DocumentKind(
            key="sales.delivery",
            title=_("Delivery checklist"),
            model=Delivery,
            template="sales/documents/delivery.html",
            number=lambda delivery: f"JC-{delivery.order.number}",
            context=_delivery_context,
            queryset=delivery_detail_queryset,
        )
    )
