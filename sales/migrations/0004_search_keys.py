"""The search keys (dealership.search.keys): the reversed twin columns the database keeps, and
the (dealership_id, column COLLATE "C") b-tree indexes that serve a search by a value's start
or end under row-level security, where the trigram indexes are never used (``LIKE`` is leaky):
those are dropped. PostgreSQL only for the indexes."""

import django.db.models.functions.text
from django.db import migrations, models

from dealership.search.operations import dropped_index, head_index


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0003_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="number_reversed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse("number"),
                output_field=models.CharField(max_length=20),
            ),
        ),
        head_index("sales_order", "number", "sales_order_number_head"),
        head_index("sales_order", "number_reversed", "sales_order_number_tail"),
        dropped_index("sales_order", "number", "sales_order_number_trgm"),
    ]
