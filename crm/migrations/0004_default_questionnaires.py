"""Existing dealerships get the default SSI and CSI questionnaires (new ones get them from the
dealership initializer ``crm.services.surveys.questionnaires_seed``); a dealership that already
has a questionnaire of a kind keeps it. Runs in the system scope (row-level security)."""

from django.db import migrations


def seed(apps, schema_editor):
    from crm.services.surveys import seed_questionnaires
    from dealership.tenancy import system_context

    Dealership = apps.get_model("dealership", "Dealership")
    Questionnaire = apps.get_model("crm", "Questionnaire")
    Question = apps.get_model("crm", "Question")
    with system_context():
        for dealership_id in Dealership.objects.values_list("pk", flat=True):
            seed_questionnaires(Questionnaire, Question, dealership_id)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_followups"),
        ("dealership", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
