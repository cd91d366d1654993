"""What the top bar's search finds in after-sales (``dealership.search``): repair orders by
number (or a piece of it), by the car's plate or VIN, and by customer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.search import (
    SearchProvider,
    document_fields,
    joined,
    person_fields,
    register_search,
    vehicle_fields,
)


def _repairorder_lines(rows, *, user, context):
    return [
        (
            row.number,
            joined(
                row.vehicle.plate or row.vehicle.vin, row.customer.name, row.get_status_display()
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
            fields=document_fields("number") + vehicle_fields("vehicle__") + person_fields(),
            queryset=lambda: RepairOrder.objects.select_related("customer", "vehicle"),
            describe=_repairorder_lines,
            list_url="aftersales:repairorder_list",
        )
    )
