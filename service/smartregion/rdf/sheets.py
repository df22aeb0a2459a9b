"""Tables as files people open in a spreadsheet: CSV in two dialects, and XLSX.

``rfc4180`` is the CSV of RFC 4180 (comma, CRLF, UTF-8 without BOM), what programs read. ``excel``
is what a German Excel opens by double-click with umlauts and columns intact: UTF-8 with a byte
order mark (without it Excel reads the bytes as Windows-1252), ``;`` between cells (the list
separator of German Windows; a comma file opens as one column) and decimal numbers with a comma
(``0,25``; with a point Excel reads ``1.5`` as a date).

Text cells never run as formulas: CSV cells get csvsafe.py's leading ``'``; XLSX cells are written
with the string type, which Excel never evaluates, so they keep their text unchanged. Numbers stay
numbers in every format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from smartregion.rdf import csvsafe

Cell = str | int | float | bool | None
Dialect = Literal["rfc4180", "excel"]
DIALECTS: tuple[Dialect, ...] = ("rfc4180", "excel")
DIALECT_HELP = (
    "CSV dialect: `rfc4180` (comma, UTF-8; the default) or `excel` (UTF-8 with byte order mark, `;` between "
    "cells, decimal comma), which a German Excel opens by double-click"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
BOM = "\ufeff"
SHEET_NAME_LIMIT = 31  # Excel's limit; longer names make a workbook Excel refuses to open
CELL_LIMIT = 32_767  # characters in one Excel cell


@dataclass(frozen=True)
class Sheet:
    """One table: a name (the sheet's tab in XLSX), the column headers and the rows."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def _csv_cell(value: Cell, dialect: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if dialect == "excel" else text
    return csvsafe.cell(value)


def to_csv(sheet: Sheet, dialect: Dialect = "rfc4180") -> bytes:
    """The sheet as CSV of ``dialect`` (see the module docstring)."""
    out = io.StringIO()
    # CRLF as RFC 4180 has it; with "\n" Python 3.11's writer leaves a CR inside a cell unquoted, breaking the row.
    writer = csv.writer(out, delimiter=";" if dialect == "excel" else ",", lineterminator="\r\n")
    writer.writerow([csvsafe.cell(c) for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_csv_cell(value, dialect) for value in row])
    return ((BOM if dialect == "excel" else "") + out.getvalue()).encode("utf-8")


def to_xlsx(*sheets: Sheet) -> bytes:
    """A workbook with one worksheet per sheet, header row bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)  # streams rows: a million-triple network stays in bounds
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_name(sheet.name))
        worksheet.freeze_panes = "A2"
        header = []
        for name in sheet.columns:
            cell = _xlsx_cell(worksheet, name)
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        for row in sheet.rows:
            worksheet.append([_xlsx_cell(worksheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(worksheet: object, value: Cell) -> object:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return WriteOnlyCell(worksheet, value)
    # Control characters are not allowed in the XML of a workbook; Excel cuts cells at its limit anyway.
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_LIMIT]
    cell = WriteOnlyCell(worksheet, None)
    cell.value = text
    cell.data_type = "s"  # openpyxl would store "=..." as a formula; a string is shown, never evaluated
    return cell


def _sheet_name(name: str) -> str:
    # Excel refuses these characters in sheet names.
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in name)[:SHEET_NAME_LIMIT] or "Sheet"
