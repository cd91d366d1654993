"""Existing dealerships get what the template added with the rest of the source documents
(#18): notices, meetings, training and the rota for the admin office and the managers; price
lists and the sub-dealer network for the sales leads; after-sales targets for the service
leads; enquiries, SSI/CSI plans, marketing and thank-you letters for the CRM team. Cells a
dealership already set are left as they are."""

from django.db import migrations

WANTED = {
    None: {
        "org.change_notice",
        "org.change_meeting",
        "org.change_training",
        "org.change_rota",
        "sales.change_price_list",
        "sales.change_network",
        "aftersales.change_target",
        "crm.view_enquiry",
        "crm.change_enquiry",
        "crm.change_csi_plan",
        "crm.view_marketing",
        "crm.change_campaign",
        "crm.change_letter",
    },
}


def grant(apps, schema_editor):
    from org.template import grant_missing

    grant_missing(apps, WANTED)


class Migration(migrations.Migration):
    dependencies = [("org", "0014_office")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
