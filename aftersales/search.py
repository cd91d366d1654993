"""What the top bar's search finds in after-sales (``dealership.search``): repair orders by
number (or a piece of it), by the car's plate or VIN, and by customer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.search import Kind, SearchField, SearchProvider, contains, register_search


def _repairorder_lines(rows, *, user, context):
    return [
        (
            row.number,
            " · ".join(
                p
                for p in (
                    row.vehicle.plate or row.vehicle.vin,
                    row.customer.name,
                    row.get_status_display(),
                )
                if p
            ),
        )
        for row in rows
    ]


def register() -> None:
    from aftersales.models import RepairOrder

    register_search(
        SearchProvider(
            key="aftersales.repairorder",
            label=_("Repair orders"),
            model=RepairOrder,
            icon="bi-wrench-adjustable",
            order=50,
            fields=(
                SearchField(Kind.DOCUMENT, "number"),
                SearchField(Kind.DOCUMENT_PART, "number__contains"),
                SearchField(Kind.PLATE, "vehicle__plate"),
                SearchField(Kind.PLATE_PART, "vehicle__plate__contains"),
                SearchField(Kind.VIN, "vehicle__vin"),
                SearchField(Kind.VIN_TAIL, "vehicle__vin__endswith"),
                SearchField(Kind.NAME, contains("customer__name")),
            ),
            queryset=lambda: RepairOrder.objects.select_related("customer", "vehicle"),
            describe=_repairorder_lines,
            list_url="aftersales:repairorder_list",
        )
    )
