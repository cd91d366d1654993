"""What after-sales prints for the customer (``dealership.documents``): the repair order's work
authorisation (任务委托书), signed by the customer at check-in, and its settlement (结算单),
signed at pick-up (marked "not an invoice" until the work is finished)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.documents import DocumentKind, register_document


def _lines(repair_order) -> dict:
    return {"lines": list(repair_order.lines.all())}


def _settlement(repair_order) -> dict:
    from aftersales.models import RepairStatus

    return {
        "lines": [line for line in repair_order.lines.all() if line.part_state != "returned"],
        "final": repair_order.status in (RepairStatus.READY, RepairStatus.CLOSED),
    }


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
    register_document(
        DocumentKind(
            key="aftersales.settlement",
            title=_("Settlement"),
            model=RepairOrder,
            template="aftersales/documents/settlement.html",
            number=lambda repair_order: f"JS-{repair_order.number}",
            context=_settlement,
            queryset=repairorder_detail_queryset,
        )
    )
