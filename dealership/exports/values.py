"""A list's rows as a spreadsheet sees them, and the two files they are written to.

* :func:`cell` turns what a table shows into a typed value: numbers stay numbers and dates
  dates (a spreadsheet can add and sort them), text loses its HTML, ``True`` reads 是/Yes;
  text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is quoted.
* :func:`csv_chunks` streams CSV (UTF-8 with the byte-order mark Excel needs for Chinese);
  :func:`write_xlsx` writes XLSX in openpyxl's write-only mode (rows are not kept in memory)."""

from __future__ import annotations

import csv
import datetime as dt
import html
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = (int, float, Decimal)


def text(value) -> str:
    """Plain text of a rendered cell: tags removed, entities decoded, blanks collapsed."""
    return " ".join(html.unescape(strip_tags(str(value))).split())


def cell(value):
    """A cell's value for a file: ``None`` → empty, numbers and dates as they are (aware times in
    the active time zone, without it: spreadsheets know none), anything else as plain text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, NUMBER):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    shown = text(value)
    if shown == "—":  # what a page shows for "nothing"
        return ""
    if shown.startswith(FORMULA_START):
        # never a formula: a spreadsheet would run "=HYPERLINK(…)" typed into a name field
        shown = "'" + shown
    return shown


def _csv_text(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Line:
    """What ``csv.writer`` writes to: the line it was given (the Django documentation's way of
    streaming CSV)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([_csv_text(value) for value in row]))
        if len(batch) >= 200:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def write_xlsx(
    fileobj,
    title: str,
    header: list[str],
    rows: Iterable[list],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write one sheet to ``fileobj``; returns the number of rows. ``progress(rows)`` is called
    every 500 rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in header:
        heading_cell = WriteOnlyCell(sheet, value=name)
        heading_cell.font = bold
        heading.append(heading_cell)
    sheet.append(heading)
    count = 0
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        count += 1
        if progress is not None and count % 500 == 0:
            progress(count)
    workbook.save(fileobj)
    return count


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in str(title)).strip()
    return (cleaned or "Sheet")[:31]
