"""What after-sales prints for the customer (``dealership.documents``): the repair order's work
authorisation (任务委托书), signed by the customer at check-in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.documents import DocumentKind, register_document


def _lines(repair_order) -> dict:
    return {"lines": list(repair_order.lines.all())}


def register() -> None:
    from aftersales.models import RepairOrder
    from aftersales.selectors.repairs import repairorder_detail_queryset

    register_document(
        DocumentKind(
            key="aftersales.work_order",
            title=_("Work authorisation"),
            model=RepairOrder,
            template="aftersales/documents/work_order.html",
            number=lambda repair_order: repair_order.number,
            context=_lines,
            queryset=repairorder_detail_queryset,
        )
    )
