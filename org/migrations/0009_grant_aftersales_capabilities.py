"""Existing dealerships get what the template added with the after-sales module: clocking on
workshop jobs, parts for the front desk, the customer file for the service department, and the
after-sales info clerk's entries; cells a dealership already set are left as they are."""

from django.db import migrations

WANTED = {
    None: {"aftersales.work_job", "aftersales.view_parts"},
    "service_advisor": {"crm.change_customer"},
    "workshop_supervisor": {"crm.change_customer"},
    "aftersales_info_clerk": {"aftersales.change_repair_order", "crm.view_customer"},
}


def grant(apps, schema_editor):
    from org.template import grant_missing

    grant_missing(apps, WANTED)


class Migration(migrations.Migration):
    dependencies = [("org", "0008_aftersales_capabilities")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
