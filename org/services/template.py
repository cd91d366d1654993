"""The standard org chart template applied to a dealership (its initializer)."""

from __future__ import annotations

from dealership.models import Dealership
from org.models import Department, Position, PositionCapability
from org.template import capability_grants, org_chart


def org_chart_apply_template(dealership: Dealership) -> None:
    """Create the standard departments, positions and capabilities that are missing.

    Existing rows are never overwritten, so a dealership's own edits survive a re-run.
    """
    template = org_chart()
    grants = capability_grants()
    positions: dict[str, Position] = {}
    reports_to: dict[str, str | None] = {}
    for d_order, dept in enumerate(template["departments"], start=1):
        department, _created = Department.objects.get_or_create(
            dealership=dealership,
            code=dept["code"],
            defaults={
                "kind": dept["kind"],
                "name_zh": dept["name_zh"],
                "name_en": dept["name_en"],
                "order": d_order * 10,
            },
        )
        for p_order, pos in enumerate(dept["positions"], start=1):
            position, created = Position.objects.get_or_create(
                dealership=dealership,
                code=pos["code"],
                defaults={
                    "department": department,
                    "name_zh": pos["name_zh"],
                    "name_en": pos["name_en"],
                    "is_manager": pos.get("is_manager", False),
                    "responsibilities": pos.get("responsibilities", []),
                    "order": p_order * 10,
                },
            )
            positions[pos["code"]] = position
            if created:
                reports_to[pos["code"]] = pos.get("reports_to")
                PositionCapability.objects.bulk_create(
                    [
                        PositionCapability(
                            dealership=dealership, position=position, capability=cap, scope=scope
                        )
                        for cap, scope in grants.get(pos["code"], {}).items()
                    ],
                    ignore_conflicts=True,
                )
    for code, parent in reports_to.items():
        if parent and parent in positions:
            Position.objects.filter(pk=positions[code].pk).update(reports_to=positions[parent])
