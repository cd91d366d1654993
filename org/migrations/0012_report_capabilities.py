"""The customer-relations manager submits the monthly reports to the car maker (the CRM
department reports to the OEM): existing dealerships get ``reports.export_oem`` for that
position. Cells a dealership already set are left as they are."""

from django.db import migrations

WANTED = {"customer_relations_manager": {"reports.export_oem"}}


def grant(apps, schema_editor):
    from org.template import grant_missing

    grant_missing(apps, WANTED)


class Migration(migrations.Migration):
    dependencies = [("org", "0011_grant_crm_capabilities"), ("dealership", "0008_reports")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
