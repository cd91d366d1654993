"""Simplified Chinese formats: Django's, with amounts grouped by thousands (159,800.00), as
Chinese invoices, quotes and bank statements write them (Django's own leave them ungrouped)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
