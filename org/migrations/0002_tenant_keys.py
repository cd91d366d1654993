"""Tenant keys: unique (dealership, id) on every tenant table, composite foreign keys between
tenant tables, and the dealership of the guardian object-permission tables."""

import dealership.tenancy.constraints
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_dealership(model_name):
    """Existing grants belong to the dealership of the record they share."""

    def fill(apps, schema_editor):
        grants = apps.get_model("org", model_name)
        staff = apps.get_model("org", "StaffMember")
        grants._base_manager.update(
            dealership_id=Subquery(
                staff._base_manager.filter(pk=OuterRef("content_object_id")).values(
                    "dealership_id"
                )[:1]
            )
        )

    return fill


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('dealership', '0004_tenant_keys'),
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterUniqueTogether(
            name='staffmembergroupobjectpermission',
            unique_together=set(),
        ),
        migrations.AlterUniqueTogether(
            name='staffmemberuserobjectpermission',
            unique_together=set(),
        ),
        migrations.AddField(
            model_name='staffmembergroupobjectpermission',
            name='dealership',
            field=models.ForeignKey(null=True, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealership.dealership', verbose_name='dealership'),
        ),
        migrations.RunPython(fill_dealership('staffmembergroupobjectpermission'), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='staffmembergroupobjectpermission',
            name='dealership',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealership.dealership', verbose_name='dealership'),
        ),
        migrations.AddField(
            model_name='staffmemberuserobjectpermission',
            name='dealership',
            field=models.ForeignKey(null=True, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealership.dealership', verbose_name='dealership'),
        ),
        migrations.RunPython(fill_dealership('staffmemberuserobjectpermission'), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='staffmemberuserobjectpermission',
            name='dealership',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dealership.dealership', verbose_name='dealership'),
        ),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_auditentry_tkey'),
        ),
        migrations.AddConstraint(
            model_name='department',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_department_tkey'),
        ),
        migrations.AddConstraint(
            model_name='position',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_position_tkey'),
        ),
        migrations.AddConstraint(
            model_name='positionassignment',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_positionassignment_tkey'),
        ),
        migrations.AddConstraint(
            model_name='positioncapability',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_positioncapability_tkey'),
        ),
        migrations.AddConstraint(
            model_name='staffmember',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_staffmember_tkey'),
        ),
        migrations.AddConstraint(
            model_name='staffmembergroupobjectpermission',
            constraint=models.UniqueConstraint(fields=('dealership', 'group', 'permission', 'content_object'), name='org_staffmembergroupobjectpermission_unique'),
        ),
        migrations.AddConstraint(
            model_name='staffmembergroupobjectpermission',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_staffmembergroupobjectpermission_tkey'),
        ),
        migrations.AddConstraint(
            model_name='staffmemberuserobjectpermission',
            constraint=models.UniqueConstraint(fields=('dealership', 'user', 'permission', 'content_object'), name='org_staffmemberuserobjectpermission_unique'),
        ),
        migrations.AddConstraint(
            model_name='staffmemberuserobjectpermission',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='org_staffmemberuserobjectpermission_tkey'),
        ),
        migrations.AddConstraint(
            model_name='position',
            constraint=dealership.tenancy.constraints.TenantForeignKey(field='department', name='org_position_department_tfk'),
        ),
        migrations.AddConstraint(
            model_name='position',
            constraint=dealership.tenancy.constraints.TenantForeignKey(field='reports_to', name='org_position_reports_to_tfk'),
        ),
        migrations.AddConstraint(
            model_name='positionassignment',
            constraint=dealership.tenancy.constraints.TenantForeignKey(field='staff', name='org_positionassignment_staff_tfk'),
        ),
        migrations.AddConstraint(
            model_name='positionassignment',
            constraint=dealership.tenancy.constraints.TenantForeignKey(field='position', name='org_positionassignment_position_tfk'),
        ),
        migrations.AddConstraint(
            model_name='positioncapability',
            constraint=dealership.tenancy.constraints.TenantForeignKey(field='position', name='org_positioncapability_position_tfk'),
        ),
        migrations.AddConstraint(
            model_name='staffmembergroupobjectpermission',
            constraint=dealership.tenancy.constraints.TenantForeignKey(field='content_object', name='org_staffmembergroupobjectpermission_content_object_tfk'),
        ),
        migrations.AddConstraint(
            model_name='staffmemberuserobjectpermission',
            constraint=dealership.tenancy.constraints.TenantForeignKey(field='content_object', name='org_staffmemberuserobjectpermission_content_object_tfk'),
        ),
    ]
