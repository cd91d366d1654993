"""Indexes for the top bar search (dealership.search): repair order numbers by a piece
(trigram, PostgreSQL only; SQLite searches without)."""

from django.db import migrations

from dealership.search.operations import trigram_extension, trigram_index


class Migration(migrations.Migration):
    dependencies = [("aftersales", "0002_service_targets")]

    operations = [
        trigram_extension(),
        trigram_index("aftersales_repairorder", "number", "aftersales_ro_number_trgm"),
    ]
