"""What sales prints for the customer (``dealership.documents``): the quote (报价单)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.documents import DocumentKind, register_document


def _quote_context(quote) -> dict:
    return {"items": list(quote.items.order_by("pk"))}


def register() -> None:
    from sales.models import Quote
    from sales.selectors.orders import quote_detail_queryset

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
