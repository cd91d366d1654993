"""Indexes for the top bar search (dealership.search): order numbers by a piece (trigram,
PostgreSQL only; SQLite searches without)."""

from django.db import migrations

from dealership.search.operations import trigram_extension, trigram_index


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_plans_prices_network")]

    operations = [
        trigram_extension(),
        trigram_index("sales_order", "number", "sales_order_number_trgm"),
    ]
