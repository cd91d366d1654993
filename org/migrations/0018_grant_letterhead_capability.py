"""Existing dealerships get the letterhead capability (``org.change_dealership``) where the
template grants it: the GM (every capability) and the administration manager, whole dealership.
Cells a dealership already set are left as they are."""

from django.db import migrations

WANTED = {None: {"org.change_dealership"}}


def grant(apps, schema_editor):
    from org.template import grant_missing

    grant_missing(apps, WANTED)


class Migration(migrations.Migration):
    dependencies = [("org", "0017_letterhead_capability")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
