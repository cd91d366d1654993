"""The audit log now belongs to the platform (``dealership.0005_auditentry`` took over the
table and its rows); here only the old model state goes, and the content type follows."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="dealership", model="auditentry").exists():
        content_types.objects.filter(app_label="org", model="auditentry").update(
            app_label="dealership"
        )


def restore_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="org", model="auditentry").exists():
        content_types.objects.filter(app_label="dealership", model="auditentry").update(
            app_label="org"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('dealership', '0005_auditentry'),
        ('org', '0002_tenant_keys'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditEntry')],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
