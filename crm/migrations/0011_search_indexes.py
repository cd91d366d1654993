"""Indexes for the top bar search (dealership.search), PostgreSQL only (SQLite searches
without): trigram indexes on customers' names and mobiles (a piece of a name, the last four
digits), vehicles' plates and VINs (a piece of a plate, the VIN's tail) and complaint numbers;
b-tree indexes for the equality searches not yet covered by a unique key (the second mobile,
the plate)."""

from django.db import migrations

from dealership.search.operations import plain_index, trigram_extension, trigram_index


class Migration(migrations.Migration):
    dependencies = [("crm", "0010_enquiry_caller_phone_letter_pdf")]

    operations = [
        trigram_extension(),
        trigram_index("crm_customer", "name", "crm_customer_name_trgm"),
        trigram_index("crm_customer", "mobile", "crm_customer_mobile_trgm"),
        trigram_index("crm_customer", "mobile_alt", "crm_customer_mobile_alt_trgm"),
        plain_index("crm_customer", ("dealership_id", "mobile_alt"), "crm_customer_mobile_alt_idx"),
        trigram_index("crm_vehicle", "plate", "crm_vehicle_plate_trgm"),
        trigram_index("crm_vehicle", "vin", "crm_vehicle_vin_trgm"),
        plain_index("crm_vehicle", ("dealership_id", "plate"), "crm_vehicle_plate_idx"),
        trigram_index("crm_complaint", "number", "crm_complaint_number_trgm"),
    ]
