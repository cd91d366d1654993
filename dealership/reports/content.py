"""What a report's selector returns: sections of tables and key figures, typed so one
declaration gives the page, the PDF and the workbook (numbers stay numbers, dates stay dates),
and JSON so a run keeps the data it was made from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# column kinds: how a value is shown and written to Excel
TEXT, INT, DECIMAL, MONEY, PERCENT, DATE = "text", "int", "decimal", "money", "percent", "date"
NUMERIC = frozenset({INT, DECIMAL, MONEY})


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT
    # summed when HQ consolidates dealerships (numbers only; a rate is never summed)
    sum: bool | None = None

    @property
    def summed(self) -> bool:
        return self.kind in NUMERIC if self.sum is None else self.sum


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    # how many leading columns name a row (rows with the same names are added up by HQ)
    keys: int = 1
    totals: bool = False
    note: str = ""

    def total_row(self) -> list[Any]:
        row: list[Any] = []
        for index, column in enumerate(self.columns):
            if index == 0:
                row.append(None)
            elif column.summed and index >= self.keys:
                row.append(sum((r[index] or 0) for r in self.rows))
            else:
                row.append(None)
        return row


@dataclass
class ReportContent:
    """A report's data: ``figures`` (label, value, kind) shown first, then ``tables``."""

    figures: list[tuple[str, Any, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""

    # --- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "figures": [[str(label), _dump(value), kind] for label, value, kind in self.figures],
            "tables": [
                {
                    "title": str(table.title),
                    "columns": [[str(c.label), c.kind, c.sum] for c in table.columns],
                    "rows": [[_dump(v) for v in row] for row in table.rows],
                    "keys": table.keys,
                    "totals": table.totals,
                    "note": str(table.note),
                }
                for table in self.tables
            ],
            "note": str(self.note),
        }

    @classmethod
    def from_json(cls, data: dict | None) -> ReportContent:
        if not data:
            return cls()
        tables = []
        for raw in data.get("tables", []):
            columns = [Column(label, kind, summed) for label, kind, summed in raw["columns"]]
            rows = [
                [_load(value, column.kind) for value, column in zip(row, columns, strict=False)]
                for row in raw["rows"]
            ]
            tables.append(
                Table(
                    title=raw["title"],
                    columns=columns,
                    rows=rows,
                    keys=raw.get("keys", 1),
                    totals=raw.get("totals", False),
                    note=raw.get("note", ""),
                )
            )
        figures = [(label, _load(value, kind), kind) for label, value, kind in data["figures"]]
        return cls(figures=figures, tables=tables, note=data.get("note", ""))

    def with_labels_as_text(self) -> ReportContent:
        """The same content with every lazy label rendered in the active language."""
        return ReportContent.from_json(self.to_json())


def _dump(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _load(value, kind):
    if value is None:
        return None
    if kind == DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if kind in (DECIMAL, MONEY, PERCENT) and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value
