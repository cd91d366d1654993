"""The audit log moves from ``org`` to the platform (every module records into it).

The table and its rows are kept: the model is created here in the migration state only, on
the existing ``org_auditentry`` table, which is then renamed to ``dealership_auditentry`` and
its tenant key renamed after the new app (``org.0003_move_auditentry`` drops the old state).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dealership', '0004_tenant_keys'),
        ('org', '0002_tenant_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('create', 'Created'), ('update', 'Changed'), ('delete', 'Deleted'), ('grant', 'Granted'), ('revoke', 'Revoked'), ('end', 'Ended')], max_length=10, verbose_name='action')),
                        ('object_type', models.CharField(max_length=64, verbose_name='object type')),
                        ('object_id', models.CharField(max_length=64, verbose_name='object id')),
                        ('object_repr', models.CharField(max_length=200, verbose_name='object')),
                        ('before', models.JSONField(blank=True, null=True, verbose_name='before')),
                        ('after', models.JSONField(blank=True, null=True, verbose_name='after')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='when')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
                        ('dealership', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealership.dealership', verbose_name='dealership')),
                    ],
                    options={
                        'verbose_name': 'audit entry',
                        'verbose_name_plural': 'audit log',
                        'ordering': ['-created_at', '-pk'],
                        'db_table': 'org_auditentry',
                        'constraints': [models.UniqueConstraint(fields=('dealership', 'id'), name='org_auditentry_tkey')],
                    },
                ),
            ],
            database_operations=[],
        ),
        # from here on real operations: rename the table, then the tenant key after the new app
        migrations.AlterModelTable(name='auditentry', table=None),
        migrations.RemoveConstraint(model_name='auditentry', name='org_auditentry_tkey'),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='dealership_auditentry_tkey'),
        ),
    ]
