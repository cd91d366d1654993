"""Table columns every list shares (django-tables2), faster where the library's are slow.

The library's ``DateColumn`` and ``DateTimeColumn`` are template columns: each cell compiles
``{{ value|date:"…"|default:default }}`` anew and renders it, about 60 µs a cell (1.5 ms for a
page of 25 rows, per date column). These write the same text with the ``date`` filter itself:
the value in the current time zone, formatted, or the column's default when it formats to
nothing. Exports are unchanged (the library's ``value()``: ISO dates)."""

from __future__ import annotations

import django_tables2 as tables
from django.template.defaultfilters import date as date_filter
from django.utils.timezone import template_localtime


def _formatted(value, format: str, default):
    return date_filter(template_localtime(value), format) or default


class DateColumn(tables.DateColumn):
    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.format = format or ("SHORT_DATE_FORMAT" if short else "DATE_FORMAT")

    def render(self, value, bound_column, **kwargs):
        return _formatted(value, self.format, bound_column.default)


class DateTimeColumn(tables.DateTimeColumn):
    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.format = format or ("SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT")

    def render(self, value, bound_column, **kwargs):
        return _formatted(value, self.format, bound_column.default)
