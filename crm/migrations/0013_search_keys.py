"""The search keys (dealership.search.keys): the reversed twin columns the database keeps, and
the (dealership_id, column COLLATE "C") b-tree indexes that serve a search by a value's start
or end under row-level security, where the trigram indexes are never used (``LIKE`` is leaky):
those are dropped. PostgreSQL only for the indexes."""

import django.db.models.functions.text
from django.db import migrations, models

from dealership.search.operations import dropped_index, head_index


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0012_customer_name_initials"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="number_reversed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse("number"),
                output_field=models.CharField(max_length=20),
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="mobile_alt_reversed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse("mobile_alt"),
                output_field=models.CharField(max_length=11),
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="mobile_reversed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse("mobile"),
                output_field=models.CharField(max_length=11),
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="name_reversed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse("name"),
                output_field=models.CharField(max_length=100),
            ),
        ),
        migrations.AddField(
            model_name="vehicle",
            name="plate_reversed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse("plate"),
                output_field=models.CharField(max_length=10),
            ),
        ),
        migrations.AddField(
            model_name="vehicle",
            name="vin_reversed",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse("vin"),
                output_field=models.CharField(max_length=17),
            ),
        ),
        head_index("crm_customer", "name", "crm_customer_name_head"),
        head_index("crm_customer", "name_reversed", "crm_customer_name_tail"),
        head_index("crm_customer", "name_initials", "crm_customer_initials_head"),
        head_index("crm_customer", "mobile_reversed", "crm_customer_mobile_tail"),
        head_index("crm_customer", "mobile_alt_reversed", "crm_customer_mobile_alt_tail"),
        head_index("crm_vehicle", "plate", "crm_vehicle_plate_head"),
        head_index("crm_vehicle", "plate_reversed", "crm_vehicle_plate_tail"),
        head_index("crm_vehicle", "vin_reversed", "crm_vehicle_vin_tail"),
        head_index("crm_complaint", "number", "crm_complaint_number_head"),
        head_index("crm_complaint", "number_reversed", "crm_complaint_number_tail"),
        dropped_index("crm_customer", "name", "crm_customer_name_trgm"),
        dropped_index("crm_customer", "name_initials", "crm_customer_initials_trgm"),
        dropped_index("crm_customer", "mobile", "crm_customer_mobile_trgm"),
        dropped_index("crm_customer", "mobile_alt", "crm_customer_mobile_alt_trgm"),
        dropped_index("crm_vehicle", "plate", "crm_vehicle_plate_trgm"),
        dropped_index("crm_vehicle", "vin", "crm_vehicle_vin_trgm"),
        dropped_index("crm_complaint", "number", "crm_complaint_number_trgm"),
    ]
