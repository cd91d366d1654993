"""``{% table_row row %}``: one row of a django-tables2 table, as the library's own
``table.tbody.row`` block writes it (``templates/platform/table.html`` uses it for every list).

The library's block resolves five template variables and two ``{% if %}`` per cell: for a
list of 25 rows and 9 columns about 2 ms of its table's 18 ms (in-process, the bench's data).
This writes the same
markup in Python: each cell through the column's ``td`` attributes and
:func:`~django.template.base.render_value_in_context` (localized and escaped as ``{{ cell }}``
is), ``localize``/``unlocalize`` when the column asks for it."""

from __future__ import annotations

from django import template
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def table_row(context, row):
    cells = format_html_join("", "<td {}>{}</td>", _cells(context, row))
    return format_html("<tr {}>{}</tr>", row.attrs.as_html(), cells)


def _cells(context, row):
    for column, cell in row.items():  # sets the column's current record before its attrs
        if column.localize is not None:
            cell = localize(cell) if column.localize else unlocalize(cell)
        yield column.attrs["td"].as_html(), render_value_in_context(cell, context)
