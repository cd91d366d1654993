"""Existing dealerships get what the template added with the follow-up module: the CRM team
keeps the follow-up rules, questionnaires, owner-club members and reminders; the sales and
service managers handle the complaints routed to their department; the CRM director reads the
log of phone numbers shown. Cells a dealership already set are left as they are."""

from django.db import migrations

WANTED = {
    None: {"crm.change_survey", "crm.change_member", "crm.change_complaint"},
    "crm_director": {"crm.view_phone_log"},
}


def grant(apps, schema_editor):
    from org.template import grant_missing

    grant_missing(apps, WANTED)


class Migration(migrations.Migration):
    dependencies = [("org", "0010_crm_capabilities")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
