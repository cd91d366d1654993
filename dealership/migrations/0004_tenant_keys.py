"""The unique (dealership, id) key of the job runs (see dealership.tenancy.constraints)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dealership', '0003_login_prefix_hq_position'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='jobrun',
            constraint=models.UniqueConstraint(fields=('dealership', 'id'), name='dealership_jobrun_tkey'),
        ),
    ]
