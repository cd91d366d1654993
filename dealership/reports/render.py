"""One report content, three forms: the HTML block of the page, an A4 PDF (WeasyPrint; Chinese
set in a CJK font; a header with the dealership, the period and the generation time) and an
XLSX workbook (openpyxl; numbers as numbers, dates as dates)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dealership.reports.content import DATE, DECIMAL, INT, MONEY, PERCENT, ReportContent

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"

NUMBER_FORMATS = {
    INT: "#,##0",
    DECIMAL: "#,##0.00",
    MONEY: "#,##0.00",
    PERCENT: "0.0%",
    DATE: "yyyy-mm-dd",
}


@dataclass
class Document:
    """One report of one dealership and period, as it goes into a file."""

    title: str
    dealership: str
    period: str
    generated_at: dt.datetime
    content: ReportContent
    version: int | None = None

    @property
    def wide(self) -> bool:
        """Printed on A4 landscape: a table of more than eight columns."""
        return any(len(table.columns) > 8 for table in self.content.tables)


def html_block(content: ReportContent) -> str:
    """The report's figures and tables, as shown inside a page (and inside the PDF)."""
    return render_to_string("reports/_content.html", {"content": content})


def pdf_bytes(documents: Iterable[Document], *, title: str, subtitle: str = "") -> bytes:
    """An A4 PDF of one or more documents (one after the other, each from a new page)."""
    from weasyprint import HTML

    html = render_to_string(
        "reports/print.html",
        {
            "documents": list(documents),
            "title": title,
            "subtitle": subtitle,
            "generated_at": timezone.localtime(),
        },
    )
    return HTML(string=html, base_url=None).write_pdf()


def merge_pdfs(parts: Iterable[bytes]) -> bytes:
    """One PDF of several, page after page (pypdf; nothing is laid out again)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def xlsx_bytes(sheets: Iterable[tuple[str, list[Document]]]) -> bytes:
    """A workbook: one sheet per ``(name, documents)``, each document below the previous one
    with its header lines, figures and tables. Written in the streaming mode, so a group's pack
    of many dealerships takes little memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    title_font = Font(bold=True, size=13)
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for name, documents in sheets:
        sheet = workbook.create_sheet(_sheet_name(name, used))
        for document in documents:

            def cell(value, font=None, kind=None, sheet=sheet):
                value = _excel_value(value, kind)
                c = WriteOnlyCell(sheet, value=value)
                if font is not None:
                    c.font = font
                if kind in NUMBER_FORMATS and value is not None and not isinstance(value, str):
                    c.number_format = NUMBER_FORMATS[kind]
                return c

            sheet.append([cell(str(document.title), title_font)])
            sheet.append([_("dealership"), str(document.dealership)])
            sheet.append([_("period"), str(document.period)])
            sheet.append(
                [
                    _("generated at"),
                    cell(timezone.localtime(document.generated_at).replace(tzinfo=None), None),
                ]
            )
            if document.version:
                sheet.append([_("version"), document.version])
            content = document.content
            if content.figures:
                sheet.append([])
                for label, value, kind in content.figures:
                    sheet.append([str(label), cell(value, None, kind)])
            for table in content.tables:
                sheet.append([])
                sheet.append([cell(str(table.title), bold)])
                sheet.append([cell(str(c.label), bold) for c in table.columns])
                for row in table.rows:
                    sheet.append(
                        [cell(v, None, c.kind) for v, c in zip(row, table.columns, strict=False)]
                    )
                if table.totals and table.rows:
                    total = table.total_row()
                    total[0] = _("Total")
                    sheet.append(
                        [
                            cell(v, bold, c.kind if i else None)
                            for i, (v, c) in enumerate(zip(total, table.columns, strict=False))
                        ]
                    )
                if table.note:
                    sheet.append([str(table.note)])
            if content.note:
                sheet.append([])
                sheet.append([str(content.note)])
            sheet.append([])
            sheet.append([])
    if not used:
        workbook.create_sheet(_("Report"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_value(value, kind):
    if isinstance(value, Decimal):
        return float(value) if kind != MONEY else round(float(value), 2)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, bool | int | float | dt.date | str):
        return value
    return str(value)


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name)).strip() or "Sheet"
    clean = clean[:31]
    candidate, number = clean, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate = clean[: 31 - len(suffix)] + suffix
        number += 1
    used.add(candidate.lower())
    return candidate
