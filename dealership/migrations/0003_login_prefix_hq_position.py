"""Each dealership names its own logins (``login_prefix``); an HQ membership has no default
position any more (without a valid one it grants nothing)."""

import re

import django.core.validators
from django.db import migrations, models


def fill_login_prefixes(apps, schema_editor):
    Dealership = apps.get_model("dealership", "Dealership")
    taken = set()
    for dealership in Dealership.objects.order_by("pk"):
        base = re.sub(r"[^a-z0-9]", "", dealership.code.lower()) or "d"
        if not base[0].isalpha():
            base = f"d{base}"
        prefix, n = base[:12], 1
        while prefix in taken:
            n += 1
            prefix = f"{base[:10]}{n}"
        taken.add(prefix)
        dealership.login_prefix = prefix
        dealership.save(update_fields=["login_prefix"])


class Migration(migrations.Migration):
    dependencies = [
        ("dealership", "0002_groupmembership_position_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="dealership",
            name="login_prefix",
            field=models.CharField(max_length=16, null=True, verbose_name="login prefix"),
        ),
        migrations.RunPython(fill_login_prefixes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dealership",
            name="login_prefix",
            field=models.CharField(
                help_text="Logins created by this dealership's HR start with it, e.g. whkia_zhangwei: each dealership names its own logins and never sees another's.",
                max_length=16,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z][a-z0-9]*$",
                        "Use lower-case letters and digits, starting with a letter.",
                    )
                ],
                verbose_name="login prefix",
            ),
        ),
        migrations.AlterField(
            model_name="groupmembership",
            name="position_code",
            field=models.SlugField(
                blank=True,
                help_text="The HQ position (e.g. hq_director or hq_analyst): it decides what the user may read across the group. Without a valid HQ position the membership grants nothing.",
                max_length=50,
                verbose_name="HQ position",
            ),
        ),
    ]
