"""What the top bar's search finds in crm (``dealership.search``): customers by name, mobile
(or its last four digits) and by their vehicles' plate or VIN; vehicles by plate and VIN (or
its tail); complaints by number and customer; follow-up calls by customer. Rows through the
chokepoint as on the lists; phone numbers as :func:`crm.services.privacy.phones_shown` shows
them (masked unless the viewer may see them, every full number logged)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealership.search import (
    AmongRows,
    Kind,
    SearchField,
    SearchProvider,
    document_fields,
    joined,
    part,
    person_fields,
    register_search,
    vehicle_fields,
)


def _owns_vehicle(condition: Q) -> Q:
    """The customer owns a vehicle matching ``condition`` (its index serves it, see AmongRows)."""
    from crm.models import Vehicle

    return Q(AmongRows("pk", Vehicle.objects.filter(condition).values("owner_id")))


def _customer_lines(rows, *, user, context):
    from crm.services.privacy import phones_shown

    phones = phones_shown(user=user, customers=rows, context=context)
    return [(row.name, phones[row.pk]["mobile"] or "") for row in rows]


def _vehicle_lines(rows, *, user, context):
    lines = []
    for row in rows:
        what = " ".join(p for p in (row.brand, row.model) if p)
        owner = row.owner.name if row.owner_id else ""
        lines.append((row.plate or row.vin, joined(row.vin, what, owner)))
    return lines


def _complaint_lines(rows, *, user, context):
    return [(row.number, joined(row.customer.name, row.get_state_display())) for row in rows]


def _followup_lines(rows, *, user, context):
    return [
        (
            row.customer.name,
            joined(row.get_kind_display(), row.event_date, row.get_status_display()),
        )
        for row in rows
    ]


def register() -> None:
    from crm.models import Complaint, Customer, FollowUp, Vehicle

    register_search(
        SearchProvider(
            key="crm.customer",
            label=_("Customers"),
            model=Customer,
            icon="bi-person",
            order=10,
            fields=(
                SearchField(Kind.NAME, part("name")),
                SearchField(Kind.INITIALS, "name_initials__search_head"),
                SearchField(Kind.MOBILE, lambda v: Q(mobile=v) | Q(mobile_alt=v)),
                SearchField(
                    Kind.MOBILE_TAIL,
                    lambda v: Q(mobile__search_tail=v) | Q(mobile_alt__search_tail=v),
                ),
                SearchField(Kind.PLATE, lambda v: _owns_vehicle(Q(plate=v))),
                SearchField(Kind.PLATE_PART, lambda v: _owns_vehicle(part("plate")(v))),
                SearchField(Kind.VIN, lambda v: _owns_vehicle(Q(vin=v))),
                SearchField(Kind.VIN_TAIL, lambda v: _owns_vehicle(Q(vin__search_tail=v))),
            ),
            describe=_customer_lines,
            list_url="crm:customer_list",
        )
    )
    register_search(
        SearchProvider(
            key="crm.vehicle",
            label=_("Vehicles"),
            model=Vehicle,
            icon="bi-car-front",
            order=20,
            fields=vehicle_fields(),
            queryset=lambda: Vehicle.objects.select_related("owner"),
            describe=_vehicle_lines,
            list_url="crm:vehicle_list",
        )
    )
    register_search(
        SearchProvider(
            key="crm.complaint",
            label=_("Complaints"),
            model=Complaint,
            icon="bi-exclamation-octagon",
            order=60,
            fields=document_fields("number") + person_fields(),
            queryset=lambda: Complaint.objects.select_related("customer"),
            describe=_complaint_lines,
            list_url="crm:complaint_list",
        )
    )
    register_search(
        SearchProvider(
            key="crm.followup",
            label=_("Follow-up calls"),
            model=FollowUp,
            icon="bi-telephone",
            order=70,
            fields=person_fields(),
            queryset=lambda: FollowUp.objects.select_related("customer"),
            describe=_followup_lines,
        )
    )
