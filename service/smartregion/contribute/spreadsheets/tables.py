"""Reading spreadsheets: CSV in any common encoding and dialect, XLSX without resolving any XML entity.

A file becomes a :class:`Table` of text cells with their row numbers, or a problem saying why not.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from smartregion.contribute.model import ContributionError, Problem

MEDIA_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Row:
    """One data row: its number as the spreadsheet shows it (the header is row 1) and its cells by header."""

    number: int
    values: Mapping[str, str]


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    header_row: int = 1  # where the headers are, for problems with a column


def not_a_spreadsheet(name: str, why: str) -> ContributionError:
    return ContributionError(
        [Problem(f"{name} is not a spreadsheet: {why}", fix="upload a CSV file (UTF-8, comma or semicolon) or an .xlsx workbook")]
    )


def read_file(path: str | Path) -> Table:
    path = Path(path)
    return read_table(path.read_bytes(), path.name)


def read_table(data: bytes, name: str) -> Table:
    """CSV or XLSX by content (an .xlsx is a ZIP file), whatever the name says; the first sheet of a workbook."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, name)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise not_a_spreadsheet(name, "it is an old binary Excel (.xls) file; save it as .xlsx or .csv")
    if name.lower().endswith(".xlsx"):
        raise not_a_spreadsheet(name, "it is named .xlsx but is not an Excel workbook")
    return _read_csv(data, name)


def _read_csv(data: bytes, name: str) -> Table:
    if b"\x00" in data:
        raise not_a_spreadsheet(name, "it contains binary data")
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Windows still writes CSV in cp1252
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            undecodable = exc.start + 1
    else:  # a few bytes are no character even in cp1252
        raise not_a_spreadsheet(name, f"it is neither UTF-8 nor Windows-1252 text (byte {undecodable})")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        raise not_a_spreadsheet(name, "it contains control characters")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise not_a_spreadsheet(name, "it is empty")
    first = lines[0]
    delimiter = max(",;\t", key=first.count)
    if first.count(delimiter) == 0 and len(lines) > 1 and len(first) > 60:
        raise not_a_spreadsheet(name, "its first line is no header row of column names")
    cells: list[list[str]] = []
    try:
        # newline="", as the csv module asks: a lone \r (old Mac files) ends a row instead of failing.
        cells.extend(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a cell over the csv module's limit of 131072 characters
        row = len(cells) + 1
        raise ContributionError(
            [Problem(f"{name} cannot be read as CSV here: {exc}", row=row, fix="shorten the cell, or save the file again as CSV")]
        ) from None
    return _table(name, [[c.strip() for c in row] for row in cells])


MAX_UNPACKED_BYTES = 25_000_000  # XML in one workbook; a ZIP bomb of 600 KB unpacks to hundreds of MB


def _read_xlsx(data: bytes, name: str) -> Table:
    import openpyxl  # only needed for workbooks

    # SyntaxError: malformed XML, and what expat refuses (external entities, billion laughs).
    unreadable = (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # The sizes are the archive's own claims, but zipfile never unpacks more than they say.
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise not_a_spreadsheet(
                name,
                f"it unpacks to {unpacked / 1e6:,.0f} MB, more than the limit of {MAX_UNPACKED_BYTES / 1e6:,.0f} MB; "
                "split it into smaller workbooks",
            )
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            cells = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except unreadable as exc:
        raise not_a_spreadsheet(name, f"it is a ZIP file but no Excel workbook ({exc})") from None
    return _table(name, cells)


def _cell_text(value: object) -> str:
    """A cell as text: dates as ISO dates (times only when set), whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(name: str, cells: list[list[str]]) -> Table:
    numbered = [(i + 1, row) for i, row in enumerate(cells) if any(c.strip() for c in row)]
    if not numbered:
        raise not_a_spreadsheet(name, "it has no rows")
    header_number, header = numbered[0]
    headers = tuple(h.strip() for h in header)
    rows = []
    for number, row in numbered[1:]:
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(headers) if h}
        extra = [c for c in row[len(headers) :] if c.strip()]
        if extra:
            values[""] = "; ".join(extra)  # cells beyond the header: reported as a problem by the converter
        rows.append(Row(number, values))
    return Table(name, headers, tuple(rows), header_number)
