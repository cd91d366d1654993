"""Existing dealerships get the sales capabilities the template added with the sales module
(stock, plans; the sales info clerk enters orders), on the positions that still carry their
template code; cells a dealership already set are left as they are."""

from django.db import migrations

WANTED = {
    None: {"sales.view_stock", "sales.change_stock", "sales.change_plan"},
    "sales_info_clerk": {
        "sales.change_order",
        "crm.view_customer",
        "crm.change_customer",
        "crm.view_customer_phone",
    },
}


def grant(apps, schema_editor):
    from org.template import grant_missing

    grant_missing(apps, WANTED)


class Migration(migrations.Migration):
    dependencies = [("org", "0006_sales_capabilities")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
