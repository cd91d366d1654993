"""Customers are found by the pinyin initials of their name in the top bar's search (张三 → zs):
the field, filled for the customers already there (in the system scope: row-level security),
and on PostgreSQL a trigram index serving ``LIKE 'zs%'``."""

from django.db import migrations, models

from dealership.search.operations import trigram_index


def fill(apps, schema_editor):
    from dealership.search.matchers import pinyin_initials
    from dealership.tenancy import system_context

    Customer = apps.get_model("crm", "Customer")
    with system_context():
        batch = []
        for customer in Customer.objects.only("pk", "name").iterator(chunk_size=2000):
            customer.name_initials = pinyin_initials(customer.name)
            batch.append(customer)
            if len(batch) >= 2000:
                Customer.objects.bulk_update(batch, ["name_initials"])
                batch = []
        if batch:
            Customer.objects.bulk_update(batch, ["name_initials"])


class Migration(migrations.Migration):
    dependencies = [("crm", "0011_search_indexes")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_initials",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=50,
                verbose_name="name initials (pinyin)",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        trigram_index("crm_customer", "name_initials", "crm_customer_initials_trgm"),
    ]
