"""Existing dealerships get the sales capabilities the template added with the sales module
(stock, plans; the sales info clerk enters orders), on the positions that still carry their
template code; cells a dealership already set are left as they are."""

from django.db import migrations

NEW = {
    "sales.view_stock",
    "sales.change_stock",
    "sales.change_plan",
}
CLERK = {
    "sales.change_order",
    "crm.view_customer",
    "crm.change_customer",
    "crm.view_customer_phone",
}


def grant(apps, schema_editor):
    from dealership.tenancy import system_context
    from org.template import capability_grants

    with system_context():  # row-level security: every dealership's rows
        _grant(apps, capability_grants())


def _grant(apps, grants):
    Position = apps.get_model("org", "Position")
    PositionCapability = apps.get_model("org", "PositionCapability")
    rows = []
    for position in Position.objects.all().iterator():
        wanted = NEW | (CLERK if position.code == "sales_info_clerk" else set())
        for capability, scope in grants.get(position.code, {}).items():
            if capability in wanted:
                rows.append(
                    PositionCapability(
                        dealership_id=position.dealership_id,
                        position=position,
                        capability=capability,
                        scope=int(scope),
                    )
                )
    PositionCapability.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("org", "0006_sales_capabilities")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
