"""Example spreadsheets for each kind, in English or German, and the column table for the README."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from smartregion.contribute.spreadsheets.reading import Kind


def template_rows(kind: Kind, lang: str = "en") -> list[list[str]]:
    """The header row (English or German) and the example rows of a kind."""
    header = [c.name if lang == "en" else c.german for c in kind.columns]
    return [header] + [[example.get(c.name, "") for c in kind.columns] for example in kind.examples]


def write_template(kind: Kind, path: str | Path, lang: str = "en") -> Path:
    """An example file: CSV, or XLSX with a second sheet explaining every column."""
    path = Path(path)
    path.write_bytes(template_bytes(kind, path.suffix.lower().lstrip("."), lang))
    return path


def template_bytes(kind: Kind, fmt: str, lang: str = "en") -> bytes:
    """The example file as bytes: ``fmt`` "xlsx" (with a sheet explaining every column) or "csv"."""
    rows = template_rows(kind, lang)
    if fmt != "xlsx":
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8")
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind.name
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    help_sheet = workbook.create_sheet("columns" if lang == "en" else "Spalten")
    help_sheet.append(["column", "Spalte", "required", "what goes in", "example"])
    for column in kind.columns:
        help_sheet.append([column.name, column.german, "yes" if column.required else "", column.help, column.example])
    out_bytes = io.BytesIO()
    workbook.save(out_bytes)
    return out_bytes.getvalue()


def describe_kind(kind: Kind) -> str:
    """The column template as a Markdown table (for `smartregion template KIND --describe` and the README)."""
    lines = [
        f"**{kind.name}** — {kind.description}",
        "",
        "| column | Spalte | required | what goes in | example |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{c.name}` | `{c.german}` | {'yes' if c.required else ''} | {c.help} | {c.example} |".replace("||", "| |") for c in kind.columns
    ]
    return "\n".join(lines)
