"""Filters of the report pages and PDFs: a value shown by its column kind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.formats import number_format

from dealership.reports.content import DATE, DECIMAL, INT, MONEY, PERCENT

register = template.Library()


@register.filter
def report_value(value, kind):
    if value is None or value == "":
        return "—"
    try:
        if kind == PERCENT:
            return f"{Decimal(str(value)) * 100:.1f}%"
        if kind == INT:
            return number_format(value, 0, force_grouping=True)
        if kind in (DECIMAL, MONEY):
            return number_format(Decimal(str(value)), 2, force_grouping=True)
    except (ArithmeticError, ValueError, TypeError):
        return value
    if kind == DATE and isinstance(value, dt.date):
        return value.isoformat()
    return value


@register.filter
def zip_columns(row, columns):
    return zip(row, columns, strict=False)
